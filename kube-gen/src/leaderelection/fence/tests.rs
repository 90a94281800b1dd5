//! The fence against the fake API server, in paused Tokio time: which requests it lets out,
//! and when it abandons those in flight.

use std::future::pending;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use http::{Method, Request};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::ObjectMeta;
use kube::client::Body;
use tokio::time::{Instant, sleep};
use tower::BoxError;

use super::TermSender;
use crate::client::{Client, WriteOptions};
use crate::fake::{FakeCluster, Reaction};
use crate::leaderelection::tests::{
    LEASE, LEASE_DURATION, NS, RENEW_DEADLINE, RETRY_PERIOD, TICK, elector, lease,
};
use crate::leaderelection::{Error, LeaderElector, is_not_leading};

/// What the wire does with one request.
#[derive(Clone, Copy, Debug)]
enum Gate {
    /// Hand it to the fake server and return its answer.
    Pass,
    /// Keep it forever: it never reaches the server (a stalled connection).
    Hold,
    /// Hand it to the server at once, deliver the answer this much later.
    AnswerAfter(Duration),
}

/// One request that left a client: when, what, and how it ended.
#[derive(Clone, Debug)]
struct Exchange {
    sent: Instant,
    what: String,
    answered: Option<Instant>,
    dropped: Option<Instant>,
}

/// The network between a client and the fake server: records every request that gets on
/// it, and holds or delays the ones its gate says to.
#[derive(Clone, Default)]
struct Wire {
    log: Arc<Mutex<Vec<Exchange>>>,
}

/// Marks its exchange dropped if it goes away unanswered.
struct InFlight {
    log: Arc<Mutex<Vec<Exchange>>>,
    index: usize,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
        let exchange = &mut log[self.index];
        if exchange.answered.is_none() {
            exchange.dropped = Some(Instant::now());
        }
    }
}

impl Wire {
    /// A client on `fake` over this wire; `gate` decides by method and path.
    fn client(
        &self,
        fake: &FakeCluster,
        gate: impl Fn(&Method, &str) -> Gate + Send + Sync + 'static,
    ) -> kube::Client {
        let (server, log, gate) = (fake.client(), Arc::clone(&self.log), Arc::new(gate));
        let service = tower::service_fn(move |request: Request<Body>| {
            let (server, log, gate) = (server.clone(), Arc::clone(&log), Arc::clone(&gate));
            async move {
                let (method, path) = (request.method().clone(), request.uri().path().to_owned());
                let in_flight = {
                    let mut exchanges = log.lock().unwrap_or_else(PoisonError::into_inner);
                    exchanges.push(Exchange {
                        sent: Instant::now(),
                        what: format!("{method} {path}"),
                        answered: None,
                        dropped: None,
                    });
                    InFlight {
                        log: Arc::clone(&log),
                        index: exchanges.len() - 1,
                    }
                };
                let response = match gate(&method, &path) {
                    Gate::Pass => server.send(request).await,
                    Gate::Hold => pending().await,
                    Gate::AnswerAfter(delay) => {
                        let response = server.send(request).await;
                        sleep(delay).await;
                        response
                    }
                };
                log.lock().unwrap_or_else(PoisonError::into_inner)[in_flight.index].answered =
                    Some(Instant::now());
                response.map_err(BoxError::from)
            }
        });
        kube::Client::new(service, NS)
    }

    /// Every exchange so far whose `METHOD path` contains `what`.
    fn exchanges(&self, what: &str) -> Vec<Exchange> {
        let log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
        log.iter()
            .filter(|e| e.what.contains(what))
            .cloned()
            .collect()
    }
}

/// Holds ConfigMap writes, passes everything else.
fn hold_config_map_writes(method: &Method, path: &str) -> Gate {
    if *method != Method::GET && path.contains("/configmaps") {
        Gate::Hold
    } else {
        Gate::Pass
    }
}

fn config_map(name: &str) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.into()),
            namespace: Some(NS.into()),
            ..ObjectMeta::default()
        },
        ..ConfigMap::default()
    }
}

