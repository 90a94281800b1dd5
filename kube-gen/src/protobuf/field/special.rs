//! apimachinery's own wire types: Time, MicroTime, Quantity, IntOrString, RawExtension and
//! FieldsV1, decoded into k8s-openapi's types for them.

use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{FieldsV1, MicroTime, Time};
use k8s_openapi::apimachinery::pkg::runtime::RawExtension;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use k8s_openapi::jiff::Timestamp;

use super::scalar::{int32, int64, string};
use crate::protobuf::error::{DecodeError, ErrorKind, FieldName};
use crate::protobuf::message::{Message, Slot, merge, merge_fields};
use crate::protobuf::wire::{Reader, WireType};

/// Go's zero `time.Time` (0001-01-01T00:00:00Z), for a required Time field whose message is
/// empty.
const GO_ZERO_TIME: Timestamp = Timestamp::constant(-62_135_596_800, 0);

/// `meta.v1.Timestamp`, the wire form of Time and MicroTime:
/// `{ optional int64 seconds = 1; optional int32 nanos = 2; }`.
#[derive(Default)]
struct Seconds {
    seconds: i64,
    nanos: i32,
}

impl Message for Seconds {
    fn merge_field(
        &mut self,
        tag: u32,
        wire: WireType,
        r: &mut Reader<'_>,
    ) -> Result<(), DecodeError> {
        match tag {
            1 => int64(&mut self.seconds, wire, r).at("seconds")?,
            2 => int32(&mut self.nanos, wire, r).at("nanos")?,
            _ => r.skip(wire)?,
        }
        Ok(())
    }
}

/// Reads a Time-shaped message; `None` for the empty message Go writes for the zero time.
fn timestamp(
    wire: WireType,
    r: &mut Reader<'_>,
    keep_nanos: fn(i32) -> i32,
) -> Result<Option<Timestamp>, DecodeError> {
    r.expect(wire, WireType::Len)?;
    let mut nested = r.len_delimited()?;
    if nested.is_empty() {
        return Ok(None);
    }
    let at = nested.offset();
    let mut time = Seconds::default();
    merge(&mut time, &mut nested)?;
    let (seconds, nanos) = (time.seconds, keep_nanos(time.nanos));
    Timestamp::new(seconds, nanos)
        .map(Some)
        .map_err(|_| DecodeError::at(ErrorKind::TimeOutOfRange { seconds, nanos }, at))
}

/// `meta.v1.Time`, whole seconds: Go's decoder drops `nanos` too (time_proto.go), as JSON
/// carries none. An empty message (Go's zero time, `null` in JSON) is `None`.
pub(crate) fn time<S: Slot<Time>>(
    slot: &mut S,
    wire: WireType,
    r: &mut Reader<'_>,
) -> Result<(), DecodeError> {
    match timestamp(wire, r, |_| 0)? {
        Some(at) => slot.put(Time(at)),
        None => slot.put_absent(Time(GO_ZERO_TIME)),
    }
    Ok(())
}

/// `meta.v1.MicroTime`: nanos cut to microseconds, as Go's decoder and JSON do. An empty
/// message is `None`.
pub(crate) fn micro_time<S: Slot<MicroTime>>(
    slot: &mut S,
    wire: WireType,
    r: &mut Reader<'_>,
) -> Result<(), DecodeError> {
    match timestamp(wire, r, |nanos| nanos - nanos % 1000)? {
        Some(at) => slot.put(MicroTime(at)),
        None => slot.put_absent(MicroTime(GO_ZERO_TIME)),
    }
    Ok(())
}

/// `resource.Quantity` is `{ optional string string = 1; }`, holding the canonical form JSON
/// has too; as a [`Message`] it works with `field::message` and `field::map_message`.
impl Message for Quantity {
    fn merge_field(
        &mut self,
        tag: u32,
        wire: WireType,
        r: &mut Reader<'_>,
    ) -> Result<(), DecodeError> {
        match tag {
            1 => string(&mut self.0, wire, r).at("string")?,
            _ => r.skip(wire)?,
        }
        Ok(())
    }
}

/// `intstr.IntOrString`: `{ optional int64 type = 1; optional int32 intVal = 2;
/// optional string strVal = 3; }`.
#[derive(Default)]
struct IntOrStringFields {
    kind: i64,
    int_val: i32,
    str_val: String,
}

