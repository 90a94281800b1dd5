//! The protobuf wire format: a zero-copy reader of varints, keys and length-delimited fields.

use std::fmt;

use super::error::{DecodeError, ErrorKind};

/// How a field's value is laid out on the wire (the low 3 bits of its key).
///
/// Groups (3 and 4) are not here: proto2 groups are deprecated and Kubernetes never writes
/// them, so a key with one is an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WireType {
    /// int32, int64, bool, enums: a varint.
    Varint,
    /// fixed64, sfixed64, double: 8 bytes.
    Fixed64,
    /// string, bytes, messages, packed repeated scalars: a varint length, then the bytes.
    Len,
    /// fixed32, sfixed32, float: 4 bytes.
    Fixed32,
}

impl fmt::Display for WireType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WireType::Varint => "0 (varint)",
            WireType::Fixed64 => "1 (fixed64)",
            WireType::Len => "2 (length-delimited)",
            WireType::Fixed32 => "5 (fixed32)",
        })
    }
}

/// The largest field number protobuf allows (2^29 - 1).
const MAX_FIELD: u64 = (1 << 29) - 1;

/// Reads protobuf values from a byte slice without copying it.
///
/// A nested message gets its own `Reader` over its bytes ([`Reader::len_delimited`]) that
/// still reports offsets from the start of the outermost buffer, so errors point at the byte
/// in the body as received.
#[derive(Clone, Debug)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    /// The offset of `buf[0]` in the outermost buffer.
    base: usize,
}

