//! Run-time helpers that generated code calls: structural schemas, subresources, merging CRDs.
//!
//! Only built with the `runtime` feature (which `kube-gen` turns on), so the proc-macro does not
//! depend on schemars or k8s-openapi. Users reach it as `kube_gen::codegen::runtime`.

mod merge;
mod patch;
mod schema;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceSubresourceStatus, JSONSchemaProps, ValidationRule,
};
use schemars::{JsonSchema, generate::SchemaSettings, transform::AddNullable};

pub use merge::{MergeError, merge_crds};
pub use patch::{merge_patch, merge_patch_between, patch_schema, patch_version};
pub use schema::make_structural;

/// The schemars settings used for CRD schemas: OpenAPI 3, every subschema inlined (no `$ref`),
/// no `$schema`, and no `nullable` for `Option`s.
pub fn schema_settings() -> SchemaSettings {
    SchemaSettings::openapi3().with(|s| {
        s.inline_subschemas = true;
        s.meta_schema = None;
        s.transforms.retain(|t| !t.is::<AddNullable>());
    })
}

/// The structural OpenAPI v3 schema of `T`, ready for a CRD version.
///
/// # Panics
///
/// Panics when `T`'s schema can't be made structural (see [`make_structural`]), with a message
/// naming the offending property; `Foo::crd()` is usually called in a test or at startup.
pub fn structural_schema<T: JsonSchema>() -> JSONSchemaProps {
    let mut schema = schema_settings()
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value();
    make_structural(&mut schema);
    serde_json::from_value(schema).unwrap_or_else(|err| {
        panic!(
            "the structural schema of {} is not a JSONSchemaProps: {err}",
            T::schema_name()
        )
    })
}

/// The schema of a CRD with `#[kube(schema = "disabled")]`: an object that keeps every field.
pub fn preserve_unknown_fields_schema() -> JSONSchemaProps {
    JSONSchemaProps {
        type_: Some("object".into()),
        x_kubernetes_preserve_unknown_fields: Some(true),
        ..Default::default()
    }
}

/// An enabled status subresource (`status: {}`).
pub fn status_subresource() -> CustomResourceSubresourceStatus {
    CustomResourceSubresourceStatus(serde_json::Value::Object(Default::default()))
}

/// A CEL rule written as an expression (`#[kube(validation = Rule::new("...").message("..."))]`)
/// as the CRD's `ValidationRule`: kube's `Rule` serializes to the same JSON.
///
/// # Panics
///
/// Panics when `rule` does not serialize as a `ValidationRule` (it needs a `rule` string).
pub fn validation_rule<R: serde::Serialize>(rule: &R) -> ValidationRule {
    serde_json::to_value(rule)
        .and_then(serde_json::from_value)
        .unwrap_or_else(|err| panic!("a `validation` rule is not a CEL ValidationRule: {err}"))
}
