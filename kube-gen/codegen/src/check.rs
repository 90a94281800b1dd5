//! The checks of `#[kube(...)]` values, one function per key: the derive runs them on its
//! attributes and the CLI on the CRD values it writes as those keys, so the CLI never writes a
//! value the derive rejects.
//!
//! Each returns a message that says what to do; the derive attaches it to the offending token
//! and the CLI to a file position. The naming rules themselves live in [`names`].

use crate::names;

/// `group = "..."`: a DNS-1123 subdomain with at least one dot ([`names::check_group`]).
///
/// # Errors
///
/// The rule broken, with an example.
pub fn group(group: &str) -> Result<(), String> {
    names::check_group(group)
}

/// `version = "..."`: `v1`, `v1beta2`, `v2alpha1` ([`names::check_version`]). Stricter than the
/// apiserver, which takes any DNS-1035 label.
///
/// # Errors
///
/// The expected shape.
pub fn version(version: &str) -> Result<(), String> {
    names::check_version(version)
}

/// `kind = "..."`: what the apiserver accepts ([`names::check_kind`]); a kind that can't name
/// the root type needs `root` too, which is not this check's business.
///
/// # Errors
///
/// The rule broken.
pub fn kind(kind: &str) -> Result<(), String> {
    names::check_kind(kind)
}

/// `root = "..."` (and its alias `struct`): a Rust identifier ([`names::check_type_name`]).
///
/// # Errors
///
/// The rule broken, with an UpperCamelCase suggestion.
pub fn root(root: &str) -> Result<(), String> {
    names::check_type_name(root)
}

/// `plural = "..."`: a lowercase DNS-1035 label.
///
/// # Errors
///
/// The rule broken.
pub fn plural(plural: &str) -> Result<(), String> {
    names::check_name("plural", plural)
}

/// `singular = "..."`: a lowercase DNS-1035 label.
///
/// # Errors
///
/// The rule broken.
pub fn singular(singular: &str) -> Result<(), String> {
    names::check_name("singular", singular)
}

/// `shortname = "..."`: a lowercase DNS-1035 label.
///
/// # Errors
///
/// The rule broken.
pub fn short_name(short_name: &str) -> Result<(), String> {
    names::check_name("short name", short_name)
}

/// `category = "..."`: a lowercase DNS-1035 label.
///
/// # Errors
///
/// The rule broken.
pub fn category(category: &str) -> Result<(), String> {
    names::check_name("category", category)
}

/// A JSON path from the object's root, as `selectable`, `printcolumn(json_path)` and the
/// paths of `scale(...)` take it: `.` and at least one more character (`.spec.replicas`).
///
/// # Errors
///
/// What a path must start with, with an example.
///
/// # Examples
///
/// ```
/// use kube_gen_codegen::check;
///
/// assert!(check::json_path(".spec.replicas").is_ok());
/// assert!(check::json_path("spec.replicas").unwrap_err().contains("must start with `.`"));
/// ```
pub fn json_path(path: &str) -> Result<(), String> {
    if path.starts_with('.') && path.len() > 1 {
        Ok(())
    } else {
        Err(format!(
            "`{path}` is not a JSON path from the object's root: it must start with `.`, like \".spec.replicas\""
        ))
    }
}

/// The types `printcolumn(type_ = ...)` takes, as the apiserver's printer columns.
pub const COLUMN_TYPES: &[&str] = &["integer", "number", "string", "boolean", "date"];

/// `printcolumn(type_ = ...)`: one of [`COLUMN_TYPES`].
///
/// # Errors
///
/// The types there are.
pub fn column_type(type_: &str) -> Result<(), String> {
    if COLUMN_TYPES.contains(&type_) {
        return Ok(());
    }
    Err(format!(
        "unknown column type `{type_}`; expected one of: {}",
        COLUMN_TYPES.join(", ")
    ))
}

/// `scale(spec_replicas_path = ...)`, spelled `key` in the caller's input: a path under
/// `.spec.`, or anywhere when `no_spec` puts the spec's fields at the root.
///
/// # Errors
///
/// Where the path must be, with an example.
pub fn spec_replicas_path(key: &str, path: &str, no_spec: bool) -> Result<(), String> {
    under(key, path, ".spec.", no_spec)
}

