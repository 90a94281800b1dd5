//! The HTTP side: a tower `Service` that routes kube's requests, records them, runs the reactors and answers from the tracker.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::StreamExt;
use futures::future::BoxFuture;
use http::{Method, Request, Response, StatusCode};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use kube::core::Status;
use serde_json::{Value, json};

use super::actions::{Action, PatchType, Verb, name_in};
use super::patch;
use super::reactors::{Reaction, Reactor, bad_request, conflict, failure, not_found, react};
use super::resources::{Resources, ScalePaths};
use super::tracker::{Gvr, Target, Tracker};
use super::watch::Selectors;

/// The body of every answer: one JSON document, or a watch's stream of lines.
pub(crate) type ResponseBody = UnsyncBoxBody<Bytes, Infallible>;

/// What the fake cluster's handles and its service share.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    pub(crate) tracker: Mutex<Tracker>,
    pub(crate) actions: Mutex<Vec<Action>>,
    pub(crate) reactors: Mutex<Vec<Reactor>>,
}

/// Locks a mutex, ignoring poisoning: a panicking test must not hide its cause behind ours.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The tower service a fake [`kube::Client`] sends its requests to.
#[derive(Clone, Debug)]
pub(crate) struct FakeService(pub(crate) Arc<Shared>);

impl tower::Service<Request<kube::client::Body>> for FakeService {
    type Response = Response<ResponseBody>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<kube::client::Body>) -> Self::Future {
        let shared = Arc::clone(&self.0);
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let body = body.collect_bytes().await.unwrap_or_default();
            Ok(match serve(&shared, &parts, &body) {
                Ok(response) => response,
                Err(status) => status_response(&status),
            })
        })
    }
}

/// Where a request points: `/api/v1/...` or `/apis/{group}/{version}/...`, then
/// `[namespaces/{ns}/]{resource}[/{name}[/{subresource}]]`.
#[derive(Debug, PartialEq)]
struct Route {
    gvr: Gvr,
    namespace: Option<String>,
    name: Option<String>,
    subresource: Option<String>,
}

fn route(path: &str) -> Option<Route> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (group, version, rest) = match segments.as_slice() {
        ["api", version, rest @ ..] => ("", *version, rest),
        ["apis", group, version, rest @ ..] => (*group, *version, rest),
        _ => return None,
    };
    let namespaced = rest.len() >= 3
        && rest[0] == "namespaces"
        && !(rest.len() == 3 && matches!(rest[2], "status" | "finalize"));
    let (namespace, rest) = if namespaced {
        (Some(rest[1].to_owned()), &rest[2..])
    } else {
        (None, rest)
    };
    let (resource, name, subresource) = match rest {
        [resource] => (*resource, None, None),
        [resource, name] => (*resource, Some(*name), None),
        [resource, name, sub] => (*resource, Some(*name), Some(*sub)),
        _ => return None,
    };
    Some(Route {
        gvr: Gvr::new(group, version, resource),
        namespace,
        name: name.map(str::to_owned),
        subresource: subresource.map(str::to_owned),
    })
}

