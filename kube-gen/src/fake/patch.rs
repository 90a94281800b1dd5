//! Patches: JSON patch (RFC 6902) and merge patch (RFC 7386), which also stands in for strategic merge and apply.
//!
//! The fake has no schemas, so it cannot know which lists merge by key (strategic merge) or
//! which fields each manager owns (server-side apply). Both are applied as a merge patch:
//! maps merge key by key, `null` deletes, and lists are replaced whole. Strategic merge
//! directives (`$patch`, `$retainKeys`, `$setElementOrder/...`, `$deleteFromPrimitiveList/...`)
//! are dropped before merging. An apply never conflicts with another manager, and the apply
//! body must be JSON (which is what kube sends), not YAML.

use kube::core::Status;
use serde_json::Value;

use super::actions::PatchType;
use super::reactors::bad_request;

/// Applies a patch body of the given type to `doc`.
pub(crate) fn apply(
    doc: &mut Value,
    patch_type: PatchType,
    body: &Value,
) -> Result<(), Box<Status>> {
    match patch_type {
        PatchType::Json => {
            let patch: json_patch::Patch = serde_json::from_value(body.clone())
                .map_err(|err| bad_request(&format!("invalid JSON patch: {err}")))?;
            json_patch::patch(doc, &patch).map_err(|err| failure_to_apply(&err.to_string()))
        }
        PatchType::Merge | PatchType::Apply => {
            require_object(body)?;
            json_patch::merge(doc, body);
            Ok(())
        }
        PatchType::Strategic => {
            require_object(body)?;
            json_patch::merge(doc, &without_directives(body));
            Ok(())
        }
    }
}

fn require_object(body: &Value) -> Result<(), Box<Status>> {
    if body.is_object() {
        Ok(())
    } else {
        Err(bad_request("a merge patch must be a JSON object"))
    }
}

fn failure_to_apply(message: &str) -> Box<Status> {
    // kube-apiserver answers a JSON patch that does not apply (a failed `test`, a missing
    // path) with 422 Invalid.
    super::reactors::failure(
        422,
        "Invalid",
        &format!("the patch could not be applied: {message}"),
    )
}

/// A strategic merge patch without its `$`-directives, recursively.
fn without_directives(body: &Value) -> Value {
    match body {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(key, _)| !key.starts_with('$'))
                .map(|(key, value)| (key.clone(), without_directives(value)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_directives).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_merge_patch_merges_maps_and_deletes_nulls() {
        let mut doc = json!({"data": {"a": "1", "b": "2"}, "keep": true});
        apply(
            &mut doc,
            PatchType::Merge,
            &json!({"data": {"a": null, "c": "3"}}),
        )
        .unwrap();
        assert_eq!(doc, json!({"data": {"b": "2", "c": "3"}, "keep": true}));
    }

    #[test]
    fn a_json_patch_applies_its_operations_in_order() {
        let mut doc = json!({"spec": {"replicas": 1}});
        let ops = json!([
            {"op": "test", "path": "/spec/replicas", "value": 1},
            {"op": "replace", "path": "/spec/replicas", "value": 3}
        ]);
        apply(&mut doc, PatchType::Json, &ops).unwrap();
        assert_eq!(doc, json!({"spec": {"replicas": 3}}));
    }

    #[test]
    fn a_failed_json_patch_test_is_invalid_and_changes_nothing() {
        let mut doc = json!({"spec": {"replicas": 1}});
        let ops = json!([{"op": "test", "path": "/spec/replicas", "value": 2}]);
        let status = apply(&mut doc, PatchType::Json, &ops).unwrap_err();
        assert_eq!(status.code, 422);
        assert_eq!(doc, json!({"spec": {"replicas": 1}}));
    }

    #[test]
    fn strategic_merge_directives_are_dropped() {
        let mut doc = json!({"spec": {"a": 1}});
        let body = json!({"spec": {"$retainKeys": ["a"], "b": 2}});
        apply(&mut doc, PatchType::Strategic, &body).unwrap();
        assert_eq!(doc, json!({"spec": {"a": 1, "b": 2}}));
    }

    #[test]
    fn a_merge_patch_must_be_an_object() {
        let mut doc = json!({});
        assert_eq!(
            apply(&mut doc, PatchType::Merge, &json!([1]))
                .unwrap_err()
                .code,
            400
        );
    }
}
