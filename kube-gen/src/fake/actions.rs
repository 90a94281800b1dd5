//! Recorded actions: one [`Action`] per request the fake served, built to read well in `assert_eq!`.

use std::fmt;

use kube::Resource;
use serde::Serialize;
use serde_json::Value;

/// What a request asked the fake API server to do (client-go's `testing.Action` verbs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verb {
    /// `GET` of one object or one of its subresources.
    Get,
    /// `GET` of a collection.
    List,
    /// `GET` of a collection with `watch=true`.
    Watch,
    /// `POST` to a collection.
    Create,
    /// `PUT` of an object or subresource.
    Update,
    /// `PATCH` of an object or subresource.
    Patch,
    /// `DELETE` of one object.
    Delete,
    /// `DELETE` of a collection.
    DeleteCollection,
}

impl Verb {
    /// The verb as client-go and RBAC spell it: `get`, ..., `delete-collection`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "get",
            Verb::List => "list",
            Verb::Watch => "watch",
            Verb::Create => "create",
            Verb::Update => "update",
            Verb::Patch => "patch",
            Verb::Delete => "delete",
            Verb::DeleteCollection => "delete-collection",
        }
    }
}

impl fmt::Display for Verb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a `PATCH` body is to be read, from its `Content-Type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PatchType {
    /// `application/json-patch+json` (RFC 6902).
    Json,
    /// `application/merge-patch+json` (RFC 7386).
    Merge,
    /// `application/strategic-merge-patch+json`, approximated by a merge patch.
    Strategic,
    /// `application/apply-patch+yaml` (server-side apply), approximated by a merge patch.
    Apply,
}

impl PatchType {
    pub(crate) fn from_content_type(content_type: &str) -> Option<Self> {
        match content_type.split(';').next()?.trim() {
            "application/json-patch+json" => Some(PatchType::Json),
            "application/merge-patch+json" => Some(PatchType::Merge),
            "application/strategic-merge-patch+json" => Some(PatchType::Strategic),
            "application/apply-patch+yaml" | "application/apply-patch+json" => {
                Some(PatchType::Apply)
            }
            _ => None,
        }
    }
}

/// One request the fake served, as client-go's fake clientset records it.
///
/// Build expected actions with the constructors ([`Action::create`], [`Action::update_status`],
/// ...) and compare them with [`FakeCluster::actions`](super::FakeCluster::actions) in
/// `assert_eq!`. Equality is exact on the verb, the resource, the namespace, the name, the
/// subresource and the object (compared as JSON); `patch_type` and `field_manager` are
/// compared only when both sides set them, so expectations need not repeat the client's
/// default field manager.
///
/// ```
/// use kube_gen::fake::{Action, Verb};
///
/// let action = Action::get("apps", "v1", "deployments", "default", "web");
/// assert_eq!(action.verb, Verb::Get);
/// assert_eq!(action.to_string(), "get apps/v1/deployments default/web");
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Action {
    /// What was asked.
    pub verb: Verb,
    /// The API group, empty for the core group.
    pub group: String,
    /// The API version (`v1`).
    pub version: String,
    /// The resource's plural name (`deployments`).
    pub resource: String,
    /// The namespace, `None` for cluster-scoped resources and requests across namespaces.
    pub namespace: Option<String>,
    /// The object's name: from the path, or for a create from the object sent.
    pub name: Option<String>,
    /// `status` or `scale` for subresource requests.
    pub subresource: Option<String>,
    /// The body sent: the object for create and update, the patch for patch.
    pub object: Option<Value>,
    /// How the patch body is to be read, for patches.
    pub patch_type: Option<PatchType>,
    /// The `fieldManager` query parameter of a write.
    pub field_manager: Option<String>,
}

