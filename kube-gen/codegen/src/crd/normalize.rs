//! Puts a CRD (as JSON) in a canonical form so two CRDs that mean the same compare equal.

use serde_json::{Number, Value};

/// Normalises `value` in place, recursively:
///
/// - `required` lists are sorted (their order carries no meaning);
/// - numbers with an integral value are integers (`100.0` and `100` are one number);
/// - `description`s have each line trimmed (doc comments do that);
/// - empty `required` lists and `null`s are removed.
///
/// ```
/// # use serde_json::json;
/// let mut a = json!({"required": ["b", "a"], "maximum": 100.0, "x": null});
/// kube_gen_codegen::crd::normalize(&mut a);
/// assert_eq!(a, json!({"required": ["a", "b"], "maximum": 100}));
/// ```
pub fn normalize(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            if let Some(Value::Array(required)) = map.get_mut("required") {
                required.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
                if required.is_empty() {
                    map.remove("required");
                }
            }
            if let Some(Value::String(description)) = map.get_mut("description") {
                *description = description
                    .lines()
                    .map(str::trim)
                    .collect::<Vec<_>>()
                    .join("\n")
                    .trim()
                    .to_owned();
            }
            map.values_mut().for_each(normalize);
        }
        Value::Array(items) => items.iter_mut().for_each(normalize),
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15) {
                *n = Number::from(f as i64);
            }
        }
        Value::Null | Value::Bool(_) | Value::String(_) => {}
    }
}
