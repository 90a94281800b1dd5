//! `cargo xtask bench`: kube-gen and its peers (client-go, Go's
//! sample-controller, kube-rs, kopium, kube-derive) side by side on one local
//! control plane. Every case runs ours and each peer in the same command,
//! interleaved round by round, and reports the median with min–max.
//!
//! Performance is measured here and only here: tests assert behaviour.
//! `--smoke` (small N, one round) checks that the benchmarks still build and
//! run; smoke figures say nothing and no target is judged on them. It builds
//! our binaries in the debug profile the tests already built. `cargo xtask
//! test` (so CI) ends with the smoke of B1–B4; B5, B6 and B7 stay out of it
//! because their peers take about half an hour to build from cold (kopium alone
//! about 20 minutes), and B7 itself runs about half an hour.

mod b1_informer_sync;
mod b2_latency;
mod b3_converge;
mod b4_workqueue;
mod b5_check;
mod b5_codegen;
mod b5_inputs;
mod b6_compile;
mod b6_crates;
mod b7_corpus_compile;
mod build_cache;
mod chart;
mod go_sample_controller;
mod kopium;
mod process;
mod report;
mod seed;
mod user_crate;

use std::path::{Path, PathBuf};

use kube_gen_tests::{ControlPlane, StartOptions, workspace_root};

pub use report::{Better, Figure, Series, Target, Unit};

/// What `cargo xtask bench` was asked for.
#[derive(Debug, Clone)]
pub struct Options {
    /// Small N and one round: checks that every benchmark runs, measures nothing.
    pub smoke: bool,
    /// Rounds per case (each round runs ours and every peer once).
    pub rounds: usize,
    /// Case ids to run (`B1` … `B7`); empty runs all.
    pub only: Vec<String>,
}

/// What every case gets: the sizes to use, where to put files, the cluster.
#[derive(Debug)]
pub struct Ctx {
    pub smoke: bool,
    pub rounds: usize,
    /// The workspace root.
    pub root: PathBuf,
    /// `target/bench/`: results, charts, built peers, scratch.
    pub out: PathBuf,
    plane: ControlPlane,
}

impl Ctx {
    /// `full` normally, `smoke` under `--smoke`.
    pub fn scale(&self, full: usize, smoke: usize) -> usize {
        if self.smoke { smoke } else { full }
    }

    /// The admin kubeconfig of the local control plane.
    pub fn kubeconfig(&self) -> &Path {
        self.plane.kubeconfig()
    }
}

type Case = fn(&Ctx) -> anyhow::Result<Vec<Figure>>;

const CASES: [(&str, &str, Case); 7] = [
    ("B1", "informer cold sync", b1_informer_sync::run),
    ("B2", "event latency", b2_latency::run),
    ("B3", "converge Foos", b3_converge::run),
    ("B4", "workqueue", b4_workqueue::run),
    ("B5", "codegen on the CRD corpus", b5_codegen::run),
    ("B6", "compile cost of derived types", b6_compile::run),
    (
        "B7",
        "compile cost of generated code on the corpus",
        b7_corpus_compile::run,
    ),
];

pub fn run(options: Options) -> anyhow::Result<()> {
    let root = workspace_root();
    let out = root.join("target/bench");
    std::fs::create_dir_all(&out)?;
    crate::steps::say("starting the local control plane for the benchmarks");
    let plane = ControlPlane::start(&StartOptions::default())?;
    let ctx = Ctx {
        smoke: options.smoke,
        rounds: if options.smoke {
            1
        } else {
            options.rounds.max(1)
        },
        root,
        out,
        plane,
    };
    let mut figures = Vec::new();
    for (id, what, case) in CASES {
        if !options.only.is_empty() && !options.only.iter().any(|o| o.eq_ignore_ascii_case(id)) {
            continue;
        }
        crate::steps::say(&format!("{id}: {what}"));
        let got = case(&ctx).map_err(|e| e.context(format!("benchmark {id} ({what})")))?;
        report::print(&got, ctx.smoke);
        figures.extend(got);
    }
    report::finish(&figures, &ctx)
}