impl<'a> Reader<'a> {
    /// A reader over a whole buffer; offsets count from its first byte.
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Self::with_base(buf, 0)
    }

    /// A reader over `buf`, which starts `base` bytes into the buffer offsets count from.
    pub(crate) fn with_base(buf: &'a [u8], base: usize) -> Self {
        Self { buf, pos: 0, base }
    }

    /// Whether every byte has been read.
    pub(crate) fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    /// The offset of the next byte, from the start of the outermost buffer.
    pub(crate) fn offset(&self) -> usize {
        self.base + self.pos
    }

    /// The bytes not read yet.
    pub(crate) fn remaining(&self) -> &'a [u8] {
        &self.buf[self.pos.min(self.buf.len())..]
    }

    /// An error at the next byte.
    pub(crate) fn error(&self, kind: ErrorKind) -> DecodeError {
        DecodeError::at(kind, self.offset())
    }

    /// A base-128 varint of up to 10 bytes. Bits past the 64th are dropped, as Go's
    /// decoders do; int32 values are written sign-extended, so read them with `as i32`.
    pub(crate) fn varint(&mut self) -> Result<u64, DecodeError> {
        let start = self.pos;
        let mut value = 0u64;
        for (i, &byte) in self.remaining().iter().take(10).enumerate() {
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte < 0x80 {
                self.pos = start + i + 1;
                return Ok(value);
            }
        }
        let kind = if self.remaining().len() >= 10 {
            ErrorKind::VarintTooLong
        } else {
            ErrorKind::TruncatedVarint
        };
        Err(self.error(kind))
    }

    /// A field key: the field number and the wire type of its value.
    pub(crate) fn key(&mut self) -> Result<(u32, WireType), DecodeError> {
        let at = self.offset();
        let key = self.varint()?;
        let number = key >> 3;
        if number == 0 || number > MAX_FIELD {
            return Err(DecodeError::at(ErrorKind::FieldNumber(number), at));
        }
        let wire = match key & 7 {
            0 => WireType::Varint,
            1 => WireType::Fixed64,
            2 => WireType::Len,
            5 => WireType::Fixed32,
            group @ (3 | 4) => return Err(DecodeError::at(ErrorKind::Group(group as u8), at)),
            other => return Err(DecodeError::at(ErrorKind::UnknownWireType(other as u8), at)),
        };
        Ok((number as u32, wire))
    }

    /// The next `n` bytes.
    fn take(&mut self, n: u64) -> Result<&'a [u8], DecodeError> {
        let left = self.remaining().len();
        match usize::try_from(n) {
            Ok(n) if n <= left => {
                let bytes = &self.buf[self.pos..self.pos + n];
                self.pos += n;
                Ok(bytes)
            }
            _ => Err(self.error(ErrorKind::Truncated { wanted: n, left })),
        }
    }

    /// The bytes of a length-delimited value.
    pub(crate) fn bytes(&mut self) -> Result<&'a [u8], DecodeError> {
        let at = self.offset();
        let len = self.varint()?;
        self.take(len).map_err(|_| {
            let left = self.remaining().len();
            DecodeError::at(ErrorKind::Truncated { wanted: len, left }, at)
        })
    }

    /// A length-delimited UTF-8 string.
    pub(crate) fn str(&mut self) -> Result<&'a str, DecodeError> {
        let at = self.offset();
        let bytes = self.bytes()?;
        std::str::from_utf8(bytes).map_err(|e| DecodeError::at(ErrorKind::Utf8(e), at))
    }

    /// A reader over a length-delimited value (a nested message), keeping offsets.
    pub(crate) fn len_delimited(&mut self) -> Result<Reader<'a>, DecodeError> {
        let bytes = self.bytes()?;
        let base = self.offset() - bytes.len();
        Ok(Reader::with_base(bytes, base))
    }

    /// Checks a field's wire type against the one its type is written with.
    pub(crate) fn expect(&self, wire: WireType, expected: WireType) -> Result<(), DecodeError> {
        if wire == expected {
            Ok(())
        } else {
            Err(self.error(ErrorKind::WireType {
                expected,
                got: wire,
            }))
        }
    }

    /// Skips a value of an unknown field (one a newer server sends).
    pub(crate) fn skip(&mut self, wire: WireType) -> Result<(), DecodeError> {
        match wire {
            WireType::Varint => self.varint().map(drop),
            WireType::Fixed64 => self.take(8).map(drop),
            WireType::Len => self.bytes().map(drop),
            WireType::Fixed32 => self.take(4).map(drop),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_of_one_to_ten_bytes_decode() {
        let cases: &[(&[u8], u64)] = &[
            (&[0x00], 0),
            (&[0x01], 1),
            (&[0x7f], 127),
            (&[0x80, 0x01], 128),
            (&[0x80, 0xe2, 0xcf, 0xaa, 0x06], 1_700_000_000),
            (
                &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
                u64::MAX,
            ),
        ];
        for &(bytes, want) in cases {
            let mut r = Reader::new(bytes);
            assert_eq!(r.varint().unwrap(), want, "{bytes:x?}");
            assert!(r.is_empty());
        }
    }

    #[test]
    fn a_negative_int32_is_a_sign_extended_ten_byte_varint() {
        let bytes = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        assert_eq!(Reader::new(&bytes).varint().unwrap() as i64 as i32, -1);
        let bytes = [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        assert_eq!(Reader::new(&bytes).varint().unwrap() as i64 as i32, -2);
    }

    #[test]
    fn truncated_and_overlong_varints_are_errors_at_their_first_byte() {
        let mut r = Reader::with_base(&[0x05, 0x80, 0x80], 100);
        r.varint().unwrap();
        let error = r.varint().unwrap_err();
        assert!(matches!(error.kind(), ErrorKind::TruncatedVarint));
        assert_eq!(error.offset(), Some(101));
        let error = Reader::new(&[0x80; 11]).varint().unwrap_err();
        assert!(matches!(error.kind(), ErrorKind::VarintTooLong));
    }

    #[test]
    fn keys_split_into_field_number_and_wire_type() {
        let mut r = Reader::new(&[0x0a, 0x10, 0x8a, 0x01, 0x0d, 0x09]);
        assert_eq!(r.key().unwrap(), (1, WireType::Len));
        assert_eq!(r.key().unwrap(), (2, WireType::Varint));
        assert_eq!(r.key().unwrap(), (17, WireType::Len));
        assert_eq!(r.key().unwrap(), (1, WireType::Fixed32));
        assert_eq!(r.key().unwrap(), (1, WireType::Fixed64));
    }

    #[test]
    fn groups_unknown_wire_types_and_field_zero_are_errors() {
        let kind = |bytes: &[u8]| Reader::new(bytes).key().unwrap_err().kind().to_string();
        assert_eq!(
            kind(&[0x0b]),
            "wire type 3 is a group, which Kubernetes never writes"
        );
        assert_eq!(
            kind(&[0x0c]),
            "wire type 4 is a group, which Kubernetes never writes"
        );
        assert_eq!(kind(&[0x0e]), "unknown wire type 6");
        assert_eq!(kind(&[0x02]), "field number 0 is out of range");
        assert_eq!(
            kind(&[0xf8, 0xff, 0xff, 0xff, 0x7f]),
            "field number 4294967295 is out of range"
        );
    }

    #[test]
    fn length_delimited_values_borrow_the_buffer_and_keep_offsets() {
        let buf = [0x03, b'a', b'b', b'c', 0x02, 0x08, 0x01];
        let mut r = Reader::with_base(&buf, 10);
        assert_eq!(r.str().unwrap(), "abc");
        let mut nested = r.len_delimited().unwrap();
        assert_eq!(nested.offset(), 15);
        assert_eq!(nested.key().unwrap(), (1, WireType::Varint));
        assert_eq!(nested.varint().unwrap(), 1);
        assert!(nested.is_empty() && r.is_empty());
    }

    #[test]
    fn a_length_past_the_end_is_an_error_at_the_length() {
        let mut r = Reader::new(&[0x00, 0x05, b'a']);
        r.varint().unwrap();
        let error = r.bytes().unwrap_err();
        assert_eq!(error.to_string(), "5 bytes needed, 1 left at byte 1");
        let huge = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        assert!(Reader::new(&huge).bytes().is_err());
    }

    #[test]
    fn strings_must_be_utf8() {
        let error = Reader::new(&[0x02, 0xff, 0xfe]).str().unwrap_err();
        assert!(matches!(error.kind(), ErrorKind::Utf8(_)));
    }

    #[test]
    fn skip_passes_over_every_supported_wire_type() {
        let buf = [
            0x96, 0x01, // varint 150
            1, 2, 3, 4, 5, 6, 7, 8, // fixed64
            0x02, b'h', b'i', // length-delimited
            1, 2, 3, 4, // fixed32
        ];
        let mut r = Reader::new(&buf);
        for wire in [
            WireType::Varint,
            WireType::Fixed64,
            WireType::Len,
            WireType::Fixed32,
        ] {
            r.skip(wire).unwrap();
        }
        assert!(r.is_empty());
        assert!(Reader::new(&[1, 2, 3]).skip(WireType::Fixed32).is_err());
        assert!(Reader::new(&[1, 2, 3]).skip(WireType::Fixed64).is_err());
    }

    #[test]
    fn expect_names_both_wire_types() {
        let error = Reader::new(&[])
            .expect(WireType::Varint, WireType::Len)
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "expected wire type 2 (length-delimited), got 0 (varint) at byte 0"
        );
    }
}
