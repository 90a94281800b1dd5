//! The structural schema `Foo::crd()` carries, field type by field type.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use common::*;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

every_type_spec!(kube_gen::CustomResource, internal: Option<Internal>);

fn spec_schema() -> Value {
    schema_of(&Foo::crd())["properties"]["spec"].clone()
}

fn property(name: &str) -> Value {
    let spec = spec_schema();
    assert!(
        spec["properties"].get(name).is_some(),
        "no property {name} in {spec:#}"
    );
    spec["properties"][name].clone()
}

/// Every node is structural: a type, or one of the x-kubernetes escape hatches; no `$ref`.
fn assert_structural(path: &str, schema: &Value) {
    let obj = schema
        .as_object()
        .unwrap_or_else(|| panic!("{path} is not an object: {schema}"));
    assert!(!obj.contains_key("$ref"), "{path} has a $ref");
    assert!(!obj.contains_key("nullable"), "{path} is nullable");
    assert!(!obj.contains_key("uniqueItems"), "{path} has uniqueItems");
    let escape = [
        "x-kubernetes-int-or-string",
        "x-kubernetes-preserve-unknown-fields",
    ];
    assert!(
        obj.contains_key("type") || escape.iter().any(|k| obj.contains_key(*k)),
        "{path} has no type: {schema}"
    );
    if obj.contains_key("properties") {
        assert!(
            !obj.contains_key("additionalProperties"),
            "{path} has properties and additionalProperties"
        );
    }
    for (name, child) in obj
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        assert_structural(&format!("{path}.{name}"), child);
    }
    for key in ["items", "additionalProperties"] {
        if let Some(child) = obj.get(key).filter(|c| c.is_object()) {
            assert_structural(&format!("{path}.{key}"), child);
        }
    }
    for key in ["oneOf", "anyOf"] {
        for variant in obj.get(key).and_then(Value::as_array).into_iter().flatten() {
            let keys: Vec<_> = variant.as_object().unwrap().keys().collect();
            assert_eq!(
                keys,
                ["required"],
                "{path}.{key} variants only restate required fields"
            );
        }
    }
}

#[test]
fn whole_schema_is_structural() {
    let schema = schema_of(&Foo::crd());
    assert_structural("", &schema);
    assert_eq!(schema["type"], "object");
    assert_eq!(schema["required"], json!(["spec"]));
    assert!(schema.get("$schema").is_none());
    assert!(
        schema["properties"].get("metadata").is_none(),
        "the apiserver owns metadata's schema"
    );
}

#[test]
fn scalars_have_types_and_formats() {
    assert_eq!(
        property("string"),
        json!({"type": "string", "description": "A string."})
    );
    assert_eq!(
        property("int32"),
        json!({"type": "integer", "format": "int32"})
    );
    assert_eq!(
        property("int64"),
        json!({"type": "integer", "format": "int64"})
    );
    assert_eq!(
        property("uint32"),
        json!({"type": "integer", "format": "uint32", "minimum": 0.0})
    );
    assert_eq!(
        property("float"),
        json!({"type": "number", "format": "double"})
    );
    assert_eq!(property("boolean"), json!({"type": "boolean"}));
    assert_eq!(property("time")["format"], "date-time");
}

#[test]
fn options_are_optional_not_nullable() {
    assert_eq!(property("optString"), json!({"type": "string"}));
    let required = spec_schema()["required"].clone();
    for optional in [
        "optString",
        "optIntOrString",
        "optPlain",
        "optInner",
        "list",
        "replicas",
        "internal",
    ] {
        assert!(
            !required.as_array().unwrap().contains(&json!(optional)),
            "{optional} is required"
        );
    }
    for present in ["string", "int32", "any", "plain", "renamed", "innerField"] {
        assert!(
            required.as_array().unwrap().contains(&json!(present)),
            "{present} is not required"
        );
    }
}

