//! The Deployment a Foo owns, built from the Foo alone (the original's `newDeployment`).

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{Container, PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta, OwnerReference};
use kube::Resource;
use kube_gen::informer::{Projected, Projection};

use crate::foo::Foo;

/// The image every pod of a Foo's Deployment runs.
pub const IMAGE: &str = "nginx:latest";

/// A new Deployment for `foo`: called `spec.deploymentName`, in the Foo's namespace,
/// controlled by the Foo, running `spec.replicas` pods of one `nginx` container.
///
/// The pods and the selector carry the labels `app=nginx` and `controller=<foo name>`. The
/// owner reference has `controller: true` and `blockOwnerDeletion: true`, so deleting the Foo
/// lets the garbage collector delete the Deployment. The result has no resourceVersion: the
/// controller creates it, or replaces the existing Deployment with it unconditionally, as
/// the original does.
///
/// # Examples
///
/// ```
/// use sample_controller::deployment::new_deployment;
/// use sample_controller::foo::{Foo, FooSpec};
///
/// let mut foo = Foo::new("example-foo", FooSpec { deployment_name: "example".into(), replicas: Some(2) });
/// foo.metadata.namespace = Some("default".into());
/// foo.metadata.uid = Some("1234".into());
/// let deployment = new_deployment(&foo);
/// assert_eq!(deployment.metadata.name.as_deref(), Some("example"));
/// assert_eq!(deployment.spec.unwrap().replicas, Some(2));
/// ```
pub fn new_deployment(foo: &Foo) -> Deployment {
    let foo_name = foo.metadata.name.clone().unwrap_or_default();
    let labels = BTreeMap::from([
        ("app".to_owned(), "nginx".to_owned()),
        ("controller".to_owned(), foo_name),
    ]);
    Deployment {
        metadata: ObjectMeta {
            name: Some(foo.spec.deployment_name.clone()),
            namespace: foo.metadata.namespace.clone(),
            owner_references: Some(vec![controller_ref(foo)]),
            ..ObjectMeta::default()
        },
        spec: Some(DeploymentSpec {
            replicas: foo.spec.replicas,
            selector: LabelSelector {
                match_labels: Some(labels.clone()),
                ..LabelSelector::default()
            },
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels),
                    ..ObjectMeta::default()
                }),
                spec: Some(PodSpec {
                    containers: vec![Container {
                        name: "nginx".to_owned(),
                        image: Some(IMAGE.to_owned()),
                        ..Container::default()
                    }],
                    ..PodSpec::default()
                }),
            },
            ..DeploymentSpec::default()
        }),
        status: None,
    }
}

/// All the controller reads of a Deployment beyond its metadata (its name and owner
/// references): the replicas asked for and the replicas available.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Replicas {
    /// `spec.replicas`.
    pub desired: Option<i32>,
    /// `status.availableReplicas`.
    pub available: Option<i32>,
}

impl Projection<Deployment> for Replicas {
    fn project(d: &Deployment) -> Self {
        Replicas {
            desired: d.spec.as_ref().and_then(|spec| spec.replicas),
            available: d.status.as_ref().and_then(|s| s.available_replicas),
        }
    }
}

/// A Deployment as the controller's informer caches it: its metadata and [`Replicas`],
/// without the pod template, conditions and the rest the controller never reads.
pub type CachedDeployment = Projected<Deployment, Replicas>;

/// The owner reference that makes `foo` the controller of an object
/// (`metav1.NewControllerRef(foo, Foo's GroupVersionKind)`).
pub fn controller_ref(foo: &Foo) -> OwnerReference {
    OwnerReference {
        api_version: Foo::api_version(&()).into_owned(),
        kind: Foo::kind(&()).into_owned(),
        name: foo.metadata.name.clone().unwrap_or_default(),
        uid: foo.metadata.uid.clone().unwrap_or_default(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

/// The owner reference with `controller: true`, if any (`metav1.GetControllerOf`).
pub fn controller_of(meta: &ObjectMeta) -> Option<&OwnerReference> {
    meta.owner_references
        .as_deref()?
        .iter()
        .find(|r| r.controller == Some(true))
}

/// Whether `foo` is the controller of the object with this metadata: its controller
/// reference carries the Foo's UID (`metav1.IsControlledBy`).
pub fn is_controlled_by(meta: &ObjectMeta, foo: &Foo) -> bool {
    match (controller_of(meta), foo.metadata.uid.as_deref()) {
        (Some(owner), Some(uid)) => owner.uid == uid,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::foo::FooSpec;

    fn foo(replicas: Option<i32>) -> Foo {
        let mut foo = Foo::new(
            "example-foo",
            FooSpec {
                deployment_name: "example".into(),
                replicas,
            },
        );
        foo.metadata.namespace = Some("team-a".into());
        foo.metadata.uid = Some("uid-1".into());
        foo
    }

    #[test]
    fn the_deployment_is_named_by_the_foo_and_lives_in_its_namespace() {
        let d = new_deployment(&foo(Some(3)));
        assert_eq!(d.metadata.name.as_deref(), Some("example"));
        assert_eq!(d.metadata.namespace.as_deref(), Some("team-a"));
        assert_eq!(d.metadata.resource_version, None);
        assert_eq!(d.spec.unwrap().replicas, Some(3));
    }

    #[test]
    fn the_foo_is_the_blocking_controller_owner() {
        let foo = foo(None);
        let d = new_deployment(&foo);
        let owners = d.metadata.owner_references.clone().unwrap();
        assert_eq!(owners.len(), 1);
        let owner = &owners[0];
        assert_eq!(owner.api_version, "samplecontroller.k8s.io/v1alpha1");
        assert_eq!(owner.kind, "Foo");
        assert_eq!(owner.name, "example-foo");
        assert_eq!(owner.uid, "uid-1");
        assert_eq!(owner.controller, Some(true));
        assert_eq!(owner.block_owner_deletion, Some(true));
        assert!(is_controlled_by(&d.metadata, &foo));
    }

    #[test]
    fn selector_and_pod_labels_name_nginx_and_the_foo() {
        let spec = new_deployment(&foo(Some(1))).spec.unwrap();
        let expected = BTreeMap::from([
            ("app".to_owned(), "nginx".to_owned()),
            ("controller".to_owned(), "example-foo".to_owned()),
        ]);
        assert_eq!(spec.selector.match_labels.as_ref(), Some(&expected));
        let template = spec.template;
        assert_eq!(template.metadata.unwrap().labels, Some(expected));
        let containers = template.spec.unwrap().containers;
        assert_eq!(containers.len(), 1);
        assert_eq!(containers[0].name, "nginx");
        assert_eq!(containers[0].image.as_deref(), Some("nginx:latest"));
    }

    #[test]
    fn absent_replicas_stay_absent() {
        assert_eq!(new_deployment(&foo(None)).spec.unwrap().replicas, None);
    }

    #[test]
    fn another_uid_or_no_controller_is_not_control() {
        let owned = new_deployment(&foo(Some(1)));
        let mut other = foo(Some(1));
        other.metadata.uid = Some("uid-2".into());
        assert!(!is_controlled_by(&owned.metadata, &other));

        let mut orphan = owned;
        orphan.metadata.owner_references = Some(vec![]);
        assert!(controller_of(&orphan.metadata).is_none());
        assert!(!is_controlled_by(&orphan.metadata, &foo(Some(1))));
    }
}
