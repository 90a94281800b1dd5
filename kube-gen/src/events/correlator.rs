//! client-go's `EventCorrelator`: spam filter, similar-event aggregation and repeat counting.
//!
//! Mirrors `k8s.io/client-go/tools/record/events_cache.go`. Pure: every decision takes the
//! current time as an argument, so tests drive it with a made-up clock.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use k8s_openapi::api::core::v1::Event;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;
use serde_json::json;

/// Entries each of the three caches keeps before forgetting the least recently used.
const MAX_LRU_CACHE_ENTRIES: usize = 4096;
/// Distinct messages with one reason about one object before they are combined.
pub(crate) const AGGREGATE_MAX_EVENTS: usize = 10;
/// How long a group of similar events stays open after its last event.
const AGGREGATE_INTERVAL: Duration = Duration::from_secs(600);
/// Events a source may send about one object at once.
pub(crate) const SPAM_BURST: f64 = 25.0;
/// Refill rate of the per-object budget: one event every five minutes.
const SPAM_QPS: f64 = 1.0 / 300.0;
/// The prefix of an aggregated event's message.
pub(crate) const COMBINED_PREFIX: &str = "(combined from similar events): ";

/// What to do with an event after correlation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Correlation {
    /// The spam filter dropped it.
    Skip,
    /// Write it: create it, or patch the existing Event of that name when `patch` is set.
    Write {
        event: Box<Event>,
        patch: Option<serde_json::Value>,
    },
}

/// The three caches of client-go's correlator, without the locks (one task owns it).
#[derive(Debug)]
pub(crate) struct EventCorrelator {
    spam: Lru<TokenBucket>,
    aggregates: Lru<AggregateRecord>,
    logs: Lru<EventLog>,
}

impl Default for EventCorrelator {
    fn default() -> Self {
        EventCorrelator {
            spam: Lru::new(MAX_LRU_CACHE_ENTRIES),
            aggregates: Lru::new(MAX_LRU_CACHE_ENTRIES),
            logs: Lru::new(MAX_LRU_CACHE_ENTRIES),
        }
    }
}

impl EventCorrelator {
    /// Aggregates, counts, then filters `event` at time `now` (`EventCorrelate`).
    ///
    /// As in client-go, the count goes up before the spam filter decides, so an event that
    /// is dropped still counts towards the next one that gets through.
    pub(crate) fn correlate(&mut self, event: Event, now: Timestamp) -> Correlation {
        let (event, key) = self.aggregate(event, now);
        let (event, patch) = self.observe(event, key);
        if self.filter(&event, now) {
            return Correlation::Skip;
        }
        Correlation::Write {
            event: Box::new(event),
            patch,
        }
    }

    /// Remembers the server's copy of an event, so the next repeat patches the right
    /// object and resource version (`UpdateState`).
    pub(crate) fn update_state(&mut self, stored: &Event) {
        self.logs.insert(event_key(stored), EventLog::of(stored));
    }

    /// `EventAggregate`: the tenth distinct message with the same reason within the
    /// interval turns into one combined event, counted under the group's key.
    fn aggregate(&mut self, event: Event, now: Timestamp) -> (Event, String) {
        let full_key = event_key(&event);
        let (group_key, local_key) = aggregate_keys(&event);
        let record = self
            .aggregates
            .get_or_insert_with(group_key.clone(), || AggregateRecord {
                local_keys: BTreeSet::new(),
                last: now,
            });
        if elapsed(record.last, now) > AGGREGATE_INTERVAL {
            record.local_keys.clear();
        }
        record.local_keys.insert(local_key);
        record.last = now;
        if record.local_keys.len() < AGGREGATE_MAX_EVENTS {
            return (event, full_key);
        }
        // Do not let the set grow past the maximum.
        record.local_keys.pop_first();
        let name = event.involved_object.name.as_deref().unwrap_or_default();
        let combined = Event {
            metadata: kube::api::ObjectMeta {
                name: Some(format!("{name}.{:x}", now.as_nanosecond())),
                namespace: event.metadata.namespace.clone(),
                ..Default::default()
            },
            count: Some(1),
            first_timestamp: Some(Time(now)),
            last_timestamp: Some(Time(now)),
            message: Some(format!(
                "{COMBINED_PREFIX}{}",
                event.message.as_deref().unwrap_or_default()
            )),
            involved_object: event.involved_object,
            type_: event.type_,
            reason: event.reason,
            source: event.source,
            ..Default::default()
        };
        (combined, group_key)
    }

