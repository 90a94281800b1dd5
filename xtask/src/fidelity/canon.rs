//! The semantic comparison of two CRD schemas: a canonical form and a readable diff.
//!
//! This file is compiled twice: into xtask (where its unit tests run) and, copied verbatim by
//! the gate, into every generated fidelity crate, whose `main` compares the schema the derive
//! emits with the input's. It therefore depends on `serde_json` only. Both sides go through
//! `kube_gen_codegen::crd::normalize` first, then through [`canonical`].

use serde_json::{Map, Value};

/// Rewrites `schema` (an `openAPIV3Schema`, already normalised) so that two schemas the
/// apiserver treats alike are equal. Only differences without meaning are removed:
///
/// - `description` and `title` (documentation; the generated docs are snapshot-tested);
/// - at the root, `apiVersion` and `kind` when they are plain strings, and `metadata` when it
///   is just `type: object`: the root type writes them itself and the apiserver fills in
///   `metadata`'s schema;
/// - the `anyOf: [{type: integer}, {type: string}]` next to `x-kubernetes-int-or-string`,
///   which only restates it;
/// - `format: int64` on an integer and `format: double` on a number: every Kubernetes
///   integer is an int64 and every number a double, so the apiserver treats both alike;
/// - `properties: {}`, which declares nothing, and the JSON spelling of number bounds
///   (`minimum`, `maximum`, `multipleOf`), which the apiserver reads as float64;
/// - `metadata` and `spec` in the root's `required`: the apiserver always sets `metadata`,
///   and `#[derive(CustomResource)]` (like kube-derive) always requires `spec`, a deliberate
///   difference for CRDs that leave it optional (the README says so).
///
/// Everything else (types, formats, required, enums, maps, int-or-string, preserved fields,
/// nullable, defaults, validations and CEL rules, list and map types) is compared exactly.
pub fn canonical(schema: &mut Value) {
    if let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        for key in ["apiVersion", "kind"] {
            if properties.get(key).is_some_and(is_plain_string) {
                properties.remove(key);
            }
        }
        if properties.get("metadata").is_some_and(is_plain_object) {
            properties.remove("metadata");
        }
    }
    if let Some(Value::Array(required)) = schema.get_mut("required") {
        required.retain(|r| r != "metadata" && r != "spec");
    }
    if let Some(root) = schema.as_object_mut() {
        if root
            .get("required")
            .and_then(Value::as_array)
            .is_some_and(Vec::is_empty)
        {
            root.remove("required");
        }
        let now_empty = root
            .get("properties")
            .and_then(Value::as_object)
            .is_some_and(Map::is_empty);
        if now_empty {
            root.remove("properties");
        }
    }
    strip(schema);
}

fn is_plain_string(schema: &Value) -> bool {
    let mut schema = schema.clone();
    strip(&mut schema);
    schema == serde_json::json!({"type": "string"})
}

fn is_plain_object(schema: &Value) -> bool {
    let mut schema = schema.clone();
    strip(&mut schema);
    schema == serde_json::json!({"type": "object"})
}

/// Removes documentation and redundant int-or-string `anyOf`s, recursively over subschemas
/// (not over the values of `default`, `enum` or `example`, which are data).
fn strip(schema: &mut Value) {
    let Some(node) = schema.as_object_mut() else {
        return;
    };
    node.remove("description");
    node.remove("title");
    let implied = match node.get("type").and_then(Value::as_str) {
        Some("integer") => "int64",
        Some("number") => "double",
        _ => "",
    };
    if node.get("format").and_then(Value::as_str) == Some(implied) {
        node.remove("format");
    }
    if node.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true))
        && node.get("anyOf").is_some_and(is_int_or_string_any_of)
    {
        node.remove("anyOf");
    }
    // `properties: {}` declares no field, as no `properties` does: both prune every field.
    if node
        .get("properties")
        .and_then(Value::as_object)
        .is_some_and(Map::is_empty)
    {
        node.remove("properties");
    }
    float_bound_node(node);
    subschemas(node).into_iter().for_each(strip);
}

/// Writes every `minimum`, `maximum` and `multipleOf` as the float64 it is, recursively: the
/// one rewrite of the strict check. k8s-openapi's `JSONSchemaProps` (which `crd()` returns)
/// holds these bounds as `f64`, as the apiserver's Go type holds them as `float64`, so `0` is
/// written back as `0.0` and `9223372036854775000` as `9.223372036854775e18`: the same numbers.
pub fn float_bounds(schema: &mut Value) {
    let Some(node) = schema.as_object_mut() else {
        return;
    };
    float_bound_node(node);
    subschemas(node).into_iter().for_each(float_bounds);
}

fn float_bound_node(node: &mut Map<String, Value>) {
    for key in ["minimum", "maximum", "multipleOf"] {
        let bound = node.get(key).and_then(Value::as_f64);
        if let Some(bound) = bound.and_then(serde_json::Number::from_f64) {
            node.insert(key.to_owned(), Value::Number(bound));
        }
    }
}

/// The direct subschemas of a schema node (not the values of `default`, `enum` or `example`,
/// which are data).
fn subschemas(node: &mut Map<String, Value>) -> Vec<&mut Value> {
    let mut out = Vec::new();
    for (key, value) in node.iter_mut() {
        match (key.as_str(), value) {
            ("properties" | "patternProperties" | "definitions", Value::Object(map)) => {
                out.extend(map.values_mut());
            }
            (
                "items" | "additionalProperties" | "not" | "anyOf" | "oneOf" | "allOf",
                Value::Array(items),
            ) => {
                out.extend(items.iter_mut());
            }
            ("items" | "additionalProperties" | "not", other) => out.push(other),
            _ => {}
        }
    }
    out
}

