//! B3, converge Foos: the driver `cargo xtask bench` runs while one
//! controller (ours or Go's sample-controller) is up.
//!
//! `run` creates a fresh namespace and N Foos (replicas 1), then polls until
//! every Foo's Deployment exists with one available replica and every Foo's
//! `status.availableReplicas` says so, and prints the wall time from the first
//! create. Polling two LISTs every 500 ms costs the apiserver the same for
//! every controller measured. `cleanup` deletes the namespace and waits until
//! it is gone, so the next controller (they all watch every namespace) starts
//! on an empty cluster.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Parser, Subcommand};
use futures::{StreamExt, TryStreamExt, stream};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{ListParams, Patch, PatchParams, PostParams};
use kube::{Api, Client, ResourceExt};
use sample_controller::foo::{Foo, FooSpec};
use serde_json::json;

#[derive(Parser)]
struct Args {
    #[arg(long)]
    kubeconfig: std::path::PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply the Foo CRD and wait until it is served.
    Crd,
    /// Create `--foos` Foos in a new namespace and wait until all converged.
    Run {
        #[arg(long)]
        namespace: String,
        #[arg(long)]
        foos: usize,
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 1800)]
        timeout: u64,
    },
    /// Delete the namespace and wait until it is gone.
    Cleanup {
        #[arg(long)]
        namespace: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let kubeconfig = kube::config::Kubeconfig::read_from(&args.kubeconfig)?;
    let options = kube::config::KubeConfigOptions::default();
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options).await?;
    let client = Client::try_from(config)?;
    match args.command {
        Command::Crd => crd(client).await,
        Command::Run {
            namespace,
            foos,
            timeout,
        } => run(client, &namespace, foos, Duration::from_secs(timeout)).await,
        Command::Cleanup { namespace } => {
            kube_gen_bench::delete_namespace(client, &namespace, Duration::from_secs(900)).await
        }
    }
}

async fn crd(client: Client) -> anyhow::Result<()> {
    let api = Api::<CustomResourceDefinition>::all(client.clone());
    let crd = Foo::crd();
    let params = PatchParams::apply("kube-gen-bench").force();
    api.patch(&crd.name_any(), &params, &Patch::Apply(&crd))
        .await?;
    let deadline = Instant::now() + Duration::from_secs(60);
    let foos = Api::<Foo>::all(client);
    while foos.list(&ListParams::default().limit(1)).await.is_err() {
        anyhow::ensure!(
            Instant::now() < deadline,
            "the Foo CRD is not served after 60 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(())
}

async fn run(client: Client, ns: &str, n: usize, timeout: Duration) -> anyhow::Result<()> {
    let namespace: Namespace = serde_json::from_value(json!({"metadata": {"name": ns}}))?;
    Api::<Namespace>::all(client.clone())
        .create(&PostParams::default(), &namespace)
        .await
        .with_context(|| format!("creating namespace {ns}"))?;
    let foos = Api::<Foo>::namespaced(client.clone(), ns);
    let deployments = Api::<Deployment>::namespaced(client, ns);
    let started = Instant::now();
    stream::iter(0..n)
        .map(|i| {
            let foos = foos.clone();
            async move {
                let name = format!("foo-{i}");
                let spec = FooSpec {
                    deployment_name: name.clone(),
                    replicas: Some(1),
                };
                foos.create(&PostParams::default(), &Foo::new(&name, spec))
                    .await?;
                anyhow::Ok(())
            }
        })
        .buffer_unordered(16)
        .try_collect::<()>()
        .await?;
    let created = started.elapsed().as_secs_f64();
    let deadline = started + timeout;
    loop {
        let converged = converged(&foos, &deployments).await?;
        if converged == n {
            break;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "{converged} of {n} Foos converged after {timeout:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    kube_gen_bench::emit(&json!({
        "seconds": started.elapsed().as_secs_f64(),
        "created_seconds": created,
    }));
    Ok(())
}

/// How many Foos have their Deployment with one available replica, and say so.
async fn converged(foos: &Api<Foo>, deployments: &Api<Deployment>) -> anyhow::Result<usize> {
    let available: BTreeMap<String, i32> = deployments
        .list(&ListParams::default())
        .await?
        .into_iter()
        .map(|d| {
            let n = d.status.as_ref().and_then(|s| s.available_replicas);
            (d.name_any(), n.unwrap_or(0))
        })
        .collect();
    Ok(foos
        .list(&ListParams::default())
        .await?
        .into_iter()
        .filter(|f| {
            let want = f.spec.replicas.unwrap_or(1);
            let status = f.status.as_ref().map(|s| s.available_replicas);
            available.get(&f.spec.deployment_name) == Some(&want) && status == Some(want)
        })
        .count())
}
