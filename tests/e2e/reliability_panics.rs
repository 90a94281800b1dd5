//! R11: a panicking handler or worker takes the process down, loudly.
//!
//! `src/bin/panicking_controller.rs` is a small kube-gen controller (informer, event
//! handler, work queue, workers) that copies ConfigMaps labelled `role=source` and panics
//! in its event handler or its worker when a source carries `panic-in=handler` or
//! `panic-in=worker`; the shipped sample-controller has no such switch. Each test sees the
//! process exit with status 2 and exactly one log line naming the panic (what panicked,
//! where, and the message), then acts as the supervisor: removes the trigger, restarts the
//! process, and sees every source copied, the one that panicked included.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, ObjectMeta, Patch, PatchParams, PostParams};
use kube_gen_tests::{TestCluster, cargo_bin, eventually, workspace_root};
use serde_json::json;

const LIMIT: Duration = Duration::from_secs(60);

/// One run of `panicking_controller`, its stderr going to a file. Dropping it kills it.
struct Controller {
    child: Child,
    log: PathBuf,
}

impl Controller {
    fn start(kubeconfig: &Path, namespace: &str, run: u32) -> anyhow::Result<Controller> {
        let binary = cargo_bin("kube-gen-tests", "panicking_controller")?;
        let logs = workspace_root().join("target/e2e-logs");
        std::fs::create_dir_all(&logs)?;
        let log = logs.join(format!("panicking-controller-{namespace}-{run}.log"));
        let child = Command::new(binary)
            .arg(kubeconfig)
            .arg(namespace)
            .env("RUST_LOG", "info")
            .env_remove("RUST_BACKTRACE")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(&log)?)
            .spawn()?;
        Ok(Controller { child, log })
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits up to `limit` for the process to exit by itself.
    fn wait_for_exit(&mut self, limit: Duration) -> anyhow::Result<ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(status);
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "still running {limit:?} after the panic was asked for; {}:\n{}",
                self.log.display(),
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Controller {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- {} ---\n{}--- end ---", self.log.display(), self.log());
        }
    }
}

fn source(name: &str, value: &str, panic_in: Option<&str>) -> ConfigMap {
    let mut labels = BTreeMap::from([("role".to_owned(), "source".to_owned())]);
    if let Some(place) = panic_in {
        labels.insert("panic-in".to_owned(), place.to_owned());
    }
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            labels: Some(labels),
            ..ObjectMeta::default()
        },
        data: Some(BTreeMap::from([("value".to_owned(), value.to_owned())])),
        ..ConfigMap::default()
    }
}

/// Waits until `NAME-copy` holds `value`.
async fn copied(config_maps: &Api<ConfigMap>, name: &str, value: &str) {
    let copy = format!("{name}-copy");
    eventually(&format!("{copy} to hold {value:?}"), LIMIT, || async {
        let data = config_maps.get_opt(&copy).await?.and_then(|c| c.data);
        Ok(data
            .is_some_and(|d| d.get("value").map(String::as_str) == Some(value))
            .then_some(()))
    })
    .await;
}

/// The panic in `place` (`handler` or `worker`): exit 2 with one line naming it; then a
/// restart without the trigger converges.
/// `site` names what panicked, given the namespace.
async fn panic_exits_and_a_restart_converges(
    place: &str,
    site: fn(&str) -> String,
) -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let ns = cluster.namespace(&format!("r11-{place}")).await?;
    let config_maps = Api::<ConfigMap>::namespaced(cluster.client().await?, &ns);
    let create = PostParams::default();
    config_maps
        .create(&create, &source("calm", "1", None))
        .await?;
    let mut first = Controller::start(cluster.kubeconfig(), &ns, 1)?;
    copied(&config_maps, "calm", "1").await;

    config_maps
        .create(&create, &source("bad", "1", Some(place)))
        .await?;
    let asked = Instant::now();
    let status = first.wait_for_exit(LIMIT)?;
    let exited_after = asked.elapsed();
    assert_eq!(status.code(), Some(2), "{status}; log:\n{}", first.log());

    let log = first.log();
    // "panicked", not "panic": every line names the `panicking_controller` target. Rust's
    // own panic message ("thread '...' panicked at") would make a second line.
    let lines: Vec<&str> = log.lines().filter(|l| l.contains("panicked")).collect();
    assert_eq!(lines.len(), 1, "one line about the panic, got:\n{log}");
    let line = lines[0];
    let message = format!("the {place} was asked to panic by ConfigMap {ns}/bad");
    for part in [
        "ERROR",
        &format!("{} panicked at", site(&ns)),
        "panicked at tests/src/bin/panicking_controller.rs:",
        &message,
        "exiting with status 2",
    ] {
        assert!(line.contains(part), "{part:?} missing from: {line}");
    }
    assert!(
        config_maps.get_opt("bad-copy").await?.is_none(),
        "the panicking sync wrote its copy"
    );
    println!("{place}: exit status 2, {exited_after:.1?} after the trigger; the line:\n{line}");

    // The supervisor's part: the trigger removed, the process restarted.
    let untrigger = json!({"metadata": {"labels": {"panic-in": null}}});
    config_maps
        .patch("bad", &PatchParams::default(), &Patch::Merge(&untrigger))
        .await?;
    let mut second = Controller::start(cluster.kubeconfig(), &ns, 2)?;
    copied(&config_maps, "bad", "1").await;
    let change = json!({"data": {"value": "2"}});
    for name in ["calm", "bad"] {
        config_maps
            .patch(name, &PatchParams::default(), &Patch::Merge(&change))
            .await?;
        copied(&config_maps, name, "2").await;
    }
    assert!(
        second.child.try_wait()?.is_none(),
        "the restarted controller exited"
    );
    assert!(!second.log().contains("panicked"), "{}", second.log());
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_panicking_event_handler_exits_2_with_one_line_and_a_restart_converges()
-> anyhow::Result<()> {
    // The controller's one handler, the informer's first (id 0), of ConfigMaps.
    panic_exits_and_a_restart_converges("handler", |_| {
        "on_add of event handler 0 for ConfigMap".to_owned()
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_panicking_worker_exits_2_with_one_line_and_a_restart_converges() -> anyhow::Result<()> {
    panic_exits_and_a_restart_converges("worker", |ns| {
        format!("worker syncing configmap \"{ns}/bad\"")
    })
    .await
}
