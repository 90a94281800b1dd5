//! Client-side throttling: client-go's `rest.Config{QPS, Burst}` as a tower layer.
//!
//! kube's client sends every request at once and leaves fairness to the API server's
//! priority and fairness. Controllers that share a cluster often want client-go's
//! behaviour too, a token bucket in front of every request (watches included), so a busy
//! controller cannot flood the API server. [`Throttle`] is that bucket, the same
//! [`BucketRateLimiter`] the work queue uses, applied with
//! [`ClientBuilder::with_layer`](kube::client::ClientBuilder::with_layer):
//!
//! ```no_run
//! use kube::client::ClientBuilder;
//! use kube_gen::client::Throttle;
//!
//! # async fn run() -> anyhow::Result<()> {
//! let config = kube::Config::infer().await?;
//! // client-go's defaults: 5 requests a second, bursts of 10.
//! let client = ClientBuilder::try_from(config)?
//!     .with_layer(&Throttle::new(5.0, 10))
//!     .build();
//! # Ok(())
//! # }
//! ```

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use tower::{Layer, Service};

use crate::workqueue::{BucketRateLimiter, RateLimiter};

/// Waits longer than this are logged at info, as client-go logs "Waited for ... due to
/// client-side throttling": a user wondering why the controller is slow finds out here.
const LOG_WAITS_OVER: Duration = Duration::from_secs(1);

/// A tower [`Layer`] that holds each request until its token bucket has a token: `qps` a
/// second, at most `burst` at once. Clones and the services they make share the buckets.
///
/// client-go has two shapes of this, and `Throttle` has both:
///
/// - **Set `QPS` on the config** and a clientset shares one bucket between all its API
///   groups: [`Throttle::new`].
/// - **Leave `QPS` unset**, as Go's sample-controller does, and `kubernetes.NewForConfig`
///   gives each group-version client (`CoreV1()`, `AppsV1()`, ...) a bucket of its own at
///   the defaults (5 a second, bursts of 10), so Events, Deployments and custom resources
///   never wait for each other: [`Throttle::per_group_version`].
#[derive(Clone)]
pub struct Throttle {
    buckets: Arc<Buckets>,
}

/// Which bucket a request draws from.
enum Buckets {
    /// One for every request.
    Shared(BucketRateLimiter),
    /// One per API group-version, made on first use.
    PerGroupVersion {
        qps: f64,
        burst: u32,
        by_group_version: Mutex<HashMap<String, Arc<BucketRateLimiter>>>,
    },
}

impl Buckets {
    /// How long the request for `path` waits: its token is taken now.
    fn wait(&self, path: &str) -> Duration {
        match self {
            Buckets::Shared(bucket) => bucket.when(&()),
            Buckets::PerGroupVersion {
                qps,
                burst,
                by_group_version,
            } => {
                let bucket = {
                    let mut buckets = by_group_version
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    Arc::clone(
                        buckets
                            .entry(group_version(path).to_owned())
                            .or_insert_with(|| Arc::new(BucketRateLimiter::new(*qps, *burst))),
                    )
                };
                bucket.when(&())
            }
        }
    }
}

/// The group-version part of an API path, the unit client-go gives a client (and a
/// bucket) to: `/api/v1/..` is `v1`, `/apis/apps/v1/..` is `apps/v1`; any other path
/// (`/version`, `/openapi/v3`) is `""`.
fn group_version(path: &str) -> &str {
    let path = path.trim_start_matches('/');
    let (rest, segments) = if let Some(rest) = path.strip_prefix("api/") {
        (rest, 1)
    } else if let Some(rest) = path.strip_prefix("apis/") {
        (rest, 2)
    } else {
        return "";
    };
    let end = rest
        .match_indices('/')
        .nth(segments - 1)
        .map_or(rest.len(), |(at, _)| at);
    &rest[..end]
}

impl std::fmt::Debug for Throttle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Throttle").finish_non_exhaustive()
    }
}

impl Throttle {
    /// A full bucket of `burst` tokens refilled at `qps` a second.
    ///
    /// # Panics
    ///
    /// If `qps` is not a positive finite number or `burst` is 0, as
    /// [`BucketRateLimiter::new`].
    pub fn new(qps: f64, burst: u32) -> Self {
        Self {
            buckets: Arc::new(Buckets::Shared(BucketRateLimiter::new(qps, burst))),
        }
    }

    /// A bucket of `burst` tokens refilled at `qps` a second for each API group-version the
    /// client talks to (`v1`, `apps/v1`, `samplecontroller.k8s.io/v1alpha1`, ...), as
    /// client-go's clientsets when the config sets no `QPS` (see [`Throttle`]).
    ///
    /// # Panics
    ///
    /// As [`new`](Self::new).
    pub fn per_group_version(qps: f64, burst: u32) -> Self {
        // Fail here, not on the first request.
        let _ = BucketRateLimiter::new(qps, burst);
        Self {
            buckets: Arc::new(Buckets::PerGroupVersion {
                qps,
                burst,
                by_group_version: Mutex::default(),
            }),
        }
    }
}

