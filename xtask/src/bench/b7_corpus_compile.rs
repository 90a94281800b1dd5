//! B7: what the generated code costs its users to compile. B5 times
//! generation and compile-checks only the fidelity CI subset, file by file;
//! users compile a project's CRDs together, so this is `cargo check` of the
//! whole corpus, one crate per project, our output (both targets) against
//! kopium's in the same run.
//!
//! Generation is untimed and done as B5 does it ([`b5_inputs`]: one kopium
//! run per CRD and served version). Each of our files' and each kopium run's
//! output is one module of the project's crate, as it is
//! ([`b5_check::write_crate`]). Every crate shares one target directory whose
//! dependencies a warm-up checks first, so only the generated code is timed;
//! then each project's three crates are checked in turn, the order rotating
//! from project to project. Incremental compilation is off, so a former run's
//! cache does not help. One round whatever `--rounds` says: it takes about
//! half an hour. Per-project results go to `target/bench/b7/projects.tsv`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use super::b5_codegen::{self, Gen};
use super::b5_inputs::{self, Input};
use super::{Better, Ctx, Figure, Series, Target, Unit, b5_check, build_cache, kopium};
use crate::fidelity::corpus::{self, CrdFile};

/// The three generators, in the order of every per-tool array here.
const TOOLS: [&str; 3] = ["kube-gen", "kube-gen --target kube", "kopium"];
const KOPIUM: usize = 2;

/// The smoke run's projects: this many, the smallest by total file size.
const SMOKE_PROJECTS: usize = 2;

/// One corpus project: its files and, per tool, its crate.
struct Project {
    name: String,
    inputs: Vec<Input>,
    crates: [PathBuf; 3],
    /// Per tool: the first generation error, empty when every run succeeded.
    generation_errors: [String; 3],
}

/// One tool's `cargo check` of one project.
#[derive(Debug, Clone)]
struct Check {
    seconds: f64,
    /// `Err` holds the first error lines (of generation or of cargo).
    result: Result<(), String>,
}

pub fn run(ctx: &Ctx) -> anyhow::Result<Vec<Figure>> {
    let corpus_dir = corpus::default_dir(&ctx.root);
    let files = select(&corpus_dir, &corpus::read_manifest(&corpus_dir)?, ctx.smoke);
    let work = ctx.out.join("b7");
    let names: Vec<String> = files.iter().map(|f| f.path.clone()).collect();
    let inputs = b5_inputs::prepare(&corpus_dir, &work.join("split"), &names)?;
    crate::steps::say("B7: building the kube-gen CLI (release; debug in a smoke run)");
    let ours_bin = build_cache::our_bin(ctx, "kube-gen-cli", "kube-gen")?;
    let kopium_bin = kopium::ensure(ctx)?;

    let groups = by_project(&files, inputs);
    crate::steps::say(&format!(
        "B7: generating the output of {} files of {} projects (untimed)",
        files.len(),
        groups.len()
    ));
    let mut projects = Vec::new();
    for (name, inputs) in groups {
        let project = write_project(ctx, &work, &ours_bin, &kopium_bin, name, inputs)?;
        projects.push(project);
    }

    let target = work.join("target");
    crate::steps::say("B7: checking the dependencies once (untimed warm-up)");
    let warm_up = work.join("warm-up");
    b5_check::write_crate(&ctx.root, &warm_up, "b7-warm-up", "B7's warm-up.", &[])?;
    if let Err(errors) = cargo_check(&warm_up, &target)?.result {
        bail!("B7's warm-up crate does not check:\n{errors}");
    }

    crate::steps::say(&format!(
        "B7: cargo check of {} crates, one per project and tool",
        3 * projects.len()
    ));
    let mut checks = Vec::new();
    for (i, project) in projects.iter().enumerate() {
        checks.push(check_project(project, i, &target)?);
    }
    write_tsv(&work.join("projects.tsv"), &projects, &checks)?;
    Ok(figures(&projects, &checks))
}

