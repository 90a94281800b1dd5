//! The examples in `kube-gen/examples/`, built with `cargo build -p kube-gen --examples` and
//! run as processes against the local control plane with `KUBECONFIG` set, as their docs
//! say: each prints what its doc promises, and each stops on Ctrl-C (SIGINT) or by itself.
//! Also checks that the CRD example's `generated/foo.rs` is what the CLI writes today.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::api::{Api, DeleteParams, PostParams};
use kube_gen_tests::{TestCluster, cargo_bin, cargo_example, eventually, workspace_root};
use rustix::process::{Pid, Signal, kill_process};
use serde_json::json;

/// How long an example may take to print what a test waits for.
const LIMIT: Duration = Duration::from_secs(60);

/// A running example; its stdout is collected line by line. Dropping it kills the process.
struct Example {
    name: String,
    child: Child,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<String>>,
}

impl Example {
    /// Builds the examples (once per test binary) and starts `name ARGS...` with the
    /// cluster's admin kubeconfig as `KUBECONFIG`.
    fn start(name: &str, args: &[&str]) -> anyhow::Result<Example> {
        let binary = cargo_example("kube-gen", name)?;
        let mut child = Command::new(&binary)
            .args(args)
            .env("KUBECONFIG", TestCluster::get().kubeconfig())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        let (out, lines) = (child.stdout.take().context("stdout")?, Arc::clone(&stdout));
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        });
        let (mut err, text) = (child.stderr.take().context("stderr")?, Arc::clone(&stderr));
        std::thread::spawn(move || {
            let mut all = String::new();
            let _ = err.read_to_string(&mut all);
            text.lock().unwrap().push_str(&all);
        });
        Ok(Example {
            name: name.to_owned(),
            child,
            stdout,
            stderr,
        })
    }

    /// Everything printed so far, stdout then stderr, for assertions and failure messages.
    fn output(&self) -> String {
        format!(
            "stdout:\n{}\nstderr:\n{}",
            self.stdout.lock().unwrap().join("\n"),
            self.stderr.lock().unwrap()
        )
    }

    fn printed(&self, text: &str) -> bool {
        self.stdout.lock().unwrap().iter().any(|l| l.contains(text))
    }

    /// Waits until a line of stdout contains `text`.
    async fn wait_for(&self, text: &str) {
        let what = format!("example {} to print {text:?}", self.name);
        eventually(&what, LIMIT, || async {
            if self.printed(text) {
                Ok(Some(()))
            } else {
                anyhow::bail!("not yet; {}", self.output())
            }
        })
        .await;
    }

    /// Sends SIGINT (Ctrl-C), waits for the example to exit and checks it exited 0; returns
    /// its stdout.
    async fn interrupt(self) -> anyhow::Result<String> {
        let pid = Pid::from_raw(i32::try_from(self.child.id())?).context("pid 0")?;
        kill_process(pid, Signal::INT)?;
        self.exit().await
    }

    /// Waits for the example to exit by itself and checks it exited 0; returns its stdout.
    async fn exit(mut self) -> anyhow::Result<String> {
        let deadline = Instant::now() + LIMIT;
        let status: ExitStatus = loop {
            if let Some(status) = self.child.try_wait()? {
                break status;
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "example {} still runs after {LIMIT:?}; {}",
                self.name,
                self.output()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        // The reader threads get what was left in the pipes.
        tokio::time::sleep(Duration::from_millis(200)).await;
        anyhow::ensure!(
            status.success(),
            "example {} exited with {status}; {}",
            self.name,
            self.output()
        );
        Ok(self.stdout.lock().unwrap().join("\n"))
    }
}

impl Drop for Example {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_crd_example_uses_what_the_cli_writes() -> anyhow::Result<()> {
    let cli = cargo_bin("kube-gen-cli", "kube-gen")?;
    let output = Command::new(cli)
        .arg("artifacts/crd.yaml")
        .current_dir(workspace_root())
        .output()?;
    anyhow::ensure!(output.status.success(), "{output:?}");
    let checked_in = std::fs::read(workspace_root().join("kube-gen/examples/generated/foo.rs"))?;
    assert!(
        checked_in == output.stdout,
        "kube-gen/examples/generated/foo.rs is stale; regenerate it with\n    \
         cargo run -p kube-gen-cli -- artifacts/crd.yaml -o kube-gen/examples/generated/foo.rs"
    );
    Ok(())
}

#[tokio::test]
async fn workqueue_retries_backs_off_gives_up_and_prints_metrics() -> anyhow::Result<()> {
    let example = Example::start("workqueue_retries", &[])?;
    let out = example.exit().await?;
    for expected in [
        "default/ok: synced after 0 retries",
        "default/flaky: connection refused; retrying with backoff",
        "default/flaky: synced after 2 retries",
        "default/broken: spec.replicas: must be positive; giving up after 4 retries",
        // flaky's 2 retries and broken's 4.
        r#"workqueue_retries_total{name="example"} 6"#,
        r#"workqueue_depth{name="example"} 0"#,
    ] {
        assert!(out.contains(expected), "no {expected:?} in\n{out}");
    }
    Ok(())
}

#[tokio::test]
async fn pod_informer_prints_a_pod_from_add_to_running_to_delete() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let ns = cluster.namespace("ex-pods").await?;
    let pods = Api::<Pod>::namespaced(cluster.client().await?, &ns);
    let example = Example::start("pod_informer", &[&ns])?;
    example
        .wait_for(&format!("synced: watching pods in {ns}"))
        .await;

    let pod = json!({
        "metadata": { "name": "web" },
        "spec": { "containers": [{ "name": "web", "image": "nginx" }] }
    });
    pods.create(&PostParams::default(), &serde_json::from_value(pod)?)
        .await?;
    example.wait_for(&format!("add {ns}/web")).await;
    example
        .wait_for(&format!("update {ns}/web: Pending -> Running"))
        .await;
    example.wait_for("lister: 1 pod(s): web (Running)").await;
    pods.delete("web", &DeleteParams::default()).await?;
    example.wait_for(&format!("delete {ns}/web")).await;

    let out = example.interrupt().await?;
    assert!(out.contains("stopping; the lister holds no pods"), "{out}");
    Ok(())
}

#[tokio::test]
async fn shared_factory_serves_two_consumers_from_one_watch() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let ns = cluster.namespace("ex-factory").await?;
    let config_maps = Api::<ConfigMap>::namespaced(cluster.client().await?, &ns);
    let example = Example::start("shared_factory", &[&ns])?;
    example
        .wait_for("synced: 1 informer(s) for 2 consumers")
        .await;

    let cm = json!({
        "metadata": { "name": "settings" },
        "data": { "mode": "fast", "level": "3" }
    });
    config_maps
        .create(&PostParams::default(), &serde_json::from_value(cm)?)
        .await?;
    example
        .wait_for(&format!("[audit] add {ns}/settings"))
        .await;
    example.wait_for(&format!("{ns}/settings=2")).await;

    let out = example.interrupt().await?;
    assert!(
        out.contains("stopping: 1 informer(s) and 1 watch request(s) served 2 consumers"),
        "{out}"
    );
    Ok(())
}

