//! `#[kube(schema_patch = "...")]` and `#[kube(version_patch = "...")]`: JSON merge patches
//! (RFC 7386) applied to the root schema and to the CRD version, for what no Rust type or other
//! attribute says: the CLI uses them to give a generated type's `crd()` the input's root
//! `title`, `description`, `required` lists and `apiVersion`/`kind`/`metadata` properties, and
//! its `subresources` as written, byte for byte.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceDefinitionVersion, JSONSchemaProps,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Applies the merge patch `patch` (JSON text) to `schema`: objects merge key by key, `null`
/// removes a key, anything else replaces it.
///
/// # Panics
///
/// When `patch` is not a JSON object or the patched schema is not a `JSONSchemaProps` (a
/// `required` that is not a list of strings, say); `#[derive(CustomResource)]` has checked
/// the first at compile time.
pub fn patch_schema(schema: &mut JSONSchemaProps, patch: &str) {
    apply(schema, patch, "schema_patch");
}

/// Applies the merge patch `patch` (JSON text) to the CRD version `version`.
///
/// # Panics
///
/// As [`patch_schema`].
pub fn patch_version(version: &mut CustomResourceDefinitionVersion, patch: &str) {
    apply(version, patch, "version_patch");
}

fn apply<T: Serialize + DeserializeOwned>(target: &mut T, patch: &str, key: &str) {
    let patch: Value =
        serde_json::from_str(patch).unwrap_or_else(|err| panic!("`{key}` is not JSON: {err}"));
    let mut value = serde_json::to_value(&*target).expect("k8s-openapi types are JSON");
    merge_patch(&mut value, &patch);
    *target = serde_json::from_value(value)
        .unwrap_or_else(|err| panic!("`{key}` makes the CRD invalid: {err}"));
}

/// RFC 7386's `MergePatch(target, patch)`, in place.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(serde_json::Map::new());
    }
    let Value::Object(target) = target else {
        unreachable!("made an object above");
    };
    for (key, value) in patch {
        if value.is_null() {
            target.remove(key);
        } else {
            merge_patch(target.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

/// The merge patch that turns `from` into `to`: keys `to` lacks become `null`, differing
/// objects are patched key by key and anything else is replaced; `None` when they are equal.
/// (`to` must hold no `null`s, which a merge patch cannot write.)
pub fn merge_patch_between(from: &Value, to: &Value) -> Option<Value> {
    if from == to {
        return None;
    }
    let (Value::Object(from), Value::Object(to)) = (from, to) else {
        return Some(to.clone());
    };
    let mut patch = serde_json::Map::new();
    for key in from.keys().filter(|k| !to.contains_key(*k)) {
        patch.insert(key.clone(), Value::Null);
    }
    for (key, value) in to {
        let before = from.get(key).unwrap_or(&Value::Null);
        if let Some(change) = merge_patch_between(before, value) {
            patch.insert(key.clone(), change);
        }
    }
    Some(Value::Object(patch))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_rfc_7386_examples_hold() {
        // RFC 7386, appendix A
        let cases = [
            (json!({"a": "b"}), json!({"a": "c"}), json!({"a": "c"})),
            (
                json!({"a": "b"}),
                json!({"b": "c"}),
                json!({"a": "b", "b": "c"}),
            ),
            (json!({"a": "b"}), json!({"a": null}), json!({})),
            (
                json!({"a": "b", "b": "c"}),
                json!({"a": null}),
                json!({"b": "c"}),
            ),
            (json!({"a": ["b"]}), json!({"a": "c"}), json!({"a": "c"})),
            (json!({"a": "c"}), json!({"a": ["b"]}), json!({"a": ["b"]})),
            (
                json!({"a": {"b": "c"}}),
                json!({"a": {"b": "d", "c": null}}),
                json!({"a": {"b": "d"}}),
            ),
            (
                json!({"a": [{"b": "c"}]}),
                json!({"a": [1]}),
                json!({"a": [1]}),
            ),
            (json!(["a", "b"]), json!(["c", "d"]), json!(["c", "d"])),
            (json!({"a": "b"}), json!(["c"]), json!(["c"])),
            (json!({"a": "foo"}), json!(null), json!(null)),
            (json!({"a": "foo"}), json!("bar"), json!("bar")),
            (
                json!({"e": null}),
                json!({"a": 1}),
                json!({"e": null, "a": 1}),
            ),
            (
                json!([1, 2]),
                json!({"a": "b", "c": null}),
                json!({"a": "b"}),
            ),
            (
                json!({}),
                json!({"a": {"bb": {"ccc": null}}}),
                json!({"a": {"bb": {}}}),
            ),
        ];
        for (mut target, patch, expected) in cases {
            merge_patch(&mut target, &patch);
            assert_eq!(target, expected, "patch {patch}");
        }
    }

    #[test]
    fn the_patch_between_two_values_turns_one_into_the_other() {
        let cases = [
            (json!({"status": {}}), json!({})),
            (
                json!({"status": {}}),
                json!({"scale": {"a": "b"}, "status": {}}),
            ),
            (json!(null), json!({})),
            (
                json!({"a": {"b": 1, "c": 2}}),
                json!({"a": {"b": 1}, "d": [1]}),
            ),
        ];
        for (from, to) in cases {
            let patch = merge_patch_between(&from, &to).unwrap();
            let mut patched = from.clone();
            merge_patch(&mut patched, &patch);
            assert_eq!(patched, to, "{from} -> {to} by {patch}");
        }
        assert_eq!(
            merge_patch_between(&json!({"a": 1}), &json!({"a": 1})),
            None
        );
    }

    #[test]
    fn a_root_schema_gets_the_inputs_title_required_and_properties() {
        let mut schema: JSONSchemaProps = serde_json::from_value(json!({
            "type": "object", "title": "Foo", "required": ["spec"],
            "properties": {"spec": {"type": "object"}},
        }))
        .unwrap();
        patch_schema(
            &mut schema,
            r#"{"title": null, "required": ["metadata", "spec"],
                "properties": {"kind": {"type": "string", "description": "Kind."}}}"#,
        );
        assert_eq!(
            serde_json::to_value(&schema).unwrap(),
            json!({
                "type": "object", "required": ["metadata", "spec"],
                "properties": {
                    "spec": {"type": "object"},
                    "kind": {"type": "string", "description": "Kind."},
                },
            })
        );
    }
}
