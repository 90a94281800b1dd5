//! R13, the fake against kube-apiserver: one scenario of operations
//! (`kube_gen::fake::scenario`) runs on the local control plane and on a
//! `FakeCluster`, and every outcome (status code, reason, message, watch
//! events) must be the same, and what the scenario's `EXPECTED` says.

use std::time::{Duration, Instant};

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, ApiResource, DynamicObject, ListParams, PostParams};
use kube_gen::fake::{FakeCluster, scenario};
use kube_gen_tests::TestCluster;

/// Creates the CRD (or brings an existing one up to date), and waits until its resource
/// is served.
async fn install(
    client: &kube::Client,
    namespace: &str,
    crd: &CustomResourceDefinition,
) -> anyhow::Result<()> {
    let crds = Api::<CustomResourceDefinition>::all(client.clone());
    match crds.create(&PostParams::default(), crd).await {
        Ok(_) => {}
        Err(kube::Error::Api(status)) if status.code == 409 => {
            let name = crd.metadata.name.as_deref().unwrap_or_default();
            let mut wanted = crd.clone();
            wanted.metadata.resource_version = crds.get(name).await?.metadata.resource_version;
            crds.replace(name, &PostParams::default(), &wanted).await?;
        }
        Err(err) => return Err(err.into()),
    }
    let names = &crd.spec.names;
    let resource = ApiResource {
        group: crd.spec.group.clone(),
        version: "v1".into(),
        api_version: format!("{}/v1", crd.spec.group),
        kind: names.kind.clone(),
        plural: names.plural.clone(),
    };
    let served = Api::<DynamicObject>::namespaced_with(client.clone(), namespace, &resource);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let listed = served.list(&ListParams::default()).await;
        if listed.is_ok() {
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "{} not served within 30s: {listed:?}",
            names.plural
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_fake_answers_the_scenario_as_kube_apiserver_does() -> anyhow::Result<()> {
    let cluster = TestCluster::get();
    let client = cluster.client().await?;
    let ns = cluster.namespace("r13").await?;
    let mut fake = FakeCluster::new();
    for crd in scenario::crds() {
        install(&client, &ns, &crd).await?;
        fake = fake.with_crd(&crd);
    }

    let apiserver = scenario::run(client, &ns).await;
    let faked = scenario::run(fake.client(), &ns).await;

    for (i, line) in apiserver.iter().enumerate() {
        println!("apiserver: {line}");
        match faked.get(i) {
            Some(same) if same == line => {}
            Some(other) => println!("fake:      {other}   <-- differs"),
            None => println!("fake:      (missing)"),
        }
    }
    assert_eq!(faked, apiserver, "the fake and kube-apiserver differ");
    assert_eq!(
        apiserver,
        scenario::EXPECTED,
        "kube-apiserver no longer answers as the scenario expects"
    );
    Ok(())
}
