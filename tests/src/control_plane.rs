//! Starts and drives one running control plane (the Go supervisor
//! `control-plane up`): its state, its kubeconfig, and the control API that
//! restarts the apiserver or compacts etcd.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, bail};
use serde::Deserialize;

use crate::build::ensure_built;
use crate::http;

/// What `control-plane up` reports once it is ready (also `DIR/cluster.json`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterState {
    /// `https://127.0.0.1:PORT` of kube-apiserver.
    pub server: String,
    /// The admin kubeconfig (a `system:masters` token).
    pub kubeconfig: PathBuf,
    /// Base URL of the supervisor's control API.
    pub control: String,
    /// The data dir (certificates, etcd data, component logs under `logs/`).
    pub dir: PathBuf,
    /// The Kubernetes version the binary was built from, e.g. `v1.33.13`.
    pub version: String,
    /// Process id of the supervisor.
    pub pid: u32,
    /// How long it took from start to ready, e.g. `9.3s`.
    pub ready_after: String,
    /// kube-apiserver's audit log, JSON lines (one `audit.k8s.io/v1` Event
    /// each): every create, update, patch and delete of Deployments and Foos
    /// (and their subresources) at Metadata level, with the user, user agent,
    /// timestamps and response code. Written before each response is sent.
    pub audit_log: PathBuf,
}

impl ClusterState {
    /// kube-apiserver's socket address, for a proxy in front of it.
    pub fn server_addr(&self) -> anyhow::Result<std::net::SocketAddr> {
        Ok(self.server.trim_start_matches("https://").parse()?)
    }
}

/// How to start a control plane.
#[derive(Debug, Clone, Default)]
pub struct StartOptions {
    /// Data dir; `None` makes a temp dir that is removed on exit.
    pub dir: Option<PathBuf>,
    /// Wipe `dir` first if it holds data of an earlier, stopped run.
    pub clean: bool,
}

/// A running control plane. Dropping it shuts it down; if this process dies
/// without dropping it (even by SIGKILL), the supervisor sees its stdin
/// close and shuts down on its own, so nothing leaks.
#[derive(Debug)]
pub struct ControlPlane {
    state: ClusterState,
    child: Child,
    stdin: Option<ChildStdin>,
}

impl ControlPlane {
    /// Builds the binary if needed, starts it and waits until it is ready.
    pub fn start(options: &StartOptions) -> anyhow::Result<ControlPlane> {
        let binary = ensure_built()?;
        let mut cmd = Command::new(&binary);
        cmd.arg("up").arg("--exit-on-stdin-eof");
        if let Some(dir) = &options.dir {
            cmd.arg("--dir").arg(dir);
        }
        if options.clean {
            cmd.arg("--clean");
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut state = None;
        for line in BufReader::new(stdout).lines() {
            let line = line?;
            if let Ok(s) = serde_json::from_str::<ClusterState>(&line) {
                state = Some(s);
                break;
            }
        }
        let Some(state) = state else {
            let status = child.wait()?;
            bail!(
                "the local control plane failed to start ({status}); its reason is printed above"
            );
        };
        let stdin = child.stdin.take();
        Ok(ControlPlane {
            state,
            child,
            stdin,
        })
    }

    /// Where it runs and how to reach it.
    pub fn state(&self) -> &ClusterState {
        &self.state
    }

    /// The admin kubeconfig.
    pub fn kubeconfig(&self) -> &Path {
        &self.state.kubeconfig
    }

    /// Stops kube-apiserver; etcd and everything else keep running.
    pub fn stop_apiserver(&self) -> anyhow::Result<()> {
        self.post("/apiserver/stop").map(drop)
    }

    /// Starts kube-apiserver again on the same port and waits for `/readyz`.
    pub fn start_apiserver(&self) -> anyhow::Result<()> {
        self.post("/apiserver/start").map(drop)
    }

    /// Stops and starts kube-apiserver, keeping etcd's data.
    pub fn restart_apiserver(&self) -> anyhow::Result<()> {
        self.post("/apiserver/restart").map(drop)
    }

    /// Compacts etcd to its current revision, so a watch from any older
    /// resourceVersion that is not in the apiserver's watch cache gets
    /// 410 Gone. Returns the revision compacted to.
    pub fn compact_etcd(&self) -> anyhow::Result<i64> {
        let reply = self.post("/etcd/compact")?;
        reply["revision"]
            .as_i64()
            .context("compact answered without a revision")
    }

    /// Writes a kubeconfig for ServiceAccount `namespace/name` (created if
    /// missing, with no RBAC of its own) and returns its path.
    pub fn service_account_kubeconfig(
        &self,
        namespace: &str,
        name: &str,
    ) -> anyhow::Result<PathBuf> {
        let out = self
            .state
            .dir
            .join("kubeconfigs")
            .join(format!("{namespace}-{name}.kubeconfig"));
        let status = Command::new(ensure_built()?)
            .arg("kubeconfig")
            .arg("--dir")
            .arg(&self.state.dir)
            .arg(format!("--service-account={namespace}/{name}"))
            .arg("--out")
            .arg(&out)
            .status()?;
        if !status.success() {
            bail!("minting a kubeconfig for {namespace}/{name} failed ({status})");
        }
        Ok(out)
    }

    /// Blocks until the supervisor exits (e.g. on Ctrl-C).
    pub fn wait(mut self) -> anyhow::Result<std::process::ExitStatus> {
        Ok(self.child.wait()?)
    }

    /// One POST to the control API (plain HTTP on loopback).
    fn post(&self, path: &str) -> anyhow::Result<serde_json::Value> {
        let addr = self.state.control.trim_start_matches("http://");
        let response = http::request(addr, "POST", path, Duration::from_secs(180))?;
        let value: serde_json::Value = serde_json::from_str(&response.body).unwrap_or_default();
        if response.status != 200 {
            bail!(
                "control API {path} failed: {}",
                value["error"]
                    .as_str()
                    .map_or_else(|| format!("status {}", response.status), str::to_owned)
            );
        }
        Ok(value)
    }
}

impl Drop for ControlPlane {
    fn drop(&mut self) {
        // Closing stdin asks the supervisor to shut everything down.
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}
