//! `cargo xtask fidelity`: the CLI's fidelity gate over the CRD corpus in `../shared/crds/`.
//!
//! For every CRD file of the selection, six checks, each with a pass rate (the bar is 100%,
//! known failures aside):
//!
//! 1. **generate**: the library turns the file into Rust, with the calls the `kube-gen` CLI
//!    makes (`crd::load`, `crd::versions` with every version, `source::module_files`);
//! 2. **compile**: the generated code builds, with `#[derive(CustomResource)]`;
//! 3. **schema**: for every version, the schema the derived `crd()` emits equals the input's
//!    after `kube_gen_codegen::crd::normalize` and `canon::canonical` (which drops only
//!    documentation and restatements), with a diff by JSON path on failure;
//! 4. **round-trip**: an object synthesised from the input schema with every property set
//!    deserialises into the generated type and serialises back to the same JSON.
//!
//! 5. **strict-schema**: the same with no normaliser but the float64 spelling of bounds;
//! 6. **objects**: hand-written objects round-trip ([`objects`]).
//!
//! All of them run for both targets of the emitter: our derive's output, where every check
//! gates, and kube-derive's (`--target kube`), where the two schema checks are measured but
//! do not gate (kube-derive cannot express every input).
//!
//! Each project of the corpus becomes one small crate in `target/fidelity/<project>/`
//! ([`crate_gen`]); the crates are built one after another in one shared target directory,
//! because all 272 CRDs' types in one crate needed more than 24 GiB of rustc memory. The
//! compile step's wall time and peak memory are measured ([`measure`]). Known failures are
//! listed with their reason in [`exceptions::PATH`]; the report goes to stderr and
//! `target/fidelity/report.json`.

// Compiled here for its tests; the gate copies it into every generated crate.
#[cfg(test)]
mod canon;
pub(crate) mod corpus;
mod crate_gen;
mod exceptions;
mod measure;
mod objects;
mod report;
mod synthesize;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};
use kube_gen_codegen::Target;
use serde_json::Value;

pub use corpus::Selection;
use crate_gen::{Generated, Unit};
use measure::Usage;
use report::{Check, Outcome, ProjectRun, Record, Report};

use crate::steps::say;

/// How many times a crate is rebuilt without the files that failed to compile.
const MAX_BUILDS: usize = 4;

/// Runs the gate on `selection` for each of `targets` and fails unless every run passes.
pub fn run(selection: Selection, targets: &[Target]) -> anyhow::Result<()> {
    let mut failed = Vec::new();
    for &target in targets {
        if !run_target(&selection, target)? {
            failed.push(report::target_name(target));
        }
    }
    if !failed.is_empty() {
        bail!(
            "the fidelity gate failed for --target {} (see above)",
            failed.join(", ")
        );
    }
    Ok(())
}

/// The gate for one target: its report, and whether it passed.
fn run_target(selection: &Selection, target: Target) -> anyhow::Result<bool> {
    let started = Instant::now();
    let workspace = kube_gen_tests::workspace_root();
    let corpus_dir = corpus::default_dir(&workspace);
    let all = corpus::read_manifest(&corpus_dir)?;
    let projects = corpus::select(&all, selection)?;
    let root = workspace.join("target/fidelity");
    std::fs::create_dir_all(&root)?;
    let mut report = Report {
        selection: match selection {
            Selection::CiSubset => "CI subset".to_owned(),
            Selection::All => "all".to_owned(),
            Selection::Projects(p) => p.join(" "),
        },
        target,
        exceptions: exceptions::read(&workspace)?,
        ..Report::default()
    };
    for (project, files) in &projects {
        say(&format!(
            "fidelity --target {}: {project} ({} files): generating, building, checking",
            report::target_name(target),
            files.len()
        ));
        let whole_project = files.len() == all.iter().filter(|f| f.project == *project).count();
        let (records, run) = check_project(
            &Paths {
                workspace: &workspace,
                corpus: &corpus_dir,
                root: &root,
            },
            project,
            target,
            files,
            whole_project,
        )?;
        eprintln!(
            "    compiled in {:.1?} (peak {}), checked in {:.1?}",
            run.compile.wall,
            measure::gib(run.compile.peak_tree_kib),
            run.run
        );
        report.records.extend(records);
        report.projects.push(run);
    }
    report.wall = started.elapsed();
    let json = root.join(match target {
        Target::KubeGen => "report.json",
        Target::Kube => "report-kube.json",
    });
    report.write_json(&json)?;
    eprint!("{}", report.text());
    eprintln!("    report: {}", json.display());
    Ok(report.passed())
}

/// Where the gate reads and writes.
struct Paths<'a> {
    /// The workspace.
    workspace: &'a Path,
    /// The CRD corpus.
    corpus: &'a Path,
    /// `target/fidelity`.
    root: &'a Path,
}

