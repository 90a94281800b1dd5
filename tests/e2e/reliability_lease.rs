//! R12, lease loss mid-write: two `sample-controller` replicas with
//! `--leader-elect`, each as its own ServiceAccount so the apiserver's audit
//! log tells their writes apart. The leader reaches the apiserver through a
//! [`StallProxy`]; the test holds its requests (answers still flow, so it sees
//! the Foos change and starts writing), the leader cannot renew and the
//! standby takes over and writes. Then the proxy resumes, and the audit log
//! must show no write by the old leader after the new leader's first one.
//!
//! What this proves, and what it cannot: the proxy drops the held bytes of a
//! connection the client closed while held (see [`StallProxy`]), so the test
//! checks what the fence guarantees: the old leader sends nothing after it
//! lost the Lease, and it stops waiting for the writes it had sent (it closes
//! their connections and exits while they are still held). A replica without
//! the fence keeps waiting on its held Deployment update, which the proxy then
//! delivers after the new leader's writes: that run fails here. Bytes a real
//! network still delivers after a client gave up are outside any fence; the
//! margin between lease duration and renew deadline is what covers them.

use std::collections::BTreeSet;
use std::process::ExitStatus;
use std::time::{Duration, Instant, SystemTime};

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, Patch, PatchParams, PostParams};
use kube_gen_tests::{Held, SampleController, StallProxy, TestCluster, eventually};
use sample_controller::foo::Foo;
use serde_json::json;

#[path = "support/foos.rs"]
mod support;

#[path = "support/audit.rs"]
mod audit;

use audit::{AuditEvent, grant_controller_roles, service_account_user, writes_in};

use support::{all_converged, foo, install_artifacts, metric};

const LIMIT: Duration = Duration::from_secs(90);
const LEADING: &str = r#"leader_election_master_status{name="sample-controller"}"#;
use audit::LEASE_NAMESPACE;
/// The `artifacts/` ServiceAccount; the old leader runs as it.
const FIRST: &str = "sample-controller";
/// A second ServiceAccount with the same roles; the new leader runs as it.
const SECOND: &str = "sample-controller-standby";
const FOOS: usize = 3;
/// How long the old leader may take to stop once it lost the Lease: the renew
/// deadline (3 s) plus the artifacts' event flush bound (5 s) and slack.
const EXIT_LIMIT: Duration = Duration::from_secs(20);

