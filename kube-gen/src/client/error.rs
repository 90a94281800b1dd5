//! The typed client's one error type, with apimachinery's `errors.IsNotFound`-style helpers.

use std::time::Duration;

use kube::core::Status;
use kube::core::response::StatusCause;

/// Why a call through the typed [`Client`](super::Client) failed.
///
/// Most callers only ask a question about it, as they would in Go with
/// `k8s.io/apimachinery/pkg/api/errors`: [`is_not_found`](Error::is_not_found),
/// [`is_conflict`](Error::is_conflict), [`is_invalid`](Error::is_invalid) and so on. The
/// helpers follow apimachinery: they look at the `reason` of the server's `Status` first and
/// fall back to its HTTP code only when the reason is one apimachinery does not know.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The API server answered with a failure `Status` (404, 409, 422, ...).
    #[error("the api server rejected the request: {0}")]
    Api(Box<Status>),

    /// The server could not be reached or the connection broke (TLS, DNS, I/O, timeouts on
    /// the client side, authentication plugins).
    #[error("could not talk to the api server")]
    Transport(#[source] kube::Error),

    /// The request could not be built, or the server's answer could not be decoded.
    #[error("could not build the request or decode the response")]
    Request(#[source] kube::Error),

    /// An object passed to a write that needs a name has no `metadata.name`.
    #[error("the object has no metadata.name; set it before calling {verb}")]
    MissingName {
        /// The verb that needed the name (`update`, `update_status`).
        verb: &'static str,
    },
}

/// The `StatusReason`s apimachinery knows; for any other reason the helpers fall back to the
/// HTTP code (`knownReasons` in `k8s.io/apimachinery/pkg/api/errors`).
const KNOWN_REASONS: &[&str] = &[
    "Unauthorized",
    "Forbidden",
    "NotFound",
    "AlreadyExists",
    "Conflict",
    "Gone",
    "Invalid",
    "ServerTimeout",
    "StoreReadError",
    "Timeout",
    "TooManyRequests",
    "BadRequest",
    "MethodNotAllowed",
    "NotAcceptable",
    "RequestEntityTooLarge",
    "UnsupportedMediaType",
    "InternalError",
    "Expired",
    "ServiceUnavailable",
];

impl Error {
    /// The server's `Status`, when the server answered at all.
    pub fn status(&self) -> Option<&Status> {
        match self {
            Error::Api(status) => Some(status),
            _ => None,
        }
    }

    /// The `reason` of the server's `Status` (`"NotFound"`, `"Conflict"`, ...), if any.
    pub fn reason(&self) -> Option<&str> {
        self.status().map(|s| s.reason.as_str())
    }

    /// The HTTP code of the server's `Status`, if any.
    pub fn code(&self) -> Option<u16> {
        self.status().map(|s| s.code)
    }

    /// Whether the object (or its namespace) does not exist: reason `NotFound` or code 404.
    pub fn is_not_found(&self) -> bool {
        self.reason_or_code("NotFound", 404)
    }

    /// Whether a create found an object of that name already there: reason `AlreadyExists`.
    pub fn is_already_exists(&self) -> bool {
        self.reason() == Some("AlreadyExists")
    }

    /// Whether a write lost a race: a stale `resourceVersion`, a failed delete precondition,
    /// or a server-side apply that touches fields another manager owns. Reason `Conflict` or
    /// code 409 with an unknown reason (so not [`is_already_exists`](Error::is_already_exists)).
    pub fn is_conflict(&self) -> bool {
        self.reason_or_code("Conflict", 409)
    }

    /// Whether the caller may not do this (RBAC, admission): reason `Forbidden` or code 403.
    pub fn is_forbidden(&self) -> bool {
        self.reason_or_code("Forbidden", 403)
    }

    /// Whether the caller's credentials were refused: reason `Unauthorized` or code 401.
    pub fn is_unauthorized(&self) -> bool {
        self.reason_or_code("Unauthorized", 401)
    }

    /// Whether the object failed validation: reason `Invalid` or code 422. The offending
    /// fields are in [`causes`](Error::causes).
    pub fn is_invalid(&self) -> bool {
        self.reason_or_code("Invalid", 422)
    }

    /// Whether the request was malformed: reason `BadRequest` or code 400.
    pub fn is_bad_request(&self) -> bool {
        self.reason_or_code("BadRequest", 400)
    }

    /// Whether a list or watch asked for a `resourceVersion` that etcd has compacted away:
    /// reason `Gone` or code 410. Relist from scratch.
    pub fn is_gone(&self) -> bool {
        self.reason_or_code("Gone", 410)
    }

    /// Whether a continue token or resource version has expired: reason `Expired`.
    pub fn is_resource_expired(&self) -> bool {
        self.reason() == Some("Expired")
    }

    /// Whether the request timed out on the server before it could finish: reason
    /// `Timeout` or code 504.
    pub fn is_timeout(&self) -> bool {
        self.reason_or_code("Timeout", 504)
    }

    /// Whether the server could not finish in time and asks to retry: reason `ServerTimeout`.
    pub fn is_server_timeout(&self) -> bool {
        self.reason() == Some("ServerTimeout")
    }

    /// Whether the server throttled the request: reason `TooManyRequests` or code 429.
    pub fn is_too_many_requests(&self) -> bool {
        self.reason() == Some("TooManyRequests") || self.code() == Some(429)
    }

    /// Whether the server failed internally: reason `InternalError` or code 500.
    pub fn is_internal_error(&self) -> bool {
        self.reason_or_code("InternalError", 500)
    }

    /// Whether the server is unavailable: reason `ServiceUnavailable` or code 503.
    pub fn is_service_unavailable(&self) -> bool {
        self.reason_or_code("ServiceUnavailable", 503)
    }

    /// Whether the server could not be reached or the connection failed.
    pub fn is_transport(&self) -> bool {
        matches!(self, Error::Transport(_))
    }

    /// The causes in the server's `Status` details: for [`is_invalid`](Error::is_invalid)
    /// one per offending field, with its `field` (`metadata.name`), `reason`
    /// (`FieldValueInvalid`) and `message`. Empty when the server gave none.
    pub fn causes(&self) -> &[StatusCause] {
        self.status()
            .and_then(|s| s.details.as_ref())
            .map_or(&[], |d| d.causes.as_slice())
    }

    /// Whether the server's `Status` details name a cause of this type, like apimachinery's
    /// `HasStatusCause` (for example `NamespaceTerminating`).
    pub fn has_cause(&self, reason: &str) -> bool {
        self.causes().iter().any(|c| c.reason == reason)
    }

    /// How long the server asked the client to wait before retrying, if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        let seconds = self.status()?.details.as_ref()?.retry_after_seconds;
        (seconds > 0).then(|| Duration::from_secs(u64::from(seconds)))
    }

    fn reason_or_code(&self, reason: &str, code: u16) -> bool {
        let Some(status) = self.status() else {
            return false;
        };
        status.reason == reason
            || (!KNOWN_REASONS.contains(&status.reason.as_str()) && status.code == code)
    }
}

