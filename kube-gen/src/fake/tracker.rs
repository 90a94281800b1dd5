//! The object tracker: objects as JSON by resource, namespace and name, with resourceVersions, history and watchers.

use std::collections::{BTreeMap, HashMap};

use bytes::Bytes;
use futures::channel::mpsc::{self, UnboundedReceiver};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::core::Status;
use serde_json::{Value, json};

use super::reactors::{already_exists, bad_request, conflict, failure, gone, not_found};
use super::resources::Resources;
use super::watch::{self, Selectors, Watcher};

/// A resource: API group (empty for core), version and plural.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Gvr {
    pub(crate) group: String,
    pub(crate) version: String,
    pub(crate) resource: String,
}

impl Gvr {
    pub(crate) fn new(group: &str, version: &str, resource: &str) -> Self {
        Gvr {
            group: group.to_owned(),
            version: version.to_owned(),
            resource: resource.to_owned(),
        }
    }

    /// The resource as the server names it in messages: `configmaps`, `deployments.apps`.
    pub(crate) fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.resource.clone()
        } else {
            format!("{}.{}", self.resource, self.group)
        }
    }

    /// `group/version`, or `version` for the core group.
    pub(crate) fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

/// One change, kept so watches can start from an older resourceVersion. `prev` is the
/// object before a `MODIFIED`, so selector watches can tell when it starts or stops matching.
#[derive(Debug)]
struct Event {
    gvr: Gvr,
    resource_version: u64,
    event_type: &'static str,
    object: Value,
    prev: Option<Value>,
}

/// Where a write goes: the resource, the namespace (`None` when cluster-scoped) and the name.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Target<'a> {
    pub(crate) gvr: &'a Gvr,
    pub(crate) namespace: Option<&'a str>,
    pub(crate) name: &'a str,
}

/// The in-memory API server state.
#[derive(Debug, Default)]
pub(crate) struct Tracker {
    /// What the server knows of each resource: status subresource, updates, field labels.
    pub(crate) resources: Resources,
    objects: BTreeMap<Gvr, BTreeMap<(String, String), Value>>,
    kinds: HashMap<Gvr, String>,
    resource_version: u64,
    next_uid: u64,
    history: Vec<Event>,
    expired_before: u64,
    watchers: Vec<Watcher>,
}

impl Tracker {
    /// The current resourceVersion of the whole store.
    pub(crate) fn resource_version(&self) -> u64 {
        self.resource_version
    }

    /// The kind a resource's objects have, as learnt from them or from the resource's CRD
    /// (`List` suffix added by callers).
    pub(crate) fn kind(&self, gvr: &Gvr) -> String {
        self.kinds
            .get(gvr)
            .map(String::as_str)
            .or_else(|| self.resources.kind(gvr))
            .unwrap_or_default()
            .to_owned()
    }

    pub(crate) fn get(&self, t: Target<'_>) -> Result<Value, Box<Status>> {
        self.objects
            .get(t.gvr)
            .and_then(|objects| objects.get(&key(t.namespace, t.name)))
            .cloned()
            .ok_or_else(|| not_found(&t.gvr.qualified(), t.name))
    }

    /// One page of the matching objects, sorted by namespace and name, and the token of the
    /// next page (the key of the last object returned).
    pub(crate) fn list(
        &self,
        gvr: &Gvr,
        namespace: Option<&str>,
        selectors: &Selectors,
        limit: Option<usize>,
        continue_after: Option<&str>,
    ) -> (Vec<Value>, Option<String>) {
        let mut items = Vec::new();
        let Some(objects) = self.objects.get(gvr) else {
            return (items, None);
        };
        for ((ns, name), object) in objects {
            let token = format!("{ns}/{name}");
            if namespace.is_some_and(|want| want != ns)
                || continue_after.is_some_and(|after| token.as_str() <= after)
                || !selectors.matches(object)
            {
                continue;
            }
            if limit.is_some_and(|limit| items.len() == limit) {
                let last = items.last().map(|o: &Value| {
                    let ns = o.pointer("/metadata/namespace").and_then(Value::as_str);
                    format!(
                        "{}/{}",
                        ns.unwrap_or(""),
                        super::actions::name_in(o).unwrap_or_default()
                    )
                });
                return (items, last);
            }
            items.push(object.clone());
        }
        (items, None)
    }

