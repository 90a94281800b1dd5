//! The [`LeaderElector`]: its builder, the campaign, the renew loop and the hand-over on
//! shutdown.

use std::fmt;
use std::future::Future;
use std::hash::BuildHasher;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use futures::channel::oneshot;
use futures::future::{FutureExt, Shared};
use tokio::time::Instant;

use super::fence::TermSender;
use super::lease::{Attempt, Election};
use super::{
    DEFAULT_LEASE_DURATION, DEFAULT_RENEW_DEADLINE, DEFAULT_RETRY_PERIOD, Error, JITTER_FACTOR,
    LeaderElectionMetrics,
};
use crate::client;

/// Settings for a [`LeaderElector`]; made by [`LeaderElector::builder`].
pub struct LeaderElectorBuilder {
    client: kube::Client,
    namespace: String,
    name: String,
    identity: Option<String>,
    lease_duration: Duration,
    renew_deadline: Duration,
    retry_period: Duration,
    release_on_cancel: bool,
    metrics: Option<LeaderElectionMetrics>,
}

impl fmt::Debug for LeaderElectorBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LeaderElectorBuilder")
            .field("namespace", &self.namespace)
            .field("name", &self.name)
            .field("identity", &self.identity)
            .field("lease_duration", &self.lease_duration)
            .field("renew_deadline", &self.renew_deadline)
            .field("retry_period", &self.retry_period)
            .field("release_on_cancel", &self.release_on_cancel)
            .finish_non_exhaustive()
    }
}

impl LeaderElectorBuilder {
    /// This replica's name in the Lease's `holderIdentity`; unique among the candidates.
    ///
    /// Default: the host name, `_` and a random UUID, as client-go's examples build it
    /// (`os.Hostname() + "_" + uuid.NewUUID()`), so a restarted process is a new candidate.
    #[must_use]
    pub fn identity(mut self, identity: impl Into<String>) -> Self {
        self.identity = Some(identity.into());
        self
    }

    /// How long candidates wait, after they last saw the Lease change, before they take it
    /// over (default [`DEFAULT_LEASE_DURATION`], 15 s). Also written to the Lease's
    /// `leaseDurationSeconds`, rounded up to whole seconds.
    #[must_use]
    pub fn lease_duration(mut self, duration: Duration) -> Self {
        self.lease_duration = duration;
        self
    }

    /// How long the leader keeps trying to renew before it stops leading (default
    /// [`DEFAULT_RENEW_DEADLINE`], 10 s). Must be shorter than the lease duration, so that a
    /// leader that cannot renew stops before anyone may take over.
    #[must_use]
    pub fn renew_deadline(mut self, deadline: Duration) -> Self {
        self.renew_deadline = deadline;
        self
    }

    /// How long to wait between attempts to acquire and between renewals (default
    /// [`DEFAULT_RETRY_PERIOD`], 2 s). Campaign waits add up to [`JITTER_FACTOR`] × this.
    #[must_use]
    pub fn retry_period(mut self, period: Duration) -> Self {
        self.retry_period = period;
        self
    }

    /// Whether to release the Lease when leading ends without losing it (shutdown, or the
    /// work returned), so another candidate can take over at once instead of after the lease
    /// duration (default `true`). The release happens after the work has returned.
    #[must_use]
    pub fn release_on_cancel(mut self, release: bool) -> Self {
        self.release_on_cancel = release;
        self
    }

    /// Record `leader_election_*` metrics for this elector in `metrics` (see
    /// [`LeaderElectionMetrics`]).
    #[must_use]
    pub fn metrics(mut self, metrics: &LeaderElectionMetrics) -> Self {
        self.metrics = Some(metrics.clone());
        self
    }

