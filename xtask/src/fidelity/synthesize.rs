//! An object synthesised from a CRD schema with every property set, for the round trip.
//!
//! The value respects what deserialisation into the generated types looks at — types,
//! formats Rust parses (`date-time`), enums, int-or-string, maps, preserved fields — and
//! ignores what it doesn't (patterns, lengths, ranges, CEL). Arrays get one element, maps
//! one entry, objects that keep unknown fields one extra field; nullable fields get a value.

use serde_json::{Map, Value, json};

/// An extra field put into every object that keeps unknown fields, to see it kept.
pub const EXTRA_FIELD: &str = "fidelityExtra";

/// A whole object of `api_version`/`kind` for the root `schema` of one version.
pub fn object(schema: &Value, api_version: &str, kind: &str) -> Value {
    let mut object = match value(schema) {
        Some(Value::Object(map)) => map,
        _ => Map::new(),
    };
    object.insert("apiVersion".into(), api_version.into());
    object.insert("kind".into(), kind.into());
    object.insert("metadata".into(), json!({"name": "fidelity"}));
    Value::Object(object)
}

/// A value valid for `schema`, or `None` for a schema nothing can satisfy usefully.
pub fn value(schema: &Value) -> Option<Value> {
    let flag = |key: &str| schema.get(key) == Some(&Value::Bool(true));
    if flag("x-kubernetes-int-or-string") {
        return Some(json!(1));
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|v| v.first())
    {
        return Some(first.clone());
    }
    let preserve = flag("x-kubernetes-preserve-unknown-fields");
    let properties = schema.get("properties").and_then(Value::as_object);
    match schema.get("type").and_then(Value::as_str) {
        Some("object") => Some(object_value(schema, properties, preserve)),
        None if properties.is_some() || flag("x-kubernetes-embedded-resource") => {
            Some(object_value(schema, properties, preserve))
        }
        None if preserve => Some(json!({EXTRA_FIELD: "kept"})),
        None => None,
        Some("array") => {
            let item = schema.get("items").and_then(value);
            Some(Value::Array(item.into_iter().collect()))
        }
        Some("string") => Some(string(schema.get("format").and_then(Value::as_str)).into()),
        Some("integer") => Some(json!(1)),
        Some("number") => Some(json!(1.5)),
        Some("boolean") => Some(json!(true)),
        Some(_) => None,
    }
}

fn object_value(schema: &Value, properties: Option<&Map<String, Value>>, preserve: bool) -> Value {
    let mut out = Map::new();
    if schema.get("x-kubernetes-embedded-resource") == Some(&Value::Bool(true)) {
        out.insert("apiVersion".into(), "v1".into());
        out.insert("kind".into(), "ConfigMap".into());
        out.insert("metadata".into(), json!({"name": "embedded"}));
    }
    for (name, property) in properties.into_iter().flatten() {
        if let Some(v) = value(property) {
            out.insert(name.clone(), v);
        }
    }
    match schema.get("additionalProperties") {
        Some(Value::Bool(true)) => {
            out.insert("key".into(), "value".into());
        }
        Some(values @ Value::Object(_)) => {
            if let Some(v) = value(values) {
                out.insert("key".into(), v);
            }
        }
        _ if preserve => {
            out.insert(EXTRA_FIELD.into(), "kept".into());
        }
        _ => {}
    }
    Value::Object(out)
}

/// A string in `format`, for the formats the generated types parse.
fn string(format: Option<&str>) -> &'static str {
    match format {
        Some("date-time") => "2024-01-02T03:04:05Z",
        Some("date") => "2024-01-02",
        Some("byte") => "Zmlk",
        Some("duration") => "1m",
        _ => "fidelity",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_property_is_set_and_shaped_by_its_schema() {
        let schema = json!({"type": "object", "properties": {
            "spec": {"type": "object", "properties": {
                "at": {"type": "string", "format": "date-time"},
                "mode": {"type": "string", "enum": ["Fast", "Slow"]},
                "port": {"x-kubernetes-int-or-string": true},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "raw": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                "items": {"type": "array", "items": {"type": "integer"}},
                "ratio": {"type": "number", "nullable": true},
                "on": {"type": "boolean"}
            }}
        }});
        assert_eq!(
            object(&schema, "x.io/v1", "Foo"),
            json!({
                "apiVersion": "x.io/v1", "kind": "Foo", "metadata": {"name": "fidelity"},
                "spec": {
                    "at": "2024-01-02T03:04:05Z", "mode": "Fast", "port": 1,
                    "labels": {"key": "fidelity"}, "raw": {EXTRA_FIELD: "kept"},
                    "items": [1], "ratio": 1.5, "on": true
                }
            })
        );
    }

    #[test]
    fn objects_that_keep_unknown_fields_get_one_next_to_their_properties() {
        let schema = json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true,
                            "properties": {"a": {"type": "string"}}});
        assert_eq!(
            value(&schema).unwrap(),
            json!({"a": "fidelity", EXTRA_FIELD: "kept"})
        );
    }
}
