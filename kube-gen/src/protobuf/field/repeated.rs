//! Repeated fields: one occurrence per element, or one packed run of varints.

use k8s_openapi::ByteString;

use super::scalar::{read_bytes, read_string};
use crate::protobuf::error::DecodeError;
use crate::protobuf::message::{Message, Slot, merge};
use crate::protobuf::wire::{Reader, WireType};

/// `repeated string`: each occurrence appends one element.
pub(crate) fn repeated_string<S: Slot<Vec<String>>>(
    slot: &mut S,
    wire: WireType,
    r: &mut Reader<'_>,
) -> Result<(), DecodeError> {
    let value = read_string(wire, r)?;
    slot.slot().push(value);
    Ok(())
}

/// `repeated bytes`: each occurrence appends one element.
#[allow(dead_code)] // A shape of k8s.io/api that core, apps and meta do not use.
pub(crate) fn repeated_bytes<S: Slot<Vec<ByteString>>>(
    slot: &mut S,
    wire: WireType,
    r: &mut Reader<'_>,
) -> Result<(), DecodeError> {
    let value = read_bytes(wire, r)?;
    slot.slot().push(value);
    Ok(())
}

/// Appends one varint, or a packed run of them: gogo writes Kubernetes' repeated scalars
/// unpacked, but a proto3-minded encoder may pack them, and both are valid.
fn varints(
    wire: WireType,
    r: &mut Reader<'_>,
    mut push: impl FnMut(u64),
) -> Result<(), DecodeError> {
    match wire {
        WireType::Len => {
            let mut packed = r.len_delimited()?;
            while !packed.is_empty() {
                push(packed.varint()?);
            }
            Ok(())
        }
        _ => {
            r.expect(wire, WireType::Varint)?;
            push(r.varint()?);
            Ok(())
        }
    }
}

/// `repeated int32`, packed or not.
#[allow(dead_code)] // A shape of k8s.io/api that core, apps and meta do not use.
pub(crate) fn repeated_int32<S: Slot<Vec<i32>>>(
    slot: &mut S,
    wire: WireType,
    r: &mut Reader<'_>,
) -> Result<(), DecodeError> {
    let values = slot.slot();
    varints(wire, r, |v| values.push(v as i32))
}

/// `repeated int64`, packed or not.
pub(crate) fn repeated_int64<S: Slot<Vec<i64>>>(
    slot: &mut S,
    wire: WireType,
    r: &mut Reader<'_>,
) -> Result<(), DecodeError> {
    let values = slot.slot();
    varints(wire, r, |v| values.push(v as i64))
}

/// `repeated SomeMessage`: each occurrence appends one element; errors name its index.
pub(crate) fn repeated_message<M: Message, S: Slot<Vec<M>>>(
    slot: &mut S,
    wire: WireType,
    r: &mut Reader<'_>,
) -> Result<(), DecodeError> {
    r.expect(wire, WireType::Len)?;
    let mut nested = r.len_delimited()?;
    let items = slot.slot();
    let mut item = M::default();
    merge(&mut item, &mut nested).map_err(|error| error.in_index(items.len()))?;
    items.push(item);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protobuf::error::FieldName;
    use crate::protobuf::field::{int32, string};
    use crate::protobuf::message::decode;

    #[derive(Debug, Default, PartialEq)]
    struct Item {
        n: i32,
    }

    impl Message for Item {
        fn merge_field(
            &mut self,
            tag: u32,
            wire: WireType,
            r: &mut Reader<'_>,
        ) -> Result<(), DecodeError> {
            match tag {
                1 => int32(&mut self.n, wire, r).at("n")?,
                _ => r.skip(wire)?,
            }
            Ok(())
        }
    }

    /// `message Lists { repeated string names = 1; repeated int32 ports = 2;
    /// repeated int64 ids = 3; repeated Item items = 4; repeated bytes blobs = 5;
    /// optional string tail = 6; }`, with k8s-openapi's optional and required shapes mixed.
    #[derive(Debug, Default, PartialEq)]
    struct Lists {
        names: Option<Vec<String>>,
        ports: Option<Vec<i32>>,
        ids: Vec<i64>,
        items: Option<Vec<Item>>,
        blobs: Option<Vec<ByteString>>,
        tail: Option<String>,
    }

    impl Message for Lists {
        fn merge_field(
            &mut self,
            tag: u32,
            wire: WireType,
            r: &mut Reader<'_>,
        ) -> Result<(), DecodeError> {
            match tag {
                1 => repeated_string(&mut self.names, wire, r).at("names")?,
                2 => repeated_int32(&mut self.ports, wire, r).at("ports")?,
                3 => repeated_int64(&mut self.ids, wire, r).at("ids")?,
                4 => repeated_message(&mut self.items, wire, r).at("items")?,
                5 => repeated_bytes(&mut self.blobs, wire, r).at("blobs")?,
                6 => string(&mut self.tail, wire, r).at("tail")?,
                _ => r.skip(wire)?,
            }
            Ok(())
        }
    }

    #[test]
    fn elements_append_in_wire_order_and_absent_lists_stay_none() {
        let buf = [
            0x0a, 0x01, b'a', 0x0a, 0x00, // names "a", ""
            0x10, 0x50, // ports 80 (unpacked)
            0x12, 0x03, 0xbb, 0x03, 0x01, // ports 443, 1 (packed)
            0x18, 0x01, 0x18, 0x02, // ids 1, 2
            0x22, 0x02, 0x08, 0x07, 0x22, 0x00, // items {n: 7}, {}
            0x2a, 0x01, 0xff, // blobs [0xff]
        ];
        let lists: Lists = decode(&buf).unwrap();
        let want = Lists {
            names: Some(vec!["a".into(), "".into()]),
            ports: Some(vec![80, 443, 1]),
            ids: vec![1, 2],
            items: Some(vec![Item { n: 7 }, Item { n: 0 }]),
            blobs: Some(vec![ByteString(vec![0xff])]),
            tail: None,
        };
        assert_eq!(lists, want);
        assert_eq!(decode::<Lists>(&[]).unwrap(), Lists::default());
    }

    #[test]
    fn packed_negative_int32s_are_ten_bytes_each() {
        let mut buf = vec![0x12, 20];
        for _ in 0..2 {
            buf.extend([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
        }
        let lists: Lists = decode(&buf).unwrap();
        assert_eq!(lists.ports, Some(vec![-1, -1]));
    }

    #[test]
    fn errors_name_the_element_and_wrong_wire_types_are_rejected() {
        let buf = [0x22, 0x00, 0x22, 0x02, 0x08, 0x80];
        let error = decode::<Lists>(&buf).unwrap_err();
        assert_eq!(
            error.to_string(),
            "Lists.items[1].n: truncated varint at byte 5"
        );
        assert!(
            decode::<Lists>(&[0x0d, 0, 0, 0, 0]).is_err(),
            "names as fixed32"
        );
        assert!(
            decode::<Lists>(&[0x12, 0x01, 0x80]).is_err(),
            "truncated packed run"
        );
        assert!(
            decode::<Lists>(&[0x15, 0, 0, 0, 0]).is_err(),
            "ports as fixed32"
        );
    }
}
