//! Rewrites a schemars schema into a Kubernetes structural schema.
//!
//! The apiserver only accepts CRD schemas where every node has a `type` (or one of the
//! `x-kubernetes-*` escape hatches) and where `anyOf`/`oneOf` only restate what is declared
//! outside them. schemars emits plain JSON Schema, so after generating with everything inlined
//! this walks the tree bottom-up and, at each node:
//!
//! 1. drops `null` (from `type` arrays, `enum`s and `anyOf: [T, {type: null}]`): `Option` fields
//!    are simply not required; `nullable: true` only appears when a field asks for it. This runs
//!    before the node's children are rewritten, so the `T` of an `Option<T>` is rewritten as the
//!    node itself, exactly as a `T` field would be;
//! 2. hoists the properties of `oneOf`/`anyOf` variants (tagged and untagged enums) and the values
//!    of `oneOf` string variants (documented unit enums) to the node, leaving only `required`
//!    (`{}` for a variant that requires nothing, as kube-core leaves it);
//! 3. turns `additionalProperties` next to `properties` (`#[serde(flatten)]` maps) into
//!    `x-kubernetes-preserve-unknown-fields`, and `additionalProperties: true` into a map of
//!    free-form values;
//! 4. removes `uniqueItems` (not allowed) and `default: null` (not allowed unless nullable);
//! 5. marks free-form children (`serde_json::Value`, an empty schema) with
//!    `x-kubernetes-preserve-unknown-fields: true`;
//! 6. sorts `required` by name, as kube-core's rewriter does (it keeps `required` in a
//!    `BTreeSet`) and as controller-gen writes it (`flatten.go`: "be deterministic").
//!
//! Value validations in a junctor or a `not` (`oneOf: [{required: [value]}, ...]`, as CRDs
//! written by hand have them) and the `anyOf: [{type: integer}, {type: string}]` next to
//! `x-kubernetes-int-or-string: true` (as controller-gen writes `IntOrString`) are left exactly as
//! written. This follows kube-core's `StructuralSchemaRewriter` where it makes sense; the
//! differences (no `nullable`, merged enum tags, free-form values) are documented on the derive.

use serde_json::{Map, Value};

const PRESERVE: &str = "x-kubernetes-preserve-unknown-fields";

/// Rewrites `schema` (a JSON Schema object with no `$ref`s) into a structural schema in place.
///
/// # Panics
///
/// Panics when the schema can't be made structural: enum variants that declare the same
/// property with different schemas, or variants of different JSON types (mixing unit and data
/// variants in one externally tagged enum). The message names the property or types.
pub fn make_structural(schema: &mut Value) {
    let Some(node) = schema.as_object_mut() else {
        return;
    };
    strip_null(node);
    for child in children(node) {
        make_structural(child);
    }
    hoist_variants(node);
    rewrite_additional_properties(node);
    node.remove("uniqueItems");
    if node.get("default") == Some(&Value::Null) && node.get("nullable") != Some(&Value::Bool(true))
    {
        node.remove("default");
    }
    mark_free_form_children(node);
    sort_required(node);
}

/// Every direct subschema of `node`.
fn children(node: &mut Map<String, Value>) -> Vec<&mut Value> {
    let mut out = Vec::new();
    for (key, value) in node.iter_mut() {
        match key.as_str() {
            "properties" | "patternProperties" => out.extend(
                value
                    .as_object_mut()
                    .into_iter()
                    .flat_map(|m| m.values_mut()),
            ),
            "anyOf" | "oneOf" | "allOf" => out.extend(
                value
                    .as_array_mut()
                    .into_iter()
                    .flatten()
                    .filter(|v| !is_value_validation(v)),
            ),
            "items" if value.is_array() => out.extend(value.as_array_mut().into_iter().flatten()),
            // a `not` is a value validation: left as written, as junctors' are
            "not" if is_value_validation(value) => {}
            "items" | "additionalProperties" | "not" => out.push(value),
            _ => {}
        }
    }
    out
}

/// A junctor variant that only constrains values already declared on the node, as a CRD's
/// `oneOf: [{required: [value]}, {required: [valueFrom]}]` does: no `type` anywhere in it (the
/// apiserver rejects a `type` at any depth of a junctor). schemars' enum variants always carry a
/// `type`, if only in a subschema (an enum's `oneOf`); value validations are left as written.
fn is_value_validation(variant: &Value) -> bool {
    variant.as_object().is_some_and(|v| !declares_type(v))
}

