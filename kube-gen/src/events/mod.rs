//! client-go's event recorder: core/v1 Events about objects, written in the background and
//! aggregated like `EventCorrelator`.
//!
//! Controllers tell users what they did through Events (`kubectl describe` shows them). A
//! [`Recorder`] takes an object, an [`EventType`], a reason and a message, and writes an
//! Event into the object's namespace (`default` for cluster-scoped objects) whose
//! `involvedObject` points at it, with `source.component`/`reportingComponent` naming the
//! controller.
//!
//! # Never blocking the caller
//!
//! [`Recorder::event`] only puts the event on a bounded queue (client-go's broadcaster);
//! one background task writes events in order. When the queue is full the event is
//! dropped with a warning: a reconcile loop must never wait for its events. The task
//! retries writes that fail on transport errors (12 tries, 10 s apart) and gives up on
//! events the server rejects. [`Recorder::flush`] waits for what has been queued so far;
//! [`Recorder::shut_down`] writes the queue and stops.
//!
//! # Aggregation, as client-go does it
//!
//! Before writing, each event goes through a correlator that mirrors
//! `k8s.io/client-go/tools/record/events_cache.go`, with its defaults:
//!
//! 1. **Similar events are combined.** Events about one object with the same source, type
//!    and reason but different messages form a group that stays open while events keep
//!    coming (less than 10 minutes apart). The tenth distinct message, and every one after
//!    it, becomes a single event with the message `(combined from similar events): <latest
//!    message>`.
//! 2. **Repeats are counted.** An event identical to one already written (same object,
//!    source, type, reason and message) patches that Event's `count`, `lastTimestamp` and
//!    `message` instead of creating a new one; `firstTimestamp` keeps the first time.
//! 3. **Spam is dropped.** Each (source, object) pair has a token bucket of 25 events,
//!    refilled at one event every 5 minutes; events beyond it are dropped with a debug log.
//!    As in client-go the count still goes up for a dropped repeat, so 30 identical events
//!    in a burst leave one Event with `count: 25`, and the next one written after the
//!    bucket refills says `count: 31`.
//!
//! ```no_run
//! use k8s_openapi::api::core::v1::ConfigMap;
//! use kube_gen::events::{EventType, Recorder};
//!
//! # async fn run(kube: kube::Client, cm: ConfigMap) {
//! let recorder = Recorder::builder(kube, "my-controller").instance("my-controller-0").build();
//! recorder.event(&cm, EventType::Normal, "Synced", "ConfigMap synced successfully");
//! recorder.event(&cm, EventType::Warning, "ErrResourceExists", "Resource already exists");
//! // Before exiting:
//! recorder.shut_down().await;
//! # }
//! ```
//!
//! # From client-go
//!
//! | client-go (`k8s.io/client-go/tools/record`)                     | kube-gen                                   |
//! |-----------------------------------------------------------------|--------------------------------------------|
//! | `NewBroadcaster()` + `StartRecordingToSink(&EventSinkImpl{..})` | [`Recorder::new`]`(client, component)` (the task is started for you) |
//! | `broadcaster.NewRecorder(scheme, v1.EventSource{Component, Host})` | [`Recorder::builder`]`(client, component).host(..).build()` |
//! | `recorder.Event(obj, v1.EventTypeNormal, reason, message)`      | [`recorder.event`](Recorder::event)`(&obj, EventType::Normal, reason, message)` |
//! | `recorder.Eventf(obj, type, reason, fmt, args...)`              | `recorder.event(&obj, type, reason, &format!(..))` |
//! | `v1.EventTypeNormal`, `v1.EventTypeWarning`                      | [`EventType::Normal`], [`EventType::Warning`] |
//! | `broadcaster.Shutdown()`                                        | [`Recorder::shut_down`] (async; writes what is queued first) |
//! | `EventCorrelator`, `NewEventCorrelator` defaults                | built in, same defaults (not configurable yet) |
//!
//! Differences worth knowing: there is no `AnnotatedEventf` and no separate broadcaster
//! with log and watch sinks (use `tracing` for logs); [`Recorder::flush`] is new, for tests
//! and orderly shutdown.

mod correlator;
mod recorder;

pub use recorder::{DEFAULT_QUEUE_CAPACITY, Recorder, RecorderBuilder};

/// Whether an event is routine or needs attention (core/v1 `Event.type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventType {
    /// Something expected happened (`"Normal"`).
    Normal,
    /// Something went wrong or needs a look (`"Warning"`).
    Warning,
}

impl EventType {
    /// The value of the Event's `type` field: `"Normal"` or `"Warning"`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Normal => "Normal",
            EventType::Warning => "Warning",
        }
    }
}
