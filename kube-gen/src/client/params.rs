//! Options for the typed client's calls, as builders with one method per concept.

pub use kube::api::PropagationPolicy;
use kube::api::{DeleteParams, ListParams, PatchParams, PostParams, Preconditions, WatchParams};

/// Which objects a [`list`](super::Client::list), [`watch`](super::Client::watch) or
/// [`delete_collection`](super::Client::delete_collection) covers (client-go's
/// `metav1.ListOptions`).
///
/// ```
/// use kube_gen::client::ListOptions;
///
/// let first_page = ListOptions::default().labels("app=web").limit(50);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ListOptions {
    label_selector: Option<String>,
    field_selector: Option<String>,
    limit: Option<u32>,
    continue_token: Option<String>,
    resource_version: Option<String>,
    timeout_seconds: Option<u32>,
}

impl ListOptions {
    /// Only objects whose labels match this selector (`app=web,tier!=db`).
    #[must_use]
    pub fn labels(mut self, selector: &str) -> Self {
        self.label_selector = Some(selector.to_owned());
        self
    }

    /// Only objects whose fields match this selector (`metadata.name=web`).
    #[must_use]
    pub fn fields(mut self, selector: &str) -> Self {
        self.field_selector = Some(selector.to_owned());
        self
    }

    /// At most this many objects per page; the list's `metadata.continue_` then holds the
    /// token for the next page. Ignored by `watch`.
    #[must_use]
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Continue a paginated list where the previous page stopped. Ignored by `watch`.
    #[must_use]
    pub fn continue_token(mut self, token: &str) -> Self {
        self.continue_token = Some(token.to_owned());
        self
    }

    /// For `list`, the resource version to read at (`"0"`: any cached version); for `watch`,
    /// the version to start after. Without it a list reads the latest state and a watch
    /// first sends the current objects as `Added` events.
    #[must_use]
    pub fn resource_version(mut self, version: &str) -> Self {
        self.resource_version = Some(version.to_owned());
        self
    }

    /// Ask the server to end a watch after this many seconds (less than 295). Ignored by
    /// `list`.
    #[must_use]
    pub fn timeout_seconds(mut self, seconds: u32) -> Self {
        self.timeout_seconds = Some(seconds);
        self
    }

    pub(crate) fn list_params(&self) -> ListParams {
        ListParams {
            label_selector: self.label_selector.clone(),
            field_selector: self.field_selector.clone(),
            limit: self.limit,
            continue_token: self.continue_token.clone(),
            resource_version: self.resource_version.clone(),
            ..ListParams::default()
        }
    }

    pub(crate) fn watch_params(&self) -> WatchParams {
        WatchParams {
            label_selector: self.label_selector.clone(),
            field_selector: self.field_selector.clone(),
            timeout: self.timeout_seconds,
            ..WatchParams::default()
        }
    }

    pub(crate) fn watch_version(&self) -> &str {
        self.resource_version.as_deref().unwrap_or("")
    }
}

/// Options for `create` and `update` (client-go's `CreateOptions`/`UpdateOptions`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WriteOptions {
    field_manager: Option<String>,
    dry_run: bool,
}

impl WriteOptions {
    /// Record the change under this field manager instead of the client's default.
    #[must_use]
    pub fn field_manager(mut self, manager: &str) -> Self {
        self.field_manager = Some(manager.to_owned());
        self
    }

    /// Validate and admit the change without persisting it (`dryRun=All`).
    #[must_use]
    pub fn dry_run(mut self) -> Self {
        self.dry_run = true;
        self
    }

    pub(crate) fn post_params(&self, default_manager: &str) -> PostParams {
        PostParams {
            dry_run: self.dry_run,
            field_manager: Some(manager(&self.field_manager, default_manager)),
        }
    }
}

/// Options for `patch` (client-go's `PatchOptions`), including server-side apply's `force`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PatchOptions {
    field_manager: Option<String>,
    dry_run: bool,
    force: bool,
}

impl PatchOptions {
    /// Record the change under this field manager instead of the client's default. For
    /// server-side apply this is the manager that will own the applied fields.
    #[must_use]
    pub fn field_manager(mut self, manager: &str) -> Self {
        self.field_manager = Some(manager.to_owned());
        self
    }

    /// Validate and admit the change without persisting it (`dryRun=All`).
    #[must_use]
    pub fn dry_run(mut self) -> Self {
        self.dry_run = true;
        self
    }

    /// Server-side apply only: take ownership of fields another manager owns instead of
    /// failing with a conflict.
    #[must_use]
    pub fn force(mut self) -> Self {
        self.force = true;
        self
    }