#[test]
fn collections_become_arrays_and_maps() {
    assert_eq!(
        property("list"),
        json!({"type": "array", "items": {"type": "string"}})
    );
    assert_eq!(
        property("set"),
        json!({"type": "array", "items": {"type": "string"}})
    );
    assert_eq!(
        property("map"),
        json!({"type": "object", "additionalProperties": {"type": "string"}})
    );
    assert_eq!(
        property("hashMap"),
        json!({"type": "object", "additionalProperties": {"type": "integer", "format": "int32"}})
    );
    assert_eq!(
        property("inners")["items"]["properties"]["innerField"],
        json!({"type": "string"})
    );
}

#[test]
fn int_or_string_and_quantity_use_the_extension() {
    for name in ["intOrString", "optIntOrString", "quantity"] {
        let schema = property(name);
        assert_eq!(schema["x-kubernetes-int-or-string"], true, "{name}");
        assert!(
            schema.get("type").is_none() && schema.get("anyOf").is_none(),
            "{name}: {schema}"
        );
    }
}

#[test]
fn free_form_json_preserves_unknown_fields() {
    assert_eq!(
        property("any"),
        json!({"x-kubernetes-preserve-unknown-fields": true})
    );
    assert_eq!(
        property("optAny"),
        json!({"x-kubernetes-preserve-unknown-fields": true})
    );
    assert_eq!(
        property("anyMap"),
        json!({"type": "object", "additionalProperties": {"x-kubernetes-preserve-unknown-fields": true}})
    );
}

#[test]
fn string_enums_become_enum_lists() {
    let plain = json!({"type": "string", "enum": ["Fast", "Slow"]});
    assert_eq!(property("plain"), plain);
    assert_eq!(property("optPlain"), plain);
    let documented =
        json!({"type": "string", "enum": ["Fast", "Slow"], "description": "Documented."});
    assert_eq!(property("documented"), documented);
    assert_eq!(property("optDocumented"), documented);
}

#[test]
fn tagged_enums_hoist_variant_properties() {
    let external = property("external");
    assert_eq!(external["type"], "object");
    assert_eq!(external["properties"]["byRef"]["description"], "A ref.");
    assert_eq!(
        external["oneOf"],
        json!([{"required": ["byRef"]}, {"required": ["inline"]}])
    );
    let internal = property("internal");
    assert_eq!(
        internal["properties"]["type"],
        json!({"type": "string", "enum": ["A", "B"]})
    );
    assert_eq!(
        internal["oneOf"],
        json!([{"required": ["a", "type"]}, {"required": ["b", "type"]}])
    );
    let untagged = property("untagged");
    assert_eq!(
        untagged["anyOf"],
        json!([{"required": ["one"]}, {"required": ["two"]}])
    );
    assert_eq!(untagged["properties"]["two"]["type"], "integer");
}

#[test]
fn serde_attributes_are_respected() {
    let spec = spec_schema();
    let properties = spec["properties"].as_object().unwrap();
    assert!(
        properties.contains_key("renamed") && !properties.contains_key("original"),
        "rename"
    );
    assert!(properties.contains_key("innerField"), "flatten of a struct");
    assert!(!properties.contains_key("skipped"), "skip");
    assert!(properties.contains_key("hashMap"), "rename_all");
    assert_eq!(property("replicas")["default"], 3, "default");
    let with_extra = property("withExtra");
    assert_eq!(
        with_extra["x-kubernetes-preserve-unknown-fields"], true,
        "flatten of a map"
    );
    assert!(with_extra.get("additionalProperties").is_none());
}

#[test]
fn doc_comments_become_descriptions() {
    assert_eq!(spec_schema()["description"], "The spec.");
    assert_eq!(
        schema_of(&Foo::crd())["description"],
        "Auto-generated derived type for FooSpec via `CustomResource`"
    );
}

/// Enums behind `Option` and `#[serde(flatten)]`, as kube-derive's `crd_complex_enum_test.rs`
/// has them.
mod wrapped_enums {
    use super::*;

