//! Watches: selectors shared with lists, and the newline-delimited `WatchEvent` streams open on the fake.

use std::collections::BTreeMap;

use bytes::Bytes;
use futures::channel::mpsc::UnboundedSender;
use kube::core::Status;
use serde_json::{Value, json};

use super::reactors::bad_request;
use super::resources::FieldPath;
use super::tracker::Gvr;
use crate::lister::LabelSelector;

/// A list's or watch's `labelSelector` and `fieldSelector`.
#[derive(Debug, Default)]
pub(crate) struct Selectors {
    labels: Option<LabelSelector>,
    fields: Vec<FieldRequirement>,
}

/// One `label=value` or `label!=value` term of a field selector, with where the label's
/// value is in the object.
#[derive(Debug)]
struct FieldRequirement {
    field: FieldPath,
    value: String,
    equal: bool,
}

impl Selectors {
    /// Parses the selectors of a request; a malformed one is a 400 `BadRequest`, and so
    /// is a field label `field` refuses (with `field`'s message, as the server words it).
    pub(crate) fn parse(
        labels: Option<&str>,
        fields: Option<&str>,
        field: impl Fn(&str) -> Result<FieldPath, String>,
    ) -> Result<Self, Box<Status>> {
        let labels = labels
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<LabelSelector>()
                    .map_err(|err| bad_request(&format!("invalid label selector {s:?}: {err}")))
            })
            .transpose()?;
        let mut requirements = Vec::new();
        for term in fields
            .unwrap_or_default()
            .split(',')
            .filter(|t| !t.is_empty())
        {
            let (path, value, equal) = if let Some((p, v)) = term.split_once("!=") {
                (p, v, false)
            } else if let Some((p, v)) = term.split_once("==") {
                (p, v, true)
            } else if let Some((p, v)) = term.split_once('=') {
                (p, v, true)
            } else {
                return Err(bad_request(&format!(
                    "invalid field selector term {term:?}"
                )));
            };
            requirements.push(FieldRequirement {
                field: field(path.trim()).map_err(|message| bad_request(&message))?,
                value: value.trim().to_owned(),
                equal,
            });
        }
        Ok(Selectors {
            labels,
            fields: requirements,
        })
    }

    /// Whether the object's labels and fields match; a missing field reads as its
    /// [`FieldPath::absent`] value.
    pub(crate) fn matches(&self, object: &Value) -> bool {
        let labels_match = self.labels.as_ref().is_none_or(|selector| {
            let labels: BTreeMap<String, String> = object
                .pointer("/metadata/labels")
                .and_then(|l| serde_json::from_value(l.clone()).ok())
                .unwrap_or_default();
            selector.matches(&labels)
        });
        labels_match
            && self.fields.iter().all(|req| {
                let actual = match object.pointer(&req.field.pointer) {
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Null) | None => req.field.absent.clone(),
                    Some(other) => other.to_string(),
                };
                (actual == req.value) == req.equal
            })
    }
}

/// An open watch: what it covers and where its events go.
#[derive(Debug)]
pub(crate) struct Watcher {
    pub(crate) gvr: Gvr,
    pub(crate) namespace: Option<String>,
    pub(crate) selectors: Selectors,
    pub(crate) tx: UnboundedSender<Bytes>,
}

impl Watcher {
    /// The event this watch sees for a change, if any. As the apiserver's watch cache: a
    /// change that makes the object match is `ADDED`, one that makes it stop matching is
    /// `DELETED` with the object as it last matched, at the change's resourceVersion.
    pub(crate) fn event_for(
        &self,
        gvr: &Gvr,
        event_type: &'static str,
        object: &Value,
        prev: Option<&Value>,
    ) -> Option<(&'static str, Value)> {
        let in_scope = &self.gvr == gvr
            && self.namespace.as_deref().is_none_or(|ns| {
                object
                    .pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    == Some(ns)
            });
        if !in_scope {
            return None;
        }
        let now = self.selectors.matches(object);
        let before = prev.is_some_and(|p| self.selectors.matches(p));
        match (event_type, now, before) {
            ("MODIFIED", true, false) => Some(("ADDED", object.clone())),
            ("MODIFIED", false, true) => {
                let mut last = prev?.clone();
                last["metadata"]["resourceVersion"] = object["metadata"]["resourceVersion"].clone();
                Some(("DELETED", last))
            }
            ("MODIFIED", false, false) => None,
            (_, true, _) => Some((event_type, object.clone())),
            _ => None,
        }
    }

