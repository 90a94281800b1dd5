//! The Rust port of Kubernetes' sample-controller: the Foo API it
//! reconciles. The controller itself lands with its own issue.

pub mod foo;
