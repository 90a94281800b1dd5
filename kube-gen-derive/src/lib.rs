//! `#[derive(CustomResource)]`: a thin shell that parses `#[kube(...)]`
//! attributes into kube-gen-codegen's resource model and emits from it.
