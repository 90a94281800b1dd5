//! Shared fixtures for the derive tests: a spec with every supported field type.

#![allow(dead_code)]

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

// A plain string enum without docs (no description).
#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema, PartialEq)]
pub enum Plain {
    Fast,
    Slow,
}

/// Documented.
#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema, PartialEq)]
pub enum Documented {
    /// Go fast.
    Fast,
    /// Go slow.
    Slow,
}

#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub enum External {
    /// A ref.
    ByRef {
        name: String,
    },
    Inline {
        value: i32,
    },
}

#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema, PartialEq)]
#[serde(tag = "type")]
pub enum Internal {
    A { a: String },
    B { b: i32 },
}

#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema, PartialEq)]
#[serde(untagged)]
pub enum Untagged {
    One { one: String },
    Two { two: i32 },
}

#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct Inner {
    pub inner_field: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema, PartialEq)]
pub struct WithExtra {
    pub known: String,
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

pub fn default_replicas() -> i32 {
    3
}

/// Defines `FooSpec` (the caller imports the field types) with every supported field type, deriving `CustomResource` from `$derive`.
/// `internal` (an internally tagged enum) is left out: kube-derive panics on it.
#[macro_export]
macro_rules! every_type_spec {
    ($derive:path $(, $extra:ident: $extra_ty:ty)*) => {
        /// The spec.
        #[derive($derive, Serialize, Deserialize, Clone, Debug, JsonSchema, PartialEq)]
        #[kube(group = "example.com", version = "v1", kind = "Foo", namespaced)]
        #[serde(rename_all = "camelCase")]
        pub struct FooSpec {
            /// A string.
            pub string: String,
            pub int32: i32,
            pub uint32: u32,
            pub int64: i64,
            pub float: f64,
            pub boolean: bool,
            pub opt_string: Option<String>,
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            pub list: Vec<String>,
            pub set: BTreeSet<String>,
            pub map: BTreeMap<String, String>,
            pub hash_map: HashMap<String, i32>,
            pub int_or_string: IntOrString,
            pub opt_int_or_string: Option<IntOrString>,
            pub quantity: Option<Quantity>,
            pub time: Option<Time>,
            pub any: serde_json::Value,
            pub opt_any: Option<serde_json::Value>,
            pub any_map: BTreeMap<String, serde_json::Value>,
            pub plain: Plain,
            pub opt_plain: Option<Plain>,
            pub documented: Documented,
            pub opt_documented: Option<Documented>,
            pub external: External,
            pub untagged: Untagged,
            pub inner: Inner,
            pub opt_inner: Option<Inner>,
            pub inners: Vec<Inner>,
            #[serde(flatten)]
            pub flattened: Inner,
            pub with_extra: WithExtra,
            #[serde(default = "default_replicas")]
            pub replicas: i32,
            #[serde(rename = "renamed")]
            pub original: String,
            #[serde(skip)]
            pub skipped: String,
            $(pub $extra: $extra_ty,)*
        }
    };
}

/// The `openAPIV3Schema` of a CRD, as JSON.
pub fn schema_of(
    crd: &k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition,
) -> serde_json::Value {
    let crd = serde_json::to_value(crd).unwrap();
    crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"].clone()
}
