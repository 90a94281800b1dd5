//! The election record: reading and writing the Lease, and client-go's `tryAcquireOrRenew`
//! and `release` on it.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use k8s_openapi::jiff::Timestamp;
use kube::api::ObjectMeta;
use tokio::time::Instant;

use super::LeaderElectionMetrics;
use crate::client::{Client, Error, WriteOptions};

/// What one [`Election::try_acquire_or_renew`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Attempt {
    /// This identity holds the Lease now (created, taken over or renewed).
    Held,
    /// Another identity holds the Lease and it has not expired.
    HeldBy(String),
}

/// The Lease as last seen, and when its record was seen to change (client-go's
/// `observedRecord`, `observedRawRecord` and `observedTime`).
#[derive(Debug, Default, Clone)]
struct Observed {
    /// The Lease as last read or written, for its record and its `resourceVersion`.
    lease: Option<Lease>,
    /// When `lease`'s spec last changed, on this process's clock.
    since: Option<Instant>,
}

impl Observed {
    fn spec(&self) -> Option<&LeaseSpec> {
        self.lease.as_ref().and_then(|l| l.spec.as_ref())
    }

    fn holder(&self) -> Option<&str> {
        self.spec().and_then(holder)
    }

    /// Whether the record has changed within `lease_duration` before `now`.
    fn is_valid(&self, now: Instant, lease_duration: Duration) -> bool {
        self.since.is_some_and(|since| since + lease_duration > now)
    }
}

/// One Lease and one identity campaigning for it.
#[derive(Debug)]
pub(crate) struct Election {
    leases: Client<Lease>,
    name: String,
    identity: String,
    lease_duration: Duration,
    observed: Mutex<Observed>,
}

impl Election {
    pub(crate) fn new(
        client: kube::Client,
        namespace: &str,
        name: &str,
        identity: String,
        lease_duration: Duration,
    ) -> Self {
        Election {
            leases: Client::namespaced(client, namespace),
            name: name.to_owned(),
            identity,
            lease_duration,
            observed: Mutex::default(),
        }
    }

