//! `cargo xtask test`: everything CI checks, in the order that fails fastest.

use crate::steps::{require_go_and_kubectl, run as step, say};

/// The benchmarks CI smoke-tests. B5, B6 and B7 are left out: from cold their peers
/// (`cargo install kopium`, a second dependency tree for kube-derive's crate) take
/// about half an hour to build, more than CI's 90 minutes leave beside the tests.
const CI_SMOKE: [&str; 4] = ["B1", "B2", "B3", "B4"];

/// What `--long` sets for the e2e tests: 10-minute soaks.
const LONG: [(&str, &str); 2] = [
    ("KUBE_GEN_LOAD_SECONDS", "600"),
    ("KUBE_GEN_CHAOS_SECONDS", "600"),
];

pub fn run(long: bool) -> anyhow::Result<()> {
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
        if long { &LONG } else { &[] },
    )?;
    say(
        "testing tests/downstream, a user's crate outside the workspace, with the newest and the oldest Kubernetes kube-gen supports",
    );
    crate::downstream::run()?;
    say(
        "checking kube-derive 5.0's own tests against our derive (cargo xtask kube-derive-compat; kube-gen-derive/kube-derive-compat.tsv lists every expected failure and why)",
    );
    crate::kube_derive_compat::run(crate::kube_derive_compat::Mode::Check)?;
    say(
        "checking the generated protobuf decoders match their inputs (cargo xtask protobuf --check; downloads k8s.io/api and apimachinery of Kubernetes 1.33 to 1.37 into the Go module cache)",
    );
    crate::protobuf::run(true)?;
    say("checking the CLI on the CI subset of the CRD corpus, both targets (cargo xtask fidelity)");
    crate::fidelity::run(
        crate::fidelity::Selection::CiSubset,
        &[
            kube_gen_codegen::Target::KubeGen,
            kube_gen_codegen::Target::Kube,
        ],
    )?;
    crate::package::run()?;
    crate::package::install_cli()?;
    say(
        "checking that the benchmarks and their peers build and run (cargo xtask bench --smoke B1 B2 B3 B4)",
    );
    crate::bench::run(crate::bench::Options {
        smoke: true,
        rounds: 1,
        only: CI_SMOKE.map(String::from).to_vec(),
    })?;
    say("all checks passed");
    Ok(())
}
