//! What the Kubernetes API server would reject in a CRD, found before any Rust is generated.
//!
//! [`crd`] checks the CRD as a whole (names, scope, versions); [`schema`] walks one version's
//! `openAPIV3Schema` as written (iteratively, so no input depth can exhaust the stack) for the
//! keywords apiextensions forbids and the ones it doesn't know. Both return JSON pointers with
//! messages in the API server's own words, so the caller can add file, line and JSON path.

use std::collections::BTreeSet;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use serde_json::Value;

/// One rejected node: its JSON pointer in the document and what is wrong.
pub(crate) type Problem = (String, String);

/// Every keyword of apiextensions v1's `JSONSchemaProps`; anything else is an unknown field.
const KEYWORDS: &[&str] = &[
    "$schema",
    "$ref",
    "id",
    "description",
    "type",
    "format",
    "title",
    "default",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "multipleOf",
    "enum",
    "maxProperties",
    "minProperties",
    "required",
    "items",
    "allOf",
    "oneOf",
    "anyOf",
    "not",
    "properties",
    "additionalProperties",
    "patternProperties",
    "dependencies",
    "additionalItems",
    "definitions",
    "externalDocs",
    "example",
    "nullable",
    "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-embedded-resource",
    "x-kubernetes-int-or-string",
    "x-kubernetes-list-map-keys",
    "x-kubernetes-list-type",
    "x-kubernetes-map-type",
    "x-kubernetes-validations",
];

/// Keywords apiextensions forbids in CRD schemas, with the API server's reason.
const FORBIDDEN: &[(&str, &str)] = &[
    (
        "$ref",
        "$ref is not supported (a CRD schema must be self-contained)",
    ),
    ("id", "id is not supported"),
    ("additionalItems", "additionalItems is not supported"),
    ("patternProperties", "patternProperties is not supported"),
    ("definitions", "definitions is not supported"),
    ("dependencies", "dependencies is not supported"),
];

/// The CRD-wide rules: a non-empty scope, names and group, at least one version, unique
/// version names, exactly one storage version and `metadata.name` = `<plural>.<group>`.
pub(crate) fn crd(crd: &CustomResourceDefinition) -> Vec<Problem> {
    let spec = &crd.spec;
    let mut problems = Vec::new();
    let mut problem = |pointer: &str, message: String| problems.push((pointer.to_owned(), message));
    if spec.group.is_empty() {
        problem("/spec/group", "`spec.group` must not be empty".into());
    }
    if spec.names.kind.is_empty() {
        problem(
            "/spec/names/kind",
            "`spec.names.kind` must not be empty".into(),
        );
    }
    if spec.names.plural.is_empty() {
        problem(
            "/spec/names/plural",
            "`spec.names.plural` must not be empty".into(),
        );
    }
    if spec.scope != "Namespaced" && spec.scope != "Cluster" {
        problem(
            "/spec/scope",
            format!(
                "`spec.scope` must be Namespaced or Cluster, not `{}`",
                spec.scope
            ),
        );
    }
    let expected = format!("{}.{}", spec.names.plural, spec.group);
    match crd.metadata.name.as_deref() {
        None | Some("") => problem(
            "/metadata",
            format!("`metadata.name` is missing (it must be `{expected}`)"),
        ),
        Some(name) if name != expected => problem(
            "/metadata/name",
            format!("`metadata.name` must be `<plural>.<group>` = `{expected}`, not `{name}`"),
        ),
        Some(_) => {}
    }
    if spec.versions.is_empty() {
        problem(
            "/spec/versions",
            "`spec.versions` must list at least one version".into(),
        );
    }
    let mut names = BTreeSet::new();
    for (index, version) in spec.versions.iter().enumerate() {
        let pointer = format!("/spec/versions/{index}/name");
        if version.name.is_empty() {
            problem(&pointer, "a version needs a `name`".into());
        } else if !names.insert(version.name.as_str()) {
            problem(
                &pointer,
                format!("version `{}` is listed twice", version.name),
            );
        }
    }
    let storage = spec.versions.iter().filter(|v| v.storage).count();
    if !spec.versions.is_empty() && storage != 1 {
        problem(
            "/spec/versions",
            format!("exactly one version must be the storage version, not {storage}"),
        );
    }
    problems
}

/// The schema rules, for the schema node at `pointer` of `document` and everything below it.
pub(crate) fn schema(document: &Value, pointer: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    let Some(root) = document.pointer(pointer) else {
        return problems;
    };
    let mut stack = vec![(pointer.to_owned(), root)];
    while let Some((pointer, node)) = stack.pop() {
        let Value::Object(node) = node else {
            problems.push((pointer, "a schema must be an object".into()));
            continue;
        };
        let mut problem = |key: &str, message: String| {
            problems.push((format!("{pointer}/{}", escape(key)), message));
        };
        for key in node.keys() {
            if let Some((_, reason)) = FORBIDDEN.iter().find(|(k, _)| k == key) {
                problem(key, (*reason).into());
            } else if !KEYWORDS.contains(&key.as_str()) {
                problem(key, format!("unknown field `{key}` in a schema"));
            }
        }
        if node.get("type").and_then(Value::as_str) == Some("null") {
            problem(
                "type",
                "type cannot be set to null, use nullable as an alternative".into(),
            );
        }
        if node.get("uniqueItems") == Some(&Value::Bool(true)) {
            problem(
                "uniqueItems",
                "uniqueItems cannot be set to true since the runtime complexity becomes quadratic"
                    .into(),
            );
        }
        if node.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(false)) {
            problem(
                "x-kubernetes-preserve-unknown-fields",
                "must be true or undefined".into(),
            );
        }
        let has_properties = node
            .get("properties")
            .and_then(Value::as_object)
            .is_some_and(|p| !p.is_empty());
        // `additionalProperties: true` next to properties is allowed, `false` or a schema not
        let additional = node.get("additionalProperties");
        if has_properties && additional.is_some_and(|a| a != &Value::Bool(true)) {
            problem(
                "additionalProperties",
                "additionalProperties and properties are mutual exclusive".into(),
            );
        }
        let mut child = |path: String, value| stack.push((format!("{pointer}/{path}"), value));
        if let Some(Value::Object(properties)) = node.get("properties") {
            for (name, value) in properties {
                child(format!("properties/{}", escape(name)), value);
            }
        }
        if let Some(value @ Value::Object(_)) = node.get("additionalProperties") {
            child("additionalProperties".into(), value);
        }
        if let Some(value @ Value::Object(_)) = node.get("not") {
            child("not".into(), value);
        }
        match node.get("items") {
            Some(value @ Value::Object(_)) => child("items".into(), value),
            Some(Value::Array(_)) => problem(
                "items",
                "items must be a schema object and not an array".into(),
            ),
            _ => {}
        }
        for keyword in ["allOf", "anyOf", "oneOf"] {
            if let Some(Value::Array(schemas)) = node.get(keyword) {
                for (index, value) in schemas.iter().enumerate() {
                    child(format!("{keyword}/{index}"), value);
                }
            }
        }
    }
    // the stack visits children in reverse; report in document order
    problems.sort_by(|a, b| a.0.cmp(&b.0));
    problems
}

/// A key as a JSON pointer segment.
pub(crate) fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}
