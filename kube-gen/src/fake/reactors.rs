//! Reactors: functions that answer matching requests before the object tracker does.

use std::fmt;

use kube::core::Status;
use serde::Serialize;
use serde_json::Value;

use super::actions::Action;

/// What a reactor decided about a request (client-go's `handled, ret, err`).
#[derive(Clone, Debug)]
pub enum Reaction {
    /// Answer with this object (as JSON); the tracker does not see the request.
    Handled(Value),
    /// Answer with this failure `Status`; the tracker does not see the request.
    Error(Box<Status>),
    /// Let the next reactor, and finally the tracker, answer.
    Pass,
}

impl Reaction {
    /// Answer with `object`, serialised to JSON.
    ///
    /// # Panics
    ///
    /// If the object cannot be serialised to JSON.
    pub fn handled(object: &impl Serialize) -> Self {
        Reaction::Handled(serde_json::to_value(object).expect("the object serialises to JSON"))
    }

    /// Fail with an arbitrary `Status`.
    pub fn error(status: Status) -> Self {
        Reaction::Error(Box::new(status))
    }

    /// Fail with 409 `Conflict`, as the server does for a stale `resourceVersion`.
    pub fn conflict(resource: &str, name: &str) -> Self {
        Reaction::Error(conflict(resource, name))
    }

    /// Fail with 404 `NotFound`.
    pub fn not_found(resource: &str, name: &str) -> Self {
        Reaction::Error(not_found(resource, name))
    }

    /// Fail with 500 `InternalError` and this message.
    pub fn internal_error(message: &str) -> Self {
        Reaction::Error(failure(500, "InternalError", message))
    }
}

/// A reactor function: sees each matching action, may answer it.
pub(crate) type ReactorFn = Box<dyn FnMut(&Action) -> Reaction + Send>;

/// One entry of the reactor chain: which verb and resource it watches, and the function.
pub(crate) struct Reactor {
    pub(crate) verb: String,
    pub(crate) resource: String,
    pub(crate) react: ReactorFn,
}

impl fmt::Debug for Reactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reactor")
            .field("verb", &self.verb)
            .field("resource", &self.resource)
            .finish_non_exhaustive()
    }
}

/// Runs the chain in order; the first reactor that does not pass answers.
pub(crate) fn react(chain: &mut [Reactor], action: &Action) -> Reaction {
    for reactor in chain {
        if action.matches(&reactor.verb, &reactor.resource) {
            match (reactor.react)(action) {
                Reaction::Pass => continue,
                answer => return answer,
            }
        }
    }
    Reaction::Pass
}

/// A failure `Status` with this code, reason and message.
pub(crate) fn failure(code: u16, reason: &str, message: &str) -> Box<Status> {
    Box::new(Status::failure(message, reason).with_code(code))
}

/// 404 `NotFound`, worded as kube-apiserver words it.
pub(crate) fn not_found(resource: &str, name: &str) -> Box<Status> {
    failure(404, "NotFound", &format!("{resource} \"{name}\" not found"))
}

/// 409 `AlreadyExists`, worded as kube-apiserver words it.
pub(crate) fn already_exists(resource: &str, name: &str) -> Box<Status> {
    failure(
        409,
        "AlreadyExists",
        &format!("{resource} \"{name}\" already exists"),
    )
}

/// 409 `Conflict` for a stale write, worded as kube-apiserver words it.
pub(crate) fn conflict(resource: &str, name: &str) -> Box<Status> {
    failure(
        409,
        "Conflict",
        &format!(
            "Operation cannot be fulfilled on {resource} \"{name}\": the object has been \
             modified; please apply your changes to the latest version and try again"
        ),
    )
}

/// 410 `Gone` for a watch or list from a compacted `resourceVersion`.
pub(crate) fn gone(resource_version: u64) -> Box<Status> {
    failure(
        410,
        "Gone",
        &format!("too old resource version: {resource_version}"),
    )
}

/// 400 `BadRequest`.
pub(crate) fn bad_request(message: &str) -> Box<Status> {
    failure(400, "BadRequest", message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::Verb;

    fn reactor(verb: &str, resource: &str, answer: Reaction) -> Reactor {
        Reactor {
            verb: verb.into(),
            resource: resource.into(),
            react: Box::new(move |_| answer.clone()),
        }
    }

    #[test]
    fn the_first_matching_reactor_that_does_not_pass_answers() {
        let mut chain = vec![
            reactor("update", "*", Reaction::Pass),
            reactor("create", "foos", Reaction::internal_error("no")),
            reactor("*", "foos", Reaction::not_found("foos", "a")),
            reactor("*", "*", Reaction::internal_error("never")),
        ];
        let update = Action::new(Verb::Update, "x.io", "v1", "foos", "default");
        match react(&mut chain, &update) {
            Reaction::Error(status) => assert_eq!(status.code, 404),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn no_matching_reactor_passes_to_the_tracker() {
        let mut chain = vec![reactor("update", "bars", Reaction::internal_error("no"))];
        let update = Action::new(Verb::Update, "x.io", "v1", "foos", "default");
        assert!(matches!(react(&mut chain, &update), Reaction::Pass));
    }
}
