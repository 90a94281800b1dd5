//! Where a reflector's lists and watches come from: the API server, or a unit test's fake.

use std::fmt::Debug;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use bytes::{Bytes, BytesMut};
use futures::future::BoxFuture;
use futures::stream::{self, BoxStream};
use futures::{FutureExt, StreamExt};
use http_body_util::BodyExt;
use kube::api::{ListParams, WatchParams};
use kube::client::Body;
use kube::core::{Request, Status};
use kube::{Client, Resource};
use serde::de::DeserializeOwned;

use super::decode::{self, Event, Item, Page};
use crate::protobuf::{Codec, DecodeError, FrameBuffer};

/// A watch: its events until the server ends it.
pub(crate) type WatchStream<K> = BoxStream<'static, kube::Result<Event<K>>>;

/// The two calls a reflector makes; real ones go through [`ApiSource`], unit tests use a fake.
pub(crate) trait ListWatch<K>: Send + Sync + 'static {
    fn list<'a>(&'a self, params: &'a ListParams) -> BoxFuture<'a, kube::Result<Page<K>>>;
    fn watch<'a>(
        &'a self,
        params: &'a WatchParams,
        resource_version: &'a str,
    ) -> BoxFuture<'a, kube::Result<WatchStream<K>>>;
    /// List responses and watches answered in protobuf so far.
    fn protobuf_responses(&self) -> u64 {
        0
    }
}

/// List and watch requests for one collection URL, sent through a kube [`Client`].
///
/// Built from a URL rather than an [`Api`](kube::Api) so the factory can restrict any resource
/// to a namespace without knowing its scope at compile time. Responses are decoded here
/// rather than by kube so that an object which does not decode is skipped, not fatal
/// (see [`decode`]).
pub(crate) struct ApiSource {
    pub(crate) client: Client,
    pub(crate) request: Request,
    /// The decoders when the type has protobuf ones (built-in kinds): lists and watches then
    /// ask for protobuf first, as client-go's clientsets do, and decode by the response's
    /// content type.
    pub(crate) protobuf: Option<Codec>,
    /// Set when a protobuf body did not decode: from then on this source asks for JSON,
    /// which skips a bad object instead of failing the whole list.
    pub(crate) protobuf_failed: Arc<AtomicBool>,
    /// List responses and watches answered in protobuf, for [`ReflectorStats`](super::ReflectorStats).
    protobuf_responses: AtomicU64,
}

/// What a request for a type with protobuf decoders accepts: protobuf, else JSON.
const ACCEPT_PROTOBUF: &str = "application/vnd.kubernetes.protobuf, application/json";

impl ApiSource {
    pub(crate) fn new(client: Client, url: String, protobuf: Option<Codec>) -> Self {
        ApiSource {
            client,
            request: Request::new(url),
            protobuf,
            protobuf_failed: Arc::default(),
            protobuf_responses: AtomicU64::new(0),
        }
    }

    /// The codec to ask for protobuf with, unless there is none or it failed before.
    fn codec(&self) -> Option<Codec> {
        self.protobuf
            .filter(|_| !self.protobuf_failed.load(Ordering::Relaxed))
    }
}

/// Falls back to JSON for good after a protobuf body that did not decode.
fn fall_back(failed: &AtomicBool, url: &str, what: &str, error: &DecodeError) {
    if !failed.swap(true, Ordering::Relaxed) {
        tracing::warn!(%url, %error, "protobuf {what} did not decode; using JSON from now on");
    }
}

/// A JSON list body (kube's `request_text` reads it as UTF-8 too).
fn json_list<K: Clone + DeserializeOwned>(text: &str) -> kube::Result<Page<K>> {
    decode::list(text).map_err(|error| {
        tracing::warn!(%error, "list response did not decode");
        kube::Error::SerdeError(error)
    })
}

fn is_protobuf(response: &http::Response<Body>) -> bool {
    response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/vnd.kubernetes.protobuf"))
}