/// Every file, or under `--smoke` those of the [`SMOKE_PROJECTS`] smallest projects.
fn select(corpus: &Path, files: &[CrdFile], smoke: bool) -> Vec<CrdFile> {
    if !smoke {
        return files.to_vec();
    }
    let size = |f: &CrdFile| std::fs::metadata(corpus.join(&f.path)).map_or(u64::MAX, |m| m.len());
    let mut projects: Vec<(u64, &str)> = Vec::new();
    for file in files {
        match projects.iter_mut().find(|(_, p)| *p == file.project) {
            Some((total, _)) => *total = total.saturating_add(size(file)),
            None => projects.push((size(file), &file.project)),
        }
    }
    projects.sort();
    projects.truncate(SMOKE_PROJECTS);
    let keep = |f: &&CrdFile| projects.iter().any(|(_, p)| *p == f.project);
    files.iter().filter(keep).cloned().collect()
}

/// The inputs grouped by project, in manifest order (`inputs` are `files`' own).
fn by_project(files: &[CrdFile], inputs: Vec<Input>) -> Vec<(String, Vec<Input>)> {
    let mut groups: Vec<(String, Vec<Input>)> = Vec::new();
    for (file, input) in files.iter().zip(inputs) {
        match groups.iter_mut().find(|(p, _)| *p == file.project) {
            Some((_, group)) => group.push(input),
            None => groups.push((file.project.clone(), vec![input])),
        }
    }
    groups
}

/// Generates the project's output with every tool and writes its three crates.
fn write_project(
    ctx: &Ctx,
    work: &Path,
    ours_bin: &Path,
    kopium_bin: &Path,
    name: String,
    inputs: Vec<Input>,
) -> anyhow::Result<Project> {
    let mut crates: [PathBuf; 3] = Default::default();
    let mut generation_errors: [String; 3] = Default::default();
    for (tool, tool_name) in TOOLS.iter().enumerate() {
        let output = generate(tool, ours_bin, kopium_bin, &inputs)?;
        let package = format!("b7-{name}-{}", tool_name.replace(" --target ", "-"));
        let about = format!("{tool_name}'s output for the {name} CRDs of the corpus.");
        crates[tool] = work.join(&package);
        b5_check::write_crate(&ctx.root, &crates[tool], &package, &about, &output.modules)?;
        if !output.ok {
            generation_errors[tool] = format!("generation failed: {}", output.error);
        }
    }
    Ok(Project {
        name,
        inputs,
        crates,
        generation_errors,
    })
}

/// One tool's output for every file of a project, as B5 runs it; the error is
/// the first failed run's, prefixed with its file.
fn generate(
    tool: usize,
    ours_bin: &Path,
    kopium_bin: &Path,
    inputs: &[Input],
) -> anyhow::Result<Gen> {
    let mut all = Gen::default();
    all.ok = true;
    for input in inputs {
        let one = match tool {
            0 => b5_codegen::run_ours(ours_bin, &[], input)?,
            1 => b5_codegen::run_ours(ours_bin, &["--target", "kube"], input)?,
            _ => b5_codegen::run_kopium(kopium_bin, input)?,
        };
        if !one.ok && all.ok {
            all.ok = false;
            all.error = format!("{}: {}", input.name, one.error);
        }
        all.modules.extend(one.modules);
    }
    Ok(all)
}

/// Checks the project's three crates, the `index`-th project starting with
/// the `index % 3`-th tool; a crate whose generation failed still gets timed.
fn check_project(project: &Project, index: usize, target: &Path) -> anyhow::Result<[Check; 3]> {
    let mut checks: [Check; 3] = std::array::from_fn(|_| Check {
        seconds: 0.0,
        result: Ok(()),
    });
    for step in 0..3 {
        let tool = (index + step) % 3;
        let mut check = cargo_check(&project.crates[tool], target)?;
        let generation = &project.generation_errors[tool];
        if !generation.is_empty() {
            check.result = Err(match check.result {
                Ok(()) => generation.clone(),
                Err(e) => format!("{generation}\n{e}"),
            });
        }
        eprintln!(
            "    {}: {}: {:.2} s, {}",
            project.name,
            TOOLS[tool],
            check.seconds,
            if check.result.is_ok() {
                "compiles"
            } else {
                "fails"
            }
        );
        checks[tool] = check;
    }
    Ok(checks)
}

