//! The gate's results: one record per check and unit, pass rates, exceptions, timings, and
//! the report printed to stderr and written to `target/fidelity/report.json`.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use kube_gen_codegen::Target;

use super::exceptions::Exception;
use super::measure::{Usage, gib};

/// The checks, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Check {
    /// The library generates Rust for the file (per file).
    Generate,
    /// The generated Rust compiles (per file).
    Compile,
    /// The derived schema equals the input's (per CRD version).
    Schema,
    /// A synthesised object survives deserialise + serialise (per CRD version).
    RoundTrip,
    /// The derived schema equals the input's byte for byte as JSON, with no normaliser but
    /// the float64 spelling of bounds (per CRD version); gating for our derive's output.
    StrictSchema,
    /// Hand-written objects of the version survive deserialise + serialise (per CRD version
    /// that has some, see `objects`).
    Objects,
}

impl Check {
    /// Every check, in order.
    pub const ALL: [Check; 6] = [
        Check::Generate,
        Check::Compile,
        Check::Schema,
        Check::RoundTrip,
        Check::Objects,
        Check::StrictSchema,
    ];

    /// The checks run on each CRD version by the generated crate.
    pub const PER_VERSION: [Check; 3] = [Check::Schema, Check::RoundTrip, Check::StrictSchema];

    /// Whether a failure of this check fails the gate for `target`. For kube-derive's
    /// output the schema checks are measured, not gated: it cannot express everything
    /// (README, "`--target kube`").
    pub fn gates(self, target: Target) -> bool {
        match target {
            Target::KubeGen => true,
            Target::Kube => !matches!(self, Check::Schema | Check::StrictSchema),
        }
    }

    /// The name used in reports and in the exceptions file.
    pub fn name(self) -> &'static str {
        match self {
            Check::Generate => "generate",
            Check::Compile => "compile",
            Check::Schema => "schema",
            Check::RoundTrip => "round-trip",
            Check::StrictSchema => "strict-schema",
            Check::Objects => "objects",
        }
    }

    /// The check called `name`.
    pub fn from_name(name: &str) -> Option<Check> {
        Check::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// How one check went for one unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It passed.
    Pass,
    /// It failed; the lines say why.
    Fail(Vec<String>),
    /// It could not run because an earlier check failed for the file.
    Blocked(Check),
}

/// One check of one unit: a file (generate, compile) or one version of a CRD in it.
#[derive(Debug, Clone)]
pub struct Record {
    /// Which check.
    pub check: Check,
    /// The corpus file.
    pub file: String,
    /// `crd-name version`, or empty for per-file checks.
    pub unit: String,
    /// How it went.
    pub outcome: Outcome,
}

/// What one project's crate cost.
#[derive(Debug, Clone)]
pub struct ProjectRun {
    /// The project.
    pub project: String,
    /// Files checked.
    pub files: usize,
    /// Generating the crate.
    pub generate: Duration,
    /// Building it (all attempts).
    pub compile: Usage,
    /// Running its checks.
    pub run: Duration,
}

/// Everything one run found.
#[derive(Debug, Default)]
pub struct Report {
    /// What was checked (`CI subset`, `all`, or project names).
    pub selection: String,
    /// The derive the generated code was for.
    pub target: Target,
    /// One entry per check and unit.
    pub records: Vec<Record>,
    /// One entry per project.
    pub projects: Vec<ProjectRun>,
    /// The exceptions file.
    pub exceptions: Vec<Exception>,
    /// The whole run.
    pub wall: Duration,
}

/// A failure with the exception that covers it, if any.
struct Failure<'a> {
    record: &'a Record,
    exception: Option<&'a Exception>,
}

impl Report {
    fn exception_for(&self, file: &str, check: Check) -> Option<&Exception> {
        self.exceptions
            .iter()
            .find(|e| e.file == file && e.check == check)
    }

