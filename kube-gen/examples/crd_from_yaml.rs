//! A CRD from YAML, through the `kube-gen` CLI, to a running informer.
//!
//! `generated/foo.rs` is what the CLI writes for the sample-controller's Foo CRD, checked in
//! unchanged (an end-to-end test fails when it drifts from the CLI's output). From the
//! workspace root:
//!
//! ```text
//! cargo run -p kube-gen-cli -- artifacts/crd.yaml -o kube-gen/examples/generated/foo.rs
//! ```
//!
//! It is plain Rust with `#[derive(CustomResource)]`, which gives `Foo` its CRD (`Foo::crd()`)
//! and the typed facades `FooClient`, `FooInformer` and `FooLister`. The example applies the
//! CRD, waits until the API server serves it, starts a `FooInformer`, creates a Foo with a
//! `FooClient` and prints what the informer sees; on exit, what the lister holds.
//!
//! Run it against the local control plane (or any cluster `$KUBECONFIG` names where you may
//! create CRDs):
//!
//! ```text
//! # in a second terminal, from the workspace root: a local control plane
//! cargo xtask build-control-plane
//! target/control-plane/control-plane up --dir target/example-cluster --clean
//!
//! export KUBECONFIG=$PWD/target/example-cluster/kubeconfig
//! cargo run -p kube-gen --example crd_from_yaml -- default
//! kubectl get foos                    # in a third one; edit or delete them and watch
//! ```
//!
//! The argument is the namespace (default `default`). Stop it with Ctrl-C.

// Kept byte for byte as the CLI writes it, so rustfmt leaves it alone.
#[rustfmt::skip]
#[path = "generated/foo.rs"]
mod generated;

use std::sync::Arc;
use std::time::Duration;

use generated::{Foo, FooClient, FooInformer, FooLister, FooSpec};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::ResourceExt;
use kube_gen::client::{Client, Patch, PatchOptions, WriteOptions};
use kube_gen::informer::{EventHandlerFns, SharedInformerFactory, key_for};
use kube_gen::lister::LabelSelector;

const FIELD_MANAGER: &str = "crd-from-yaml-example";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let namespace = std::env::args().nth(1).unwrap_or_else(|| "default".into());
    let client = kube::Client::try_default().await?;
    install_crd(client.clone()).await?;

    let factory = SharedInformerFactory::builder(client.clone())
        .namespace(&namespace)
        .build();
    let informer: FooInformer = factory.informer::<Foo>();
    informer.add_event_handler(
        EventHandlerFns::new()
            .on_add(|obj: Arc<Foo>| println!("add {}: {}", key_for(&*obj), describe(&obj)))
            .on_update(|_, obj| println!("update {}: {}", key_for(&*obj), describe(&obj)))
            .on_delete(|obj| println!("delete {}", obj.key())),
    );
    factory.start();
    factory.wait_for_cache_sync(Duration::from_secs(30)).await?;
    println!("synced: watching foos in {namespace}");

    // The typed client: `FooClient` is `kube_gen::client::Client<Foo>`.
    let foos = FooClient::namespaced(client, &namespace).field_manager(FIELD_MANAGER);
    let spec = FooSpec {
        deployment_name: "example-foo".into(),
        replicas: Some(1),
    };
    match foos
        .create(&Foo::new("example-foo", spec), &WriteOptions::default())
        .await
    {
        Ok(created) => println!("created {}", key_for(&created)),
        Err(err) if err.is_already_exists() => println!("example-foo exists already"),
        Err(err) => return Err(err.into()),
    }

    tokio::signal::ctrl_c().await?;
    let lister: FooLister = informer.lister();
    for cached in lister
        .namespace(&namespace)
        .list(&LabelSelector::everything())
    {
        println!("lister: {} {}", cached.name_any(), describe(&cached));
    }
    factory.shutdown().await;
    Ok(())
}

/// Applies `Foo::crd()` (server-side, so running the example twice changes nothing) and
/// waits until the API server has established it.
async fn install_crd(client: kube::Client) -> anyhow::Result<()> {
    let crds = Client::<CustomResourceDefinition>::cluster(client).field_manager(FIELD_MANAGER);
    let crd = Foo::crd();
    let name = crd.name_any();
    crds.patch(&name, &Patch::Apply(&crd), &PatchOptions::default().force())
        .await?;
    for _ in 0..100 {
        let established = crds.get(&name).await?.status.is_some_and(|status| {
            status
                .conditions
                .unwrap_or_default()
                .iter()
                .any(|c| c.type_ == "Established" && c.status == "True")
        });
        if established {
            println!("crd {name} established");
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("crd {name} was not established within 10s")
}

/// The Foo's spec and status, through the generated types.
fn describe(obj: &Foo) -> String {
    let replicas = obj
        .spec
        .replicas
        .map_or("default".into(), |n| n.to_string());
    let available = obj
        .status
        .as_ref()
        .and_then(|s| s.available_replicas)
        .unwrap_or(0);
    format!(
        "deployment {}, replicas {replicas}, available {available}",
        obj.spec.deployment_name
    )
}
