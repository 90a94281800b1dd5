//! The schema of an array's items or a map's values, kept verbatim when its Rust type
//! would lose some of it.
//!
//! A field's own keywords (`pattern`, `maxLength`, ...) go on the field, but schemars has no
//! way to put them on the items of a `Vec<String>` or the values of a `BTreeMap<String,
//! IntOrString>`. Real CRDs constrain exactly those (label values, resource quantities,
//! kubebuilder-validated `metav1.Condition`s), so when the element type is a leaf (no
//! generated struct or enum inside, which carry their own keywords) and its schema says
//! more than the type does, the field gets `items`/`additionalProperties` verbatim.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    JSONSchemaProps, JSONSchemaPropsOrArray, JSONSchemaPropsOrBool,
};
use serde_json::Value;

use super::{Type, k8s};

/// `("items", schema)` or `("additionalProperties", schema)` for a field of type `ty` whose
/// element schema in `schema` needs to be kept; empty otherwise.
pub(super) fn element_keywords(ty: &Type, schema: &JSONSchemaProps) -> Vec<(String, Value)> {
    let (key, inner_ty, inner) = match (ty, element(ty, schema)) {
        (Type::Vec(inner_ty), Some(inner)) => ("items", inner_ty, inner),
        (Type::Map(inner_ty), Some(inner)) => ("additionalProperties", inner_ty, inner),
        _ => return Vec::new(),
    };
    if names_a_type(inner_ty) && !is_bounded_string_enum(inner) {
        return Vec::new();
    }
    let Ok(value) = serde_json::to_value(inner) else {
        return Vec::new();
    };
    if is_bounded_string_enum(inner) || says_more(inner_ty, &value) {
        vec![(key.to_owned(), value)]
    } else {
        Vec::new()
    }
}

/// A string enum whose length or pattern is constrained too (rook's `allowedCiphers` items):
/// the generated Rust enum says only the values.
fn is_bounded_string_enum(schema: &JSONSchemaProps) -> bool {
    schema.enum_.is_some()
        && (schema.min_length.is_some() || schema.max_length.is_some() || schema.pattern.is_some())
}

/// The items schema of a `Vec` or the values schema of a map.
fn element<'a>(ty: &Type, schema: &'a JSONSchemaProps) -> Option<&'a JSONSchemaProps> {
    match (ty, &schema.items, &schema.additional_properties) {
        (Type::Vec(_), Some(JSONSchemaPropsOrArray::Schema(items)), _) => Some(items),
        (Type::Map(_), _, Some(JSONSchemaPropsOrBool::Schema(values))) => Some(values),
        _ => None,
    }
}

/// Whether a generated struct or enum sits inside `ty`.
fn names_a_type(ty: &Type) -> bool {
    match ty {
        Type::Named(_) => true,
        Type::Vec(inner) | Type::Map(inner) => names_a_type(inner),
        _ => false,
    }
}

