//! Side by side with kube-derive on the same spec: the schemas agree once the documented,
//! deliberate differences are normalised away.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use common::*;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kube::CustomResourceExt;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

mod ours {
    use super::*;
    every_type_spec!(kube_gen::CustomResource);
}

mod theirs {
    use super::*;
    every_type_spec!(kube::CustomResource);
}

/// Rewrites kube-derive's schema the way ours differs on purpose (see the derive's docs):
/// no `nullable`/`null` for `Option`s, `{}` and `additionalProperties: true` become
/// `x-kubernetes-preserve-unknown-fields`. `required` is compared as written: both sort it.
fn normalise(schema: &mut Value, kube: bool) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    if kube {
        obj.remove("nullable");
        if let Some(Value::Array(values)) = obj.get_mut("enum") {
            values.retain(|v| !v.is_null());
        }
        if obj.get("additionalProperties") == Some(&Value::Bool(true)) {
            obj.insert("additionalProperties".into(), serde_json::json!({}));
        }
    }
    for key in ["properties"] {
        if let Some(Value::Object(children)) = obj.get_mut(key) {
            for child in children.values_mut() {
                if kube && child.as_object().is_some_and(|c| c.is_empty()) {
                    *child = serde_json::json!({"x-kubernetes-preserve-unknown-fields": true});
                }
                normalise(child, kube);
            }
        }
    }
    for key in ["items", "additionalProperties"] {
        if let Some(child) = obj.get_mut(key) {
            if kube && child.as_object().is_some_and(|c| c.is_empty()) {
                *child = serde_json::json!({"x-kubernetes-preserve-unknown-fields": true});
            }
            normalise(child, kube);
        }
    }
}

#[test]
fn schemas_match_kube_derive_up_to_documented_differences() {
    let mut ours = schema_of(&ours::Foo::crd());
    let mut theirs = schema_of(&<theirs::Foo as CustomResourceExt>::crd());
    normalise(&mut ours, false);
    normalise(&mut theirs, true);
    assert_eq!(ours, theirs, "ours:\n{ours:#}\ntheirs:\n{theirs:#}");
}

#[test]
fn kube_derive_marks_options_nullable_and_we_do_not() {
    let ours = schema_of(&ours::Foo::crd());
    let theirs = schema_of(&<theirs::Foo as CustomResourceExt>::crd());
    let (ours, theirs) = (
        &ours["properties"]["spec"]["properties"],
        &theirs["properties"]["spec"]["properties"],
    );
    assert_eq!(theirs["optString"]["nullable"], true);
    assert!(ours["optString"].get("nullable").is_none());
    // kube-derive leaves `serde_json::Value` as `{}`, which the apiserver rejects as non-structural.
    assert_eq!(theirs["any"], serde_json::json!({}));
    assert_eq!(ours["any"]["x-kubernetes-preserve-unknown-fields"], true);
}

#[test]
fn crd_names_and_resource_constants_match_kube_derive() {
    let (ours, theirs) = (ours::Foo::crd(), <theirs::Foo as CustomResourceExt>::crd());
    assert_eq!(ours.metadata.name, theirs.metadata.name);
    assert_eq!(ours.spec.group, theirs.spec.group);
    assert_eq!(ours.spec.scope, theirs.spec.scope);
    // plural, singular, kind, and no listKind (the apiserver defaults it) on either side
    assert_eq!(ours.spec.names, theirs.spec.names);
    assert_eq!(
        <ours::Foo as kube::Resource>::api_version(&()),
        <theirs::Foo as kube::Resource>::api_version(&())
    );
    assert_eq!(
        <ours::Foo as kube::Resource>::plural(&()),
        <theirs::Foo as kube::Resource>::plural(&())
    );
    assert_eq!(
        <ours::Foo as CustomResourceExt>::crd_name(),
        <theirs::Foo as CustomResourceExt>::crd_name()
    );
}
