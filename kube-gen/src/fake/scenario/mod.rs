//! The differential scenario (RELIABILITY.md's R13): operations whose outcomes the fake must give exactly as kube-apiserver does.
//!
//! [`run`] performs every step on a client and returns one line per step: the status code,
//! reason and message of a failure, or a summary of what came back, with resourceVersions
//! and uids replaced by `rv1`, `uid1`, ... in the order they first appear (the fake counts
//! from 1, etcd does not). The fake's unit tests run it on a [`FakeCluster`] and compare with
//! [`EXPECTED`]; the end-to-end test `fake_vs_apiserver` runs it on the local control plane
//! too and compares both runs line by line. It is public only so both can run the same steps.
//!
//! [`FakeCluster`]: super::FakeCluster

use std::collections::BTreeMap;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::autoscaling::v1::Scale;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, ListParams, ObjectList, Patch, PatchParams,
    PostParams, Preconditions, WatchEvent, WatchParams,
};
use kube::core::Status;
use serde_json::{Value, json};

mod expected;

pub use expected::EXPECTED;

/// The API group of the scenario's custom resources.
pub const GROUP: &str = "scenario.kube-gen.dev";

/// The custom resources the scenario uses: `widgets` with the status and scale
/// subresources and `.spec.color` selectable, `plains` with none of these. Install them (and wait until they are
/// Established) before [`run`] on a cluster; give them to
/// [`FakeCluster::with_crd`](super::FakeCluster::with_crd) on the fake.
///
/// # Panics
///
/// Never: the CRDs are fixed JSON.
pub fn crds() -> Vec<CustomResourceDefinition> {
    let crd = |kind: &str, plural: &str, widget: bool| {
        let mut properties = json!({
            "spec": {"type": "object", "properties": {
                "color": {"type": "string"},
                "replicas": {"type": "integer"},
            }},
        });
        let mut version = json!({"name": "v1", "served": true, "storage": true});
        if widget {
            properties["status"] = json!({"type": "object", "properties": {
                "ok": {"type": "boolean"},
                "replicas": {"type": "integer"},
            }});
            version["subresources"] = json!({
                "status": {},
                "scale": {"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"},
            });
            version["selectableFields"] = json!([{"jsonPath": ".spec.color"}]);
        }
        version["schema"] =
            json!({"openAPIV3Schema": {"type": "object", "properties": properties}});
        serde_json::from_value(json!({
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": format!("{plural}.{GROUP}")},
            "spec": {
                "group": GROUP,
                "scope": "Namespaced",
                "names": {"kind": kind, "plural": plural, "singular": kind.to_lowercase(), "listKind": format!("{kind}List")},
                "versions": [version],
            },
        }))
        .expect("the scenario's CRDs are valid")
    };
    vec![
        crd("Widget", "widgets", true),
        crd("Plain", "plains", false),
    ]
}