impl<S> Layer<S> for Throttle {
    type Service = Throttled<S>;

    fn layer(&self, inner: S) -> Throttled<S> {
        Throttled {
            inner,
            buckets: Arc::clone(&self.buckets),
        }
    }
}

/// The service [`Throttle`] wraps around a client's stack.
#[derive(Clone)]
pub struct Throttled<S> {
    inner: S,
    buckets: Arc<Buckets>,
}

impl<S> std::fmt::Debug for Throttled<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Throttled").finish_non_exhaustive()
    }
}

impl<S, B> Service<http::Request<B>> for Throttled<S>
where
    S: Service<http::Request<B>>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        // The token is taken now, in call order, and the wait happens before the inner
        // future (which sends the request when first polled) starts.
        let wait = self.buckets.wait(request.uri().path());
        let response = self.inner.call(request);
        Box::pin(async move {
            if !wait.is_zero() {
                if wait > LOG_WAITS_OVER {
                    tracing::info!(?wait, "waiting due to client-side throttling");
                }
                tokio::time::sleep(wait).await;
            }
            response.await
        })
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use tokio::time::Instant;
    use tower::{ServiceExt, service_fn};

    use super::*;

    /// When each request (by path) reached the service.
    type Seen = Arc<Mutex<Vec<(String, Instant)>>>;

    /// A service that records when each request reached it.
    fn recorder() -> (
        impl Service<http::Request<()>, Response = (), Error = Infallible, Future: Send> + Clone,
        Seen,
    ) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        let service = service_fn(move |request: http::Request<()>| {
            let log = Arc::clone(&log);
            async move {
                log.lock()
                    .unwrap()
                    .push((request.uri().path().to_owned(), Instant::now()));
                Ok::<_, Infallible>(())
            }
        });
        (service, seen)
    }

    fn get(path: &str) -> http::Request<()> {
        http::Request::get(path).body(()).unwrap()
    }

    /// Milliseconds from `start` at which each request arrived, in arrival order.
    fn arrivals(seen: &Seen, start: Instant) -> Vec<(String, u128)> {
        seen.lock()
            .unwrap()
            .iter()
            .map(|(path, t)| (path.clone(), t.duration_since(start).as_millis()))
            .collect()
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_passes_at_once_and_the_rest_at_the_rate() {
        let (inner, seen) = recorder();
        let throttled = Throttle::new(5.0, 3).layer(inner);
        let start = Instant::now();
        let calls: Vec<_> = (0..6)
            .map(|_| throttled.clone().oneshot(get("/api/v1/pods")))
            .collect();
        for call in calls {
            call.await.unwrap();
        }
        let ms: Vec<u128> = arrivals(&seen, start)
            .into_iter()
            .map(|(_, ms)| ms)
            .collect();
        // Three at once, then one every 200 ms.
        assert_eq!(ms, [0, 0, 0, 200, 400, 600]);
    }

    #[tokio::test(start_paused = true)]
    async fn clones_of_one_layer_share_the_bucket() {
        let throttle = Throttle::new(10.0, 1);
        let (inner, seen) = recorder();
        let (first, second) = (throttle.layer(inner.clone()), throttle.layer(inner));
        let start = Instant::now();
        first.oneshot(get("/api/v1/pods")).await.unwrap();
        second
            .oneshot(get("/apis/apps/v1/deployments"))
            .await
            .unwrap();
        assert_eq!(arrivals(&seen, start)[1].1, 100);
    }

    /// client-go's default: Events (`v1`) and Deployments (`apps/v1`) do not wait for each
    /// other, while requests of one group-version share their bucket whatever the resource.
    #[tokio::test(start_paused = true)]
    async fn per_group_version_buckets_do_not_wait_for_each_other() {
        let (inner, seen) = recorder();
        let throttled = Throttle::per_group_version(10.0, 1).layer(inner);
        let start = Instant::now();
        let calls: Vec<_> = [
            "/api/v1/namespaces/a/events",
            "/apis/apps/v1/namespaces/a/deployments",
            "/api/v1/namespaces/a/configmaps/x",
            "/apis/apps/v1/namespaces/a/deployments/x/status",
        ]
        .into_iter()
        .map(|path| throttled.clone().oneshot(get(path)))
        .collect();
        for call in calls {
            call.await.unwrap();
        }
        let mut at = arrivals(&seen, start);
        at.sort_by_key(|(_, ms)| *ms);
        let ms: Vec<u128> = at.iter().map(|(_, ms)| *ms).collect();
        assert_eq!(ms, [0, 0, 100, 100]);
    }

    #[test]
    fn group_version_of_api_paths() {
        assert_eq!(group_version("/api/v1/namespaces/a/pods/p"), "v1");
        assert_eq!(group_version("/api/v1"), "v1");
        assert_eq!(
            group_version("/apis/samplecontroller.k8s.io/v1alpha1/namespaces/a/foos"),
            "samplecontroller.k8s.io/v1alpha1"
        );
        assert_eq!(group_version("/apis/apps/v1"), "apps/v1");
        assert_eq!(group_version("/apis"), "");
        assert_eq!(group_version("/version"), "");
    }
}
