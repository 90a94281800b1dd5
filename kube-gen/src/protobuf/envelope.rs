//! The `k8s\0` + `runtime.Unknown` envelope around every protobuf response body, and the
//! bodies inside it: one object (GET), a list (LIST) or a Status (errors).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ListMeta, Status};

use super::error::{DecodeError, ErrorKind, FieldName};
use super::field;
use super::message::{Message, decode_root, merge_fields};
use super::meta::TypeMeta;
use super::wire::{Reader, WireType};

/// The 4 bytes before every protobuf-encoded Kubernetes object.
pub(crate) const MAGIC: &[u8; 4] = b"k8s\0";

/// An opened envelope (`runtime.Unknown`): the object's type and its still-encoded bytes.
#[derive(Clone, Debug)]
pub(crate) struct Envelope<'a> {
    /// The object's apiVersion and kind.
    pub(crate) type_meta: TypeMeta,
    /// The object's message bytes, offsets kept.
    pub(crate) raw: Reader<'a>,
}

/// Checks the magic and reads the envelope.
///
/// # Errors
///
/// If the prefix is not `k8s\0`, the envelope is malformed or has no raw object, or it names
/// a content encoding or content type (the apiserver always leaves both empty: the raw bytes
/// are plain protobuf).
pub(crate) fn open(body: &[u8]) -> Result<Envelope<'_>, DecodeError> {
    open_reader(Reader::new(body))
}

/// [`open`] for an envelope inside a larger buffer (a watch event's object).
pub(crate) fn open_reader(r: Reader<'_>) -> Result<Envelope<'_>, DecodeError> {
    let at = r.offset();
    let body = r.remaining();
    if body.get(..MAGIC.len()) != Some(MAGIC.as_slice()) {
        return Err(DecodeError::at(ErrorKind::Magic, at));
    }
    let mut unknown = Reader::with_base(&body[MAGIC.len()..], at + MAGIC.len());
    let mut type_meta = TypeMeta::default();
    let mut raw = None;
    let (mut encoding, mut content_type) = (String::new(), String::new());
    merge_fields(&mut unknown, |tag, wire, r| match tag {
        1 => field::message(&mut type_meta, wire, r).at("typeMeta"),
        2 => r
            .expect(wire, WireType::Len)
            .and_then(|()| r.len_delimited())
            .map(|bytes| raw = Some(bytes))
            .at("raw"),
        3 => field::string(&mut encoding, wire, r).at("contentEncoding"),
        4 => field::string(&mut content_type, wire, r).at("contentType"),
        _ => r.skip(wire),
    })
    .map_err(|error| error.in_root("Unknown"))?;
    // The apiserver always writes raw, empty for an empty object: without it the body was
    // cut short at a field boundary.
    let raw = raw.ok_or_else(|| unknown.error(ErrorKind::MissingRaw))?;
    if !encoding.is_empty() {
        return Err(DecodeError::new(ErrorKind::ContentEncoding(encoding)));
    }
    if !content_type.is_empty() {
        return Err(DecodeError::new(ErrorKind::ContentType(content_type)));
    }
    Ok(Envelope { type_meta, raw })
}

impl<'a> Envelope<'a> {
    /// Checks that the envelope holds a `kind`.
    pub(crate) fn expect_kind(&self, kind: &str) -> Result<(), DecodeError> {
        if self.type_meta.kind == kind {
            Ok(())
        } else {
            Err(DecodeError::new(ErrorKind::Kind {
                expected: kind.to_owned(),
                got: self.type_meta.kind.clone(),
            }))
        }
    }

    /// Decodes the object, named by its kind in error paths.
    pub(crate) fn decode<M: Message>(self) -> Result<M, DecodeError> {
        decode_root(self.raw, &self.type_meta.kind)
    }
}

/// One object of kind `kind` (a GET response, or a watch event's object).
pub(crate) fn decode_object<T: Message>(body: &[u8], kind: &str) -> Result<T, DecodeError> {
    let envelope = open(body)?;
    envelope.expect_kind(kind)?;
    envelope.decode()
}

/// A list response: `message XList { optional ListMeta metadata = 1; repeated X items = 2; }`.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct ObjectList<T> {
    pub(crate) metadata: ListMeta,
    pub(crate) items: Vec<T>,
}

