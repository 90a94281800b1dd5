//! What the fake knows of each resource, as kube-apiserver 1.33 registers it: status subresource, unconditional updates, field selectors.
//!
//! Built-in resources (those of the groups kube-apiserver serves itself) follow the tables
//! below, taken from the apiserver's discovery (`*/status` entries) and from
//! `k8s.io/kubernetes/pkg/registry` (`AllowUnconditionalUpdate`) and `pkg/apis/*/v1`
//! (`AddFieldLabelConversionFunc`). Custom resources follow their CRD
//! ([`FakeCluster::with_crd`](super::FakeCluster::with_crd)); a custom resource the fake was
//! not told about is taken to have a CRD without subresources or selectable fields.

use std::collections::{HashMap, HashSet};

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;

use super::tracker::Gvr;

/// The API groups kube-apiserver serves itself (and its aggregator and apiextensions).
const BUILT_IN_GROUPS: &[&str] = &[
    "",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "apiregistration.k8s.io",
    "apps",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "autoscaling",
    "batch",
    "certificates.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "events.k8s.io",
    "flowcontrol.apiserver.k8s.io",
    "internal.apiserver.k8s.io",
    "networking.k8s.io",
    "node.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "resource.k8s.io",
    "scheduling.k8s.io",
    "storage.k8s.io",
    "storagemigration.k8s.io",
];

/// Built-in resources with a `status` subresource (kube-apiserver 1.33's discovery, plus
/// the ones of groups it does not serve by default).
const STATUS: &[(&str, &str)] = &[
    ("", "namespaces"),
    ("", "nodes"),
    ("", "persistentvolumeclaims"),
    ("", "persistentvolumes"),
    ("", "pods"),
    ("", "replicationcontrollers"),
    ("", "resourcequotas"),
    ("", "services"),
    (
        "admissionregistration.k8s.io",
        "validatingadmissionpolicies",
    ),
    ("admissionregistration.k8s.io", "mutatingadmissionpolicies"),
    ("apiextensions.k8s.io", "customresourcedefinitions"),
    ("apiregistration.k8s.io", "apiservices"),
    ("apps", "daemonsets"),
    ("apps", "deployments"),
    ("apps", "replicasets"),
    ("apps", "statefulsets"),
    ("autoscaling", "horizontalpodautoscalers"),
    ("batch", "cronjobs"),
    ("batch", "jobs"),
    ("certificates.k8s.io", "certificatesigningrequests"),
    ("flowcontrol.apiserver.k8s.io", "flowschemas"),
    (
        "flowcontrol.apiserver.k8s.io",
        "prioritylevelconfigurations",
    ),
    ("internal.apiserver.k8s.io", "storageversions"),
    ("networking.k8s.io", "ingresses"),
    ("networking.k8s.io", "servicecidrs"),
    ("policy", "poddisruptionbudgets"),
    ("resource.k8s.io", "resourceclaims"),
    ("storage.k8s.io", "volumeattachments"),
    ("storagemigration.k8s.io", "storageversionmigrations"),
];

/// Built-in resources with a `scale` subresource: `spec.replicas`, `status.replicas` and
/// the selector from `spec.selector`.
const SCALE: &[(&str, &str)] = &[
    ("", "replicationcontrollers"),
    ("apps", "deployments"),
    ("apps", "replicasets"),
    ("apps", "statefulsets"),
];

/// Built-in resources whose strategy says `AllowUnconditionalUpdate() == false`: an update
/// must name the `resourceVersion` it read, as for every custom resource.
const CONDITIONAL_UPDATES_ONLY: &[(&str, &str)] = &[
    ("admissionregistration.k8s.io", "mutatingadmissionpolicies"),
    (
        "admissionregistration.k8s.io",
        "mutatingadmissionpolicybindings",
    ),
    (
        "admissionregistration.k8s.io",
        "mutatingwebhookconfigurations",
    ),
    (
        "admissionregistration.k8s.io",
        "validatingadmissionpolicies",
    ),
    (
        "admissionregistration.k8s.io",
        "validatingadmissionpolicybindings",
    ),
    (
        "admissionregistration.k8s.io",
        "validatingwebhookconfigurations",
    ),
    ("apiextensions.k8s.io", "customresourcedefinitions"),
    ("apiregistration.k8s.io", "apiservices"),
    ("certificates.k8s.io", "clustertrustbundles"),
    ("coordination.k8s.io", "leasecandidates"),
    ("coordination.k8s.io", "leases"),
    ("internal.apiserver.k8s.io", "storageversions"),
    ("node.k8s.io", "runtimeclasses"),
    ("policy", "poddisruptionbudgets"),
    ("storage.k8s.io", "csidrivers"),
    ("storage.k8s.io", "csinodes"),
    ("storage.k8s.io", "csistoragecapacities"),
    ("storage.k8s.io", "volumeattachments"),
    ("storagemigration.k8s.io", "storageversionmigrations"),
];

