//! `cargo package` of every crate we publish, in dependency order, verified: the proof that
//! each builds from its packaged sources alone, as crates.io would build it.

use crate::steps::run as step;

/// The published crates, each after the ones it depends on.
pub const PUBLISHED: [&str; 4] = [
    "kube-gen-codegen",
    "kube-gen-derive",
    "kube-gen",
    "kube-gen-cli",
];

pub fn run() -> anyhow::Result<()> {
    let mut args = vec!["package", "--locked", "--allow-dirty"];
    for name in PUBLISHED {
        args.extend(["--package", name]);
    }
    // Verifying builds each library alone, without the dev-dependency that picks a Kubernetes
    // version; k8s-openapi's docs name this variable for such builds.
    step(
        "packaging the published crates (cargo package, each verified from its .crate)",
        "cargo",
        &args,
        &[("K8S_OPENAPI_ENABLED_VERSION", "1.33")],
    )
}

/// The README's install command for the CLI, into `target/cli-install`, then `kube-gen
/// --version` from there. `--debug` and the workspace's target folder reuse the test build.
pub fn install_cli() -> anyhow::Result<()> {
    step(
        "installing the CLI as the README says (cargo install --locked --path kube-gen/cli)",
        "cargo",
        &[
            "install",
            "--locked",
            "--path",
            "kube-gen/cli",
            "--debug",
            "--target-dir",
            "target",
            "--root",
            "target/cli-install",
            "--force",
        ],
        &[],
    )?;
    let installed = kube_gen_tests::workspace_root().join("target/cli-install/bin/kube-gen");
    step(
        "running the installed CLI (target/cli-install/bin/kube-gen --version)",
        &installed.display().to_string(),
        &["--version"],
        &[],
    )
}
