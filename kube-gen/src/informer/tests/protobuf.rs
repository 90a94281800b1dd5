//! The informer's protobuf path against canned API server answers (apimachinery's own
//! encoding of a ConfigMapList and a watch stream): what it asks for, and how it reads
//! protobuf, JSON, and a protobuf body that does not decode.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures::future::BoxFuture;
use http::{Request, Response};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::Api;

use super::*;

const LIST_PB: &[u8] = include_bytes!("../../protobuf/testdata/configmap_list.pb");
const WATCH_PB: &[u8] = include_bytes!("../../protobuf/testdata/watch.pb");
const PROTOBUF: &str = "application/vnd.kubernetes.protobuf";
/// The fixture list's last page: it has a continue token, and this answers it.
const LAST_PAGE: &str = r#"{"metadata":{"resourceVersion":"12400"},"items":[]}"#;

type Body = UnsyncBoxBody<Bytes, Infallible>;

/// One request as the server saw it: `list` or `watch`, and its Accept header.
type Seen = Arc<Mutex<Vec<(&'static str, String)>>>;

/// An API server that answers the first list with `first_list` (content type and body),
/// a continued list with JSON, the first watch with the fixture stream, and later watches
/// with nothing, ever.
fn server(first_list: (&'static str, &'static [u8])) -> (kube::Client, Seen) {
    let seen = Seen::default();
    let log = Arc::clone(&seen);
    let service = tower::service_fn(move |request: Request<kube::client::Body>| {
        let log = Arc::clone(&log);
        let answer: BoxFuture<'static, Result<Response<Body>, Infallible>> = Box::pin(async move {
            let query = request.uri().query().unwrap_or_default().to_owned();
            let accept = request
                .headers()
                .get(http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let watch = query.contains("watch=true");
            let watches = {
                let mut log = log.lock().unwrap();
                log.push((if watch { "watch" } else { "list" }, accept));
                log.iter().filter(|(what, _)| *what == "watch").count()
            };
            let (content_type, body): (&str, Body) = match (watch, watches) {
                (false, _) if query.contains("continue=") => {
                    ("application/json", full(LAST_PAGE.as_bytes()))
                }
                (false, _) => (first_list.0, full(first_list.1)),
                (true, 1) => (
                    "application/vnd.kubernetes.protobuf;stream=watch",
                    full(WATCH_PB),
                ),
                (true, _) => (
                    "application/vnd.kubernetes.protobuf;stream=watch",
                    BodyExt::boxed_unsync(StreamBody::new(futures::stream::pending())),
                ),
            };
            Ok(Response::builder()
                .header(http::header::CONTENT_TYPE, content_type)
                .body(body)
                .unwrap())
        });
        answer
    });
    (kube::Client::new(service, "default"), seen)
}

fn full(bytes: &'static [u8]) -> Body {
    BodyExt::boxed_unsync(Full::new(Bytes::from_static(bytes)))
}

fn informer_of(client: kube::Client) -> InformerBuilder<ConfigMap> {
    Informer::builder(Api::<ConfigMap>::namespaced(client, "default"))
        .backoff(Duration::from_millis(10), Duration::from_millis(50))
}

#[tokio::test]
async fn built_in_kinds_list_and_watch_as_protobuf() {
    let (client, seen) = server((PROTOBUF, LIST_PB));
    let informer = informer_of(client).build();
    let (handler, log) = recorder();
    informer.add_event_handler(handler);
    informer.start();
    informer
        .wait_for_cache_sync(Duration::from_secs(5))
        .await
        .unwrap();
    // The list, then the watch: ADDED and MODIFIED settings, DELETED minimal, a bookmark,
    // and a 410, after which it relists (and logs more).
    for _ in 0..500 {
        if log.lock().unwrap().len() >= 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let lines = log.lock().unwrap()[..5].to_vec();
    assert_eq!(
        lines,
        [
            "add ns/settings 12345",
            "add ns/minimal ",
            "update ns/settings 12345->12345",
            "update ns/settings 12345->12346",
            "delete default/minimal",
        ]
    );
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen[0].0, "list");
    assert!(
        seen.iter()
            .all(|(_, accept)| accept == "application/vnd.kubernetes.protobuf, application/json"),
        "{seen:?}"
    );
    assert_eq!(informer.health().last_error, None);
    assert!(
        informer.stats().protobuf_responses >= 2,
        "a list and a watch in protobuf"
    );
    informer.shutdown().await;
}

#[tokio::test]
async fn a_protobuf_body_that_does_not_decode_switches_the_informer_to_json() {
    let (client, seen) = server((PROTOBUF, b"k8s\0garbage"));
    let informer = informer_of(client).build();
    informer.start();
    // The bad body is asked for again as JSON, which the server answers with the same
    // garbage: not JSON either, so the list fails and is retried, as JSON.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let seen = seen.lock().unwrap().clone();
    assert!(seen.len() >= 3, "{seen:?}");
    assert!(seen[0].1.starts_with(PROTOBUF));
    assert!(
        seen[1..]
            .iter()
            .all(|(_, accept)| !accept.contains("protobuf")),
        "JSON only after the bad body: {seen:?}"
    );
    assert!(informer.health().last_error.is_some());
    informer.shutdown().await;
}

#[tokio::test]
async fn a_server_that_answers_json_is_read_as_json() {
    let list = r#"{"metadata":{"resourceVersion":"5"},"items":[{"metadata":{"name":"a","namespace":"default","resourceVersion":"5"}}]}"#;
    let (client, _) = server(("application/json", list.as_bytes()));
    let informer = informer_of(client).build();
    informer.start();
    informer
        .wait_for_cache_sync(Duration::from_secs(5))
        .await
        .unwrap();
    assert!(informer.store().get("default/a").is_some());
    informer.shutdown().await;
}

#[tokio::test]
async fn protobuf_off_asks_for_json() {
    let list = r#"{"metadata":{"resourceVersion":"5"},"items":[]}"#;
    let (client, seen) = server(("application/json", list.as_bytes()));
    let informer = informer_of(client).protobuf(false).build();
    informer.start();
    informer
        .wait_for_cache_sync(Duration::from_secs(5))
        .await
        .unwrap();
    let seen = seen.lock().unwrap().clone();
    assert!(
        seen.iter().all(|(_, accept)| !accept.contains("protobuf")),
        "{seen:?}"
    );
    informer.shutdown().await;
}

/// A ConfigMap's data keys.
#[derive(Debug, Clone, PartialEq)]
struct Keys(Vec<String>);

impl crate::informer::Projection<ConfigMap> for Keys {
    fn project(cm: &ConfigMap) -> Self {
        Keys(cm.data.iter().flatten().map(|(k, _)| k.clone()).collect())
    }
}

#[tokio::test]
async fn a_projection_of_a_built_in_kind_reads_protobuf_once_it_asks_to() {
    type View = crate::informer::Projected<ConfigMap, Keys>;
    let (client, seen) = server((PROTOBUF, LIST_PB));
    View::use_protobuf();
    let informer = Informer::builder(Api::<View>::namespaced(client, "default")).build();
    informer.start();
    informer
        .wait_for_cache_sync(Duration::from_secs(5))
        .await
        .unwrap();
    let settings = informer.store().get("default/settings").unwrap();
    assert_eq!(settings.metadata.resource_version.as_deref(), Some("12345"));
    assert!(!settings.data.0.is_empty());
    assert!(seen.lock().unwrap()[0].1.starts_with(PROTOBUF));
    assert!(informer.stats().protobuf_responses >= 1);
    informer.shutdown().await;
}
