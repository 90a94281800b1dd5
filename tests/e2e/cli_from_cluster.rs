//! `kube-gen --from-cluster NAME` against the real apiserver: the CRD read back from the cluster
//! generates the same code as the file it was applied from, and a missing CRD, a login without
//! RBAC and a cluster that isn't there each give one clear line and exit code 1.

use std::path::Path;
use std::process::{Command, Output};

use anyhow::Context;
use kube_gen_tests::{TestCluster, cargo_bin, workspace_root};

const FOO: &str = "foos.samplecontroller.k8s.io";

/// Runs the `kube-gen` binary in the workspace root with `KUBECONFIG` = `kubeconfig`.
fn kube_gen(kubeconfig: Option<&Path>, args: &[&str]) -> anyhow::Result<Output> {
    let mut command = Command::new(cargo_bin("kube-gen-cli", "kube-gen")?);
    command.args(args).current_dir(workspace_root());
    match kubeconfig {
        Some(path) => command.env("KUBECONFIG", path),
        None => command.env_remove("KUBECONFIG"),
    };
    command.output().context("running kube-gen")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The generated code without its first line (the header naming the input).
fn body(out: &Output) -> String {
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_once('\n')
        .map(|(_, rest)| rest)
        .unwrap_or_default()
        .to_owned()
}

/// Applies `artifacts/crd.yaml` with the real kubectl and waits until it is served.
fn apply_foo_crd(cluster: &TestCluster) -> anyhow::Result<()> {
    for args in [
        &["apply", "-f", "artifacts/crd.yaml"][..],
        &[
            "wait",
            "--for=condition=Established",
            "--timeout=60s",
            &format!("crd/{FOO}"),
        ],
    ] {
        let out = cluster
            .kubectl()
            .args(args)
            .current_dir(workspace_root())
            .output()?;
        anyhow::ensure!(out.status.success(), "kubectl {args:?}: {}", stderr(&out));
    }
    Ok(())
}

/// Exit code 1, nothing on stdout, and exactly one `error: ` line on stderr, returned.
fn one_error(out: &Output) -> String {
    let text = stderr(out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(out.stdout.is_empty());
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.starts_with("error: "), "{text}");
    assert!(!text.contains("panicked"), "{text}");
    text.trim_end().to_owned()
}

#[tokio::test]
async fn the_crd_from_the_cluster_generates_what_its_file_does() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    apply_foo_crd(cluster)?;

    let from_file = kube_gen(None, &["artifacts/crd.yaml"])?;
    assert_eq!(from_file.status.code(), Some(0), "{}", stderr(&from_file));
    let from_cluster = kube_gen(Some(cluster.kubeconfig()), &["--from-cluster", FOO])?;
    assert_eq!(
        from_cluster.status.code(),
        Some(0),
        "{}",
        stderr(&from_cluster)
    );
    let header = String::from_utf8_lossy(&from_cluster.stdout);
    assert!(
        header
            .lines()
            .next()
            .unwrap_or_default()
            .contains(&format!("from cluster:{FOO} ({FOO} v1alpha1)")),
        "{header}"
    );
    assert_eq!(body(&from_cluster), body(&from_file));

    // --kubeconfig instead of $KUBECONFIG, into a file
    let dir = tempfile::tempdir()?;
    let target = dir.path().join("foo.rs");
    let kubeconfig = cluster.kubeconfig().to_str().context("UTF-8 path")?;
    let out = kube_gen(
        None,
        &[
            "--from-cluster",
            FOO,
            "--kubeconfig",
            kubeconfig,
            "-o",
            target.to_str().context("UTF-8 path")?,
        ],
    )?;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(std::fs::read(&target)?, from_cluster.stdout);

    // kopium's `list-crds`: every CRD's name, one per line, sorted
    let listed = kube_gen(Some(cluster.kubeconfig()), &["list-crds"])?;
    assert_eq!(listed.status.code(), Some(0), "{}", stderr(&listed));
    let names: Vec<String> = String::from_utf8(listed.stdout)?
        .lines()
        .map(str::to_owned)
        .collect();
    assert!(names.iter().any(|n| n == FOO), "{names:?}");
    assert!(names.is_sorted(), "{names:?}");
    Ok(())
}

#[tokio::test]
async fn a_missing_crd_a_forbidden_login_and_no_cluster_are_one_line_each() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let dir = tempfile::tempdir()?;
    let target = dir.path().join("out.rs");
    let target = target.to_str().context("UTF-8 path")?;

    let out = kube_gen(
        Some(cluster.kubeconfig()),
        &["--from-cluster", "nopes.example.com", "-o", target],
    )?;
    let line = one_error(&out);
    assert!(
        line.starts_with(
            "error: cluster:nopes.example.com: no CustomResourceDefinition `nopes.example.com` in the cluster at https://127.0.0.1:"
        ),
        "{line}"
    );
    assert!(!Path::new(target).exists());

    let ns = cluster.namespace("cli-from-cluster").await?;
    let nobody = cluster.service_account_kubeconfig(&ns, "nobody")?;
    let line = one_error(&kube_gen(Some(&nobody), &["--from-cluster", FOO])?);
    assert!(
        line.starts_with(&format!("error: cluster:{FOO}: forbidden to read CustomResourceDefinition `{FOO}` at https://127.0.0.1:")),
        "{line}"
    );

    // a port nothing listens on: bind one, then close it
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let unreachable = dir.path().join("kubeconfig");
    std::fs::write(
        &unreachable,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: gone\n\
             clusters: [{{name: gone, cluster: {{server: \"https://127.0.0.1:{port}\"}}}}]\n\
             contexts: [{{name: gone, context: {{cluster: gone, user: gone}}}}]\n\
             users: [{{name: gone, user: {{token: x}}}}]\n"
        ),
    )?;
    let line = one_error(&kube_gen(Some(&unreachable), &["--from-cluster", FOO])?);
    assert_eq!(
        line,
        format!(
            "error: cluster:{FOO}: cannot reach the cluster at https://127.0.0.1:{port}/: Connection refused (os error 111)"
        )
    );

    let line = one_error(&kube_gen(
        Some(&dir.path().join("missing")),
        &["--from-cluster", FOO],
    )?);
    assert!(line.starts_with("error: no usable kubeconfig"), "{line}");
    Ok(())
}

#[test]
fn help_shows_from_cluster_with_an_example() -> anyhow::Result<()> {
    let out = kube_gen(None, &["--help"])?;
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("--from-cluster <NAME>"), "{help}");
    assert!(
        help.contains("kube-gen --from-cluster foos.samplecontroller.k8s.io"),
        "{help}"
    );
    assert!(help.contains("--kubeconfig <PATH>"), "{help}");
    Ok(())
}