    /// `eventObserve`: a repeat of an event seen before takes that Event's name, first
    /// timestamp and resource version, and its count goes up by one; the write becomes a
    /// patch of `count`, `lastTimestamp` and `message`.
    fn observe(&mut self, mut event: Event, key: String) -> (Event, Option<serde_json::Value>) {
        let mut patch = None;
        if let Some(last) = self.logs.get(&key).filter(|log| log.count > 0) {
            event.metadata.name = Some(last.name.clone());
            event
                .metadata
                .resource_version
                .clone_from(&last.resource_version);
            event.first_timestamp.clone_from(&last.first_timestamp);
            event.count = Some(last.count + 1);
            patch = Some(json!({
                "count": event.count,
                "lastTimestamp": event.last_timestamp,
                "message": event.message,
            }));
        }
        self.logs.insert(key, EventLog::of(&event));
        (event, patch)
    }

    /// `EventSourceObjectSpamFilter.Filter`: true when the object's token bucket is empty.
    fn filter(&mut self, event: &Event, now: Timestamp) -> bool {
        let bucket = self
            .spam
            .get_or_insert_with(spam_key(event), || TokenBucket {
                tokens: SPAM_BURST,
                last: now,
            });
        !bucket.try_accept(now)
    }
}

/// A token bucket like `golang.org/x/time/rate`: starts full, refills continuously.
#[derive(Debug)]
struct TokenBucket {
    tokens: f64,
    last: Timestamp,
}

