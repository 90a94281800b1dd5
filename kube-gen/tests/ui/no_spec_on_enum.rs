use kube_gen::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

// An enum can be a spec, as in kube-derive, but it has no fields to lift onto the root.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[kube(group = "example.com", version = "v1", kind = "Foo", no_spec)]
pub enum FooSpec {
    A,
    B,
}

// `no_spec` fields sit next to `metadata`, so none may be called that.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[kube(group = "example.com", version = "v1", kind = "Bar", no_spec)]
pub struct BarFields {
    pub metadata: String,
}

fn main() {}
