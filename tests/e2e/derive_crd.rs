//! `#[derive(CustomResource)]` against the real apiserver: the CRD of a spec
//! with every supported field type is accepted, and an object with every
//! field set comes back unchanged.

#[path = "../../kube-gen/tests/common/mod.rs"]
mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

use common::*;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kube::api::{Api, PostParams};
use kube_gen_tests::TestCluster;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

every_type_spec!(kube_gen::CustomResource, internal: Option<Internal>);

/// Creates the CRD and waits until the apiserver serves it.
async fn install(client: &kube::Client, crd: &CustomResourceDefinition) -> anyhow::Result<()> {
    let crds = Api::<CustomResourceDefinition>::all(client.clone());
    crds.create(&PostParams::default(), crd).await?;
    let name = crd.metadata.name.as_deref().unwrap_or_default();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let got = crds.get(name).await?;
        let conditions = got.status.and_then(|s| s.conditions).unwrap_or_default();
        if conditions
            .iter()
            .any(|c| c.type_ == "Established" && c.status == "True")
        {
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "CRD {name} not Established within 30s: {conditions:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn every_field_type_is_accepted_and_round_trips() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let ns = cluster.namespace("derive").await?;
    let client = cluster.client().await?;
    install(&client, &Foo::crd()).await?;

    let sent: Foo = serde_json::from_value(json!({
        "apiVersion": "example.com/v1",
        "kind": "Foo",
        "metadata": { "name": "every", "namespace": ns },
        "spec": {
            "string": "s", "int32": -32, "uint32": 32, "int64": 1_i64 << 40, "float": 1.5, "boolean": true,
            "optString": "o", "list": ["a", "b"], "set": ["x", "y"],
            "map": { "k": "v" }, "hashMap": { "h": 7 },
            "intOrString": "50%", "optIntOrString": 8, "quantity": "1Gi", "time": "2026-11-23T10:00:00Z",
            "any": { "free": ["form", 1, { "nested": true }] }, "optAny": 3,
            "anyMap": { "a": { "b": "c" } },
            "plain": "Fast", "optPlain": "Slow", "documented": "Slow", "optDocumented": "Fast",
            "external": { "byRef": { "name": "n" } },
            "untagged": { "two": 2 },
            "inner": { "innerField": "i" }, "optInner": { "innerField": "j" },
            "inners": [{ "innerField": "k" }, { "innerField": "l" }],
            "innerField": "flattened",
            "withExtra": { "known": "yes", "extra1": { "deep": [1, 2] } },
            "replicas": 5, "renamed": "r",
            "internal": { "type": "B", "b": 9 }
        }
    }))?;
    let foos = Api::<Foo>::namespaced(client, &ns);
    foos.create(&PostParams::default(), &sent).await?;
    let got = foos.get("every").await?;
    assert_eq!(
        serde_json::to_value(&got.spec)?,
        serde_json::to_value(&sent.spec)?
    );
    assert_eq!(got.spec, sent.spec);
    Ok(())
}
