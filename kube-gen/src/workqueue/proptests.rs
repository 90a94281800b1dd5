//! Property tests: random interleavings of adds, delays, workers and shutdowns keep the queue's promises.
//!
//! Each case runs producers, workers and (maybe) a shutdown as separate tasks on a
//! current-thread runtime with paused time, so the interleaving is decided by the generated
//! sleeps and yields, and a case never sleeps for real. Every action is stamped with a
//! sequence number in a shared log, and the invariants are checked on the log.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use proptest::prelude::*;

use super::{ItemExponentialFailureRateLimiter, WorkQueue};

/// One step of a producer, or of the task that shuts the queue down.
#[derive(Clone, Debug)]
enum Op {
    Add(u8),
    AddAfter(u8, u64),
    Sleep(u64),
    Yield,
}

/// How one worker handles the items it gets, used in turn.
#[derive(Clone, Debug)]
struct Step {
    work_ms: u64,
    retry: bool,
}

#[derive(Clone, Debug)]
enum Shutdown {
    /// Once everything added has been processed, with drain.
    WhenIdle,
    /// At a random point, with or without drain.
    After { ops: Vec<Op>, drain: bool },
}

#[derive(Clone, Debug)]
struct Scenario {
    producers: Vec<Vec<Op>>,
    workers: Vec<Vec<Step>>,
    shutdown: Shutdown,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..6u8).prop_map(Op::Add),
        3 => (0..6u8, 0..40u64).prop_map(|(key, ms)| Op::AddAfter(key, ms)),
        2 => (1..20u64).prop_map(Op::Sleep),
        1 => Just(Op::Yield),
    ]
}

fn scenario() -> impl Strategy<Value = Scenario> {
    let step = (0..15u64, proptest::bool::weighted(0.3))
        .prop_map(|(work_ms, retry)| Step { work_ms, retry });
    let shutdown = prop_oneof![
        Just(Shutdown::WhenIdle),
        (prop::collection::vec(op(), 0..20), any::<bool>())
            .prop_map(|(ops, drain)| Shutdown::After { ops, drain }),
    ];
    (
        prop::collection::vec(prop::collection::vec(op(), 0..30), 1..4),
        prop::collection::vec(prop::collection::vec(step, 1..6), 1..5),
        shutdown,
    )
        .prop_map(|(producers, workers, shutdown)| Scenario {
            producers,
            workers,
            shutdown,
        })
}

/// What happened, in order.
#[derive(Default)]
struct Log {
    seq: u64,
    /// Sequence number of each key's last accepted add, delayed or not.
    last_add: HashMap<u8, u64>,
    /// Sequence number of each key's last accepted immediate add.
    last_immediate_add: HashMap<u8, u64>,
    adds: HashMap<u8, usize>,
    starts: HashMap<u8, Vec<u64>>,
    in_flight: HashSet<u8>,
    violations: Vec<String>,
}

impl Log {
    fn tick(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Stamps an add made while the queue accepts adds.
    fn added(&mut self, key: u8, immediate: bool) {
        let seq = self.tick();
        self.last_add.insert(key, seq);
        if immediate {
            self.last_immediate_add.insert(key, seq);
        }
        *self.adds.entry(key).or_default() += 1;
    }
}

type SharedLog = Arc<Mutex<Log>>;

async fn apply(queue: &WorkQueue<u8>, log: &SharedLog, op: &Op) {
    match *op {
        Op::Add(key) => {
            if !queue.is_shutting_down() {
                log.lock().unwrap().added(key, true);
            }
            queue.add(key);
        }
        Op::AddAfter(key, ms) => {
            if !queue.is_shutting_down() {
                log.lock().unwrap().added(key, ms == 0);
            }
            queue.add_after(key, Duration::from_millis(ms));
        }
        Op::Sleep(ms) => tokio::time::sleep(Duration::from_millis(ms)).await,
        Op::Yield => tokio::task::yield_now().await,
    }
}

async fn work(queue: WorkQueue<u8>, log: SharedLog, steps: Vec<Step>) {
    for step in steps.iter().cycle() {
        let Some(key) = queue.get().await else {
            if !queue.is_shutting_down() {
                log.lock()
                    .unwrap()
                    .violations
                    .push("get returned None before shutdown".into());
            }
            return;
        };
        {
            let mut log = log.lock().unwrap();
            if !log.in_flight.insert(key) {
                log.violations
                    .push(format!("{key} handed to two workers at once"));
            }
            let seq = log.tick();
            log.starts.entry(key).or_default().push(seq);
        }
        if step.work_ms == 0 {
            tokio::task::yield_now().await;
        } else {
            tokio::time::sleep(Duration::from_millis(step.work_ms)).await;
        }
        let retry = step.retry && queue.num_requeues(&key) < 3;
        {
            let mut log = log.lock().unwrap();
            log.in_flight.remove(&key);
            if retry && !queue.is_shutting_down() {
                log.added(key, false);
            }
        }
        if retry {
            queue.add_rate_limited(key);
        } else {
            queue.forget(&key);
        }
        queue.done(&key);
    }
}

/// Waits until nothing is queued, in flight or waiting for its delay.
async fn wait_until_idle(queue: &WorkQueue<u8>, log: &SharedLog) {
    // Delays are at most 40ms, so a full second with no new log entry and nothing in
    // flight at either end means no delayed item is left.
    let snapshot = || {
        let log = log.lock().unwrap();
        (log.seq, queue.is_empty() && log.in_flight.is_empty())
    };
    let mut before = snapshot();
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = snapshot();
        if before.1 && now.1 && before.0 == now.0 {
            return;
        }
        before = now;
    }
}

