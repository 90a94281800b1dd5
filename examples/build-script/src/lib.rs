//! Custom resource types generated at build time from the CRDs in `crds/` (see `build.rs`).
//!
//! Each CRD version makes a module, named for kind and version: `foo_v1alpha1` (the
//! sample-controller's Foo), `delete_backup_request_v1` (velero's DeleteBackupRequest),
//! `subscription_v1` (cloudnative-pg's) and `ingress_route_udp_v1alpha1` (traefik's). Each has
//! what `kube-gen crds/ -o crds.rs` would write: the root type with its `crd()`, the spec and
//! status types, and the typed `FooClient`, `FooLister` and `FooInformer`.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;

/// The generated file, in a module of its own.
mod generated {
    include!(concat!(env!("OUT_DIR"), "/crds.rs"));
}

/// Each input file of `crds/` (relative to this crate) with the `crd()` generated from it:
/// the two are the same CRD, which the e2e test `generated_crds` checks with `kubectl diff`.
pub fn crds() -> Vec<(&'static str, CustomResourceDefinition)> {
    vec![
        ("crds/foo.yaml", foo_v1alpha1::Foo::crd()),
        (
            "crds/velero.io_deletebackuprequests.yaml",
            delete_backup_request_v1::DeleteBackupRequest::crd(),
        ),
        (
            "crds/postgresql.cnpg.io_subscriptions.yaml",
            subscription_v1::Subscription::crd(),
        ),
        (
            "crds/traefik.io_ingressrouteudps.yaml",
            ingress_route_udp_v1alpha1::IngressRouteUDP::crd(),
        ),
    ]
}

pub use generated::*;

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::delete_backup_request_v1::{DeleteBackupRequest, DeleteBackupRequestStatusPhase};
    use super::foo_v1alpha1::{Foo, FooSpec};

    #[test]
    fn the_generated_crd_is_the_input_crd() {
        let crd = Foo::crd();
        assert_eq!(
            crd.metadata.name.as_deref(),
            Some("foos.samplecontroller.k8s.io")
        );
        assert_eq!(crd.spec.names.kind, "Foo");
        assert_eq!(crd.spec.scope, "Namespaced");
        let version = &crd.spec.versions[0];
        assert_eq!(version.name, "v1alpha1");
        let schema = serde_json::to_value(&version.schema).unwrap();
        let spec = &schema["openAPIV3Schema"]["properties"]["spec"];
        assert_eq!(spec["required"], json!(["deploymentName"]));
        assert_eq!(spec["properties"]["replicas"]["maximum"], json!(100.0));
    }

    #[test]
    fn an_object_round_trips_through_json() {
        let mut foo = Foo::new(
            "example-foo",
            FooSpec {
                deployment_name: "example-foo".into(),
                replicas: Some(2),
            },
        );
        foo.metadata.namespace = Some("default".into());
        let value = serde_json::to_value(&foo).unwrap();
        assert_eq!(value["apiVersion"], "samplecontroller.k8s.io/v1alpha1");
        assert_eq!(
            value["spec"],
            json!({"deploymentName": "example-foo", "replicas": 2})
        );
        // `.derive("PartialEq")` in build.rs
        assert_eq!(serde_json::from_value::<Foo>(value).unwrap(), foo);
    }

    #[test]
    fn an_enum_of_the_schema_is_a_rust_enum() {
        let request: DeleteBackupRequest = serde_json::from_value(json!({
            "apiVersion": "velero.io/v1",
            "kind": "DeleteBackupRequest",
            "metadata": {"name": "delete-nightly", "namespace": "velero"},
            "spec": {"backupName": "nightly"},
            "status": {"phase": "InProgress"},
        }))
        .unwrap();
        assert_eq!(request.spec.backup_name, "nightly");
        let phase = request.status.and_then(|s| s.phase);
        assert_eq!(phase, Some(DeleteBackupRequestStatusPhase::InProgress));
    }
}