impl Message for IntOrStringFields {
    fn merge_field(
        &mut self,
        tag: u32,
        wire: WireType,
        r: &mut Reader<'_>,
    ) -> Result<(), DecodeError> {
        match tag {
            1 => int64(&mut self.kind, wire, r).at("type")?,
            2 => int32(&mut self.int_val, wire, r).at("intVal")?,
            3 => string(&mut self.str_val, wire, r).at("strVal")?,
            _ => r.skip(wire)?,
        }
        Ok(())
    }
}

/// `intstr.IntOrString` (always a message, even where the Go tag says `varint`).
pub(crate) fn int_or_string<S: Slot<IntOrString>>(
    slot: &mut S,
    wire: WireType,
    r: &mut Reader<'_>,
) -> Result<(), DecodeError> {
    r.expect(wire, WireType::Len)?;
    let mut nested = r.len_delimited()?;
    let at = nested.offset();
    let mut fields = IntOrStringFields::default();
    merge(&mut fields, &mut nested)?;
    slot.put(match fields.kind {
        0 => IntOrString::Int(fields.int_val),
        1 => IntOrString::String(fields.str_val),
        other => return Err(DecodeError::at(ErrorKind::IntOrStringType(other), at)),
    });
    Ok(())
}

/// The bytes of a `{ optional bytes raw = 1; }` message (RawExtension, FieldsV1), as a reader
/// that keeps offsets; `None` when they are absent or empty.
pub(crate) fn raw_bytes<'a>(
    wire: WireType,
    r: &mut Reader<'a>,
) -> Result<Option<Reader<'a>>, DecodeError> {
    r.expect(wire, WireType::Len)?;
    let mut nested = r.len_delimited()?;
    let mut raw = None;
    merge_fields(&mut nested, |field, wire, r| match field {
        1 => r
            .expect(wire, WireType::Len)
            .and_then(|()| r.len_delimited())
            .map(|bytes| raw = Some(bytes))
            .at("raw"),
        _ => r.skip(wire),
    })?;
    Ok(raw.filter(|raw| !raw.is_empty()))
}

/// Parses raw bytes as JSON; `null` if there are none (Go's JSON for a nil Raw).
fn json(wire: WireType, r: &mut Reader<'_>) -> Result<Option<serde_json::Value>, DecodeError> {
    let Some(raw) = raw_bytes(wire, r)? else {
        return Ok(None);
    };
    serde_json::from_slice(raw.remaining())
        .map(Some)
        .map_err(|error| raw.error(ErrorKind::NotJson(error)))
}

/// `runtime.RawExtension`: its bytes must be JSON (what the apiserver stores for built-in
/// kinds); empty is `None`.
pub(crate) fn raw_extension<S: Slot<RawExtension>>(
    slot: &mut S,
    wire: WireType,
    r: &mut Reader<'_>,
) -> Result<(), DecodeError> {
    match json(wire, r)? {
        Some(value) => slot.put(RawExtension(value)),
        None => slot.put_absent(RawExtension(serde_json::Value::Null)),
    }
    Ok(())
}