/// Generates, builds and runs one project's crate.
fn check_project(
    paths: &Paths<'_>,
    project: &str,
    target: Target,
    files: &[corpus::CrdFile],
    whole_project: bool,
) -> anyhow::Result<(Vec<Record>, ProjectRun)> {
    let started = Instant::now();
    let root = paths.root;
    let objects = objects::read(paths.workspace, project)?;
    let generated = crate_gen::generate(paths, project, target, files, &objects)?;
    let generate = started.elapsed();
    let mut records = Vec::new();
    let per_file = |check, file: &str, outcome| Record {
        check,
        file: file.to_owned(),
        unit: String::new(),
        outcome,
    };
    for (file, error) in &generated.failures {
        let lines = error.lines().map(str::to_owned).collect();
        records.push(per_file(Check::Generate, file, Outcome::Fail(lines)));
        records.push(per_file(
            Check::Compile,
            file,
            Outcome::Blocked(Check::Generate),
        ));
    }
    for (file, crd, version) in &generated.blocked {
        for check in Check::PER_VERSION {
            records.push(Record {
                check,
                file: file.clone(),
                unit: format!("{crd} {version}"),
                outcome: Outcome::Blocked(Check::Generate),
            });
        }
    }
    for (file, _) in &generated.modules {
        records.push(per_file(Check::Generate, file, Outcome::Pass));
    }

    let (compiled, compile_failures, usage) = build(root, project, &generated)?;
    for (file, _) in &generated.modules {
        let outcome = match compile_failures.get(file) {
            Some(lines) => Outcome::Fail(lines.clone()),
            None => Outcome::Pass,
        };
        records.push(per_file(Check::Compile, file, outcome));
    }

    let run_started = Instant::now();
    let results = if compiled.is_empty() {
        BTreeMap::new()
    } else {
        run_checks(root, &generated.package)?
    };
    let run = run_started.elapsed();
    for unit in &generated.units {
        let compiled = compiled.iter().any(|u| same_unit(u, unit));
        // the objects check runs only for versions that have hand-written objects
        let objects = (!unit.objects.is_empty()).then_some(Check::Objects);
        for check in Check::PER_VERSION.into_iter().chain(objects) {
            let key = (
                unit.file.clone(),
                unit.crd.clone(),
                unit.version.clone(),
                check,
            );
            let outcome = if !compiled {
                Outcome::Blocked(Check::Compile)
            } else {
                results.get(&key).cloned().unwrap_or_else(|| {
                    Outcome::Fail(vec![
                        "no result: the check binary stopped before this check".into(),
                    ])
                })
            };
            records.push(Record {
                check,
                file: unit.file.clone(),
                unit: format!("{} {}", unit.crd, unit.version),
                outcome,
            });
        }
    }
    // An object for a CRD of the project that none of the checked files has: a typo when the
    // whole project was checked, else just a file outside the selection.
    if whole_project {
        for name in &generated.unmatched {
            records.push(Record {
                check: Check::Objects,
                file: format!("{}/{name}", objects::DIR),
                unit: String::new(),
                outcome: Outcome::Fail(vec![
                    "its apiVersion and kind are no generated CRD version's".into(),
                ]),
            });
        }
    }
    Ok((
        records,
        ProjectRun {
            project: project.to_owned(),
            files: files.len(),
            generate,
            compile: usage,
            run,
        },
    ))
}

fn same_unit(a: &Unit, b: &Unit) -> bool {
    a.file == b.file && a.crd == b.crd && a.version == b.version
}

/// What [`build`] returns: the units that compiled, the compile errors per file, the usage.
type Built = (Vec<Unit>, BTreeMap<String, Vec<String>>, Usage);

/// Builds the crate, dropping the files whose modules fail to compile and rebuilding, until
/// it builds.
fn build(root: &Path, project: &str, generated: &Generated) -> anyhow::Result<Built> {
    let mut units = generated.units.clone();
    let mut failures: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut usage = Usage::default();
    let file_of = |module: &str| {
        generated
            .modules
            .iter()
            .find(|(_, m)| m == module)
            .map(|(f, _)| f.clone())
    };
    for _ in 0..MAX_BUILDS {
        if units.is_empty() {
            break;
        }
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let (output, used) = measure::run(
            Command::new(cargo)
                .args([
                    "build",
                    "--offline",
                    "--message-format=json",
                    "--manifest-path",
                ])
                .arg(generated.dir.join("Cargo.toml"))
                .env("CARGO_TARGET_DIR", root.join("target"))
                .env("CARGO_INCREMENTAL", "0"),
        )?;
        usage.wall += used.wall;
        usage.peak_tree_kib = usage.peak_tree_kib.max(used.peak_tree_kib);
        usage.peak_process_kib = usage.peak_process_kib.max(used.peak_process_kib);
        if output.status.success() {
            return Ok((units, failures, usage));
        }
        let main_rs = std::fs::read_to_string(generated.dir.join("src/main.rs"))?;
        let errors = compile_errors(&String::from_utf8_lossy(&output.stdout), &main_rs);
        let mut failed_modules = BTreeSet::new();
        let mut unattributed = Vec::new();
        for (module, rendered) in errors {
            match module.as_deref().and_then(file_of) {
                Some(file) => {
                    failed_modules.insert(module.unwrap_or_default());
                    let lines = failures.entry(file).or_default();
                    if lines.len() < 40 {
                        lines.extend(rendered.lines().map(str::to_owned));
                    }
                }
                None => unattributed.push(rendered),
            }
        }
        if failed_modules.is_empty() {
            // Nothing to drop: every file of the crate fails with the crate's errors.
            let mut lines: Vec<String> = unattributed
                .iter()
                .flat_map(|r| r.lines().map(str::to_owned))
                .take(40)
                .collect();
            if lines.is_empty() {
                lines = String::from_utf8_lossy(&output.stderr)
                    .lines()
                    .rev()
                    .take(20)
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
            }
            for unit in &units {
                failures
                    .entry(unit.file.clone())
                    .or_insert_with(|| lines.clone());
            }
            return Ok((Vec::new(), failures, usage));
        }
        units.retain(|u| !failed_modules.contains(&u.module));
        crate_gen::write_main(&generated.dir, &units, generated.target)?;
    }
    if !units.is_empty() {
        say(&format!(
            "fidelity: {project}: still failing after {MAX_BUILDS} builds"
        ));
        for unit in &units {
            failures
                .entry(unit.file.clone())
                .or_insert_with(|| vec![format!("still failing after {MAX_BUILDS} builds")]);
        }
    }
    Ok((Vec::new(), failures, usage))
}

