//! The Greeting controller on kube-runtime's `Controller`: the kube-rs way, on a kube-gen type.
//!
//! kube-runtime watches, caches and schedules; [`reconcile`] only reads the Greeting it is
//! handed and patches its status through [`kube::Api`]. It is here to prove that a type made
//! by `#[derive(kube_gen::CustomResource)]` is a full kube resource: nothing in this file
//! names kube-gen.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use kube::api::{Patch, PatchParams};
use kube::runtime::controller::{Action, Controller};
use kube::runtime::watcher;
use kube::{Api, ResourceExt};

use crate::greeting::{Greeting, answer, is_answered};

/// The field manager of the status patches.
pub const FIELD_MANAGER: &str = "greeter-runtime";
/// How long a failed reconcile waits before kube-runtime retries it.
pub const RETRY_AFTER: Duration = Duration::from_secs(5);

/// Why a reconcile failed; kube-runtime retries it after [`RETRY_AFTER`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The Greeting has no namespace (it is a namespaced kind, so the cache is wrong).
    #[error("greeting {0} has no namespace")]
    NoNamespace(String),
    /// The status patch failed.
    #[error("could not patch the status of greeting {name}")]
    PatchStatus {
        /// The Greeting's name.
        name: String,
        /// What the API server said.
        #[source]
        source: kube::Error,
    },
}

/// What every reconcile shares: the client it writes through.
#[derive(Clone)]
pub struct Context {
    /// Status patches go through this client.
    pub client: kube::Client,
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context").finish_non_exhaustive()
    }
}

/// Answers one Greeting: patches its status to [`answer`] unless it already says that.
///
/// Returns [`Action::await_change`]: the status patch is itself a change, which brings the
/// Greeting back once, answered, and then nothing until its spec changes.
///
/// # Errors
///
/// [`Error::PatchStatus`] when the API server refuses the patch.
pub async fn reconcile(greeting: Arc<Greeting>, ctx: Arc<Context>) -> Result<Action, Error> {
    if is_answered(&greeting) {
        return Ok(Action::await_change());
    }
    let name = greeting.name_any();
    let namespace = greeting
        .namespace()
        .ok_or_else(|| Error::NoNamespace(name.clone()))?;
    // A merge patch of the status alone: no resourceVersion, so a stale cache cannot make it
    // conflict, and the answer is recomputed from the spec it was made for anyway.
    let patch = serde_json::json!({ "status": answer(&greeting) });
    let params = PatchParams {
        field_manager: Some(FIELD_MANAGER.to_owned()),
        ..PatchParams::default()
    };
    Api::<Greeting>::namespaced(ctx.client.clone(), &namespace)
        .patch_status(&name, &params, &Patch::Merge(&patch))
        .await
        .map_err(|source| Error::PatchStatus { name, source })?;
    Ok(Action::await_change())
}

/// What kube-runtime does after a failed reconcile: try again after [`RETRY_AFTER`].
pub fn error_policy(_greeting: Arc<Greeting>, _error: &Error, _ctx: Arc<Context>) -> Action {
    Action::requeue(RETRY_AFTER)
}

/// Runs the controller on the Greetings `greetings` can see until `shutdown` completes.
///
/// Each reconcile's result is dropped here: kube-runtime has already retried failures by
/// [`error_policy`], and a real controller would log them.
pub async fn run(
    greetings: Api<Greeting>,
    shutdown: impl Future<Output = ()> + Send + Sync + 'static,
) {
    let client = kube::Client::from(greetings.clone());
    Controller::new(greetings, watcher::Config::default())
        .graceful_shutdown_on(shutdown)
        .run(reconcile, error_policy, Arc::new(Context { client }))
        .for_each(|_| futures::future::ready(()))
        .await;
}

#[cfg(test)]
mod tests {
    use kube_gen::fake::{Action as Request, FakeCluster, PatchType};
    use tokio::sync::oneshot;

    use super::*;
    use crate::greeting::GreetingStatus;
    use crate::test_support::{answers_new_and_changed, greeting};

    #[tokio::test]
    async fn reconcile_patches_the_answer_into_the_status() {
        let fake = FakeCluster::new()
            .with_status_subresource::<Greeting>()
            .with_objects([greeting("hi", "Ada")]);
        let ctx = Arc::new(Context {
            client: fake.client(),
        });

        let action = reconcile(Arc::new(greeting("hi", "Ada")), ctx)
            .await
            .unwrap();

        assert_eq!(action, Action::await_change());
        let status = GreetingStatus {
            reply: "Hello, Ada!".into(),
            observed_generation: Some(1),
        };
        assert_eq!(
            fake.actions(),
            vec![
                Request::patch(
                    "downstream.kube-gen.dev",
                    "v1",
                    "greetings",
                    "default",
                    "hi"
                )
                .subresource("status")
                .patch_type(PatchType::Merge)
                .field_manager(FIELD_MANAGER)
                .object(&serde_json::json!({ "status": status }))
            ]
        );
        let stored: Greeting = fake.object(Some("default"), "hi").unwrap();
        assert_eq!(stored.status, Some(status));
    }

    #[tokio::test]
    async fn reconcile_leaves_an_answered_greeting_alone() {
        let fake = FakeCluster::new();
        let mut answered = greeting("hi", "Ada");
        answered.status = Some(answer(&answered));
        let ctx = Arc::new(Context {
            client: fake.client(),
        });

        reconcile(Arc::new(answered), ctx).await.unwrap();

        assert_eq!(fake.actions(), vec![]);
    }

    #[tokio::test]
    async fn a_failed_patch_is_an_error_retried_later() {
        let fake = FakeCluster::new().with_status_subresource::<Greeting>();
        let ctx = Arc::new(Context {
            client: fake.client(),
        });
        let gone = Arc::new(greeting("gone", "Ada"));

        let err = reconcile(gone.clone(), ctx.clone()).await.unwrap_err();

        assert!(matches!(&err, Error::PatchStatus { name, .. } if name == "gone"));
        assert_eq!(error_policy(gone, &err, ctx), Action::requeue(RETRY_AFTER));
    }

    #[tokio::test]
    async fn the_controller_answers_new_and_changed_greetings_on_the_fake_cluster() {
        let fake = FakeCluster::new().with_status_subresource::<Greeting>();
        let greetings = Api::<Greeting>::namespaced(fake.client(), "default");
        let (stop, stopped) = oneshot::channel::<()>();
        let controller = tokio::spawn(run(greetings.clone(), async {
            let _ = stopped.await;
        }));

        answers_new_and_changed(&greetings).await;

        stop.send(()).unwrap();
        controller.await.unwrap();
    }
}