/// Runs every step on `client` in `namespace` (which must exist, and hold none of the names
/// the steps use: `a`, `b`, `end`, `missing`, `w`, `p`), and returns one line per step (see
/// the module docs).
pub async fn run(client: kube::Client, namespace: &str) -> Vec<String> {
    let api = |group: &str, kind: &str, plural: &str| {
        let api_version = if group.is_empty() {
            "v1".to_owned()
        } else {
            format!("{group}/v1")
        };
        let resource = ApiResource {
            group: group.to_owned(),
            version: "v1".to_owned(),
            api_version,
            kind: kind.to_owned(),
            plural: plural.to_owned(),
        };
        (
            Api::<DynamicObject>::namespaced_with(client.clone(), namespace, &resource),
            resource,
        )
    };
    let (cms, cm) = api("", "ConfigMap", "configmaps");
    let (pods, _) = api("", "Pod", "pods");
    let (deployments, _) = api("apps", "Deployment", "deployments");
    let (widgets, widget) = api(GROUP, "Widget", "widgets");
    let (plains, plain) = api(GROUP, "Plain", "plains");
    let mut log = Log::default();
    let pp = PostParams::default();
    let patch_params = PatchParams::default();

    // Creates, reads, and updates with and without a resourceVersion.
    let a = log.object(
        "create configmap a",
        cms.create(&pp, &object(&cm, "a", &[])).await,
    );
    log.object(
        "create configmap a again",
        cms.create(&pp, &object(&cm, "a", &[])).await,
    );
    let nameless = object(&cm, "", &[]);
    log.object(
        "create configmap without a name",
        cms.create(&pp, &nameless).await,
    );
    let nameless = object(&widget, "", &[]);
    log.object(
        "create widget without a name",
        widgets.create(&pp, &nameless).await,
    );
    log.object("get configmap missing", cms.get("missing").await);
    log.object("get deployment missing", deployments.get("missing").await);
    log.object(
        "update configmap a without resourceVersion",
        cms.replace("a", &pp, &object(&cm, "a", &[("v", "one")]))
            .await,
    );
    let read = cms.get("a").await.expect("configmap a");
    let first = with_labels(&read, &[("v", "two")]);
    let second = with_labels(&read, &[("v", "three")]);
    log.object(
        "conflicting updates of configmap a, first",
        cms.replace("a", &pp, &first).await,
    );
    log.object(
        "conflicting updates of configmap a, second",
        cms.replace("a", &pp, &second).await,
    );

    let stale = json!({"metadata": {"resourceVersion": read.metadata.resource_version}, "data": {"k": "v"}});
    log.object(
        "patch configmap a at a stale resourceVersion",
        cms.patch("a", &patch_params, &Patch::Merge(stale)).await,
    );
    log.object(
        "update configmap missing",
        cms.replace("missing", &pp, &object(&cm, "missing", &[]))
            .await,
    );

    // The status subresource, present or not.
    let a_now = cms.get("a").await.expect("configmap a");
    let status_patch = Patch::Merge(json!({"status": {"ok": true}}));
    log.object(
        "replace status of configmap a",
        cms.replace_status("a", &pp, &a_now).await,
    );
    log.object(
        "patch status of configmap a",
        cms.patch_status("a", &patch_params, &status_patch).await,
    );
    log.object("get status of configmap a", cms.get_status("a").await);
    log.scale("get scale of configmap a", cms.get_scale("a").await);
    let mut w = object(&widget, "w", &[]);
    w.data["spec"] = json!({"color": "red"});
    w.data["status"] = json!({"ok": false});
    let created_w = log.object(
        "create widget w with a status",
        widgets.create(&pp, &w).await,
    );
    log.object(
        "update widget w without resourceVersion",
        widgets.replace("w", &pp, &w).await,
    );
    let stale_w = created_w.clone().unwrap_or_else(|| w.clone());
    let mut w_update = with_labels(&stale_w, &[("v", "one")]);
    w_update.data["status"] = json!({"ok": true});
    log.object(
        "update widget w with a status",
        widgets.replace("w", &pp, &w_update).await,
    );
    log.object(
        "patch status of widget w",
        widgets
            .patch_status("w", &patch_params, &status_patch)
            .await,
    );
    let mut no_rv = w.clone();
    no_rv.data["status"] = json!({"ok": false});
    log.object(
        "replace status of widget w without resourceVersion",
        widgets.replace_status("w", &pp, &no_rv).await,
    );
    log.object(
        "update widget w at a stale resourceVersion",
        widgets
            .replace("w", &pp, &with_labels(&stale_w, &[("v", "two")]))
            .await,
    );
    let mut p = object(&plain, "p", &[]);
    p.data["spec"] = json!({"color": "red"});
    let created_p = log.object("create plain p", plains.create(&pp, &p).await);
    let p_now = created_p.unwrap_or_else(|| p.clone());
    log.object(
        "replace status of plain p",
        plains.replace_status("p", &pp, &p_now).await,
    );
    log.object("get status of plain p", plains.get_status("p").await);
    log.scale("get scale of plain p", plains.get_scale("p").await);
    log.object(
        "update plain p without resourceVersion",
        plains.replace("p", &pp, &p).await,
    );

    // Field selectors: the supported labels filter, the others are refused.
    let fields = |selector: &str| ListParams::default().fields(selector);
    let lists = [
        ("configmaps", &cms, "metadata.name=a"),
        ("configmaps", &cms, "data.k=v"),
    ];
    for (plural, api, selector) in lists {
        let step = format!("list {plural} where {selector}");
        log.list(&step, api.list(&fields(selector)).await);
    }
    let watch = cms
        .watch(&WatchParams::default().fields("data.k=v"), "0")
        .await;
    log.object(
        "watch configmaps where data.k=v",
        watch.map(|_| None::<DynamicObject>),
    );
    let lists = [
        ("pods", &pods, "spec.nodeName=nowhere"),
        ("pods", &pods, "spec.bogus=x"),
        ("widgets", &widgets, "spec.color=red"),
        ("widgets", &widgets, "spec.color=blue"),
        ("plains", &plains, "spec.color=red"),
    ];
    for (plural, api, selector) in lists {
        let step = format!("list {plural} where {selector}");
        log.list(&step, api.list(&fields(selector)).await);
    }

    // A label-selector watch while an object starts, keeps and stops matching.
    let step = "watch configmaps labelled app=web across label changes";
    let seen = watch_label_changes(&cms, &cm, &mut log).await;
    log.lines.push(format!("{step}: {seen}"));

    // Deletes with preconditions, and of what is gone.
    let a_uid = a.as_ref().and_then(|a| a.metadata.uid.clone());
    let a_rv = a.as_ref().and_then(|a| a.metadata.resource_version.clone());
    let delete = |resource_version: Option<String>, uid: Option<String>| DeleteParams {
        preconditions: Some(Preconditions {
            resource_version,
            uid,
        }),
        ..DeleteParams::default()
    };
    log.deleted(
        "delete configmap a at a stale resourceVersion",
        cms.delete("a", &delete(a_rv, None))
            .await
            .map(|answer| answer.either(Deleted::object, Deleted::status)),
    );
    log.deleted(
        "delete configmap a of another uid",
        cms.delete("a", &delete(None, Some("not-the-uid".into())))
            .await
            .map(|answer| answer.either(Deleted::object, Deleted::status)),
    );
    let w_rv = stale_w.metadata.resource_version.clone();
    log.deleted(
        "delete widget w at a stale resourceVersion",
        widgets
            .delete("w", &delete(w_rv, None))
            .await
            .map(|answer| answer.either(Deleted::object, Deleted::status)),
    );
    let a_now = cms.get("a").await.expect("configmap a");
    let matching = delete(a_now.metadata.resource_version, a_uid);
    log.deleted(
        "delete configmap a with matching preconditions",
        cms.delete("a", &matching)
            .await
            .map(|answer| answer.either(Deleted::object, Deleted::status)),
    );
    log.deleted(
        "delete configmap a again",
        cms.delete("a", &DeleteParams::default())
            .await
            .map(|answer| answer.either(Deleted::object, Deleted::status)),
    );
    log.object("get configmap a after delete", cms.get("a").await);
    let replicas = Patch::Merge(json!({"spec": {"replicas": 3}}));
    log.scale(
        "patch scale of widget w",
        widgets.patch_scale("w", &patch_params, &replicas).await,
    );
    log.object("get widget w after scaling", widgets.get("w").await);
    log.deleted(
        "delete widget w",
        widgets
            .delete("w", &DeleteParams::default())
            .await
            .map(|answer| answer.either(Deleted::object, Deleted::status)),
    );
    log.finish()
}

