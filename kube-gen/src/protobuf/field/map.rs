//! `map<string, V>` fields: repeated entry messages with key = 1 and value = 2.

use std::collections::BTreeMap;

use k8s_openapi::ByteString;

use super::scalar::{bytes, message, string};
use crate::protobuf::error::{DecodeError, FieldName};
use crate::protobuf::message::{Message, Slot, merge_fields};
use crate::protobuf::wire::{Reader, WireType};

/// Reads one entry into the map; a missing key or value is its type's default, as in every
/// protobuf decoder, and a repeated key keeps the last value.
fn entry<V: Default, S: Slot<BTreeMap<String, V>>>(
    slot: &mut S,
    wire: WireType,
    r: &mut Reader<'_>,
    mut value: impl FnMut(&mut V, WireType, &mut Reader<'_>) -> Result<(), DecodeError>,
) -> Result<(), DecodeError> {
    r.expect(wire, WireType::Len)?;
    let mut fields = r.len_delimited()?;
    let (mut k, mut v) = (String::new(), V::default());
    merge_fields(&mut fields, |field, wire, r| match field {
        1 => string(&mut k, wire, r).at("key"),
        2 => value(&mut v, wire, r).at("value"),
        _ => r.skip(wire),
    })?;
    slot.slot().insert(k, v);
    Ok(())
}

/// `map<string, string>` (labels, annotations, ConfigMap.data, ...).
pub(crate) fn map_string<S: Slot<BTreeMap<String, String>>>(
    slot: &mut S,
    wire: WireType,
    r: &mut Reader<'_>,
) -> Result<(), DecodeError> {
    entry(slot, wire, r, string)
}

/// `map<string, bytes>` (ConfigMap.binaryData, Secret.data).
pub(crate) fn map_bytes<S: Slot<BTreeMap<String, ByteString>>>(
    slot: &mut S,
    wire: WireType,
    r: &mut Reader<'_>,
) -> Result<(), DecodeError> {
    entry(slot, wire, r, bytes)
}

/// `map<string, SomeMessage>` (`ResourceList` is `map<string, Quantity>`).
pub(crate) fn map_message<M: Message, S: Slot<BTreeMap<String, M>>>(
    slot: &mut S,
    wire: WireType,
    r: &mut Reader<'_>,
) -> Result<(), DecodeError> {
    entry(slot, wire, r, message)
}

#[cfg(test)]
mod tests {
    use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

    use super::*;
    use crate::protobuf::message::decode;

    /// `message Maps { map<string, string> labels = 1; map<string, bytes> blobs = 2;
    /// map<string, Quantity> limits = 3; }`
    #[derive(Debug, Default, PartialEq)]
    struct Maps {
        labels: Option<BTreeMap<String, String>>,
        blobs: Option<BTreeMap<String, ByteString>>,
        limits: BTreeMap<String, Quantity>,
    }

    impl Message for Maps {
        fn merge_field(
            &mut self,
            tag: u32,
            wire: WireType,
            r: &mut Reader<'_>,
        ) -> Result<(), DecodeError> {
            match tag {
                1 => map_string(&mut self.labels, wire, r).at("labels")?,
                2 => map_bytes(&mut self.blobs, wire, r).at("blobs")?,
                3 => map_message(&mut self.limits, wire, r).at("limits")?,
                _ => r.skip(wire)?,
            }
            Ok(())
        }
    }

    #[test]
    fn entries_fill_the_map_with_defaults_for_missing_parts_and_the_last_value_winning() {
        let buf = [
            0x0a, 0x06, 0x0a, 0x01, b'a', 0x12, 0x01, b'1', // labels a=1
            0x0a, 0x03, 0x0a, 0x01, b'b', // labels b (no value)
            0x0a, 0x03, 0x12, 0x01, b'z', // labels ""=z (no key)
            0x0a, 0x08, 0x12, 0x01, b'2', 0x18, 0x01, 0x0a, 0x01,
            b'a', // a=2, value first, an unknown field
            0x12, 0x06, 0x0a, 0x01, b'k', 0x12, 0x01, 0xff, // blobs k=[ff]
            0x1a, 0x09, 0x0a, 0x03, b'c', b'p', b'u', 0x12, 0x02, 0x0a,
            0x00, // limits cpu={string: ""}
        ];
        let maps: Maps = decode(&buf).unwrap();
        let labels = [("a", "2"), ("b", ""), ("", "z")];
        let want = Maps {
            labels: Some(labels.map(|(k, v)| (k.into(), v.into())).into()),
            blobs: Some([("k".into(), ByteString(vec![0xff]))].into()),
            limits: [("cpu".into(), Quantity(String::new()))].into(),
        };
        assert_eq!(maps, want);
        assert_eq!(decode::<Maps>(&[]).unwrap(), Maps::default());
    }

    #[test]
    fn errors_say_whether_the_key_or_the_value_was_bad() {
        let error = decode::<Maps>(&[0x0a, 0x03, 0x12, 0x01, 0xff]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "Maps.labels.value: string is not UTF-8 at byte 3"
        );
        let error = decode::<Maps>(&[0x0a, 0x02, 0x08, 0x01]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "Maps.labels.key: expected wire type 2 (length-delimited), got 0 (varint) at byte 3"
        );
        assert!(decode::<Maps>(&[0x08, 0x01]).is_err(), "a map as a varint");
    }
}