/// How `controller` exited, if it does within `limit`.
async fn exit_status(
    controller: &mut SampleController,
    limit: Duration,
) -> anyhow::Result<Option<ExitStatus>> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = controller.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() > deadline {
            return Ok(None);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn timestamp(at: SystemTime) -> Timestamp {
    Timestamp::try_from(at).expect("a time after 1970")
}

#[tokio::test(flavor = "multi_thread")]
async fn no_write_leaves_the_old_leader_after_the_new_leader_writes() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    install_artifacts(cluster)?;
    let ns = cluster.namespace("lease-loss").await?;
    let admin = cluster.client().await?;
    let first_kubeconfig = cluster.service_account_kubeconfig(LEASE_NAMESPACE, FIRST)?;
    let second_kubeconfig = cluster.service_account_kubeconfig(LEASE_NAMESPACE, SECOND)?;
    grant_controller_roles(&admin, SECOND).await?;
    let audit_log = cluster.control_plane().state().audit_log.clone();

    let proxy = StallProxy::start(cluster)?;
    let proxy_url = proxy.url();
    let args = [
        "--leader-elect",
        "--leader-elect-lease-duration=4s",
        "--leader-elect-renew-deadline=3s",
        "--leader-elect-retry-period=500ms",
        "--namespace",
        &ns,
    ];
    let through_proxy: Vec<&str> = args
        .iter()
        .copied()
        .chain(["--master", &proxy_url])
        .collect();
    let mut first = SampleController::start(&first_kubeconfig, &through_proxy)?;
    eventually("the first replica to lead", LIMIT, || async {
        Ok((metric(&first, LEADING)? == 1.0).then_some(()))
    })
    .await;
    let second = SampleController::start(&second_kubeconfig, &args)?;
    eventually("the second replica to serve", LIMIT, || async {
        Ok((second.get("/healthz")?.status == 200).then_some(()))
    })
    .await;

    let foos = Api::<Foo>::namespaced(admin.clone(), &ns);
    let deployments = Api::<Deployment>::namespaced(admin.clone(), &ns);
    for i in 0..FOOS {
        let name = format!("foo-{i}");
        foos.create(&PostParams::default(), &foo(&name, &name, Some(1)))
            .await?;
    }
    all_converged(&foos, &deployments, LIMIT).await;
    assert_eq!(metric(&second, LEADING)?, 0.0, "the standby waits");

    // Hold the leader's requests, then give it work: its watches still deliver, so it
    // starts scaling the Deployments, and those writes wait in the proxy with its renewals.
    proxy.hold();
    let (held_at, held_since) = (Instant::now(), SystemTime::now());
    let scale = json!({ "spec": { "replicas": 2 } });
    for i in 0..FOOS {
        foos.patch(
            &format!("foo-{i}"),
            &PatchParams::default(),
            &Patch::Merge(&scale),
        )
        .await?;
    }

    // The standby takes over and does the work.
    eventually("the second replica to lead", LIMIT, || async {
        Ok((metric(&second, LEADING)? == 1.0).then_some(()))
    })
    .await;
    eprintln!("the standby led {:?} after the hold", held_at.elapsed());
    all_converged(&foos, &deployments, LIMIT).await;
    eprintln!("converged {:?} after the hold", held_at.elapsed());

    // The old leader gave up on its own, its requests still held: it exits (lease lost).
    let exited_before_resume = exit_status(&mut first, EXIT_LIMIT).await?;
    eprintln!(
        "the old leader, {:?} after the hold: {exited_before_resume:?}",
        held_at.elapsed()
    );

    let held = proxy.resume();
    let after_hold = |at: SystemTime| at.duration_since(held_since).unwrap_or_default();
    for each in &held {
        eprintln!(
            "held: {} bytes, sent from {:?} to {:?} into the hold, closed by the client {:?} into it",
            each.bytes,
            after_hold(each.first_byte_at),
            after_hold(each.last_byte_at),
            each.closed_at.map(after_hold),
        );
    }
    // Whatever the proxy delivered on resume has landed once the old leader is gone: a
    // replica still waiting for a held write exits when it is answered.
    let exited = exit_status(&mut first, EXIT_LIMIT).await?;
    assert!(
        exited.is_some(),
        "the old leader still ran after the resume"
    );
    tokio::time::sleep(Duration::from_secs(1)).await;

    let writes = writes_in(&audit_log, &ns)?;
    let (old, new) = (service_account_user(FIRST), service_account_user(SECOND));
    let users: BTreeSet<&str> = writes.iter().map(|w| w.user.username.as_str()).collect();
    eprintln!("writers in {ns}: {users:?}");
    let first_new = writes
        .iter()
        .find(|w| w.user.username == new)
        .unwrap_or_else(|| panic!("the new leader wrote nothing in {}", audit_log.display()));
    let new_since = first_new.request_received_timestamp.0;
    eprintln!("the new leader's first write: {}", first_new.describe());
    let late: Vec<String> = writes
        .iter()
        .filter(|w| w.user.username == old && w.request_received_timestamp.0 >= new_since)
        .map(AuditEvent::describe)
        .collect();
    let before = writes
        .iter()
        .filter(|w| w.user.username == old && w.request_received_timestamp.0 < new_since)
        .count();
    eprintln!("the old leader's writes before the new leader's first: {before}");
    assert!(
        late.is_empty(),
        "the old leader wrote after the new leader's first write:\n{}",
        late.join("\n")
    );
    assert!(before >= FOOS, "the old leader created the Deployments");

    // It stopped waiting: it exited, lease lost, while its requests were still held ...
    let status = exited_before_resume.unwrap_or_else(|| {
        panic!("the old leader still ran {EXIT_LIMIT:?} after the new leader converged")
    });
    assert_eq!(status.code(), Some(1), "lost the Lease: exit 1");
    // ... after abandoning a write in flight (the scenario did catch it mid-write) ...
    let log = first.log();
    assert!(
        log.lines()
            .any(|l| l.contains("could not update deployment")
                && l.contains("the request in flight was abandoned")),
        "the old leader abandoned a Deployment update in flight: {}",
        first.log_path().display()
    );
    // ... and sent nothing after the new leader took over.
    let before_takeover = |at: SystemTime| timestamp(at) < new_since;
    for Held {
        bytes,
        last_byte_at,
        closed_at,
        ..
    } in &held
    {
        assert!(
            before_takeover(*last_byte_at),
            "{bytes} bytes held, the last sent after the new leader's first write"
        );
        assert!(
            closed_at.is_some(),
            "a connection holding {bytes} bytes was still open at the resume"
        );
    }
    drop(second);
    Ok(())
}
