//! Schema modes, crate path overrides, and merging the versions of one kind into one CRD.

use kube_gen::CustomResource;
use kube_gen::codegen::{MergeError, merge_crds};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

mod v1 {
    use super::*;

    #[derive(CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
    #[kube(
        group = "example.com",
        version = "v1",
        kind = "Widget",
        namespaced,
        storage = false,
        deprecated
    )]
    pub struct WidgetSpec {
        pub size: i32,
    }
}

mod v2 {
    use super::*;

    #[derive(CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
    #[kube(group = "example.com", version = "v2", kind = "Widget", namespaced)]
    pub struct WidgetSpec {
        pub size: String,
    }
}

mod other {
    use super::*;

    #[derive(CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
    #[kube(group = "example.com", version = "v3", kind = "Widget")]
    pub struct WidgetSpec {
        pub size: String,
    }
}

/// No schema: the spec does not implement `JsonSchema`.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug)]
#[kube(
    group = "example.com",
    version = "v1",
    kind = "Opaque",
    schema = "disabled"
)]
pub struct OpaqueSpec {
    pub anything: serde_json::Value,
}

/// A hand-written schema for the root type.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug)]
#[kube(
    group = "example.com",
    version = "v1",
    kind = "Manual",
    schema = "manual"
)]
pub struct ManualSpec {
    pub size: i32,
}

impl JsonSchema for Manual {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Manual".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "object",
            "properties": {"spec": {"type": "object", "properties": {"size": {"type": ["integer", "null"]}}}},
        })
    }
}

/// Every crate path spelled out.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[kube(
    group = "example.com",
    version = "v1",
    kind = "Explicit",
    crates(kube_gen = ::kube_gen, kube = ::kube, k8s_openapi = ::k8s_openapi, serde = ::serde, schemars = ::schemars)
)]
pub struct ExplicitSpec {
    pub size: i32,
}

fn schema(
    crd: &k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition,
) -> serde_json::Value {
    serde_json::to_value(&crd.spec.versions[0].schema).unwrap()["openAPIV3Schema"].clone()
}

#[test]
fn disabled_schema_preserves_unknown_fields() {
    assert_eq!(
        schema(&Opaque::crd()),
        json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true})
    );
}

#[test]
fn manual_schema_is_made_structural() {
    let expected = json!({
        "type": "object",
        "title": "Manual",
        "properties": {"spec": {"type": "object", "properties": {"size": {"type": "integer"}}}},
    });
    assert_eq!(schema(&Manual::crd()), expected);
}

#[test]
fn crate_overrides_generate_the_same_crd() {
    assert_eq!(
        Explicit::crd().metadata.name.as_deref(),
        Some("explicits.example.com")
    );
}

#[test]
fn merge_crds_keeps_one_storage_version() {
    let merged = merge_crds(vec![v1::Widget::crd(), v2::Widget::crd()], "example.com/v2").unwrap();
    let versions: Vec<_> = merged
        .spec
        .versions
        .iter()
        .map(|v| (v.name.as_str(), v.storage, v.deprecated))
        .collect();
    assert_eq!(versions, [("v1", false, Some(true)), ("v2", true, None)]);
    let merged = merge_crds(vec![v1::Widget::crd(), v2::Widget::crd()], "v1").unwrap();
    let storage: Vec<_> = merged.spec.versions.iter().map(|v| v.storage).collect();
    assert_eq!(storage, [true, false]);
}

#[test]
fn merge_crds_rejects_mismatches_and_missing_versions() {
    let err = merge_crds(vec![v1::Widget::crd(), other::Widget::crd()], "v1").unwrap_err();
    assert!(
        matches!(
            err,
            MergeError::Mismatch {
                property: "spec.scope",
                ..
            }
        ),
        "{err}"
    );
    let err = merge_crds(vec![v1::Widget::crd(), v1::Widget::crd()], "v1").unwrap_err();
    assert_eq!(err.to_string(), "version `v1` appears in more than one CRD");
    let err = merge_crds(vec![v1::Widget::crd(), v2::Widget::crd()], "v9").unwrap_err();
    assert_eq!(
        err.to_string(),
        "the storage version `v9` is not one of the versions [\"v1\", \"v2\"]"
    );
    let err = merge_crds(vec![v1::Widget::crd()], "other.com/v1").unwrap_err();
    assert!(
        matches!(
            err,
            MergeError::Mismatch {
                property: "spec.group",
                ..
            }
        ),
        "{err}"
    );
    let err = merge_crds(vec![v1::Widget::crd(), Opaque::crd()], "v1").unwrap_err();
    assert!(
        matches!(
            err,
            MergeError::Mismatch {
                property: "metadata.name",
                ..
            }
        ),
        "{err}"
    );
    assert!(matches!(
        merge_crds(vec![], "v1").unwrap_err(),
        MergeError::Empty
    ));
}