impl Action {
    /// An action with only the verb and the resource set.
    pub fn new<'a>(
        verb: Verb,
        group: &str,
        version: &str,
        resource: &str,
        namespace: impl Into<Option<&'a str>>,
    ) -> Self {
        Action {
            verb,
            group: group.to_owned(),
            version: version.to_owned(),
            resource: resource.to_owned(),
            namespace: namespace.into().map(str::to_owned),
            name: None,
            subresource: None,
            object: None,
            patch_type: None,
            field_manager: None,
        }
    }

    /// An action on the resource of kind `K`, taking group, version and plural from `K`.
    pub fn of<'a, K>(verb: Verb, namespace: impl Into<Option<&'a str>>) -> Self
    where
        K: Resource,
        K::DynamicType: Default,
    {
        let dt = K::DynamicType::default();
        Action::new(
            verb,
            &K::group(&dt),
            &K::version(&dt),
            &K::plural(&dt),
            namespace,
        )
    }

    /// A `get` of one object.
    pub fn get<'a>(
        group: &str,
        version: &str,
        resource: &str,
        namespace: impl Into<Option<&'a str>>,
        name: &str,
    ) -> Self {
        Action::new(Verb::Get, group, version, resource, namespace).name(name)
    }

    /// A `list` of a collection.
    pub fn list<'a>(
        group: &str,
        version: &str,
        resource: &str,
        namespace: impl Into<Option<&'a str>>,
    ) -> Self {
        Action::new(Verb::List, group, version, resource, namespace)
    }

    /// A `create`; add the object with [`object`](Action::object).
    pub fn create<'a>(
        group: &str,
        version: &str,
        resource: &str,
        namespace: impl Into<Option<&'a str>>,
    ) -> Self {
        Action::new(Verb::Create, group, version, resource, namespace)
    }

    /// An `update` of the main resource; add the object with [`object`](Action::object).
    pub fn update<'a>(
        group: &str,
        version: &str,
        resource: &str,
        namespace: impl Into<Option<&'a str>>,
    ) -> Self {
        Action::new(Verb::Update, group, version, resource, namespace)
    }

    /// An `update` of the `status` subresource; add the object with [`object`](Action::object).
    pub fn update_status<'a>(
        group: &str,
        version: &str,
        resource: &str,
        namespace: impl Into<Option<&'a str>>,
    ) -> Self {
        Action::update(group, version, resource, namespace).subresource("status")
    }

    /// A `patch` of one object; add the patch with [`object`](Action::object).
    pub fn patch<'a>(
        group: &str,
        version: &str,
        resource: &str,
        namespace: impl Into<Option<&'a str>>,
        name: &str,
    ) -> Self {
        Action::new(Verb::Patch, group, version, resource, namespace).name(name)
    }

    /// A `delete` of one object.
    pub fn delete<'a>(
        group: &str,
        version: &str,
        resource: &str,
        namespace: impl Into<Option<&'a str>>,
        name: &str,
    ) -> Self {
        Action::new(Verb::Delete, group, version, resource, namespace).name(name)
    }

    /// This action with the object's name set.
    #[must_use]
    pub fn name(mut self, name: &str) -> Self {
        self.name = Some(name.to_owned());
        self
    }

    /// This action on a subresource (`status`, `scale`).
    #[must_use]
    pub fn subresource(mut self, subresource: &str) -> Self {
        self.subresource = Some(subresource.to_owned());
        self
    }

    /// This action with the body sent, serialised to JSON. If no name is set yet, the
    /// object's `metadata.name` becomes the action's name, as the fake records it.
    ///
    /// # Panics
    ///
    /// If the object cannot be serialised to JSON.
    #[must_use]
    pub fn object(mut self, object: &impl Serialize) -> Self {
        let value = serde_json::to_value(object).expect("the object serialises to JSON");
        if self.name.is_none() {
            self.name = name_in(&value);
        }
        self.object = Some(value);
        self
    }

    /// This action with the patch type set.
    #[must_use]
    pub fn patch_type(mut self, patch_type: PatchType) -> Self {
        self.patch_type = Some(patch_type);
        self
    }

    /// This action with the field manager set.
    #[must_use]
    pub fn field_manager(mut self, manager: &str) -> Self {
        self.field_manager = Some(manager.to_owned());
        self
    }

    /// Whether this is one of the `list` and `watch` calls an informer makes
    /// (sample-controller's `filterInformerActions`).
    pub fn is_informer_action(&self) -> bool {
        matches!(self.verb, Verb::List | Verb::Watch)
    }

    /// Whether the action is on this resource (plural) and this verb (`"*"` for any of each).
    pub fn matches(&self, verb: &str, resource: &str) -> bool {
        (verb == "*" || verb == self.verb.as_str())
            && (resource == "*" || resource == self.resource)
    }
}

pub(crate) fn name_in(object: &Value) -> Option<String> {
    object
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

impl PartialEq for Action {
    fn eq(&self, other: &Self) -> bool {
        fn loose<T: PartialEq>(a: &Option<T>, b: &Option<T>) -> bool {
            a.is_none() || b.is_none() || a == b
        }
        self.verb == other.verb
            && self.group == other.group
            && self.version == other.version
            && self.resource == other.resource
            && self.namespace == other.namespace
            && self.name == other.name
            && self.subresource == other.subresource
            && self.object == other.object
            && loose(&self.patch_type, &other.patch_type)
            && loose(&self.field_manager, &other.field_manager)
    }
}

impl fmt::Display for Action {
    /// `verb group/version/resource[/subresource] [namespace/]name`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ", self.verb)?;
        if !self.group.is_empty() {
            write!(f, "{}/", self.group)?;
        }
        write!(f, "{}/{}", self.version, self.resource)?;
        if let Some(sub) = &self.subresource {
            write!(f, "/{sub}")?;
        }
        match (&self.namespace, &self.name) {
            (Some(ns), Some(name)) => write!(f, " {ns}/{name}"),
            (None, Some(name)) => write!(f, " {name}"),
            (Some(ns), None) => write!(f, " {ns}"),
            (None, None) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_actions_without_a_field_manager_match_any_manager() {
        let recorded = Action::create("", "v1", "configmaps", "default").field_manager("kube-gen");
        let expected = Action::create("", "v1", "configmaps", "default");
        assert_eq!(recorded, expected);
        assert_ne!(recorded, expected.field_manager("other"));
    }

    #[test]
    fn an_object_names_the_action_and_is_compared_as_json() {
        let a = Action::create("", "v1", "configmaps", "default")
            .object(&serde_json::json!({"metadata": {"name": "x"}, "data": {"a": "1"}}));
        assert_eq!(a.name.as_deref(), Some("x"));
        let b = Action::create("", "v1", "configmaps", "default")
            .object(&serde_json::json!({"data": {"a": "1"}, "metadata": {"name": "x"}}));
        assert_eq!(a, b);
    }

    #[test]
    fn patch_types_come_from_the_content_type() {
        assert_eq!(
            PatchType::from_content_type("application/merge-patch+json; charset=utf-8"),
            Some(PatchType::Merge)
        );
        assert_eq!(PatchType::from_content_type("application/json"), None);
    }
}
