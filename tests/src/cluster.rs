//! [`TestCluster`]: one control plane per test binary, one namespace per test.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use k8s_openapi::api::core::v1::{Namespace, ServiceAccount};
use kube::api::{Api, ObjectMeta, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};

use crate::control_plane::{ControlPlane, StartOptions};

/// The control plane shared by every test in this test binary.
///
/// It is started on first use (building the Go binary if needed) and shut
/// down when the test binary exits. Tests get their own namespace from
/// [`TestCluster::namespace`] and must not assume an empty cluster.
#[derive(Debug)]
pub struct TestCluster {
    plane: ControlPlane,
    namespaces: AtomicUsize,
}

static CLUSTER: OnceLock<TestCluster> = OnceLock::new();

/// Held by a test that stops, restarts or compacts parts of the cluster.
static EXCLUSIVE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

impl TestCluster {
    /// The shared cluster, started on first call. Panics (failing the test)
    /// with the reason if it cannot start: end-to-end tests never skip.
    pub fn get() -> &'static TestCluster {
        CLUSTER.get_or_init(|| match ControlPlane::start(&StartOptions::default()) {
            Ok(plane) => TestCluster {
                plane,
                namespaces: AtomicUsize::new(0),
            },
            Err(e) => panic!("the local control plane could not start: {e:#}"),
        })
    }

    /// The running control plane (restart the apiserver, compact etcd, ...).
    pub fn control_plane(&self) -> &ControlPlane {
        &self.plane
    }

    /// Waits until no other test of this binary disturbs the control plane,
    /// and keeps it so while the guard lives. Tests that stop the apiserver
    /// or compact etcd take it and live in a test binary of their own, so
    /// that ordinary tests never see their outages.
    pub async fn exclusive(&self) -> tokio::sync::MutexGuard<'static, ()> {
        EXCLUSIVE.lock().await
    }

    /// The admin kubeconfig.
    pub fn kubeconfig(&self) -> &Path {
        self.plane.kubeconfig()
    }

    /// A new admin client. Each call builds its own client, because a kube
    /// client belongs to the tokio runtime it was made on and every
    /// `#[tokio::test]` has its own runtime.
    pub async fn client(&self) -> anyhow::Result<kube::Client> {
        client_for(self.kubeconfig()).await
    }

    /// Creates a fresh namespace for one test, named after `prefix`, and
    /// waits for its `default` ServiceAccount (pods need it).
    pub async fn namespace(&self, prefix: &str) -> anyhow::Result<String> {
        let n = self.namespaces.fetch_add(1, Ordering::SeqCst);
        let name = format!("{prefix}-{n}");
        let client = self.client().await?;
        let ns = Namespace {
            metadata: ObjectMeta {
                name: Some(name.clone()),
                ..Default::default()
            },
            ..Default::default()
        };
        Api::<Namespace>::all(client.clone())
            .create(&PostParams::default(), &ns)
            .await?;
        let accounts = Api::<ServiceAccount>::namespaced(client, &name);
        let deadline = Instant::now() + Duration::from_secs(30);
        while accounts.get_opt("default").await?.is_none() {
            anyhow::ensure!(
                Instant::now() < deadline,
                "namespace {name} got no default ServiceAccount within 30s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(name)
    }

    /// The real `kubectl`, pointed at this cluster (`KUBECTL` overrides
    /// which binary).
    pub fn kubectl(&self) -> Command {
        let mut cmd = Command::new(std::env::var_os("KUBECTL").unwrap_or_else(|| "kubectl".into()));
        cmd.env("KUBECONFIG", self.kubeconfig());
        cmd
    }

    /// A kubeconfig for ServiceAccount `namespace/name` (created if missing).
    pub fn service_account_kubeconfig(
        &self,
        namespace: &str,
        name: &str,
    ) -> anyhow::Result<PathBuf> {
        self.plane.service_account_kubeconfig(namespace, name)
    }
}

/// A kube client for a kubeconfig file.
pub async fn client_for(path: &Path) -> anyhow::Result<kube::Client> {
    let kubeconfig =
        Kubeconfig::read_from(path).with_context(|| format!("reading {}", path.display()))?;
    let config =
        kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await?;
    Ok(kube::Client::try_from(config)?)
}
