//! `cargo xtask demo`: the main job end to end on a local control plane:
//! the Foo CRD, the sample-controller and an example Foo reconciled.

use std::path::Path;
use std::process::{Child, Command};

use anyhow::{Context, bail};
use kube_gen_tests::{ControlPlane, StartOptions, workspace_root};

use crate::steps::{require_go_and_kubectl, run as step, say};

/// Where the demo's controller serves /metrics, /healthz and /readyz.
const METRICS: &str = "127.0.0.1:8080";

pub fn run(once: bool) -> anyhow::Result<()> {
    require_go_and_kubectl()?;
    let root = workspace_root();
    step(
        "building the sample-controller",
        "cargo",
        &["build", "--package", "sample-controller"],
        &[],
    )?;
    say(
        "starting the local control plane (etcd, kube-apiserver, controller manager, scheduler, fake node)",
    );
    let dir = root.join("target/demo-cluster");
    let plane = ControlPlane::start(&StartOptions {
        dir: Some(dir),
        clean: true,
    })?;
    let kubeconfig = plane.kubeconfig().to_path_buf();
    let kubectl = |args: &[&str]| kubectl(&root, &kubeconfig, args);

    say("applying artifacts/ (the Foo CRD, the namespace, RBAC and the in-cluster Deployment)");
    kubectl(&["apply", "-f", "artifacts/"])?;
    kubectl(&[
        "wait",
        "--for=condition=Established",
        "crd/foos.samplecontroller.k8s.io",
        "--timeout=60s",
    ])?;

    // The fake node runs no containers, so the in-cluster Deployment's pod never really
    // starts; the controller runs here instead, as the ServiceAccount artifacts/ created.
    say("starting the sample-controller as ServiceAccount sample-controller/sample-controller");
    let controller_kubeconfig =
        plane.service_account_kubeconfig("sample-controller", "sample-controller")?;
    let _controller = Running(
        Command::new(root.join("target/debug/sample-controller"))
            .arg("--kubeconfig")
            .arg(&controller_kubeconfig)
            .args(["--leader-elect", "--metrics-bind-address", METRICS])
            .spawn()
            .context("starting target/debug/sample-controller")?,
    );

    say("applying the example Foo and waiting until it is reconciled");
    kubectl(&["apply", "-f", "artifacts/examples/"])?;
    kubectl(&[
        "wait",
        "--for=condition=Available",
        "deployment/example-foo",
        "--timeout=120s",
    ])?;
    kubectl(&[
        "wait",
        "--for=jsonpath={.status.availableReplicas}=1",
        "foo/example-foo",
        "--timeout=120s",
    ])?;
    kubectl(&["get", "foos,deployments,pods", "-o", "wide"])?;
    kubectl(&[
        "get",
        "foo",
        "example-foo",
        "-o",
        "jsonpath={.status}{\"\\n\"}",
    ])?;
    kubectl(&[
        "get",
        "events",
        "--field-selector",
        "involvedObject.kind=Foo",
    ])?;
    say(
        "example-foo is reconciled: its Deployment is Available and its status reports 1 available replica",
    );
    if once {
        return Ok(());
    }
    say(&format!(
        "the control plane and the controller keep running; in another shell:\n    export KUBECONFIG={}\n    \
         kubectl patch foo example-foo --type=merge -p '{{\"spec\":{{\"replicas\":3}}}}'\n    \
         curl -s http://{METRICS}/metrics    # also /healthz and /readyz",
        kubeconfig.display()
    ));
    say("press Ctrl-C to stop");
    plane.wait()?;
    Ok(())
}

/// Runs the real kubectl against the demo cluster, echoing the command.
fn kubectl(root: &Path, kubeconfig: &Path, args: &[&str]) -> anyhow::Result<()> {
    eprintln!("$ kubectl {}", args.join(" "));
    let status = Command::new("kubectl")
        .args(args)
        .env("KUBECONFIG", kubeconfig)
        .current_dir(root)
        .status()
        .context("running kubectl")?;
    if !status.success() {
        bail!("`kubectl {}` failed ({status})", args.join(" "));
    }
    Ok(())
}

/// A child process that is stopped when the demo ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