/// Watches config maps labelled `app=web` from now while `b` gains the label, changes,
/// loses it and is deleted, and `end` is created labelled; the events up to `end`'s
/// `ADDED` (bookmarks left out: the server sends them when it likes).
async fn watch_label_changes(cms: &Api<DynamicObject>, cm: &ApiResource, log: &mut Log) -> String {
    let start = match cms.list(&ListParams::default()).await {
        Ok(list) => list.metadata.resource_version.unwrap_or_default(),
        Err(err) => return describe(&err),
    };
    let params = WatchParams::default().labels("app=web").timeout(30);
    let mut events = match cms.watch(&params, &start).await {
        Ok(events) => events.boxed(),
        Err(err) => return describe(&err),
    };
    let pp = PostParams::default();
    let writes = async {
        let b = log.note(cms.create(&pp, &object(cm, "b", &[])).await?);
        let b = with_labels(&b, &[("app", "web")]);
        let b = log.note(cms.replace("b", &pp, &b).await?);
        let b = with_labels(&b, &[("app", "web"), ("tier", "front")]);
        let b = log.note(cms.replace("b", &pp, &b).await?);
        let b = with_labels(&b, &[("tier", "front")]);
        log.note(cms.replace("b", &pp, &b).await?);
        cms.delete("b", &DeleteParams::default()).await?;
        let end = object(cm, "end", &[("app", "web")]);
        Ok::<_, kube::Error>(log.note(cms.create(&pp, &end).await?))
    };
    if let Err(err) = writes.await {
        return describe(&err);
    }
    let mut seen = Vec::new();
    let deadline = tokio::time::sleep(Duration::from_secs(20));
    tokio::pin!(deadline);
    loop {
        let event = tokio::select! {
            event = events.next() => event,
            () = &mut deadline => {
                seen.push("timed out".to_owned());
                break;
            }
        };
        let (kind, object) = match event {
            Some(Ok(WatchEvent::Added(o))) => ("ADDED", o),
            Some(Ok(WatchEvent::Modified(o))) => ("MODIFIED", o),
            Some(Ok(WatchEvent::Deleted(o))) => ("DELETED", o),
            Some(Ok(WatchEvent::Bookmark(_))) => continue,
            Some(Ok(WatchEvent::Error(status))) => {
                seen.push(format!("ERROR {} {}", status.code, status.message));
                break;
            }
            Some(Err(err)) => {
                seen.push(describe(&err));
                break;
            }
            None => {
                seen.push("ended".to_owned());
                break;
            }
        };
        let object = log.note(object);
        let name = object.metadata.name.clone().unwrap_or_default();
        seen.push(format!(
            "{kind} {name} {} {}",
            object.metadata.resource_version.unwrap_or_default(),
            labels(&object.metadata.labels)
        ));
        if kind == "ADDED" && name == "end" {
            break;
        }
    }
    seen.join("; ")
}