#[tokio::test]
async fn crd_from_yaml_installs_the_crd_and_informs_on_a_foo() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let ns = cluster.namespace("ex-crd").await?;
    let example = Example::start("crd_from_yaml", &[&ns])?;
    example
        .wait_for("crd foos.samplecontroller.k8s.io established")
        .await;
    example.wait_for(&format!("created {ns}/example-foo")).await;
    let described = "deployment example-foo, replicas 1, available 0";
    example
        .wait_for(&format!("add {ns}/example-foo: {described}"))
        .await;

    // What the example created is a real Foo: kubectl reads it through the CRD.
    let kubectl = cluster
        .kubectl()
        .args(["get", "foo", "example-foo", "-n", &ns])
        .args(["-o", "jsonpath={.spec.deploymentName}"])
        .output()?;
    assert_eq!(String::from_utf8_lossy(&kubectl.stdout), "example-foo");

    let out = example.interrupt().await?;
    assert!(
        out.contains(&format!("lister: example-foo {described}")),
        "{out}"
    );
    Ok(())
}

#[tokio::test]
async fn leader_elected_runs_one_leader_and_hands_over_on_ctrl_c() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let ns = cluster.namespace("ex-leader").await?;
    let leases = &Api::<Lease>::namespaced(cluster.client().await?, &ns);
    let holder = || async move {
        let lease = leases.get("leader-elected-example").await?;
        anyhow::Ok(lease.spec.and_then(|s| s.holder_identity))
    };

    let one = Example::start("leader_elected", &[&ns, "one"])?;
    one.wait_for("one: leading").await;
    one.wait_for("one: working (round 1)").await;
    assert_eq!(holder().await?.as_deref(), Some("one"));

    let two = Example::start("leader_elected", &[&ns, "two"])?;
    two.wait_for("two: the leader is one").await;
    assert!(!two.printed("two: leading"), "{}", two.output());

    // Ctrl-C: the leader stops its work, releases the Lease, and the other takes over
    // without waiting for the Lease to expire.
    let out = one.interrupt().await?;
    assert!(out.contains("one: stopping work"), "{out}");
    assert!(out.contains("lease released"), "{out}");
    let released = Instant::now();
    two.wait_for("two: leading").await;
    let took = released.elapsed();
    assert!(
        took < Duration::from_secs(15),
        "took over after {took:?}, the lease duration"
    );
    assert_eq!(holder().await?.as_deref(), Some("two"));

    let out = two.interrupt().await?;
    assert!(out.contains("two: stopped after"), "{out}");
    Ok(())
}
