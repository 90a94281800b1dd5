//! `#[kube(schema_patch = "...")]`: a JSON merge patch (RFC 7386) applied to the root schema,
//! for what no Rust type says at the root: the CLI uses it to give a generated type's `crd()`
//! the input's root `title`, `description`, `required` and `apiVersion`/`kind`/`metadata`
//! properties, byte for byte.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::JSONSchemaProps;
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
    let patch: Value = serde_json::from_str(patch)
        .unwrap_or_else(|err| panic!("`schema_patch` is not JSON: {err}"));
    let mut value = serde_json::to_value(&*schema).expect("a JSONSchemaProps is JSON");
    merge_patch(&mut value, &patch);
    *schema = serde_json::from_value(value)
        .unwrap_or_else(|err| panic!("`schema_patch` makes the root schema invalid: {err}"));
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
