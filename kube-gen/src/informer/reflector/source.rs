//! Where a reflector's lists and watches come from: the API server, or a unit test's fake.

use std::fmt::Debug;

use bytes::BytesMut;
use futures::future::BoxFuture;
use futures::stream::{self, BoxStream};
use futures::{FutureExt, StreamExt};
use http_body_util::BodyExt;
use kube::api::{ListParams, WatchParams};
use kube::client::Body;
use kube::core::{Request, Status};
use kube::{Client, Resource};
use serde::de::DeserializeOwned;

use super::decode::{self, Event, Page};

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
}

impl<K> ListWatch<K> for ApiSource
where
    K: Resource + Clone + DeserializeOwned + Debug + Send + 'static,
{
    fn list<'a>(&'a self, params: &'a ListParams) -> BoxFuture<'a, kube::Result<Page<K>>> {
        async move {
            let request = if K::metadata_api() {
                self.request.list_metadata(params)
            } else {
                self.request.list(params)
            };
            let request = request.map_err(kube::Error::BuildRequest)?;
            let text = self.client.request_text(request).await?;
            decode::list(&text).map_err(|error| {
                tracing::warn!(%error, "list response did not decode");
                kube::Error::SerdeError(error)
            })
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
            let response = self.client.send(request.map(Body::from)).await?;
            let response = api_error(response).await?;
            Ok(lines(response.into_body())
                .map(|line| line.and_then(|line| decode::event::<K>(&line)))
                .boxed())
        }
        .boxed()
    }
}

/// A failure response as kube reports it: the server's `Status`, or one built from the text.
async fn api_error(response: http::Response<Body>) -> kube::Result<http::Response<Body>> {
    let code = response.status();
    if !(code.is_client_error() || code.is_server_error()) {
        return Ok(response);
    }
    let bytes = response.into_body().collect().await?.to_bytes();
    let text = String::from_utf8_lossy(&bytes);
    let status = serde_json::from_str::<Status>(&text).unwrap_or_else(|_| {
        Status::failure(text.trim(), "Failed to parse error data").with_code(code.as_u16())
    });
    Err(kube::Error::Api(Box::new(status)))
}

/// A watch body as its newline-separated JSON lines (as UTF-8; a line that is not is an
/// error). The stream ends where the body does; a transport error is its last item.
fn lines(body: Body) -> BoxStream<'static, kube::Result<String>> {
    struct State {
        body: Body,
        lines: LineBuffer,
        done: bool,
    }
    let state = State {
        body,
        lines: LineBuffer::default(),
        done: false,
    };
    stream::unfold(state, |mut state| async move {
        loop {
            if let Some(line) = state.lines.next_line() {
                let line = String::from_utf8(line.to_vec()).map_err(kube::Error::FromUtf8);
                return Some((line, state));
            }
            if state.done {
                // A last line without a newline is a cut-off event: drop it, as kube does.
                return None;
            }
            match state.body.frame().await {
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        state.lines.push(&data);
                    }
                }
                Some(Err(error)) => {
                    state.done = true;
                    state.lines = LineBuffer::default();
                    return Some((Err(error), state));
                }
                None => state.done = true,
            }
        }
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
