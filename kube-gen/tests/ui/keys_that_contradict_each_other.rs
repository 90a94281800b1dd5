use kube_gen::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

// An alias next to its key, and `cel` (which runs the derived schema's rules) with a manual one.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug)]
#[kube(group = "example.com", version = "v1", kind = "Foo", root = "Foo", struct = "Bar")]
#[kube(no_spec, root_fields, cel, schema = "manual")]
pub struct FooSpec {
    pub replicas: i32,
}

impl JsonSchema for Foo {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Foo".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "object"})
    }
}

fn main() {}