/// Whether `schema` or any of its subschemas has a `type`.
fn declares_type(schema: &Map<String, Value>) -> bool {
    let typed = |v: &Value| v.as_object().is_some_and(declares_type);
    schema.contains_key("type")
        || schema.iter().any(|(key, value)| match key.as_str() {
            "properties" | "patternProperties" => {
                value.as_object().is_some_and(|m| m.values().any(typed))
            }
            "anyOf" | "oneOf" | "allOf" => value.as_array().is_some_and(|a| a.iter().any(typed)),
            "items" if value.is_array() => value.as_array().is_some_and(|a| a.iter().any(typed)),
            "items" | "additionalProperties" | "not" => typed(value),
            _ => false,
        })
}

fn is_null_schema(value: &Value) -> bool {
    value.get("type") == Some(&Value::from("null"))
        || value.get("enum") == Some(&Value::from(vec![Value::Null]))
}

/// Step 1: no `null` anywhere; `Option<T>` is "not required", not "nullable".
fn strip_null(node: &mut Map<String, Value>) {
    if let Some(Value::Array(types)) = node.get_mut("type") {
        types.retain(|t| t != "null");
        match types.len() {
            0 => {
                node.remove("type");
            }
            1 => {
                let only = types.remove(0);
                node.insert("type".into(), only);
            }
            _ => {}
        }
    }
    if let Some(Value::Array(values)) = node.get_mut("enum")
        && values.len() > 1
    {
        values.retain(|v| !v.is_null());
    }
    for key in ["anyOf", "oneOf"] {
        let Some(Value::Array(variants)) = node.get_mut(key) else {
            continue;
        };
        let before = variants.len();
        variants.retain(|v| !is_null_schema(v));
        if variants.len() == before {
            continue;
        }
        if variants.len() == 1 {
            // `Option<T>` where `T` is not a simple type: the variant becomes the node.
            let Some(Value::Object(inner)) = node
                .remove(key)
                .and_then(|v| v.as_array().and_then(|a| a.first().cloned()))
            else {
                continue;
            };
            for (k, v) in inner {
                node.entry(k).or_insert(v);
            }
        }
    }
}

/// Step 2: properties and enum values of `oneOf`/`anyOf` variants move up to the node.
fn hoist_variants(node: &mut Map<String, Value>) {
    for (key, push_description) in [("oneOf", true), ("anyOf", false)] {
        if key == "anyOf" && restates_int_or_string(node) {
            continue;
        }
        let Some(Value::Array(mut variants)) = node.remove(key) else {
            continue;
        };
        variants.retain_mut(|variant| {
            if is_value_validation(variant) {
                return true;
            }
            let Some(variant) = variant.as_object_mut() else {
                return true;
            };
            if variant.contains_key("properties") {
                hoist_properties(node, variant, push_description);
            } else if key == "oneOf" && variant.contains_key("enum") {
                // A documented unit variant: its value joins the node's `enum`.
                hoist_enum_values(node, variant);
                return false;
            } else if !["items", "anyOf", "oneOf", "allOf", "enum"]
                .iter()
                .any(|k| variant.contains_key(*k))
            {
                variant.remove("type");
                variant.remove("description");
            }
            true
        });
        // A variant that became `{}` stays, as in kube-core: in an `anyOf` it accepts every
        // object, so the junctor validates nothing more, but the schema says which fields each
        // variant needs.
        if !variants.is_empty() {
            node.insert(key.into(), Value::Array(variants));
        }
    }
}

/// `x-kubernetes-int-or-string: true` with `anyOf: [{type: integer}, {type: string}]`, as
/// controller-gen writes `IntOrString` and `Quantity`: the one junctor with a `type` that the
/// apiserver accepts, left as written.
fn restates_int_or_string(node: &Map<String, Value>) -> bool {
    let only_type = |v: &Value| {
        let v = v.as_object().filter(|v| v.len() == 1)?;
        v.get("type")?.as_str().map(str::to_owned)
    };
    node.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true))
        && node
            .get("anyOf")
            .and_then(Value::as_array)
            .is_some_and(|variants| {
                let types: Vec<_> = variants.iter().map(only_type).collect();
                types == [Some("integer".to_owned()), Some("string".to_owned())]
            })
}

