//! R7 and R8, the controller under load.
//!
//! R7: 10,000 Foos, then 100 updates/s for 60 s (10 min in the soak:
//! `KUBE_GEN_LOAD_SECONDS=600 cargo test -p kube-gen-tests --test
//! reliability_load r7`): every Foo converges, the work queue drains to 0, and
//! the controller's RSS stops growing once its caches are full (the curve is
//! printed). R8: SIGTERM while thousands of Foos wait in the queue: the syncs in
//! flight finish, no Deployment is half-written, the process exits 0 within
//! the artifacts' grace period, and the next controller converges everything.
//!
//! `KUBE_GEN_LOAD_FOOS` and `KUBE_GEN_LOAD_SECONDS` override the sizes.

use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use kube::ResourceExt;
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams};
use kube_gen_tests::{SampleController, TestCluster, eventually};
use sample_controller::foo::Foo;
use serde_json::json;

#[path = "support/foos.rs"]
mod support;

use support::{all_converged, controller_kubeconfig, foo, install_artifacts, metric};

/// The artifacts' `terminationGracePeriodSeconds`.
const GRACE: Duration = Duration::from_secs(30);
/// Foos that flip between 0 and 1 replicas during the updates, so pods churn too.
const FLIPPING: usize = 20;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Creates Foos `prefix-0` .. `prefix-{n-1}` at 0 replicas, 32 at a time.
async fn create_foos(foos: &Api<Foo>, prefix: &str, n: usize) -> anyhow::Result<()> {
    futures::stream::iter(0..n)
        .map(|i| async move {
            let name = format!("{prefix}-{i}");
            foos.create(&PostParams::default(), &foo(&name, &name, Some(0)))
                .await
                .map(drop)
        })
        .buffer_unordered(32)
        .try_collect::<()>()
        .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn r7_ten_thousand_foos_converge_and_memory_levels_off() -> anyhow::Result<()> {
    let n = usize::try_from(env_or("KUBE_GEN_LOAD_FOOS", 10_000))?;
    let seconds = env_or("KUBE_GEN_LOAD_SECONDS", 60);
    let limit = Duration::from_secs(600);
    let cluster = TestCluster::get();
    let _exclusive = cluster.exclusive().await;
    install_artifacts(cluster)?;
    let ns = cluster.namespace("r7").await?;
    // Four workers rather than two: the case is about staying correct under load, and
    // this halves the wait on a small machine.
    let controller = SampleController::start(
        &controller_kubeconfig(cluster)?,
        &["--namespace", &ns, "--workers", "4"],
    )?;
    let admin = cluster.client().await?;
    let foos = Api::<Foo>::namespaced(admin.clone(), &ns);
    let deployments = Api::<Deployment>::namespaced(admin.clone(), &ns);

    let started = Instant::now();
    create_foos(&foos, "load", n).await?;
    eprintln!("created {n} Foos in {:?}", started.elapsed());
    all_converged(&foos, &deployments, limit).await;
    eprintln!(
        "{n} Foos converged {:?} after the first create",
        started.elapsed()
    );

    // 100 updates/s: a label on a random Foo (a sync with nothing to write), and every
    // 10th one flips the replicas of one of a few Foos (a Deployment update, pods).
    let mut curve = vec![(0_u64, controller.rss_bytes()?)];
    let updates_started = Instant::now();
    let mut sent = 0_u64;
    let mut next_sample = 5;
    while updates_started.elapsed() < Duration::from_secs(seconds) {
        let tick = Instant::now();
        // Ten patches per 100 ms, sent together: the rate does not depend on latency.
        let mut batch = Vec::with_capacity(10);
        for _ in 0..10 {
            let i = usize::try_from(sent)? * 7919 % n;
            batch.push(if sent.is_multiple_of(10) {
                let flip = usize::try_from(sent / 10)? % FLIPPING;
                let replicas = (sent / 10 / FLIPPING as u64) % 2;
                (
                    format!("load-{flip}"),
                    json!({ "spec": { "replicas": replicas } }),
                )
            } else {
                (
                    format!("load-{i}"),
                    json!({ "metadata": { "labels": { "tick": sent.to_string() } } }),
                )
            });
            sent += 1;
        }
        let params = PatchParams::default();
        futures::future::try_join_all(batch.iter().map(|(name, patch)| {
            let (foos, params) = (&foos, &params);
            async move { foos.patch(name, params, &Patch::Merge(patch)).await }
        }))
        .await?;
        let elapsed = updates_started.elapsed().as_secs();
        if elapsed >= next_sample {
            curve.push((elapsed, controller.rss_bytes()?));
            next_sample += 5;
        }
        tokio::time::sleep(Duration::from_millis(100).saturating_sub(tick.elapsed())).await;
    }
    let rate = sent as f64 / updates_started.elapsed().as_secs_f64();
    eprintln!(
        "{sent} updates in {:?} ({rate:.0}/s)",
        updates_started.elapsed()
    );

    all_converged(&foos, &deployments, limit).await;
    eventually("the work queue to drain", limit, || async {
        Ok((metric(&controller, r#"workqueue_depth{name="Foos"}"#)? == 0.0).then_some(()))
    })
    .await;
    curve.push((updates_started.elapsed().as_secs(), controller.rss_bytes()?));
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    eprintln!("controller RSS (s since the updates began: MiB):");
    for (at, rss) in &curve {
        eprintln!("  {at:>4} s: {:.1}", mib(*rss));
    }
    let half = curve.len() / 2;
    let early = curve[..half].iter().map(|c| c.1).max().unwrap_or_default();
    let late = curve[half..].iter().map(|c| c.1).max().unwrap_or_default();
    assert!(
        mib(late) <= mib(early) * 1.2 + 8.0,
        "RSS kept growing: {:.1} MiB early, {:.1} MiB late",
        mib(early),
        mib(late)
    );
    // Not a performance figure: a check that the load this case is about was applied.
    assert!(
        rate >= 75.0,
        "the test kept up about 100 updates/s: {rate:.0}/s"
    );
    assert!(!controller.log().contains("panicked"));
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn r8_sigterm_with_a_full_queue_finishes_in_flight_work() -> anyhow::Result<()> {
    let n = usize::try_from(env_or("KUBE_GEN_LOAD_FOOS", 10_000))?.min(3_000);
    let cluster = TestCluster::get();
    let _exclusive = cluster.exclusive().await;
    install_artifacts(cluster)?;
    let ns = cluster.namespace("r8").await?;
    let admin = cluster.client().await?;
    let foos = Api::<Foo>::namespaced(admin.clone(), &ns);
    let deployments = Api::<Deployment>::namespaced(admin.clone(), &ns);
    create_foos(&foos, "queued", n).await?;

    let kubeconfig = controller_kubeconfig(cluster)?;
    let controller = SampleController::start(&kubeconfig, &["--namespace", &ns])?;
    let depth = eventually(
        "a full queue with work going on",
        Duration::from_secs(120),
        || async {
            let depth = metric(&controller, r#"workqueue_depth{name="Foos"}"#)?;
            let done = metric(
                &controller,
                r#"sample_controller_reconcile_total{result="success"}"#,
            )?;
            Ok((depth >= 100.0 && done >= 10.0).then_some(depth))
        },
    )
    .await;
    let stopping = Instant::now();
    let status = tokio::task::block_in_place(|| controller.terminate(GRACE))?;
    eprintln!(
        "SIGTERM with {depth} Foos queued: exit {status} after {:?}",
        stopping.elapsed()
    );
    assert!(status.success(), "exit {status}");

    // Every Deployment written is whole: controlled by its Foo, at its replicas.
    let written = deployments.list(&ListParams::default()).await?.items;
    assert!(
        !written.is_empty() && written.len() < n,
        "stopped mid-way: {}",
        written.len()
    );
    for d in &written {
        let owner = d
            .owner_references()
            .iter()
            .find(|o| o.controller == Some(true));
        assert_eq!(owner.map(|o| o.name.as_str()), Some(d.name_any().as_str()));
        assert_eq!(d.spec.as_ref().and_then(|s| s.replicas), Some(0));
    }

    let next = SampleController::start(&kubeconfig, &["--namespace", &ns])?;
    all_converged(&foos, &deployments, Duration::from_secs(600)).await;
    drop(next);
    Ok(())
}