impl TokenBucket {
    fn try_accept(&mut self, now: Timestamp) -> bool {
        let refill = elapsed(self.last, now).as_secs_f64() * SPAM_QPS;
        self.tokens = (self.tokens + refill).min(SPAM_BURST);
        self.last = self.last.max(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[derive(Debug)]
struct AggregateRecord {
    local_keys: BTreeSet<String>,
    last: Timestamp,
}

#[derive(Debug)]
struct EventLog {
    count: i32,
    first_timestamp: Option<Time>,
    name: String,
    resource_version: Option<String>,
}

impl EventLog {
    fn of(event: &Event) -> Self {
        EventLog {
            count: event.count.unwrap_or_default(),
            first_timestamp: event.first_timestamp.clone(),
            name: event.metadata.name.clone().unwrap_or_default(),
            resource_version: event.metadata.resource_version.clone(),
        }
    }
}

/// A map that forgets its least recently used entry when full (client-go's `lru.Cache`).
#[derive(Debug)]
struct Lru<V> {
    entries: HashMap<String, (V, u64)>,
    tick: u64,
    capacity: usize,
}

impl<V> Lru<V> {
    fn new(capacity: usize) -> Self {
        Lru {
            entries: HashMap::new(),
            tick: 0,
            capacity,
        }
    }

    fn get(&mut self, key: &str) -> Option<&mut V> {
        self.tick += 1;
        let tick = self.tick;
        self.entries.get_mut(key).map(|(value, used)| {
            *used = tick;
            value
        })
    }

    fn insert(&mut self, key: String, value: V) {
        self.tick += 1;
        if !self.entries.contains_key(&key) && self.entries.len() >= self.capacity {
            let oldest = self.entries.iter().min_by_key(|(_, (_, used))| *used);
            if let Some(oldest) = oldest.map(|(k, _)| k.clone()) {
                self.entries.remove(&oldest);
            }
        }
        self.entries.insert(key, (value, self.tick));
    }

    fn get_or_insert_with(&mut self, key: String, make: impl FnOnce() -> V) -> &mut V {
        if self.get(&key).is_none() {
            self.insert(key.clone(), make());
        }
        self.get(&key).expect("just inserted")
    }
}

fn elapsed(from: Timestamp, to: Timestamp) -> Duration {
    Duration::try_from(to.duration_since(from)).unwrap_or_default()
}

fn opt(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or_default()
}

/// `getEventKey`: source, involved object (with field path), type, reason and message.
fn event_key(e: &Event) -> String {
    let (component, host) = source(e);
    let o = &e.involved_object;
    [
        component,
        host,
        opt(&o.kind),
        opt(&o.namespace),
        opt(&o.name),
        opt(&o.field_path),
        opt(&o.uid),
        opt(&o.api_version),
        opt(&e.type_),
        opt(&e.reason),
        opt(&e.message),
    ]
    .concat()
}

/// `getSpamKey`: source and involved object only.
fn spam_key(e: &Event) -> String {
    let (component, host) = source(e);
    let o = &e.involved_object;
    [
        component,
        host,
        opt(&o.kind),
        opt(&o.namespace),
        opt(&o.name),
        opt(&o.uid),
        opt(&o.api_version),
    ]
    .concat()
}

/// `EventAggregatorByReasonFunc`: everything but the message, which is the local key.
fn aggregate_keys(e: &Event) -> (String, String) {
    let (component, host) = source(e);
    let o = &e.involved_object;
    let group = [
        component,
        host,
        opt(&o.kind),
        opt(&o.namespace),
        opt(&o.name),
        opt(&o.uid),
        opt(&o.api_version),
        opt(&e.type_),
        opt(&e.reason),
        opt(&e.reporting_component),
        opt(&e.reporting_instance),
    ]
    .concat();
    (group, opt(&e.message).to_owned())
}

fn source(e: &Event) -> (&str, &str) {
    e.source
        .as_ref()
        .map_or(("", ""), |s| (opt(&s.component), opt(&s.host)))
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::{EventSource, ObjectReference};
    use k8s_openapi::jiff::SignedDuration;

    use super::*;

    fn t0() -> Timestamp {
        Timestamp::from_second(1_700_000_000).unwrap()
    }

    fn at(seconds: i64) -> Timestamp {
        t0() + SignedDuration::from_secs(seconds)
    }

    fn event(object: &str, reason: &str, message: &str, now: Timestamp) -> Event {
        Event {
            metadata: kube::api::ObjectMeta {
                name: Some(format!("{object}.{:x}", now.as_nanosecond())),
                namespace: Some("ns".into()),
                ..Default::default()
            },
            involved_object: ObjectReference {
                kind: Some("ConfigMap".into()),
                api_version: Some("v1".into()),
                namespace: Some("ns".into()),
                name: Some(object.into()),
                uid: Some(format!("uid-{object}")),
                ..Default::default()
            },
            type_: Some("Normal".into()),
            reason: Some(reason.into()),
            message: Some(message.into()),
            count: Some(1),
            first_timestamp: Some(Time(now)),
            last_timestamp: Some(Time(now)),
            source: Some(EventSource {
                component: Some("test".into()),
                host: None,
            }),
            ..Default::default()
        }
    }

    /// Correlates, and on a write pretends the server stored it with a new version.
    fn record(c: &mut EventCorrelator, e: Event, now: Timestamp) -> Option<(Event, bool)> {
        match c.correlate(e, now) {
            Correlation::Skip => None,
            Correlation::Write { event, patch } => {
                let mut stored = *event;
                stored.metadata.resource_version = Some(format!("{}", now.as_second()));
                c.update_state(&stored);
                Some((stored, patch.is_some()))
            }
        }
    }

    #[test]
    fn the_first_event_is_created_with_count_one() {
        let mut c = EventCorrelator::default();
        let (stored, patched) = record(&mut c, event("a", "Synced", "ok", t0()), t0()).unwrap();
        assert!(!patched);
        assert_eq!(stored.count, Some(1));
    }

    #[test]
    fn a_repeat_patches_the_first_event_with_a_higher_count() {
        let mut c = EventCorrelator::default();
        let (first, _) = record(&mut c, event("a", "Synced", "ok", t0()), t0()).unwrap();
        let again = event("a", "Synced", "ok", at(5));
        let Correlation::Write { event, patch } = c.correlate(again, at(5)) else {
            panic!("skipped")
        };
        assert_eq!(
            event.metadata.name, first.metadata.name,
            "same Event object"
        );
        assert_eq!(event.count, Some(2));
        assert_eq!(event.first_timestamp, Some(Time(t0())));
        assert_eq!(event.last_timestamp, Some(Time(at(5))));
        let patch = patch.expect("a patch");
        assert_eq!(patch["count"], 2);
        assert_eq!(patch["message"], "ok");
        assert!(patch["lastTimestamp"].is_string());
    }

    #[test]
    fn thirty_identical_events_write_twenty_five_times_and_count_on() {
        let mut c = EventCorrelator::default();
        let written: Vec<_> = (0..30)
            .filter_map(|i| record(&mut c, event("a", "Synced", "ok", at(i)), at(i)))
            .collect();
        assert_eq!(written.len(), 25, "the burst of 25 per object");
        assert_eq!(written.last().unwrap().0.count, Some(25));
        // Five minutes later one token is back; the dropped repeats still counted.
        let (later, patched) =
            record(&mut c, event("a", "Synced", "ok", at(330)), at(330)).unwrap();
        assert!(patched);
        assert_eq!(later.count, Some(31));
        assert!(record(&mut c, event("a", "Synced", "ok", at(331)), at(331)).is_none());
    }

    #[test]
    fn the_spam_filter_is_per_object() {
        let mut c = EventCorrelator::default();
        for i in 0..25 {
            let message = format!("m{}", i % 3);
            record(&mut c, event("a", "Synced", &message, at(i)), at(i)).unwrap();
        }
        assert!(record(&mut c, event("a", "Other", "x", at(26)), at(26)).is_none());
        assert!(record(&mut c, event("b", "Synced", "m0", at(26)), at(26)).is_some());
    }

    #[test]
    fn the_tenth_distinct_message_with_one_reason_is_combined() {
        let mut c = EventCorrelator::default();
        for i in 0..9 {
            let (stored, _) =
                record(&mut c, event("a", "Failed", &format!("m{i}"), at(i)), at(i)).unwrap();
            assert_eq!(stored.message.as_deref(), Some(format!("m{i}").as_str()));
        }
        let (combined, patched) = record(&mut c, event("a", "Failed", "m9", at(9)), at(9)).unwrap();
        assert!(!patched, "the combined event is new");
        assert_eq!(
            combined.message.as_deref(),
            Some("(combined from similar events): m9")
        );
        assert_eq!(combined.count, Some(1));
        assert_eq!(combined.reason.as_deref(), Some("Failed"));
        let (again, patched) = record(&mut c, event("a", "Failed", "m10", at(10)), at(10)).unwrap();
        assert!(patched, "later similar events update the combined one");
        assert_eq!(again.metadata.name, combined.metadata.name);
        assert_eq!(again.count, Some(2));
        assert_eq!(
            again.message.as_deref(),
            Some("(combined from similar events): m10")
        );
    }

    #[test]
    fn similar_events_spread_over_more_than_ten_minutes_are_not_combined() {
        let mut c = EventCorrelator::default();
        for i in 0..12 {
            let now = at(i * 601);
            let (stored, _) =
                record(&mut c, event("a", "Failed", &format!("m{i}"), now), now).unwrap();
            assert!(!stored.message.unwrap().starts_with(COMBINED_PREFIX));
        }
    }

    #[test]
    fn different_reasons_are_separate_events() {
        let mut c = EventCorrelator::default();
        let (a, _) = record(&mut c, event("a", "Created", "x", t0()), t0()).unwrap();
        let (b, patched) = record(&mut c, event("a", "Deleted", "x", at(1)), at(1)).unwrap();
        assert!(!patched);
        assert_ne!(a.metadata.name, b.metadata.name);
    }

    #[test]
    fn the_least_recently_used_entry_is_forgotten_when_full() {
        let mut lru = Lru::new(2);
        lru.insert("a".into(), 1);
        lru.insert("b".into(), 2);
        assert_eq!(lru.get("a"), Some(&mut 1));
        lru.insert("c".into(), 3);
        assert!(lru.get("b").is_none());
        assert!(lru.get("a").is_some() && lru.get("c").is_some());
    }
}
