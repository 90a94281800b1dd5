//! The protobuf watch stream: length-prefixed frames, each a raw `meta.v1.WatchEvent` whose
//! object is a full envelope, decoded into k8s-openapi's `WatchEvent<T>`.

use std::collections::BTreeMap;

use bytes::{Buf, Bytes, BytesMut};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::WatchEvent;

use super::envelope::open_reader;
use super::error::{DecodeError, ErrorKind, FieldName};
use super::field;
use super::field::raw_bytes;
use super::message::{Message, merge_fields};
use super::wire::{Reader, WireType};

/// Decodes one frame body of a watch on `kind` (`ConfigMap`).
///
/// The frame is a raw `WatchEvent { type = 1; RawExtension object = 2; }` (no envelope), and
/// `object.raw` is the object's full `k8s\0` envelope. ADDED, MODIFIED and DELETED carry a
/// `kind`; BOOKMARK carries a `kind` with only its resourceVersion and annotations set;
/// ERROR carries a Status (410 Gone when the resourceVersion is too old).
///
/// # Errors
///
/// On malformed bytes, an unknown event type, an object of another kind, or an ERROR event
/// whose object is not a Status (k8s-openapi's `ErrorOther` holds JSON, which a protobuf
/// stream can't give).
pub(crate) fn decode_event<T: Message>(
    frame: &[u8],
    kind: &str,
) -> Result<WatchEvent<T>, DecodeError> {
    let mut r = Reader::new(frame);
    let mut event_type = String::new();
    let mut object = None;
    merge_fields(&mut r, |tag, wire, r| match tag {
        1 => field::string(&mut event_type, wire, r).at("type"),
        2 => raw_bytes(wire, r).map(|raw| object = raw).at("object"),
        _ => r.skip(wire),
    })
    .map_err(|error| error.in_root("WatchEvent"))?;
    // No object: an empty one, which fails the magic check below.
    let object = object.unwrap_or_else(|| Reader::with_base(&[], frame.len()));

    let expected = match event_type.as_str() {
        "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" => kind,
        "ERROR" => "Status",
        _ => return Err(DecodeError::new(ErrorKind::EventType(event_type))),
    };
    let envelope = open_reader(object)?;
    envelope.expect_kind(expected)?;
    Ok(match event_type.as_str() {
        "ADDED" => WatchEvent::Added(envelope.decode()?),
        "MODIFIED" => WatchEvent::Modified(envelope.decode()?),
        "DELETED" => WatchEvent::Deleted(envelope.decode()?),
        "BOOKMARK" => {
            let Bookmark { metadata } = envelope.decode()?;
            WatchEvent::Bookmark {
                annotations: metadata.annotations,
                resource_version: metadata.resource_version,
            }
        }
        _ => WatchEvent::ErrorStatus(envelope.decode()?),
    })
}

/// A bookmark's object, whatever its kind: every built-in kind has `metadata = 1`.
#[derive(Default)]
struct Bookmark {
    metadata: BookmarkMeta,
}

/// The two ObjectMeta fields a bookmark sets.
#[derive(Default)]
struct BookmarkMeta {
    resource_version: String,
    annotations: BTreeMap<String, String>,
}

impl Message for Bookmark {
    fn merge_field(
        &mut self,
        tag: u32,
        wire: WireType,
        r: &mut Reader<'_>,
    ) -> Result<(), DecodeError> {
        match tag {
            1 => field::message(&mut self.metadata, wire, r).at("metadata")?,
            _ => r.skip(wire)?,
        }
        Ok(())
    }
}

impl Message for BookmarkMeta {
    fn merge_field(
        &mut self,
        tag: u32,
        wire: WireType,
        r: &mut Reader<'_>,
    ) -> Result<(), DecodeError> {
        match tag {
            6 => field::string(&mut self.resource_version, wire, r).at("resourceVersion")?,
            12 => field::map_string(&mut self.annotations, wire, r).at("annotations")?,
            _ => r.skip(wire)?,
        }
        Ok(())
    }
}

/// Body chunks received so far, handed out a frame at a time.
///
/// The protobuf counterpart of the JSON watch's line buffer: each frame is a 4-byte
/// big-endian length and that many bytes (apimachinery's `LengthDelimitedFrameWriter`).
/// Nothing is allocated ahead from a length, so a corrupt one can't reserve gigabytes.
#[derive(Debug, Default)]
pub(crate) struct FrameBuffer {
    buffer: BytesMut,
}

impl FrameBuffer {
    /// Appends a chunk of the response body.
    pub(crate) fn push(&mut self, data: &[u8]) {
        self.buffer.extend_from_slice(data);
    }

