use kube_gen::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[kube(group = "example.com", version = "v1", kind = "Foo")]
#[kube(attr = "derive(Default)", attr = "serde(rename_all = \"snake_case\")")]
pub struct FooSpec {
    pub replicas: i32,
}

fn main() {}
