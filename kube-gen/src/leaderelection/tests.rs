//! Unit tests of leader election on the fake API server, in paused Tokio time.

use std::future::pending;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use k8s_openapi::jiff::Timestamp;
use kube::api::ObjectMeta;
use prometheus_client::registry::Registry;
use tokio::sync::oneshot;
use tokio::time::{Instant, sleep};

use super::lease::whole_seconds;
use super::*;
use crate::fake::{Action, FakeCluster, Reaction, Verb};

pub(super) const NS: &str = "default";
pub(super) const LEASE: &str = "my-lock";
pub(super) const LEASE_DURATION: Duration = Duration::from_millis(200);
pub(super) const RENEW_DEADLINE: Duration = Duration::from_millis(150);
pub(super) const RETRY_PERIOD: Duration = Duration::from_millis(20);
/// The longest wait between two campaign attempts: the period plus 1.2 × the period.
const MAX_CAMPAIGN_WAIT: Duration = Duration::from_millis(45);
/// Tokio's timer resolution: sleeps end on the next millisecond tick.
pub(super) const TICK: Duration = Duration::from_millis(1);

pub(super) fn builder(fake: &FakeCluster, identity: &str) -> LeaderElectorBuilder {
    LeaderElector::builder(fake.client(), NS, LEASE)
        .identity(identity)
        .lease_duration(LEASE_DURATION)
        .renew_deadline(RENEW_DEADLINE)
        .retry_period(RETRY_PERIOD)
}

pub(super) fn elector(fake: &FakeCluster, identity: &str) -> LeaderElector {
    builder(fake, identity).build().expect("valid settings")
}

/// The stored Lease's record, read past the reactors.
fn record(fake: &FakeCluster) -> LeaseSpec {
    fake.object::<Lease>(Some(NS), LEASE)
        .expect("the lease exists")
        .spec
        .expect("the lease has a spec")
}

pub(super) fn lease(holder: &str, renewed_at_second: i64, transitions: i32) -> Lease {
    let time = MicroTime(Timestamp::from_second(renewed_at_second).expect("a valid time"));
    Lease {
        metadata: ObjectMeta {
            name: Some(LEASE.into()),
            namespace: Some(NS.into()),
            ..ObjectMeta::default()
        },
        spec: Some(LeaseSpec {
            holder_identity: Some(holder.into()),
            lease_duration_seconds: Some(1),
            acquire_time: Some(time.clone()),
            renew_time: Some(time),
            lease_transitions: Some(transitions),
            ..LeaseSpec::default()
        }),
    }
}

fn lease_writes(fake: &FakeCluster, verb: Verb) -> usize {
    fake.actions()
        .iter()
        .filter(|a| a.verb == verb && a.resource == "leases")
        .count()
}

#[tokio::test(start_paused = true)]
async fn a_missing_lease_is_created_naming_this_identity() {
    let fake = FakeCluster::new();
    let le = elector(&fake, "a");
    let seen = fake.clone();
    let created = le
        .run(pending(), |_leading| async move { record(&seen) })
        .await
        .expect("no error")
        .expect("it led");

    assert_eq!(created.holder_identity.as_deref(), Some("a"));
    assert_eq!(created.lease_duration_seconds, Some(1));
    assert_eq!(created.lease_transitions, Some(0));
    assert!(created.acquire_time.is_some());
    assert_eq!(created.acquire_time, created.renew_time);
    let actions = fake.actions();
    assert_eq!(
        actions[0],
        Action::get("coordination.k8s.io", "v1", "leases", NS, LEASE)
    );
    assert_eq!(actions[1].verb, Verb::Create);
}

#[tokio::test(start_paused = true)]
async fn when_lead_returns_by_itself_the_lease_is_released() {
    let fake = FakeCluster::new();
    let le = elector(&fake, "a");
    let output = le.run(pending(), |_leading| async { 42 }).await;

    assert_eq!(output.expect("no error"), Some(42));
    let released = record(&fake);
    assert_eq!(released.holder_identity.as_deref(), Some(""));
    assert_eq!(released.lease_duration_seconds, Some(1));
    assert_eq!(released.lease_transitions, Some(0));
    assert!(!le.is_leader());
    assert_eq!(le.leader(), None);
}