impl<T: Message> Message for ObjectList<T> {
    fn merge_field(
        &mut self,
        tag: u32,
        wire: WireType,
        r: &mut Reader<'_>,
    ) -> Result<(), DecodeError> {
        match tag {
            1 => field::message(&mut self.metadata, wire, r).at("metadata")?,
            2 => field::repeated_message(&mut self.items, wire, r).at("items")?,
            _ => r.skip(wire)?,
        }
        Ok(())
    }
}

/// A LIST response of kind `list_kind` (`ConfigMapList`; k8s-openapi's
/// `ListableResource::LIST_KIND`).
pub(crate) fn decode_list<T: Message>(
    body: &[u8],
    list_kind: &str,
) -> Result<ObjectList<T>, DecodeError> {
    decode_object(body, list_kind)
}

/// A `metav1.Status`: the body of every non-2xx response in protobuf.
pub(crate) fn decode_status(body: &[u8]) -> Result<Status, DecodeError> {
    decode_object(body, "Status")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An envelope around `raw` as the apiserver writes it, with `tail` after raw.
    fn envelope(kind: &[u8], raw: &[u8], tail: &[u8]) -> Vec<u8> {
        let mut type_meta = vec![0x0a, 0x02, b'v', b'1', 0x12, kind.len() as u8];
        type_meta.extend(kind);
        let mut out = MAGIC.to_vec();
        out.extend([0x0a, type_meta.len() as u8]);
        out.extend(type_meta);
        out.extend([0x12, raw.len() as u8]);
        out.extend(raw);
        out.extend(tail);
        out
    }

    #[test]
    fn an_envelope_gives_the_kind_and_the_raw_bytes_with_offsets() {
        let body = envelope(b"Status", b"\x30\x94\x03", b"\x1a\x00\x22\x00");
        let opened = open(&body).unwrap();
        assert_eq!(opened.type_meta.kind, "Status");
        assert_eq!(opened.type_meta.api_version, "v1");
        assert_eq!(opened.raw.offset(), 20);
        assert_eq!(decode_status(&body).unwrap().code, Some(404));
    }

    #[test]
    fn lists_have_metadata_and_items() {
        let raw = b"\x0a\x03\x12\x019\x12\x03\x30\x94\x03\x12\x00";
        let body = envelope(b"StatusList", raw, b"");
        let list: ObjectList<Status> = decode_list(&body, "StatusList").unwrap();
        assert_eq!(list.metadata.resource_version.as_deref(), Some("9"));
        assert_eq!(list.items.len(), 2);
        assert_eq!(list.items[0].code, Some(404));
    }

    #[test]
    fn wrong_magic_kind_or_content_encoding_are_errors() {
        let kind = |body: &[u8]| decode_status(body).unwrap_err().to_string();
        assert_eq!(
            kind(b"{\"kind\":\"Status\"}"),
            "body does not start with \"k8s\\0\", the prefix of Kubernetes protobuf objects at byte 0"
        );
        assert_eq!(kind(b"k8s"), kind(b"{\"kind\":\"Status\"}"));
        assert_eq!(
            kind(&envelope(b"ConfigMap", b"", b"")),
            "expected a Status, got a \"ConfigMap\""
        );
        assert_eq!(
            kind(&envelope(b"Status", b"", b"\x1a\x04gzip")),
            "content encoding \"gzip\" is not supported"
        );
        assert_eq!(
            kind(&envelope(b"Status", b"", b"\x22\x10application/json")),
            "content type \"application/json\" is not supported"
        );
        assert_eq!(
            kind(&envelope(b"Status", b"\x30\x80", b"")),
            "Status.code: truncated varint at byte 21"
        );
        let mut no_raw = envelope(b"Status", b"", b"");
        no_raw.truncate(no_raw.len() - 2);
        assert_eq!(kind(&no_raw), "the envelope has no raw object at byte 18");
        let mut cut = envelope(b"Status", b"\x30\x94\x03", b"");
        cut.truncate(cut.len() - 1);
        assert_eq!(kind(&cut), "Unknown.raw: 3 bytes needed, 2 left at byte 19");
    }
}
