//! client-go's `tools/leaderelection`: one leader among replicas, elected on a
//! `coordination.k8s.io/v1` Lease.
//!
//! A controller usually runs as several replicas for availability, but only one of them may
//! reconcile at a time, or they fight over the objects they write. A [`LeaderElector`] lets
//! the replicas agree on one: each campaigns for the same Lease, the one that holds it runs
//! the controller, keeps the Lease renewed, and the others wait to take over when it stops
//! renewing (it crashed, was partitioned away, or shut down and released the Lease).
//!
//! ```no_run
//! use std::time::Duration;
//!
//! use kube_gen::leaderelection::{Error, LeaderElector};
//!
//! # async fn run(client: kube::Client) -> Result<(), Error> {
//! let elector = LeaderElector::builder(client.clone(), "kube-system", "my-controller")
//!     .lease_duration(Duration::from_secs(15))
//!     .renew_deadline(Duration::from_secs(10))
//!     .retry_period(Duration::from_secs(2))
//!     .build()?;
//!
//! // `elector` is cheap to clone: a health endpoint can ask `is_leader()`.
//! // The work's requests go through a fence: none is sent once the lease is lost.
//! let work_client = elector.fence(client);
//! let shutdown = async {
//!     let _ = tokio::signal::ctrl_c().await;
//! };
//! let outcome = elector
//!     .run(shutdown, |leading| async move {
//!         // Run the controller until `leading` completes: shutdown was requested or the
//!         // lease was lost. Return when the work has stopped.
//!         tokio::select! {
//!             () = leading => {}
//!             () = reconcile_forever(work_client) => {}
//!         }
//!         "stopped cleanly"
//!     })
//!     .await;
//! match outcome {
//!     Ok(Some(message)) => println!("led, then {message}; the lease is released"),
//!     Ok(None) => println!("shut down before ever leading"),
//!     // Another replica may already be leading: exit rather than campaign again with
//!     // state that may be stale (what client-go's `OnStoppedLeading` usually does).
//!     Err(err) => return Err(err),
//! }
//! # Ok(())
//! # }
//! # async fn reconcile_forever(_: kube::Client) { std::future::pending::<()>().await }
//! ```
//!
//! # How the election works
//!
//! The Lease records who holds it (`holderIdentity`), for how long (`leaseDurationSeconds`),
//! when it was acquired and last renewed, and how often it changed hands
//! (`leaseTransitions`). Every [`retry_period`](LeaderElectorBuilder::retry_period) (with
//! up to 1.2 × that as jitter, like client-go's `wait.JitterUntil`) a candidate reads the
//! Lease and:
//!
//! - creates it naming itself if there is none;
//! - takes it if it is released (empty holder) or if it has not changed for
//!   [`lease_duration`](LeaderElectorBuilder::lease_duration), measured on the candidate's
//!   own clock from when it saw the Lease change, so clocks that disagree between machines do
//!   not matter;
//! - otherwise waits for the next round.
//!
//! Writes carry the `resourceVersion` that was read, so when two candidates race only one
//! write succeeds; the other gets a conflict and tries again next round.
//!
//! The leader renews every `retry_period`. If no renewal succeeds for
//! [`renew_deadline`](LeaderElectorBuilder::renew_deadline), counted from when the last
//! successful renewal was *sent* (not answered), or it sees another holder in the Lease, it
//! stops leading: the [`Leading`] future handed to the work completes, and
//! [`run`](LeaderElector::run) returns [`Error::LeaseLost`] once the work has returned.
//! Because `renew_deadline < lease_duration`, and other candidates count the lease duration
//! from when they saw the renewal, which the server wrote after it was sent, a leader that
//! cannot renew stops before any other candidate may take over.
//!
//! # Losing the Lease: fence the work's client
//!
//! `Leading` completing tells the work to stop, but a request the work has already sent, a
//! write stuck on a slow or partitioned connection, does not stop with it: if it reaches
//! the server later, it lands while another replica leads. Give the work a client made by
//! [`LeaderElector::fence`]: its requests are sent only while this replica holds the Lease
//! (until the renew deadline above), a request made after that fails at once with
//! [`Error::NotLeading`], and one in flight at that moment is abandoned then, before the
//! work is even told. So no request starts after the loss, and the work waits for none
//! after it; a controller whose syncs use the fenced client sees them fail instead of
//! block.
//!
//! The limit is the network's: abandoning a request drops it on this side and hyper closes
//! its connection, but bytes the server had already received may still be acted on. A
//! write sent before the deadline can therefore still land a little after it; the margin
//! `lease_duration - renew_deadline` is what keeps such a write ahead of the next leader.
//!
//! # From client-go
//!
//! | client-go (`k8s.io/client-go/tools/leaderelection`) | kube-gen |
//! |---|---|
//! | `resourcelock.LeaseLock{LeaseMeta, Client, LockConfig{Identity}}` | [`LeaderElector::builder`]`(client, ns, name).`[`identity`](LeaderElectorBuilder::identity)`(..)` |
//! | `LeaderElectionConfig{LeaseDuration, RenewDeadline, RetryPeriod, ReleaseOnCancel}` | [`lease_duration`](LeaderElectorBuilder::lease_duration), [`renew_deadline`](LeaderElectorBuilder::renew_deadline), [`retry_period`](LeaderElectorBuilder::retry_period), [`release_on_cancel`](LeaderElectorBuilder::release_on_cancel) |
//! | `NewLeaderElector(config)` and its validation | [`LeaderElectorBuilder::build`] → [`Error::InvalidConfig`] |
//! | `le.Run(ctx)` / `RunOrDie` | [`LeaderElector::run`]`(shutdown, lead)` |
//! | `Callbacks.OnStartedLeading(ctx)` | `lead(leading)`; [`Leading`] completes as the `ctx` would be cancelled |
//! | `Callbacks.OnStoppedLeading()` | `run` returning: `Err(`[`Error::LeaseLost`]`)` or `Ok(Some(output))` |
//! | `Callbacks.OnNewLeader(identity)` | [`LeaderElector::leader`]; a `new leader elected` log line |
//! | `le.IsLeader()`, `le.GetLeader()` | [`LeaderElector::is_leader`], [`LeaderElector::leader`] |
//! | `leader_election_master_status`, `leader_election_slowpath_total` | [`LeaderElectionMetrics`] |
//!
//! Differences, each on the safe side:
//!
//! - `run` waits for `lead`'s future to return before it releases the Lease, and keeps
//!   renewing meanwhile, so releasing never lets a new leader start while the old one is
//!   still working (client-go releases as soon as the context is cancelled and asks the
//!   callback to be done by then). If `lead` returns on its own, the elector stops leading
//!   and releases too (client-go keeps holding the Lease until the context ends).
//! - A leader that reads the Lease and finds another holder stops at once, instead of
//!   retrying until the renew deadline.
//! - Expiry is measured with this elector's own `lease_duration`, not the
//!   `leaseDurationSeconds` another candidate wrote (client-go uses the latter since 1.28),
//!   so every replica of one component must use the same settings, as they normally do.
//!   `leaseDurationSeconds` is written rounded up to whole seconds (at least 1, which the
//!   API server requires), so durations under a second work for tests.
//! - `is_leader` is true only while [`Leading`] is pending, so it turns false as soon as
//!   the replica is told to stop, and when `run`'s future is dropped.
//! - [`LeaderElector::fence`] has no client-go counterpart: there the callback's context
//!   is cancelled at the loss, and requests honour it only where the code passed it.

