//! The [`Recorder`] handle and the background task that correlates events and writes them.

use std::time::Duration;

use k8s_openapi::api::core::v1::{Event, EventSource, ObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;
use kube::Resource;
use kube::api::{ObjectMeta, Patch};
use tokio::sync::{mpsc, oneshot};

use super::EventType;
use super::correlator::{Correlation, EventCorrelator};
use crate::client::{Client, Error, PatchOptions, WriteOptions};

/// Events waiting for the background task before [`Recorder::event`] starts dropping them
/// (client-go's broadcaster queue length).
pub const DEFAULT_QUEUE_CAPACITY: usize = 1000;
/// Attempts to write one event before giving up on it (client-go's `maxTriesPerEvent`).
const MAX_TRIES_PER_EVENT: u32 = 12;
/// Pause between attempts; the first one is randomised so clients don't retry in step.
const RETRY_SLEEP: Duration = Duration::from_secs(10);
/// Where events about cluster-scoped objects go.
const DEFAULT_NAMESPACE: &str = "default";

enum Message {
    Event(Box<Event>),
    Flush(oneshot::Sender<()>),
    ShutDown(oneshot::Sender<()>),
}

/// Records core/v1 Events about objects, without blocking the caller (client-go's
/// `EventRecorder` on an `EventBroadcaster` recording to the API server).
///
/// Each call to [`event`](Recorder::event) puts the event on a bounded queue; one
/// background task correlates it (see the [module docs](super)) and creates or patches the
/// Event object. Clones share the queue and the task.
///
/// # Examples
///
/// On the [fake cluster](crate::fake::FakeCluster), so it runs without a cluster:
///
/// ```
/// use k8s_openapi::api::core::v1::{ConfigMap, Event};
/// use kube::api::ObjectMeta;
/// use kube_gen::client::{Client, ListOptions};
/// use kube_gen::events::{EventType, Recorder};
/// use kube_gen::fake::FakeCluster;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), kube_gen::client::Error> {
/// let fake = FakeCluster::new();
/// let recorder = Recorder::new(fake.client(), "my-controller");
/// let cm = ConfigMap {
///     metadata: ObjectMeta { name: Some("settings".into()), namespace: Some("default".into()), ..Default::default() },
///     ..Default::default()
/// };
/// recorder.event(&cm, EventType::Normal, "Synced", "ConfigMap synced successfully");
/// recorder.flush().await; // the event is written in the background
///
/// let events = Client::<Event>::namespaced(fake.client(), "default").list(&ListOptions::default()).await?;
/// assert_eq!(events.items.len(), 1);
/// assert_eq!(events.items[0].reason.as_deref(), Some("Synced"));
/// assert_eq!(events.items[0].involved_object.name.as_deref(), Some("settings"));
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Recorder {
    queue: mpsc::Sender<Message>,
    source: EventSource,
    instance: Option<String>,
}

/// Configures a [`Recorder`]; made by [`Recorder::builder`].
pub struct RecorderBuilder {
    client: kube::Client,
    component: String,
    instance: Option<String>,
    host: Option<String>,
    capacity: usize,
}

impl std::fmt::Debug for RecorderBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecorderBuilder")
            .field("component", &self.component)
            .field("instance", &self.instance)
            .field("host", &self.host)
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

impl RecorderBuilder {
    /// Names this replica of the component (`reportingInstance`, e.g. the pod name).
    #[must_use]
    pub fn instance(mut self, instance: &str) -> Self {
        self.instance = Some(instance.to_owned());
        self
    }

    /// The node the component runs on (`source.host`).
    #[must_use]
    pub fn host(mut self, host: &str) -> Self {
        self.host = Some(host.to_owned());
        self
    }

    /// How many events may wait for the background task (default
    /// [`DEFAULT_QUEUE_CAPACITY`]); more are dropped with a warning.
    #[must_use]
    pub fn queue_capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity.max(1);
        self
    }

    /// Starts the background task and returns the recorder.
    ///
    /// # Panics
    ///
    /// Outside a Tokio runtime, as [`tokio::spawn`] does.
    pub fn build(self) -> Recorder {
        let (queue, rx) = mpsc::channel(self.capacity);
        tokio::spawn(run(rx, self.client));
        Recorder {
            queue,
            source: EventSource {
                component: Some(self.component),
                host: self.host,
            },
            instance: self.instance,
        }
    }
}

impl Recorder {
    /// A recorder for events reported by `component` (`source.component` and
    /// `reportingComponent`, e.g. `"sample-controller"`).
    pub fn new(client: kube::Client, component: &str) -> Recorder {
        Recorder::builder(client, component).build()
    }

    /// A builder for a recorder reported by `component`, to set its instance, host or
    /// queue capacity.
    pub fn builder(client: kube::Client, component: &str) -> RecorderBuilder {
        RecorderBuilder {
            client,
            component: component.to_owned(),
            instance: None,
            host: None,
            capacity: DEFAULT_QUEUE_CAPACITY,
        }
    }

    /// Records that `reason` happened to `obj`, with a human-readable `message`.
    ///
    /// Never blocks and never fails: the event is queued for the background task, or
    /// dropped with a warning when the queue is full or the recorder was shut down.
    /// `reason` is a short UpperCamelCase word (`"Synced"`, `"ErrResourceExists"`).
    pub fn event<K>(&self, obj: &K, type_: EventType, reason: &str, message: &str)
    where
        K: Resource,
        K::DynamicType: Default,
    {
        self.event_on(
            obj.object_ref(&K::DynamicType::default()),
            type_,
            reason,
            message,
        );
    }