/// One crate's [`b5_check::cargo_check`].
fn cargo_check(dir: &Path, target: &Path) -> anyhow::Result<Check> {
    let (seconds, result) = b5_check::cargo_check(dir, target)?;
    Ok(Check { seconds, result })
}

/// Total check time over the projects every tool compiles, and each tool's
/// share of projects that compile.
fn figures(projects: &[Project], checks: &[[Check; 3]]) -> Vec<Figure> {
    let all_compile: Vec<&[Check; 3]> = checks
        .iter()
        .filter(|c| c.iter().all(|c| c.result.is_ok()))
        .collect();
    let total = |tool: usize| one(tool, all_compile.iter().map(|c| c[tool].seconds).sum());
    let compiles = |tool: usize| {
        let ok = checks.iter().filter(|c| c[tool].result.is_ok()).count();
        one(tool, share(ok, checks.len()))
    };
    let case = format!(
        "cargo check of the output, {} of {} projects (all three compile)",
        all_compile.len(),
        projects.len()
    );
    let kube_case = format!("{case}, --target kube against kopium");
    let share_case = format!(
        "cargo check of the output of {} projects ({} files)",
        projects.len(),
        projects.iter().map(|p| p.inputs.len()).sum::<usize>()
    );
    let kopium_target = || {
        vec![Target {
            peer: TOOLS[KOPIUM].to_owned(),
            ratio: 1.0,
        }]
    };
    vec![
        figure(
            case,
            "wall time, total",
            Unit::Seconds,
            [total(0), total(KOPIUM), total(1)],
            kopium_target(),
        ),
        figure(
            kube_case,
            "wall time, total",
            Unit::Seconds,
            [total(1), total(KOPIUM)],
            kopium_target(),
        ),
        figure(
            share_case,
            "share of projects whose crate compiles",
            Unit::Percent,
            [compiles(0), compiles(KOPIUM), compiles(1)],
            Vec::new(),
        ),
    ]
}

/// A B7 figure: the first series is ours, the rest are peers.
fn figure<const N: usize>(
    case: String,
    metric: &str,
    unit: Unit,
    series: [Series; N],
    targets: Vec<Target>,
) -> Figure {
    let [ours, peers @ ..] = series.as_slice() else {
        unreachable!("a figure has at least ours")
    };
    Figure {
        id: "B7",
        case,
        metric: metric.to_owned(),
        unit,
        better: if unit == Unit::Percent {
            Better::Higher
        } else {
            Better::Lower
        },
        ours: ours.clone(),
        peers: peers.to_vec(),
        floor: None,
        targets,
    }
}

fn one(tool: usize, value: f64) -> Series {
    Series {
        name: TOOLS[tool].to_owned(),
        rounds: vec![value],
    }
}

fn share(ok: usize, of: usize) -> f64 {
    if of == 0 {
        0.0
    } else {
        100.0 * ok as f64 / of as f64
    }
}

/// One line per project: its files, each tool's check time, whether it
/// compiles, and its first error.
fn write_tsv(path: &Path, projects: &[Project], checks: &[[Check; 3]]) -> anyhow::Result<()> {
    let mut out = String::from("project\tfiles\tkopium runs");
    for column in ["s", "compiles", "error"] {
        for tool in TOOLS {
            write!(out, "\t{tool} {column}")?;
        }
    }
    out.push('\n');
    let clean = |s: &str| s.replace(['\t', '\n'], " ");
    for (project, check) in projects.iter().zip(checks) {
        let runs: usize = project.inputs.iter().map(|i| i.kopium_runs.len()).sum();
        write!(out, "{}\t{}\t{runs}", project.name, project.inputs.len())?;
        for c in check {
            write!(out, "\t{:.2}", c.seconds)?;
        }
        for c in check {
            out.push_str(if c.result.is_ok() { "\tyes" } else { "\tno" });
        }
        for c in check {
            let first = c.result.as_ref().err().and_then(|e| e.lines().next());
            write!(out, "\t{}", clean(first.unwrap_or("")))?;
        }
        out.push('\n');
    }
    std::fs::write(path, out).with_context(|| format!("writing {}", path.display()))
}