/// The errors in cargo's JSON messages, each with the module it is in (when known) and its
/// rendered text. An error in `main.rs` belongs to the module its line names.
fn compile_errors(stdout: &str, main_rs: &str) -> Vec<(Option<String>, String)> {
    let main_lines: Vec<&str> = main_rs.lines().collect();
    let mut out = Vec::new();
    for line in stdout.lines() {
        let Ok(message) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if message["reason"] != "compiler-message" || message["message"]["level"] != "error" {
            continue;
        }
        let message = &message["message"];
        let rendered = message["rendered"].as_str().unwrap_or("").to_owned();
        let span = message["spans"]
            .as_array()
            .and_then(|spans| spans.iter().find(|s| s["is_primary"] == true));
        let module = span.and_then(|span| {
            let file = span["file_name"].as_str()?;
            if let Some(rest) = file.strip_prefix("src/")
                && let Some((module, _)) = rest.split_once('/')
            {
                return Some(module.to_owned());
            }
            if file == "src/main.rs" {
                let line = main_lines.get(span["line_start"].as_u64()? as usize - 1)?;
                let start = line.find("f_")?;
                let module = line[start..].split("::").next()?;
                return Some(module.to_owned());
            }
            None
        });
        out.push((module, rendered));
    }
    out
}

/// Runs the built checks; one outcome per (file, crd, version, check).
fn run_checks(
    root: &Path,
    package: &str,
) -> anyhow::Result<BTreeMap<(String, String, String, Check), Outcome>> {
    let binary: PathBuf = root.join("target/debug").join(package);
    let output = Command::new(&binary)
        .output()
        .with_context(|| format!("running {}", binary.display()))?;
    let mut results = BTreeMap::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(result) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let text = |key: &str| result[key].as_str().unwrap_or("").to_owned();
        let Some(check) = Check::from_name(&text("check")) else {
            continue;
        };
        let outcome = if result["ok"] == true {
            Outcome::Pass
        } else {
            let detail = result["detail"].as_array().into_iter().flatten();
            Outcome::Fail(
                detail
                    .filter_map(|d| d.as_str().map(str::to_owned))
                    .collect(),
            )
        };
        results.insert((text("file"), text("crd"), text("version"), check), outcome);
    }
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        say(&format!(
            "fidelity: {} exited with {}: {}",
            binary.display(),
            output.status,
            stderr.lines().last().unwrap_or("")
        ));
    }
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compile_errors_are_attributed_to_the_module_they_are_in() {
        let main_rs = "mod canon;\n    crd_fn: f_b::v1::B::crd,\n";
        let stdout = [
            r#"{"reason":"compiler-message","message":{"level":"error","rendered":"error in a","spans":[{"file_name":"src/f_a/v1.rs","is_primary":true,"line_start":3}]}}"#,
            r#"{"reason":"compiler-message","message":{"level":"error","rendered":"error in main","spans":[{"file_name":"src/main.rs","is_primary":true,"line_start":2}]}}"#,
            r#"{"reason":"compiler-message","message":{"level":"warning","rendered":"w","spans":[]}}"#,
            r#"{"reason":"compiler-message","message":{"level":"error","rendered":"aborting","spans":[]}}"#,
        ]
        .join("\n");
        assert_eq!(
            compile_errors(&stdout, main_rs),
            [
                (Some("f_a".to_owned()), "error in a".to_owned()),
                (Some("f_b".to_owned()), "error in main".to_owned()),
                (None, "aborting".to_owned()),
            ]
        );
    }
}