/// Whether `schema` (a leaf or a container of leaves) has keywords type `ty` does not
/// produce by itself.
fn says_more(ty: &Type, schema: &Value) -> bool {
    let Some(object) = schema.as_object() else {
        return false;
    };
    // a description on items says more too: the type has none to give them
    let extra = |allowed: &[&str]| object.keys().any(|k| !allowed.contains(&k.as_str()));
    let format = object.get("format").and_then(Value::as_str);
    match ty {
        Type::Vec(inner) => {
            extra(&["type", "items"]) || object.get("items").is_some_and(|i| says_more(inner, i))
        }
        Type::Map(inner) => {
            extra(&["type", "additionalProperties"])
                || object
                    .get("additionalProperties")
                    .is_some_and(|v| says_more(inner, v))
        }
        Type::Bool | Type::String => extra(&["type"]),
        Type::I32 => extra(&["type", "format"]) || format != Some("int32"),
        Type::I64 => extra(&["type", "format"]) || format != Some("int64"),
        Type::F64 => extra(&["type", "format"]) || format != Some("double"),
        // k8s-openapi's types: anything but their own schema (descriptions included)
        Type::Time | Type::IntOrString | Type::Condition | Type::ObjectReference => {
            k8s::schema(ty) != Some(schema)
        }
        Type::Json => !object.is_empty(),
        Type::Named(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn keywords(ty: Type, schema: Value) -> Vec<(String, Value)> {
        element_keywords(&ty, &serde_json::from_value(schema).unwrap())
    }

    #[test]
    fn plain_elements_need_nothing() {
        let strings = json!({"type": "array", "items": {"type": "string"}});
        assert!(keywords(Type::Vec(Box::new(Type::String)), strings).is_empty());
        // a description is more than the type says
        let described = json!({"type": "string", "description": "x"});
        let strings = json!({"type": "array", "items": described});
        assert_eq!(
            keywords(Type::Vec(Box::new(Type::String)), strings),
            [("items".to_owned(), described)]
        );
        let theirs = k8s::schema(&Type::IntOrString).unwrap().clone();
        let quantities = json!({"type": "object", "additionalProperties": theirs});
        assert!(keywords(Type::Map(Box::new(Type::IntOrString)), quantities).is_empty());
        // `IntOrString` writes a description and no `anyOf`
        let values = json!({"x-kubernetes-int-or-string": true,
            "anyOf": [{"type": "integer"}, {"type": "string"}]});
        let quantities = json!({"type": "object", "additionalProperties": values});
        assert_eq!(
            keywords(Type::Map(Box::new(Type::IntOrString)), quantities),
            [("additionalProperties".to_owned(), values)]
        );
        let ints = json!({"type": "array", "items": {"type": "integer", "format": "int32"}});
        assert!(keywords(Type::Vec(Box::new(Type::I32)), ints).is_empty());
    }

    #[test]
    fn validated_leaves_are_kept_verbatim() {
        let items = json!({"type": "string", "pattern": "^a$", "maxLength": 63});
        let schema = json!({"type": "array", "items": items});
        assert_eq!(
            keywords(Type::Vec(Box::new(Type::String)), schema),
            [("items".to_owned(), items)]
        );
        let values = json!({
            "x-kubernetes-int-or-string": true,
            "anyOf": [{"type": "integer"}, {"type": "string"}],
            "pattern": "^[0-9]+$",
        });
        let schema = json!({"type": "object", "additionalProperties": values});
        assert_eq!(
            keywords(Type::Map(Box::new(Type::IntOrString)), schema),
            [("additionalProperties".to_owned(), values)]
        );
        let objects = json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true});
        let schema = json!({"type": "array", "items": objects});
        assert_eq!(
            keywords(Type::Vec(Box::new(Type::Json)), schema),
            [("items".to_owned(), objects)]
        );
    }

    #[test]
    fn nested_containers_and_conditions_are_looked_into() {
        let schema = json!({"type": "array", "items": {"type": "array", "items": {"type": "string", "minLength": 1}}});
        let nested = Type::Vec(Box::new(Type::Vec(Box::new(Type::String))));
        assert_eq!(keywords(nested, schema).len(), 1);
        // k8s-openapi's own `Condition` schema needs nothing; one that says more is kept
        let conditions = Type::Vec(Box::new(Type::Condition));
        let theirs = k8s::schema(&Type::Condition).unwrap().clone();
        let plain = json!({"type": "array", "items": theirs.clone()});
        assert!(keywords(conditions.clone(), plain).is_empty());
        let mut validated = theirs;
        validated["properties"]["reason"]["maxLength"] = json!(1024);
        let validated = json!({"type": "array", "items": validated});
        assert_eq!(keywords(conditions, validated).len(), 1);
    }

    #[test]
    fn elements_with_generated_types_carry_their_own() {
        let schema = json!({"type": "array", "items": {"type": "string", "enum": ["a"]}});
        assert!(keywords(Type::Vec(Box::new(Type::Named("E".into()))), schema).is_empty());
        // but an enum does not carry a length
        let items = json!({"type": "string", "enum": ["aes"], "minLength": 3});
        let schema = json!({"type": "array", "items": items});
        assert_eq!(
            keywords(Type::Vec(Box::new(Type::Named("E".into()))), schema),
            [("items".to_owned(), items)]
        );
    }
}
