//! The apiserver's audit log, as the local control plane writes it (writes to
//! Deployments and Foos, Metadata level), and a second controller identity so
//! that the log tells two replicas' writes apart.

#![allow(dead_code, reason = "each test binary uses a part of these helpers")]

use k8s_openapi::api::rbac::v1::{ClusterRoleBinding, RoleBinding, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use kube::api::{Api, ObjectMeta, PostParams};
use serde::Deserialize;

/// Where `artifacts/` puts the controller's ServiceAccount and Lease.
pub const LEASE_NAMESPACE: &str = "sample-controller";

/// One line of the apiserver's audit log, the fields the tests read.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    pub verb: String,
    pub user: AuditUser,
    #[serde(default)]
    pub user_agent: String,
    pub object_ref: Option<ObjectRef>,
    pub request_received_timestamp: MicroTime,
    pub response_status: Option<ResponseStatus>,
}

#[derive(Debug, Deserialize)]
pub struct AuditUser {
    pub username: String,
}

#[derive(Debug, Deserialize)]
pub struct ObjectRef {
    pub resource: Option<String>,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub subresource: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ResponseStatus {
    pub code: Option<i32>,
}

impl AuditEvent {
    pub fn describe(&self) -> String {
        let object = self.object_ref.as_ref();
        let field = |f: fn(&ObjectRef) -> &Option<String>| {
            object.and_then(|o| f(o).clone()).unwrap_or_default()
        };
        format!(
            "{} {} {}/{}{} by {} ({}) at {} -> {:?}",
            self.verb,
            field(|o| &o.resource),
            field(|o| &o.namespace),
            field(|o| &o.name),
            object
                .and_then(|o| o.subresource.as_deref())
                .map(|s| format!("/{s}"))
                .unwrap_or_default(),
            self.user.username,
            self.user_agent,
            self.request_received_timestamp.0,
            self.response_status.as_ref().and_then(|s| s.code),
        )
    }
}

pub fn service_account_user(name: &str) -> String {
    format!("system:serviceaccount:{LEASE_NAMESPACE}:{name}")
}

/// The writes to Deployments and Foos in `namespace`, in the order received.
pub fn writes_in(audit_log: &std::path::Path, namespace: &str) -> anyhow::Result<Vec<AuditEvent>> {
    let text = std::fs::read_to_string(audit_log)?;
    let mut writes: Vec<AuditEvent> = text
        .lines()
        .filter_map(|line| serde_json::from_str::<AuditEvent>(line).ok())
        .filter(|e| {
            e.object_ref
                .as_ref()
                .is_some_and(|o| o.namespace.as_deref() == Some(namespace))
        })
        .collect();
    writes.sort_by_key(|e| e.request_received_timestamp.0);
    Ok(writes)
}

/// Gives ServiceAccount `name` the roles `artifacts/` gives the controller's.
pub async fn grant_controller_roles(admin: &kube::Client, name: &str) -> anyhow::Result<()> {
    let subject = Subject {
        kind: "ServiceAccount".into(),
        name: name.into(),
        namespace: Some(LEASE_NAMESPACE.into()),
        ..Subject::default()
    };
    let cluster_binding = ClusterRoleBinding {
        metadata: ObjectMeta {
            name: Some(name.into()),
            ..ObjectMeta::default()
        },
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".into(),
            kind: "ClusterRole".into(),
            name: "sample-controller".into(),
        },
        subjects: Some(vec![subject.clone()]),
    };
    let lease_binding = RoleBinding {
        metadata: ObjectMeta {
            name: Some(format!("{name}-leader-election")),
            namespace: Some(LEASE_NAMESPACE.into()),
            ..ObjectMeta::default()
        },
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".into(),
            kind: "Role".into(),
            name: "sample-controller-leader-election".into(),
        },
        subjects: Some(vec![subject]),
    };
    let pp = PostParams::default();
    Api::<ClusterRoleBinding>::all(admin.clone())
        .create(&pp, &cluster_binding)
        .await?;
    Api::<RoleBinding>::namespaced(admin.clone(), LEASE_NAMESPACE)
        .create(&pp, &lease_binding)
        .await?;
    Ok(())
}