fn serve(
    shared: &Shared,
    parts: &http::request::Parts,
    body: &[u8],
) -> Result<Response<ResponseBody>, Box<Status>> {
    let path = parts.uri.path();
    let route =
        route(path).ok_or_else(|| failure(404, "NotFound", &format!("no route for {path}")))?;
    let query = query(parts.uri.query().unwrap_or_default());
    let param = |key: &str| query.get(key).map(String::as_str);
    let verb = match (&parts.method, route.name.is_some()) {
        (&Method::GET, true) => Verb::Get,
        (&Method::GET, false) if param("watch").is_some_and(|w| w == "true" || w == "1") => {
            Verb::Watch
        }
        (&Method::GET, false) => Verb::List,
        (&Method::POST, false) => Verb::Create,
        (&Method::PUT, true) => Verb::Update,
        (&Method::PATCH, true) => Verb::Patch,
        (&Method::DELETE, true) => Verb::Delete,
        (&Method::DELETE, false) => Verb::DeleteCollection,
        (method, _) => {
            return Err(failure(
                405,
                "MethodNotAllowed",
                &format!("{method} {path}"),
            ));
        }
    };
    let object: Option<Value> = if body.is_empty() {
        None
    } else {
        Some(
            serde_json::from_slice(body)
                .map_err(|err| bad_request(&format!("invalid body: {err}")))?,
        )
    };
    let patch_type = parts
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(PatchType::from_content_type)
        .filter(|_| verb == Verb::Patch);
    let mut action = Action::new(
        verb,
        &route.gvr.group,
        &route.gvr.version,
        &route.gvr.resource,
        route.namespace.as_deref(),
    );
    action.name = route.name.clone().or_else(|| {
        object
            .as_ref()
            .and_then(name_in)
            .filter(|_| verb == Verb::Create)
    });
    action.subresource.clone_from(&route.subresource);
    action.object = object
        .clone()
        .filter(|_| matches!(verb, Verb::Create | Verb::Update | Verb::Patch));
    action.patch_type = patch_type;
    action.field_manager = param("fieldManager").map(str::to_owned);
    lock(&shared.actions).push(action.clone());

    match react(&mut lock(&shared.reactors), &action) {
        Reaction::Handled(object) => return Ok(json_response(StatusCode::OK, &object)),
        Reaction::Error(status) => return Err(status),
        Reaction::Pass => {}
    }

    let mut tracker = lock(&shared.tracker);
    let dry_run = param("dryRun").is_some();
    let name = route.name.as_deref().unwrap_or_default();
    let target = Target {
        gvr: &route.gvr,
        namespace: route.namespace.as_deref(),
        name,
    };
    let sub = route.subresource.as_deref();
    if sub == Some("status") && !tracker.resources.has_status(&route.gvr) {
        return Err(no_subresource(&route.gvr, name));
    }
    let scale_paths = tracker.resources.scale(&route.gvr);
    let scale = || {
        scale_paths
            .as_ref()
            .ok_or_else(|| no_subresource(&route.gvr, name))
    };
    let selectors = || {
        Selectors::parse(param("labelSelector"), param("fieldSelector"), |label| {
            tracker.resources.field(&route.gvr, label)
        })
    };
    let body = || {
        object
            .clone()
            .ok_or_else(|| bad_request("the request needs a body"))
    };
    let answer = match verb {
        Verb::Get if sub == Some("scale") => {
            let paths = scale()?;
            scale_of(&tracker.get(target)?, paths)
        }
        Verb::Get => tracker.get(target)?,
        Verb::List => {
            let selectors = selectors()?;
            let limit = param("limit")
                .and_then(|l| l.parse().ok())
                .filter(|&l: &usize| l > 0);
            let (items, next) = tracker.list(
                &route.gvr,
                route.namespace.as_deref(),
                &selectors,
                limit,
                param("continue"),
            );
            list_body(&tracker, &route.gvr, items, next)
        }
        Verb::Watch => {
            let selectors = selectors()?;
            let since = param("resourceVersion").and_then(|rv| rv.parse().ok());
            let bookmarks = param("allowWatchBookmarks") == Some("true");
            let rx = tracker.watch(
                &route.gvr,
                route.namespace.clone(),
                selectors,
                since,
                bookmarks,
            )?;
            let stream = StreamBody::new(rx.map(|line| Ok(http_body::Frame::data(line))));
            return Ok(Response::new(BodyExt::boxed_unsync(stream)));
        }
        Verb::Create => {
            let created = tracker.create(
                &route.gvr,
                route.namespace.as_deref(),
                body()?,
                true,
                dry_run,
            )?;
            return Ok(json_response(StatusCode::CREATED, &created));
        }
        Verb::Update if sub == Some("scale") => {
            let paths = scale()?;
            let current = tracker.get(target)?;
            let scale = body()?;
            let sent = scale
                .pointer("/metadata/resourceVersion")
                .and_then(Value::as_str);
            if sent.is_some_and(|rv| {
                !rv.is_empty()
                    && Some(rv)
                        != current
                            .pointer("/metadata/resourceVersion")
                            .and_then(Value::as_str)
            }) {
                return Err(conflict(&route.gvr.qualified(), name));
            }
            write_scale(&mut tracker, target, current, &scale, paths, dry_run)?
        }
        Verb::Update => tracker.update(target, body()?, sub, dry_run)?,
        Verb::Patch => {
            let patch_type = patch_type.ok_or_else(|| {
                failure(
                    415,
                    "UnsupportedMediaType",
                    "unsupported patch content type",
                )
            })?;
            let current = match tracker.get(target) {
                Err(status)
                    if status.code == 404 && patch_type == PatchType::Apply && sub.is_none() =>
                {
                    let mut created = Value::Object(Default::default());
                    patch::apply(&mut created, patch_type, &body()?)?;
                    created["metadata"]["name"] = name.into();
                    let created = tracker.create(
                        &route.gvr,
                        route.namespace.as_deref(),
                        created,
                        true,
                        dry_run,
                    )?;
                    return Ok(json_response(StatusCode::CREATED, &created));
                }
                other => other?,
            };
            if sub == Some("scale") {
                let paths = scale()?;
                let mut scale = scale_of(&current, paths);
                patch::apply(&mut scale, patch_type, &body()?)?;
                write_scale(&mut tracker, target, current, &scale, paths, dry_run)?
            } else {
                let mut patched = current.clone();
                patch::apply(&mut patched, patch_type, &body()?)?;
                tracker.write_patched(target, current, patched, sub, dry_run)?
            }
        }
        Verb::Delete => {
            let preconditions = object
                .as_ref()
                .and_then(|o| o.get("preconditions"))
                .cloned()
                .unwrap_or(Value::Null);
            let deleted = tracker.delete(target, &preconditions, dry_run)?;
            let pending = !dry_run && tracker.get(target).is_ok();
            if pending || Resources::returns_deleted_object(&route.gvr) {
                deleted
            } else {
                delete_success(&route.gvr, &deleted)
            }
        }
        Verb::DeleteCollection => {
            let selectors = selectors()?;
            let (items, _) = tracker.list(
                &route.gvr,
                route.namespace.as_deref(),
                &selectors,
                None,
                None,
            );
            let mut deleted = Vec::new();
            for item in items {
                let name = name_in(&item).unwrap_or_default();
                let namespace = item
                    .pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                let t = Target {
                    gvr: &route.gvr,
                    namespace: namespace.as_deref(),
                    name: &name,
                };
                deleted.push(tracker.delete(t, &Value::Null, dry_run)?);
            }
            list_body(&tracker, &route.gvr, deleted, None)
        }
    };
    Ok(json_response(StatusCode::OK, &answer))
}

