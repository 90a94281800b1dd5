use kube_gen::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

// The apiserver takes a lowercase kind, but it can't name the root type.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[kube(group = "acid.zalan.do", version = "v1", kind = "postgresql")]
pub struct PostgresqlSpec {
    pub team_id: String,
}

// `struct` must be a Rust identifier.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[kube(
    group = "example.com",
    version = "v1",
    kind = "my-kind",
    struct = "my-kind"
)]
pub struct MyKindSpec {
    pub replicas: i32,
}

fn main() {}