    /// Documented.
    #[derive(Serialize, Deserialize, Debug, Clone, JsonSchema)]
    pub enum Level {
        /// The first.
        A,
        B,
    }

    #[derive(Serialize, Deserialize, Debug, Clone, JsonSchema)]
    pub enum Complex {
        Normal(Level),
        Hardcore { hard: String, core: Level },
    }

    #[derive(Serialize, Deserialize, Debug, Clone, JsonSchema)]
    #[serde(untagged)]
    pub enum Untagged {
        A { one: String },
        B { two: String, three: String },
        C {},
    }

    #[derive(kube_gen::CustomResource, Serialize, Deserialize, Debug, Clone, JsonSchema)]
    #[kube(group = "clux.dev", version = "v1", kind = "Wrapped")]
    pub struct WrappedSpec {
        pub optional: Option<Complex>,
        pub flattened: Flattened,
    }

    #[derive(Serialize, Deserialize, Debug, Clone, JsonSchema)]
    pub struct Flattened {
        #[serde(flatten)]
        pub inner: Untagged,
    }
}

#[test]
fn an_optional_enum_is_rewritten_as_the_enum_itself() {
    let spec = schema_of(&wrapped_enums::Wrapped::crd())["properties"]["spec"].clone();
    let optional = &spec["properties"]["optional"];
    let level = json!({"type": "string", "enum": ["B", "A"], "description": "Documented."});
    assert_eq!(optional["properties"]["Normal"], level);
    assert_eq!(
        optional["properties"]["Hardcore"]["properties"]["core"],
        level
    );
    assert_eq!(
        optional["properties"]["Hardcore"]["required"],
        json!(["core", "hard"]),
        "sorted, as kube-derive and controller-gen write it"
    );
    assert_eq!(
        optional["oneOf"],
        json!([{"required": ["Normal"]}, {"required": ["Hardcore"]}])
    );
}

#[test]
fn a_flattened_untagged_enum_keeps_an_any_of_with_its_empty_variant() {
    let spec = schema_of(&wrapped_enums::Wrapped::crd())["properties"]["spec"].clone();
    let flattened = &spec["properties"]["flattened"];
    assert_eq!(flattened["type"], "object");
    assert_eq!(
        flattened["anyOf"],
        json!([{"required": ["one"]}, {"required": ["three", "two"]}, {}])
    );
}

/// A top-level enum spec, as kube-derive's `crd_enum_test.rs` has it.
mod enum_spec {
    use super::*;

    #[derive(kube_gen::CustomResource, Serialize, Deserialize, Debug, Clone, JsonSchema)]
    #[kube(group = "clux.dev", version = "v1", kind = "FooEnum")]
    #[serde(rename_all = "camelCase")]
    #[allow(clippy::enum_variant_names)] // kube-derive's test, verbatim
    pub enum FooEnumSpec {
        /// First variant with an int
        VariantOne { int: i32 },
        /// Second variant with an String
        VariantTwo { str: String },
        /// Third variant which doesn't has an attribute
        VariantThree {},
    }
}

#[test]
fn an_enum_spec_is_an_object_with_one_of_its_variants() {
    use enum_spec::{FooEnum, FooEnumSpec};
    let foo = FooEnum::new("bar", FooEnumSpec::VariantOne { int: 42 });
    assert_eq!(
        serde_json::to_value(&foo).unwrap()["spec"],
        json!({"variantOne": {"int": 42}})
    );
    let spec = schema_of(&FooEnum::crd())["properties"]["spec"].clone();
    assert_eq!(spec["type"], "object");
    assert_eq!(
        spec["oneOf"],
        json!([
            {"required": ["variantOne"]},
            {"required": ["variantTwo"]},
            {"required": ["variantThree"]}
        ])
    );
    assert_eq!(
        spec["properties"]["variantOne"]["properties"]["int"]["type"],
        "integer"
    );
    assert_eq!(spec["properties"]["variantThree"]["type"], "object");
}