/// `scale(status_replicas_path = ...)`, spelled `key` in the caller's input: a path under
/// `.status.`.
///
/// # Errors
///
/// Where the path must be, with an example.
pub fn status_replicas_path(key: &str, path: &str) -> Result<(), String> {
    under(key, path, ".status.", false)
}

fn under(key: &str, path: &str, prefix: &str, anywhere: bool) -> Result<(), String> {
    if path.starts_with(prefix) || anywhere {
        return Ok(());
    }
    Err(format!(
        "`{key}` must be a JSON path under `{prefix}`, like \"{prefix}replicas\", not `{path}`"
    ))
}

/// `validation(rule = ...)`: a CEL rule that is not blank.
///
/// # Errors
///
/// That the rule is empty.
pub fn rule(rule: &str) -> Result<(), String> {
    if rule.trim().is_empty() {
        return Err("the CEL rule is empty".into());
    }
    Ok(())
}

/// The reasons `validation(reason = ...)` takes, as the apiserver's `x-kubernetes-validations`.
pub const REASONS: &[&str] = &[
    "FieldValueInvalid",
    "FieldValueForbidden",
    "FieldValueRequired",
    "FieldValueDuplicate",
];

/// `validation(reason = ...)`: one of [`REASONS`].
///
/// # Errors
///
/// The reasons there are.
pub fn reason(reason: &str) -> Result<(), String> {
    if REASONS.contains(&reason) {
        return Ok(());
    }
    Err(format!(
        "unknown reason `{reason}`; expected one of: {}",
        REASONS.join(", ")
    ))
}

/// Field names the root object already has, which the fields `no_spec` lifts onto it would
/// serialize twice.
pub const ROOT_OWN_FIELDS: [&str; 5] = ["apiVersion", "api_version", "kind", "metadata", "status"];

/// A field of a `no_spec` spec, by its Rust name: none of [`ROOT_OWN_FIELDS`].
///
/// # Errors
///
/// That the name is taken, and how to keep the JSON name.
pub fn root_field(ident: &str) -> Result<(), String> {
    if ROOT_OWN_FIELDS.contains(&ident) {
        return Err(format!(
            "`no_spec` lifts this field onto the root object, where `{ident}` is already taken; rename it (`#[serde(rename = \"...\")]` keeps the JSON name)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_paths_start_at_the_root() {
        assert!(json_path(".spec.replicas").is_ok());
        assert!(json_path(".a").is_ok());
        for bad in ["", ".", "spec.replicas", "$.spec"] {
            assert!(json_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn scale_paths_sit_under_spec_and_status() {
        assert!(spec_replicas_path("k", ".spec.replicas", false).is_ok());
        assert!(spec_replicas_path("k", ".replicas", true).is_ok());
        assert_eq!(
            spec_replicas_path("spec_replicas_path", ".status.replicas", false).unwrap_err(),
            "`spec_replicas_path` must be a JSON path under `.spec.`, like \".spec.replicas\", not `.status.replicas`"
        );
        assert!(status_replicas_path("k", ".status.replicas").is_ok());
        assert!(status_replicas_path("k", ".spec.replicas").is_err());
    }

    #[test]
    fn columns_rules_and_reasons_take_what_the_apiserver_does() {
        for ok in COLUMN_TYPES {
            assert!(column_type(ok).is_ok());
        }
        assert!(column_type("int").unwrap_err().contains("expected one of"));
        assert!(rule("self.x > 1").is_ok());
        assert!(rule(" \n").is_err());
        assert!(reason("FieldValueForbidden").is_ok());
        assert!(reason("Because").is_err());
    }

    #[test]
    fn the_root_objects_own_fields_are_taken() {
        for taken in ROOT_OWN_FIELDS {
            assert!(root_field(taken).is_err(), "{taken}");
        }
        assert!(root_field("kind_2").is_ok());
        assert!(root_field("spec").is_ok());
    }
}