    pub(crate) fn patch_params(&self, default_manager: &str) -> PatchParams {
        PatchParams {
            dry_run: self.dry_run,
            force: self.force,
            field_manager: Some(manager(&self.field_manager, default_manager)),
            field_validation: None,
        }
    }
}

/// Options for `delete` and `delete_collection` (client-go's `DeleteOptions`).
///
/// ```
/// use kube_gen::client::{DeleteOptions, PropagationPolicy};
///
/// let opts = DeleteOptions::default()
///     .propagation_policy(PropagationPolicy::Foreground)
///     .precondition_uid("6f1c...");
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DeleteOptions {
    propagation_policy: Option<PropagationPolicy>,
    uid: Option<String>,
    resource_version: Option<String>,
    grace_period_seconds: Option<u32>,
    dry_run: bool,
}

impl DeleteOptions {
    /// What happens to the object's dependents: orphaned, deleted in the background, or
    /// deleted before the object (foreground).
    #[must_use]
    pub fn propagation_policy(mut self, policy: PropagationPolicy) -> Self {
        self.propagation_policy = Some(policy);
        self
    }

    /// Delete only if the object still has this UID; otherwise the call fails with a
    /// conflict (the object was deleted and re-created meanwhile).
    #[must_use]
    pub fn precondition_uid(mut self, uid: &str) -> Self {
        self.uid = Some(uid.to_owned());
        self
    }

    /// Delete only if the object is still at this resource version; otherwise the call
    /// fails with a conflict.
    #[must_use]
    pub fn precondition_resource_version(mut self, version: &str) -> Self {
        self.resource_version = Some(version.to_owned());
        self
    }

    /// How long the object may take to terminate gracefully; zero deletes at once.
    #[must_use]
    pub fn grace_period_seconds(mut self, seconds: u32) -> Self {
        self.grace_period_seconds = Some(seconds);
        self
    }

    /// Validate the deletion without performing it (`dryRun=All`).
    #[must_use]
    pub fn dry_run(mut self) -> Self {
        self.dry_run = true;
        self
    }

    pub(crate) fn delete_params(&self) -> DeleteParams {
        let preconditions =
            (self.uid.is_some() || self.resource_version.is_some()).then(|| Preconditions {
                uid: self.uid.clone(),
                resource_version: self.resource_version.clone(),
            });
        DeleteParams {
            dry_run: self.dry_run,
            grace_period_seconds: self.grace_period_seconds,
            propagation_policy: self.propagation_policy.clone(),
            preconditions,
        }
    }
}

fn manager(explicit: &Option<String>, default_manager: &str) -> String {
    explicit.as_deref().unwrap_or(default_manager).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_options_carry_selectors_and_pagination_to_kube() {
        let opts = ListOptions::default()
            .labels("app=web")
            .fields("metadata.name=a")
            .limit(2)
            .continue_token("abc");
        let params = opts.list_params();
        assert_eq!(params.label_selector.as_deref(), Some("app=web"));
        assert_eq!(params.field_selector.as_deref(), Some("metadata.name=a"));
        assert_eq!(params.limit, Some(2));
        assert_eq!(params.continue_token.as_deref(), Some("abc"));
    }

    #[test]
    fn a_watch_without_a_version_starts_from_the_current_state() {
        assert_eq!(ListOptions::default().watch_version(), "");
        assert_eq!(
            ListOptions::default()
                .resource_version("42")
                .watch_version(),
            "42"
        );
    }

    #[test]
    fn writes_use_the_client_default_manager_unless_overridden() {
        let default = WriteOptions::default().post_params("kube-gen");
        assert_eq!(default.field_manager.as_deref(), Some("kube-gen"));
        let own = WriteOptions::default()
            .field_manager("mine")
            .post_params("kube-gen");
        assert_eq!(own.field_manager.as_deref(), Some("mine"));
        let patch = PatchOptions::default().force().patch_params("kube-gen");
        assert!(patch.force);
        assert_eq!(patch.field_manager.as_deref(), Some("kube-gen"));
    }

    #[test]
    fn delete_preconditions_are_sent_only_when_set() {
        assert_eq!(DeleteOptions::default().delete_params().preconditions, None);
        let params = DeleteOptions::default()
            .precondition_uid("u")
            .propagation_policy(PropagationPolicy::Background)
            .delete_params();
        let preconditions = params.preconditions.expect("preconditions");
        assert_eq!(preconditions.uid.as_deref(), Some("u"));
        assert_eq!(preconditions.resource_version, None);
        assert_eq!(
            params.propagation_policy,
            Some(PropagationPolicy::Background)
        );
    }
}
