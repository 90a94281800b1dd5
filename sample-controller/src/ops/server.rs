//! The HTTP server on `--metrics-bind-address`: `/metrics`, `/healthz` and `/readyz`.
//!
//! A few lines of hyper rather than a web framework: three read-only routes, HTTP/1.1 only,
//! and a graceful shutdown that lets a scrape in progress finish.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use prometheus_client::registry::Registry;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tracing::{debug, info, warn};

use super::{Health, metrics};

/// The content type of `/metrics`: OpenMetrics text, which prometheus-client writes.
pub const METRICS_CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// How long connections in progress may take to finish after shutdown begins.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The address is taken, not local, or needs privileges.
    #[error("could not listen on {address} for /metrics, /healthz and /readyz")]
    Bind {
        /// The address asked for.
        address: SocketAddr,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
}

/// The running server; [`shutdown`](Self::shutdown) stops it.
#[derive(Debug)]
pub struct Server {
    address: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

/// What every request reads.
struct State {
    registry: Registry,
    health: Health,
}

impl Server {
    /// Listens on `address` and serves, on a task of its own:
    ///
    /// - `GET /metrics`: `registry` as OpenMetrics text ([`METRICS_CONTENT_TYPE`]);
    /// - `GET /healthz`: `200 ok` while `health`'s liveness checks pass, else `503` listing
    ///   them (see [`Health::liveness`]);
    /// - `GET /readyz`: the same for [`Health::readiness`].
    ///
    /// `?verbose` lists every check even when all pass. Other paths answer `404`, other
    /// methods `405`. Port 0 picks a free port; see [`address`](Self::address).
    ///
    /// # Errors
    ///
    /// [`Error::Bind`] when the address cannot be listened on.
    ///
    /// # Panics
    ///
    /// Outside a Tokio runtime.
    pub async fn bind(
        address: SocketAddr,
        registry: Registry,
        health: Health,
    ) -> Result<Server, Error> {
        let bind_error = |source| Error::Bind { address, source };
        let listener = TcpListener::bind(address).await.map_err(bind_error)?;
        let address = listener.local_addr().map_err(bind_error)?;
        let state = Arc::new(State { registry, health });
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(serve(listener, state, stopped));
        info!(%address, "serving /metrics, /healthz and /readyz");
        Ok(Server {
            address,
            stop,
            task,
        })
    }

    /// The address the server listens on (with the port picked, if 0 was asked for).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Stops accepting connections, lets requests in progress finish (for at most 5 s),
    /// and waits until the server has stopped.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// Accepts connections until `stopped`, then closes them gracefully.
async fn serve(listener: TcpListener, state: Arc<State>, mut stopped: oneshot::Receiver<()>) {
    let graceful = GracefulShutdown::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _peer)) => stream,
                    Err(error) => {
                        // Out of file descriptors, usually: wait instead of spinning.
                        warn!(%error, "could not accept a connection on the metrics address");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let state = Arc::clone(&state);
                let service = service_fn(move |request| {
                    let response = state.respond(&request);
                    async move { Ok::<_, Infallible>(response) }
                });
                let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
                let connection = graceful.watch(connection);
                tokio::spawn(async move {
                    if let Err(error) = connection.await {
                        debug!(%error, "metrics connection failed");
                    }
                });
            }
            _ = &mut stopped => break,
        }
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_TIMEOUT, graceful.shutdown())
        .await
        .is_err()
    {
        warn!("metrics connections still open at shutdown were closed");
    }
    debug!("metrics server stopped");
}

impl State {
    fn respond<B>(&self, request: &Request<B>) -> Response<Full<Bytes>> {
        let path = request.uri().path();
        if !matches!(path, "/metrics" | "/healthz" | "/readyz") {
            return plain(StatusCode::NOT_FOUND, format!("no such path: {path}\n"));
        }
        if !matches!(*request.method(), Method::GET | Method::HEAD) {
            let mut response = plain(StatusCode::METHOD_NOT_ALLOWED, "use GET\n".into());
            response
                .headers_mut()
                .insert(header::ALLOW, header::HeaderValue::from_static("GET, HEAD"));
            return response;
        }
        let verbose = request.uri().query().is_some_and(|query| {
            query
                .split('&')
                .any(|p| p.split('=').next() == Some("verbose"))
        });
        let (endpoint, report) = match path {
            "/metrics" => {
                let mut response =
                    Response::new(Full::new(Bytes::from(metrics::encode(&self.registry))));
                response.headers_mut().insert(
                    header::CONTENT_TYPE,
                    header::HeaderValue::from_static(METRICS_CONTENT_TYPE),
                );
                return response;
            }
            "/healthz" => ("healthz", self.health.liveness()),
            _ => ("readyz", self.health.readiness()),
        };
        let status = if report.passed() {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        };
        plain(status, report.render(endpoint, verbose))
    }
}