impl<K> ListWatch<K> for ApiSource
where
    K: Resource + Clone + DeserializeOwned + Debug + Send + 'static,
{
    fn list<'a>(&'a self, params: &'a ListParams) -> BoxFuture<'a, kube::Result<Page<K>>> {
        async move {
            let build = || {
                if K::metadata_api() {
                    self.request.list_metadata(params)
                } else {
                    self.request.list(params)
                }
                .map_err(kube::Error::BuildRequest)
            };
            if let Some(codec) = self.codec() {
                let mut request = build()?;
                request.headers_mut().insert(
                    http::header::ACCEPT,
                    http::HeaderValue::from_static(ACCEPT_PROTOBUF),
                );
                let response = self.client.send(request.map(Body::from)).await?;
                let response = api_error(response).await?;
                let protobuf = is_protobuf(&response);
                let body = response.into_body().collect().await?.to_bytes();
                if !protobuf {
                    let text = std::str::from_utf8(&body)
                        .map_err(|error| kube::Error::Service(Box::new(error)))?;
                    return json_list(text);
                }
                self.protobuf_responses.fetch_add(1, Ordering::Relaxed);
                match codec.list::<K>(&body) {
                    Ok(list) => {
                        return Ok(Page {
                            items: list.items.into_iter().map(Item::Object).collect(),
                            metadata: list.metadata,
                        });
                    }
                    // Listed again as JSON below.
                    Err(error) => {
                        fall_back(
                            &self.protobuf_failed,
                            &self.request.url_path,
                            "list",
                            &error,
                        );
                    }
                }
            }
            let text = self.client.request_text(build()?).await?;
            json_list(&text)
        }
        .boxed()
    }

    fn watch<'a>(
        &'a self,
        params: &'a WatchParams,
        resource_version: &'a str,
    ) -> BoxFuture<'a, kube::Result<WatchStream<K>>> {
        async move {
            let request = if K::metadata_api() {
                self.request.watch_metadata(params, resource_version)
            } else {
                self.request.watch(params, resource_version)
            };
            let mut request = request.map_err(kube::Error::BuildRequest)?;
            // One gzip member per event is more than kube's decompression layer reads (kube
            // opts watches out of compression for the same reason).
            request
                .headers_mut()
                .entry(http::header::ACCEPT_ENCODING)
                .or_insert(http::HeaderValue::from_static("identity"));
            let codec = self.codec();
            if codec.is_some() {
                request.headers_mut().insert(
                    http::header::ACCEPT,
                    http::HeaderValue::from_static(ACCEPT_PROTOBUF),
                );
            }
            let response = self.client.send(request.map(Body::from)).await?;
            let response = api_error(response).await?;
            match codec.filter(|_| is_protobuf(&response)) {
                Some(codec) => {
                    self.protobuf_responses.fetch_add(1, Ordering::Relaxed);
                    let (failed, url) = (
                        Arc::clone(&self.protobuf_failed),
                        self.request.url_path.clone(),
                    );
                    Ok(frames(response.into_body())
                        .map(move |frame| {
                            codec.event::<K>(&frame?).map(Event::from).map_err(|error| {
                                // The watch breaks and resumes, as JSON.
                                fall_back(&failed, &url, "watch event", &error);
                                kube::Error::Service(Box::new(error))
                            })
                        })
                        .boxed())
                }
                None => Ok(lines(response.into_body())
                    .map(|line| line.and_then(|line| decode::event::<K>(&line)))
                    .boxed()),
            }
        }
        .boxed()
    }

    fn protobuf_responses(&self) -> u64 {
        self.protobuf_responses.load(Ordering::Relaxed)
    }
}

/// A failure response as kube reports it: the server's `Status` (as JSON, or as protobuf
/// when protobuf was asked for), or one built from the text.
async fn api_error(response: http::Response<Body>) -> kube::Result<http::Response<Body>> {
    let code = response.status();
    if !(code.is_client_error() || code.is_server_error()) {
        return Ok(response);
    }
    let protobuf = is_protobuf(&response);
    let bytes = response.into_body().collect().await?.to_bytes();
    if protobuf && let Ok(status) = crate::protobuf::decode_status(&bytes) {
        return Err(kube::Error::Api(Box::new(kube_status(
            status,
            code.as_u16(),
        ))));
    }
    let text = String::from_utf8_lossy(&bytes);
    let status = serde_json::from_str::<Status>(&text).unwrap_or_else(|_| {
        Status::failure(text.trim(), "Failed to parse error data").with_code(code.as_u16())
    });
    Err(kube::Error::Api(Box::new(status)))
}