#[tokio::test(start_paused = true)]
async fn a_lease_another_identity_keeps_renewing_is_not_taken() {
    let fake = FakeCluster::new().with_objects([lease("other", 1, 3)]);
    let renewer = {
        let fake = fake.clone();
        tokio::spawn(async move {
            for second in 2.. {
                sleep(LEASE_DURATION / 4).await;
                fake.add(&lease("other", second, 3));
            }
        })
    };
    let le = elector(&fake, "a");
    let led = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&led);
    let output = le
        .run(sleep(LEASE_DURATION * 5), |_leading| async move {
            flag.store(true, Ordering::SeqCst);
        })
        .await;
    renewer.abort();

    assert_eq!(output.expect("no error"), None, "shut down before leading");
    assert!(!led.load(Ordering::SeqCst), "lead was never called");
    assert!(!le.is_leader());
    assert_eq!(le.leader().as_deref(), Some("other"));
    assert_eq!(lease_writes(&fake, Verb::Update), 0);
    assert_eq!(lease_writes(&fake, Verb::Create), 0);
}

#[tokio::test(start_paused = true)]
async fn a_lease_that_stops_changing_is_taken_after_the_lease_duration() {
    let fake = FakeCluster::new().with_objects([lease("other", 1, 3)]);
    let le = elector(&fake, "b");
    let seen = fake.clone();
    let start = Instant::now();
    let (waited, taken) = le
        .run(pending(), |_leading| async move {
            (start.elapsed(), record(&seen))
        })
        .await
        .expect("no error")
        .expect("it led");

    assert!(waited >= LEASE_DURATION, "took over after {waited:?}");
    assert!(
        waited <= LEASE_DURATION + MAX_CAMPAIGN_WAIT,
        "took over after {waited:?}"
    );
    assert_eq!(taken.holder_identity.as_deref(), Some("b"));
    assert_eq!(taken.lease_transitions, Some(4));
    assert_eq!(
        taken.lease_duration_seconds,
        Some(whole_seconds(LEASE_DURATION))
    );
    assert!(taken.acquire_time > lease("other", 1, 3).spec.unwrap().acquire_time);
}

#[tokio::test(start_paused = true)]
async fn a_released_lease_is_taken_at_once() {
    let fake = FakeCluster::new().with_objects([lease("", 1, 5)]);
    let le = elector(&fake, "b");
    let start = Instant::now();
    let waited = le
        .run(pending(), |_leading| async move { start.elapsed() })
        .await
        .expect("no error")
        .expect("it led");

    assert_eq!(waited, Duration::ZERO);
    assert_eq!(record(&fake).lease_transitions, Some(6));
}

#[tokio::test(start_paused = true)]
async fn a_conflict_in_the_campaign_is_retried_not_returned() {
    let fake = FakeCluster::new().with_objects([lease("", 1, 0)]);
    let mut first = true;
    fake.prepend_reactor("update", "leases", move |_| {
        if std::mem::take(&mut first) {
            Reaction::conflict("leases.coordination.k8s.io", LEASE)
        } else {
            Reaction::Pass
        }
    });
    let le = elector(&fake, "a");
    let start = Instant::now();
    let waited = le
        .run(pending(), |_leading| async move { start.elapsed() })
        .await
        .expect("a conflict is not an error")
        .expect("it led");

    assert!(waited >= RETRY_PERIOD, "acquired after {waited:?}");
    assert!(waited <= MAX_CAMPAIGN_WAIT, "acquired after {waited:?}");
    // The refused update, the successful one, and the release.
    assert_eq!(lease_writes(&fake, Verb::Update), 3);
}

#[tokio::test(start_paused = true)]
async fn the_leader_renews_the_lease_while_leading() {
    let fake = FakeCluster::new();
    let le = elector(&fake, "a");
    let seen = fake.clone();
    let (first, later) = le
        .run(pending(), |_leading| async move {
            let first = seen.object::<Lease>(Some(NS), LEASE).unwrap();
            sleep(RETRY_PERIOD * 10).await;
            (first, seen.object::<Lease>(Some(NS), LEASE).unwrap())
        })
        .await
        .expect("no error")
        .expect("it led");

    let version = |l: &Lease| {
        l.metadata
            .resource_version
            .clone()
            .unwrap()
            .parse::<u64>()
            .unwrap()
    };
    assert!(
        version(&later) >= version(&first) + 9,
        "renewed about every retry period"
    );
    let (first, later) = (first.spec.unwrap(), later.spec.unwrap());
    assert!(later.renew_time >= first.renew_time);
    assert_eq!(later.acquire_time, first.acquire_time);
    assert_eq!(later.lease_transitions, first.lease_transitions);
    assert_eq!(later.holder_identity.as_deref(), Some("a"));
}

