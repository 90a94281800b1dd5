//! What `#[derive(CustomResource)]` generates besides the schema: the root type, its serde
//! form, the resource traits and every `#[kube(...)]` attribute's effect on `crd()`.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::core::object::{HasSpec, HasStatus};
use kube::{CustomResourceExt, Resource, ResourceExt};
use kube_gen::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A sample of every attribute.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema, PartialEq, Default)]
#[kube(
    group = "samplecontroller.k8s.io",
    version = "v1alpha1",
    kind = "Foo",
    plural = "foos",
    singular = "foo",
    shortname = "fo",
    shortname = "fooz",
    category = "all",
    category = "samples",
    namespaced,
    status = "FooStatus",
    scale(
        spec_replicas_path = ".spec.replicas",
        status_replicas_path = ".status.availableReplicas",
        label_selector_path = ".status.selector"
    ),
    printcolumn(
        name = "Replicas",
        type = "integer",
        json_path = ".spec.replicas",
        description = "wanted",
        priority = 0
    ),
    printcolumn(name = "Age", type = "date", json_path = ".metadata.creationTimestamp"),
    selectable = ".spec.deploymentName",
    validation = "self.spec.replicas <= 10",
    validation(
        rule = "self.metadata.name.size() < 40",
        message = "name too long",
        reason = "FieldValueInvalid",
        field_path = ".metadata.name"
    ),
    served = true,
    storage = true,
    deprecated = "samplecontroller.k8s.io/v1alpha1 Foo is deprecated; use v1",
    label("app.kubernetes.io/part-of", "sample-controller"),
    annotation("example.com/owner", "team-a"),
    derive = "PartialEq",
    derive = "Default",
    doc = "A Foo runs a Deployment."
)]
#[serde(rename_all = "camelCase")]
pub struct FooSpec {
    pub deployment_name: String,
    pub replicas: i32,
}

#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct FooStatus {
    pub available_replicas: i32,
    pub selector: Option<String>,
}

/// The minimal form: cluster scoped, no status.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[kube(group = "example.com", version = "v2beta1", kind = "Policy")]
pub struct PolicySpec {
    pub rules: Vec<String>,
}

fn crd() -> CustomResourceDefinition {
    Foo::crd()
}

#[test]
fn resource_constants_come_from_the_attributes() {
    assert_eq!(Foo::group(&()), "samplecontroller.k8s.io");
    assert_eq!(Foo::version(&()), "v1alpha1");
    assert_eq!(Foo::kind(&()), "Foo");
    assert_eq!(Foo::plural(&()), "foos");
    assert_eq!(Foo::api_version(&()), "samplecontroller.k8s.io/v1alpha1");
    assert_eq!(<Foo as k8s_openapi::ListableResource>::LIST_KIND, "FooList");
    assert_eq!(Foo::crd_name(), "foos.samplecontroller.k8s.io");
    assert_eq!(Foo::shortnames(), ["fo", "fooz"]);
    assert_eq!(Policy::plural(&()), "policies");
    assert_eq!(Policy::api_version(&()), "example.com/v2beta1");
    let api = Foo::api_resource();
    assert_eq!(
        (api.group.as_str(), api.plural.as_str()),
        ("samplecontroller.k8s.io", "foos")
    );
}

#[test]
fn scope_is_a_type_level_fact() {
    fn namespaced<K: Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>>() {}
    fn cluster<K: Resource<Scope = k8s_openapi::ClusterResourceScope, DynamicType = ()>>() {}
    namespaced::<Foo>();
    cluster::<Policy>();
    assert_eq!(crd().spec.scope, "Namespaced");
    assert_eq!(Policy::crd().spec.scope, "Cluster");
}

#[test]
fn new_sets_the_name_and_accessors_reach_spec_and_status() {
    let mut foo = Foo::new(
        "example",
        FooSpec {
            deployment_name: "d".into(),
            replicas: 2,
        },
    );
    assert_eq!(foo.name_any(), "example");
    assert_eq!(foo.spec().replicas, 2);
    assert!(foo.status().is_none());
    foo.spec_mut().replicas = 3;
    *foo.status_mut() = Some(FooStatus {
        available_replicas: 3,
        selector: None,
    });
    assert_eq!(HasSpec::spec(&foo).replicas, 3);
    assert_eq!(HasStatus::status(&foo).unwrap().available_replicas, 3);
    assert_eq!(foo.meta().name.as_deref(), Some("example"));
    assert_eq!(foo, foo.clone(), "extra derive PartialEq");
    let _ = Foo::default();
}

