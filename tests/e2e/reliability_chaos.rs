//! R14, the chaos soak: two leader-elected `sample-controller` replicas, each
//! through its own [`Proxy`], work on 2,000 Foos under 50 updates/s while
//! every 20 s one fault strikes: an apiserver restart, an etcd compaction with
//! a restart, a freeze of the leader's connections, `kill -9` of the leader, or
//! a Foo that does not decode (stored under a loosened CRD). The test is the
//! supervisor: a replica that exits is started again. Afterwards every Foo has
//! converged with one Deployment, the leader's queue is drained, no process
//! panicked, the audit log shows no write from a replica while the other
//! led, and (in the 10-minute soak) the leaders' memory stayed level.
//!
//! Two minutes by default; `KUBE_GEN_CHAOS_SECONDS=600` (what `cargo xtask test
//! --long` sets) is the 10-minute soak, `KUBE_GEN_CHAOS_FOOS` changes the size.
//! The faults come in a random order, printed with its seed; rerun one with
//! `KUBE_GEN_CHAOS_SEED`. Every kind of fault occurs in the first five.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, ApiResource, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube_gen_tests::{Proxy, SampleController, TestCluster, eventually};
use sample_controller::foo::Foo;
use serde_json::json;

#[path = "support/foos.rs"]
mod support;

#[path = "support/audit.rs"]
mod audit;

use audit::{LEASE_NAMESPACE, grant_controller_roles, service_account_user, writes_in};

use support::{
    all_converged_selected, controller_kubeconfig, foo, install_artifacts, loosen_crd, metric,
    tighten_crd,
};

const LIMIT: Duration = Duration::from_secs(600);
const FAULT_EVERY: Duration = Duration::from_secs(20);
const UPDATES_PER_SECOND: u64 = 50;
const GOOD: &str = "chaos=good";
const LEADING: &str = r#"leader_election_master_status{name="sample-controller"}"#;
/// The second replica's ServiceAccount, with the roles `artifacts/` gives the first.
const STANDBY: &str = "sample-controller-standby";
/// Foos whose replicas flip between 0 and 1, so some updates move pods.
const FLIPPING: u64 = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    RestartApiserver,
    CompactAndRestart,
    FreezeLeader,
    KillLeader,
    Poison,
}

const FAULTS: [Fault; 5] = [
    Fault::RestartApiserver,
    Fault::CompactAndRestart,
    Fault::FreezeLeader,
    Fault::KillLeader,
    Fault::Poison,
];

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Fault::RestartApiserver => "apiserver restart",
            Fault::CompactAndRestart => "etcd compaction and apiserver restart",
            Fault::FreezeLeader => "freeze of the leader's connections",
            Fault::KillLeader => "kill -9 of the leader",
            Fault::Poison => "a Foo that does not decode",
        })
    }
}

/// A small deterministic generator (xorshift), so a failing order can be replayed.
struct Rng(u64);

impl Rng {
    /// Spreads `seed`'s bits first (splitmix64), so close seeds give different orders.
    fn new(seed: u64) -> Rng {
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Rng((z ^ (z >> 31)) | 1)
    }

    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// One replica: its proxy, its current process, and what the supervisor saw.
struct Replica {
    name: &'static str,
    proxy: Proxy,
    process: SampleController,
    args: Vec<String>,
    kubeconfig: std::path::PathBuf,
    starts: u32,
    /// Samples of the current process while it leads, and of its earlier tenures.
    tenure: Vec<Sample>,
    tenures: Vec<Vec<Sample>>,
}

/// One look at a leading replica.
#[derive(Debug, Clone, Copy)]
struct Sample {
    /// Seconds into the soak.
    at: u64,
    when: SystemTime,
    /// Its RSS in bytes, if it could be read.
    rss: Option<u64>,
}

impl Replica {
    fn start(
        cluster: &TestCluster,
        name: &'static str,
        kubeconfig: &std::path::Path,
        ns: &str,
    ) -> anyhow::Result<Replica> {
        let proxy = Proxy::start(cluster)?;
        let args: Vec<String> = [
            "--master",
            &proxy.url(),
            "--namespace",
            ns,
            "--workers",
            "4",
            "--leader-elect",
            // Long enough to ride out an apiserver restart (5-8 s here), short enough
            // that a killed or frozen leader is replaced within one fault period.
            "--leader-elect-lease-duration=10s",
            "--leader-elect-renew-deadline=8s",
            "--leader-elect-retry-period=1s",
        ]
        .map(str::to_owned)
        .into();
        let process = spawn(kubeconfig, &args)?;
        Ok(Replica {
            name,
            proxy,
            process,
            args,
            kubeconfig: kubeconfig.to_owned(),
            starts: 1,
            tenure: Vec::new(),
            tenures: Vec::new(),
        })
    }