/// `meta.v1.FieldsV1` (managedFields): JSON bytes; empty is `None`.
pub(crate) fn fields_v1<S: Slot<FieldsV1>>(
    slot: &mut S,
    wire: WireType,
    r: &mut Reader<'_>,
) -> Result<(), DecodeError> {
    match json(wire, r)? {
        Some(value) => slot.put(FieldsV1(value)),
        None => slot.put_absent(FieldsV1(serde_json::Value::Null)),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const LEN: WireType = WireType::Len;

    fn run<S: Default>(
        value: &[u8],
        helper: fn(&mut S, WireType, &mut Reader<'_>) -> Result<(), DecodeError>,
    ) -> Result<S, DecodeError> {
        let mut slot = S::default();
        let mut r = Reader::new(value);
        helper(&mut slot, LEN, &mut r)?;
        assert!(r.is_empty(), "the helper read the whole value");
        Ok(slot)
    }

    /// `seconds` as a Time message, with `nanos` if non-zero.
    fn timestamp_bytes(seconds: u64, nanos: u32) -> Vec<u8> {
        let mut inner = vec![0x08];
        push_varint(&mut inner, seconds);
        if nanos != 0 {
            inner.push(0x10);
            push_varint(&mut inner, u64::from(nanos));
        }
        let mut out = vec![inner.len() as u8];
        out.extend(inner);
        out
    }

    fn push_varint(out: &mut Vec<u8>, mut v: u64) {
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }

    #[test]
    fn time_is_whole_seconds_and_the_empty_message_is_none_or_go_zero() {
        let bytes = timestamp_bytes(1_700_000_000, 123_456_789);
        let got = run(&bytes, time::<Option<Time>>).unwrap();
        assert_eq!(
            got,
            Some(Time(Timestamp::from_second(1_700_000_000).unwrap()))
        );
        assert_eq!(run(b"\x00", time::<Option<Time>>).unwrap(), None);
        let mut required = Time(Timestamp::UNIX_EPOCH);
        time(&mut required, LEN, &mut Reader::new(b"\x00")).unwrap();
        assert_eq!(required.0.to_string(), "0001-01-01T00:00:00Z");
    }

    #[test]
    fn micro_time_keeps_microseconds() {
        let bytes = timestamp_bytes(1_700_000_000, 123_456_789);
        let got = run(&bytes, micro_time::<Option<MicroTime>>)
            .unwrap()
            .unwrap();
        assert_eq!(got.0, Timestamp::new(1_700_000_000, 123_456_000).unwrap());
        assert_eq!(run(b"\x00", micro_time::<Option<MicroTime>>).unwrap(), None);
    }

    #[test]
    fn times_out_of_range_and_malformed_are_errors() {
        let far = timestamp_bytes(i64::MAX as u64, 0);
        let error = run(&far, time::<Option<Time>>).unwrap_err();
        assert!(
            matches!(error.kind(), ErrorKind::TimeOutOfRange { .. }),
            "{error}"
        );
        assert!(run(b"\x02\x08\x80", time::<Option<Time>>).is_err());
        let mut slot = None::<Time>;
        assert!(time(&mut slot, WireType::Varint, &mut Reader::new(b"\x00")).is_err());
    }

    #[test]
    fn quantities_are_their_string() {
        use crate::protobuf::field::message;
        let got = run(b"\x06\x0a\x04500m", message::<Option<Quantity>>).unwrap();
        assert_eq!(got, Some(Quantity("500m".into())));
    }

    #[test]
    fn int_or_string_follows_its_type_field() {
        // What Go writes for intstr.FromInt(3) and intstr.FromString("25%").
        let int = b"\x06\x08\x00\x10\x03\x1a\x00";
        assert_eq!(
            run(int, int_or_string::<Option<IntOrString>>).unwrap(),
            Some(IntOrString::Int(3))
        );
        let string = b"\x09\x08\x01\x10\x00\x1a\x0325%";
        let want = IntOrString::String("25%".into());
        assert_eq!(run(string, int_or_string::<IntOrString>).unwrap(), want);
        let error = run(b"\x02\x08\x02", int_or_string::<IntOrString>).unwrap_err();
        assert!(matches!(error.kind(), ErrorKind::IntOrStringType(2)));
    }

    #[test]
    fn raw_extensions_and_fields_v1_parse_their_json() {
        let bytes = b"\x09\x0a\x07{\"a\":1}";
        let got = run(bytes, raw_extension::<Option<RawExtension>>).unwrap();
        assert_eq!(got, Some(RawExtension(json!({"a": 1}))));
        let got = run(bytes, fields_v1::<Option<FieldsV1>>).unwrap();
        assert_eq!(got, Some(FieldsV1(json!({"a": 1}))));
        assert_eq!(
            run(b"\x00", raw_extension::<Option<RawExtension>>).unwrap(),
            None
        );
        assert_eq!(
            run(b"\x02\x0a\x00", fields_v1::<Option<FieldsV1>>).unwrap(),
            None
        );
        assert_eq!(
            run(b"\x00", raw_extension::<RawExtension>).unwrap().0,
            json!(null)
        );
    }

    #[test]
    fn raw_bytes_that_are_not_json_are_an_error_at_their_start() {
        // CBOR's self-describe tag, then a map: what a CBOR-storing server might send.
        let error = run(
            b"\x06\x0a\x04\xd9\xd9\xf7\xa0",
            fields_v1::<Option<FieldsV1>>,
        )
        .unwrap_err();
        assert!(matches!(error.kind(), ErrorKind::NotJson(_)));
        assert_eq!(error.offset(), Some(3));
    }
}
