//! Developer tasks, one entry point: `cargo xtask demo` runs the main job end
//! to end on a local control plane; `cargo xtask test` runs every check and
//! test that CI runs.

mod bench;
mod demo;
mod downstream;
mod fidelity;
mod kube_derive_compat;
mod package;
mod protobuf;
mod steps;
mod test;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(about = "kube-gen developer tasks", long_about = None)]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Build, start a local control plane, apply artifacts/ and show the
    /// result; keeps running until Ctrl-C.
    Demo {
        /// Stop after showing the result instead of waiting for Ctrl-C.
        #[arg(long)]
        once: bool,
    },
    /// fmt check, clippy (warnings denied), docs, unit, doc and end-to-end
    /// tests against the local control plane. CI runs exactly this.
    Test {
        /// The long mode: the soaks run 10 minutes each (R7's updates and R14's
        /// chaos) instead of 1 and 2.
        #[arg(long)]
        long: bool,
    },
    /// Benchmarks B1–B7: kube-gen and its peers side by side on one local
    /// control plane; prints a table, writes target/bench/results.json and a chart.
    Bench {
        /// Small N and one round: checks the benchmarks run (CI); measures nothing.
        #[arg(long)]
        smoke: bool,
        /// Rounds per case; each round runs ours and every peer once, interleaved.
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        /// Run only these cases (B1 … B7).
        cases: Vec<String>,
    },
    /// Build the local control plane binary (cached) and print its path.
    BuildControlPlane,
    /// `cargo package` of the published crates (verified), then the README's
    /// `cargo install` of the CLI into target/cli-install.
    Package,
    /// The CLI's fidelity gate: generate, compile, schema and round-trip checks over the CRD
    /// corpus in ../shared/crds (the CI subset unless --all or projects are given).
    Fidelity {
        /// Check the whole corpus.
        #[arg(long, conflicts_with = "projects")]
        all: bool,
        /// Check these projects (folders of the corpus) only.
        projects: Vec<String>,
        /// Check the output for this derive only: `kube-gen` or `kube` (default: both).
        #[arg(long, value_parser = ["kube-gen", "kube"])]
        target: Option<String>,
    },
    /// kube-derive 5.0's own integration tests with our derive (issue #17), compared with
    /// kube-gen-derive/kube-derive-compat.tsv; any difference fails.
    KubeDeriveCompat {
        /// Rewrite the expectation file from this run, keeping its reasons.
        #[arg(long)]
        bless: bool,
    },
    /// Regenerate kube-gen's protobuf decoders (kube-gen/src/protobuf/generated/) from
    /// k8s.io/api's generated.proto files, Go struct tags and k8s-openapi's sources.
    Protobuf {
        /// Regenerate in memory and fail if the checked-in files differ.
        #[arg(long)]
        check: bool,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().task {
        Task::Demo { once } => demo::run(once),
        Task::Test { long } => test::run(long),
        Task::Bench {
            smoke,
            rounds,
            cases,
        } => bench::run(bench::Options {
            smoke,
            rounds,
            only: cases,
        }),
        Task::Package => {
            package::run()?;
            package::install_cli()
        }
        Task::BuildControlPlane => {
            println!("{}", kube_gen_tests::ensure_built()?.display());
            Ok(())
        }
        Task::Fidelity {
            all,
            projects,
            target,
        } => {
            let selection = match (all, projects.is_empty()) {
                (true, _) => fidelity::Selection::All,
                (false, true) => fidelity::Selection::CiSubset,
                (false, false) => fidelity::Selection::Projects(projects),
            };
            let targets = match target.as_deref() {
                Some("kube") => vec![kube_gen_codegen::Target::Kube],
                Some(_) => vec![kube_gen_codegen::Target::KubeGen],
                None => vec![
                    kube_gen_codegen::Target::KubeGen,
                    kube_gen_codegen::Target::Kube,
                ],
            };
            fidelity::run(selection, &targets)
        }
        Task::KubeDeriveCompat { bless } => kube_derive_compat::run(if bless {
            kube_derive_compat::Mode::Bless
        } else {
            kube_derive_compat::Mode::Check
        }),
        Task::Protobuf { check } => protobuf::run(check),
    }
}
