use kube_gen::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[kube(
    group = "example.com",
    version = "v1",
    kind = "Foo",
    status = "FooStatus",
    printcolumn(name = "Replicas", type = "int", json_path = "spec.replicas"),
    printcolumn(type = "integer"),
    selectable = "spec.color",
    validation(message = "no rule"),
    validation(rule = "self.spec.replicas > 0", reason = "Because"),
    schema = "automatic"
)]
pub struct FooSpec {
    pub replicas: i32,
}

#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
pub struct FooStatus {}

// The fallback root type keeps uses of `Foo` from adding errors of their own.
fn main() {
    let foo = Foo::new("name", FooSpec { replicas: 1 });
    let _ = (foo.metadata, foo.spec, foo.status);
}
