//! The Foo API (`samplecontroller.k8s.io/v1alpha1`), declared once: the
//! typed resource and the CRD in `artifacts/crd.yaml` both come from here.

use kube_gen::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The most replicas a Foo may ask for. The original allows 1 to 10; we
/// allow 0 (scale to zero) to 100, enough for the benchmarks' fake node.
pub const MAX_REPLICAS: i32 = 100;

/// The annotation a CRD in a `*.k8s.io` group needs (KEP-2337), verbatim
/// from the original sample-controller.
pub const API_APPROVED: &str = "unapproved, experimental-only; please get an approval from Kubernetes API reviewers \
                                if you're trying to develop a CRD in the *.k8s.io or *.kubernetes.io groups";

/// The desired state of a Foo: a Deployment of `replicas` nginx pods.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema, PartialEq, Default)]
#[kube(
    group = "samplecontroller.k8s.io",
    version = "v1alpha1",
    kind = "Foo",
    namespaced,
    status = "FooStatus",
    doc = "A Foo asks the sample-controller for a Deployment of nginx pods.",
    annotation(
        "api-approved.kubernetes.io",
        "unapproved, experimental-only; please get an approval from Kubernetes API reviewers if you're trying to develop a CRD in the *.k8s.io or *.kubernetes.io groups"
    )
)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = require_deployment_name)]
pub struct FooSpec {
    /// Name of the Deployment this Foo owns, in the Foo's namespace (a
    /// DNS-1123 subdomain).
    // The CRD requires it, but a Foo stored while the schema was looser may
    // lack it: such a Foo decodes with an empty name, as in Go, and the
    // controller logs it and leaves it alone.
    #[serde(default)]
    #[schemars(length(min = 1, max = 253))]
    #[schemars(regex(
        pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
    ))]
    pub deployment_name: String,
    /// How many pods the Deployment runs; absent leaves the Deployment's
    /// replicas as they are (the server defaults a new one to 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = MAX_REPLICAS))]
    pub replicas: Option<i32>,
}

/// Keeps `deploymentName` required and without a `default` in the CRD,
/// although it decodes with one (schemars would make it optional, `""`).
fn require_deployment_name(schema: &mut schemars::Schema) {
    if let Some(name) = schema
        .get_mut("properties")
        .and_then(|properties| properties.get_mut("deploymentName"))
        .and_then(serde_json::Value::as_object_mut)
    {
        name.remove("default");
    }
    if let Some(required) = schema
        .ensure_object()
        .entry("required")
        .or_insert_with(|| serde_json::json!([]))
        .as_array_mut()
    {
        let name = serde_json::json!("deploymentName");
        if !required.contains(&name) {
            required.push(name);
        }
    }
}

/// The observed state of a Foo.
#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct FooStatus {
    /// Available replicas of the owned Deployment, as last observed.
    #[serde(default)]
    pub available_replicas: i32,
}

/// The Foo CRD as the YAML checked in at `artifacts/crd.yaml`.
///
/// # Errors
/// If the CRD cannot be serialised (it always can; the error is the YAML
/// library's).
pub fn crd_yaml() -> anyhow::Result<String> {
    let header = "# The Foo CustomResourceDefinition of the sample-controller.\n\
                  # Generated from sample-controller/src/foo.rs; do not edit. Regenerate with:\n\
                  #   cargo run -p sample-controller -- crd > artifacts/crd.yaml\n";
    Ok(format!("{header}{}", serde_saphyr::to_string(&Foo::crd())?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_approved_annotation_is_kept_verbatim() {
        let crd = Foo::crd();
        let annotations = crd.metadata.annotations.unwrap_or_default();
        assert_eq!(
            annotations
                .get("api-approved.kubernetes.io")
                .map(String::as_str),
            Some(API_APPROVED)
        );
    }

    #[test]
    fn a_foo_without_deployment_name_decodes_with_an_empty_name_as_in_go() {
        let foo: Foo = serde_json::from_value(serde_json::json!({
            "apiVersion": "samplecontroller.k8s.io/v1alpha1",
            "kind": "Foo",
            "metadata": {"name": "old", "namespace": "default"},
            "spec": {"replicas": 1}
        }))
        .unwrap();
        assert_eq!(foo.spec.deployment_name, "");
    }

    #[test]
    fn the_schema_bounds_replicas_and_requires_a_dns_name() {
        let crd = serde_json::to_value(Foo::crd()).unwrap();
        let spec = &crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"];
        assert_eq!(spec["required"], serde_json::json!(["deploymentName"]));
        assert_eq!(spec["properties"]["replicas"]["minimum"], 0.0);
        assert_eq!(
            spec["properties"]["replicas"]["maximum"],
            f64::from(MAX_REPLICAS)
        );
        assert!(spec["properties"]["deploymentName"]["pattern"].is_string());
    }
}