    /// The Lease as `namespace/name`, for logs and errors (client-go's `Describe`).
    pub(crate) fn describe(&self) -> String {
        format!("{}/{}", self.leases.namespace(), self.name)
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn identity(&self) -> &str {
        &self.identity
    }

    /// The holder in the record last seen; `None` before the first read or when released.
    pub(crate) fn holder(&self) -> Option<String> {
        self.observed().holder().map(str::to_owned)
    }

    /// client-go's `tryAcquireOrRenew`: makes this identity the holder if it may be.
    ///
    /// A holder whose record is still valid first updates from the Lease it last wrote,
    /// without reading (client-go's fast path); if that fails it reads the Lease like
    /// everybody else (the slow path, counted in `metrics`). A missing Lease is created; a
    /// released one, one this identity holds, or one that has not changed for
    /// `lease_duration` is updated with the `resourceVersion` just read.
    ///
    /// # Errors
    ///
    /// Any error of the API calls; a conflict means another candidate wrote first.
    pub(crate) async fn try_acquire_or_renew(
        &self,
        metrics: Option<&LeaderElectionMetrics>,
    ) -> Result<Attempt, Error> {
        let now = Instant::now();
        let wall = MicroTime(Timestamp::now());
        let mut record = LeaseSpec {
            holder_identity: Some(self.identity.clone()),
            lease_duration_seconds: Some(whole_seconds(self.lease_duration)),
            acquire_time: Some(wall.clone()),
            renew_time: Some(wall),
            lease_transitions: Some(0),
            ..LeaseSpec::default()
        };

        // 1. The fast path: renew from the Lease we last wrote, without reading it first.
        let seen = self.observed().clone();
        if seen.holder() == Some(self.identity.as_str())
            && seen.is_valid(now, self.lease_duration)
            && let Some(lease) = &seen.lease
        {
            let mut renewal = record.clone();
            keep_term(&mut renewal, seen.spec());
            match self.update(lease, renewal).await {
                Ok(written) => {
                    self.observe_write(written);
                    return Ok(Attempt::Held);
                }
                Err(error) => tracing::debug!(
                    lease = %self.describe(), %error,
                    "failed to update lease optimistically, falling back to slow path"
                ),
            }
        }

        // 2. Read the Lease, or create it.
        let current = match self.leases.get(&self.name).await {
            Ok(current) => current,
            Err(error) if error.is_not_found() => {
                let created = self.create(record).await?;
                self.observe_write(created);
                return Ok(Attempt::Held);
            }
            Err(error) => return Err(error),
        };
        self.observe_read(&current, Instant::now());

        // 3. Someone else holds it and has renewed within the lease duration: wait.
        let seen = self.observed().clone();
        let current_spec = current.spec.clone().unwrap_or_default();
        let current_holder = holder(&current_spec);
        if let Some(other) = current_holder.filter(|h| *h != self.identity)
            && seen.is_valid(now, self.lease_duration)
        {
            return Ok(Attempt::HeldBy(other.to_owned()));
        }

        // 4. Take it over, or renew it.
        if current_holder == Some(self.identity.as_str()) {
            keep_term(&mut record, Some(&current_spec));
            if let Some(metrics) = metrics {
                metrics.slowpath(&self.name);
            }
        } else {
            record.lease_transitions = Some(current_spec.lease_transitions.unwrap_or(0) + 1);
        }
        let written = self.update(&current, record).await?;
        self.observe_write(written);
        Ok(Attempt::Held)
    }

    /// client-go's `release`: if this identity holds the Lease, empties the holder and sets
    /// `leaseDurationSeconds` to 1, so candidates may take it at once. Returns whether it
    /// wrote.
    ///
    /// # Errors
    ///
    /// Any error of the API calls. A conflict is retried once after reading the Lease again.
    pub(crate) async fn release(&self) -> Result<bool, Error> {
        let Some(mut lease) = self.observed().lease.clone() else {
            return Ok(false);
        };
        let mut retried = false;
        loop {
            let spec = lease.spec.clone().unwrap_or_default();
            if holder(&spec) != Some(self.identity.as_str()) {
                return Ok(false);
            }
            let now = MicroTime(Timestamp::now());
            let released = LeaseSpec {
                holder_identity: Some(String::new()),
                lease_duration_seconds: Some(1),
                acquire_time: Some(now.clone()),
                renew_time: Some(now),
                lease_transitions: spec.lease_transitions,
                ..LeaseSpec::default()
            };
            match self.update(&lease, released).await {
                Ok(written) => {
                    self.observe_write(written);
                    return Ok(true);
                }
                Err(error) if error.is_conflict() && !retried => {
                    retried = true;
                    lease = self.leases.get(&self.name).await?;
                    self.observe_read(&lease, Instant::now());
                }
                Err(error) => return Err(error),
            }
        }
    }

    async fn create(&self, record: LeaseSpec) -> Result<Lease, Error> {
        let lease = Lease {
            metadata: ObjectMeta {
                name: Some(self.name.clone()),
                namespace: Some(self.leases.namespace().to_owned()),
                ..ObjectMeta::default()
            },
            spec: Some(record),
        };
        self.leases.create(&lease, &WriteOptions::default()).await
    }

    /// Replaces `current`'s record, keeping its metadata (and so its `resourceVersion`).
    async fn update(&self, current: &Lease, record: LeaseSpec) -> Result<Lease, Error> {
        let lease = Lease {
            metadata: current.metadata.clone(),
            spec: Some(LeaseSpec {
                // Fields client-go's record does not know are left as they are.
                preferred_holder: current
                    .spec
                    .as_ref()
                    .and_then(|s| s.preferred_holder.clone()),
                strategy: current.spec.as_ref().and_then(|s| s.strategy.clone()),
                ..record
            }),
        };
        self.leases.update(&lease, &WriteOptions::default()).await
    }

    /// Remembers a Lease read from the server; its record counts as new only if it differs.
    fn observe_read(&self, lease: &Lease, now: Instant) {
        let mut observed = self.observed();
        if observed.spec() != lease.spec.as_ref() || observed.since.is_none() {
            observed.since = Some(now);
        }
        observed.lease = Some(lease.clone());
    }

    /// Remembers a Lease this identity just wrote.
    fn observe_write(&self, lease: Lease) {
        let mut observed = self.observed();
        observed.lease = Some(lease);
        observed.since = Some(Instant::now());
    }

    fn observed(&self) -> MutexGuard<'_, Observed> {
        self.observed.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The holder a record names; an empty `holderIdentity` means released.
pub(crate) fn holder(spec: &LeaseSpec) -> Option<&str> {
    spec.holder_identity.as_deref().filter(|h| !h.is_empty())
}

/// A renewal keeps the acquire time and transition count of the term it continues.
fn keep_term(record: &mut LeaseSpec, previous: Option<&LeaseSpec>) {
    if let Some(previous) = previous {
        record.acquire_time.clone_from(&previous.acquire_time);
        record.lease_transitions = previous.lease_transitions;
    }
}

/// `leaseDurationSeconds` for a duration: rounded up, at least 1 (the API server rejects 0).
pub(crate) fn whole_seconds(duration: Duration) -> i32 {
    let seconds = duration.as_secs() + u64::from(duration.subsec_nanos() > 0);
    i32::try_from(seconds.max(1)).unwrap_or(i32::MAX)
}
