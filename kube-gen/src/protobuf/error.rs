//! The decode error: what failed, at which byte, and in which field of which object.

use std::fmt;

use super::wire::WireType;

/// What went wrong; [`DecodeError`] adds where.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum ErrorKind {
    #[error("truncated varint")]
    TruncatedVarint,
    #[error("varint longer than 10 bytes")]
    VarintTooLong,
    #[error("{wanted} bytes needed, {left} left")]
    Truncated { wanted: u64, left: usize },
    #[error("field number {0} is out of range")]
    FieldNumber(u64),
    #[error("wire type {0} is a group, which Kubernetes never writes")]
    Group(u8),
    #[error("unknown wire type {0}")]
    UnknownWireType(u8),
    #[error("expected wire type {expected}, got {got}")]
    WireType { expected: WireType, got: WireType },
    #[error("string is not UTF-8")]
    Utf8(#[source] std::str::Utf8Error),
    #[error("raw bytes are not JSON (CBOR or protobuf payloads are not supported)")]
    NotJson(#[source] serde_json::Error),
    #[error("timestamp {seconds}s {nanos}ns is out of range")]
    TimeOutOfRange { seconds: i64, nanos: i32 },
    #[error("IntOrString type {0} is neither 0 (int) nor 1 (string)")]
    IntOrStringType(i64),
    #[error("body does not start with \"k8s\\0\", the prefix of Kubernetes protobuf objects")]
    Magic,
    #[error("the envelope has no raw object")]
    MissingRaw,
    #[error("expected a {expected}, got a {got:?}")]
    Kind { expected: String, got: String },
    #[error("content encoding {0:?} is not supported")]
    ContentEncoding(String),
    #[error("content type {0:?} is not supported")]
    ContentType(String),
    #[error("unknown watch event type {0:?}")]
    EventType(String),
}

/// A protobuf body that could not be decoded.
///
/// Displays as `ConfigMapList.items[3].metadata.labels: truncated varint at byte 812`: the
/// path is built as the error travels out of nested messages, and the byte offset counts from
/// the start of the buffer given to the decode function (a watch frame's body for watch
/// events).
#[derive(Debug)]
pub(crate) struct DecodeError(Box<Details>);

/// Boxed, so the `Result<(), DecodeError>` of every generated field arm stays one word.
#[derive(Debug)]
struct Details {
    kind: ErrorKind,
    offset: Option<usize>,
    /// Innermost first: each level pushes its segment on the way out.
    path: Vec<Segment>,
    /// A name given by a `merge_field` arm (`.at("labels")`) that the enclosing message loop
    /// pairs with the field number.
    pending: Option<&'static str>,
}

#[derive(Debug)]
enum Segment {
    Field {
        number: u32,
        name: Option<&'static str>,
    },
    Index(usize),
    Root(String),
}

impl DecodeError {
    /// An error at a byte offset.
    pub(crate) fn at(kind: ErrorKind, offset: usize) -> Self {
        Self(Box::new(Details {
            kind,
            offset: Some(offset),
            path: Vec::new(),
            pending: None,
        }))
    }

    /// An error about a decoded value rather than a byte (an unexpected kind, say).
    pub(crate) fn new(kind: ErrorKind) -> Self {
        Self(Box::new(Details {
            kind,
            offset: None,
            path: Vec::new(),
            pending: None,
        }))
    }

    /// What went wrong.
    #[cfg_attr(not(test), allow(dead_code))] // For tests.
    pub(crate) fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }

    /// The byte offset, when the error is about a byte.
    #[cfg_attr(not(test), allow(dead_code))] // For tests.
    pub(crate) fn offset(&self) -> Option<usize> {
        self.0.offset
    }

    /// Names the field the error came out of (see [`FieldName::at`]).
    fn named(mut self, name: &'static str) -> Self {
        self.0.pending.get_or_insert(name);
        self
    }

    /// Called by the message loop for the field whose `merge_field` failed.
    pub(crate) fn in_field(mut self, number: u32) -> Self {
        let name = self.0.pending.take();
        self.0.path.push(Segment::Field { number, name });
        self
    }

    /// Called for the element of a repeated field that failed.
    pub(crate) fn in_index(mut self, index: usize) -> Self {
        self.0.path.push(Segment::Index(index));
        self
    }

    /// Called once, by the function that decoded the outermost object.
    pub(crate) fn in_root(mut self, name: &str) -> Self {
        self.0.path.push(Segment::Root(name.to_owned()));
        self
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.path.iter().rev().enumerate() {
            let dot = if i == 0 { "" } else { "." };
            match segment {
                Segment::Root(name) => write!(f, "{dot}{name}")?,
                Segment::Field {
                    name: Some(name), ..
                } => write!(f, "{dot}{name}")?,
                Segment::Field { number, name: None } => write!(f, "{dot}#{number}")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        if !self.0.path.is_empty() {
            f.write_str(": ")?;
        }
        write!(f, "{}", self.0.kind)?;
        if let Some(offset) = self.0.offset {
            write!(f, " at byte {offset}")?;
        }
        Ok(())
    }
}

impl std::error::Error for DecodeError {
    // The kind's message is part of ours, so its source is ours.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.0.kind)
    }
}

/// Names the field a decode error came from, for the path in its message.
///
/// Generated arms read `1 => field::message(&mut self.metadata, wire, r).at("metadata")?`.
/// Without it the path shows the field number (`ConfigMap.#1`).
pub(crate) trait FieldName {
    /// Names the field (its JSON name) if this is an error.
    fn at(self, name: &'static str) -> Self;
}

impl<T> FieldName for Result<T, DecodeError> {
    fn at(self, name: &'static str) -> Self {
        self.map_err(|error| error.named(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_reads_outermost_first_with_names_numbers_and_indexes() {
        let error = DecodeError::at(ErrorKind::TruncatedVarint, 812)
            .named("labels")
            .in_field(11)
            .named("metadata")
            .in_field(1)
            .in_index(3)
            .named("items")
            .in_field(2)
            .in_root("ConfigMapList");
        assert_eq!(
            error.to_string(),
            "ConfigMapList.items[3].metadata.labels: truncated varint at byte 812"
        );
    }

    #[test]
    fn an_unnamed_field_shows_its_number_and_a_bare_error_shows_no_path() {
        let error = DecodeError::at(ErrorKind::VarintTooLong, 5)
            .in_field(17)
            .in_root("Pod");
        assert_eq!(
            error.to_string(),
            "Pod.#17: varint longer than 10 bytes at byte 5"
        );
        let bare = DecodeError::new(ErrorKind::EventType("NOPE".into()));
        assert_eq!(bare.to_string(), "unknown watch event type \"NOPE\"");
    }

    #[test]
    fn the_innermost_name_wins_when_two_are_given() {
        let error = DecodeError::at(ErrorKind::TruncatedVarint, 0)
            .named("seconds")
            .named("ignored")
            .in_field(1);
        assert_eq!(error.to_string(), "seconds: truncated varint at byte 0");
    }

    #[test]
    fn results_stay_small() {
        assert_eq!(
            std::mem::size_of::<Result<(), DecodeError>>(),
            std::mem::size_of::<usize>()
        );
    }

    #[test]
    fn the_source_is_the_kinds_source_and_not_repeated_in_the_message() {
        let json = serde_json::from_slice::<serde_json::Value>(b"\x01").unwrap_err();
        let error = DecodeError::at(ErrorKind::NotJson(json), 3);
        assert!(std::error::Error::source(&error).is_some());
        assert!(!error.to_string().contains("expected value"));
    }
}
