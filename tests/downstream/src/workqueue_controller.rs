//! The Greeting controller on kube-gen: a shared informer's cache read through a lister, and
//! a rate-limited workqueue of keys between the event handlers and the workers, as
//! client-go's controllers are built.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use kube_gen::client::{self, Client, WriteOptions};
use kube_gen::informer::{
    self, EventHandlerFns, Informer, SharedInformerFactory, key_for, split_key,
};
use kube_gen::lister::Lister;
use kube_gen::workqueue::WorkQueue;
use tokio::task::JoinSet;

use crate::greeting::{Greeting, answer, is_answered};

/// The field manager of the status updates.
pub const FIELD_MANAGER: &str = "greeter-workqueue";
/// How long [`Greeter::run`] waits for the informer cache before giving up.
pub const CACHE_SYNC_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a sync or the controller failed. A failed sync is retried with backoff.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Writing the status failed (a conflict means the cache was stale).
    #[error("could not update the status of greeting {key}")]
    UpdateStatus {
        /// The Greeting's key, `namespace/name`.
        key: String,
        /// What the API server said.
        #[source]
        source: client::Error,
    },
    /// The informer cache did not sync.
    #[error("the greeting cache did not sync")]
    CacheSync(#[source] informer::Error),
    /// A worker task panicked.
    #[error("a worker panicked")]
    WorkerPanicked(#[source] tokio::task::JoinError),
}

/// Answers every Greeting the factory's informer sees. Cheap to clone; clones share the
/// queue and the cache.
#[derive(Clone)]
pub struct Greeter {
    client: kube::Client,
    informer: Informer<Greeting>,
    lister: Lister<Greeting>,
    /// Keys (`namespace/name`) of Greetings to sync. A key is handed to one worker at a
    /// time, so one Greeting is never synced by two workers at once.
    queue: WorkQueue<String>,
}

impl fmt::Debug for Greeter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Greeter")
            .field("informer", &self.informer)
            .field("queue", &self.queue)
            .finish_non_exhaustive()
    }
}

impl Greeter {
    /// A controller on the factory's Greeting informer; writes go through `client`.
    ///
    /// Registers the event handlers: a Greeting added or updated is enqueued. Start the
    /// factory before [`run`](Self::run).
    pub fn new(client: kube::Client, factory: &SharedInformerFactory) -> Self {
        let informer = factory.informer::<Greeting>();
        let queue = WorkQueue::builder().name("greetings").build();
        let (on_add, on_update) = (queue.clone(), queue.clone());
        informer.add_event_handler(
            EventHandlerFns::new()
                .on_add(move |g: Arc<Greeting>| on_add.add(key_for(&*g)))
                .on_update(move |_old, new: Arc<Greeting>| on_update.add(key_for(&*new))),
        );
        Greeter {
            client,
            lister: informer.lister(),
            informer,
            queue,
        }
    }

    /// Waits for the cache, then runs `workers` workers until `shutdown` completes; the
    /// syncs in flight finish before it returns.
    ///
    /// # Errors
    ///
    /// [`Error::CacheSync`] if the cache does not sync within [`CACHE_SYNC_TIMEOUT`],
    /// [`Error::WorkerPanicked`] if a worker panicked.
    pub async fn run(
        &self,
        workers: usize,
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), Error> {
        // A worker reading an empty cache would find nothing to answer.
        self.informer
            .wait_for_cache_sync(CACHE_SYNC_TIMEOUT)
            .await
            .map_err(Error::CacheSync)?;
        let mut handles = JoinSet::new();
        for _ in 0..workers {
            let worker = self.clone();
            handles.spawn(async move { while worker.process_next_work_item().await {} });
        }
        shutdown.await;
        // Workers waiting in `get` wake up to `None`; one in a sync finishes it first.
        self.queue.shut_down();
        let mut result = Ok(());
        while let Some(joined) = handles.join_next().await {
            if let Err(err) = joined {
                result = Err(Error::WorkerPanicked(err));
            }
        }
        result
    }

    /// Takes one key off the queue and syncs it. Returns `false` when the worker should stop.
    async fn process_next_work_item(&self) -> bool {
        let Some(key) = self.queue.get().await else {
            return false;
        };
        match self.sync_handler(&key).await {
            // Synced: reset the key's backoff, so its next failure is retried quickly.
            Ok(()) => self.queue.forget(&key),
            // Failed (say, a conflict from a stale cache): retry after the key's backoff.
            Err(_) => self.queue.add_rate_limited(key.clone()),
        }
        // Exactly once per `get`: the key may now be handed out again.
        self.queue.done(&key);
        true
    }