/// Built-in resources whose registry sets `ReturnDeletedObject: true`: a delete answers
/// with the object rather than a `Success` status (custom resources answer with the status).
const RETURNS_DELETED_OBJECT: &[(&str, &str)] = &[
    ("", "namespaces"),
    ("", "pods"),
    ("", "serviceaccounts"),
    ("storage.k8s.io", "storageclasses"),
];

/// How a resource words its refusal of a field label.
#[derive(Clone, Copy, Debug)]
enum Refusal {
    /// `field label not supported: LABEL`
    NotSupported,
    /// `field label "LABEL" not supported for KIND`
    NotSupportedFor(&'static str),
}

/// One selectable field of a built-in: its label, where its value is in the object's JSON,
/// and what it reads as when the field is absent.
type Field = (&'static str, &'static str, &'static str);

/// Built-ins with their own field labels; every other built-in takes `metadata.name` and
/// `metadata.namespace` only (`DefaultMetaV1FieldSelectorConversion`).
const FIELD_LABELS: &[(&str, &str, Refusal, &[Field])] = &[
    (
        "",
        "pods",
        Refusal::NotSupported,
        &[
            ("metadata.name", "/metadata/name", ""),
            ("metadata.namespace", "/metadata/namespace", ""),
            ("spec.nodeName", "/spec/nodeName", ""),
            ("spec.host", "/spec/nodeName", ""),
            ("spec.restartPolicy", "/spec/restartPolicy", ""),
            ("spec.schedulerName", "/spec/schedulerName", ""),
            ("spec.serviceAccountName", "/spec/serviceAccountName", ""),
            ("spec.hostNetwork", "/spec/hostNetwork", "false"),
            ("status.phase", "/status/phase", ""),
            ("status.podIP", "/status/podIPs/0/ip", ""),
            ("status.nominatedNodeName", "/status/nominatedNodeName", ""),
        ],
    ),
    (
        "",
        "nodes",
        Refusal::NotSupported,
        &[
            ("metadata.name", "/metadata/name", ""),
            ("spec.unschedulable", "/spec/unschedulable", "false"),
        ],
    ),
    (
        "",
        "namespaces",
        Refusal::NotSupported,
        &[
            ("metadata.name", "/metadata/name", ""),
            ("status.phase", "/status/phase", ""),
        ],
    ),
    (
        "",
        "secrets",
        Refusal::NotSupported,
        &[
            ("metadata.name", "/metadata/name", ""),
            ("metadata.namespace", "/metadata/namespace", ""),
            ("type", "/type", ""),
        ],
    ),
    (
        "",
        "services",
        Refusal::NotSupported,
        &[
            ("metadata.name", "/metadata/name", ""),
            ("metadata.namespace", "/metadata/namespace", ""),
            ("spec.clusterIP", "/spec/clusterIP", ""),
            ("spec.type", "/spec/type", ""),
        ],
    ),
    (
        "",
        "replicationcontrollers",
        Refusal::NotSupported,
        &[
            ("metadata.name", "/metadata/name", ""),
            ("metadata.namespace", "/metadata/namespace", ""),
            ("status.replicas", "/status/replicas", "0"),
        ],
    ),
    (
        "",
        "events",
        Refusal::NotSupported,
        &[
            ("metadata.name", "/metadata/name", ""),
            ("metadata.namespace", "/metadata/namespace", ""),
            ("involvedObject.kind", "/involvedObject/kind", ""),
            ("involvedObject.namespace", "/involvedObject/namespace", ""),
            ("involvedObject.name", "/involvedObject/name", ""),
            ("involvedObject.uid", "/involvedObject/uid", ""),
            (
                "involvedObject.apiVersion",
                "/involvedObject/apiVersion",
                "",
            ),
            (
                "involvedObject.resourceVersion",
                "/involvedObject/resourceVersion",
                "",
            ),
            ("involvedObject.fieldPath", "/involvedObject/fieldPath", ""),
            ("reason", "/reason", ""),
            ("reportingComponent", "/reportingComponent", ""),
            ("source", "/source/component", ""),
            ("type", "/type", ""),
        ],
    ),
    (
        "events.k8s.io",
        "events",
        Refusal::NotSupported,
        &[
            ("metadata.name", "/metadata/name", ""),
            ("metadata.namespace", "/metadata/namespace", ""),
            ("reason", "/reason", ""),
            ("regarding.kind", "/regarding/kind", ""),
            ("regarding.namespace", "/regarding/namespace", ""),
            ("regarding.name", "/regarding/name", ""),
            ("regarding.uid", "/regarding/uid", ""),
            ("regarding.apiVersion", "/regarding/apiVersion", ""),
            (
                "regarding.resourceVersion",
                "/regarding/resourceVersion",
                "",
            ),
            ("regarding.fieldPath", "/regarding/fieldPath", ""),
            ("reportingController", "/reportingController", ""),
            ("type", "/type", ""),
        ],
    ),
    (
        "batch",
        "jobs",
        Refusal::NotSupportedFor("Job"),
        &[
            ("metadata.name", "/metadata/name", ""),
            ("metadata.namespace", "/metadata/namespace", ""),
            ("status.successful", "/status/succeeded", "0"),
        ],
    ),
    (
        "certificates.k8s.io",
        "certificatesigningrequests",
        Refusal::NotSupported,
        &[
            ("metadata.name", "/metadata/name", ""),
            ("spec.signerName", "/spec/signerName", ""),
        ],
    ),
];

/// Where a selectable field's value is: a JSON pointer, and what an absent field reads as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FieldPath {
    pub(crate) pointer: String,
    pub(crate) absent: String,
}

/// Where a resource's `scale` subresource reads and writes: JSON pointers into the object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ScalePaths {
    pub(crate) spec_replicas: String,
    pub(crate) status_replicas: String,
    /// Where a CRD keeps the selector as a string; `None` for built-ins, whose selector is
    /// `spec.selector.matchLabels`.
    pub(crate) label_selector: Option<String>,
}

