//! Operating the controller: Prometheus metrics, and the `/healthz` and `/readyz` probes, on one small HTTP server.
//!
//! A controller that runs unattended has to say how it is doing without anyone reading its
//! logs: whether it is alive (`/healthz`, for a liveness probe), whether it is doing its
//! job (`/readyz`: its informers have synced and can still list and watch, and it is not
//! shutting down), and how much work it does and how that goes (`/metrics`). All three are
//! served on `--metrics-bind-address` (loopback by default) by [`Server`].
//!
//! - [`metrics`]: the families and what each one counts; [`ControllerMetrics`] is what the
//!   controller records into.
//! - [`health`]: the checks; [`Health`] is the state they read, updated by `main` as the
//!   controller starts, stops and shuts down.
//! - [`server`]: the routes.
//!
//! ```no_run
//! use prometheus_client::registry::Registry;
//! use sample_controller::ops::{ControllerMetrics, Health, Server, register_informer_metrics};
//!
//! # async fn doc() -> Result<(), Box<dyn std::error::Error>> {
//! let health = Health::new();
//! let mut registry = Registry::default();
//! let metrics = ControllerMetrics::register(&mut registry);
//! register_informer_metrics(&mut registry, &health);
//! // ...register any other families here, before the registry is served...
//! let server = Server::bind("127.0.0.1:8080".parse()?, registry, health.clone()).await?;
//! // ...build the controller with `metrics`, add its informers to `health`, run it...
//! server.shutdown().await;
//! # Ok(())
//! # }
//! ```

pub mod health;
pub mod metrics;
pub mod server;

pub use health::Health;
pub use metrics::{ControllerMetrics, register_informer_metrics};
pub use server::Server;
