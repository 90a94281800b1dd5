//! `cargo package` of every crate we publish, in dependency order, verified: the proof that
//! each builds from its packaged sources alone, as crates.io would build it.

use std::path::PathBuf;

use anyhow::Context;

use crate::steps::run as step;

/// The published crates, each after the ones it depends on.
pub const PUBLISHED: [&str; 4] = [
    "kube-gen-codegen",
    "kube-gen-derive",
    "kube-gen",
    "kube-gen-cli",
];

/// Where the verifying builds go: not the workspace's `target/`, whose artifacts of our crates
/// as path dependencies must not mix with those of the same crates from the `.crate` files.
const VERIFY_TARGET: &str = "target/package-verify";

pub fn run() -> anyhow::Result<()> {
    forget_unpacked_crates()?;
    forget_built_crates()?;
    let mut args = vec![
        "package",
        "--locked",
        "--allow-dirty",
        "--target-dir",
        VERIFY_TARGET,
    ];
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

/// Removes cargo's unpacked copies of our own `.crate` files from an earlier run.
///
/// Verifying a crate that depends on another of ours reads that one from a local registry
/// overlay which cargo unpacks under `$CARGO_HOME/registry/src/-<hash>/NAME-VERSION`, and it
/// does not unpack again while that folder exists: with the version unchanged, a second run
/// verified against the first run's sources (a module added since was "unresolved"). Only
/// overlay folders (named with a leading `-`, unlike crates.io's) and only our crates at
/// this version are touched.
fn forget_unpacked_crates() -> anyhow::Result<()> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .context("neither CARGO_HOME nor HOME is set")?;
    let Ok(overlays) = std::fs::read_dir(home.join("registry/src")) else {
        return Ok(());
    };
    for overlay in overlays.flatten() {
        if !overlay.file_name().to_string_lossy().starts_with('-') {
            continue;
        }
        for name in PUBLISHED {
            let unpacked = overlay
                .path()
                .join(format!("{name}-{}", env!("CARGO_PKG_VERSION")));
            if unpacked.is_dir() {
                std::fs::remove_dir_all(&unpacked)
                    .with_context(|| format!("removing {}", unpacked.display()))?;
            }
        }
    }
    Ok(())
}

/// Removes what an earlier run built of our crates in [`VERIFY_TARGET`]: cargo takes a
/// registry crate of an unchanged version as unchanged, so the dependents verified next
/// would link the earlier run's build of it. Dependencies from crates.io stay built.
fn forget_built_crates() -> anyhow::Result<()> {
    let debug = kube_gen_tests::workspace_root()
        .join(VERIFY_TARGET)
        .join("debug");
    for dir in ["deps", ".fingerprint", "build"] {
        let Ok(entries) = std::fs::read_dir(debug.join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let ours = ["kube-gen", "kube_gen", "libkube_gen"]
                .iter()
                .any(|prefix| name.starts_with(prefix));
            if !ours {
                continue;
            }
            let path = entry.path();
            let removed = if path.is_dir() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
            removed.with_context(|| format!("removing {}", path.display()))?;
        }
    }
    Ok(())
}
