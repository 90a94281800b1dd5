//! The typed facades `#[kube(facades)]` asks for (`FooClient`, `FooLister`, `FooInformer`) are
//! the generic runtime's types, with the scope of the kind; without it the derive adds no names.

use std::any::TypeId;

use kube_gen::CustomResource;
use kube_gen::client::{AllNamespaces, Client, Cluster, Namespaced};
use kube_gen::informer::{Informer, SharedInformerFactory};
use kube_gen::lister::Lister;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A namespaced kind.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[kube(
    group = "example.com",
    version = "v1",
    kind = "Foo",
    namespaced,
    facades
)]
pub struct FooSpec {
    pub replicas: i32,
}

/// A cluster-scoped kind.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[kube(group = "example.com", version = "v1", kind = "Bar", facades = true)]
pub struct BarSpec {
    pub size: i32,
}

/// A private kind: its unused facades must not warn (this file is linted with `-D warnings`).
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[kube(
    group = "example.com",
    version = "v1",
    kind = "Hidden",
    namespaced,
    facades
)]
struct HiddenSpec {
    size: i32,
}

/// The runtime under another path, as `crates(kube_gen = ...)` allows.
mod runtime {
    pub use kube_gen::*;
}

mod renamed {
    use super::*;

    #[derive(CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
    #[kube(group = "example.com", version = "v1", kind = "Baz", namespaced)]
    #[kube(crates(kube_gen = crate::runtime), facades)]
    pub struct BazSpec {
        pub size: i32,
    }
}

/// Kinds whose names collide with each other's facades, side by side: no E0428 without
/// `facades`, and the generic runtime types still work.
mod keycloak {
    use super::*;

    #[derive(CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
    #[kube(
        group = "k8s.keycloak.org",
        version = "v2alpha1",
        kind = "Keycloak",
        namespaced
    )]
    pub struct KeycloakSpec {
        pub instances: i32,
    }

    #[derive(CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
    #[kube(
        group = "k8s.keycloak.org",
        version = "v2alpha1",
        kind = "KeycloakClient"
    )]
    #[kube(namespaced, facades)]
    pub struct KeycloakClientSpec {
        pub client_id: String,
    }

    /// Would be E0428 if `Keycloak` had emitted a `KeycloakClient` alias.
    pub type Clients = Client<KeycloakClient>;
    pub type Keycloaks = Client<Keycloak>;
}

fn same<A: 'static, B: 'static>() -> bool {
    TypeId::of::<A>() == TypeId::of::<B>()
}

#[test]
fn namespaced_kind_gets_a_client_generic_over_its_scope() {
    assert!(same::<FooClient, Client<Foo, Namespaced>>());
    assert!(same::<FooClient<AllNamespaces>, Client<Foo, AllNamespaces>>());
    assert!(same::<FooLister, Lister<Foo>>());
    assert!(same::<FooInformer, Informer<Foo>>());
}

#[test]
fn cluster_scoped_kind_gets_a_cluster_client() {
    assert!(same::<BarClient, Client<Bar, Cluster>>());
    assert!(same::<BarLister, Lister<Bar>>());
    assert!(same::<BarInformer, Informer<Bar>>());
}

#[test]
fn without_facades_a_kind_next_to_its_would_be_facade_compiles() {
    use keycloak::{Clients, Keycloak, KeycloakClient, KeycloakClientClient, Keycloaks};
    assert!(same::<Keycloaks, Client<Keycloak, Namespaced>>());
    assert!(same::<Clients, Client<KeycloakClient, Namespaced>>());
    assert!(same::<
        KeycloakClientClient,
        Client<KeycloakClient, Namespaced>,
    >());
}

#[test]
fn overridden_crate_path_reaches_the_same_runtime() {
    use renamed::{Baz, BazClient, BazInformer, BazLister};
    assert!(same::<BazClient, Client<Baz>>());
    assert!(same::<BazLister, Lister<Baz>>());
    assert!(same::<BazInformer, Informer<Baz>>());
}

/// Takes the generic runtime types; called below with the facades.
fn takes_runtime(_: Client<Foo>, _: Client<Bar, Cluster>, _: Informer<Foo>, _: Lister<Foo>) {}

/// Type-checked, never run (no cluster): the facades are built and used as the generated
/// docs show, and flow into code written against the generic runtime.
#[allow(dead_code)]
async fn usage(kube: kube::Client) -> Result<(), Box<dyn std::error::Error>> {
    let foos = FooClient::namespaced(kube.clone(), "default");
    let everywhere: FooClient<AllNamespaces> = FooClient::all(kube.clone());
    let bars: BarClient = Client::cluster(kube.clone());
    let _one: Foo = foos.get("example").await?;
    let _narrowed: FooClient = everywhere.namespace("default");

    let factory = SharedInformerFactory::new(kube);
    let foos_informer: FooInformer = factory.informer::<Foo>();
    let lister: FooLister = foos_informer.lister();
    let _cached = lister.namespace("default").get("example");
    let bar_lister: BarLister = factory.informer::<Bar>().lister();
    let _cached = bar_lister.get(None, "example");

    takes_runtime(foos, bars, foos_informer, lister);
    Ok(())
}