#[test]
fn serialization_adds_api_version_and_kind_and_round_trips() {
    let mut foo = Foo::new(
        "example",
        FooSpec {
            deployment_name: "d".into(),
            replicas: 2,
        },
    );
    foo.metadata.namespace = Some("default".into());
    let value = serde_json::to_value(&foo).unwrap();
    assert_eq!(
        value,
        json!({
            "apiVersion": "samplecontroller.k8s.io/v1alpha1",
            "kind": "Foo",
            // `new` puts the `label`s and `annotation`s on the object, as kube-derive's does.
            "metadata": {
                "name": "example",
                "namespace": "default",
                "labels": {"app.kubernetes.io/part-of": "sample-controller"},
                "annotations": {"example.com/owner": "team-a"},
            },
            "spec": {"deploymentName": "d", "replicas": 2},
        })
    );
    assert_eq!(serde_json::from_value::<Foo>(value).unwrap(), foo);
    foo.status = Some(FooStatus {
        available_replicas: 1,
        selector: Some("app=x".into()),
    });
    let value = serde_json::to_value(&foo).unwrap();
    assert_eq!(
        value["status"],
        json!({"availableReplicas": 1, "selector": "app=x"})
    );
    assert_eq!(serde_json::from_value::<Foo>(value).unwrap(), foo);
    let minimal: Policy = serde_json::from_value(json!({"spec": {"rules": []}})).unwrap();
    assert_eq!(minimal.metadata, Default::default());
}

#[test]
fn names_short_names_categories_labels_and_annotations() {
    let crd = crd();
    let names = &crd.spec.names;
    assert_eq!(
        names.short_names.as_deref(),
        Some(&["fo".to_string(), "fooz".to_string()][..])
    );
    assert_eq!(
        names.categories.as_deref(),
        Some(&["all".to_string(), "samples".to_string()][..])
    );
    assert_eq!(names.singular.as_deref(), Some("foo"));
    // Left out, as kube-derive leaves it: the apiserver defaults it to `FooList`.
    assert_eq!(names.list_kind, None);
    let labels = crd.metadata.labels.unwrap();
    assert_eq!(labels["app.kubernetes.io/part-of"], "sample-controller");
    assert_eq!(
        crd.metadata.annotations.unwrap()["example.com/owner"],
        "team-a"
    );
    assert_eq!(Policy::crd().spec.names.short_names, None);
}

#[test]
fn version_flags_columns_selectable_fields_and_subresources() {
    let version = &crd().spec.versions[0];
    assert!(version.served && version.storage);
    assert_eq!(version.deprecated, Some(true));
    assert_eq!(
        version.deprecation_warning.as_deref(),
        Some("samplecontroller.k8s.io/v1alpha1 Foo is deprecated; use v1")
    );
    let columns = serde_json::to_value(&version.additional_printer_columns).unwrap();
    assert_eq!(
        columns,
        json!([
            {"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas", "description": "wanted", "priority": 0},
            {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
        ])
    );
    let selectable = serde_json::to_value(&version.selectable_fields).unwrap();
    assert_eq!(selectable, json!([{"jsonPath": ".spec.deploymentName"}]));
    let subresources = serde_json::to_value(&version.subresources).unwrap();
    assert_eq!(
        subresources,
        json!({
            "status": {},
            "scale": {
                "specReplicasPath": ".spec.replicas",
                "statusReplicasPath": ".status.availableReplicas",
                "labelSelectorPath": ".status.selector",
            },
        })
    );
    let policy = &Policy::crd().spec.versions[0];
    assert!(
        policy.subresources.is_none()
            && policy.deprecated.is_none()
            && policy.additional_printer_columns.is_none()
    );
}

#[test]
fn root_validations_and_doc_land_on_the_schema() {
    let version = serde_json::to_value(&crd().spec.versions[0]).unwrap();
    let schema = &version["schema"]["openAPIV3Schema"];
    assert_eq!(
        schema["x-kubernetes-validations"],
        json!([
            {"rule": "self.spec.replicas <= 10"},
            {"rule": "self.metadata.name.size() < 40", "message": "name too long", "reason": "FieldValueInvalid", "fieldPath": ".metadata.name"},
        ])
    );
    assert_eq!(schema["description"], "A Foo runs a Deployment.");
    assert_eq!(
        schema["properties"]["status"]["properties"]["availableReplicas"]["type"],
        "integer"
    );
    assert_eq!(schema["required"], json!(["spec"]));
}

/// A CRD without `spec`: its fields sit next to `metadata` (`#[kube(root_fields)]`).
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema, PartialEq)]
#[kube(
    group = "snapshot.example.com",
    version = "v1",
    kind = "SnapshotClass",
    root_fields
)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotClassFields {
    pub driver: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_policy: Option<String>,
}

#[test]
fn root_fields_sit_next_to_metadata_in_json_and_in_the_schema() {
    let class = SnapshotClass::new(
        "fast",
        SnapshotClassFields {
            driver: "csi.example.com".into(),
            deletion_policy: None,
        },
    );
    let value = serde_json::to_value(&class).unwrap();
    assert_eq!(
        value,
        json!({
            "apiVersion": "snapshot.example.com/v1",
            "kind": "SnapshotClass",
            "metadata": {"name": "fast"},
            "driver": "csi.example.com",
        })
    );
    let back: SnapshotClass = serde_json::from_value(value).unwrap();
    assert_eq!(back.spec, class.spec);
    assert_eq!(back.name_any(), "fast");

    let crd = SnapshotClass::crd();
    let schema = crd.spec.versions[0]
        .schema
        .as_ref()
        .and_then(|s| s.open_api_v3_schema.as_ref())
        .unwrap();
    let properties = schema.properties.as_ref().unwrap();
    assert!(properties.contains_key("driver"), "{properties:?}");
    assert!(properties.contains_key("deletionPolicy"), "{properties:?}");
    assert!(!properties.contains_key("spec"), "{properties:?}");
    assert_eq!(schema.required.as_deref(), Some(&["driver".to_owned()][..]));
}