    fn failures(&self) -> Vec<Failure<'_>> {
        self.records
            .iter()
            .filter(|record| record.check.gates(self.target))
            .filter_map(|record| {
                let exception = match &record.outcome {
                    Outcome::Pass => return None,
                    Outcome::Fail(_) => self.exception_for(&record.file, record.check),
                    Outcome::Blocked(by) => self.exception_for(&record.file, *by),
                };
                Some(Failure { record, exception })
            })
            .collect()
    }

    /// Exceptions for checked files whose check ran and passed everywhere.
    pub fn stale(&self) -> Vec<&Exception> {
        self.exceptions
            .iter()
            .filter(|e| {
                let mut ran = self
                    .records
                    .iter()
                    .filter(|r| r.file == e.file && r.check == e.check)
                    .filter(|r| !matches!(r.outcome, Outcome::Blocked(_)))
                    .peekable();
                ran.peek().is_some() && ran.all(|r| r.outcome == Outcome::Pass)
            })
            .collect()
    }

    /// Whether the gate passes: every failure excepted and no stale exception.
    pub fn passed(&self) -> bool {
        self.failures().iter().all(|f| f.exception.is_some()) && self.stale().is_empty()
    }

    /// (passed, excepted, total) of `check`.
    fn counts(&self, check: Check) -> (usize, usize, usize) {
        let records = self.records.iter().filter(|r| r.check == check);
        let total = records.clone().count();
        // A non-gating check's failures are not excepted: they are simply not gating.
        let passed = records.filter(|r| r.outcome == Outcome::Pass).count();
        let excepted = self
            .failures()
            .iter()
            .filter(|f| f.record.check == check && f.exception.is_some())
            .count();
        (passed, excepted, total)
    }

    /// The strict check's differences grouped by kind (the key where they are and how they
    /// differ: `format unexpected`, `anyOf missing`, `maximum differs`), as (kind, places,
    /// versions), most places first.
    pub fn strict_differences(&self) -> Vec<(String, usize, usize)> {
        let mut kinds: std::collections::BTreeMap<
            String,
            (usize, std::collections::BTreeSet<&str>),
        > = std::collections::BTreeMap::new();
        for record in self
            .records
            .iter()
            .filter(|r| r.check == Check::StrictSchema)
        {
            let Outcome::Fail(lines) = &record.outcome else {
                continue;
            };
            for line in lines {
                let entry = kinds.entry(difference_kind(line)).or_default();
                entry.0 += 1;
                entry.1.insert(&record.unit);
            }
        }
        let mut out: Vec<(String, usize, usize)> = kinds
            .into_iter()
            .map(|(kind, (places, units))| (kind, places, units.len()))
            .collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        out
    }

    fn slowest(&self) -> Option<&ProjectRun> {
        self.projects.iter().max_by_key(|p| p.compile.wall)
    }

    fn compile_totals(&self) -> (Duration, u64, u64) {
        let wall = self.projects.iter().map(|p| p.compile.wall).sum();
        let tree = self.projects.iter().map(|p| p.compile.peak_tree_kib).max();
        let process = self
            .projects
            .iter()
            .map(|p| p.compile.peak_process_kib)
            .max();
        (wall, tree.unwrap_or(0), process.unwrap_or(0))
    }

    /// The human-readable report.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let files: std::collections::BTreeSet<&str> =
            self.records.iter().map(|r| r.file.as_str()).collect();
        let _ = writeln!(
            out,
            "fidelity ({}, --target {}): {} files in {} projects",
            self.selection,
            target_name(self.target),
            files.len(),
            self.projects.len()
        );
        for check in Check::ALL {
            let (passed, excepted, total) = self.counts(check);
            let _ = writeln!(
                out,
                "  {:<11} {passed:>4}/{total:<4} {:>6.1}%{}",
                check.name(),
                percent(passed, total),
                if excepted > 0 {
                    format!("  ({excepted} excepted)")
                } else if !check.gates(self.target) {
                    "  (not gating)".to_owned()
                } else {
                    String::new()
                }
            );
        }
        let kinds = self.strict_differences();
        if !kinds.is_empty() {
            let _ = writeln!(
                out,
                "  strict-schema differences by kind (places, versions), most first:"
            );
            for (kind, places, versions) in kinds.iter().take(20) {
                let _ = writeln!(out, "    {places:>6} {versions:>4}  {kind}");
            }
            if kinds.len() > 20 {
                let _ = writeln!(
                    out,
                    "    ... {} more kinds in target/fidelity/report.json",
                    kinds.len() - 20
                );
            }
        }
        let (wall, tree, process) = self.compile_totals();
        let _ = writeln!(
            out,
            "  compile: {:.0?} in total, peak memory {} (all rustc/cargo processes at once; largest single process {})",
            wall,
            gib(tree),
            gib(process)
        );
        if let Some(slowest) = self.slowest() {
            let _ = writeln!(
                out,
                "  slowest project: {} ({} files, compile {:.0?}, peak {})",
                slowest.project,
                slowest.files,
                slowest.compile.wall,
                gib(slowest.compile.peak_tree_kib)
            );
        }
        let _ = writeln!(out, "  total time: {:.0?}", self.wall);
        let failures = self.failures();
        let (excepted, failed): (Vec<_>, Vec<_>) =
            failures.iter().partition(|f| f.exception.is_some());
        for (title, list) in [("failures", &failed), ("excepted failures", &excepted)] {
            if list.is_empty() {
                continue;
            }
            let _ = writeln!(out, "{title}:");
            for f in list {
                let r = f.record;
                let unit = if r.unit.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", r.unit)
                };
                let _ = writeln!(out, "  {} {}{unit}", r.check.name(), r.file);
                if let Some(e) = f.exception {
                    let _ = writeln!(out, "      excepted: {}", e.reason);
                    continue;
                }
                match &r.outcome {
                    Outcome::Fail(lines) => {
                        for line in lines.iter().take(12) {
                            let _ = writeln!(out, "      {line}");
                        }
                        if lines.len() > 12 {
                            let _ = writeln!(
                                out,
                                "      ... {} more lines in target/fidelity/report.json",
                                lines.len() - 12
                            );
                        }
                    }
                    Outcome::Blocked(by) => {
                        let _ = writeln!(out, "      not run: {} failed", by.name());
                    }
                    Outcome::Pass => {}
                }
            }
        }
        for e in self.stale() {
            let _ = writeln!(
                out,
                "stale exception: {} {} passes now; remove it from {}",
                e.check.name(),
                e.file,
                super::exceptions::PATH
            );
        }
        let verdict = if self.passed() {
            "PASSED"
        } else {
            "FAILED: the bar is 100% (excepted failures aside) and no stale exceptions"
        };
        let _ = writeln!(out, "fidelity {verdict}");
        out
    }

    /// The machine-readable report.
    pub fn json(&self) -> Value {
        let checks: serde_json::Map<String, Value> = Check::ALL
            .into_iter()
            .map(|check| {
                let (passed, excepted, total) = self.counts(check);
                let value = json!({
                    "passed": passed, "excepted": excepted, "total": total,
                    "percent": percent(passed, total),
                });
                (check.name().to_owned(), value)
            })
            .collect();
        let failures: Vec<Value> = self
            .failures()
            .iter()
            .map(|f| {
                let r = f.record;
                let detail = match &r.outcome {
                    Outcome::Fail(lines) => json!(lines),
                    Outcome::Blocked(by) => json!([format!("not run: {} failed", by.name())]),
                    Outcome::Pass => json!([]),
                };
                json!({
                    "check": r.check.name(), "file": r.file, "unit": r.unit, "detail": detail,
                    "excepted": f.exception.map(|e| e.reason.clone()),
                })
            })
            .collect();
        let projects: Vec<Value> = self
            .projects
            .iter()
            .map(|p| {
                json!({
                    "project": p.project, "files": p.files,
                    "generate_secs": p.generate.as_secs_f64(),
                    "compile_secs": p.compile.wall.as_secs_f64(),
                    "compile_peak_tree_kib": p.compile.peak_tree_kib,
                    "compile_peak_process_kib": p.compile.peak_process_kib,
                    "run_secs": p.run.as_secs_f64(),
                })
            })
            .collect();
        let (wall, tree, process) = self.compile_totals();
        let stale: Vec<Value> = self
            .stale()
            .iter()
            .map(|e| json!({"file": e.file, "check": e.check.name()}))
            .collect();
        json!({
            "selection": self.selection, "target": target_name(self.target),
            "passed": self.passed(),
            "checks": checks,
            "total_secs": self.wall.as_secs_f64(),
            "compile": {
                "secs": wall.as_secs_f64(), "peak_tree_kib": tree, "peak_process_kib": process,
                "slowest_project": self.slowest().map(|p| p.project.clone()),
            },
            "projects": projects,
            "failures": failures,
            "stale_exceptions": stale,
            "strict_failures": self
                .records
                .iter()
                .filter(|r| r.check == Check::StrictSchema)
                .filter_map(|r| match &r.outcome {
                    Outcome::Fail(lines) => Some(json!({"file": r.file, "unit": r.unit, "detail": lines})),
                    _ => None,
                })
                .collect::<Vec<_>>(),
            "strict_differences": self
                .strict_differences()
                .iter()
                .map(|(kind, places, versions)| json!({"kind": kind, "places": places, "versions": versions}))
                .collect::<Vec<_>>(),
        })
    }

    /// Writes [`Report::json`] to `path`.
    pub fn write_json(&self, path: &Path) -> anyhow::Result<()> {
        let text = serde_json::to_string_pretty(&self.json())?;
        std::fs::write(path, text + "\n")?;
        Ok(())
    }
}

