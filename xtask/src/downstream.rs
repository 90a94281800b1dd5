//! `tests/downstream/`, a user's crate outside the workspace: `cargo test` in it once per end
//! of the Kubernetes range kube-gen supports, so kube-gen is proven to build and work with
//! the kube and k8s-openapi features a user picks, not the workspace's.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};

use crate::steps::say;

/// The crate's features that pick k8s-openapi's Kubernetes version, with what each means.
const VERSIONS: [(&str, &str); 2] = [
    (
        "latest",
        "Kubernetes 1.37, the newest k8s-openapi 0.29 knows",
    ),
    (
        "earliest",
        "Kubernetes 1.33, the oldest kube-gen supports and the one the local control plane runs",
    ),
];

/// The crate's own package name, the one entry its lock may have that ours lacks.
const PACKAGE: &str = "kube-gen-downstream";

/// Runs `cargo test` in `tests/downstream` with each of [`VERSIONS`].
pub fn run() -> anyhow::Result<()> {
    let workspace = kube_gen_tests::workspace_root();
    let dir = workspace.join("tests/downstream");
    let ours = std::fs::read_to_string(workspace.join("Cargo.lock"))
        .context("reading the workspace's Cargo.lock")?;
    for (feature, meaning) in VERSIONS {
        say(&format!(
            "testing tests/downstream (a user's crate outside the workspace) with k8s-openapi `{feature}`: {meaning}"
        ));
        let started = Instant::now();
        // A fresh copy of our lock every time: cargo adds the crate itself and drops what it
        // does not use, and every dependency stays at the version the workspace tested.
        std::fs::write(dir.join("Cargo.lock"), &ours)
            .context("copying Cargo.lock into tests/downstream")?;
        let status = cargo_test(&workspace.join("target/downstream"), &dir, feature)?;
        if !status.success() {
            bail!(
                "tests/downstream with `--features {feature}`: `cargo test` failed ({status}); \
                 see cargo's output above (run it by hand as tests/downstream/README.md says)"
            );
        }
        let theirs = std::fs::read_to_string(dir.join("Cargo.lock"))
            .context("reading tests/downstream/Cargo.lock")?;
        let drifted = not_in(&theirs, &ours);
        if !drifted.is_empty() {
            bail!(
                "tests/downstream resolved packages the workspace's Cargo.lock does not have: {}; \
                 add the dependency to the workspace too (or update its lock), so both test the same versions",
                drifted.join(", ")
            );
        }
        eprintln!("    done in {:.1?}", started.elapsed());
    }
    Ok(())
}

/// `cargo test --features <feature>` in `dir`, building into `target` so it neither waits for
/// nor blocks the workspace's build.
fn cargo_test(
    target: &Path,
    dir: &Path,
    feature: &str,
) -> anyhow::Result<std::process::ExitStatus> {
    Command::new("cargo")
        .args(["test", "--features", feature])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        // It would turn on a second Kubernetes version next to the feature's, which
        // k8s-openapi refuses; the crate's feature is the only choice.
        .env_remove("K8S_OPENAPI_ENABLED_VERSION")
        .status()
        .context("running cargo")
}

/// The `name version` of every package in lock file `theirs` that `ours` lacks, except
/// [`PACKAGE`].
fn not_in(theirs: &str, ours: &str) -> Vec<String> {
    let ours = packages(ours);
    packages(theirs)
        .into_iter()
        .filter(|p| !ours.contains(p) && !p.starts_with(&format!("{PACKAGE} ")))
        .collect()
}

/// `name version` of each `[[package]]` of a lock file.
fn packages(lock: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut name = None;
    for line in lock.lines() {
        if let Some(value) = line.strip_prefix("name = ") {
            name = Some(value.trim_matches('"'));
        } else if let (Some(n), Some(version)) = (name, line.strip_prefix("version = ")) {
            found.insert(format!("{n} {}", version.trim_matches('"')));
            name = None;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const OURS: &str = r#"
[[package]]
name = "kube"
version = "5.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "kube-gen"
version = "0.1.0"
dependencies = [
 "kube",
]
"#;

    #[test]
    fn the_crate_itself_and_shared_versions_are_not_drift() {
        let theirs = format!("{OURS}\n[[package]]\nname = \"{PACKAGE}\"\nversion = \"0.0.0\"\n");
        assert_eq!(not_in(&theirs, OURS), Vec::<String>::new());
    }

    #[test]
    fn another_version_of_a_shared_package_is_drift() {
        let theirs = OURS.replace("5.0.0", "5.0.1");
        assert_eq!(not_in(&theirs, OURS), vec!["kube 5.0.1".to_owned()]);
    }
}
