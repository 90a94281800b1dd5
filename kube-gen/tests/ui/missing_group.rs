use kube_gen::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[kube(version = "v1", kind = "Foo")]
pub struct FooSpec {
    pub replicas: i32,
}

fn main() {}