    fn leads(&self) -> bool {
        metric(&self.process, LEADING).is_ok_and(|v| v == 1.0)
    }

    /// Starts the process again, as a Deployment's kubelet would; checks the old one's log.
    fn restart(&mut self) -> anyhow::Result<()> {
        let _ = self.process.kill();
        assert_no_panic(&self.process, self.name);
        self.process = spawn(&self.kubeconfig, &self.args)?;
        self.starts += 1;
        self.end_tenure();
        Ok(())
    }

    fn end_tenure(&mut self) {
        if !self.tenure.is_empty() {
            self.tenures.push(std::mem::take(&mut self.tenure));
        }
    }

    /// Samples the process: leading or not, and its RSS while it leads.
    fn observe(&mut self, at: u64) {
        if self.leads() {
            self.tenure.push(Sample {
                at,
                when: SystemTime::now(),
                rss: self.process.rss_bytes().ok(),
            });
        } else {
            self.end_tenure();
        }
    }

    /// Restarts the process if it has exited (a lost Lease exits 1).
    fn supervise(&mut self) -> anyhow::Result<()> {
        if let Some(status) = self.process.try_wait()? {
            eprintln!(
                "R14: replica {} exited ({status}); restarting it",
                self.name
            );
            self.restart()?;
        }
        Ok(())
    }
}

fn spawn(kubeconfig: &std::path::Path, args: &[String]) -> anyhow::Result<SampleController> {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    SampleController::start(kubeconfig, &args)
}

fn assert_no_panic(process: &SampleController, name: &str) {
    let log = process.log();
    assert!(!log.contains("panicked"), "replica {name} panicked:\n{log}");
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::test(flavor = "multi_thread")]
async fn r14_two_replicas_survive_a_fault_every_20_seconds() -> anyhow::Result<()> {
    let n = env_or("KUBE_GEN_CHAOS_FOOS", 2_000);
    let seconds = env_or("KUBE_GEN_CHAOS_SECONDS", 120);
    let seed = env_or(
        "KUBE_GEN_CHAOS_SEED",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_nanos() as u64,
    );
    eprintln!("R14: {n} Foos, {seconds} s, KUBE_GEN_CHAOS_SEED={seed}");
    let cluster = TestCluster::get();
    let _exclusive = cluster.exclusive().await;
    install_artifacts(cluster)?;
    let ns = cluster.namespace("r14").await?;
    // Each replica is its own ServiceAccount, so the audit log tells their writes apart.
    let admin = cluster.client().await?;
    grant_controller_roles(&admin, STANDBY).await?;
    let mut replicas = [
        Replica::start(cluster, "a", &controller_kubeconfig(cluster)?, &ns)?,
        Replica::start(
            cluster,
            "b",
            &cluster.service_account_kubeconfig(LEASE_NAMESPACE, STANDBY)?,
            &ns,
        )?,
    ];
    let foos = Api::<Foo>::namespaced(admin.clone(), &ns);
    let deployments = Api::<Deployment>::namespaced(admin.clone(), &ns);

    let started = Instant::now();
    futures::stream::iter(0..n)
        .map(|i| {
            let foos = &foos;
            async move {
                let mut each = foo(&format!("foo-{i}"), &format!("foo-{i}"), Some(0));
                each.metadata.labels = Some([("chaos".to_owned(), "good".to_owned())].into());
                foos.create(&PostParams::default(), &each).await.map(drop)
            }
        })
        .buffer_unordered(32)
        .try_collect::<()>()
        .await?;
    all_converged_selected(&foos, &deployments, GOOD, LIMIT).await;
    eprintln!(
        "R14: {n} Foos converged {:?} after the first create",
        started.elapsed()
    );

    // The load: 50 patches a second, sent whatever the faults do; failures are counted.
    let sent = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let soak = Duration::from_secs(seconds);
    let load = tokio::spawn(load(foos.clone(), n, soak, sent.clone(), failed.clone()));

    let mut rng = Rng::new(seed);
    let mut order = FAULTS.to_vec();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i + 1));
    }
    // The two faults that replace the leader are not adjacent, so one leader holds for
    // 40 s or more and its memory can be checked even in the 2-minute run.
    let replaces = |f: &Fault| matches!(f, Fault::KillLeader | Fault::FreezeLeader);
    while order.windows(2).any(|w| replaces(&w[0]) && replaces(&w[1])) {
        order.rotate_left(1);
    }
    let soak_started = Instant::now();
    let mut next_fault = FAULT_EVERY;
    let mut faults = 0_usize;
    let mut poisons = 0_usize;
    while soak_started.elapsed() < soak {
        let at = soak_started.elapsed().as_secs();
        for replica in &mut replicas {
            replica.supervise()?;
            replica.observe(at);
        }
        if soak_started.elapsed() >= next_fault {
            next_fault += FAULT_EVERY;
            let fault = order
                .get(faults)
                .copied()
                .unwrap_or_else(|| FAULTS[rng.below(FAULTS.len())]);
            faults += 1;
            eprintln!("R14: {at:>4} s: {fault}");
            match fault {
                Fault::RestartApiserver => {
                    tokio::task::block_in_place(|| cluster.control_plane().restart_apiserver())?;
                }
                Fault::CompactAndRestart => tokio::task::block_in_place(|| {
                    cluster.control_plane().compact_etcd()?;
                    cluster.control_plane().restart_apiserver()
                })?,
                Fault::FreezeLeader => {
                    if let Some(leader) = replicas.iter().find(|r| r.leads()) {
                        leader.proxy.freeze();
                    }
                }
                Fault::KillLeader => {
                    if let Some(leader) = replicas.iter_mut().find(|r| r.leads()) {
                        leader.restart()?;
                    }
                }
                Fault::Poison => {
                    poison(cluster, &admin, &ns, poisons).await?;
                    poisons += 1;
                }
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    load.await??;
    let (sent, failed) = (sent.load(Ordering::Relaxed), failed.load(Ordering::Relaxed));
    eprintln!("R14: {faults} faults; {sent} updates sent, {failed} refused during outages");
    assert!(
        faults >= FAULTS.len().min(usize::try_from(seconds / 20)?),
        "too few faults"
    );

    // Afterwards: every good Foo converged with one Deployment, the queue drained.
    let admin = cluster.client().await?;
    let foos = Api::<Foo>::namespaced(admin.clone(), &ns);
    let deployments = Api::<Deployment>::namespaced(admin.clone(), &ns);
    let settle = Instant::now();
    loop {
        for replica in &mut replicas {
            replica.supervise()?;
        }
        if replicas.iter().any(Replica::leads) {
            break;
        }
        assert!(settle.elapsed() < LIMIT, "no replica leads after the soak");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    all_converged_selected(&foos, &deployments, GOOD, LIMIT).await;
    eprintln!("R14: converged {:?} after the soak", settle.elapsed());
    let good = foos
        .list(&ListParams::default().labels(GOOD))
        .await?
        .items
        .len();
    let written = deployments.list(&ListParams::default()).await?.items.len();
    assert_eq!(good, usize::try_from(n)?, "every good Foo is still there");
    assert_eq!(
        written, good,
        "one Deployment per Foo, none for the poisoned ones"
    );
    let leader = replicas.iter().find(|r| r.leads()).expect("a leader");
    eventually("the leader's queue to drain", LIMIT, || async {
        let depth = metric(&leader.process, r#"workqueue_depth{name="Foos"}"#)?;
        let ready = leader.process.get("/readyz")?.status == 200;
        Ok((depth == 0.0 && ready).then_some(()))
    })
    .await;
    for replica in &mut replicas {
        assert_no_panic(&replica.process, replica.name);
        replica.end_tenure();
        eprintln!(
            "R14: replica {} started {} times",
            replica.name, replica.starts
        );
    }

    // No write after a lost Lease: while one replica was seen leading, the apiserver
    // received no Deployment or Foo write from the other (its fence closed at its renew
    // deadline, before the Lease could pass). Lenient only at the edges of each span,
    // which the once-a-second sampling sees late.
    let audit_log = cluster.control_plane().state().audit_log.clone();
    let writes = writes_in(&audit_log, &ns)?;
    let users = [
        service_account_user("sample-controller"),
        service_account_user(STANDBY),
    ];
    for (i, replica) in replicas.iter().enumerate() {
        let other = &users[1 - i];
        for tenure in &replica.tenures {
            let (first, last) = (tenure[0], tenure[tenure.len() - 1]);
            let (from, to) = (
                Timestamp::try_from(first.when)?,
                Timestamp::try_from(last.when)?,
            );
            let stray: Vec<String> = writes
                .iter()
                .filter(|w| &w.user.username == other)
                .filter(|w| w.request_received_timestamp.0 > from)
                .filter(|w| w.request_received_timestamp.0 <= to)
                .map(audit::AuditEvent::describe)
                .collect();
            assert!(
                stray.is_empty(),
                "while replica {} led ({from} to {to}), the other wrote:\n{}",
                replica.name,
                stray.join("\n")
            );
        }
    }
    let by = |user: &str| writes.iter().filter(|w| w.user.username == user).count();
    let (by_a, by_b) = (by(&users[0]), by(&users[1]));
    eprintln!("R14: audit log: {by_a} writes by replica a, {by_b} by b, none while the other led");
    assert!(by_a + by_b > 0, "the audit log shows the replicas' writes");

    // Memory: the leaders' RSS does not grow over the soak. Each relist (after a restart
    // or a compaction) raises a process's RSS once, to the high-water mark of holding the
    // old and the new list, so single samples jump; a leak shows as a high-water mark that
    // keeps rising. The highest leader sample of the soak's last third must be within 1.2x
    // + 16 MiB of the highest of its first third. Asserted in soaks of 5 minutes or more:
    // in the 2-minute run a third is 40 s, and whether its leaders have relisted yet
    // depends on the order of the faults, so the figures are only printed.
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    let third = seconds / 3;
    let (mut early, mut late) = (0_u64, 0_u64);
    for replica in &replicas {
        for tenure in &replica.tenures {
            let rss: Vec<(u64, u64)> = tenure.iter().filter_map(|s| Some((s.at, s.rss?))).collect();
            let (Some(&first), Some(&last)) = (rss.first(), rss.last()) else {
                continue;
            };
            let curve: Vec<String> = rss
                .iter()
                .step_by(10)
                .map(|(at, rss)| format!("{at} s {:.1}", mib(*rss)))
                .collect();
            eprintln!(
                "R14: replica {} led from {} s to {} s, RSS MiB: {}; {:.1} at the end",
                replica.name,
                first.0,
                last.0,
                curve.join(", "),
                mib(last.1)
            );
            for (at, rss) in &rss {
                if *at < third {
                    early = early.max(*rss);
                } else if *at >= seconds - third {
                    late = late.max(*rss);
                }
            }
        }
    }
    eprintln!(
        "R14: highest leader RSS {:.1} MiB in the first third, {:.1} MiB in the last",
        mib(early),
        mib(late)
    );
    assert!(early > 0 && late > 0, "a leader was sampled in both thirds");
    assert!(
        seconds < 300 || late as f64 <= early as f64 * 1.2 + 16.0 * 1024.0 * 1024.0,
        "the leaders' RSS grew over the soak: {:.1} MiB at most early, {:.1} MiB late",
        mib(early),
        mib(late)
    );
    Ok(())
}

/// 50 patches a second for `soak`: a label on a spread of Foos (a sync with nothing to
/// write), and every 10th flips one of a few Foos between 0 and 1 replicas.
async fn load(
    foos: Api<Foo>,
    n: u64,
    soak: Duration,
    sent: Arc<AtomicU64>,
    failed: Arc<AtomicU64>,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut i = 0_u64;
    while started.elapsed() < soak {
        let tick = Instant::now();
        let batch: Vec<(String, serde_json::Value)> = (0..UPDATES_PER_SECOND / 10)
            .map(|_| {
                i += 1;
                if i.is_multiple_of(10) {
                    let flip = i / 10 % FLIPPING;
                    let replicas = i / 10 / FLIPPING % 2;
                    (
                        format!("foo-{flip}"),
                        json!({"spec": {"replicas": replicas}}),
                    )
                } else {
                    let name = format!("foo-{}", i * 7919 % n);
                    (
                        name,
                        json!({"metadata": {"labels": {"tick": i.to_string()}}}),
                    )
                }
            })
            .collect();
        let params = PatchParams::default();
        let results = futures::future::join_all(batch.iter().map(|(name, patch)| {
            let (foos, params) = (&foos, &params);
            async move { foos.patch(name, params, &Patch::Merge(patch)).await }
        }))
        .await;
        for result in results {
            sent.fetch_add(1, Ordering::Relaxed);
            if result.is_err() {
                failed.fetch_add(1, Ordering::Relaxed);
            }
        }
        tokio::time::sleep(Duration::from_millis(100).saturating_sub(tick.elapsed())).await;
    }
    Ok(())
}

/// Loosens the Foo CRD, stores `poison-{i}` with `replicas: "three"`, tightens it again.
async fn poison(
    cluster: &TestCluster,
    admin: &kube::Client,
    ns: &str,
    i: usize,
) -> anyhow::Result<()> {
    loosen_crd(cluster)?;
    let raw =
        Api::<DynamicObject>::namespaced_with(admin.clone(), ns, &ApiResource::erase::<Foo>(&()));
    let bad: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "samplecontroller.k8s.io/v1alpha1", "kind": "Foo",
        "metadata": {"name": format!("poison-{i}")},
        "spec": {"deploymentName": format!("poison-{i}"), "replicas": "three"}
    }))?;
    eventually("the loosened schema to take the bad Foo", LIMIT, || async {
        Ok(raw
            .create(&PostParams::default(), &bad)
            .await
            .ok()
            .map(drop))
    })
    .await;
    tighten_crd(cluster)?;
    Ok(())
}