    /// Checks the settings as client-go's `NewLeaderElector` does and builds the elector.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] when a duration is zero, when not
    /// `lease_duration > renew_deadline > 1.2 × retry_period`, or when the namespace, the
    /// Lease name or the identity is empty.
    pub fn build(mut self) -> Result<LeaderElector, Error> {
        let identity = self.identity.take().unwrap_or_else(default_identity);
        self.validate(&identity)?;
        if let Some(metrics) = &self.metrics {
            metrics.set_leading(&self.name, false);
        }
        let election = Election::new(
            self.client,
            &self.namespace,
            &self.name,
            identity,
            self.lease_duration,
        );
        Ok(LeaderElector {
            inner: Arc::new(Inner {
                election,
                renew_deadline: self.renew_deadline,
                retry_period: self.retry_period,
                release_on_cancel: self.release_on_cancel,
                metrics: self.metrics,
                leading: AtomicBool::new(false),
                running: AtomicBool::new(false),
                reported: Mutex::new(None),
                term: TermSender::new(),
            }),
        })
    }

    fn validate(&self, identity: &str) -> Result<(), Error> {
        let invalid = |reason: String| Err(Error::InvalidConfig { reason });
        let (lease, renew, retry) = (self.lease_duration, self.renew_deadline, self.retry_period);
        if lease <= renew {
            return invalid(format!(
                "lease_duration ({lease:?}) must be greater than renew_deadline ({renew:?})"
            ));
        }
        if renew <= retry.mul_f64(JITTER_FACTOR) {
            return invalid(format!(
                "renew_deadline ({renew:?}) must be greater than retry_period ({retry:?}) \
                 × {JITTER_FACTOR}"
            ));
        }
        for (setting, value) in [
            ("lease_duration", lease),
            ("renew_deadline", renew),
            ("retry_period", retry),
        ] {
            if value.is_zero() {
                return invalid(format!("{setting} must be greater than zero"));
            }
        }
        for (what, value) in [
            ("the namespace", self.namespace.as_str()),
            ("the lease name", self.name.as_str()),
            ("the identity", identity),
        ] {
            if value.is_empty() {
                return invalid(format!("{what} must not be empty"));
            }
        }
        Ok(())
    }
}

/// Elects one leader among replicas on a `coordination.k8s.io/v1` Lease (client-go's
/// `LeaderElector` with a `LeaseLock`). See the [module docs](super) for the protocol.
///
/// Cloning is cheap and every clone is the same elector, so one clone can
/// [`run`](LeaderElector::run) while another answers [`is_leader`](LeaderElector::is_leader)
/// for a health or metrics endpoint.
#[derive(Clone, Debug)]
pub struct LeaderElector {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    election: Election,
    renew_deadline: Duration,
    retry_period: Duration,
    release_on_cancel: bool,
    metrics: Option<LeaderElectionMetrics>,
    /// Whether this replica leads and its work has not been told to stop.
    leading: AtomicBool,
    /// Whether a `run` is in progress.
    running: AtomicBool,
    /// The holder last logged as `new leader elected` (client-go's `reportedLeader`).
    reported: Mutex<Option<String>>,
    /// Until when this replica holds the Lease, for its [fences](LeaderElector::fence).
    term: TermSender,
}

impl Inner {
    fn set_leading(&self, leading: bool) {
        self.leading.store(leading, Ordering::SeqCst);
        if let Some(metrics) = &self.metrics {
            metrics.set_leading(self.election.name(), leading);
        }
    }
}

/// How leading ended.
enum Stopped<T> {
    Lost(Error),
    Shutdown,
    Finished(T),
}

impl LeaderElector {
    /// A builder for an elector campaigning for the Lease `namespace/lease_name`, with
    /// client-go's default timings (15 s lease, 10 s renew deadline, 2 s retry period).
    ///
    /// The Lease is created on the first attempt if it does not exist; the client needs RBAC
    /// to `get`, `create` and `update` `leases` in `coordination.k8s.io` there.
    pub fn builder(
        client: kube::Client,
        namespace: &str,
        lease_name: &str,
    ) -> LeaderElectorBuilder {
        LeaderElectorBuilder {
            client,
            namespace: namespace.to_owned(),
            name: lease_name.to_owned(),
            identity: None,
            lease_duration: DEFAULT_LEASE_DURATION,
            renew_deadline: DEFAULT_RENEW_DEADLINE,
            retry_period: DEFAULT_RETRY_PERIOD,
            release_on_cancel: true,
            metrics: None,
        }
    }