    /// Like [`event`](Self::event), for an object known only by reference, such as one that
    /// did not decode ([`Undecodable::object_reference`](crate::informer::Undecodable::object_reference)).
    pub fn event_on(
        &self,
        reference: ObjectReference,
        type_: EventType,
        reason: &str,
        message: &str,
    ) {
        let event = self.make_event(reference, type_, reason, message, Timestamp::now());
        match self.queue.try_send(Message::Event(Box::new(event))) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::warn!(reason, "event queue is full; dropping the event");
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                tracing::debug!(reason, "recorder is shut down; dropping the event");
            }
        }
    }

    /// Waits until every event recorded before this call has been written (or given up on).
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.queue.send(Message::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }

    /// Stops accepting events, writes the ones already queued, and ends the background task.
    /// Events recorded afterwards, through any clone, are dropped.
    pub async fn shut_down(&self) {
        let (done, wait) = oneshot::channel();
        if self.queue.send(Message::ShutDown(done)).await.is_ok() {
            let _ = wait.await;
        }
    }

    /// client-go's `makeEvent`: a new Event named `<object>.<unix nanos in hex>`, in the
    /// object's namespace or `default`.
    fn make_event(
        &self,
        reference: ObjectReference,
        type_: EventType,
        reason: &str,
        message: &str,
        now: Timestamp,
    ) -> Event {
        let name = reference.name.as_deref().unwrap_or_default();
        let namespace = reference
            .namespace
            .clone()
            .unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned());
        Event {
            metadata: ObjectMeta {
                name: Some(format!("{name}.{:x}", now.as_nanosecond())),
                namespace: Some(namespace),
                ..ObjectMeta::default()
            },
            involved_object: reference,
            type_: Some(type_.as_str().to_owned()),
            reason: Some(reason.to_owned()),
            message: Some(message.to_owned()),
            count: Some(1),
            first_timestamp: Some(Time(now)),
            last_timestamp: Some(Time(now)),
            source: Some(self.source.clone()),
            reporting_component: self.source.component.clone(),
            reporting_instance: self.instance.clone(),
            ..Event::default()
        }
    }
}

/// The background task: one event at a time, in order, like client-go's sink watcher.
async fn run(mut rx: mpsc::Receiver<Message>, client: kube::Client) {
    let mut correlator = EventCorrelator::default();
    let mut shut_down = Vec::new();
    while let Some(message) = rx.recv().await {
        match message {
            Message::Event(event) => record_to_sink(&client, &mut correlator, *event).await,
            Message::Flush(done) => {
                let _ = done.send(());
            }
            Message::ShutDown(done) => {
                // Refuse new events, but write the ones already queued before answering.
                rx.close();
                shut_down.push(done);
            }
        }
    }
    for done in shut_down {
        let _ = done.send(());
    }
}

/// client-go's `recordToSink`: correlate, then write with retries on transport errors.
async fn record_to_sink(client: &kube::Client, correlator: &mut EventCorrelator, event: Event) {
    let Correlation::Write { event, patch } = correlator.correlate(event, Timestamp::now()) else {
        tracing::debug!("dropping an event about an object that sent too many");
        return;
    };
    for attempt in 1..=MAX_TRIES_PER_EVENT {
        match write(client, &event, patch.as_ref()).await {
            Ok(stored) => {
                correlator.update_state(&stored);
                return;
            }
            Err(err) if err.is_transport() => {
                tracing::warn!(error = %err, attempt, "could not write an event; will retry");
            }
            Err(err) if err.is_already_exists() || err.has_cause("NamespaceTerminating") => {
                tracing::debug!(error = %err, "server rejected an event");
                return;
            }
            Err(err) => {
                tracing::error!(error = %err, "server rejected an event; not retrying");
                return;
            }
        }
        let pause = if attempt == 1 {
            RETRY_SLEEP.mul_f64(jitter())
        } else {
            RETRY_SLEEP
        };
        tokio::time::sleep(pause).await;
    }
    tracing::error!("gave up writing an event after {MAX_TRIES_PER_EVENT} attempts");
}

/// client-go's `recordEvent`: patch a repeat, or create it (also when the Event to patch
/// has been deleted meanwhile).
async fn write(
    client: &kube::Client,
    event: &Event,
    patch: Option<&serde_json::Value>,
) -> Result<Event, Error> {
    let namespace = event
        .metadata
        .namespace
        .as_deref()
        .unwrap_or(DEFAULT_NAMESPACE);
    let events = Client::<Event>::namespaced(client.clone(), namespace);
    if let (Some(patch), Some(name)) = (patch, event.metadata.name.as_deref()) {
        match events
            .patch(name, &Patch::Strategic(patch), &PatchOptions::default())
            .await
        {
            Err(err) if err.is_not_found() => {}
            other => return other,
        }
    }
    let mut fresh = event.clone();
    fresh.metadata.resource_version = None;
    events.create(&fresh, &WriteOptions::default()).await
}

/// A number in `[0, 1)` from the clock's nanoseconds; good enough to spread retries.
fn jitter() -> f64 {
    f64::from(Timestamp::now().subsec_nanosecond().unsigned_abs()) / 1e9
}
