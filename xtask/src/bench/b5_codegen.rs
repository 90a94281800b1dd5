//! B5: code generation on the CRD corpus, our `kube-gen` CLI against kopium.
//!
//! Both are release builds (ours from this workspace, kopium from the
//! registry, [`kopium`]). Each round runs both on every file,
//! interleaved file by file and alternating who goes first; a file's time is
//! the wall time of `kube-gen FILE` against the sum of kopium's runs for the
//! same output (one per CRD and served version, see
//! [`b5_inputs`]), each writing to a pipe. kopium runs with
//! `--auto` (doc comments and a derived `JsonSchema`), which is what ours
//! emits by default.
//!
//! Time and generated lines cover every file. Whether the output compiles is
//! checked on the fidelity gate's CI subset ([`b5_check`]):
//! `cargo check` of the whole corpus takes hours. Per-file results go to
//! `target/bench/b5/files.tsv`.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::Context;

use super::b5_inputs::{self, Input};
use super::{Better, Ctx, Figure, Series, Target, Unit, b5_check, build_cache, kopium};
use crate::fidelity::corpus;

const OURS: &str = "kube-gen";
const PEER: &str = "kopium";

/// What one tool did on one file in one round.
#[derive(Debug, Clone, Default)]
pub(super) struct Gen {
    seconds: f64,
    /// Every run exited 0.
    pub(super) ok: bool,
    /// The output of each successful run.
    pub(super) modules: Vec<String>,
    /// The first error line, when a run failed.
    pub(super) error: String,
}

impl Gen {
    fn lines(&self) -> usize {
        let text = self.modules.iter().flat_map(|m| m.lines());
        text.filter(|l| !l.trim().is_empty()).count()
    }
}

pub fn run(ctx: &Ctx) -> anyhow::Result<Vec<Figure>> {
    let corpus_dir = corpus::default_dir(&ctx.root);
    let files = corpus::read_manifest(&corpus_dir)?;
    let (timed, checked) = b5_inputs::select(&corpus_dir, &files, ctx.smoke);
    let work = ctx.out.join("b5");
    let inputs = b5_inputs::prepare(&corpus_dir, &work.join("split"), &timed)?;
    crate::steps::say(
        "B5: building the kube-gen CLI (release, as kopium is installed; debug in a smoke run)",
    );
    let ours_bin = build_cache::our_bin(ctx, "kube-gen-cli", "kube-gen")?;
    let kopium_bin = kopium::ensure(ctx)?;

    let mut totals = [Series::new(OURS), Series::new(PEER)];
    let mut per_file = [Series::new(OURS), Series::new(PEER)];
    let mut last: Vec<[Gen; 2]> = Vec::new();
    let mut times: Vec<[Vec<f64>; 2]> = vec![[Vec::new(), Vec::new()]; inputs.len()];
    crate::steps::say(&format!(
        "B5: {} files, {} kopium runs, {} rounds",
        inputs.len(),
        inputs.iter().map(|i| i.kopium_runs.len()).sum::<usize>(),
        ctx.rounds
    ));
    for round in 0..ctx.rounds {
        let mut results = Vec::new();
        for (i, input) in inputs.iter().enumerate() {
            let mut pair = [Gen::default(), Gen::default()];
            let order = if (round + i) % 2 == 0 { [0, 1] } else { [1, 0] };
            for tool in order {
                pair[tool] = if tool == 0 {
                    run_ours(&ours_bin, &[], input)?
                } else {
                    run_kopium(&kopium_bin, input)?
                };
                times[i][tool].push(pair[tool].seconds);
            }
            results.push(pair);
        }
        for tool in 0..2 {
            let mut seconds: Vec<f64> = results.iter().map(|p| p[tool].seconds).collect();
            totals[tool].rounds.push(seconds.iter().sum());
            seconds.sort_by(f64::total_cmp);
            per_file[tool].rounds.push(seconds[seconds.len() / 2]);
        }
        eprintln!(
            "    round {}: total {:.2} s ours, {:.2} s kopium",
            round + 1,
            totals[0].rounds[round],
            totals[1].rounds[round]
        );
        last = results;
    }

    crate::steps::say(&format!(
        "B5: compile-checking both tools' output of {} files",
        checked.len()
    ));
    let check_dir = work.join("check");
    let mut compiled = Vec::new();
    for (tool, name) in [OURS, PEER].into_iter().enumerate() {
        let outputs: Vec<(String, Vec<String>)> = inputs
            .iter()
            .zip(&last)
            .filter(|(input, _)| checked.contains(&input.name))
            .map(|(input, pair)| (input.name.clone(), pair[tool].modules.clone()))
            .collect();
        compiled.push(b5_check::check(&ctx.root, &check_dir, name, &outputs)?);
    }
    write_tsv(&work.join("files.tsv"), &inputs, &last, &times, &compiled)?;

    let n = inputs.len();
    let case = format!("codegen on {n} CRD files of the corpus");
    let checked_case = format!(
        "{} of them compile-checked (fidelity CI subset)",
        checked.len()
    );
    let lines = |tool: usize| last.iter().map(|p| p[tool].lines() as f64).sum::<f64>();
    let generated = |tool: usize| share(last.iter().filter(|p| p[tool].ok).count(), n);
    let compiles = |tool: usize| {
        let ok = compiled[tool].iter().filter(|(_, r)| r.is_ok()).count();
        share(ok, compiled[tool].len())
    };
    let kopium_target = vec![Target {
        peer: PEER.to_owned(),
        ratio: 1.0,
    }];
    let figure =
        |case: &str, metric: &str, unit, better, ours: Series, peer: Series, targets| Figure {
            id: "B5",
            case: case.to_owned(),
            metric: metric.to_owned(),
            unit,
            better,
            ours,
            peers: vec![peer],
            floor: None,
            targets,
        };
    let one = |name: &str, v: f64| Series {
        name: name.to_owned(),
        rounds: vec![v],
    };
    let [ours_total, peer_total] = totals;
    let [ours_file, peer_file] = per_file;
    let mut compile = figure(
        &checked_case,
        "share whose output compiles (cargo check)",
        Unit::Percent,
        Better::Higher,
        one(OURS, compiles(0)),
        one(PEER, compiles(1)),
        kopium_target.clone(),
    );
    // The bar is 100%, not only kopium's share: a pseudo-peer holds it.
    compile.peers.push(one("the 100% bar", 100.0));
    compile.targets.push(Target {
        peer: "the 100% bar".to_owned(),
        ratio: 1.0,
    });
    Ok(vec![
        figure(
            &case,
            "wall time, total",
            Unit::Seconds,
            Better::Lower,
            ours_total,
            peer_total,
            kopium_target.clone(),
        ),
        figure(
            &case,
            "wall time per file (median file)",
            Unit::Seconds,
            Better::Lower,
            ours_file,
            peer_file,
            kopium_target,
        ),
        figure(
            &case,
            "generated lines (non-blank), total",
            Unit::Lines,
            Better::Lower,
            one(OURS, lines(0)),
            one(PEER, lines(1)),
            Vec::new(),
        ),
        figure(
            &case,
            "share generated without error",
            Unit::Percent,
            Better::Higher,
            one(OURS, generated(0)),
            one(PEER, generated(1)),
            Vec::new(),
        ),
        compile,
    ])
}

