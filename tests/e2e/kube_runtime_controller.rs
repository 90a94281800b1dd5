//! kube-runtime's `Controller` on a `#[derive(kube_gen::CustomResource)]` type, against the
//! real apiserver: a new Greeting gets a ConfigMap it owns and a status, a spec change is
//! reconciled into both, and a deleted ConfigMap is put back (the controller `owns` them).
//! Nothing here uses kube-gen's runtime: the derived type is all kube-runtime needs.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, DeleteParams, ObjectMeta, Patch, PatchParams, PostParams};
use kube::runtime::controller::{Action, Controller};
use kube::runtime::wait::{await_condition, conditions};
use kube::runtime::watcher;
use kube::{Resource, ResourceExt};
use kube_gen_tests::{TestCluster, eventually};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A Greeting names someone; the controller answers it in a ConfigMap and in its status.
#[derive(kube_gen::CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[kube(
    group = "e2e.kube-gen.dev",
    version = "v1",
    kind = "Greeting",
    namespaced
)]
#[kube(status = "GreetingStatus")]
pub struct GreetingSpec {
    pub to: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GreetingStatus {
    pub reply: String,
    pub observed_generation: Option<i64>,
}

/// The field manager of every write the reconciler makes.
const MANAGER: &str = "kube-runtime-e2e";
const WAIT: Duration = Duration::from_secs(60);

/// The ConfigMap a Greeting owns.
fn config_map_name(greeting: &str) -> String {
    format!("{greeting}-reply")
}

/// Applies the Greeting's ConfigMap (owned by it), then merges its status. Both writes are
/// idempotent, so the reconcile the status write itself triggers changes nothing.
async fn reconcile(
    greeting: Arc<Greeting>,
    client: Arc<kube::Client>,
) -> Result<Action, kube::Error> {
    let namespace = greeting.namespace().unwrap_or_default();
    let name = greeting.name_any();
    let reply = format!("Hello, {}!", greeting.spec.to);

    let config_map = ConfigMap {
        metadata: ObjectMeta {
            name: Some(config_map_name(&name)),
            owner_references: greeting.controller_owner_ref(&()).map(|owner| vec![owner]),
            ..ObjectMeta::default()
        },
        data: Some([("reply".to_owned(), reply.clone())].into()),
        ..ConfigMap::default()
    };
    Api::<ConfigMap>::namespaced((*client).clone(), &namespace)
        .patch(
            &config_map_name(&name),
            &PatchParams::apply(MANAGER).force(),
            &Patch::Apply(&config_map),
        )
        .await?;

    let status = json!({ "status": GreetingStatus {
        reply,
        observed_generation: greeting.metadata.generation,
    }});
    Api::<Greeting>::namespaced((*client).clone(), &namespace)
        .patch_status(&name, &PatchParams::default(), &Patch::Merge(&status))
        .await?;
    Ok(Action::await_change())
}

fn error_policy(_: Arc<Greeting>, _: &kube::Error, _: Arc<kube::Client>) -> Action {
    Action::requeue(Duration::from_secs(1))
}

/// Creates the CRD and waits, with kube-runtime's own condition, until it is Established.
async fn install(client: &kube::Client) -> anyhow::Result<()> {
    let crds = Api::<CustomResourceDefinition>::all(client.clone());
    let crd = Greeting::crd();
    crds.create(&PostParams::default(), &crd).await?;
    let name = crd.metadata.name.as_deref().unwrap_or_default();
    tokio::time::timeout(
        WAIT,
        await_condition(crds, name, conditions::is_crd_established()),
    )
    .await??;
    Ok(())
}

/// `Some` once Greeting `name`'s status and ConfigMap both say `reply` for `generation`;
/// the ConfigMap's uid is returned so a test can tell a recreated one.
async fn answered(
    namespace: &str,
    client: &kube::Client,
    name: &str,
    reply: &str,
    generation: i64,
) -> anyhow::Result<Option<String>> {
    let greeting = Api::<Greeting>::namespaced(client.clone(), namespace)
        .get(name)
        .await?;
    let status_says = greeting
        .status
        .as_ref()
        .is_some_and(|s| s.reply == reply && s.observed_generation == Some(generation));
    let Some(config_map) = Api::<ConfigMap>::namespaced(client.clone(), namespace)
        .get_opt(&config_map_name(name))
        .await?
    else {
        return Ok(None);
    };
    let config_map_says = config_map
        .data
        .as_ref()
        .and_then(|d| d.get("reply"))
        .is_some_and(|r| r == reply);
    Ok((status_says && config_map_says).then(|| config_map.uid().unwrap_or_default()))
}

#[tokio::test]
async fn kube_runtime_reconciles_a_kube_gen_derived_type() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let ns = cluster.namespace("kube-runtime").await?;
    let client = cluster.client().await?;
    install(&client).await?;

    let greetings = Api::<Greeting>::namespaced(client.clone(), &ns);
    let config_maps = Api::<ConfigMap>::namespaced(client.clone(), &ns);
    let controller = tokio::spawn(
        Controller::new(greetings.clone(), watcher::Config::default())
            .owns(config_maps.clone(), watcher::Config::default())
            .run(reconcile, error_policy, Arc::new(client.clone()))
            .for_each(|_| futures::future::ready(())),
    );

    // A new Greeting: its ConfigMap is created, owned by it, and its status is written.
    let created = greetings
        .create(
            &PostParams::default(),
            &Greeting::new("hi", GreetingSpec { to: "Ada".into() }),
        )
        .await?;
    eventually("Greeting hi answered for Ada", WAIT, || {
        answered(&ns, &client, "hi", "Hello, Ada!", 1)
    })
    .await;
    let owners = config_maps
        .get(&config_map_name("hi"))
        .await?
        .owner_references()
        .to_vec();
    assert_eq!(owners.len(), 1, "{owners:?}");
    assert_eq!(
        (owners[0].kind.as_str(), owners[0].api_version.as_str()),
        ("Greeting", "e2e.kube-gen.dev/v1")
    );
    assert_eq!(Some(&owners[0].uid), created.metadata.uid.as_ref());
    assert_eq!(owners[0].controller, Some(true));

    // A spec change (generation 2) is reconciled into both.
    greetings
        .patch(
            "hi",
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "to": "Grace" } })),
        )
        .await?;
    let uid = eventually("Greeting hi answered for Grace", WAIT, || {
        answered(&ns, &client, "hi", "Hello, Grace!", 2)
    })
    .await;

    // An owned ConfigMap deleted behind the controller's back is put back.
    config_maps
        .delete(&config_map_name("hi"), &DeleteParams::default())
        .await?;
    eventually("ConfigMap hi-reply recreated", WAIT, || async {
        let again = answered(&ns, &client, "hi", "Hello, Grace!", 2).await?;
        Ok(again.filter(|new_uid| *new_uid != uid))
    })
    .await;

    controller.abort();
    Ok(())
}