fn hoist_properties(
    node: &mut Map<String, Value>,
    variant: &mut Map<String, Value>,
    push_description: bool,
) {
    let Some(Value::Object(properties)) = variant.remove("properties") else {
        return;
    };
    let description = variant.remove("description");
    if let (Some(description), true, 1) = (description, push_description, properties.len()) {
        // An externally tagged variant: its doc comment describes its only property.
        let mut properties = properties;
        if let Some(Value::Object(only)) = properties.values_mut().next() {
            only.insert("description".into(), description);
        }
        return hoist_properties_map(node, variant, properties);
    }
    hoist_properties_map(node, variant, properties);
}

fn hoist_properties_map(
    node: &mut Map<String, Value>,
    variant: &mut Map<String, Value>,
    properties: Map<String, Value>,
) {
    let common = node
        .entry("properties")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .expect("properties is an object");
    for (name, schema) in properties {
        match common.get_mut(&name) {
            None => {
                common.insert(name, schema);
            }
            Some(existing) if *existing == schema => {}
            Some(existing) => merge_tag_property(&name, existing, schema),
        }
    }
    variant.remove("additionalProperties");
    merge_type(node, variant.remove("type"));
}

/// Two variants declare the same property: fine when they only differ in `enum` values (the tag
/// of an internally tagged enum), which are merged.
fn merge_tag_property(name: &str, existing: &mut Value, schema: Value) {
    let without_enum = |v: &Value| {
        let mut v = v.clone();
        v.as_object_mut().map(|o| o.remove("enum"));
        v.as_object_mut().map(|o| o.remove("description"));
        v
    };
    let both_enums = existing.get("enum").is_some() && schema.get("enum").is_some();
    if !both_enums || without_enum(existing) != without_enum(&schema) {
        panic!(
            "property `{name}` is declared by two enum variants with different schemas ({existing} and {schema}); \
             a structural schema needs one schema per property, so give the variants' fields distinct names \
             or set the schema by hand with #[schemars(schema_with = ...)]"
        );
    }
    let values = existing["enum"].as_array_mut().expect("enum is an array");
    for value in schema["enum"].as_array().into_iter().flatten() {
        if !values.contains(value) {
            values.push(value.clone());
        }
    }
}

fn hoist_enum_values(node: &mut Map<String, Value>, variant: &mut Map<String, Value>) {
    let Some(Value::Array(values)) = variant.remove("enum") else {
        return;
    };
    merge_type(node, variant.remove("type"));
    let common = node
        .entry("enum")
        .or_insert_with(|| Value::Array(Vec::new()))
        .as_array_mut()
        .expect("enum is an array");
    common.extend(values);
}

fn merge_type(node: &mut Map<String, Value>, variant_type: Option<Value>) {
    let Some(variant_type) = variant_type else {
        return;
    };
    match node.get("type") {
        None => {
            node.insert("type".into(), variant_type);
        }
        Some(existing) if *existing == variant_type => {}
        Some(existing) => panic!(
            "enum variants have different JSON types ({existing} and {variant_type}), which a structural \
             schema can't express; don't mix unit and data variants in one enum, or set the schema by hand \
             with #[schemars(schema_with = ...)]"
        ),
    }
}

/// Step 3: `additionalProperties` that a structural schema can't hold.
fn rewrite_additional_properties(node: &mut Map<String, Value>) {
    let has_properties = node
        .get("properties")
        .and_then(Value::as_object)
        .is_some_and(|p| !p.is_empty());
    match node.get("additionalProperties") {
        Some(Value::Bool(false)) => {
            node.remove("additionalProperties");
        }
        Some(_) if has_properties => {
            // `#[serde(flatten)] extra: BTreeMap<..>` next to named fields.
            node.remove("additionalProperties");
            node.insert(PRESERVE.into(), true.into());
        }
        Some(Value::Bool(true)) => {
            node.insert("additionalProperties".into(), free_form());
        }
        _ => {}
    }
}

/// Step 5: `serde_json::Value` and other schemas that accept anything.
fn mark_free_form_children(node: &mut Map<String, Value>) {
    let mut mark = |child: &mut Value| {
        if let Some(child) = child.as_object_mut()
            && is_free_form(child)
        {
            child.insert(PRESERVE.into(), true.into());
        }
    };
    if let Some(Value::Object(properties)) = node.get_mut("properties") {
        properties.values_mut().for_each(&mut mark);
    }
    if let Some(items) = node.get_mut("items")
        && items.is_object()
    {
        mark(items);
    }
    if let Some(additional) = node.get_mut("additionalProperties") {
        mark(additional);
    }
}

