//! Go's sample-controller, the peer of B3: built here from its module, and
//! run as a child process whose CPU time and peak RSS are read before it is
//! stopped (the same [`Controller`] runs ours).
//!
//! The issue asks for both controllers at Go's default client rate limits
//! (client-go: QPS 5, burst 10) and unlimited; the Go original has no flag
//! for either. So the module is copied out of Go's module cache and gets one
//! added file, `bench_flags.go`: `-kube-api-qps` and `-kube-api-burst` with
//! kube-controller-manager's names, applied to the rest config right after
//! it is built. Left at 0 they leave the config as it was (client-go's
//! defaults); a negative QPS turns client-go's limiter off. Its client
//! libraries are pinned to the apiserver's minor (v0.33.13).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::{Context, bail};

use super::{build_cache, process};

/// The module version built. v0.33.13 (the apiserver's patch) is not on the
/// module proxy this machine reaches; this is the nearest v0.33 tag that is.
/// `controller.go` and `main.go` are the same from v0.33.0 to HEAD.
pub const VERSION: &str = "v0.33.4";

/// The one file added to the module (see the module docs).
const BENCH_FLAGS_GO: &str = r#"package main

// Added by kube-gen's `cargo xtask bench`: client rate-limit flags.

import (
	"flag"

	"k8s.io/client-go/rest"
)

var (
	kubeAPIQPS   float64
	kubeAPIBurst int
)

func init() {
	flag.Float64Var(&kubeAPIQPS, "kube-api-qps", 0, "QPS to use while talking with kubernetes apiserver (0: client-go's default, negative: unlimited).")
	flag.IntVar(&kubeAPIBurst, "kube-api-burst", 0, "Burst to use while talking with kubernetes apiserver (0: client-go's default).")
}

func applyRateLimits(cfg *rest.Config) {
	if cfg == nil {
		return
	}
	if kubeAPIQPS != 0 {
		cfg.QPS = float32(kubeAPIQPS)
	}
	if kubeAPIBurst != 0 {
		cfg.Burst = kubeAPIBurst
	}
}
"#;

/// The line of `main.go` after which the flags are applied.
const CONFIG_LINE: &str = "cfg, err := clientcmd.BuildConfigFromFlags(masterURL, kubeconfig)";

/// Builds (or finds cached) the patched Go sample-controller.
pub fn build(out: &Path) -> anyhow::Result<PathBuf> {
    let dir = out.join(format!("src/sample-controller@{VERSION}"));
    if !dir.join("bench_flags.go").exists() {
        prepare_source(&dir)?;
    }
    build_cache::go_bin(&dir, ".", out, "sample-controller-go")
}

/// Copies the module out of Go's module cache, adds the flags, pins client-go.
fn prepare_source(dir: &Path) -> anyhow::Result<()> {
    crate::steps::say(&format!(
        "fetching k8s.io/sample-controller@{VERSION} (Go modules)"
    ));
    let module = format!("k8s.io/sample-controller@{VERSION}");
    let output = Command::new("go")
        .args(["mod", "download", "-json", &module])
        .env("GOFLAGS", "-mod=mod")
        .output()
        .context("running go mod download")?;
    let info: serde_json::Value = serde_json::from_slice(&output.stdout).with_context(|| {
        format!(
            "go mod download {module}: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    })?;
    let Some(cached) = info["Dir"].as_str() else {
        bail!("go mod download {module}: {}", info["Error"]);
    };
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir.parent().context("no parent")?)?;
    // `cp -r` keeps the cache's read-only modes; `chmod` makes the copy editable.
    let copied = Command::new("cp").arg("-r").arg(cached).arg(dir).status()?;
    let writable = Command::new("chmod")
        .arg("-R")
        .arg("u+w")
        .arg(dir)
        .status()?;
    if !copied.success() || !writable.success() {
        bail!("copying {cached} to {}", dir.display());
    }
    let main_go = dir.join("main.go");
    let main = std::fs::read_to_string(&main_go)?;
    if !main.contains(CONFIG_LINE) {
        bail!("{} has no line `{CONFIG_LINE}`", main_go.display());
    }
    let patched = main.replacen(
        CONFIG_LINE,
        &format!("{CONFIG_LINE}\n\tapplyRateLimits(cfg)"),
        1,
    );
    std::fs::write(&main_go, patched)?;
    let pins = ["client-go", "api", "apimachinery", "code-generator"]
        .map(|m| format!("-require=k8s.io/{m}@v0.33.13"));
    let mut edit = vec!["mod", "edit"];
    edit.extend(pins.iter().map(String::as_str));
    go(dir, &edit)?;
    go(dir, &["mod", "tidy"])?;
    // Written last: its presence says the copy is complete.
    std::fs::write(dir.join("bench_flags.go"), BENCH_FLAGS_GO)?;
    Ok(())
}

fn go(dir: &Path, args: &[&str]) -> anyhow::Result<()> {
    let status = Command::new("go")
        .args(args)
        .current_dir(dir)
        .env("GOFLAGS", "-mod=mod")
        .env("GOTOOLCHAIN", "local")
        .status()
        .context("running go")?;
    if !status.success() {
        bail!("`go {}` in {} failed", args.join(" "), dir.display());
    }
    Ok(())
}

/// A controller process under measurement. Dropping it kills it.
#[derive(Debug)]
pub struct Controller {
    child: Child,
}

/// What a controller used, read from `/proc` just before it was stopped.
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    pub cpu_seconds: f64,
    pub peak_rss_bytes: f64,
}

impl Controller {
    /// Starts `binary ARGS`, its output to `log`.
    pub fn start(binary: &Path, args: &[String], log: &Path) -> anyhow::Result<Controller> {
        let child = Command::new(binary)
            .args(args)
            .stdin(Stdio::null())
            .stdout(File::create(log)?)
            .stderr(File::create(log.with_extension("stderr.log"))?)
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        Ok(Controller { child })
    }

    /// Fails if the process has already exited.
    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!("the controller exited early ({status})");
        }
        Ok(())
    }

    /// Reads its CPU time and peak RSS, then kills it.
    pub fn stop(mut self) -> anyhow::Result<Usage> {
        self.check_alive()?;
        let pid = self.child.id();
        let usage = Usage {
            cpu_seconds: process::cpu_seconds(pid)?,
            peak_rss_bytes: process::peak_rss_bytes(pid)? as f64,
        };
        self.child.kill()?;
        self.child.wait()?;
        Ok(usage)
    }
}

impl Drop for Controller {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
