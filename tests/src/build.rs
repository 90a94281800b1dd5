//! Builds `tests/control-plane` (Kubernetes from Go modules) into
//! `target/control-plane/`, and only when its sources or Go change.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::hash::{DefaultHasher, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use anyhow::{Context, bail};

/// The workspace root (the folder holding the top `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate lives one level below the workspace root")
        .to_path_buf()
}

fn source_dir() -> PathBuf {
    workspace_root().join("tests/control-plane")
}

/// The `k8s.io/kubernetes` version that `tests/control-plane/go.mod` pins,
/// e.g. `v1.33.13`: the one place the control plane's version is chosen.
pub fn kubernetes_version() -> anyhow::Result<String> {
    let go_mod = fs::read_to_string(source_dir().join("go.mod"))
        .context("reading tests/control-plane/go.mod")?;
    go_mod
        .lines()
        .map(|l| l.trim().trim_start_matches("require").trim())
        .filter_map(|l| l.strip_prefix("k8s.io/kubernetes v"))
        .map(|v| format!("v{}", v.split_whitespace().next().unwrap_or_default()))
        .next()
        .context("tests/control-plane/go.mod has no `require k8s.io/kubernetes vX.Y.Z` line")
}

/// Returns the path of the control-plane binary, building it first if it is
/// missing or older than its sources. `KUBE_GEN_CONTROL_PLANE` names a
/// prebuilt binary instead. Concurrent callers (several test binaries) wait
/// for one build.
pub fn ensure_built() -> anyhow::Result<PathBuf> {
    if let Some(path) = std::env::var_os("KUBE_GEN_CONTROL_PLANE") {
        return Ok(PathBuf::from(path));
    }
    let out_dir = workspace_root().join("target/control-plane");
    let binary = out_dir.join("control-plane");
    let stamp_path = out_dir.join("control-plane.stamp");
    fs::create_dir_all(&out_dir)?;
    let stamp = source_stamp()?;
    let fresh = || binary.exists() && fs::read_to_string(&stamp_path).is_ok_and(|s| s == stamp);
    if fresh() {
        return Ok(binary);
    }
    let lock = File::create(out_dir.join(".lock"))?;
    lock.lock()?;
    if fresh() {
        return Ok(binary);
    }
    let version = kubernetes_version()?;
    let minor = version
        .trim_start_matches('v')
        .split('.')
        .nth(1)
        .unwrap_or_default()
        .to_string();
    eprintln!(
        "==> building the local control plane (Kubernetes {version} from Go modules) into {}",
        binary.display()
    );
    eprintln!("    a cold build takes about 10 minutes on 2 cores; later builds reuse Go's cache");
    let started = std::time::Instant::now();
    let ldflags = format!(
        "-s -w -X k8s.io/component-base/version.gitVersion={version} \
         -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor={minor} \
         -X k8s.io/component-base/version.gitTreeState=clean"
    );
    let status = Command::new("go")
        .args(["build", "-trimpath", "-ldflags", &ldflags, "-o"])
        .arg(&binary)
        .arg(".")
        .current_dir(source_dir())
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "-mod=readonly")
        .status()
        .map_err(|e| go_missing(e.into()))?;
    if !status.success() {
        bail!("`go build` of tests/control-plane failed ({status}); see its output above");
    }
    fs::write(&stamp_path, &stamp)?;
    eprintln!("==> built the control plane in {:.0?}", started.elapsed());
    Ok(binary)
}

fn go_missing(e: anyhow::Error) -> anyhow::Error {
    e.context("the Go toolchain (`go`) was not found on PATH: install Go 1.24 or newer and put it on PATH")
}

/// A hash of everything the binary is built from: go.mod, go.sum, the Go
/// sources and the Go version.
fn source_stamp() -> anyhow::Result<String> {
    let mut files: Vec<PathBuf> = fs::read_dir(source_dir())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "go")
                || p.ends_with("go.mod")
                || p.ends_with("go.sum")
        })
        .collect();
    files.sort();
    let mut h = DefaultHasher::new();
    for f in &files {
        h.write(f.file_name().unwrap_or_default().as_encoded_bytes());
        h.write(&fs::read(f)?);
    }
    let go = Command::new("go")
        .arg("version")
        .output()
        .map_err(|e| go_missing(e.into()))?;
    h.write(&go.stdout);
    Ok(format!("{:016x}\n", h.finish()))
}

/// Builds binary `bin` of workspace package `package` (a no-op when it is
/// fresh) and returns its path, so an end-to-end test runs it as a process,
/// the way users run it. Cargo runs once per binary and test process: later
/// calls get the path built the first time. Cargo's own lock makes parallel
/// test binaries wait for one build.
pub fn cargo_bin(package: &str, bin: &str) -> anyhow::Result<PathBuf> {
    static BUILT: Mutex<BTreeMap<(String, String), PathBuf>> = Mutex::new(BTreeMap::new());
    // Held while building, so concurrent tests in this process wait for one cargo run.
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    let key = (package.to_owned(), bin.to_owned());
    if let Some(path) = built.get(&key) {
        return Ok(path.clone());
    }
    let path = cargo_build(package, &["--bin", bin], "bin")?
        .remove(bin)
        .with_context(|| format!("cargo built no executable named {bin}"))?;
    built.insert(key, path.clone());
    Ok(path)
}

/// Builds every example of workspace package `package` (`cargo build
/// --examples`, a no-op when fresh) and returns the path of example `name`,
/// so an end-to-end test runs it as `cargo run --example` would. Cargo runs
/// once per package and test process.
pub fn cargo_example(package: &str, name: &str) -> anyhow::Result<PathBuf> {
    static BUILT: Mutex<BTreeMap<String, BTreeMap<String, PathBuf>>> = Mutex::new(BTreeMap::new());
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if !built.contains_key(package) {
        let examples = cargo_build(package, &["--examples"], "example")?;
        built.insert(package.to_owned(), examples);
    }
    built[package]
        .get(name)
        .cloned()
        .with_context(|| format!("package {package} has no example named {name}"))
}

/// Runs `cargo build -p PACKAGE TARGETS...` and returns the executables of
/// target kind `kind` (`bin`, `example`) it built, by name.
fn cargo_build(
    package: &str,
    targets: &[&str],
    kind: &str,
) -> anyhow::Result<BTreeMap<String, PathBuf>> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "build",
            "--locked",
            "--message-format=json-render-diagnostics",
        ])
        .args(["--package", package])
        .args(targets)
        .current_dir(workspace_root())
        .stderr(std::process::Stdio::inherit())
        .output()
        .context("running cargo")?;
    if !output.status.success() {
        bail!(
            "`cargo build -p {package} {}` failed ({}); its errors are above",
            targets.join(" "),
            output.status
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["target"]["kind"][0] == kind)
        .filter_map(|message| {
            let name = message["target"]["name"].as_str()?.to_owned();
            let path = PathBuf::from(message["executable"].as_str()?);
            Some((name, path))
        })
        .collect())
}