/// What a delete answers: the object, or a `Success` status naming it.
enum Deleted {
    Object(Box<DynamicObject>),
    Status(Box<Status>),
}

impl Deleted {
    fn object(object: DynamicObject) -> Self {
        Deleted::Object(Box::new(object))
    }

    fn status(status: Status) -> Self {
        Deleted::Status(Box::new(status))
    }
}

/// The outcome lines so far, and the resourceVersions and uids in the order they appeared.
#[derive(Default)]
struct Log {
    lines: Vec<String>,
    seen: Vec<String>,
}

impl Log {
    /// Remembers the object's resourceVersion and uid, so they get their stable names.
    fn note(&mut self, object: DynamicObject) -> DynamicObject {
        let meta = &object.metadata;
        for id in [&meta.resource_version, &meta.uid].into_iter().flatten() {
            if !self.seen.contains(id) {
                self.seen.push(id.clone());
            }
        }
        object
    }

    /// Logs a step that answers one object (or, for a watch, nothing), and hands the object on.
    fn object(
        &mut self,
        step: &str,
        result: kube::Result<impl Into<Option<DynamicObject>>>,
    ) -> Option<DynamicObject> {
        match result.map(Into::into) {
            Ok(Some(object)) => {
                let object = self.note(object);
                let meta = &object.metadata;
                let status = object
                    .data
                    .get("status")
                    .map_or_else(|| "-".to_owned(), Value::to_string);
                self.lines.push(format!(
                    "{step}: ok {} {} labels={} status={status}",
                    meta.name.clone().unwrap_or_default(),
                    meta.resource_version.clone().unwrap_or_default(),
                    labels(&meta.labels),
                ));
                Some(object)
            }
            Ok(None) => {
                self.lines.push(format!("{step}: ok"));
                None
            }
            Err(err) => {
                self.lines.push(format!("{step}: {}", describe(&err)));
                None
            }
        }
    }