    /// Campaigns until this replica leads, runs `lead` while it does, and hands over.
    ///
    /// 1. **Campaign.** Tries to acquire the Lease at once and then every `retry_period`
    ///    plus jitter. Errors from the API server are logged and retried. If `shutdown`
    ///    completes first, returns `Ok(None)` without calling `lead`.
    /// 2. **Lead.** Calls `lead` with a [`Leading`] future and polls the future it returns,
    ///    while renewing the Lease every `retry_period`. [`is_leader`](Self::is_leader) is
    ///    true from here until `Leading` completes.
    /// 3. **Stop.** `Leading` completes when `shutdown` completes, when the Lease is lost
    ///    (no renewal sent within the last `renew_deadline` succeeded, or another holder was
    ///    seen), or when `lead`'s future returned by itself. On a loss, the
    ///    [fences](Self::fence) close first, so the work's requests in flight are abandoned
    ///    before it is told. `run` then waits for `lead`'s future to return, still renewing
    ///    unless the Lease was lost, and finally, if `release_on_cancel`, closes the fences
    ///    and releases the Lease (empty holder, `leaseDurationSeconds: 1`) so another
    ///    candidate takes over at once. A failed release is logged: the Lease then expires.
    ///
    /// Returns `Ok(Some(output))` with what `lead`'s future returned.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future stops the election without releasing the Lease, which then
    /// expires after `lease_duration`, as if the process had been killed. `Leading`
    /// completes and `is_leader` turns false.
    ///
    /// # Errors
    ///
    /// [`Error::LeaseLost`] when the Lease was lost while leading, after `lead`'s future has
    /// returned (its output is dropped: another replica may have been leading meanwhile);
    /// [`Error::AlreadyRunning`] when another `run` of this elector is in progress.
    pub async fn run<T, F, Fut>(
        &self,
        shutdown: impl Future<Output = ()>,
        lead: F,
    ) -> Result<Option<T>, Error>
    where
        F: FnOnce(Leading) -> Fut,
        Fut: Future<Output = T>,
    {
        let _running = Running::start(&self.inner)?;
        let mut shutdown = pin!(shutdown);
        let Some(acquired_at) = self.campaign(shutdown.as_mut()).await else {
            return Ok(None);
        };

        let inner = &*self.inner;
        inner.term.hold_until(acquired_at + inner.renew_deadline);
        inner.set_leading(true);
        let (stop, leading) = Leading::new();
        let mut work = pin!(lead(leading));
        let mut renewing = pin!(self.keep_renewing(acquired_at));
        let stopped = tokio::select! {
            biased;
            lost = &mut renewing => Stopped::Lost(lost),
            () = shutdown.as_mut() => Stopped::Shutdown,
            output = &mut work => Stopped::Finished(output),
        };
        if let Stopped::Lost(_) = stopped {
            // Before the work hears of it: its requests in flight are dropped now, not when
            // it gets round to returning.
            inner.term.end();
        }
        inner.set_leading(false);
        drop(stop);

        let desc = inner.election.describe();
        let output = match stopped {
            Stopped::Lost(lost) => {
                tracing::info!(lease = %desc, "stopped leading; waiting for the work to return");
                work.await;
                return Err(lost);
            }
            Stopped::Shutdown => {
                tracing::info!(lease = %desc, "shutting down; waiting for the work to return");
                tokio::select! {
                    biased;
                    output = &mut work => output,
                    lost = &mut renewing => {
                        inner.term.end();
                        work.await;
                        return Err(lost);
                    }
                }
            }
            Stopped::Finished(output) => output,
        };
        // The work has returned: nothing of it may write while the Lease is handed over.
        inner.term.end();
        if inner.release_on_cancel {
            self.release().await;
        }
        Ok(Some(output))
    }

