//! kopium, B5's peer, built here from the registry with `cargo install` into
//! `target/bench/tools` at one pinned version, so every run compares against
//! the same code. The install takes minutes on two cores, so it is skipped
//! when the binary there already reports that version.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, bail};

use super::Ctx;

/// The kopium release B5 compares against (the newest when B5 was written).
pub const VERSION: &str = "0.24.1";

/// The path of the installed kopium, installing it first if it is missing or
/// another version.
pub fn ensure(ctx: &Ctx) -> anyhow::Result<PathBuf> {
    let root = ctx.out.join("tools");
    let binary = root.join("bin/kopium");
    if installed_version(&binary).as_deref() == Some(VERSION) {
        return Ok(binary);
    }
    crate::steps::say(&format!(
        "B5: installing kopium {VERSION} into {} (a few minutes, once)",
        root.display()
    ));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // `nice`: the machine's other work (and the other peers) keep their cores.
    let status = Command::new("nice")
        .args([
            "-n", "10", &cargo, "install", "kopium", "--locked", "--force",
        ])
        .args(["--version", VERSION, "--root"])
        .arg(&root)
        .status()
        .context("running cargo install kopium")?;
    if !status.success() {
        bail!("`cargo install kopium --version {VERSION}` failed ({status})");
    }
    match installed_version(&binary) {
        Some(v) if v == VERSION => Ok(binary),
        other => bail!(
            "{} reports version {other:?} after installing {VERSION}",
            binary.display()
        ),
    }
}

/// What `kopium --version` prints after the name (`kopium 0.24.1`), if it runs.
fn installed_version(binary: &std::path::Path) -> Option<String> {
    let out = Command::new(binary).arg("--version").output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    Some(text.split_whitespace().nth(1)?.to_owned())
}