    /// The next complete frame's body, if one has arrived.
    pub(crate) fn next_frame(&mut self) -> Option<Bytes> {
        let header: [u8; 4] = self.buffer.get(..4)?.try_into().ok()?;
        let len = u32::from_be_bytes(header) as usize;
        if self.buffer.len() - 4 < len {
            return None;
        }
        self.buffer.advance(4);
        Some(self.buffer.split_to(len).freeze())
    }

    /// Bytes of a frame not complete yet: at the end of the stream, a cut-off event.
    #[cfg_attr(not(test), allow(dead_code))] // For tests.
    pub(crate) fn buffered(&self) -> usize {
        self.buffer.len()
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;

    use super::*;
    use crate::protobuf::envelope::MAGIC;

    fn frame(body: &[u8]) -> Vec<u8> {
        let mut out = (body.len() as u32).to_be_bytes().to_vec();
        out.extend(body);
        out
    }

    #[test]
    fn frames_split_across_chunks_come_out_whole() {
        let mut stream = frame(b"abc");
        stream.extend(frame(b""));
        stream.extend(frame(&[7; 300]));
        stream.extend(&frame(b"cut")[..5]);
        let mut frames = FrameBuffer::default();
        let mut out = Vec::new();
        for chunk in stream.chunks(2) {
            frames.push(chunk);
            while let Some(frame) = frames.next_frame() {
                out.push(frame);
            }
        }
        assert_eq!(out, [&b"abc"[..], b"", &[7; 300]]);
        assert_eq!(frames.buffered(), 5, "the cut-off frame stays buffered");
    }

    /// A WatchEvent frame body of `event_type` around an envelope of `kind` holding `raw`.
    fn event(event_type: &str, kind: &str, raw: &[u8]) -> Vec<u8> {
        let mut type_meta = vec![0x0a, 0x02, b'v', b'1', 0x12, kind.len() as u8];
        type_meta.extend(kind.as_bytes());
        let mut envelope = MAGIC.to_vec();
        envelope.extend([0x0a, type_meta.len() as u8]);
        envelope.extend(type_meta);
        envelope.extend([0x12, raw.len() as u8]);
        envelope.extend(raw);
        let mut extension = vec![0x0a, envelope.len() as u8];
        extension.extend(envelope);
        let mut out = vec![0x0a, event_type.len() as u8];
        out.extend(event_type.as_bytes());
        out.extend([0x12, extension.len() as u8]);
        out.extend(extension);
        out
    }

    #[test]
    fn events_decode_by_type() {
        let added = event("ADDED", "Status", b"\x30\x94\x03");
        let decoded: WatchEvent<Status> = decode_event(&added, "Status").unwrap();
        assert!(matches!(
            decoded,
            WatchEvent::Added(Status {
                code: Some(404),
                ..
            })
        ));

        // metadata { resourceVersion "5"; annotations { "k": "v" } }
        let bookmark = event(
            "BOOKMARK",
            "Pod",
            b"\x0a\x0b\x32\x015\x62\x06\x0a\x01k\x12\x01v",
        );
        let decoded: WatchEvent<Status> = decode_event(&bookmark, "Pod").unwrap();
        let WatchEvent::Bookmark {
            annotations,
            resource_version,
        } = decoded
        else {
            panic!("not a bookmark: {decoded:?}");
        };
        assert_eq!(resource_version, "5");
        assert_eq!(annotations, [("k".to_owned(), "v".to_owned())].into());
    }

    #[test]
    fn errors_carry_a_status_and_anything_else_is_an_error() {
        let gone = event("ERROR", "Status", b"\x30\x9a\x03");
        let decoded: WatchEvent<Status> = decode_event(&gone, "ConfigMap").unwrap();
        assert!(matches!(
            decoded,
            WatchEvent::ErrorStatus(Status {
                code: Some(410),
                ..
            })
        ));

        let other = event("ERROR", "ConfigMap", b"");
        let error = decode_event::<Status>(&other, "ConfigMap").unwrap_err();
        assert_eq!(error.to_string(), "expected a Status, got a \"ConfigMap\"");
        let wrong = event("ADDED", "Secret", b"");
        assert!(decode_event::<Status>(&wrong, "ConfigMap").is_err());
        let unknown = event("RENAMED", "ConfigMap", b"");
        let error = decode_event::<Status>(&unknown, "ConfigMap").unwrap_err();
        assert_eq!(error.to_string(), "unknown watch event type \"RENAMED\"");
        let error = decode_event::<Status>(b"\x0a\x05ADDED", "ConfigMap").unwrap_err();
        assert!(
            matches!(error.kind(), ErrorKind::Magic),
            "no object: {error}"
        );
    }
}
