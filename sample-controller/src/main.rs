//! sample-controller: reconciles `Foo.spec.replicas` against a Deployment it owns.
//!
//! `sample-controller [flags]` runs the controller; `sample-controller crd` prints the Foo
//! CRD. The first SIGINT or SIGTERM stops taking work, lets the syncs in flight finish and
//! exits 0; a second one exits 1 at once.
//!
//! # Operating it
//!
//! Logs go to stderr, as text or, with `--log-format json`, one JSON object per line; `-v`
//! and `-vv` raise the level, `RUST_LOG` (e.g. `info,kube_gen=debug`) overrides it. A list
//! or watch the API server refuses or cannot answer is logged once per retry, at warn, with
//! the server's message.
//!
//! `--metrics-bind-address` (default `127.0.0.1:8080`, `0` to disable) serves:
//!
//! - `/healthz`: `200 ok` while the controller loop is alive; `503` once it has returned.
//! - `/readyz`: `200 ok` when both informers have synced and their last list or watch
//!   worked and shutdown has not begun; else `503` naming each failing check, e.g.
//!   `[-]informer foos failed: list failed: Forbidden (403): ...`. `?verbose` lists every
//!   check.
//! - `/metrics`, in OpenMetrics text (every family is described in
//!   [`ops::metrics`](sample_controller::ops::metrics)):
//!   - `workqueue_depth`, `workqueue_adds_total`, `workqueue_queue_duration_seconds`,
//!     `workqueue_work_duration_seconds`, `workqueue_unfinished_work_seconds`,
//!     `workqueue_longest_running_processor_seconds`, `workqueue_retries_total`, for the
//!     queue `name="Foos"`;
//!   - `sample_controller_reconcile_total` and `sample_controller_reconcile_duration_seconds`,
//!     by `result="success"|"error"`;
//!   - `sample_controller_informer_synced` and
//!     `sample_controller_informer_consecutive_failures`, by `informer="foos"|"deployments"`.

mod cli;
mod run;

use std::future::Future;

use anyhow::Context as _;
use clap::Parser as _;
use tracing::info;
use tracing_subscriber::EnvFilter;

use crate::cli::{Args, Command, LogFormat};

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if let Some(Command::Crd) = args.command {
        print!("{}", sample_controller::foo::crd_yaml()?);
        return Ok(());
    }
    init_logging(args.verbose, args.log_format);
    let runtime = tokio::runtime::Runtime::new().context("could not start the tokio runtime")?;
    if let Err(err) = runtime.block_on(run::run(args)) {
        tracing::error!("{err:#}");
        std::process::exit(1);
    }
    Ok(())
}

/// Completes on the first SIGINT or SIGTERM; the second one exits the process with 1.
fn shutdown_signal() -> impl Future<Output = ()> {
    let (first, received) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        wait_for_signal().await;
        info!("received a signal; shutting down (send another to exit at once)");
        let _ = first.send(());
        wait_for_signal().await;
        tracing::error!("received a second signal; exiting");
        std::process::exit(1);
    });
    async move {
        // An error means the signal task is gone, which only happens when the runtime is.
        let _ = received.await;
    }
}

/// Waits for SIGINT or SIGTERM (Ctrl-C only off Unix).
async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).expect("can listen for SIGTERM");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Logs to stderr at info, or debug with -v, trace with -vv; RUST_LOG overrides. JSON
/// lines carry the event's fields at the top level, next to `timestamp`, `level`, `target`
/// and `message`.
fn init_logging(verbose: u8, format: LogFormat) {
    // kube's client logs each failed request at error without saying what it was for; the
    // informers and the controller log each failure with that context, once per retry, so
    // kube's line is left to -vv and RUST_LOG.
    let level = match verbose {
        0 => "info,kube_client::client::builder=off",
        1 => "debug,kube_client::client::builder=off",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().flatten_event(true).init(),
    }
}
