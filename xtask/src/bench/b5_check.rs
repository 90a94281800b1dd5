//! B5's compile share: does a tool's output for a corpus file build?
//!
//! Each (tool, file) gets its own small crate ([`user_crate`]) whose modules
//! are the tool's output as it is, one module per run (kopium's output of each
//! version is a standalone module with its own prelude). All crates share one
//! target directory, so the dependencies (the same for every crate) are
//! checked once. One crate per file, not per project as the fidelity gate
//! does: a failure then belongs to its file without reading rustc's spans.
//! `cargo check`: type checking and macro expansion, which is where generated
//! code fails; nothing is run.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::Context;

use super::user_crate;

/// Checks every (file, modules) of `tool`; returns per file `Ok` or the
/// first lines of the reason it does not build. No modules means the tool
/// generated nothing.
pub fn check(
    workspace: &Path,
    dir: &Path,
    tool: &str,
    outputs: &[(String, Vec<String>)],
) -> anyhow::Result<Vec<(String, Result<(), String>)>> {
    let target = dir.join("target");
    let mut results = Vec::new();
    for (index, (file, modules)) in outputs.iter().enumerate() {
        if modules.is_empty() {
            results.push((file.clone(), Err("the tool generated no code".to_owned())));
            continue;
        }
        let package = format!("b5-{tool}-{index:03}");
        let crate_dir = dir.join(&package);
        let about = format!("{tool}'s output for {file}.");
        write_crate(workspace, &crate_dir, &package, &about, modules)?;
        let (_, result) = cargo_check(&crate_dir, &target)?;
        eprintln!(
            "    {tool}: {file}: {}",
            if result.is_ok() { "compiles" } else { "fails" }
        );
        results.push((file.clone(), result));
    }
    Ok(results)
}

/// `cargo check` of the crate in `dir` into the shared `target`, offline and without
/// incremental caches: its wall time in seconds, and `Err` with the first error lines when
/// it fails.
pub fn cargo_check(dir: &Path, target: &Path) -> anyhow::Result<(f64, Result<(), String>)> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let started = Instant::now();
    let output = Command::new(cargo)
        .args([
            "check",
            "--offline",
            "--message-format=short",
            "--manifest-path",
        ])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_INCREMENTAL", "0")
        .output()
        .with_context(|| format!("running cargo check in {}", dir.display()))?;
    let seconds = started.elapsed().as_secs_f64();
    let result = if output.status.success() {
        Ok(())
    } else {
        Err(first_errors(&String::from_utf8_lossy(&output.stderr)))
    };
    Ok((seconds, result))
}

/// A fresh crate in `crate_dir` whose modules `m0`, `m1`, ... are `modules`
/// as they are, warnings allowed (generated code is not ours to lint).
pub fn write_crate(
    workspace: &Path,
    crate_dir: &Path,
    package: &str,
    about: &str,
    modules: &[String],
) -> anyhow::Result<()> {
    if crate_dir.exists() {
        std::fs::remove_dir_all(crate_dir)?;
    }
    user_crate::write_manifest(workspace, crate_dir, package)?;
    let mut lib = format!("//! {about}\n\n#![allow(warnings)]\n\n");
    for (n, module) in modules.iter().enumerate() {
        std::fs::write(crate_dir.join(format!("src/m{n}.rs")), module)?;
        lib.push_str(&format!("pub mod m{n};\n"));
    }
    std::fs::write(crate_dir.join("src/lib.rs"), lib)?;
    Ok(())
}

/// The first lines of cargo's stderr that mention an error.
pub fn first_errors(stderr: &str) -> String {
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("error"))
        .take(5)
        .collect();
    errors.join("\n")
}
