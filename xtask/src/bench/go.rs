//! Go peers with several programs in one module: builds `bench/go/<module>/cmd/<name>`
//! into `target/bench/bin/<module>-<name>`, rebuilt only when any file of the module or
//! Go changes; and runs a benchmark program for its one JSON line.

use std::fs;
use std::hash::{DefaultHasher, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use super::Ctx;

/// The path of Go program `cmd` of module `bench/go/<module>`, built first when missing
/// or stale. The stamp next to it holds a hash of go.mod, go.sum, every `.go` file of
/// the module and `go version`.
pub fn peer(ctx: &Ctx, module: &str, cmd: &str) -> anyhow::Result<PathBuf> {
    let source = ctx.root.join("bench/go").join(module);
    let bin_dir = ctx.out.join("bin");
    fs::create_dir_all(&bin_dir)?;
    let binary = bin_dir.join(format!("{module}-{cmd}"));
    let stamp_path = bin_dir.join(format!("{module}-{cmd}.stamp"));
    let stamp = source_hash(&source)?;
    if binary.exists() && fs::read_to_string(&stamp_path).is_ok_and(|s| s == stamp) {
        return Ok(binary);
    }
    crate::steps::say(&format!("building the Go peer {module}/cmd/{cmd}"));
    let status = Command::new("go")
        .args(["build", "-trimpath", "-o"])
        .arg(&binary)
        .arg(format!("./cmd/{cmd}"))
        .current_dir(&source)
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "-mod=readonly")
        .status()
        .context("running `go build` (is Go 1.24+ on PATH?)")?;
    if !status.success() {
        bail!("`go build ./cmd/{cmd}` in bench/go/{module} failed ({status}); see above");
    }
    fs::write(&stamp_path, stamp)?;
    Ok(binary)
}

fn source_hash(dir: &Path) -> anyhow::Result<String> {
    let mut files = Vec::new();
    collect(dir, &mut files)?;
    files.sort();
    let mut h = DefaultHasher::new();
    for f in &files {
        h.write(f.strip_prefix(dir)?.as_os_str().as_encoded_bytes());
        h.write(&fs::read(f)?);
    }
    let go = Command::new("go")
        .arg("version")
        .output()
        .context("running `go version`")?;
    h.write(&go.stdout);
    Ok(format!("{:016x}\n", h.finish()))
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, files)?;
        } else if path.extension().is_some_and(|x| x == "go")
            || path.ends_with("go.mod")
            || path.ends_with("go.sum")
        {
            files.push(path);
        }
    }
    Ok(())
}

/// Runs a benchmark program and parses the one JSON line it prints last.
pub fn run_json(program: &Path, args: &[&str]) -> anyhow::Result<serde_json::Value> {
    let output = Command::new(program)
        .args(args)
        .stderr(std::process::Stdio::inherit())
        .output()
        .with_context(|| format!("running {}", program.display()))?;
    let name = program.file_name().unwrap_or_default().to_string_lossy();
    if !output.status.success() {
        bail!("{name} {} failed ({})", args.join(" "), output.status);
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .with_context(|| format!("{name} printed no JSON line"))?;
    serde_json::from_str(line).with_context(|| format!("{name} printed bad JSON: {line}"))
}