    /// Sends one event; false once the client has gone away.
    pub(crate) fn send(&self, event_type: &str, object: &Value) -> bool {
        self.tx
            .unbounded_send(event_line(event_type, object))
            .is_ok()
    }
}

/// One `WatchEvent` as a line of JSON.
pub(crate) fn event_line(event_type: &str, object: &Value) -> Bytes {
    let mut line = serde_json::to_vec(&json!({"type": event_type, "object": object}))
        .expect("a watch event serialises");
    line.push(b'\n');
    Bytes::from(line)
}

/// A `BOOKMARK` event's object: only the kind and the resourceVersion, as the server sends it.
pub(crate) fn bookmark(api_version: &str, kind: &str, resource_version: u64) -> Value {
    json!({
        "apiVersion": api_version,
        "kind": kind,
        "metadata": {"resourceVersion": resource_version.to_string()},
    })
}

/// The `ERROR` event's object that ends a watch whose history expired.
pub(crate) fn gone_event(status: &Status) -> Value {
    serde_json::to_value(status).expect("a status serialises")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cm(name: &str, labels: Value) -> Value {
        json!({"metadata": {"name": name, "namespace": "default", "labels": labels}})
    }

    /// Field labels as a resource without its own ones takes them.
    fn meta(label: &str) -> Result<FieldPath, String> {
        match label {
            "metadata.name" | "metadata.namespace" => Ok(FieldPath {
                pointer: format!("/{}", label.replace('.', "/")),
                absent: String::new(),
            }),
            _ => Err(format!("field label not supported: {label}")),
        }
    }

    #[test]
    fn label_selectors_support_equality_and_sets() {
        let s = Selectors::parse(Some("app=web,tier in (front,edge)"), None, meta).unwrap();
        assert!(s.matches(&cm("a", json!({"app": "web", "tier": "edge"}))));
        assert!(!s.matches(&cm("a", json!({"app": "web", "tier": "db"}))));
        assert!(!s.matches(&cm("a", json!({}))));
    }

    #[test]
    fn field_selectors_read_name_and_namespace() {
        let s = Selectors::parse(
            None,
            Some("metadata.name=a,metadata.namespace!=kube-system"),
            meta,
        )
        .unwrap();
        assert!(s.matches(&cm("a", json!({}))));
        assert!(!s.matches(&cm("b", json!({}))));
    }

    #[test]
    fn a_malformed_selector_is_a_bad_request() {
        assert_eq!(
            Selectors::parse(Some("a in ("), None, meta)
                .unwrap_err()
                .code,
            400
        );
        assert_eq!(
            Selectors::parse(None, Some("nonsense"), meta)
                .unwrap_err()
                .code,
            400
        );
        let refused = Selectors::parse(None, Some("spec.x=1"), meta).unwrap_err();
        assert_eq!(refused.message, "field label not supported: spec.x");
    }

    #[test]
    fn a_label_selector_watch_sees_objects_start_and_stop_matching() {
        let (tx, _rx) = futures::channel::mpsc::unbounded();
        let watcher = Watcher {
            gvr: Gvr::new("", "v1", "configmaps"),
            namespace: Some("default".into()),
            selectors: Selectors::parse(Some("app=web"), None, meta).unwrap(),
            tx,
        };
        let gvr = Gvr::new("", "v1", "configmaps");
        let mut plain = cm("a", json!({}));
        let mut web = cm("a", json!({"app": "web"}));
        plain["metadata"]["resourceVersion"] = "3".into();
        web["metadata"]["resourceVersion"] = "2".into();
        let seen = |prev: &Value, now: &Value| {
            watcher
                .event_for(&gvr, "MODIFIED", now, Some(prev))
                .map(|(t, o)| {
                    (
                        t,
                        o["metadata"]["resourceVersion"].clone(),
                        o["metadata"]["labels"].clone(),
                    )
                })
        };
        assert_eq!(
            seen(&plain, &web),
            Some(("ADDED", json!("2"), json!({"app": "web"})))
        );
        assert_eq!(
            seen(&web, &web),
            Some(("MODIFIED", json!("2"), json!({"app": "web"})))
        );
        assert_eq!(
            seen(&web, &plain),
            Some(("DELETED", json!("3"), json!({"app": "web"})))
        );
        assert_eq!(seen(&plain, &plain), None);
    }

    #[test]
    fn events_are_json_lines() {
        let line = event_line("ADDED", &json!({"a": 1}));
        assert!(line.ends_with(b"\n"));
        let event: Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(event, json!({"type": "ADDED", "object": {"a": 1}}));
    }
}
