//! The patches that give back what `#[derive(CustomResource)]` cannot write of an input CRD:
//! the root schema's own keywords, orders and nested containers (`schema_patch`) and the
//! version's subresources (`version_patch`). With them `crd()` equals the input exactly.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinitionVersion;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::JSONSchemaProps;
use serde_json::Value;

use crate::model::Resource;
use crate::types::TypeSet;

/// The version patch that gives back the input's `subresources` where the derive writes others:
/// it writes the status subresource exactly when there is a status type, and the scale one only
/// then.
pub(super) fn subresources_patch(
    resource: &Resource,
    version: &CustomResourceDefinitionVersion,
) -> Option<String> {
    let derived = resource.status.as_ref().map(|_| {
        let scale = resource.scale.as_ref().map(|s| {
            let mut scale = serde_json::json!({
                "specReplicasPath": s.spec_replicas_path,
                "statusReplicasPath": s.status_replicas_path,
            });
            if let Some(selector) = &s.label_selector_path {
                scale["labelSelectorPath"] = Value::from(selector.clone());
            }
            scale
        });
        let mut subresources = serde_json::json!({"status": {}});
        if let Some(scale) = scale {
            subresources["scale"] = scale;
        }
        subresources
    });
    let derived = serde_json::json!({"subresources": derived});
    let input = serde_json::json!({"subresources": version.subresources});
    let patch = crate::runtime::merge_patch_between(&derived, &input)?;
    serde_json::to_string_pretty(&patch).ok()
}

/// Root properties the root type writes itself; their schemas come from the input's.
const ROOT_OWN: [&str; 3] = ["apiVersion", "kind", "metadata"];

/// The JSON merge patch that turns the root schema the derive makes (a `title`, the doc as
/// `description`, `required: [spec]`, no `apiVersion`/`kind`/`metadata`) into the input's.
/// The derive's title is the root type's name, `root_type`. `None` when there is nothing to
/// change.
pub(super) fn root_patch(
    root: &JSONSchemaProps,
    types: &TypeSet,
    root_type: &str,
) -> Option<String> {
    let mut patch = serde_json::Map::new();
    let text = |s: &Option<String>| s.clone().map_or(Value::Null, Value::String);
    if root.title.as_deref() != Some(root_type) {
        patch.insert("title".into(), text(&root.title));
    }
    // The derive's description is the doc (`#[kube(doc)]`, the input's), trimmed; a doc
    // starting with `#` would be a title.
    let from_doc = |d: &str| d.trim_ascii() == d && !d.starts_with('#');
    if !root.description.as_deref().is_some_and(from_doc) {
        patch.insert("description".into(), text(&root.description));
    }
    let required = root.required.clone().filter(|r| !r.is_empty());
    let derived = (!types.root_fields).then(|| vec!["spec".to_owned()]);
    if required != derived {
        patch.insert("required".into(), required.map_or(Value::Null, Value::from));
    }
    let root_own: serde_json::Map<String, Value> = ROOT_OWN
        .into_iter()
        .filter_map(|name| {
            let schema = root.properties.as_ref()?.get(name)?;
            Some((name.to_owned(), serde_json::to_value(schema).ok()?))
        })
        .collect();
    if !root_own.is_empty() {
        patch.insert("properties".into(), Value::Object(root_own));
    }
    // What the derive does not write below the root (see `unwritten`) comes back here, for
    // the nodes the generated schema has.
    for (name, schema) in root.properties.iter().flatten() {
        let generated = match name.as_str() {
            "spec" => true,
            "status" => types.status.is_some(),
            _ => types.root_fields && !ROOT_OWN.contains(&name.as_str()),
        };
        let orders = serde_json::to_value(schema)
            .ok()
            .and_then(|s| unwritten(&s, false));
        if let Some(orders) = orders.filter(|_| generated) {
            let properties = patch
                .entry("properties")
                .or_insert_with(|| Value::Object(serde_json::Map::new()));
            if let Value::Object(properties) = properties {
                properties.insert(name.clone(), orders);
            }
        }
    }
    if patch.is_empty() {
        return None;
    }
    serde_json::to_string_pretty(&Value::Object(patch)).ok()
}

/// What the derive does not write of `schema` and the nodes below it (through `properties`,
/// `items` and `additionalProperties`), as a merge patch of the node; `None` when it writes
/// all of it:
/// - `required` lists not in name order (the derive sorts them, as kube-derive does);
/// - an empty `properties: {}` (an empty struct writes none);
/// - the keywords of an array or map that is the element of another around a generated type
///   (argo's `steps: Vec<Vec<WorkflowStep>>`: the inner array has no Rust type of its own to
///   carry its description). Around a leaf, the field keeps the element verbatim instead
///   (`types::inner`).
fn unwritten(schema: &Value, element: bool) -> Option<Value> {
    let mut patch = serde_json::Map::new();
    if let Some(required) = schema.get("required").and_then(Value::as_array) {
        let mut sorted = required.clone();
        sorted.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
        if &sorted != required {
            patch.insert("required".into(), Value::Array(required.clone()));
        }
    }
    let container = element_of(schema).is_some();
    if element && container && around_a_type(schema) {
        let keywords = schema.as_object().into_iter().flatten();
        for (key, value) in keywords {
            if !matches!(key.as_str(), "type" | "items" | "additionalProperties") {
                patch.insert(key.clone(), value.clone());
            }
        }
    }
    match schema.get("properties").and_then(Value::as_object) {
        Some(properties) if properties.is_empty() => {
            patch.insert("properties".into(), Value::Object(serde_json::Map::new()));
        }
        Some(properties) => {
            let children: serde_json::Map<String, Value> = properties
                .iter()
                .filter_map(|(name, child)| Some((name.clone(), unwritten(child, false)?)))
                .collect();
            if !children.is_empty() {
                patch.insert("properties".into(), Value::Object(children));
            }
        }
        None => {}
    }
    for key in ["items", "additionalProperties"] {
        let child = schema.get(key).filter(|c| c.is_object());
        if let Some(child) = child.and_then(|c| unwritten(c, container)) {
            patch.insert(key.into(), child);
        }
    }
    (!patch.is_empty()).then_some(Value::Object(patch))
}

/// The element schema of an array (`items`) or a map (`additionalProperties` of an object
/// without `properties`).
fn element_of(schema: &Value) -> Option<&Value> {
    let items = schema.get("items").filter(|i| i.is_object());
    let map = schema
        .get("additionalProperties")
        .filter(|v| v.is_object() && schema.get("properties").is_none());
    items.or(map)
}

/// Whether the innermost element of nested arrays and maps is a generated type: a struct (an
/// object with properties) or a string enum.
fn around_a_type(schema: &Value) -> bool {
    match element_of(schema) {
        Some(element) => around_a_type(element),
        None => {
            let has_properties = schema
                .get("properties")
                .and_then(Value::as_object)
                .is_some_and(|p| !p.is_empty());
            let string_enum = schema.get("type").and_then(Value::as_str) == Some("string")
                && schema.get("enum").is_some();
            has_properties || string_enum
        }
    }
}