/// What a CRD declares for one version of a custom resource.
#[derive(Clone, Debug, Default)]
struct Custom {
    kind: String,
    status: bool,
    scale: Option<ScalePaths>,
    cluster_scoped: bool,
    selectable: Vec<String>,
}

/// The facts the tracker asks about a resource before it serves a request.
#[derive(Debug, Default)]
pub(crate) struct Resources {
    custom: HashMap<Gvr, Custom>,
    status_added: HashSet<(String, String)>,
}

impl Resources {
    /// Registers every version of a CRD: its status subresource, scope and selectable fields.
    pub(crate) fn register_crd(&mut self, crd: &CustomResourceDefinition) {
        let spec = &crd.spec;
        for version in &spec.versions {
            let custom = Custom {
                kind: spec.names.kind.clone(),
                status: version
                    .subresources
                    .as_ref()
                    .is_some_and(|s| s.status.is_some()),
                scale: version
                    .subresources
                    .as_ref()
                    .and_then(|s| s.scale.as_ref())
                    .map(|scale| ScalePaths {
                        spec_replicas: pointer(&scale.spec_replicas_path),
                        status_replicas: pointer(&scale.status_replicas_path),
                        label_selector: scale.label_selector_path.as_deref().map(pointer),
                    }),
                cluster_scoped: spec.scope == "Cluster",
                selectable: version
                    .selectable_fields
                    .iter()
                    .flatten()
                    .map(|f| f.json_path.trim_start_matches('.').to_owned())
                    .collect(),
            };
            let gvr = Gvr::new(&spec.group, &version.name, &spec.names.plural);
            self.custom.insert(gvr, custom);
        }
    }

