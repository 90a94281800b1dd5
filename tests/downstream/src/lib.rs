//! A user's crate: one `#[derive(kube_gen::CustomResource)]` type, answered by two
//! controllers, kube-runtime's [`Controller`](kube::runtime::Controller) and kube-gen's
//! informer, lister and workqueue, with kube and k8s-openapi chosen as kube-rs's README says.
//!
//! It is not in kube-gen's workspace, so it builds with what a user's `Cargo.toml` gives it
//! and nothing the workspace chooses; `cargo xtask test` builds and tests it once per end
//! of the supported Kubernetes range (features `latest` and `earliest`).

pub mod greeting;
pub mod runtime_controller;
pub mod workqueue_controller;

#[cfg(test)]
mod test_support;

#[cfg(test)]
mod tests {
    #[test]
    fn k8s_openapi_is_built_for_the_kubernetes_version_the_feature_picks() {
        // Each macro keeps its body only when k8s-openapi was built for that version.
        let mut built = String::new();
        k8s_openapi::k8s_if_1_33! { built.push_str(" 1.33"); }
        k8s_openapi::k8s_if_1_37! { built.push_str(" 1.37"); }
        let picked = if cfg!(feature = "latest") {
            "1.37"
        } else {
            "1.33"
        };
        assert_eq!(built.trim(), picked);
    }
}
