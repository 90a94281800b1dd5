//! B6: what deriving costs our users at compile time. Two crates with the same
//! N custom resource specs ([`b6_crates`]), one deriving with
//! kube-gen, one with kube-derive, each with its own target directory. Their
//! dependencies are built once, untimed; then each round, interleaved (and
//! alternating who goes first), removes only that crate's own artifacts
//! (`cargo clean -p`) and times `cargo build --timings`: the command's wall
//! time, and the crate's compile unit as cargo's timings report it (the part
//! that is the derive's expansion and the code it generates).
//!
//! Incremental compilation is off, so no round reuses an earlier one's work.
//! Both derives emit the same items (the root type, its impls and its CRD): our
//! typed facades are opt-in (`#[kube(facades)]`) since issue #17, and the B6
//! crates do not ask for them. Figures from before 2026-12-07 include them.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};
use serde_json::Value;

use super::b6_crates::{self, Derive};
use super::{Better, Ctx, Figure, Series, Target, Unit};

pub fn run(ctx: &Ctx) -> anyhow::Result<Vec<Figure>> {
    let types = ctx.scale(20, 2);
    let dir = ctx.out.join("b6");
    let derives = [Derive::KubeGen, Derive::KubeDerive];
    let mut crates = Vec::new();
    for derive in derives {
        let path = b6_crates::write(&ctx.root, &dir, derive, types)?;
        crate::steps::say(&format!(
            "B6: building the dependencies of {} (untimed)",
            derive.package()
        ));
        cargo(&path, &["build", "--offline"])?;
        crates.push((derive, path));
    }
    let mut wall: Vec<Series> = derives.iter().map(|d| Series::new(d.label())).collect();
    let mut unit: Vec<Series> = derives.iter().map(|d| Series::new(d.label())).collect();
    for round in 0..ctx.rounds {
        let mut order: Vec<usize> = (0..crates.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for i in order {
            let (derive, path) = &crates[i];
            let (secs, unit_secs) = clean_build(path, derive.package())?;
            eprintln!(
                "    round {}: {}: build {secs:.2} s, crate unit {unit_secs:.2} s",
                round + 1,
                derive.label()
            );
            wall[i].rounds.push(secs);
            unit[i].rounds.push(unit_secs);
        }
    }
    let case = format!("clean build of a crate with {types} derived CRD types");
    let figure = |metric: &str, mut series: Vec<Series>| {
        let peer = series.pop().expect("two series");
        let ours = series.pop().expect("two series");
        Figure {
            id: "B6",
            case: case.clone(),
            metric: metric.to_owned(),
            unit: Unit::Seconds,
            better: Better::Lower,
            ours,
            peers: vec![peer],
            floor: None,
            targets: vec![Target {
                peer: Derive::KubeDerive.label().to_owned(),
                ratio: 1.0,
            }],
        }
    };
    Ok(vec![
        figure("`cargo build` wall, dependencies prebuilt", wall),
        figure("the crate's unit (cargo --timings)", unit),
    ])
}

/// Removes the crate's own artifacts, rebuilds it and returns (wall seconds of
/// `cargo build`, seconds of its unit in cargo's timings report).
fn clean_build(dir: &Path, package: &str) -> anyhow::Result<(f64, f64)> {
    cargo(dir, &["clean", "--offline", "-p", package])?;
    let timings = target_dir(dir).join("cargo-timings");
    if timings.exists() {
        std::fs::remove_dir_all(&timings)?;
    }
    let started = Instant::now();
    cargo(dir, &["build", "--offline", "--timings"])?;
    let wall = started.elapsed().as_secs_f64();
    let html = std::fs::read_to_string(timings.join("cargo-timing.html"))
        .context("reading cargo's timings report")?;
    Ok((wall, unit_seconds(&html, package)?))
}

fn target_dir(dir: &Path) -> PathBuf {
    dir.join("target")
}

/// Runs cargo in the crate `dir` with its own target dir; fails with the end
/// of cargo's output.
fn cargo(dir: &Path, args: &[&str]) -> anyhow::Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(args)
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target_dir(dir))
        .env("CARGO_INCREMENTAL", "0")
        .output()
        .with_context(|| format!("running cargo {}", args.join(" ")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(30).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        bail!(
            "cargo {} in {} failed:\n{}",
            args.join(" "),
            dir.display(),
            tail.join("\n")
        );
    }
    Ok(())
}

/// The summed `duration` of `package`'s units in the `UNIT_DATA` JSON array
/// that cargo's timings HTML embeds.
fn unit_seconds(html: &str, package: &str) -> anyhow::Result<f64> {
    let start = html
        .find("UNIT_DATA = ")
        .context("no UNIT_DATA in cargo's timings report")?
        + "UNIT_DATA = ".len();
    let end = html[start..]
        .find("];")
        .context("UNIT_DATA is not terminated")?
        + start
        + 1;
    let units: Vec<Value> = serde_json::from_str(&html[start..end]).context("parsing UNIT_DATA")?;
    let durations: Vec<f64> = units
        .iter()
        .filter(|u| u["name"] == package)
        .filter_map(|u| u["duration"].as_f64())
        .collect();
    if durations.is_empty() {
        bail!("cargo's timings report has no unit for {package}");
    }
    Ok(durations.iter().sum())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unit_duration_is_read_from_the_timings_report() {
        let html = r#"<script>
const UNIT_DATA = [
  {"i": 0, "name": "serde", "duration": 3.5, "sections": [[ "frontend", {"start": 0.0} ]]},
  {"i": 1, "name": "b6-kube-gen", "duration": 1.25}
];
const CONCURRENCY_DATA = [];
</script>"#;
        assert_eq!(unit_seconds(html, "b6-kube-gen").unwrap(), 1.25);
        assert!(unit_seconds(html, "other").is_err());
    }
}
