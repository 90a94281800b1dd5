//! Zero-diff CRDs end to end: each CRD of `examples/build-script/crds/` is applied to the real
//! apiserver with `kubectl apply --server-side`, then the `crd()` of the type the CLI's
//! pipeline generated from it (`kube_gen_codegen::Builder`, in that crate's build.rs) goes
//! through `kubectl diff --server-side`, which must find nothing to change.

use anyhow::Context;
use kube_gen_tests::{TestCluster, workspace_root};

#[tokio::test]
async fn kubectl_diff_of_each_generated_crd_against_its_input_shows_nothing() -> anyhow::Result<()>
{
    let cluster = TestCluster::get();
    let dir = tempfile::tempdir()?;
    let example = workspace_root().join("examples/build-script");
    let mut differences = Vec::new();
    for (input, crd) in kube_gen_example_build_script::crds() {
        let name = crd.metadata.name.clone().context("a CRD has a name")?;
        let apply = cluster
            .kubectl()
            .args(["apply", "--server-side", "-f", input])
            .current_dir(&example)
            .output()?;
        let stderr = String::from_utf8_lossy(&apply.stderr);
        anyhow::ensure!(apply.status.success(), "kubectl apply {input}: {stderr}");
        let generated = dir.path().join(format!("{name}.json"));
        std::fs::write(&generated, serde_json::to_string_pretty(&crd)?)?;
        let diff = cluster
            .kubectl()
            .args(["diff", "--server-side", "-f"])
            .arg(&generated)
            .output()?;
        // kubectl diff: 0 no differences, 1 differences, more an error
        match diff.status.code() {
            Some(0) => {}
            Some(1) => differences.push(format!(
                "{input}:\n{}",
                String::from_utf8_lossy(&diff.stdout)
            )),
            _ => anyhow::bail!(
                "kubectl diff {name}: {}",
                String::from_utf8_lossy(&diff.stderr)
            ),
        }
    }
    assert!(
        differences.is_empty(),
        "the generated CRDs differ from their inputs:\n{}",
        differences.join("\n")
    );
    Ok(())
}
