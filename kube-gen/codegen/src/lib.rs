//! The resource model (group, version, kind, plural, scope, subresources,
//! schema) and the one emitter that turns it into Rust tokens. Both
//! `kube-gen-derive` and the `kube-gen` CLI stand on it, so a resource is
//! described and generated in exactly one way.