    /// Stores a new object. `from_api` creates drop `.status` of resources with a status
    /// subresource, as the server does; seeded objects keep it.
    pub(crate) fn create(
        &mut self,
        gvr: &Gvr,
        namespace: Option<&str>,
        mut object: Value,
        from_api: bool,
        dry_run: bool,
    ) -> Result<Value, Box<Status>> {
        let name = match super::actions::name_in(&object) {
            Some(name) if !name.is_empty() => name,
            _ => match object
                .pointer("/metadata/generateName")
                .and_then(Value::as_str)
            {
                Some(prefix) => format!("{prefix}{:05}", self.next_uid + 1),
                None => {
                    // rest.BeforeCreate: the object's group and kind, and its (empty) name.
                    let kind = object
                        .get("kind")
                        .and_then(Value::as_str)
                        .map(str::to_owned);
                    let kind = kind.unwrap_or_else(|| self.kind(gvr));
                    let kind = match gvr.group.as_str() {
                        "" => kind,
                        group => format!("{kind}.{group}"),
                    };
                    return Err(failure(
                        422,
                        "Invalid",
                        &format!(
                            "{kind} \"\" is invalid: metadata.name: Required value: name or \
                             generateName is required"
                        ),
                    ));
                }
            },
        };
        if self
            .get(Target {
                gvr,
                namespace,
                name: &name,
            })
            .is_ok()
        {
            return Err(already_exists(&gvr.qualified(), &name));
        }
        if from_api && self.resources.has_status(gvr) {
            remove(&mut object, "status");
        }
        self.next_uid += 1;
        let meta = metadata(&mut object)?;
        meta.insert("name".into(), name.clone().into());
        if let Some(ns) = namespace {
            meta.insert("namespace".into(), ns.into());
        }
        // The server assigns these; a seeded object keeps the ones it was given,
        // so tests can point ownerReferences at a known uid.
        let seeded = |meta: &serde_json::Map<String, Value>, key: &str| {
            !from_api && meta.get(key).is_some_and(|v| !v.is_null() && v != "")
        };
        if !seeded(meta, "uid") {
            let uid = format!("00000000-0000-0000-0000-{:012}", self.next_uid);
            meta.insert("uid".into(), uid.into());
        }
        if !seeded(meta, "creationTimestamp") {
            meta.insert("creationTimestamp".into(), now());
        }
        if !seeded(meta, "generation") {
            meta.insert("generation".into(), 1.into());
        }
        self.learn_kind(gvr, &object);
        if dry_run {
            return Ok(object);
        }
        Ok(self.commit(
            Target {
                gvr,
                namespace,
                name: &name,
            },
            object,
            "ADDED",
            None,
        ))
    }

    /// Replaces an object or its status. A non-empty, stale `resourceVersion` is a conflict.
    pub(crate) fn update(
        &mut self,
        t: Target<'_>,
        object: Value,
        subresource: Option<&str>,
        dry_run: bool,
    ) -> Result<Value, Box<Status>> {
        let current = self.get(t)?;
        let sent = object
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
            .filter(|rv| !rv.is_empty());
        if sent.is_none() && !Resources::allows_unconditional_update(t.gvr) {
            return Err(failure(
                422,
                "Invalid",
                &format!(
                    "{} {:?} is invalid: metadata.resourceVersion: Invalid value: 0x0: must be \
                     specified for an update",
                    t.gvr.qualified(),
                    t.name
                ),
            ));
        }
        if sent.is_some_and(|rv| Some(rv) != rv_of(&current)) {
            return Err(conflict(&t.gvr.qualified(), t.name));
        }
        let updated = self.merge_write(t.gvr, &current, object, subresource);
        self.finish_write(t, current, updated, dry_run)
    }

    /// Writes the result of a patch computed on `current`; a changed `resourceVersion` in
    /// the patched object means the patch asked for an older version: a conflict.
    pub(crate) fn write_patched(
        &mut self,
        t: Target<'_>,
        current: Value,
        patched: Value,
        subresource: Option<&str>,
        dry_run: bool,
    ) -> Result<Value, Box<Status>> {
        if rv_of(&patched) != rv_of(&current) {
            return Err(conflict(&t.gvr.qualified(), t.name));
        }
        let updated = self.merge_write(t.gvr, &current, patched, subresource);
        self.finish_write(t, current, updated, dry_run)
    }

