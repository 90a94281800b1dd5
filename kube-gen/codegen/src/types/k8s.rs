//! The schemas k8s-openapi's types bring with them (`Time`, `IntOrString`, `Condition`,
//! `ObjectReference`): the CLI keeps whatever an input says beyond them, and takes back the
//! descriptions they add where the input has none.

use std::sync::OnceLock;

use k8s_openapi::api::core::v1::ObjectReference;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use schemars::JsonSchema;
use serde_json::Value;

use super::Type;

/// The structural schema a field of type `ty` gets from k8s-openapi, as JSON; `None` for
/// types that are not k8s-openapi's.
pub(super) fn schema(ty: &Type) -> Option<&'static Value> {
    static TIME: OnceLock<Value> = OnceLock::new();
    static INT_OR_STRING: OnceLock<Value> = OnceLock::new();
    static CONDITION: OnceLock<Value> = OnceLock::new();
    static OBJECT_REFERENCE: OnceLock<Value> = OnceLock::new();
    Some(match ty {
        Type::Time => TIME.get_or_init(of::<Time>),
        Type::IntOrString => INT_OR_STRING.get_or_init(of::<IntOrString>),
        Type::Condition => CONDITION.get_or_init(of::<Condition>),
        Type::ObjectReference => OBJECT_REFERENCE.get_or_init(of::<ObjectReference>),
        _ => return None,
    })
}

/// The description k8s-openapi's schema of `ty` carries, if any.
pub(super) fn description(ty: &Type) -> Option<&'static Value> {
    schema(ty)?.get("description")
}

fn of<T: JsonSchema>() -> Value {
    serde_json::to_value(crate::runtime::structural_schema::<T>()).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn k8s_types_describe_themselves_and_others_have_no_schema() {
        for ty in [Type::Time, Type::IntOrString, Type::ObjectReference] {
            assert!(description(&ty).is_some(), "{ty:?}");
        }
        assert_eq!(schema(&Type::Time).unwrap()["format"], "date-time");
        assert!(schema(&Type::String).is_none());
    }
}
