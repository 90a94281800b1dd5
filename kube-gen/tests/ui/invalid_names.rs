use kube_gen::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[kube(
    group = "example",
    version = "1.0",
    kind = "foo_bar",
    plural = "Foos",
    shortname = "f_o"
)]
pub struct FooSpec {
    pub replicas: i32,
}

fn main() {}
