use kube_gen::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[kube(group = example.com, version = 1, kind = "Foo", namespaced = "yes", printcolumn = "{}", served = "no")]
#[kube(scale = r#"{"specReplicasPath": "spec.replicas"}"#, crates(kube = 1))]
pub struct FooSpec {
    pub replicas: i32,
}

fn main() {}