    /// Deletes an object, or marks it terminating while it has finalizers.
    pub(crate) fn delete(
        &mut self,
        t: Target<'_>,
        preconditions: &Value,
        dry_run: bool,
    ) -> Result<Value, Box<Status>> {
        let mut current = self.get(t)?;
        self.check_preconditions(t, &current, preconditions)?;
        if dry_run {
            return Ok(current);
        }
        let finalizers = current
            .pointer("/metadata/finalizers")
            .and_then(Value::as_array);
        if finalizers.is_some_and(|f| !f.is_empty()) {
            if current.pointer("/metadata/deletionTimestamp").is_none() {
                let meta = metadata(&mut current)?;
                meta.insert("deletionTimestamp".into(), now());
                meta.insert("deletionGracePeriodSeconds".into(), 0.into());
                let prev = self.get(t).ok();
                return Ok(self.commit(t, current, "MODIFIED", prev));
            }
            return Ok(current);
        }
        Ok(self.remove_object(t))
    }

    /// Opens a watch: replays retained events after `since` (or the current objects as
    /// `ADDED` when there is none), then follows live changes.
    pub(crate) fn watch(
        &mut self,
        gvr: &Gvr,
        namespace: Option<String>,
        selectors: Selectors,
        since: Option<u64>,
        bookmarks: bool,
    ) -> Result<UnboundedReceiver<Bytes>, Box<Status>> {
        if let Some(rv) = since.filter(|&rv| rv > 0 && rv < self.expired_before) {
            return Err(gone(rv));
        }
        let (tx, rx) = mpsc::unbounded();
        let watcher = Watcher {
            gvr: gvr.clone(),
            namespace: namespace.clone(),
            selectors,
            tx,
        };
        match since.filter(|&rv| rv > 0) {
            Some(since) => {
                for event in self.history.iter().filter(|e| e.resource_version > since) {
                    let prev = event.prev.as_ref();
                    if let Some((event_type, object)) =
                        watcher.event_for(&event.gvr, event.event_type, &event.object, prev)
                    {
                        watcher.send(event_type, &object);
                    }
                }
            }
            None => {
                for object in self.objects.get(gvr).into_iter().flat_map(|o| o.values()) {
                    if watcher.event_for(gvr, "ADDED", object, None).is_some() {
                        watcher.send("ADDED", object);
                    }
                }
            }
        }
        if bookmarks {
            let kind = self.kind(gvr);
            let bookmark = watch::bookmark(&gvr.api_version(), &kind, self.resource_version);
            watcher.send("BOOKMARK", &bookmark);
        }
        self.watchers.push(watcher);
        Ok(rx)
    }

    /// Forgets every retained event: watches from an older resourceVersion get 410 Gone,
    /// and every open watch ends with a 410 `ERROR` event.
    pub(crate) fn expire_history(&mut self) {
        self.history.clear();
        self.expired_before = self.resource_version;
        let event = watch::gone_event(&gone(self.resource_version));
        for watcher in self.watchers.drain(..) {
            watcher.send("ERROR", &event);
        }
    }

    /// The object as the write leaves it: status writes change only `.status`, object
    /// writes keep the stored `.status` of resources with a status subresource.
    fn merge_write(
        &self,
        gvr: &Gvr,
        current: &Value,
        sent: Value,
        subresource: Option<&str>,
    ) -> Value {
        match subresource {
            Some("status") => {
                let mut updated = current.clone();
                match sent.get("status") {
                    Some(status) => updated["status"] = status.clone(),
                    None => remove(&mut updated, "status"),
                }
                updated
            }
            _ if self.resources.has_status(gvr) => {
                let mut updated = sent;
                match current.get("status") {
                    Some(status) => updated["status"] = status.clone(),
                    None => remove(&mut updated, "status"),
                }
                updated
            }
            _ => sent,
        }
    }

    /// Keeps the fields the server owns, bumps `generation` when more than metadata and
    /// status changed, and stores the result unless nothing changed.
    fn finish_write(
        &mut self,
        t: Target<'_>,
        current: Value,
        mut updated: Value,
        dry_run: bool,
    ) -> Result<Value, Box<Status>> {
        for field in [
            "name",
            "namespace",
            "uid",
            "creationTimestamp",
            "generation",
            "deletionTimestamp",
            "resourceVersion",
        ] {
            let meta = metadata(&mut updated)?;
            match current.get("metadata").and_then(|m| m.get(field)) {
                Some(value) => meta.insert(field.into(), value.clone()),
                None => meta.remove(field),
            };
        }
        if without_meta_and_status(&updated) != without_meta_and_status(&current) {
            let generation = current
                .pointer("/metadata/generation")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            metadata(&mut updated)?.insert("generation".into(), (generation + 1).into());
        }
        if updated == current || dry_run {
            return Ok(updated);
        }
        let terminating = updated.pointer("/metadata/deletionTimestamp").is_some();
        let finalized = updated
            .pointer("/metadata/finalizers")
            .and_then(Value::as_array)
            .is_none_or(Vec::is_empty);
        let stored = self.commit(t, updated, "MODIFIED", Some(current));
        if terminating && finalized {
            return Ok(self.remove_object(t));
        }
        Ok(stored)
    }