mod elector;
mod fence;
mod lease;
mod metrics;

#[cfg(test)]
mod tests;

use std::time::Duration;

pub use elector::{LeaderElector, LeaderElectorBuilder, Leading};
pub use metrics::LeaderElectionMetrics;

/// How long a Lease stays valid after its last renewal unless configured
/// (client-go's `LeaseDuration` default in components: 15 s).
pub const DEFAULT_LEASE_DURATION: Duration = Duration::from_secs(15);

/// How long a leader keeps trying to renew before it gives up leading (10 s).
pub const DEFAULT_RENEW_DEADLINE: Duration = Duration::from_secs(10);

/// How long candidates wait between attempts, and the leader between renewals (2 s).
pub const DEFAULT_RETRY_PERIOD: Duration = Duration::from_secs(2);

/// client-go's `JitterFactor`: campaign waits are `retry_period` plus up to 1.2 × that, and
/// `renew_deadline` must exceed `1.2 × retry_period`.
pub const JITTER_FACTOR: f64 = 1.2;

/// Why a leader election could not be set up, or why it ended.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The builder's settings break one of client-go's rules: durations must be positive,
    /// `lease_duration > renew_deadline > 1.2 × retry_period`, and the namespace, Lease name
    /// and identity must not be empty.
    #[error("invalid leader election config: {reason}")]
    InvalidConfig {
        /// What is wrong, naming the setting.
        reason: String,
    },

    /// This replica was leading and no longer is: no renewal succeeded within
    /// `renew_deadline`, or another replica took the Lease. The work was told to stop (its
    /// [`Leading`] completed) and has returned. Another replica may be leading already.
    #[error("lost leader lease {lease}")]
    LeaseLost {
        /// The Lease, as `namespace/name`.
        lease: String,
        /// The holder seen in the Lease, if another replica took it.
        holder: Option<String>,
        /// The last error from the API server while renewing, if renewals failed.
        #[source]
        source: Option<crate::client::Error>,
    },

    /// [`run`](LeaderElector::run) was called while another `run` of the same elector (or
    /// a clone of it) was in progress. One elector campaigns once at a time.
    #[error("this leader elector is already running")]
    AlreadyRunning,

    /// A request through a [fenced](LeaderElector::fence) client while this replica did not
    /// hold the Lease: it was never sent (`in_flight: false`), or it was in flight when the
    /// hold ended and was abandoned (`in_flight: true`; the server may or may not have acted
    /// on it). Reaches the caller as the source of a [`kube::Error::Service`]; find it with
    /// [`is_not_leading`].
    #[error("not leading on lease {lease}: {}", request_fate(*.in_flight))]
    NotLeading {
        /// The Lease, as `namespace/name`.
        lease: String,
        /// Whether the request had been sent.
        in_flight: bool,
    },
}

fn request_fate(in_flight: bool) -> &'static str {
    if in_flight {
        "the request in flight was abandoned"
    } else {
        "the request was not sent"
    }
}

/// Whether `error`, or one of its sources, is [`Error::NotLeading`]: a request through a
/// [fenced](LeaderElector::fence) client failed because this replica no longer held (or did
/// not yet hold) the Lease. A controller can tell such failures from the server's errors
/// with it, e.g. to log them as expected at the end of leadership.
///
/// ```
/// use kube_gen::leaderelection::{Error, is_not_leading};
///
/// let refused = Error::NotLeading { lease: "ops/my-controller".into(), in_flight: false };
/// let through_kube = kube::Error::Service(Box::new(refused));
/// assert!(is_not_leading(&through_kube));
/// assert!(!is_not_leading(&Error::AlreadyRunning));
/// ```
pub fn is_not_leading(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(error) = next {
        if let Some(Error::NotLeading { .. }) = error.downcast_ref::<Error>() {
            return true;
        }
        next = error.source();
    }
    false
}
