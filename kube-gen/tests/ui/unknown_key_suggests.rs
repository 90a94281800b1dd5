use kube_gen::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[kube(
    group = "example.com",
    version = "v1",
    kind = "Foo",
    shortnames = "fo",
    namespace,
    print_column(name = "A"),
    xyzzy,
    crates(kube_cor = "::kube::core")
)]
pub struct FooSpec {
    pub replicas: i32,
}

fn main() {}