/// What kube-apiserver answers a delete that removed the object, for resources that do
/// not return the deleted object (`finalizeDelete`): `kind` is the resource, as there.
fn delete_success(gvr: &Gvr, deleted: &Value) -> Value {
    let meta = &deleted["metadata"];
    json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": {
            "name": meta["name"],
            "group": gvr.group,
            "kind": gvr.resource,
            "uid": meta["uid"],
        },
    })
}

/// A list answer: the items and the store's resourceVersion at the time.
fn list_body(tracker: &Tracker, gvr: &Gvr, items: Vec<Value>, next: Option<String>) -> Value {
    let mut metadata = json!({"resourceVersion": tracker.resource_version().to_string()});
    if let Some(next) = next {
        metadata["continue"] = next.into();
    }
    json!({
        "apiVersion": gvr.api_version(),
        "kind": format!("{}List", tracker.kind(gvr)),
        "metadata": metadata,
        "items": items,
    })
}

/// The `autoscaling/v1` `Scale` of an object, read where its resource keeps replicas.
fn scale_of(object: &Value, paths: &ScalePaths) -> Value {
    let selector = match &paths.label_selector {
        Some(pointer) => object
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        None => object
            .pointer("/spec/selector/matchLabels")
            .and_then(Value::as_object)
            .map(|labels| {
                labels
                    .iter()
                    .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .unwrap_or_default(),
    };
    let meta = &object["metadata"];
    let replicas = |pointer: &str| object.pointer(pointer).cloned().unwrap_or(json!(0));
    json!({
        "apiVersion": "autoscaling/v1",
        "kind": "Scale",
        "metadata": {
            "name": meta["name"], "namespace": meta["namespace"], "uid": meta["uid"],
            "resourceVersion": meta["resourceVersion"], "creationTimestamp": meta["creationTimestamp"],
        },
        "spec": {"replicas": replicas(&paths.spec_replicas)},
        "status": {"replicas": replicas(&paths.status_replicas), "selector": selector},
    })
}

/// Writes a scale's `spec.replicas` into the object and answers with the new scale.
fn write_scale(
    tracker: &mut Tracker,
    t: Target<'_>,
    current: Value,
    scale: &Value,
    paths: &ScalePaths,
    dry_run: bool,
) -> Result<Value, Box<Status>> {
    let mut updated = current.clone();
    let replicas = scale.pointer("/spec/replicas").cloned().unwrap_or(json!(0));
    set(&mut updated, &paths.spec_replicas, replicas);
    let written = tracker.write_patched(t, current, updated, None, dry_run)?;
    Ok(scale_of(&written, paths))
}

/// Sets the value at a JSON pointer, making the objects on the way.
fn set(object: &mut Value, pointer: &str, value: Value) {
    let mut at = object;
    for key in pointer.trim_start_matches('/').split('/') {
        if !at.is_object() {
            *at = json!({});
        }
        at = &mut at[key];
    }
    *at = value;
}

/// The answer to a subresource request (`status`, `scale`) on a resource without it:
/// kube-apiserver has no route for built-ins (a bare 404), the custom resource handler
/// answers that the object is not found.
fn no_subresource(gvr: &Gvr, name: &str) -> Box<Status> {
    if Resources::is_built_in(gvr) {
        failure(
            404,
            "NotFound",
            "the server could not find the requested resource",
        )
    } else {
        not_found(&gvr.qualified(), name)
    }
}

fn json_response(code: StatusCode, body: &Value) -> Response<ResponseBody> {
    let bytes = serde_json::to_vec(body).expect("a JSON value serialises");
    let mut response = Response::new(Full::new(Bytes::from(bytes)).boxed_unsync());
    *response.status_mut() = code;
    response
}

fn status_response(status: &Status) -> Response<ResponseBody> {
    let mut body = serde_json::to_value(status).expect("a status serialises");
    body["kind"] = "Status".into();
    body["apiVersion"] = "v1".into();
    let code = StatusCode::from_u16(status.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    json_response(code, &body)
}

/// The query string's parameters, percent-decoded.
fn query(query: &str) -> HashMap<String, String> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(key), decode(value))
        })
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() && text.is_char_boundary(i + 3) => {
                match u8::from_str_radix(&text[i + 1..i + 3], 16) {
                    Ok(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_and_group_paths_route_to_resources() {
        let r = route("/api/v1/namespaces/default/configmaps/a").unwrap();
        assert_eq!(
            (
                r.gvr.group.as_str(),
                r.namespace.as_deref(),
                r.name.as_deref()
            ),
            ("", Some("default"), Some("a"))
        );
        let r = route("/apis/apps/v1/namespaces/ns/deployments/web/scale").unwrap();
        assert_eq!(
            (r.gvr.resource.as_str(), r.subresource.as_deref()),
            ("deployments", Some("scale"))
        );
        let r = route("/api/v1/namespaces/ns/status").unwrap();
        assert_eq!(
            (
                r.gvr.resource.as_str(),
                r.namespace,
                r.subresource.as_deref()
            ),
            ("namespaces", None, Some("status"))
        );
        let r = route("/apis/apps/v1/deployments").unwrap();
        assert_eq!((r.namespace, r.name), (None, None));
        assert!(route("/healthz").is_none());
    }

    #[test]
    fn query_parameters_are_percent_decoded() {
        let q = query("labelSelector=app%3Dweb%2Ctier+in+%28a%29&watch=true");
        assert_eq!(q["labelSelector"], "app=web,tier in (a)");
        assert_eq!(q["watch"], "true");
    }
}