    /// Whether this replica leads now: it holds the Lease and [`Leading`] has not completed.
    pub fn is_leader(&self) -> bool {
        self.inner.leading.load(Ordering::SeqCst)
    }

    /// The holder named in the Lease as last read or written by this elector (client-go's
    /// `GetLeader`); `None` before the first attempt and while the Lease is released.
    pub fn leader(&self) -> Option<String> {
        self.inner.election.holder()
    }

    /// This replica's identity, as written to the Lease's `holderIdentity`.
    pub fn identity(&self) -> &str {
        self.inner.election.identity()
    }

    /// `client`, fenced by this replica's hold on the Lease: give it to the work that must
    /// only happen while this replica leads (a controller's informers, writes and events).
    ///
    /// A request through the returned client is sent only while this replica holds the
    /// Lease: from the moment [`run`](Self::run) has acquired it until the renew deadline
    /// passes without a renewal, another holder is seen, or `run` ends. Each renewal moves
    /// the deadline to when that renewal was *sent* plus `renew_deadline`. A request made
    /// outside that window is not sent and fails at once; a request in flight when the
    /// window closes is abandoned then, to the timer's millisecond, even if the elector's
    /// own task has not run yet. Either way the error's source is [`Error::NotLeading`]
    /// (see [`is_not_leading`](super::is_not_leading)).
    ///
    /// The window follows the Lease, not [`Leading`]: after a shutdown request the Lease is
    /// still held and renewed while the work winds down, so its requests in flight finish
    /// and new ones are still sent until the work returns, before the Lease is released.
    ///
    /// What this guarantees is on the client's side: no request *starts* after the hold
    /// ended, and none is *waited for* after it. Abandoning a request drops kube's future,
    /// and hyper then closes its connection; but bytes the API server had already received
    /// may still be acted on, so a write sent just before the deadline can land just after
    /// it. Answers already streaming (a watch) are not cut.
    ///
    /// The elector itself must use an unfenced client (the one it was built with). Every
    /// fence of one elector (and of its clones) shares the same window. Must be called
    /// within a Tokio runtime, as any `kube::Client` is made.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use k8s_openapi::api::core::v1::ConfigMap;
    /// use kube_gen::client::{Client, WriteOptions};
    /// use kube_gen::leaderelection::{Error, LeaderElector};
    ///
    /// # async fn run(client: kube::Client, cm: ConfigMap) -> Result<(), Error> {
    /// let elector = LeaderElector::builder(client.clone(), "ops", "my-controller").build()?;
    /// let config_maps = Client::<ConfigMap>::namespaced(elector.fence(client), "ops");
    /// elector
    ///     .run(std::future::pending(), |leading| async move {
    ///         let opts = WriteOptions::default();
    ///         tokio::select! {
    ///             () = leading => {}
    ///             // Refused, or abandoned, as soon as the Lease is lost.
    ///             _ = config_maps.update(&cm, &opts) => {}
    ///         }
    ///     })
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn fence(&self, client: kube::Client) -> kube::Client {
        self.inner
            .term
            .fence(client, self.inner.election.describe())
    }