/// k8s-openapi's `Status`, as kube's (the same fields, one type each crate).
pub(crate) fn kube_status(
    status: k8s_openapi::apimachinery::pkg::apis::meta::v1::Status,
    code: u16,
) -> Status {
    serde_json::to_value(&status)
        .and_then(serde_json::from_value::<Status>)
        .unwrap_or_else(|_| Status::failure(status.message.as_deref().unwrap_or_default(), ""))
        .with_code(
            status
                .code
                .map_or(code, |c| u16::try_from(c).unwrap_or(code)),
        )
}

/// Bytes of a watch body received so far, handed out a unit at a time: a JSON line
/// ([`LineBuffer`]) or a protobuf frame ([`FrameBuffer`]).
trait Splitter: Default + Send + 'static {
    type Unit: Send + 'static;
    fn push(&mut self, data: &[u8]);
    fn next_unit(&mut self) -> Option<Self::Unit>;
}

impl Splitter for FrameBuffer {
    type Unit = Bytes;

    fn push(&mut self, data: &[u8]) {
        FrameBuffer::push(self, data);
    }

    fn next_unit(&mut self) -> Option<Bytes> {
        self.next_frame()
    }
}

impl Splitter for LineBuffer {
    type Unit = BytesMut;

    fn push(&mut self, data: &[u8]) {
        LineBuffer::push(self, data);
    }

    fn next_unit(&mut self) -> Option<BytesMut> {
        self.next_line()
    }
}

/// A watch body as the units `S` cuts it into. The stream ends where the body does (a
/// cut-off last unit is dropped, as kube drops a cut-off line); a transport error is its
/// last item.
fn split<S: Splitter>(body: Body) -> BoxStream<'static, kube::Result<S::Unit>> {
    struct State<S> {
        body: Body,
        units: S,
        done: bool,
    }
    let state = State {
        body,
        units: S::default(),
        done: false,
    };
    stream::unfold(state, |mut state| async move {
        loop {
            if let Some(unit) = state.units.next_unit() {
                return Some((Ok(unit), state));
            }
            if state.done {
                return None;
            }
            match state.body.frame().await {
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        state.units.push(&data);
                    }
                }
                Some(Err(error)) => {
                    state.done = true;
                    state.units = S::default();
                    return Some((Err(error), state));
                }
                None => state.done = true,
            }
        }
    })
    .boxed()
}

/// A protobuf watch body as its frames.
fn frames(body: Body) -> BoxStream<'static, kube::Result<Bytes>> {
    split::<FrameBuffer>(body)
}

/// A watch body as its newline-separated JSON lines (as UTF-8; a line that is not is an
/// error).
fn lines(body: Body) -> BoxStream<'static, kube::Result<String>> {
    split::<LineBuffer>(body)
        .map(|line| {
            line.and_then(|line| String::from_utf8(line.to_vec()).map_err(kube::Error::FromUtf8))
        })
        .boxed()
}

/// Bytes received so far, handed out a line at a time.
#[derive(Default)]
struct LineBuffer {
    buffer: BytesMut,
    /// How much of `buffer` is known to hold no newline: a large event that arrives in many
    /// frames is searched once, not again from its start after every frame.
    scanned: usize,
}

impl LineBuffer {
    fn push(&mut self, data: &[u8]) {
        self.buffer.extend_from_slice(data);
    }

    /// The next complete line that is not blank, without its newline.
    fn next_line(&mut self) -> Option<BytesMut> {
        loop {
            let from = self.scanned;
            let Some(at) = self.buffer[from..].iter().position(|&b| b == b'\n') else {
                self.scanned = self.buffer.len();
                return None;
            };
            let mut line = self.buffer.split_to(from + at + 1);
            line.truncate(from + at);
            self.scanned = 0;
            if !line.iter().all(u8::is_ascii_whitespace) {
                return Some(line);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::LineBuffer;

    #[test]
    fn lines_split_across_frames_come_out_whole_and_blank_ones_are_skipped() {
        let mut lines = LineBuffer::default();
        let mut out = Vec::new();
        for frame in ["{\"a\"", ":1}\n\n  \n{\"b", "\":2}\n{\"c", "\":3}"] {
            lines.push(frame.as_bytes());
            while let Some(line) = lines.next_line() {
                out.push(String::from_utf8(line.to_vec()).unwrap());
            }
        }
        assert_eq!(out, [r#"{"a":1}"#, r#"{"b":2}"#]);
        assert_eq!(
            lines.scanned,
            r#"{"c":3}"#.len(),
            "the cut-off rest was searched once"
        );
    }
}
