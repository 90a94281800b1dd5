//! The sample-controller binary as a real process: started with the flags a
//! user passes, probed on its metrics address, stopped by a signal.

use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use rustix::process::{Pid, Signal, kill_process};

use crate::build::{cargo_bin, workspace_root};
use crate::http::{self, Response};

/// A running `sample-controller`. Dropping it kills the process (SIGKILL).
#[derive(Debug)]
pub struct SampleController {
    child: Child,
    metrics: String,
    log: PathBuf,
}

impl SampleController {
    /// Builds the binary if needed and starts `sample-controller
    /// --kubeconfig KUBECONFIG --metrics-bind-address 127.0.0.1:PORT
    /// --log-format json ARGS...` on a free port. Its log goes to a file
    /// under `target/e2e-logs/` ([`log`](Self::log) reads it).
    pub fn start(kubeconfig: &Path, args: &[&str]) -> anyhow::Result<SampleController> {
        let binary = cargo_bin("sample-controller", "sample-controller")?;
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let metrics = format!("127.0.0.1:{port}");
        let logs = workspace_root().join("target/e2e-logs");
        std::fs::create_dir_all(&logs)?;
        let log = logs.join(format!("sample-controller-{port}.log"));
        let child = Command::new(&binary)
            .arg("--kubeconfig")
            .arg(kubeconfig)
            .args(["--metrics-bind-address", &metrics, "--log-format", "json"])
            .args(args)
            .env("RUST_LOG", "info,sample_controller=debug,kube_gen=debug")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(&log)?)
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        Ok(SampleController {
            child,
            metrics,
            log,
        })
    }

    /// `GET path` on the metrics address (`/metrics`, `/healthz`, `/readyz`).
    pub fn get(&self, path: &str) -> anyhow::Result<Response> {
        http::request(&self.metrics, "GET", path, Duration::from_secs(10))
    }

    /// Everything the process has logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Where the log is written.
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// The resident set size of the process, from `/proc/PID/status`.
    pub fn rss_bytes(&self) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let kib: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .context("no VmRSS line")?;
        Ok(kib * 1024)
    }

    /// Whether the process has exited, and how.
    pub fn try_wait(&mut self) -> anyhow::Result<Option<ExitStatus>> {
        Ok(self.child.try_wait()?)
    }

    /// Sends `signal` to the process.
    fn signal(&self, signal: Signal) -> anyhow::Result<()> {
        let pid = Pid::from_raw(i32::try_from(self.child.id())?).context("pid 0")?;
        kill_process(pid, signal).with_context(|| format!("sending {signal:?}"))
    }

    /// SIGTERM, then waits up to `grace` for the process to exit and returns
    /// how it did. Past `grace` it is killed and this is an error.
    pub fn terminate(mut self, grace: Duration) -> anyhow::Result<ExitStatus> {
        self.signal(Signal::TERM)?;
        let deadline = Instant::now() + grace;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(status);
            }
            if Instant::now() > deadline {
                bail!(
                    "sample-controller did not exit within {grace:?} of SIGTERM; log: {}",
                    self.log.display()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGKILL, like `kill -9`: no chance to clean up.
    pub fn kill(&mut self) -> anyhow::Result<()> {
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }
}

impl Drop for SampleController {
    /// Kills the process; when a test is failing, prints the end of its log
    /// too, so a CI failure shows what the controller was doing.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let log = self.log();
            let lines: Vec<&str> = log.lines().collect();
            let tail = &lines[lines.len().saturating_sub(LOG_TAIL)..];
            eprintln!(
                "--- last {} lines of {} ---\n{}\n--- end of log ---",
                tail.len(),
                self.log.display(),
                tail.join("\n")
            );
        }
    }
}

/// How many log lines a failing test prints.
const LOG_TAIL: usize = 120;