fn share(ok: usize, of: usize) -> f64 {
    if of == 0 {
        0.0
    } else {
        100.0 * ok as f64 / of as f64
    }
}

/// `kube-gen ARGS FILE` (B7 passes `--target kube`).
pub(super) fn run_ours(binary: &Path, args: &[&str], input: &Input) -> anyhow::Result<Gen> {
    let mut result = Gen {
        ok: true,
        ..Gen::default()
    };
    timed(
        &mut result,
        Command::new(binary).args(args).arg(&input.path),
    )?;
    Ok(result)
}

pub(super) fn run_kopium(binary: &Path, input: &Input) -> anyhow::Result<Gen> {
    let mut result = Gen {
        ok: true,
        ..Gen::default()
    };
    for (file, version) in &input.kopium_runs {
        let mut command = Command::new(binary);
        command.args(["--auto", "-f"]).arg(file);
        if !version.is_empty() {
            command.args(["--api-version", version]);
        }
        timed(&mut result, &mut command)?;
    }
    Ok(result)
}

/// Runs `command` with its output piped, adding its wall time and output to `result`.
fn timed(result: &mut Gen, command: &mut Command) -> anyhow::Result<()> {
    let started = Instant::now();
    let output = command
        .output()
        .with_context(|| format!("running {command:?}"))?;
    result.seconds += started.elapsed().as_secs_f64();
    if output.status.success() {
        result
            .modules
            .push(String::from_utf8_lossy(&output.stdout).into_owned());
    } else {
        result.ok = false;
        if result.error.is_empty() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            result.error = stderr
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("")
                .to_owned();
        }
    }
    Ok(())
}

/// One line per file: both tools' median time, lines, and failures.
fn write_tsv(
    path: &Path,
    inputs: &[Input],
    last: &[[Gen; 2]],
    times: &[[Vec<f64>; 2]],
    compiled: &[Vec<(String, Result<(), String>)>],
) -> anyhow::Result<()> {
    let mut out = String::from(
        "file\tkube-gen s\tkopium s\tkopium runs\tkube-gen lines\tkopium lines\tkube-gen compiles\tkopium compiles\tkube-gen error\tkopium error\n",
    );
    let median = |v: &[f64]| {
        let mut s = Series::new("");
        s.rounds = v.to_vec();
        s.median().unwrap_or(0.0)
    };
    for ((input, pair), time) in inputs.iter().zip(last).zip(times) {
        let compiles = |tool: usize| match compiled[tool].iter().find(|(f, _)| *f == input.name) {
            Some((_, Ok(()))) => "yes".to_owned(),
            Some((_, Err(e))) => format!("no: {}", e.lines().next().unwrap_or("")),
            None => "-".to_owned(),
        };
        let clean = |s: &str| s.replace('\t', " ");
        writeln!(
            out,
            "{}\t{:.4}\t{:.4}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            input.name,
            median(&time[0]),
            median(&time[1]),
            input.kopium_runs.len(),
            pair[0].lines(),
            pair[1].lines(),
            clean(&compiles(0)),
            clean(&compiles(1)),
            clean(&pair[0].error),
            clean(&pair[1].error),
        )?;
    }
    std::fs::write(path, out).with_context(|| format!("writing {}", path.display()))
}