    /// client-go's `acquire`: tries at once, then every `retry_period` plus jitter, until
    /// acquired (returns when the successful attempt started) or shut down (`None`).
    async fn campaign(&self, mut shutdown: Pin<&mut impl Future<Output = ()>>) -> Option<Instant> {
        let inner = &*self.inner;
        let desc = inner.election.describe();
        tracing::info!(lease = %desc, identity = %self.identity(), "attempting to acquire leader lease {desc}...");
        loop {
            let started = Instant::now();
            let attempt = tokio::select! {
                biased;
                () = shutdown.as_mut() => return None,
                attempt = tokio::time::timeout(inner.renew_deadline, self.try_acquire_or_renew()) => attempt,
            };
            self.report_transition();
            match attempt {
                Ok(Ok(Attempt::Held)) => {
                    tracing::info!(lease = %desc, "successfully acquired lease {desc}");
                    return Some(started);
                }
                Ok(Ok(Attempt::HeldBy(holder))) => {
                    tracing::debug!(lease = %desc, %holder, "lease is held by {holder} and has not yet expired");
                }
                Ok(Err(error)) if error.is_conflict() => {
                    tracing::debug!(lease = %desc, "another candidate updated the lease first");
                }
                Ok(Err(error)) => {
                    tracing::warn!(lease = %desc, error = %Chain(&error), "failed to acquire lease {desc}");
                }
                Err(_) => {
                    tracing::warn!(lease = %desc, "acquiring lease {desc} timed out");
                }
            }
            let wait = jittered(inner.retry_period);
            tokio::select! {
                biased;
                () = shutdown.as_mut() => return None,
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// client-go's `renew`: renews every `retry_period`; returns the error to end `run` with
    /// once no renewal has succeeded for `renew_deadline` or another holder was seen.
    async fn keep_renewing(&self, mut renewed_at: Instant) -> Error {
        let inner = &*self.inner;
        let desc = inner.election.describe();
        let mut last_error: Option<client::Error> = None;
        loop {
            let deadline = renewed_at + inner.renew_deadline;
            tokio::time::sleep_until((Instant::now() + inner.retry_period).min(deadline)).await;
            let started = Instant::now();
            if started >= deadline {
                tracing::info!(
                    lease = %desc, deadline = ?inner.renew_deadline,
                    "failed to renew lease {desc}: no renewal succeeded within the renew deadline"
                );
                return Error::LeaseLost {
                    lease: desc,
                    holder: None,
                    source: last_error,
                };
            }
            let attempt = tokio::time::timeout_at(deadline, self.try_acquire_or_renew()).await;
            self.report_transition();
            match attempt {
                Ok(Ok(Attempt::Held)) => {
                    tracing::trace!(lease = %desc, "successfully renewed lease {desc}");
                    // From when the renewal was sent, not answered: the server may have
                    // written it at any time since, and other candidates count from then.
                    renewed_at = started;
                    inner.term.hold_until(renewed_at + inner.renew_deadline);
                    last_error = None;
                }
                Ok(Ok(Attempt::HeldBy(holder))) => {
                    tracing::info!(lease = %desc, %holder, "failed to renew lease {desc}: it is held by {holder}");
                    return Error::LeaseLost {
                        lease: desc,
                        holder: Some(holder),
                        source: None,
                    };
                }
                Ok(Err(error)) => {
                    tracing::warn!(lease = %desc, error = %Chain(&error), "failed to renew lease {desc}");
                    last_error = Some(error);
                }
                // The deadline passed during the attempt; the next turn gives up.
                Err(_) => {}
            }
        }
    }

    async fn try_acquire_or_renew(&self) -> Result<Attempt, client::Error> {
        let inner = &*self.inner;
        inner
            .election
            .try_acquire_or_renew(inner.metrics.as_ref())
            .await
    }

    /// Releases the Lease if this replica holds it, within `renew_deadline`; logs failures.
    async fn release(&self) {
        let inner = &*self.inner;
        let desc = inner.election.describe();
        match tokio::time::timeout(inner.renew_deadline, inner.election.release()).await {
            Ok(Ok(true)) => tracing::info!(lease = %desc, "released lease {desc}"),
            Ok(Ok(false)) => {}
            Ok(Err(error)) => {
                tracing::warn!(lease = %desc, error = %Chain(&error), "failed to release lease {desc}; it will expire");
            }
            Err(_) => {
                tracing::warn!(lease = %desc, "releasing lease {desc} timed out; it will expire")
            }
        }
        self.report_transition();
    }

    /// Logs a change of holder (client-go's `maybeReportTransition` and `OnNewLeader`).
    fn report_transition(&self) {
        let holder = self.inner.election.holder();
        let mut reported = self
            .inner
            .reported
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if *reported != holder {
            if let Some(new) = &holder {
                let desc = self.inner.election.describe();
                tracing::info!(lease = %desc, leader = %new, "new leader elected: {new}");
            }
            *reported = holder;
        }
    }
}

/// Marks an elector as running while a `run` is in progress; on drop (also when `run`'s
/// future is dropped) it stops leading.
struct Running<'a>(&'a Inner);

impl<'a> Running<'a> {
    fn start(inner: &'a Inner) -> Result<Self, Error> {
        if inner.running.swap(true, Ordering::SeqCst) {
            return Err(Error::AlreadyRunning);
        }
        Ok(Running(inner))
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.term.end();
        self.0.set_leading(false);
        self.0.running.store(false, Ordering::SeqCst);
    }
}

/// Completes when this replica must stop leading: shutdown was requested, the Lease was
/// lost, or [`LeaderElector::run`] ended (client-go's `OnStartedLeading` context).
///
/// `lead` gets one; clone it for every task that must stop with the leadership. After it
/// completes, return from `lead`'s future promptly: with `release_on_cancel` the Lease is
/// released only then, and after a loss another replica may already be leading. `Leading`
/// only tells the work; to stop its requests as well, send them through
/// [`LeaderElector::fence`].
#[derive(Clone)]
pub struct Leading {
    stopped: Shared<oneshot::Receiver<()>>,
}

impl Leading {
    /// A `Leading` and what completes it: sending on, or dropping, the sender.
    fn new() -> (oneshot::Sender<()>, Leading) {
        let (stop, stopped) = oneshot::channel();
        (
            stop,
            Leading {
                stopped: stopped.shared(),
            },
        )
    }
}

impl Future for Leading {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.stopped).poll(cx).map(|_| ())
    }
}

