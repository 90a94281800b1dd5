//! Builds the programs a benchmark runs: our Rust binaries in release mode
//! (a debug build would measure the optimiser, not the code; a smoke run only
//! checks that they run, so it takes the debug build the tests already paid
//! for), and Go modules into `target/bench/bin/`, rebuilt only when their
//! sources or Go change.

use std::hash::{DefaultHasher, Hasher};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};

use super::Ctx;

/// `cargo build --release -p PACKAGE --bin BIN` (without `--release` in a smoke run);
/// returns the executable.
pub fn our_bin(ctx: &Ctx, package: &str, bin: &str) -> anyhow::Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.arg("build");
    if !ctx.smoke {
        command.arg("--release");
    }
    let output = command
        .args(["--locked", "--message-format=json-render-diagnostics"])
        .args(["--package", package, "--bin", bin])
        .current_dir(&ctx.root)
        .stderr(Stdio::inherit())
        .output()
        .context("running cargo")?;
    if !output.status.success() {
        bail!("`cargo build -p {package} --bin {bin}` failed; its errors are above");
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["target"]["name"] == bin)
        .find_map(|message| message["executable"].as_str().map(PathBuf::from))
        .with_context(|| format!("cargo built no executable named {bin}"))
}

/// `go build PACKAGE` (`.`, `./cmd/NAME`) in the module in `dir` into `out/bin/NAME`, unless
/// a stamp of the module's `go.mod`, `go.sum`, `.go` files and `go version` says it is current.
pub fn go_bin(dir: &Path, package: &str, out: &Path, name: &str) -> anyhow::Result<PathBuf> {
    let bin_dir = out.join("bin");
    std::fs::create_dir_all(&bin_dir)?;
    let binary = bin_dir.join(name);
    let stamp_path = bin_dir.join(format!("{name}.stamp"));
    let stamp = source_stamp(dir)?;
    if binary.exists() && std::fs::read_to_string(&stamp_path).is_ok_and(|s| s == stamp) {
        return Ok(binary);
    }
    crate::steps::say(&format!(
        "building {package} of {} into {}",
        dir.display(),
        binary.display()
    ));
    let status = Command::new("go")
        .args(["build", "-trimpath", "-ldflags", "-s -w", "-o"])
        .arg(&binary)
        .arg(package)
        .current_dir(dir)
        .env("GOTOOLCHAIN", "local")
        .status()
        .context("running go build")?;
    if !status.success() {
        bail!(
            "`go build {package}` in {} failed ({status})",
            dir.display()
        );
    }
    std::fs::write(&stamp_path, stamp)?;
    Ok(binary)
}

/// A hash of every `.go` file, `go.mod` and `go.sum` under `dir`, and of `go version`.
fn source_stamp(dir: &Path) -> anyhow::Result<String> {
    let mut files = Vec::new();
    collect(dir, &mut files)?;
    files.sort();
    let mut hasher = DefaultHasher::new();
    for file in &files {
        hasher.write(file.to_string_lossy().as_bytes());
        hasher.write(&std::fs::read(file)?);
    }
    let go = Command::new("go")
        .arg("version")
        .output()
        .context("running go version")?;
    hasher.write(&go.stdout);
    Ok(format!("{:016x}", hasher.finish()))
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if path.is_dir() {
            collect(&path, files)?;
        } else if name.ends_with(".go") || name == "go.mod" || name == "go.sum" {
            files.push(path);
        }
    }
    Ok(())
}