    /// Logs a delete: the object, or the `Success` status most built-ins answer with
    /// (its kind is the resource, as kube-apiserver fills it in).
    fn deleted(&mut self, step: &str, result: kube::Result<Deleted>) {
        match result {
            Ok(Deleted::Object(object)) => {
                self.object(step, Ok(*object));
            }
            Ok(Deleted::Status(status)) => {
                let summary = status.status.map_or_else(String::new, |s| format!("{s:?}"));
                let details = status
                    .details
                    .map(|d| format!("{} {} {}", d.kind, d.name, d.uid))
                    .unwrap_or_default();
                self.lines
                    .push(format!("{step}: ok Status {summary} {details}"));
            }
            Err(err) => self.lines.push(format!("{step}: {}", describe(&err))),
        }
    }

    /// Logs a scale step: the replicas wanted and seen, or the failure.
    fn scale(&mut self, step: &str, result: kube::Result<Scale>) {
        let line = match result {
            Ok(scale) => format!(
                "ok spec.replicas {}, status.replicas {}",
                count(scale.spec.and_then(|s| s.replicas)),
                count(scale.status.map(|s| s.replicas)),
            ),
            Err(err) => describe(&err),
        };
        self.lines.push(format!("{step}: {line}"));
    }

    /// Logs a list step: the names listed, or the failure.
    fn list(&mut self, step: &str, result: kube::Result<ObjectList<DynamicObject>>) {
        let line = match result {
            Ok(list) => {
                let names: Vec<_> = list
                    .items
                    .iter()
                    .map(|o| o.metadata.name.clone().unwrap_or_default())
                    .collect();
                format!("ok [{}]", names.join(", "))
            }
            Err(err) => describe(&err),
        };
        self.lines.push(format!("{step}: {line}"));
    }

    /// The lines, with every resourceVersion and uid replaced by its name in order of appearance.
    fn finish(self) -> Vec<String> {
        let (mut rvs, mut uids) = (0, 0);
        let mut names = BTreeMap::new();
        for id in &self.seen {
            let name = if id.contains('-') {
                uids += 1;
                format!("uid{uids}")
            } else {
                rvs += 1;
                format!("rv{rvs}")
            };
            names.insert(id.as_str(), name);
        }
        self.lines
            .iter()
            .map(|line| rename_words(line, &names))
            .collect()
    }
}

/// The line with every word (a run of letters, digits and `-`) that `names` knows renamed.
fn rename_words(line: &str, names: &BTreeMap<&str, String>) -> String {
    let mut out = String::with_capacity(line.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        out.push_str(
            names
                .get(word.as_str())
                .map_or(word.as_str(), String::as_str),
        );
        word.clear();
    };
    for c in line.chars() {
        if c.is_ascii_alphanumeric() || c == '-' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// A replica count in words, so that it is never taken for a resourceVersion.
fn count(n: Option<i32>) -> &'static str {
    const WORDS: [&str; 6] = ["zero", "one", "two", "three", "four", "five"];
    n.and_then(|n| usize::try_from(n).ok())
        .and_then(|n| WORDS.get(n).copied())
        .unwrap_or(if n.is_none() { "absent" } else { "many" })
}

/// A failure as `code Reason: message`.
fn describe(err: &kube::Error) -> String {
    match err {
        kube::Error::Api(status) => {
            format!("{} {}: {}", status.code, status.reason, status.message)
        }
        other => format!("error: {other}"),
    }
}

/// Labels as compact JSON, sorted by key.
fn labels(labels: &Option<BTreeMap<String, String>>) -> String {
    json!(labels.clone().unwrap_or_default()).to_string()
}

/// A new object of this resource with this name and these labels.
fn object(resource: &ApiResource, name: &str, labels: &[(&str, &str)]) -> DynamicObject {
    let mut object = DynamicObject::new(name, resource).data(json!({}));
    object.metadata.labels = Some(to_map(labels));
    object
}

/// A copy of `object` (resourceVersion included) with exactly these labels.
fn with_labels(object: &DynamicObject, labels: &[(&str, &str)]) -> DynamicObject {
    let mut copy = object.clone();
    copy.metadata.labels = Some(to_map(labels));
    copy
}

fn to_map(labels: &[(&str, &str)]) -> BTreeMap<String, String> {
    labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}
