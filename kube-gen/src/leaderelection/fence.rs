//! The fence: a client whose requests stop when this replica's hold on the Lease does.

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{Request, Response};
use kube::client::Body;
use tokio::sync::watch;
use tokio::time::{Instant, sleep_until};
use tower::BoxError;

use super::Error;

/// Until when this replica may act for the Lease: from acquisition, the start of the
/// attempt that last renewed it plus `renew_deadline`; `None` while it does not hold it.
pub(crate) type Term = Option<Instant>;

/// Publishes the [`Term`] of one elector to its fences.
#[derive(Debug)]
pub(crate) struct TermSender(watch::Sender<Term>);

impl TermSender {
    pub(crate) fn new() -> Self {
        TermSender(watch::Sender::new(None))
    }

    /// Holding the Lease until `until` (set on acquisition and on each renewal).
    pub(crate) fn hold_until(&self, until: Instant) {
        self.0.send_replace(Some(until));
    }

    /// Not holding the Lease (any more): fences refuse new requests and drop those in
    /// flight.
    pub(crate) fn end(&self) {
        self.0.send_replace(None);
    }

    /// A [`kube::Client`] that sends through `client` only while a term is open.
    pub(crate) fn fence(&self, client: kube::Client, lease: String) -> kube::Client {
        let namespace = client.default_namespace().to_owned();
        let valid_until = *client.valid_until();
        let fenced = Fenced {
            client,
            term: self.0.subscribe(),
            lease: lease.into(),
        };
        kube::Client::new(fenced, namespace).with_valid_until(valid_until)
    }
}

/// The service under a fenced client: checks the term, then races the request against its
/// end.
#[derive(Clone)]
struct Fenced {
    client: kube::Client,
    term: watch::Receiver<Term>,
    lease: Arc<str>,
}

impl tower::Service<Request<Body>> for Fenced {
    type Response = Response<Body>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, BoxError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        Box::pin(self.clone().send(request))
    }
}

impl Fenced {
    /// Sends `request` if the term is open now, and abandons it (dropping kube's future,
    /// which makes hyper close its connection) as soon as the term ends: the elector ended
    /// it, or its deadline passed before a renewal moved it on.
    async fn send(mut self, request: Request<Body>) -> Result<Response<Body>, BoxError> {
        let open = *self.term.borrow_and_update();
        let Some(mut until) = open.filter(|until| Instant::now() < *until) else {
            return Err(self.not_leading(false));
        };
        let mut response = pin!(self.client.send(request));
        loop {
            tokio::select! {
                biased;
                changed = self.term.changed() => {
                    match changed.ok().and_then(|()| *self.term.borrow_and_update()) {
                        Some(next) => until = next,
                        None => return Err(self.not_leading(true)),
                    }
                }
                () = sleep_until(until) => return Err(self.not_leading(true)),
                result = &mut response => return result.map_err(BoxError::from),
            }
        }
    }

    fn not_leading(&self, in_flight: bool) -> BoxError {
        Box::new(Error::NotLeading {
            lease: self.lease.to_string(),
            in_flight,
        })
    }
}

#[cfg(test)]
mod tests;
