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

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tower::{Layer, Service};

use crate::workqueue::{BucketRateLimiter, RateLimiter};

/// Waits longer than this are logged at info, as client-go logs "Waited for ... due to
/// client-side throttling": a user wondering why the controller is slow finds out here.
const LOG_WAITS_OVER: Duration = Duration::from_secs(1);

/// A tower [`Layer`] that holds each request until the token bucket it shares with every
/// other request of the client has a token: `qps` a second, at most `burst` at once.
#[derive(Clone)]
pub struct Throttle {
    bucket: Arc<BucketRateLimiter>,
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
            bucket: Arc::new(BucketRateLimiter::new(qps, burst)),
        }
    }
}

impl<S> Layer<S> for Throttle {
    type Service = Throttled<S>;

    fn layer(&self, inner: S) -> Throttled<S> {
        Throttled {
            inner,
            bucket: Arc::clone(&self.bucket),
        }
    }
}

/// The service [`Throttle`] wraps around a client's stack.
#[derive(Clone)]
pub struct Throttled<S> {
    inner: S,
    bucket: Arc<BucketRateLimiter>,
}

impl<S> std::fmt::Debug for Throttled<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Throttled").finish_non_exhaustive()
    }
}

impl<S, Req> Service<Req> for Throttled<S>
where
    S: Service<Req>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Req) -> Self::Future {
        // The token is taken now, in call order, and the wait happens before the inner
        // future (which sends the request when first polled) starts.
        let wait = self.bucket.when(&());
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
    use std::sync::Mutex;

    use tokio::time::Instant;
    use tower::{ServiceExt, service_fn};

    use super::*;

    /// When each request reached the service.
    type Seen = Arc<Mutex<Vec<(u32, Instant)>>>;

    /// A service that records when each request reached it.
    fn recorder() -> (
        impl Service<u32, Response = (), Error = Infallible, Future: Send> + Clone,
        Seen,
    ) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        let service = service_fn(move |n: u32| {
            let log = Arc::clone(&log);
            async move {
                log.lock().unwrap().push((n, Instant::now()));
                Ok::<_, Infallible>(())
            }
        });
        (service, seen)
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_passes_at_once_and_the_rest_at_the_rate() {
        let (inner, seen) = recorder();
        let throttled = Throttle::new(5.0, 3).layer(inner);
        let start = Instant::now();
        let calls: Vec<_> = (0..6).map(|n| throttled.clone().oneshot(n)).collect();
        for call in calls {
            call.await.unwrap();
        }
        let at: Vec<Duration> = seen
            .lock()
            .unwrap()
            .iter()
            .map(|(_, t)| t.duration_since(start))
            .collect();
        // Three at once, then one every 200 ms.
        let ms: Vec<u128> = at.iter().map(Duration::as_millis).collect();
        assert_eq!(ms, [0, 0, 0, 200, 400, 600]);
    }

    #[tokio::test(start_paused = true)]
    async fn clones_of_one_layer_share_the_bucket() {
        let throttle = Throttle::new(10.0, 1);
        let (inner, seen) = recorder();
        let (first, second) = (throttle.layer(inner.clone()), throttle.layer(inner));
        let start = Instant::now();
        first.oneshot(1).await.unwrap();
        second.oneshot(2).await.unwrap();
        let last = seen.lock().unwrap()[1].1.duration_since(start);
        assert_eq!(last.as_millis(), 100);
    }
}