/// zalando's `kind: postgresql`: the apiserver takes it, the root type is named by `root`.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[kube(
    group = "acid.zalan.do",
    version = "v1",
    kind = "postgresql",
    root = "Postgresql"
)]
#[kube(namespaced, shortname = "pg", status = "PostgresqlStatus", facades)]
pub struct PostgresqlSpec {
    pub team_id: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
pub struct PostgresqlStatus {
    pub phase: String,
}

#[test]
fn root_names_the_root_type_and_the_api_keeps_the_kind() {
    assert_eq!(Postgresql::kind(&()), "postgresql");
    assert_eq!(<Postgresql as k8s_openapi::Resource>::KIND, "postgresql");
    let crd = Postgresql::crd();
    assert_eq!(crd.spec.names.kind, "postgresql");
    assert_eq!(
        <Postgresql as k8s_openapi::ListableResource>::LIST_KIND,
        "postgresqlList"
    );
    assert_eq!(crd.spec.names.plural, "postgresqls");
    assert_eq!(
        crd.metadata.name.as_deref(),
        Some("postgresqls.acid.zalan.do")
    );
    let pg = Postgresql::new(
        "acid-minimal",
        PostgresqlSpec {
            team_id: "acid".into(),
        },
    );
    let json = serde_json::to_value(&pg).unwrap();
    assert_eq!(json["kind"], "postgresql");
    assert_eq!(json["apiVersion"], "acid.zalan.do/v1");
    let _client: Option<PostgresqlClient> = None;
}

/// `struct` is our alias of kube-derive's `root`.
mod alias {
    use super::*;

    #[derive(CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
    #[kube(
        group = "acid.zalan.do",
        version = "v1",
        kind = "postgresql",
        struct = "Pg"
    )]
    pub struct PgSpec {
        pub team_id: String,
    }
}

#[test]
fn struct_is_an_alias_of_root() {
    assert_eq!(alias::Pg::kind(&()), "postgresql");
}

/// kube-derive 5.0's own spellings, as its tests write them.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema, PartialEq)]
#[kube(
    group = "clux.dev",
    version = "v1",
    kind = "Compat",
    root = "CompatCrd",
    namespaced,
    no_spec,
    served,
    storage,
    status = "CompatStatus",
    printcolumn = r#"{"jsonPath": ".name", "name": "Name", "type": "string"}"#,
    printcolumn(json_path = ".size", name = "Size", type_ = "integer", priority = "1"),
    scale = r#"{"specReplicasPath": ".size", "statusReplicasPath": ".status.replicas"}"#,
    label("clux.dev", "cluxingv1"),
    annotation("clux.dev/firewall", "enabled"),
    attr = "allow(deprecated)",
    attr = "cfg_attr(any(), derive(Default))",
    crates(
        kube_core = "::kube::core",
        k8s_openapi = "::k8s_openapi",
        schemars = "::schemars",
        serde = "::serde",
        serde_json = "::serde_json",
        std = "::std"
    ),
    derive = "PartialEq"
)]
pub struct CompatFields {
    pub name: String,
    pub size: i32,
}

#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema, PartialEq)]
pub struct CompatStatus {
    pub replicas: i32,
}

#[test]
fn kube_derive_spellings_mean_the_same() {
    let crd = CompatCrd::crd();
    let version = &crd.spec.versions[0];
    assert!(version.served && version.storage);
    let columns = version.additional_printer_columns.as_ref().unwrap();
    assert_eq!(columns[0].json_path, ".name");
    assert_eq!(columns[0].type_, "string");
    assert_eq!(
        (columns[1].type_.as_str(), columns[1].priority),
        ("integer", Some(1))
    );
    let scale = version
        .subresources
        .as_ref()
        .unwrap()
        .scale
        .as_ref()
        .unwrap();
    assert_eq!(scale.spec_replicas_path, ".size");
    let properties = version
        .schema
        .as_ref()
        .unwrap()
        .open_api_v3_schema
        .as_ref()
        .unwrap();
    assert!(properties.properties.as_ref().unwrap().contains_key("size"));
}

#[test]
fn new_objects_carry_the_labels_and_annotations() {
    let compat = CompatCrd::new(
        "c",
        CompatFields {
            name: "n".into(),
            size: 1,
        },
    );
    assert_eq!(
        serde_json::to_value(&compat).unwrap()["metadata"],
        json!({
            "name": "c",
            "labels": {"clux.dev": "cluxingv1"},
            "annotations": {"clux.dev/firewall": "enabled"},
        })
    );
}
