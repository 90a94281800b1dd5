//! `cargo xtask kube-derive-compat`: kube-derive 5.0's own integration tests, run against
//! our derive, compared strictly with what we expect of them.
//!
//! The bar of issue #17: kube-gen's `#[derive(CustomResource)]` is a drop-in for
//! kube-derive 5.0. So the test files of the kube-derive 5.0.0 crate that use the derive
//! ([`crate_gen::FILES`]) are read from cargo's registry, where kube's `derive` feature put
//! them ([`locate`]); their import of `CustomResource` is swapped for ours and nothing else
//! changes ([`source`]); they are built as a crate of their own in
//! `target/kube-derive-compat/` with kube-derive's dev-dependencies ([`crate_gen`]); and each
//! file is compiled and run on its own ([`runner`], [`results`]). Nothing of kube-derive is
//! copied into the repository.
//!
//! The outcomes (each file compiles or not, each test passes or fails) are compared with
//! [`expected::PATH`], which gives the reason for every failure. Any difference, in either
//! direction, fails the command: a test that starts passing is news to record, just as one
//! that starts failing. `--bless` rewrites the file from the run, keeping the reasons.

mod crate_gen;
mod expected;
mod locate;
mod report;
mod results;
mod runner;
mod source;

use std::time::Instant;

use anyhow::bail;

use crate::steps::say;
use expected::Row;
use results::{FileResult, Observed};
use runner::Runner;

/// What to do with the run's outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Compare them with [`expected::PATH`] and fail on any difference (CI).
    Check,
    /// Rewrite [`expected::PATH`] from them, keeping its reasons (`--bless`).
    Bless,
}

/// Runs kube-derive's tests against our derive, then checks or blesses the outcomes.
///
/// # Errors
///
/// When kube-derive 5.0.0 or a dependency can't be found or built, when the run differs from
/// the expectation (in [`Mode::Check`]), or when a failure has no reason (`TODO: reason`).
pub fn run(mode: Mode) -> anyhow::Result<()> {
    let started = Instant::now();
    let workspace = kube_gen_tests::workspace_root();
    let upstream = locate::kube_derive(&workspace)?;
    say(&format!(
        "kube-derive {}'s tests, from {}",
        locate::VERSION,
        upstream.dir.display()
    ));
    let dir = workspace.join("target/kube-derive-compat");
    let files = crate_gen::generate(&workspace, &upstream, &dir)?;
    let runner = Runner::new(&dir);
    say("building their dependencies, kube-gen included (from cold: several minutes)");
    runner.build_dependencies()?;
    let mut results: Vec<FileResult> = Vec::new();
    for file in &files {
        say(&format!("compiling and running tests/{}", file.file));
        results.push(runner.run_file(file)?);
    }
    eprint!("\n{}", report::summary(&results));
    eprintln!("full output of each file: {}\n", runner.logs.display());

    let observed: Vec<Observed> = results.iter().flat_map(FileResult::observed).collect();
    let path = workspace.join(expected::PATH);
    let expected = match std::fs::read_to_string(&path) {
        Ok(text) => expected::parse(&text)?,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(err) => return Err(err.into()),
    };
    let differences = expected::compare(&expected, &observed);
    if !differences.is_empty() {
        eprintln!(
            "{} difference(s) from {}:\n{}",
            differences.len(),
            expected::PATH,
            report::differences(&differences)
        );
    }
    if mode == Mode::Bless {
        let rows = expected::bless(&expected, &observed);
        std::fs::write(&path, expected::render(&rows))?;
        say(&format!("wrote {}", expected::PATH));
        return require_reasons(&rows);
    }
    if !differences.is_empty() {
        bail!(
            "kube-derive's tests no longer do what {path} expects ({n} difference(s), above). If \
             the change is intended (the derive accepts more of kube-derive, or a difference is \
             deliberate), run `cargo xtask kube-derive-compat --bless`, write a reason for every \
             row it marks `TODO: reason` (a deliberate difference also goes in the table of \
             differences in the derive's rustdoc, kube-gen-derive/src/lib.rs, and in the \
             README's), and review the file's diff; otherwise fix the regression",
            path = expected::PATH,
            n = differences.len(),
        );
    }
    require_reasons(&expected)?;
    say(&format!(
        "kube-derive compatibility is as expected ({:.0?})",
        started.elapsed()
    ));
    Ok(())
}

/// Fails when a failure in `rows` has no reason yet.
fn require_reasons(rows: &[Row]) -> anyhow::Result<()> {
    let todo: Vec<String> = rows
        .iter()
        .filter(|r| r.needs_reason())
        .map(|r| format!("  {}\t{}\t{}", r.file, r.test, r.outcome.name()))
        .collect();
    if !todo.is_empty() {
        bail!(
            "{} row(s) of {} need a reason in place of `{}`: say why it does not compile or \
             pass (read the log in target/kube-derive-compat/logs/)\n{}",
            todo.len(),
            expected::PATH,
            expected::TODO,
            todo.join("\n")
        );
    }
    Ok(())
}