#[tokio::test(start_paused = true)]
async fn shutdown_waits_for_lead_keeps_the_lease_meanwhile_then_releases_it() {
    let fake = FakeCluster::new();
    let (a, b) = (elector(&fake, "a"), elector(&fake, "b"));
    let (stop_a, a_stopped) = oneshot::channel::<()>();
    let a_work_done = Arc::new(AtomicBool::new(false));
    let a_run = {
        let (a, asks) = (a.clone(), a.clone());
        let seen = fake.clone();
        let done = Arc::clone(&a_work_done);
        tokio::spawn(async move {
            let shutdown = async {
                let _ = a_stopped.await;
            };
            a.run(shutdown, |leading| async move {
                leading.await;
                assert!(!asks.is_leader(), "not leading once told to stop");
                // Wind down for longer than the lease duration: the lease stays a's.
                sleep(LEASE_DURATION * 2).await;
                done.store(true, Ordering::SeqCst);
                (Instant::now(), record(&seen).holder_identity)
            })
            .await
        })
    };
    sleep(RETRY_PERIOD).await;
    assert!(a.is_leader());
    let b_run = {
        let b = b.clone();
        let a_done = Arc::clone(&a_work_done);
        tokio::spawn(async move {
            b.run(sleep(LEASE_DURATION * 20), |_leading| async move {
                (Instant::now(), a_done.load(Ordering::SeqCst))
            })
            .await
        })
    };
    sleep(LEASE_DURATION).await;
    assert!(!b.is_leader());
    stop_a.send(()).unwrap();

    let (a_done_at, holder_while_winding_down) = a_run.await.unwrap().unwrap().unwrap();
    assert_eq!(holder_while_winding_down.as_deref(), Some("a"));
    let (b_led_at, a_was_done) = b_run.await.unwrap().unwrap().unwrap();
    assert!(a_was_done, "b led only after a's work returned");
    assert!(
        b_led_at - a_done_at <= MAX_CAMPAIGN_WAIT,
        "b took over {:?} after the release",
        b_led_at - a_done_at
    );
}

#[tokio::test(start_paused = true)]
async fn a_stolen_lease_completes_leading_and_run_returns_lease_lost() {
    let fake = FakeCluster::new();
    let le = elector(&fake, "a");
    let thief = fake.clone();
    let stopped_after = Arc::new(Mutex::new(None));
    let recorded = Arc::clone(&stopped_after);
    let output = le
        .run(pending(), |leading| async move {
            thief.add(&lease("thief", 1, 7));
            let start = Instant::now();
            leading.await;
            *recorded.lock().unwrap() = Some(start.elapsed());
        })
        .await;

    match output {
        Err(Error::LeaseLost { lease, holder, .. }) => {
            assert_eq!(lease, format!("{NS}/{LEASE}"));
            assert_eq!(holder.as_deref(), Some("thief"));
        }
        other => panic!("expected LeaseLost, got {other:?}"),
    }
    let stopped_after = stopped_after
        .lock()
        .unwrap()
        .expect("lead saw Leading complete");
    assert!(
        stopped_after <= RETRY_PERIOD + TICK,
        "stopped after {stopped_after:?}, at the first renewal"
    );
    assert!(!le.is_leader());
    assert_eq!(le.leader().as_deref(), Some("thief"));
    assert_eq!(
        record(&fake).holder_identity.as_deref(),
        Some("thief"),
        "not released"
    );
}

#[tokio::test(start_paused = true)]
async fn renewals_failing_for_the_renew_deadline_end_leading() {
    let fake = FakeCluster::new();
    let failing = Arc::new(AtomicBool::new(false));
    let fail = Arc::clone(&failing);
    fake.prepend_reactor("*", "leases", move |_| {
        if fail.load(Ordering::SeqCst) {
            Reaction::internal_error("etcd is down")
        } else {
            Reaction::Pass
        }
    });
    let le = elector(&fake, "a");
    let stopped_after = Arc::new(Mutex::new(None));
    let recorded = Arc::clone(&stopped_after);
    let output = le
        .run(pending(), |leading| async move {
            failing.store(true, Ordering::SeqCst);
            let start = Instant::now();
            leading.await;
            *recorded.lock().unwrap() = Some(start.elapsed());
        })
        .await;

    match output {
        Err(Error::LeaseLost {
            holder: None,
            source: Some(source),
            ..
        }) => assert!(source.is_internal_error(), "{source:?}"),
        other => panic!("expected LeaseLost with the last error, got {other:?}"),
    }
    let stopped_after = stopped_after
        .lock()
        .unwrap()
        .expect("lead saw Leading complete");
    assert!(
        (RENEW_DEADLINE..=RENEW_DEADLINE + TICK).contains(&stopped_after),
        "stopped after {stopped_after:?}, not at the renew deadline"
    );
    assert_eq!(
        record(&fake).holder_identity.as_deref(),
        Some("a"),
        "not released"
    );
}