    /// Treats `.status` of this resource as a subresource, whatever the tables say.
    pub(crate) fn add_status(&mut self, group: &str, resource: &str) {
        self.status_added
            .insert((group.to_owned(), resource.to_owned()));
    }

    /// The kind of a custom resource, as its CRD names it.
    pub(crate) fn kind(&self, gvr: &Gvr) -> Option<&str> {
        self.custom.get(gvr).map(|c| c.kind.as_str())
    }

    /// Whether the resource is served by kube-apiserver itself rather than by a CRD.
    pub(crate) fn is_built_in(gvr: &Gvr) -> bool {
        BUILT_IN_GROUPS.contains(&gvr.group.as_str())
    }

    /// Whether the resource has a `status` subresource.
    pub(crate) fn has_status(&self, gvr: &Gvr) -> bool {
        let key = (gvr.group.clone(), gvr.resource.clone());
        if self.status_added.contains(&key) {
            return true;
        }
        if Self::is_built_in(gvr) {
            return listed(STATUS, gvr);
        }
        self.custom.get(gvr).is_some_and(|c| c.status)
    }

    /// Where the resource's `scale` subresource reads and writes, if it has one.
    pub(crate) fn scale(&self, gvr: &Gvr) -> Option<ScalePaths> {
        if Self::is_built_in(gvr) {
            return listed(SCALE, gvr).then(|| ScalePaths {
                spec_replicas: "/spec/replicas".into(),
                status_replicas: "/status/replicas".into(),
                label_selector: None,
            });
        }
        self.custom.get(gvr).and_then(|c| c.scale.clone())
    }

    /// Whether an update without `metadata.resourceVersion` is accepted (false for every
    /// custom resource: the CRD strategy's `AllowUnconditionalUpdate` is false).
    pub(crate) fn allows_unconditional_update(gvr: &Gvr) -> bool {
        Self::is_built_in(gvr) && !listed(CONDITIONAL_UPDATES_ONLY, gvr)
    }

    /// Whether a delete that removes the object answers with it (else with a `Success`
    /// status naming it).
    pub(crate) fn returns_deleted_object(gvr: &Gvr) -> bool {
        listed(RETURNS_DELETED_OBJECT, gvr)
    }

    /// Where the field a field selector names lives, or the apiserver's refusal of it.
    pub(crate) fn field(&self, gvr: &Gvr, label: &str) -> Result<FieldPath, String> {
        let path = |pointer: &str, absent: &str| FieldPath {
            pointer: pointer.to_owned(),
            absent: absent.to_owned(),
        };
        let meta = |label: &str| match label {
            "metadata.name" => Some(path("/metadata/name", "")),
            "metadata.namespace" => Some(path("/metadata/namespace", "")),
            _ => None,
        };
        if !Self::is_built_in(gvr) {
            let custom = self.custom.get(gvr).cloned().unwrap_or_default();
            if label == "metadata.name" || (label == "metadata.namespace" && !custom.cluster_scoped)
            {
                return Ok(meta(label).expect("a metadata label"));
            }
            if custom.selectable.iter().any(|s| s == label) {
                return Ok(path(&format!("/{}", label.replace('.', "/")), ""));
            }
            return Err(format!("field label not supported: {label}"));
        }
        let table = FIELD_LABELS
            .iter()
            .find(|(g, r, ..)| *g == gvr.group && *r == gvr.resource);
        match table {
            None => meta(label).ok_or_else(|| {
                format!(
                    "{label:?} is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
                )
            }),
            Some((.., refusal, fields)) => fields
                .iter()
                .find(|(l, ..)| *l == label)
                .map(|(_, pointer, absent)| path(pointer, absent))
                .ok_or_else(|| match refusal {
                    Refusal::NotSupported => format!("field label not supported: {label}"),
                    Refusal::NotSupportedFor(kind) => {
                        format!("field label {label:?} not supported for {kind}")
                    }
                }),
        }
    }
}

/// A CRD's JSON path (`.spec.replicas`) as a JSON pointer (`/spec/replicas`).
fn pointer(json_path: &str) -> String {
    format!("/{}", json_path.trim_start_matches('.').replace('.', "/"))
}

