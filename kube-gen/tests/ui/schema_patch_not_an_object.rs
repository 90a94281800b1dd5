use kube_gen::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[kube(group = "example.com", version = "v1", kind = "Foo", schema_patch = r#"["title"]"#)]
pub struct FooSpec {
    pub replicas: i32,
}

#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[kube(group = "example.com", version = "v1", kind = "Bar", schema_patch = "{title: null}")]
pub struct BarSpec {
    pub replicas: i32,
}

fn main() {}
