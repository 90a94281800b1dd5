//! kube-gen: client-go's informers, listers and workqueue for Rust, generic
//! over kube's [`Resource`](kube::Resource), with thin typed facades that
//! `#[derive(CustomResource)]` and the `kube-gen` CLI generate.
//!
//! The parts land issue by issue; today the crate holds the workqueue and
//! re-exports the pieces the rest of the workspace builds on.

pub use kube;
pub use kube_gen_codegen as codegen;

pub mod workqueue;