fn listed(table: &[(&str, &str)], gvr: &Gvr) -> bool {
    table
        .iter()
        .any(|(g, r)| *g == gvr.group && *r == gvr.resource)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gvr(group: &str, resource: &str) -> Gvr {
        Gvr::new(group, "v1", resource)
    }

    fn crd(yaml_status: bool, selectable: &[&str]) -> CustomResourceDefinition {
        let selectable: Vec<_> = selectable
            .iter()
            .map(|p| serde_json::json!({"jsonPath": p}))
            .collect();
        let mut version = serde_json::json!({
            "name": "v1", "served": true, "storage": true,
            "selectableFields": selectable,
        });
        if yaml_status {
            version["subresources"] = serde_json::json!({"status": {}});
        }
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": "widgets.x.io"},
            "spec": {
                "group": "x.io", "scope": "Namespaced",
                "names": {"kind": "Widget", "plural": "widgets"},
                "versions": [version],
            }
        }))
        .unwrap()
    }

    #[test]
    fn config_maps_have_no_status_subresource_and_deployments_have_one() {
        let resources = Resources::default();
        assert!(!resources.has_status(&gvr("", "configmaps")));
        assert!(resources.has_status(&gvr("apps", "deployments")));
    }

    #[test]
    fn a_custom_resource_has_the_status_subresource_its_crd_declares() {
        let mut resources = Resources::default();
        assert!(!resources.has_status(&gvr("x.io", "widgets")));
        resources.register_crd(&crd(true, &[]));
        assert!(resources.has_status(&gvr("x.io", "widgets")));
        assert!(!resources.has_status(&Gvr::new("x.io", "v2", "widgets")));
    }

    #[test]
    fn scale_is_served_for_workloads_and_for_crds_that_declare_it_at_their_paths() {
        let mut resources = Resources::default();
        assert!(resources.scale(&gvr("apps", "deployments")).is_some());
        assert!(resources.scale(&gvr("", "configmaps")).is_none());
        let mut with_scale = crd(true, &[]);
        let subresources = with_scale.spec.versions[0].subresources.as_mut().unwrap();
        subresources.scale = serde_json::from_value(serde_json::json!({
            "specReplicasPath": ".spec.size", "statusReplicasPath": ".status.size",
        }))
        .unwrap();
        assert!(resources.scale(&gvr("x.io", "widgets")).is_none());
        resources.register_crd(&with_scale);
        let paths = resources.scale(&gvr("x.io", "widgets")).unwrap();
        assert_eq!(
            (paths.spec_replicas.as_str(), paths.status_replicas.as_str()),
            ("/spec/size", "/status/size")
        );
    }

    #[test]
    fn custom_resources_and_leases_need_a_resource_version_to_update() {
        assert!(Resources::allows_unconditional_update(&gvr(
            "",
            "configmaps"
        )));
        assert!(!Resources::allows_unconditional_update(&gvr(
            "x.io", "widgets"
        )));
        assert!(!Resources::allows_unconditional_update(&gvr(
            "coordination.k8s.io",
            "leases"
        )));
    }

    #[test]
    fn field_labels_are_refused_in_the_words_of_each_resource() {
        let mut resources = Resources::default();
        let refusal = |r: &Resources, g: &str, res: &str, label: &str| {
            r.field(&gvr(g, res), label).unwrap_err()
        };
        assert_eq!(
            refusal(&resources, "", "configmaps", "spec.x"),
            "\"spec.x\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
        );
        assert_eq!(
            refusal(&resources, "", "pods", "spec.x"),
            "field label not supported: spec.x"
        );
        assert_eq!(
            refusal(&resources, "", "nodes", "metadata.namespace"),
            "field label not supported: metadata.namespace"
        );
        assert_eq!(
            refusal(&resources, "batch", "jobs", "spec.x"),
            "field label \"spec.x\" not supported for Job"
        );
        assert_eq!(
            refusal(&resources, "x.io", "widgets", "spec.color"),
            "field label not supported: spec.color"
        );
        resources.register_crd(&crd(false, &[".spec.color"]));
        assert_eq!(
            resources
                .field(&gvr("x.io", "widgets"), "spec.color")
                .unwrap()
                .pointer,
            "/spec/color"
        );
        assert_eq!(
            resources
                .field(&gvr("", "pods"), "spec.host")
                .unwrap()
                .pointer,
            "/spec/nodeName"
        );
    }
}
