//! Singular fields: strings, bools, integers, bytes, nested and inlined messages.

use k8s_openapi::ByteString;

use crate::protobuf::error::DecodeError;
use crate::protobuf::message::{MessageSlot, Slot, merge, merge_fields};
use crate::protobuf::wire::{Reader, WireType};

/// Stores `value`, or "absent" if it is its type's zero value (Go's `omitempty`).
fn put_omitempty<T: Default + PartialEq, S: Slot<T>>(slot: &mut S, value: T) {
    if value == T::default() {
        slot.put_absent(value);
    } else {
        slot.put(value);
    }
}

pub(super) fn read_string(wire: WireType, r: &mut Reader<'_>) -> Result<String, DecodeError> {
    r.expect(wire, WireType::Len)?;
    Ok(r.str()?.to_owned())
}

pub(super) fn read_bytes(wire: WireType, r: &mut Reader<'_>) -> Result<ByteString, DecodeError> {
    r.expect(wire, WireType::Len)?;
    Ok(ByteString(r.bytes()?.to_vec()))
}

fn read_varint(wire: WireType, r: &mut Reader<'_>) -> Result<u64, DecodeError> {
    r.expect(wire, WireType::Varint)?;
    r.varint()
}

/// `optional string`, for a Go `*string` or a `string` without `omitempty`.
pub(crate) fn string<S: Slot<String>>(
    slot: &mut S,
    wire: WireType,
    r: &mut Reader<'_>,
) -> Result<(), DecodeError> {
    slot.put(read_string(wire, r)?);
    Ok(())
}

/// `optional string` for a Go `string` with `omitempty`: `""` is `None`.
pub(crate) fn string_omitempty<S: Slot<String>>(
    slot: &mut S,
    wire: WireType,
    r: &mut Reader<'_>,
) -> Result<(), DecodeError> {
    put_omitempty(slot, read_string(wire, r)?);
    Ok(())
}

/// `optional bool`, for a Go `*bool` or a `bool` without `omitempty`.
pub(crate) fn bool<S: Slot<bool>>(
    slot: &mut S,
    wire: WireType,
    r: &mut Reader<'_>,
) -> Result<(), DecodeError> {
    slot.put(read_varint(wire, r)? != 0);
    Ok(())
}

/// `optional bool` for a Go `bool` with `omitempty`: `false` is `None`.
pub(crate) fn bool_omitempty<S: Slot<bool>>(
    slot: &mut S,
    wire: WireType,
    r: &mut Reader<'_>,
) -> Result<(), DecodeError> {
    put_omitempty(slot, read_varint(wire, r)? != 0);
    Ok(())
}

/// `optional int32`, for a Go `*int32` or an `int32` without `omitempty`. Negative values
/// arrive as 10-byte sign-extended varints; the low 32 bits are the value, as in Go.
pub(crate) fn int32<S: Slot<i32>>(
    slot: &mut S,
    wire: WireType,
    r: &mut Reader<'_>,
) -> Result<(), DecodeError> {
    slot.put(read_varint(wire, r)? as i32);
    Ok(())
}

/// `optional int32` for a Go `int32` with `omitempty`: `0` is `None`.
pub(crate) fn int32_omitempty<S: Slot<i32>>(
    slot: &mut S,
    wire: WireType,
    r: &mut Reader<'_>,
) -> Result<(), DecodeError> {
    put_omitempty(slot, read_varint(wire, r)? as i32);
    Ok(())
}

/// `optional int64`, for a Go `*int64` or an `int64` without `omitempty`.
pub(crate) fn int64<S: Slot<i64>>(
    slot: &mut S,
    wire: WireType,
    r: &mut Reader<'_>,
) -> Result<(), DecodeError> {
    slot.put(read_varint(wire, r)? as i64);
    Ok(())
}

/// `optional int64` for a Go `int64` with `omitempty`: `0` is `None`.
pub(crate) fn int64_omitempty<S: Slot<i64>>(
    slot: &mut S,
    wire: WireType,
    r: &mut Reader<'_>,
) -> Result<(), DecodeError> {
    put_omitempty(slot, read_varint(wire, r)? as i64);
    Ok(())
}

/// `optional bytes` for a Go `[]byte` without `omitempty`: gogo writes it when non-nil, and
/// JSON has `""` for an empty non-nil slice.
pub(crate) fn bytes<S: Slot<ByteString>>(
    slot: &mut S,
    wire: WireType,
    r: &mut Reader<'_>,
) -> Result<(), DecodeError> {
    slot.put(read_bytes(wire, r)?);
    Ok(())
}