/// A `text/plain` response.
fn plain(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response.headers_mut().insert(
        header::HeaderName::from_static("x-content-type-options"),
        header::HeaderValue::from_static("nosniff"),
    );
    response
}

#[cfg(test)]
mod tests {
    use crate::deployment::CachedDeployment;
    use kube::core::Status;
    use kube_gen::fake::{FakeCluster, Reaction};
    use kube_gen::informer::SharedInformerFactory;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    use super::*;
    use crate::foo::Foo;
    use crate::ops::{ControllerMetrics, register_informer_metrics};

    /// What kube-apiserver answers a ServiceAccount that may not list Deployments.
    const FORBIDDEN: &str = "deployments.apps is forbidden: User \
        \"system:serviceaccount:default:sample-controller\" cannot list resource \
        \"deployments\" in API group \"apps\" at the cluster scope";

    /// A response: status code, headers (lower-cased names) and body.
    struct Answer {
        status: u16,
        headers: String,
        body: String,
    }

    /// Sends one HTTP/1.1 request and reads the whole response.
    async fn request(address: SocketAddr, method: &str, path: &str) -> Answer {
        let mut stream = TcpStream::connect(address).await.expect("connects");
        let request =
            format!("{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).await.unwrap();
        let (head, body) = response
            .split_once("\r\n\r\n")
            .expect("a complete response");
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        Answer {
            status,
            headers: head.to_lowercase(),
            body: body.to_owned(),
        }
    }

    async fn get(address: SocketAddr, path: &str) -> Answer {
        request(address, "GET", path).await
    }

    /// A server with the controller's metrics and the informers of `factory` in `health`.
    async fn serve(factory: &SharedInformerFactory) -> (Server, Health, ControllerMetrics) {
        let health = Health::new();
        health.add_informer("foos", &factory.informer::<Foo>());
        health.add_informer("deployments", &factory.informer::<CachedDeployment>());
        let mut registry = Registry::default();
        let metrics = ControllerMetrics::register(&mut registry);
        register_informer_metrics(&mut registry, &health);
        let server = Server::bind("127.0.0.1:0".parse().unwrap(), registry, health.clone())
            .await
            .expect("binds");
        (server, health, metrics)
    }

    /// Waits until `done` holds, for at most 5 s.
    async fn eventually(done: impl Fn() -> bool) {
        tokio::time::timeout(Duration::from_secs(5), async {
            while !done() {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await
        .expect("the condition holds within 5 s");
    }

    #[tokio::test]
    async fn a_standby_replica_is_live_and_ready_before_its_informers_start() {
        let factory = SharedInformerFactory::new(FakeCluster::new().client());
        let (server, _health, _metrics) = serve(&factory).await;
        let address = server.address();

        let healthz = get(address, "/healthz").await;
        assert_eq!((healthz.status, healthz.body.as_str()), (200, "ok"));
        assert!(healthz.headers.contains("content-type: text/plain"));
        let readyz = get(address, "/readyz").await;
        assert_eq!((readyz.status, readyz.body.as_str()), (200, "ok"));
        let verbose = get(address, "/readyz?verbose").await;
        assert_eq!(verbose.status, 200);
        assert_eq!(
            verbose.body,
            "[+]ping ok\n[+]controller ok (not started)\n[+]informer foos ok (not started)\n\
             [+]informer deployments ok (not started)\n[+]shutdown ok\nreadyz check passed\n"
        );
        server.shutdown().await;
    }

    #[tokio::test]
    async fn readyz_names_the_informer_whose_list_is_forbidden() {
        let fake = FakeCluster::new();
        fake.prepend_reactor("list", "deployments", |_| {
            Reaction::error(Status::failure(FORBIDDEN, "Forbidden").with_code(403))
        });
        let factory = SharedInformerFactory::new(fake.client());
        let (server, health, _metrics) = serve(&factory).await;
        health.controller_started();
        factory.start();
        let deployments = factory.informer::<CachedDeployment>();
        eventually(|| deployments.health().last_error.is_some()).await;
        factory
            .informer::<Foo>()
            .wait_for_cache_sync(Duration::from_secs(5))
            .await
            .unwrap();

        let readyz = get(server.address(), "/readyz").await;
        assert_eq!(readyz.status, 503);
        assert_eq!(
            readyz.body,
            format!(
                "[+]ping ok\n[+]controller ok\n[+]informer foos ok\n\
                 [-]informer deployments failed: list failed: Forbidden (403): {FORBIDDEN}\n\
                 [+]shutdown ok\nreadyz check failed\n"
            )
        );
        // Liveness is about the process, not the API server: a restart would not fix RBAC.
        assert_eq!(get(server.address(), "/healthz").await.status, 200);

        let metrics = get(server.address(), "/metrics").await;
        for line in [
            r#"sample_controller_informer_synced{informer="foos"} 1"#,
            r#"sample_controller_informer_synced{informer="deployments"} 0"#,
            r#"sample_controller_informer_consecutive_failures{informer="foos"} 0"#,
        ] {
            assert!(
                metrics.body.contains(line),
                "{line} missing:\n{}",
                metrics.body
            );
        }
        factory.shutdown().await;
        server.shutdown().await;
    }

    #[tokio::test]
    async fn metrics_are_openmetrics_text_with_every_family() {
        let factory = SharedInformerFactory::new(FakeCluster::new().client());
        let (server, _health, metrics) = serve(&factory).await;
        let _queue = kube_gen::workqueue::WorkQueue::<String>::builder()
            .name("Foos")
            .metrics(metrics.workqueue())
            .build();
        metrics.observe_reconcile(true, Duration::from_millis(3));

        let answer = get(server.address(), "/metrics").await;
        assert_eq!(answer.status, 200);
        assert!(
            answer
                .headers
                .contains(&format!("content-type: {METRICS_CONTENT_TYPE}")),
            "{}",
            answer.headers
        );
        for line in [
            r#"workqueue_depth{name="Foos"} 0"#,
            r#"sample_controller_reconcile_total{result="success"} 1"#,
            r#"sample_controller_reconcile_duration_seconds_count{result="success"} 1"#,
            r#"sample_controller_informer_synced{informer="deployments"} 0"#,
        ] {
            assert!(
                answer.body.contains(line),
                "{line} missing:\n{}",
                answer.body
            );
        }
        assert!(answer.body.ends_with("# EOF\n"));
        server.shutdown().await;
    }

    #[tokio::test]
    async fn healthz_fails_once_the_controller_has_exited_and_readyz_during_shutdown() {
        let factory = SharedInformerFactory::new(FakeCluster::new().client());
        let (server, health, _metrics) = serve(&factory).await;
        health.controller_started();
        health.begin_shutdown();
        let readyz = get(server.address(), "/readyz").await;
        assert_eq!(readyz.status, 503);
        assert!(readyz.body.contains("[-]shutdown failed: shutting down\n"));
        assert_eq!(get(server.address(), "/healthz").await.status, 200);

        health.controller_stopped(Some("a worker panicked".into()));
        let healthz = get(server.address(), "/healthz").await;
        assert_eq!(healthz.status, 503);
        assert_eq!(
            healthz.body,
            "[+]ping ok\n[-]controller failed: exited: a worker panicked\nhealthz check failed\n"
        );
        server.shutdown().await;
    }

    #[tokio::test]
    async fn unknown_paths_and_methods_are_refused() {
        let factory = SharedInformerFactory::new(FakeCluster::new().client());
        let (server, _health, _metrics) = serve(&factory).await;
        assert_eq!(get(server.address(), "/").await.status, 404);
        assert_eq!(get(server.address(), "/metricsz").await.status, 404);
        let post = request(server.address(), "POST", "/readyz").await;
        assert_eq!(post.status, 405);
        assert!(post.headers.contains("allow: get, head"));
        server.shutdown().await;
    }

    #[tokio::test]
    async fn a_taken_address_is_an_error_naming_it_and_shutdown_closes_the_port() {
        let factory = SharedInformerFactory::new(FakeCluster::new().client());
        let (server, health, _metrics) = serve(&factory).await;
        let address = server.address();
        let err = Server::bind(address, Registry::default(), health)
            .await
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with(&format!("could not listen on {address} ")),
            "{err}"
        );
        server.shutdown().await;
        assert!(TcpStream::connect(address).await.is_err());
    }
}