fn is_int_or_string_any_of(any_of: &Value) -> bool {
    let Some(variants) = any_of.as_array() else {
        return false;
    };
    let mut types: Vec<&str> = variants
        .iter()
        .filter_map(|v| {
            let object = v.as_object()?;
            (object.len() == 1).then_some(())?;
            object.get("type")?.as_str()
        })
        .collect();
    types.sort_unstable();
    variants.len() == 2 && types == ["integer", "string"]
}

/// The differences between `expected` and `actual`, one line each, as JSON paths
/// (`.properties.spec.required`), at most `limit` lines (the last one says how many more).
pub fn diff(expected: &Value, actual: &Value, limit: usize) -> Vec<String> {
    let mut lines = Vec::new();
    walk("", expected, actual, &mut lines);
    if lines.len() > limit {
        let more = lines.len() - limit + 1;
        lines.truncate(limit - 1);
        lines.push(format!("... and {more} more differences"));
    }
    lines
}

fn walk(path: &str, expected: &Value, actual: &Value, lines: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (key, e_value) in e {
                let child = format!("{path}.{key}");
                match a.get(key) {
                    Some(a_value) => walk(&child, e_value, a_value, lines),
                    None => lines.push(format!("{child}: missing (expected {})", short(e_value))),
                }
            }
            for (key, a_value) in a {
                if !e.contains_key(key) {
                    lines.push(format!("{path}.{key}: unexpected {}", short(a_value)));
                }
            }
        }
        (Value::Array(e), Value::Array(a)) if e.len() == a.len() && !is_scalars(e) => {
            for (i, (e_item, a_item)) in e.iter().zip(a).enumerate() {
                walk(&format!("{path}[{i}]"), e_item, a_item, lines);
            }
        }
        _ if expected != actual => lines.push(format!(
            "{}: expected {}, got {}",
            if path.is_empty() { "." } else { path },
            short(expected),
            short(actual)
        )),
        _ => {}
    }
}

fn is_scalars(items: &[Value]) -> bool {
    items.iter().all(|v| !v.is_object() && !v.is_array())
}

/// `value` as compact JSON, cut at 200 characters.
fn short(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(200) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn float_bounds_rewrites_only_the_bounds_and_everywhere() {
        let mut schema = json!({"properties": {"n": {"type": "integer", "minimum": 0,
            "maximum": 9223372036854775000_u64, "default": 0, "enum": [1, 2]}},
            "items": {"multipleOf": 2}});
        float_bounds(&mut schema);
        assert_eq!(
            schema,
            json!({"properties": {"n": {"type": "integer", "minimum": 0.0,
                "maximum": 9.223372036854775e18, "default": 0, "enum": [1, 2]}},
                "items": {"multipleOf": 2.0}})
        );
    }

    #[test]
    fn empty_properties_and_the_spelling_of_bounds_are_not_compared() {
        let mut input = json!({"properties": {"spec": {"type": "object", "properties": {
            "none": {"type": "object", "properties": {}},
            "n": {"type": "integer", "maximum": 9223372036854775807_u64, "minimum": 0}}}}});
        canonical(&mut input);
        let mut derived = json!({"properties": {"spec": {"type": "object", "properties": {
            "none": {"type": "object"},
            "n": {"type": "integer", "maximum": 9.223372036854776e18, "minimum": 0.0}}}}});
        canonical(&mut derived);
        assert_eq!(input, derived);
    }

    #[test]
    fn documentation_and_root_boilerplate_are_not_compared() {
        let mut input = json!({
            "description": "a Foo",
            "properties": {
                "apiVersion": {"type": "string", "description": "the version"},
                "kind": {"type": "string"},
                "metadata": {"type": "object"},
                "spec": {"type": "object", "description": "the spec", "properties": {
                    "port": {"x-kubernetes-int-or-string": true,
                             "anyOf": [{"type": "integer"}, {"type": "string"}]}
                }}
            },
            "type": "object"
        });
        canonical(&mut input);
        let derived = json!({
            "properties": {"spec": {"type": "object", "properties": {
                "port": {"x-kubernetes-int-or-string": true}
            }}},
            "type": "object"
        });
        assert_eq!(input, derived);
        let mut input = json!({"required": ["metadata", "spec"], "properties": {"spec": {
            "type": "object", "properties": {"n": {"type": "integer", "format": "int64"},
                                             "f": {"type": "number", "format": "double"},
                                             "i": {"type": "integer", "format": "int32"}}}}});
        canonical(&mut input);
        let derived = json!({"properties": {"spec": {
            "type": "object", "properties": {"n": {"type": "integer"}, "f": {"type": "number"},
                                             "i": {"type": "integer", "format": "int32"}}}}});
        assert_eq!(input, derived);
    }

    #[test]
    fn a_constrained_metadata_schema_is_kept() {
        let mut input = json!({"properties": {
            "metadata": {"type": "object", "properties": {"name": {"maxLength": 63, "type": "string"}}}
        }});
        let before = input.clone();
        canonical(&mut input);
        assert_eq!(input, before);
    }

    #[test]
    fn the_diff_names_each_difference_by_its_path() {
        let expected = json!({"properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
                              "required": ["a", "b"]});
        let actual = json!({"properties": {"a": {"type": "integer"}, "c": {"type": "integer"}},
                            "required": ["a"]});
        assert_eq!(
            diff(&expected, &actual, 10),
            [
                r#".properties.a.type: expected "string", got "integer""#,
                r#".properties.b: missing (expected {"type":"integer"})"#,
                r#".properties.c: unexpected {"type":"integer"}"#,
                r#".required: expected ["a","b"], got ["a"]"#,
            ]
        );
        assert_eq!(diff(&expected, &actual, 2)[1], "... and 3 more differences");
    }
}