#[tokio::test(start_paused = true)]
async fn a_dropped_run_stops_leading_without_releasing() {
    let fake = FakeCluster::new();
    let le = elector(&fake, "a");
    let running = {
        let le = le.clone();
        tokio::spawn(async move { le.run(pending(), |leading| leading).await })
    };
    sleep(RETRY_PERIOD).await;
    assert!(le.is_leader());
    let second = le.run(pending(), |_leading| async {}).await;
    assert!(matches!(second, Err(Error::AlreadyRunning)), "{second:?}");

    running.abort();
    assert!(running.await.unwrap_err().is_cancelled());
    assert!(!le.is_leader());
    assert_eq!(record(&fake).holder_identity.as_deref(), Some("a"));
}

#[tokio::test(start_paused = true)]
async fn two_candidates_never_lead_at_once() {
    let fake = FakeCluster::new();
    let (a, b) = (elector(&fake, "a"), elector(&fake, "b"));
    let spawn = |le: &LeaderElector| {
        let le = le.clone();
        tokio::spawn(async move { le.run(sleep(LEASE_DURATION * 10), |leading| leading).await })
    };
    let (run_a, run_b) = (spawn(&a), spawn(&b));
    let mut leaders = Vec::new();
    for _ in 0..150 {
        sleep(RETRY_PERIOD / 2).await;
        assert!(!(a.is_leader() && b.is_leader()), "both lead");
        leaders.push(a.is_leader() || b.is_leader());
    }
    assert!(
        leaders[2..].iter().all(|led| *led),
        "someone leads throughout"
    );
    let outcomes = [run_a.await.unwrap(), run_b.await.unwrap()];
    let led = outcomes
        .iter()
        .filter(|o| matches!(o, Ok(Some(()))))
        .count();
    assert_eq!(led, 1, "{outcomes:?}");
}

#[tokio::test(start_paused = true)]
async fn the_master_status_gauge_is_1_only_while_leading() {
    let mut registry = Registry::default();
    let metrics = LeaderElectionMetrics::register(&mut registry);
    let fake = FakeCluster::new();
    let le = builder(&fake, "a").metrics(&metrics).build().unwrap();
    let encode = |registry: &Registry| {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, registry).unwrap();
        text
    };
    let status = |value: u8| format!("leader_election_master_status{{name=\"{LEASE}\"}} {value}");
    assert!(encode(&registry).contains(&status(0)));

    let registry = Arc::new(registry);
    let inside = Arc::clone(&registry);
    let text_while_leading = le
        .run(pending(), |_leading| async move { encode(&inside) })
        .await
        .unwrap()
        .unwrap();
    assert!(
        text_while_leading.contains(&status(1)),
        "{text_while_leading}"
    );
    assert!(encode(&registry).contains(&status(0)));
}

#[tokio::test]
async fn invalid_settings_are_errors_that_name_the_setting() {
    let fake = FakeCluster::new();
    let secs = Duration::from_secs;
    let cases = [
        (
            builder(&fake, "a")
                .lease_duration(secs(10))
                .renew_deadline(secs(10)),
            "lease_duration",
        ),
        (
            builder(&fake, "a").renew_deadline(RETRY_PERIOD),
            "renew_deadline",
        ),
        (
            builder(&fake, "a").retry_period(Duration::ZERO),
            "retry_period must be greater than zero",
        ),
        (builder(&fake, "a").identity(""), "identity"),
        (LeaderElector::builder(fake.client(), NS, ""), "lease name"),
        (
            LeaderElector::builder(fake.client(), "", LEASE),
            "namespace",
        ),
    ];
    for (builder, named) in cases {
        match builder.build() {
            Err(Error::InvalidConfig { reason }) => assert!(reason.contains(named), "{reason}"),
            other => panic!("expected InvalidConfig naming {named}, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn the_defaults_are_valid_and_the_identity_is_host_and_uuid() {
    let fake = FakeCluster::new();
    let le = LeaderElector::builder(fake.client(), NS, LEASE)
        .build()
        .unwrap();
    let (host, uuid) = le.identity().rsplit_once('_').expect("host_uuid");
    assert!(!host.is_empty());
    assert_eq!(uuid.len(), 36, "{uuid}");
    assert_eq!(&uuid[14..15], "4", "a version 4 UUID: {uuid}");
    let other = LeaderElector::builder(fake.client(), NS, LEASE)
        .build()
        .unwrap();
    assert_ne!(le.identity(), other.identity());
}

#[test]
fn lease_durations_are_written_in_whole_seconds_rounded_up() {
    assert_eq!(whole_seconds(Duration::from_millis(200)), 1);
    assert_eq!(whole_seconds(Duration::from_secs(15)), 15);
    assert_eq!(whole_seconds(Duration::from_millis(15_001)), 16);
    assert_eq!(whole_seconds(Duration::from_secs(u64::MAX)), i32::MAX);
}