/// `optional bytes` for a Go `[]byte` with `omitempty`: empty is `None`.
#[allow(dead_code)] // A shape of k8s.io/api that core, apps and meta do not use.
pub(crate) fn bytes_omitempty<S: Slot<ByteString>>(
    slot: &mut S,
    wire: WireType,
    r: &mut Reader<'_>,
) -> Result<(), DecodeError> {
    put_omitempty(slot, read_bytes(wire, r)?);
    Ok(())
}

/// A nested message (a Go struct or pointer to one): on the wire means `Some`, and a second
/// occurrence merges into the first.
pub(crate) fn message<S: MessageSlot>(
    slot: &mut S,
    wire: WireType,
    r: &mut Reader<'_>,
) -> Result<(), DecodeError> {
    r.expect(wire, WireType::Len)?;
    merge(slot.message(), &mut r.len_delimited()?)
}

/// A message that k8s-openapi flattens into its parent (`Volume.volumeSource`,
/// `Probe.handler`, ...): `merge` is the generated function that stores the inner message's
/// fields into the outer struct.
///
/// ```text
/// 2 => field::inline(self, wire, r, merge_volume_source).at("volumeSource")?,
/// ```
pub(crate) fn inline<T>(
    target: &mut T,
    wire: WireType,
    r: &mut Reader<'_>,
    merge: fn(&mut T, u32, WireType, &mut Reader<'_>) -> Result<(), DecodeError>,
) -> Result<(), DecodeError> {
    r.expect(wire, WireType::Len)?;
    merge_fields(&mut r.len_delimited()?, |field, wire, r| {
        merge(target, field, wire, r)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protobuf::error::FieldName;
    use crate::protobuf::message::{Message, decode};

    /// Decodes one field's value (the bytes after its key) with `helper`.
    fn run<S: Default>(
        wire: WireType,
        value: &[u8],
        helper: fn(&mut S, WireType, &mut Reader<'_>) -> Result<(), DecodeError>,
    ) -> Result<S, DecodeError> {
        let mut slot = S::default();
        let mut r = Reader::new(value);
        helper(&mut slot, wire, &mut r)?;
        assert!(r.is_empty(), "the helper read the whole value");
        Ok(slot)
    }

    const LEN: WireType = WireType::Len;
    const VARINT: WireType = WireType::Varint;
    const MINUS_ONE: [u8; 10] = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];

    #[test]
    fn strings_keep_empty_values_unless_omitempty() {
        assert_eq!(
            run(LEN, b"\x02hi", string::<Option<String>>).unwrap(),
            Some("hi".into())
        );
        assert_eq!(
            run(LEN, b"\x00", string::<Option<String>>).unwrap(),
            Some("".into())
        );
        assert_eq!(
            run(LEN, b"\x00", string_omitempty::<Option<String>>).unwrap(),
            None
        );
        assert_eq!(run(LEN, b"\x00", string_omitempty::<String>).unwrap(), "");
        assert_eq!(run(LEN, b"\x01x", string_omitempty::<String>).unwrap(), "x");
        assert!(run(VARINT, b"\x00", string::<String>).is_err());
        assert!(run(LEN, b"\x01\xff", string::<String>).is_err());
    }

    #[test]
    fn bools_are_any_nonzero_varint() {
        assert_eq!(
            run(VARINT, b"\x00", bool::<Option<bool>>).unwrap(),
            Some(false)
        );
        assert_eq!(
            run(VARINT, b"\x02", bool::<Option<bool>>).unwrap(),
            Some(true)
        );
        assert_eq!(
            run(VARINT, b"\x00", bool_omitempty::<Option<bool>>).unwrap(),
            None
        );
        assert_eq!(
            run(VARINT, b"\x01", bool_omitempty::<Option<bool>>).unwrap(),
            Some(true)
        );
        assert!(run(LEN, b"\x00", bool::<bool>).is_err());
    }

    #[test]
    fn int32s_take_sign_extended_negatives_and_zero_follows_the_presence_rule() {
        assert_eq!(
            run(VARINT, &MINUS_ONE, int32::<Option<i32>>).unwrap(),
            Some(-1)
        );
        assert_eq!(run(VARINT, b"\x00", int32::<Option<i32>>).unwrap(), Some(0));
        assert_eq!(
            run(VARINT, b"\x00", int32_omitempty::<Option<i32>>).unwrap(),
            None
        );
        assert_eq!(
            run(VARINT, b"\x96\x01", int32_omitempty::<i32>).unwrap(),
            150
        );
        assert!(run(WireType::Fixed32, b"\x00\x00\x00\x00", int32::<i32>).is_err());
    }

    #[test]
    fn int64s_cover_the_full_range() {
        assert_eq!(run(VARINT, &MINUS_ONE, int64::<i64>).unwrap(), -1);
        let max = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f];
        assert_eq!(
            run(VARINT, &max, int64::<Option<i64>>).unwrap(),
            Some(i64::MAX)
        );
        assert_eq!(
            run(VARINT, b"\x00", int64_omitempty::<Option<i64>>).unwrap(),
            None
        );
        assert_eq!(run(VARINT, b"\x00", int64::<Option<i64>>).unwrap(), Some(0));
    }

    #[test]
    fn bytes_are_copied_as_is() {
        let got = run(LEN, b"\x03\x00\xff\x80", bytes::<Option<ByteString>>).unwrap();
        assert_eq!(got, Some(ByteString(vec![0x00, 0xff, 0x80])));
        let empty = run(LEN, b"\x00", bytes::<Option<ByteString>>).unwrap();
        assert_eq!(empty, Some(ByteString(vec![])));
        assert_eq!(
            run(LEN, b"\x00", bytes_omitempty::<Option<ByteString>>).unwrap(),
            None
        );
    }

    /// `message Inner { optional int32 n = 1; }`
    #[derive(Debug, Default, PartialEq)]
    struct Inner {
        n: Option<i32>,
        s: Option<String>,
    }

    impl Message for Inner {
        fn merge_field(
            &mut self,
            tag: u32,
            wire: WireType,
            r: &mut Reader<'_>,
        ) -> Result<(), DecodeError> {
            match tag {
                1 => int32(&mut self.n, wire, r).at("n")?,
                2 => string(&mut self.s, wire, r).at("s")?,
                _ => r.skip(wire)?,
            }
            Ok(())
        }
    }

    #[test]
    fn messages_are_some_even_when_empty_and_merge_when_repeated() {
        assert_eq!(
            run(LEN, b"\x00", message::<Option<Inner>>).unwrap(),
            Some(Inner::default())
        );
        let mut slot = None::<Inner>;
        message(&mut slot, LEN, &mut Reader::new(b"\x02\x08\x05")).unwrap();
        message(&mut slot, LEN, &mut Reader::new(b"\x03\x12\x01x")).unwrap();
        let want = Inner {
            n: Some(5),
            s: Some("x".into()),
        };
        assert_eq!(slot, Some(want));
        assert!(run(VARINT, b"\x00", message::<Inner>).is_err());
    }

    /// A message that k8s-openapi flattens: `Outer { name, n, s }` where proto has
    /// `Outer { name = 1; Inner inner = 2 }`.
    #[derive(Debug, Default, PartialEq)]
    struct Outer {
        name: Option<String>,
        n: Option<i32>,
        s: Option<String>,
    }

    fn merge_inner(
        this: &mut Outer,
        tag: u32,
        wire: WireType,
        r: &mut Reader<'_>,
    ) -> Result<(), DecodeError> {
        match tag {
            1 => int32(&mut this.n, wire, r).at("n")?,
            2 => string(&mut this.s, wire, r).at("s")?,
            _ => r.skip(wire)?,
        }
        Ok(())
    }

    impl Message for Outer {
        fn merge_field(
            &mut self,
            tag: u32,
            wire: WireType,
            r: &mut Reader<'_>,
        ) -> Result<(), DecodeError> {
            match tag {
                1 => string(&mut self.name, wire, r).at("name")?,
                2 => inline(self, wire, r, merge_inner).at("inner")?,
                _ => r.skip(wire)?,
            }
            Ok(())
        }
    }

    #[test]
    fn inline_messages_fill_the_outer_struct() {
        let outer: Outer = decode(b"\x0a\x01a\x12\x05\x08\x07\x12\x01b").unwrap();
        let want = Outer {
            name: Some("a".into()),
            n: Some(7),
            s: Some("b".into()),
        };
        assert_eq!(outer, want);
        let error = decode::<Outer>(b"\x12\x02\x08\x80").unwrap_err();
        assert_eq!(
            error.to_string(),
            "Outer.inner.n: truncated varint at byte 3"
        );
    }
}
