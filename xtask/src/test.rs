//! `cargo xtask test`: everything CI checks, in the order that fails fastest.

use crate::steps::{require_go_and_kubectl, run as step, say};

pub fn run() -> anyhow::Result<()> {
    require_go_and_kubectl()?;
    step(
        "checking formatting (cargo fmt --check)",
        "cargo",
        &["fmt", "--all", "--", "--check"],
        &[],
    )?;
    step(
        "linting (cargo clippy, warnings denied)",
        "cargo",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    )?;
    step(
        "checking docs (cargo doc, warnings denied)",
        "cargo",
        &["doc", "--workspace", "--no-deps", "--locked"],
        &[("RUSTDOCFLAGS", "-Dwarnings")],
    )?;
    // Build the control plane before the tests, so a cold build's progress
    // is shown here and not inside a test.
    say("building the local control plane (cached)");
    kube_gen_tests::ensure_built()?;
    step(
        "running unit, doc and end-to-end tests (each e2e test binary starts its own control plane)",
        "cargo",
        &["test", "--workspace", "--locked", "--no-fail-fast"],
        &[],
    )?;
    say("checking the CLI on the CI subset of the CRD corpus (cargo xtask fidelity)");
    crate::fidelity::run(crate::fidelity::Selection::CiSubset)?;
    say("all checks passed");
    Ok(())
}
