//! The resource model (group, version, kind, plural, scope, subresources, schema) and the one
//! emitter that turns it into Rust tokens. Both `kube-gen-derive` and the `kube-gen` CLI stand
//! on it, so a resource is described and generated in exactly one way.
//!
//! - [`model`]: the typed description of one custom resource version;
//! - [`names`]: default plural/singular and the naming rules the apiserver enforces;
//! - [`emit`]: model → tokens, one function per generated item;
//! - `runtime` (feature `runtime`): what generated code calls at run time — structural
//!   schemas and `merge_crds` for multi-version CRDs.

pub mod emit;
pub mod model;
pub mod names;
#[cfg(feature = "runtime")]
pub mod runtime;

#[cfg(feature = "runtime")]
pub use runtime::{MergeError, merge_crds};