/// Step 6: `required` in name order.
fn sort_required(schema: &mut Map<String, Value>) {
    if let Some(Value::Array(required)) = schema.get_mut("required") {
        required.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    }
}

fn is_free_form(schema: &Map<String, Value>) -> bool {
    const ANNOTATIONS: [&str; 6] = [
        "description",
        "default",
        "title",
        "example",
        "nullable",
        "x-kubernetes-validations",
    ];
    schema.keys().all(|k| ANNOTATIONS.contains(&k.as_str()))
}

fn free_form() -> Value {
    let mut schema = Map::new();
    schema.insert(PRESERVE.into(), true.into());
    Value::Object(schema)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::make_structural;

    #[test]
    fn value_validations_in_junctors_are_left_as_written() {
        let mut schema = json!({
            "type": "object",
            "properties": {
                "value": {"type": "string"},
                "valueFrom": {"type": "object", "properties": {"key": {"type": "string"}}},
            },
            "oneOf": [
                {"properties": {"value": {}}, "required": ["value"]},
                {"properties": {"valueFrom": {}}, "required": ["valueFrom"]},
            ],
        });
        let before = schema.clone();
        make_structural(&mut schema);
        assert_eq!(schema, before);
    }

    #[test]
    fn the_t_of_an_option_is_rewritten_like_a_t_field() {
        // `Option<Complex>` where `Complex::Normal(Documented)`: neither the outer `oneOf` nor
        // the documented unit enum's has a `type` of its own, only their variants do.
        let documented = json!({"oneOf": [
            {"type": "string", "enum": ["A"], "description": "The first."},
            {"type": "string", "enum": ["B"], "description": "The second."},
        ]});
        let mut schema = json!({
            "description": "Optional.",
            "anyOf": [
                {"oneOf": [{
                    "type": "object",
                    "properties": {"Normal": documented},
                    "required": ["Normal"],
                }]},
                {"type": "null"},
            ],
        });
        make_structural(&mut schema);
        assert_eq!(
            schema,
            json!({
                "description": "Optional.",
                "type": "object",
                "properties": {"Normal": {"type": "string", "enum": ["A", "B"]}},
                "oneOf": [{"required": ["Normal"]}],
            })
        );
    }

    #[test]
    fn a_variant_that_requires_nothing_stays_as_an_empty_schema() {
        let mut schema = json!({
            "type": "object",
            "anyOf": [
                {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
                {"type": "object", "properties": {}},
            ],
        });
        make_structural(&mut schema);
        assert_eq!(schema["anyOf"], json!([{"required": ["a"]}, {}]));
    }

    #[test]
    fn the_any_of_that_restates_int_or_string_is_left_as_written() {
        let mut schema = json!({
            "type": "object",
            "additionalProperties": {
                "anyOf": [{"type": "integer"}, {"type": "string"}],
                "x-kubernetes-int-or-string": true,
            },
        });
        let before = schema.clone();
        make_structural(&mut schema);
        assert_eq!(schema, before);
    }

    #[test]
    fn required_is_sorted_and_value_validations_keep_their_order() {
        let mut schema = json!({
            "type": "object",
            "properties": {"b": {"type": "string"}, "a": {"type": "string"}},
            "required": ["b", "a"],
            "anyOf": [{"required": ["b", "a"]}],
        });
        make_structural(&mut schema);
        assert_eq!(schema["required"], json!(["a", "b"]));
        assert_eq!(schema["anyOf"], json!([{"required": ["b", "a"]}]));
        let mut schema = json!({"type": "object", "not": {"required": ["b", "a"]}});
        make_structural(&mut schema);
        assert_eq!(schema["not"], json!({"required": ["b", "a"]}));
    }

    #[test]
    fn schemars_enum_variants_are_still_hoisted() {
        let mut schema = json!({
            "oneOf": [
                {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
                {"type": "object", "properties": {"b": {"type": "integer"}}, "required": ["b"]},
            ],
        });
        make_structural(&mut schema);
        assert_eq!(schema["type"], "object");
        assert_eq!(schema["properties"]["a"]["type"], "string");
        assert_eq!(
            schema["oneOf"],
            json!([{"required": ["a"]}, {"required": ["b"]}])
        );
    }
}