/// `Some(in_flight)` if `error` is the fence's [`Error::NotLeading`].
fn not_leading(error: &(dyn std::error::Error + 'static)) -> Option<bool> {
    let mut next = Some(error);
    while let Some(error) = next {
        if let Some(Error::NotLeading { in_flight, .. }) = error.downcast_ref::<Error>() {
            return Some(*in_flight);
        }
        next = error.source();
    }
    None
}

/// Lease writes fail from when the returned flag is set; the instants of the ones that got
/// through are recorded (the fake answers at once, so they were sent then).
fn lease_writes_fail_when_set(fake: &FakeCluster) -> (Arc<AtomicBool>, Arc<Mutex<Vec<Instant>>>) {
    let failing = Arc::new(AtomicBool::new(false));
    let written = Arc::new(Mutex::new(Vec::new()));
    let (fail, record) = (Arc::clone(&failing), Arc::clone(&written));
    fake.prepend_reactor("*", "leases", move |action| {
        if fail.load(Ordering::SeqCst) {
            return Reaction::internal_error("etcd is down");
        }
        if action.verb.as_str() != "get" {
            record.lock().unwrap().push(Instant::now());
        }
        Reaction::Pass
    });
    (failing, written)
}

#[tokio::test(start_paused = true)]
async fn a_request_before_leading_is_not_sent() {
    let fake = FakeCluster::new();
    let wire = Wire::default();
    let le = elector(&fake, "a");
    let config_maps =
        Client::<ConfigMap>::namespaced(le.fence(wire.client(&fake, |_, _| Gate::Pass)), NS);

    let error = config_maps.get("settings").await.unwrap_err();

    assert_eq!(not_leading(&error), Some(false), "{error:?}");
    assert!(is_not_leading(&error));
    assert!(wire.exchanges("").is_empty(), "nothing was sent");
}

#[tokio::test(start_paused = true)]
async fn requests_go_out_while_leading_and_not_once_run_has_returned() {
    let fake = FakeCluster::new();
    let wire = Wire::default();
    let le = elector(&fake, "a");
    let config_maps =
        Client::<ConfigMap>::namespaced(le.fence(wire.client(&fake, |_, _| Gate::Pass)), NS);

    let inside = config_maps.clone();
    let created = le
        .run(pending(), |_leading| async move {
            inside
                .create(&config_map("while-leading"), &WriteOptions::default())
                .await
        })
        .await
        .expect("no error")
        .expect("it led");
    assert!(created.is_ok(), "{created:?}");
    let error = config_maps
        .create(&config_map("after"), &WriteOptions::default())
        .await
        .unwrap_err();

    assert_eq!(not_leading(&error), Some(false), "{error:?}");
    let writes = wire.exchanges("POST");
    assert_eq!(
        writes.len(),
        1,
        "only the write while leading went out: {writes:?}"
    );
    assert!(
        fake.object::<ConfigMap>(Some(NS), "while-leading")
            .is_some()
    );
    assert!(fake.object::<ConfigMap>(Some(NS), "after").is_none());
}

#[tokio::test(start_paused = true)]
async fn a_request_in_flight_when_renewals_stop_is_abandoned_at_the_renew_deadline() {
    let fake = FakeCluster::new();
    let (failing, lease_writes) = lease_writes_fail_when_set(&fake);
    let wire = Wire::default();
    let le = elector(&fake, "a");
    let config_maps =
        Client::<ConfigMap>::namespaced(le.fence(wire.client(&fake, hold_config_map_writes)), NS);

    let outcome = le
        .run(pending(), |_leading| async move {
            // A few renewals succeed, then the API server fails every one.
            sleep(RETRY_PERIOD * 3 + TICK).await;
            failing.store(true, Ordering::SeqCst);
            let _ = config_maps
                .create(&config_map("stuck"), &WriteOptions::default())
                .await;
            let _ = config_maps
                .create(&config_map("after"), &WriteOptions::default())
                .await;
        })
        .await;

    assert!(
        matches!(outcome, Err(Error::LeaseLost { .. })),
        "{outcome:?}"
    );
    let last_renewal = *lease_writes.lock().unwrap().last().expect("renewed");
    let writes = wire.exchanges("POST");
    assert_eq!(
        writes.len(),
        1,
        "the second write was never sent: {writes:?}"
    );
    let stuck = &writes[0];
    let dropped = stuck.dropped.expect("the stuck write was abandoned");
    assert!(stuck.answered.is_none());
    assert!(
        (RENEW_DEADLINE..=RENEW_DEADLINE + TICK).contains(&(dropped - last_renewal)),
        "abandoned {:?} after the last renewal was sent",
        dropped - last_renewal
    );
    assert!(fake.object::<ConfigMap>(Some(NS), "stuck").is_none());
}

#[tokio::test(start_paused = true)]
async fn what_the_work_sees_at_the_loss_is_a_not_leading_error_and_then_a_refusal() {
    let fake = FakeCluster::new();
    let (failing, _) = lease_writes_fail_when_set(&fake);
    let wire = Wire::default();
    let le = elector(&fake, "a");
    let config_maps =
        Client::<ConfigMap>::namespaced(le.fence(wire.client(&fake, hold_config_map_writes)), NS);
    let seen = Arc::new(Mutex::new(None));
    let record = Arc::clone(&seen);

    let outcome = le
        .run(pending(), |leading| async move {
            failing.store(true, Ordering::SeqCst);
            let start = Instant::now();
            let stuck = config_maps
                .create(&config_map("stuck"), &WriteOptions::default())
                .await;
            let stuck_after = start.elapsed();
            let leading_completed = tokio::time::timeout(Duration::ZERO, leading).await.is_ok();
            let after = config_maps
                .create(&config_map("after"), &WriteOptions::default())
                .await;
            *record.lock().unwrap() = Some((stuck, stuck_after, leading_completed, after));
        })
        .await;

    assert!(
        matches!(outcome, Err(Error::LeaseLost { .. })),
        "{outcome:?}"
    );
    let (stuck, stuck_after, leading_completed, after) =
        seen.lock().unwrap().take().expect("the work ran");
    let stuck = stuck.unwrap_err();
    assert_eq!(not_leading(&stuck), Some(true), "{stuck:?}");
    assert!(
        stuck
            .to_string()
            .contains("could not talk to the api server"),
        "{stuck}"
    );
    assert!(
        (RENEW_DEADLINE..=RENEW_DEADLINE + TICK).contains(&stuck_after),
        "the write failed after {stuck_after:?}"
    );
    assert!(leading_completed, "Leading completed with the loss");
    assert_eq!(not_leading(&after.unwrap_err()), Some(false));
    assert_eq!(wire.exchanges("POST").len(), 1);
}

#[tokio::test(start_paused = true)]
async fn the_renew_deadline_counts_from_when_the_renewal_was_sent() {
    let fake = FakeCluster::new();
    let wire = Wire::default();
    // Every Lease update reaches the server at once; its answer takes 100 ms to come back.
    let slow = Duration::from_millis(100);
    let client = wire.client(&fake, move |method, path| {
        if *method == Method::PUT && path.contains("/leases/") {
            Gate::AnswerAfter(slow)
        } else {
            hold_config_map_writes(method, path)
        }
    });
    let le = LeaderElector::builder(client.clone(), NS, LEASE)
        .identity("a")
        .lease_duration(LEASE_DURATION)
        .renew_deadline(RENEW_DEADLINE)
        .retry_period(RETRY_PERIOD)
        .build()
        .unwrap();
    let config_maps = Client::<ConfigMap>::namespaced(le.fence(client), NS);

    let outcome = le
        .run(pending(), |leading| async move {
            let _ = config_maps
                .create(&config_map("stuck"), &WriteOptions::default())
                .await;
            leading.await;
        })
        .await;

    assert!(
        matches!(outcome, Err(Error::LeaseLost { .. })),
        "{outcome:?}"
    );
    let renewals: Vec<_> = wire
        .exchanges("PUT")
        .into_iter()
        .filter(|e| e.answered.is_some())
        .collect();
    let last = renewals.last().expect("one renewal succeeded");
    let dropped = wire.exchanges("POST /api/v1/namespaces/default/configmaps")[0]
        .dropped
        .expect("the write was abandoned");
    assert!(
        (RENEW_DEADLINE..=RENEW_DEADLINE + TICK).contains(&(dropped - last.sent)),
        "abandoned {:?} after the last successful renewal was sent",
        dropped - last.sent
    );
    let answered = last.answered.unwrap();
    assert!(
        dropped < answered + RENEW_DEADLINE,
        "not counted from the answer ({answered:?})"
    );
}

#[tokio::test(start_paused = true)]
async fn a_stolen_lease_closes_the_fence_at_the_renewal_that_sees_it() {
    let fake = FakeCluster::new();
    let wire = Wire::default();
    let le = elector(&fake, "a");
    let config_maps =
        Client::<ConfigMap>::namespaced(le.fence(wire.client(&fake, hold_config_map_writes)), NS);
    let thief = fake.clone();

    let outcome = le
        .run(pending(), |_leading| async move {
            thief.add(&lease("thief", 1, 7));
            let start = Instant::now();
            let result = config_maps
                .create(&config_map("stuck"), &WriteOptions::default())
                .await;
            (result, start.elapsed())
        })
        .await;

    let Err(Error::LeaseLost { holder, .. }) = outcome else {
        panic!("expected LeaseLost, got {outcome:?}");
    };
    assert_eq!(holder.as_deref(), Some("thief"));
    let stuck = &wire.exchanges("POST")[0];
    let waited = stuck.dropped.expect("abandoned") - stuck.sent;
    assert!(waited <= RETRY_PERIOD + TICK, "abandoned after {waited:?}");
}

#[tokio::test(start_paused = true)]
async fn after_shutdown_requests_in_flight_finish_while_the_lease_is_held() {
    let fake = FakeCluster::new();
    let wire = Wire::default();
    // A write that takes longer than the lease duration to be answered.
    let slow = LEASE_DURATION * 2;
    let client = wire.client(&fake, move |method, path| {
        if *method == Method::POST && path.contains("/configmaps") {
            Gate::AnswerAfter(slow)
        } else {
            Gate::Pass
        }
    });
    let le = elector(&fake, "a");
    let config_maps = Client::<ConfigMap>::namespaced(le.fence(client), NS);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let shutdown = async {
        let _ = stopped.await;
    };

    let inside = config_maps.clone();
    let (slow_write, during_wind_down) = le
        .run(shutdown, |leading| async move {
            let (slow, options) = (config_map("slow"), WriteOptions::default());
            let write = inside.create(&slow, &options);
            tokio::pin!(write);
            stop.send(()).unwrap();
            // Told to stop while the write is in flight: let it finish.
            tokio::select! {
                () = leading => {}
                _ = &mut write => panic!("answered before the shutdown"),
            }
            let slow_write = write.await;
            let during = inside.get("slow").await;
            (slow_write, during)
        })
        .await
        .expect("no loss")
        .expect("it led");

    assert!(slow_write.is_ok(), "{slow_write:?}");
    assert!(during_wind_down.is_ok(), "{during_wind_down:?}");
    let after = config_maps.get("slow").await.unwrap_err();
    assert_eq!(not_leading(&after), Some(false), "closed once run returned");
}

#[tokio::test(start_paused = true)]
async fn the_fence_keeps_its_own_time_and_reopens_on_a_renewal() {
    let fake = FakeCluster::new();
    let wire = Wire::default();
    let term = TermSender::new();
    let config_maps = Client::<ConfigMap>::namespaced(
        term.fence(
            wire.client(&fake, hold_config_map_writes),
            format!("{NS}/{LEASE}"),
        ),
        NS,
    );
    let start = Instant::now();
    term.hold_until(start + RENEW_DEADLINE);

    // Nobody ends the term: its deadline alone abandons the write and refuses the next.
    let stuck = config_maps
        .create(&config_map("stuck"), &WriteOptions::default())
        .await
        .unwrap_err();
    assert_eq!(not_leading(&stuck), Some(true));
    let waited = start.elapsed();
    assert!(
        (RENEW_DEADLINE..=RENEW_DEADLINE + TICK).contains(&waited),
        "abandoned after {waited:?}, not at the deadline"
    );
    let refused = config_maps.get("stuck").await.unwrap_err();
    assert_eq!(not_leading(&refused), Some(false));
    assert_eq!(wire.exchanges("").len(), 1, "the refused read was not sent");

    // A renewal moves the deadline on, also for a request already in flight.
    term.hold_until(Instant::now() + RENEW_DEADLINE);
    let renewer = {
        let extended = Instant::now() + RENEW_DEADLINE * 3;
        tokio::spawn(async move {
            sleep(RENEW_DEADLINE / 2).await;
            term.hold_until(extended);
            term
        })
    };
    let began = Instant::now();
    let stuck = config_maps
        .create(&config_map("stuck"), &WriteOptions::default())
        .await
        .unwrap_err();
    assert_eq!(not_leading(&stuck), Some(true));
    let waited = began.elapsed();
    assert!(
        (RENEW_DEADLINE * 3..=RENEW_DEADLINE * 3 + TICK).contains(&waited),
        "abandoned after {waited:?}, not at the renewed deadline"
    );
    let term = renewer.await.unwrap();
    term.end();
    assert!(config_maps.get("x").await.is_err());
}
