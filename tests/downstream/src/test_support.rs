//! What the unit tests share: a Greeting to seed or create, and a deadline-bound wait.

use std::time::Duration;

use kube::Api;
use kube::api::ObjectMeta;

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
