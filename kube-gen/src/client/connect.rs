//! A [`kube::Client`] whose connections set `TCP_NODELAY` and keepalive, as Go's `net/http` does.
//!
//! kube's own builder (`Client::try_from(config)`) connects with hyper's `HttpConnector`
//! defaults, which leave Nagle's algorithm on. The first request on every new connection is
//! then written while the TLS handshake's last record is still unacknowledged, so the kernel
//! holds it until the server's delayed ACK, about 40 ms later: an empty LIST takes ~47 ms
//! from kube's client and ~5 ms from client-go on the same machine. Every controller start,
//! every informer's first LIST and every connection a burst of concurrent requests opens pays
//! it. Nor do hyper's defaults turn TCP keepalive on, so a connection whose peer vanished
//! without a FIN or RST (node loss, NAT or load-balancer state dropped) stays open while
//! idle; this builder's connections send keepalive probes after 30 s idle, then every 15 s,
//! and give up after 9 unanswered ones (Go's dialer with client-go's `KeepAlive: 30s`).
//! Informers also bound every watch themselves (see
//! [`InformerBuilder::watch_idle_timeout`](crate::informer::InformerBuilder::watch_idle_timeout)).
//! [`builder`] is kube's builder with these differences; the layers (base URI,
//! timeouts, retries, auth, extra headers) are kube's own, built from the same
//! [`Config`](kube::Config).
//!
//! ```no_run
//! use kube_gen::client::{Throttle, connect};
//!
//! # async fn run() -> anyhow::Result<()> {
//! let config = kube::Config::infer().await?;
//! let client = connect::builder(config.clone())?.build();
//! // Layers go on as on kube's builder, e.g. client-go's QPS 5, burst 10:
//! let throttled = connect::builder(config)?.with_layer(&Throttle::new(5.0, 10)).build();
//! # Ok(())
//! # }
//! ```
//!
//! What kube's builder does and this one leaves to it: a config that names a proxy or an
//! exec credential plugin gets kube's builder unchanged (proxies need kube's proxy
//! connectors; an exec plugin's client certificate sets the client's expiry, which only
//! kube can read). kube's `tracing` spans per HTTP request are not added.
//!
//! The TLS stack is yours to choose, as kube's own features choose it: turn on kube-gen's
//! feature of the same name as your kube one (`rustls-tls` or `openssl-tls`) so that this
//! builder can wrap its connector. Without either, [`builder`] is kube's builder unchanged.

use kube::client::{Body, ClientBuilder, DynBody};
use tower::BoxError;
use tower::util::BoxService;

/// The service type kube's builder makes (its `GenericService`), so either builder fits
/// the same code.
pub type Service = BoxService<http::Request<Body>, http::Response<Box<DynBody>>, BoxError>;

/// kube's [`ClientBuilder`] for `config`, with `TCP_NODELAY` and keepalive on its connections
/// (see the [module docs](self)). Add layers with [`ClientBuilder::with_layer`], then
/// [`build`](ClientBuilder::build).
pub fn builder(config: kube::Config) -> kube::Result<ClientBuilder<Service>> {
    if config.proxy_url.is_some() || config.auth_info.exec.is_some() {
        return ClientBuilder::try_from(config);
    }
    nodelay(config)
}

/// Without a TLS feature of kube-gen there is no connector to wrap: kube's builder.
#[cfg(not(any(feature = "rustls-tls", feature = "openssl-tls")))]
fn nodelay(config: kube::Config) -> kube::Result<ClientBuilder<Service>> {
    ClientBuilder::try_from(config)
}

/// kube's layers, as its builder stacks them, over a `TCP_NODELAY`, keepalive connector with
/// the TLS stack kube-gen's feature names (rustls first, as kube prefers it).
#[cfg(any(feature = "rustls-tls", feature = "openssl-tls"))]
fn nodelay(config: kube::Config) -> kube::Result<ClientBuilder<Service>> {
    use hyper_util::client::legacy::connect::HttpConnector;
    use kube::client::ConfigExt;

    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    // Go's dialer with client-go's `KeepAlive: 30s`: first probe after 30 s idle, then
    // every 15 s, reset after 9 unanswered.
    http.set_keepalive(Some(std::time::Duration::from_secs(30)));
    http.set_keepalive_interval(Some(std::time::Duration::from_secs(15)));
    http.set_keepalive_retries(Some(9));
    #[cfg(feature = "rustls-tls")]
    let tls = config.rustls_https_connector_with_connector(http)?;
    #[cfg(all(not(feature = "rustls-tls"), feature = "openssl-tls"))]
    let tls = config.openssl_https_connector_with_connector(http)?;
    let mut connector = hyper_timeout::TimeoutConnector::new(tls);
    connector.set_connect_timeout(config.connect_timeout);
    connector.set_read_timeout(config.read_timeout);
    connector.set_write_timeout(config.write_timeout);
    connector.set_reset_reader_on_write(config.reset_reader_on_write);
    let hyper: hyper_util::client::legacy::Client<_, Body> =
        hyper_util::client::legacy::Builder::new(hyper_util::rt::TokioExecutor::new())
            .build(connector);

    use kube::client::retry::RetryPolicy;
    use tower::retry::RetryLayer;
    use tower::{ServiceBuilder, ServiceExt};

    let service = ServiceBuilder::new()
        .layer(config.base_uri_layer())
        .option_layer(
            config
                .default_retry
                .then(|| RetryLayer::new(RetryPolicy::server_retry())),
        )
        .option_layer(config.auth_layer()?)
        .layer(config.extra_headers_layer()?)
        .map_err(BoxError::from)
        .service(hyper)
        .map_response(|response| {
            response.map(|body| {
                Box::new(http_body_util::BodyExt::map_err(body, BoxError::from)) as Box<DynBody>
            })
        });
    Ok(ClientBuilder::new(
        BoxService::new(service),
        config.default_namespace,
    ))
}