fn run(scenario: Scenario) -> Log {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    let queue = WorkQueue::builder()
        .name("proptest")
        .rate_limiter(ItemExponentialFailureRateLimiter::new(
            Duration::from_millis(1),
            Duration::from_millis(20),
        ))
        .build();
    let log = SharedLog::default();
    runtime.block_on(async {
        let workers: Vec<_> = scenario
            .workers
            .into_iter()
            .map(|steps| tokio::spawn(work(queue.clone(), Arc::clone(&log), steps)))
            .collect();
        let producers: Vec<_> = scenario
            .producers
            .into_iter()
            .map(|ops| {
                let (queue, log) = (queue.clone(), Arc::clone(&log));
                tokio::spawn(async move {
                    for op in &ops {
                        apply(&queue, &log, op).await;
                    }
                })
            })
            .collect();
        let everything = async {
            match scenario.shutdown {
                Shutdown::WhenIdle => {
                    for producer in producers {
                        producer.await.unwrap();
                    }
                    wait_until_idle(&queue, &log).await;
                    queue.shut_down_with_drain().await;
                }
                Shutdown::After { ops, drain } => {
                    for op in &ops {
                        apply(&queue, &log, op).await;
                    }
                    if drain {
                        queue.shut_down_with_drain().await;
                    } else {
                        queue.shut_down();
                    }
                    for producer in producers {
                        producer.await.unwrap();
                    }
                }
            }
            for worker in workers {
                worker.await.unwrap();
            }
        };
        // Paused time jumps straight to this deadline if the tasks deadlock.
        tokio::time::timeout(Duration::from_secs(24 * 3600), everything)
            .await
            .expect("every worker exits after shutdown");
    });
    Arc::try_unwrap(log).ok().unwrap().into_inner().unwrap()
}

/// Whether every key in `adds` was started after the add stamped there.
fn processed_after(log: &Log, adds: &HashMap<u8, u64>) -> Result<(), String> {
    for (key, added) in adds {
        let last_start = log.starts.get(key).and_then(|starts| starts.last());
        if last_start.is_none_or(|start| start < added) {
            return Err(format!(
                "{key} added at {added}, last started at {last_start:?}"
            ));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn random_interleavings_keep_the_queue_promises(scenario in scenario()) {
        let graceful = matches!(scenario.shutdown, Shutdown::WhenIdle);
        let log = run(scenario);

        prop_assert!(log.violations.is_empty(), "{:?}", log.violations);
        for (key, starts) in &log.starts {
            // Duplicates collapse: never more processing than adds.
            prop_assert!(starts.len() <= log.adds[key], "{key} processed more than added");
        }
        if graceful {
            // Nothing lost: every item is processed after its last add, delayed or not.
            prop_assert_eq!(processed_after(&log, &log.last_add), Ok(()));
        } else {
            // Items added at once before shutdown are still handed out after it.
            prop_assert_eq!(processed_after(&log, &log.last_immediate_add), Ok(()));
        }
    }
}