impl fmt::Debug for Leading {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Leading").finish_non_exhaustive()
    }
}

/// An error with its sources, `a: b: c`, for one log field.
struct Chain<'a>(&'a dyn std::error::Error);

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(error) = source {
            write!(f, ": {error}")?;
            source = error.source();
        }
        Ok(())
    }
}

/// `period` plus up to [`JITTER_FACTOR`] × `period` (client-go's `wait.Jitter`).
fn jittered(period: Duration) -> Duration {
    period + period.mul_f64(JITTER_FACTOR * random_fraction())
}

/// A number in `[0, 1)`, from the standard library's randomly keyed hasher.
fn random_fraction() -> f64 {
    (random_u64() >> 11) as f64 / (1u64 << 53) as f64
}

fn random_u64() -> u64 {
    std::collections::hash_map::RandomState::new().hash_one(std::time::Instant::now())
}

/// `<host name>_<random UUID>`, client-go's usual identity.
fn default_identity() -> String {
    let (high, low) = (random_u64(), random_u64());
    // A version 4, variant 1 UUID.
    let high = (high & !0xf000) | 0x4000;
    let low = (low & !(0xc << 60)) | (0x8 << 60);
    format!(
        "{}_{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hostname(),
        high >> 32,
        (high >> 16) & 0xffff,
        high & 0xffff,
        low >> 48,
        low & 0xffff_ffff_ffff
    )
}

/// The host name: `$HOSTNAME` (set in pods), else the kernel's, else `localhost`.
fn hostname() -> String {
    let from_file = |path: &str| std::fs::read_to_string(path).ok();
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| from_file("/proc/sys/kernel/hostname"))
        .or_else(|| from_file("/etc/hostname"))
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}
