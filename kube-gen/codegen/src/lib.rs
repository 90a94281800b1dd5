//! The resource model (group, version, kind, plural, scope, subresources, schema) and the one
//! emitter that turns it into Rust tokens. Both `kube-gen-derive` and the `kube-gen` CLI stand
//! on it, so a resource is described and generated in exactly one way.
//!
//! Applications do not need it directly: `kube-gen` re-exports it as `kube_gen::codegen`
//! (for `merge_crds` and the CRD normaliser, features `runtime` and `cli`), and the derive
//! and the CLI are its only other users.
//!
//! - [`model`]: the typed description of one custom resource version;
//! - [`names`]: default plural/singular and the naming rules the apiserver enforces;
//! - [`check`]: the checks of `#[kube(...)]` values, which the derive and the CLI both run;
//! - [`emit`]: model → tokens, one function per generated item;
//! - `crd` (feature `cli`): CRD YAML/JSON → model + schema, with file/line/JSON-path errors;
//! - `types` (feature `cli`): OpenAPI v3 schema → the Rust type IR the CLI emits from;
//! - `emit::source` (feature `cli`): model + type IR → a formatted Rust file;
//! - `builder` (feature `cli`): `Builder`, the CLI's pipeline for build scripts (as
//!   prost-build is for `.proto` files): CRDs → `OUT_DIR/crds.rs` for `include!`;
//! - `runtime` (feature `runtime`): what generated code calls at run time — structural
//!   schemas and `merge_crds` for multi-version CRDs.

#![warn(missing_docs)]

#[cfg(feature = "cli")]
pub mod builder;
pub mod check;
#[cfg(feature = "cli")]
pub mod crd;
pub mod emit;
pub mod model;
pub mod names;
#[cfg(feature = "runtime")]
pub mod runtime;
#[cfg(feature = "cli")]
pub mod types;

#[cfg(feature = "cli")]
pub use builder::{Builder, GenerateError};
#[cfg(feature = "cli")]
pub use emit::source::{MapType, Target};
#[cfg(feature = "runtime")]
pub use runtime::{MergeError, merge_crds};