/// `.properties.spec.properties.x.format: unexpected "int64"` → `format unexpected`; a
/// difference at the root's properties names the property (`root apiVersion missing`).
fn difference_kind(line: &str) -> String {
    let (path, what) = line.split_once(": ").unwrap_or((line, ""));
    let how = match what.split_whitespace().next() {
        Some("missing") => "missing",
        Some("unexpected") => "unexpected",
        _ => "differs",
    };
    let segments: Vec<&str> = path.split('.').filter(|s| !s.is_empty()).collect();
    let key = segments
        .last()
        .map_or("(root)", |s| s.split('[').next().unwrap_or(s));
    if let ["properties", name] = segments.as_slice() {
        return format!("root {name} {how}");
    }
    format!("{key} {how}")
}

/// The CLI's spelling of `target`.
pub fn target_name(target: Target) -> &'static str {
    match target {
        Target::KubeGen => "kube-gen",
        Target::Kube => "kube",
    }
}

fn percent(passed: usize, total: usize) -> f64 {
    if total == 0 {
        100.0
    } else {
        100.0 * passed as f64 / total as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(check: Check, file: &str, outcome: Outcome) -> Record {
        Record {
            check,
            file: file.into(),
            unit: String::new(),
            outcome,
        }
    }

    fn exception(file: &str, check: Check) -> Exception {
        Exception {
            file: file.into(),
            check,
            reason: "known".into(),
        }
    }

    #[test]
    fn an_excepted_failure_and_what_it_blocks_do_not_fail_the_gate() {
        let report = Report {
            records: vec![
                record(Check::Generate, "a", Outcome::Fail(vec!["no spec".into()])),
                record(Check::Schema, "a", Outcome::Blocked(Check::Generate)),
                record(Check::Generate, "b", Outcome::Pass),
            ],
            exceptions: vec![exception("a", Check::Generate)],
            ..Report::default()
        };
        assert!(report.passed(), "{}", report.text());
        assert_eq!(report.counts(Check::Generate), (1, 1, 2));
        assert!(
            report
                .text()
                .contains("generate       1/2      50.0%  (1 excepted)")
        );
    }

    #[test]
    fn strict_differences_are_reported_by_kind_and_gate_only_our_derives_output() {
        let mut strict = record(
            Check::StrictSchema,
            "a",
            Outcome::Fail(vec![
                ".properties.apiVersion: missing (expected {})".into(),
                ".properties.spec.properties.x.format: unexpected \"int64\"".into(),
                ".properties.spec.properties.y.format: unexpected \"int64\"".into(),
                ".properties.spec.properties.z.maximum: expected 1, got 1.0".into(),
            ]),
        );
        strict.unit = "as.example.com v1".into();
        let kube = Report {
            records: vec![strict, record(Check::Schema, "a", Outcome::Pass)],
            target: Target::Kube,
            ..Report::default()
        };
        assert!(kube.passed(), "{}", kube.text());
        assert_eq!(
            kube.strict_differences(),
            [
                ("format unexpected".to_owned(), 2, 1),
                ("maximum differs".to_owned(), 1, 1),
                ("root apiVersion missing".to_owned(), 1, 1),
            ]
        );
        assert!(
            kube.text()
                .contains("strict-schema    0/1       0.0%  (not gating)")
        );
        let kube_gen = Report {
            target: Target::KubeGen,
            ..kube
        };
        assert!(!kube_gen.passed(), "{}", kube_gen.text());
    }

    #[test]
    fn an_exception_whose_check_passes_is_stale_and_fails_the_gate() {
        let report = Report {
            records: vec![record(Check::Schema, "a", Outcome::Pass)],
            exceptions: vec![
                exception("a", Check::Schema),
                exception("not-checked", Check::Schema),
            ],
            ..Report::default()
        };
        assert_eq!(report.stale(), [&report.exceptions[0]]);
        assert!(!report.passed());
        assert!(
            report
                .text()
                .contains("stale exception: schema a passes now")
        );
    }

    #[test]
    fn an_unexcepted_failure_fails_the_gate_and_is_listed_with_its_reason() {
        let report = Report {
            records: vec![record(
                Check::RoundTrip,
                "a",
                Outcome::Fail(vec![".spec.x: missing".into()]),
            )],
            ..Report::default()
        };
        assert!(!report.passed());
        assert!(
            report
                .text()
                .contains("  round-trip a\n      .spec.x: missing\n")
        );
        assert_eq!(report.json()["checks"]["round-trip"]["percent"], 0.0);
    }
}
