//! What `--target kube` output cannot do that the user should hear about before running it.
//!
//! kube-derive's structural rewrite moves the properties a `oneOf`/`anyOf` branch names up
//! into the object and panics in `crd()` when one differs from the object's own (as a branch
//! that only constrains a property always does). Our derive leaves branches as written.

use serde_json::Value;

use crate::crd::Version;
use crate::types::Item;

/// A line for `version` when kept `oneOf`/`anyOf` branches of its types name properties.
pub fn kube_target_warning(version: &Version) -> Option<String> {
    let mut types = Vec::new();
    for item in &version.types.items {
        let Item::Struct(s) = item else { continue };
        let kept = s
            .extend
            .iter()
            .chain(s.fields.iter().flat_map(|f| &f.extend));
        let mut properties = Vec::new();
        for (key, value) in kept {
            branch_properties(key, value, &mut properties);
        }
        if !properties.is_empty() {
            types.push(s.name.as_str());
        }
    }
    let shown = types.iter().take(3).copied().collect::<Vec<_>>().join(", ");
    let more = match types.len() {
        0 => return None,
        1..=3 => String::new(),
        n => format!(" and {} more", n - 3),
    };
    let names = &version.resource.names;
    Some(format!(
        "{}: {} {}: with --target kube, {}::crd() panics: kube-derive moves the properties \
         that oneOf/anyOf branches name into the object, where they differ from its own (in \
         {shown}{more}); the default target keeps the branches as written",
        version.file,
        names.crd_name(),
        names.version,
        version.resource.root(),
    ))
}

/// The property names of `oneOf`/`anyOf` branches in the kept keyword `key: value`, at any
/// depth.
fn branch_properties(key: &str, value: &Value, out: &mut Vec<String>) {
    if matches!(key, "oneOf" | "anyOf")
        && let Some(branches) = value.as_array()
    {
        for branch in branches {
            if let Some(properties) = branch.get("properties").and_then(Value::as_object) {
                out.extend(properties.keys().cloned());
            }
        }
    }
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                branch_properties(key, value, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                branch_properties("", item, out);
            }
        }
        _ => {}
    }
}
