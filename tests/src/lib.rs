//! The Rust side of kube-gen's local control plane: build the Go binary in
//! `tests/control-plane/` when its sources change, start it, and hand
//! end-to-end tests a real cluster ([`TestCluster`]) with one namespace each.
//!
//! Every end-to-end test runs against a real kube-apiserver, etcd,
//! kube-controller-manager, kube-scheduler and a fake node. A test that
//! cannot start or reach them fails; none skips itself.

mod build;
mod cache;
mod cluster;
mod control_plane;
mod http;
mod proxy;
mod sample_controller;
mod stall_proxy;
mod wait;

pub use build::{cargo_bin, cargo_example, ensure_built, kubernetes_version, workspace_root};
pub use cache::lister_matches_list;
pub use cluster::{TestCluster, client_for};
pub use control_plane::{ClusterState, ControlPlane, StartOptions};
pub use http::Response;
pub use proxy::Proxy;
pub use sample_controller::SampleController;
pub use stall_proxy::{Held, StallProxy};
pub use wait::eventually;