impl From<kube::Error> for Error {
    fn from(err: kube::Error) -> Self {
        match err {
            kube::Error::Api(status) => Error::Api(status),
            kube::Error::BuildRequest(_)
            | kube::Error::SerdeError(_)
            | kube::Error::FromUtf8(_)
            | kube::Error::LinesCodecMaxLineLengthExceeded => Error::Request(err),
            other => Error::Transport(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use kube::core::response::StatusDetails;

    use super::*;

    fn api(reason: &str, code: u16) -> Error {
        Error::Api(Status::failure("boom", reason).with_code(code).boxed())
    }

    #[test]
    fn a_known_reason_wins_over_the_code() {
        let err = api("AlreadyExists", 409);
        assert!(err.is_already_exists());
        assert!(
            !err.is_conflict(),
            "AlreadyExists is a 409 but not a conflict"
        );
    }

    #[test]
    fn an_unknown_reason_falls_back_to_the_code() {
        assert!(api("", 404).is_not_found());
        assert!(api("SomethingNew", 409).is_conflict());
        assert!(api("", 422).is_invalid());
        assert!(api("", 410).is_gone());
        assert!(api("", 504).is_timeout());
        assert!(!api("BadRequest", 404).is_not_found());
    }

    #[test]
    fn too_many_requests_matches_reason_or_code() {
        assert!(api("TooManyRequests", 0).is_too_many_requests());
        assert!(api("Forbidden", 429).is_too_many_requests());
    }

    #[test]
    fn server_timeout_needs_the_reason() {
        assert!(api("ServerTimeout", 500).is_server_timeout());
        assert!(!api("", 500).is_server_timeout());
        assert!(api("", 500).is_internal_error());
    }

    #[test]
    fn causes_and_retry_after_come_from_the_status_details() {
        let details = StatusDetails {
            name: "x".into(),
            group: String::new(),
            kind: "ConfigMap".into(),
            uid: String::new(),
            causes: vec![StatusCause {
                reason: "FieldValueInvalid".into(),
                message: "bad name".into(),
                field: "metadata.name".into(),
            }],
            retry_after_seconds: 3,
        };
        let err = Error::Api(
            Status::failure("invalid", "Invalid")
                .with_code(422)
                .with_details(details)
                .boxed(),
        );
        assert!(err.is_invalid());
        assert_eq!(err.causes()[0].field, "metadata.name");
        assert!(err.has_cause("FieldValueInvalid"));
        assert_eq!(err.retry_after(), Some(Duration::from_secs(3)));
    }

    #[test]
    fn errors_without_a_status_answer_no_to_every_question() {
        let err = Error::MissingName { verb: "update" };
        assert!(err.status().is_none());
        assert!(!err.is_not_found() && !err.is_conflict() && !err.is_transport());
        assert!(err.causes().is_empty());
        assert_eq!(
            err.to_string(),
            "the object has no metadata.name; set it before calling update"
        );
    }

    #[test]
    fn kube_errors_are_sorted_into_api_request_and_transport() {
        let serde = serde_json::from_str::<u8>("x").unwrap_err();
        assert!(matches!(
            Error::from(kube::Error::SerdeError(serde)),
            Error::Request(_)
        ));
        assert!(
            Error::from(kube::Error::Api(
                Status::failure("gone", "NotFound").boxed()
            ))
            .is_not_found()
        );
        let io = std::io::Error::other("reset");
        assert!(Error::from(kube::Error::ReadEvents(io)).is_transport());
    }
}