/// kube's `KubeSchema` in place of `JsonSchema`, with `#[x_kube(...)]` rules on the spec and its
/// fields, and root rules written as kube-derive writes them: strings and `Rule` expressions.
mod kube_schema {
    use kube::KubeSchema;
    use serde::{Deserialize, Serialize};

    #[derive(kube_gen::CustomResource, Serialize, Deserialize, Debug, Clone, KubeSchema)]
    #[kube(group = "clux.dev", version = "v1", kind = "Shard", namespaced)]
    #[kube(validation = "has(self.spec)")]
    #[kube(validation = Rule::new("self.metadata.name.size() < 20").message("short names only"))]
    #[kube(validation = ("self.spec.replicas < 100", "too many"))]
    #[kube(validation = Rule::new("self.spec.replicas >= 0").reason(Reason::FieldValueForbidden))]
    #[x_kube(validation = "self.replicas <= self.max")]
    pub struct ShardSpec {
        #[x_kube(validation = Rule::new("self >= 1").message("at least one replica"))]
        pub replicas: i32,
        pub max: i32,
        #[x_kube(merge_strategy = ListMerge::Set)]
        pub zones: Vec<String>,
    }
}

#[test]
fn kube_schema_specs_keep_their_x_kube_rules_and_root_rules_may_be_expressions() {
    let schema = schema_of(&kube_schema::Shard::crd());
    assert_eq!(
        schema["x-kubernetes-validations"],
        json!([
            {"rule": "has(self.spec)"},
            {"rule": "self.metadata.name.size() < 20", "message": "short names only"},
            {"rule": "self.spec.replicas < 100", "message": "too many"},
            {"rule": "self.spec.replicas >= 0", "reason": "FieldValueForbidden"},
        ])
    );
    let spec = &schema["properties"]["spec"];
    assert_eq!(
        spec["x-kubernetes-validations"],
        json!([{"rule": "self.replicas <= self.max"}])
    );
    assert_eq!(
        spec["properties"]["replicas"]["x-kubernetes-validations"],
        json!([{"rule": "self >= 1", "message": "at least one replica"}])
    );
    assert_eq!(spec["properties"]["zones"]["x-kubernetes-list-type"], "set");
}

mod patched {
    use super::*;

    /// What the CLI writes to give the root schema the input CRD's title, description,
    /// `required` and `apiVersion`/`kind`/`metadata` properties.
    #[derive(kube_gen::CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
    #[kube(group = "example.com", version = "v1", kind = "Patched")]
    #[kube(validation = "has(self.spec)")]
    #[kube(schema_patch = r#"{"title": null, "description": "Patched things. ",
        "required": ["metadata", "spec"], "properties": {"kind": {"type": "string",
        "description": "The kind."}, "metadata": {"type": "object"}}}"#)]
    #[kube(
        status = "PatchedStatus",
        version_patch = r#"{"subresources": {"status": null}}"#
    )]
    pub struct PatchedSpec {
        pub size: i64,
    }

    #[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
    pub struct PatchedStatus {
        pub ready: bool,
    }
}

#[test]
fn schema_patch_is_merged_into_the_root_schema_before_the_root_rules() {
    let schema = schema_of(&patched::Patched::crd());
    assert!(schema.get("title").is_none(), "{schema}");
    assert_eq!(schema["description"], "Patched things. ");
    assert_eq!(schema["required"], json!(["metadata", "spec"]));
    assert_eq!(
        schema["properties"]["kind"],
        json!({"type": "string", "description": "The kind."})
    );
    assert_eq!(schema["properties"]["metadata"], json!({"type": "object"}));
    assert_eq!(schema["properties"]["spec"]["type"], "object");
    assert_eq!(
        schema["x-kubernetes-validations"],
        json!([{"rule": "has(self.spec)"}])
    );
    // version_patch: a status type, but no status subresource
    let crd = patched::Patched::crd();
    let subresources = serde_json::to_value(&crd.spec.versions[0].subresources).unwrap();
    assert_eq!(subresources, json!({}));
}