    /// Answers the Greeting `key` (`namespace/name`) from the cache: updates its status to
    /// [`answer`] unless it already says that.
    ///
    /// Returns `Ok` when there is nothing to retry: answered, gone, or a key that is not
    /// `namespace/name`.
    ///
    /// # Errors
    ///
    /// [`Error::UpdateStatus`] when the write fails; the worker retries it.
    pub async fn sync_handler(&self, key: &str) -> Result<(), Error> {
        let Ok((Some(namespace), name)) = split_key(key) else {
            return Ok(());
        };
        let Some(cached) = self.lister.namespace(namespace).get(name) else {
            return Ok(()); // deleted since it was queued
        };
        if is_answered(&cached) {
            return Ok(());
        }
        // The cache's copy is shared with every reader: change a clone.
        let mut greeting = (*cached).clone();
        greeting.status = Some(answer(&cached));
        Client::<Greeting>::namespaced(self.client.clone(), namespace)
            .update_status(
                &greeting,
                &WriteOptions::default().field_manager(FIELD_MANAGER),
            )
            .await
            .map_err(|source| Error::UpdateStatus {
                key: key.to_owned(),
                source,
            })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use kube::Api;
    use kube_gen::fake::{Action, FakeCluster, Reaction};
    use tokio::sync::oneshot;

    use super::*;
    use crate::test_support::{answers_new_and_changed, greeting};

    /// A Greeter on `fake` with its cache synced, and its factory to shut down.
    async fn synced_greeter(fake: &FakeCluster) -> (Greeter, SharedInformerFactory) {
        let factory = SharedInformerFactory::new(fake.client());
        let greeter = Greeter::new(fake.client(), &factory);
        factory.start();
        factory
            .wait_for_cache_sync(CACHE_SYNC_TIMEOUT)
            .await
            .unwrap();
        (greeter, factory)
    }

    #[tokio::test]
    async fn sync_handler_updates_the_status_from_the_cached_greeting() {
        let fake = FakeCluster::new()
            .with_status_subresource::<Greeting>()
            .with_objects([greeting("hi", "Ada")]);
        let (greeter, factory) = synced_greeter(&fake).await;
        // What the cache holds: the seed with the uid and resourceVersion the fake gave it.
        let mut expected: Greeting = fake.object(Some("default"), "hi").unwrap();

        greeter.sync_handler("default/hi").await.unwrap();

        expected.status = Some(answer(&expected));
        assert_eq!(
            fake.actions_without_informers(),
            vec![
                Action::update_status("downstream.kube-gen.dev", "v1", "greetings", "default")
                    .field_manager(FIELD_MANAGER)
                    .object(&expected)
            ]
        );
        let stored: Greeting = fake.object(Some("default"), "hi").unwrap();
        assert_eq!(stored.status, expected.status);
        factory.shutdown().await;
    }

    #[tokio::test]
    async fn sync_handler_writes_nothing_for_answered_missing_or_malformed_keys() {
        let mut answered = greeting("answered", "Ada");
        answered.status = Some(answer(&answered));
        let fake = FakeCluster::new().with_objects([answered]);
        let (greeter, factory) = synced_greeter(&fake).await;

        for key in ["default/answered", "default/missing", "a/b/c"] {
            greeter.sync_handler(key).await.unwrap();
        }

        assert_eq!(fake.actions_without_informers(), vec![]);
        factory.shutdown().await;
    }

    #[tokio::test]
    async fn a_conflicting_status_update_is_an_error_for_the_worker_to_retry() {
        let fake = FakeCluster::new()
            .with_status_subresource::<Greeting>()
            .with_objects([greeting("hi", "Ada")]);
        fake.prepend_reactor("update", "greetings", |_| {
            Reaction::conflict("greetings", "hi")
        });
        let (greeter, factory) = synced_greeter(&fake).await;

        let err = greeter.sync_handler("default/hi").await.unwrap_err();

        let Error::UpdateStatus { key, source } = &err else {
            panic!("expected UpdateStatus, got {err:?}");
        };
        assert_eq!(key, "default/hi");
        assert!(source.is_conflict());
        factory.shutdown().await;
    }

    #[tokio::test]
    async fn the_running_greeter_answers_new_and_changed_greetings() {
        let fake = FakeCluster::new().with_status_subresource::<Greeting>();
        let factory = SharedInformerFactory::new(fake.client());
        let greeter = Greeter::new(fake.client(), &factory);
        factory.start();
        let (stop, stopped) = oneshot::channel::<()>();
        let running = tokio::spawn(async move {
            greeter
                .run(2, async {
                    let _ = stopped.await;
                })
                .await
        });

        let greetings = Api::<Greeting>::namespaced(fake.client(), "default");
        answers_new_and_changed(&greetings).await;

        stop.send(()).unwrap();
        running.await.unwrap().unwrap();
        factory.shutdown().await;
    }
}
