//! The Rust port of Kubernetes' sample-controller: the Foo API, the Deployment each Foo
//! owns, and the controller that keeps the two in line; [`ops`] serves its metrics and
//! health probes.

// `foo` is the name of the resource this crate is about, not a placeholder.
#![allow(clippy::disallowed_names, reason = "Foo is the sample resource's kind")]

pub mod controller;
pub mod deployment;
pub mod foo;
pub mod ops;
