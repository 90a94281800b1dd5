//! What the unit tests share: a Greeting to seed or create, a deadline-bound wait, and the
//! scenario both controllers must pass.

use std::time::Duration;

use kube::Api;
use kube::api::{ObjectMeta, PostParams};

use crate::greeting::{Greeting, GreetingSpec};

/// How long a test waits for a controller before failing.
const PATIENCE: Duration = Duration::from_secs(10);

/// Greeting `name` in namespace `default`, greeting `to`, at generation 1 and unanswered.
pub fn greeting(name: &str, to: &str) -> Greeting {
    Greeting {
        metadata: ObjectMeta {
            name: Some(name.into()),
            namespace: Some("default".into()),
            generation: Some(1),
            ..ObjectMeta::default()
        },
        spec: GreetingSpec { to: to.into() },
        status: None,
    }
}

/// Polls until Greeting `name` says `reply` for `generation`; panics after [`PATIENCE`].
pub async fn eventually_answered(
    greetings: &Api<Greeting>,
    name: &str,
    reply: &str,
    generation: i64,
) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let status = greetings.get(name).await.unwrap().status;
        if status
            .as_ref()
            .is_some_and(|s| s.reply == reply && s.observed_generation == Some(generation))
        {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "greeting {name} never said {reply:?} for generation {generation}; its status: {status:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Creates Greeting `hi` for Ada and waits for its answer, then changes it to Grace and waits
/// for the new answer: what a controller of Greetings must do, whichever runtime it is on.
pub async fn answers_new_and_changed(greetings: &Api<Greeting>) {
    greetings
        .create(&PostParams::default(), &greeting("hi", "Ada"))
        .await
        .unwrap();
    eventually_answered(greetings, "hi", "Hello, Ada!", 1).await;

    let mut changed = greetings.get("hi").await.unwrap();
    changed.spec = GreetingSpec { to: "Grace".into() };
    greetings
        .replace("hi", &PostParams::default(), &changed)
        .await
        .unwrap();
    eventually_answered(greetings, "hi", "Hello, Grace!", 2).await;
}