    /// Adds a seeded object, or replaces one of the same name.
    pub(crate) fn upsert(&mut self, t: Target<'_>, object: Value) -> Result<Value, Box<Status>> {
        match self.get(t) {
            Ok(current) => {
                self.learn_kind(t.gvr, &object);
                Ok(self.commit(t, object, "MODIFIED", Some(current)))
            }
            Err(_) => self.create(t.gvr, t.namespace, object, false, false),
        }
    }

    /// Stores an object under a new resourceVersion and tells the watches.
    fn commit(
        &mut self,
        t: Target<'_>,
        mut object: Value,
        event_type: &'static str,
        prev: Option<Value>,
    ) -> Value {
        self.resource_version += 1;
        object["metadata"]["resourceVersion"] = self.resource_version.to_string().into();
        self.objects
            .entry(t.gvr.clone())
            .or_default()
            .insert(key(t.namespace, t.name), object.clone());
        self.notify(t.gvr, event_type, &object, prev);
        object
    }

    fn remove_object(&mut self, t: Target<'_>) -> Value {
        let mut object = self
            .objects
            .get_mut(t.gvr)
            .and_then(|objects| objects.remove(&key(t.namespace, t.name)))
            .unwrap_or(Value::Null);
        self.resource_version += 1;
        object["metadata"]["resourceVersion"] = self.resource_version.to_string().into();
        self.notify(t.gvr, "DELETED", &object, None);
        object
    }

    fn notify(&mut self, gvr: &Gvr, event_type: &'static str, object: &Value, prev: Option<Value>) {
        self.watchers.retain(|w| {
            w.event_for(gvr, event_type, object, prev.as_ref())
                .is_none_or(|(event_type, object)| w.send(event_type, &object))
        });
        self.history.push(Event {
            gvr: gvr.clone(),
            resource_version: self.resource_version,
            event_type,
            object: object.clone(),
            prev,
        });
    }

    /// Delete preconditions, checked and worded as the apiserver's `rest.BeforeDelete`
    /// does (which names the kind, not the resource).
    fn check_preconditions(
        &self,
        t: Target<'_>,
        current: &Value,
        preconditions: &Value,
    ) -> Result<(), Box<Status>> {
        let kind = match self.kind(t.gvr) {
            kind if t.gvr.group.is_empty() => kind,
            kind => format!("{kind}.{}", t.gvr.group),
        };
        for (key, field, ending) in [
            (
                "uid",
                "UID",
                "The object might have been deleted and then recreated",
            ),
            (
                "resourceVersion",
                "ResourceVersion",
                "The object might have been modified",
            ),
        ] {
            let Some(wanted) = preconditions.get(key).and_then(Value::as_str) else {
                continue;
            };
            let actual = current["metadata"][key].as_str().unwrap_or_default();
            if wanted != actual {
                return Err(failure(
                    409,
                    "Conflict",
                    &format!(
                        "Operation cannot be fulfilled on {kind} {:?}: the {field} in the \
                         precondition ({wanted}) does not match the {field} in record \
                         ({actual}). {ending}",
                        t.name
                    ),
                ));
            }
        }
        Ok(())
    }

    fn learn_kind(&mut self, gvr: &Gvr, object: &Value) {
        if let Some(kind) = object.get("kind").and_then(Value::as_str) {
            self.kinds
                .entry(gvr.clone())
                .or_insert_with(|| kind.to_owned());
        }
    }
}

fn key(namespace: Option<&str>, name: &str) -> (String, String) {
    (namespace.unwrap_or_default().to_owned(), name.to_owned())
}

fn rv_of(object: &Value) -> Option<&str> {
    object
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
}

fn now() -> Value {
    serde_json::to_value(Time(k8s_openapi::jiff::Timestamp::now())).expect("a time serialises")
}

fn remove(object: &mut Value, field: &str) {
    if let Some(map) = object.as_object_mut() {
        map.remove(field);
    }
}

fn metadata(object: &mut Value) -> Result<&mut serde_json::Map<String, Value>, Box<Status>> {
    let map = object
        .as_object_mut()
        .ok_or_else(|| bad_request("the body is not a JSON object"))?;
    map.entry("metadata")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .ok_or_else(|| bad_request("metadata is not a JSON object"))
}

fn without_meta_and_status(object: &Value) -> Value {
    let mut copy = object.clone();
    remove(&mut copy, "metadata");
    remove(&mut copy, "status");
    copy
}
