//! `--from-cluster` and `list-crds`: CRDs read from the cluster of a kubeconfig.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube_gen_codegen::crd::Source;

/// How long to wait for the cluster to accept a connection, and for its answer.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs `work` with a client for the cluster of `kubeconfig` on a one-thread runtime.
fn with_client<T>(
    kubeconfig: Option<&Path>,
    work: impl AsyncFnOnce(ClusterClient) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async { work(cluster_client(kubeconfig).await?).await })
}

/// `list-crds`: the name of every CRD in the cluster, one per line, sorted (kopium's
/// `list-crds`).
pub(crate) fn list_crds(kubeconfig: Option<&Path>) -> anyhow::Result<Vec<String>> {
    with_client(kubeconfig, async |client| {
        let api = kube::Api::<CustomResourceDefinition>::all(client.client);
        let crds = api
            .list(&kube::api::ListParams::default())
            .await
            .map_err(|err| {
                let url = &client.url;
                anyhow::anyhow!(
                    "cannot list the CustomResourceDefinitions at {url}: {}",
                    root_cause(&err)
                )
            })?;
        let mut names: Vec<String> = crds
            .items
            .into_iter()
            .filter_map(|crd| crd.metadata.name)
            .collect();
        names.sort();
        Ok(names)
    })
}

/// The CRDs `names` from the cluster of `kubeconfig` (or the inferred one), as sources named
/// `cluster:NAME`.
pub(crate) fn from_cluster(
    names: &[String],
    kubeconfig: Option<&Path>,
) -> anyhow::Result<Vec<Source>> {
    with_client(kubeconfig, async |client| {
        let api = kube::Api::<CustomResourceDefinition>::all(client.client);
        let mut sources = Vec::new();
        for name in names {
            let crd = api
                .get(name)
                .await
                .map_err(|err| cluster_error(name, &client.url, err))?;
            let text = serde_json::to_string_pretty(&as_applied(crd))?;
            sources.push(Source {
                name: format!("cluster:{name}"),
                text,
            });
        }
        Ok(sources)
    })
}

struct ClusterClient {
    client: kube::Client,
    url: String,
}

async fn cluster_client(kubeconfig: Option<&Path>) -> anyhow::Result<ClusterClient> {
    let mut config = match kubeconfig {
        Some(path) => {
            let file = kube::config::Kubeconfig::read_from(path).map_err(|err| {
                let cause = root_cause(&err);
                anyhow::anyhow!("{}: cannot read the kubeconfig: {cause}", path.display())
            })?;
            let options = kube::config::KubeConfigOptions::default();
            kube::Config::from_custom_kubeconfig(file, &options)
                .await
                .map_err(|err| {
                    let cause = root_cause(&err);
                    anyhow::anyhow!("{}: unusable kubeconfig: {cause}", path.display())
                })?
        }
        None => kube::Config::infer().await.map_err(|err| {
            anyhow::anyhow!(
                "no usable kubeconfig ($KUBECONFIG, ~/.kube/config or in-cluster): {}; \
                 pass --kubeconfig PATH",
                root_cause(&err)
            )
        })?,
    };
    config.connect_timeout = Some(CONNECT_TIMEOUT);
    config.read_timeout = Some(READ_TIMEOUT);
    let url = config.cluster_url.to_string();
    let client = kube::Client::try_from(config)
        .with_context(|| format!("cannot build a client for the cluster at {url}"))?;
    Ok(ClusterClient { client, url })
}

/// One line saying why CRD `name` could not be read from the cluster at `url`.
fn cluster_error(name: &str, url: &str, err: kube::Error) -> anyhow::Error {
    let source = format!("cluster:{name}");
    match err {
        kube::Error::Api(status) if status.is_not_found() => anyhow::anyhow!(
            "{source}: no CustomResourceDefinition `{name}` in the cluster at {url} \
             (`kubectl get crds` lists them)"
        ),
        kube::Error::Api(status) if status.is_forbidden() => anyhow::anyhow!(
            "{source}: forbidden to read CustomResourceDefinition `{name}` at {url}: {}",
            status.message
        ),
        kube::Error::Api(status) => anyhow::anyhow!(
            "{source}: the cluster at {url} answered {} {}: {}",
            status.code,
            status.reason,
            status.message
        ),
        other => anyhow::anyhow!(
            "{source}: cannot reach the cluster at {url}: {}",
            root_cause(&other)
        ),
    }
}

/// The first line of the innermost error of `err`'s chain: client errors repeat their sources
/// in their own messages (so the whole chain says the same thing three times), and YAML errors
/// add a source snippet below.
pub(crate) fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut err = err;
    while let Some(source) = err.source() {
        err = source;
    }
    let message = err.to_string();
    message.lines().next().unwrap_or_default().trim().to_owned()
}

/// The CRD as it was applied: what the server adds to metadata and the status dropped.
fn as_applied(crd: CustomResourceDefinition) -> serde_json::Value {
    let mut annotations = crd.metadata.annotations.unwrap_or_default();
    annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
    let mut metadata = serde_json::json!({ "name": crd.metadata.name });
    if let Some(labels) = crd.metadata.labels.filter(|l| !l.is_empty()) {
        metadata["labels"] = serde_json::json!(labels);
    }
    if !annotations.is_empty() {
        metadata["annotations"] = serde_json::json!(annotations);
    }
    serde_json::json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": metadata,
        "spec": crd.spec,
    })
}
