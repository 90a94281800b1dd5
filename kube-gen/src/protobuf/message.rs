//! The `Message` trait the generated decoders implement, the field loop, and the `Slot` traits
//! that let one generated line fill a required or an optional Rust field.

use super::error::DecodeError;
use super::wire::{Reader, WireType};

/// A protobuf message decoded field by field into a Rust type (a k8s-openapi struct).
///
/// The generated `merge_field` is one `match` on the field number calling a helper from
/// [`field`](super::field) per known field, and `r.skip(wire)?` for the rest, so fields a
/// newer server adds are ignored. A field that appears twice is merged as protobuf says:
/// the last scalar wins, messages merge, repeated fields append.
pub(crate) trait Message: Default {
    /// Reads the value of field `field`, written with `wire`, from `r` into `self`.
    fn merge_field(
        &mut self,
        field: u32,
        wire: WireType,
        r: &mut Reader<'_>,
    ) -> Result<(), DecodeError>;
}

/// Reads every field left in `r`, handing each to `merge`.
///
/// Errors get the failing field's number (and the name its arm gave with
/// [`FieldName::at`](super::error::FieldName::at)) added to their path.
///
/// `merge` sees the reader with its buffer's lifetime, so hand-written decoders (envelopes,
/// watch events) can keep slices of it without copying.
pub(crate) fn merge_fields<'a>(
    r: &mut Reader<'a>,
    mut merge: impl FnMut(u32, WireType, &mut Reader<'a>) -> Result<(), DecodeError>,
) -> Result<(), DecodeError> {
    while !r.is_empty() {
        let (field, wire) = r.key()?;
        merge(field, wire, r).map_err(|error| error.in_field(field))?;
    }
    Ok(())
}

/// Merges every field left in `r` into `message`.
pub(crate) fn merge<M: Message>(message: &mut M, r: &mut Reader<'_>) -> Result<(), DecodeError> {
    merge_fields(r, |field, wire, r| message.merge_field(field, wire, r))
}

/// Decodes a whole buffer as one message (no envelope; see [`envelope`](super::envelope)
/// for API responses).
#[cfg_attr(not(test), allow(dead_code))] // For tests.
pub(crate) fn decode<M: Message>(buf: &[u8]) -> Result<M, DecodeError> {
    decode_root(Reader::new(buf), short_type_name::<M>())
}

/// Decodes the rest of `r` as one message, naming it `root` in error paths.
pub(crate) fn decode_root<M: Message>(mut r: Reader<'_>, root: &str) -> Result<M, DecodeError> {
    let mut message = M::default();
    merge(&mut message, &mut r).map_err(|error| error.in_root(root))?;
    Ok(message)
}

/// `ConfigMap` for `k8s_openapi::api::core::v1::ConfigMap`.
#[cfg_attr(not(test), allow(dead_code))] // For tests.
fn short_type_name<M>() -> &'static str {
    let name = std::any::type_name::<M>();
    let path = name.split('<').next().unwrap_or(name);
    path.rsplit("::").next().unwrap_or(path)
}

/// A Rust field that a decoded value goes into: `T` itself when k8s-openapi makes the field
/// required, or `Option<T>` when it is optional.
///
/// Helpers are generic over the slot, so the generator emits the same line for both, and the
/// `T` ↔ `Option<T>` flips between Kubernetes versions need no version macros. The value type
/// picks the impl: `Option<String>` is a `Slot<String>` through the `Option` impl only.
pub(crate) trait Slot<T> {
    /// Stores a value that was on the wire.
    fn put(&mut self, value: T);

    /// Stores "JSON would have left this out": `None` for an optional field, `zero` (the Go
    /// zero value) for a required one.
    fn put_absent(&mut self, zero: T);

    /// The value to append or merge into, created empty if the field is `None`.
    fn slot(&mut self) -> &mut T
    where
        T: Default;
}

impl<T> Slot<T> for T {
    fn put(&mut self, value: T) {
        *self = value;
    }

    fn put_absent(&mut self, zero: T) {
        *self = zero;
    }

    fn slot(&mut self) -> &mut T {
        self
    }
}

impl<T> Slot<T> for Option<T> {
    fn put(&mut self, value: T) {
        *self = Some(value);
    }

    fn put_absent(&mut self, _zero: T) {
        *self = None;
    }

    fn slot(&mut self) -> &mut T
    where
        T: Default,
    {
        self.get_or_insert_with(T::default)
    }
}

/// A Rust field holding a message, required or optional.
///
/// [`Slot`] can't serve here: for `Option<M>` both `Slot<M>` and `Slot<Option<M>>` apply, and
/// a helper generic over "any message `M`" gives the compiler nothing to choose with. The
/// associated type names the message, so `field::message(&mut self.spec, ..)` infers.
pub(crate) trait MessageSlot {
    /// The message the field holds.
    type Message: Message;

    /// The message to merge into, created empty if the field is `None`.
    fn message(&mut self) -> &mut Self::Message;
}

impl<M: Message> MessageSlot for M {
    type Message = M;

    fn message(&mut self) -> &mut M {
        self
    }
}

impl<M: Message> MessageSlot for Option<M> {
    type Message = M;

    fn message(&mut self) -> &mut M {
        self.get_or_insert_with(M::default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protobuf::error::FieldName;
    use crate::protobuf::field;

    /// `message Pair { optional string name = 1; optional int64 count = 2; }`
    #[derive(Debug, Default, PartialEq)]
    struct Pair {
        name: Option<String>,
        count: i64,
    }

    impl Message for Pair {
        fn merge_field(
            &mut self,
            tag: u32,
            wire: WireType,
            r: &mut Reader<'_>,
        ) -> Result<(), DecodeError> {
            match tag {
                1 => field::string(&mut self.name, wire, r).at("name")?,
                2 => field::int64(&mut self.count, wire, r).at("count")?,
                _ => r.skip(wire)?,
            }
            Ok(())
        }
    }

    #[test]
    fn decode_reads_known_fields_skips_unknown_ones_and_keeps_the_last_scalar() {
        let buf = [
            0x0a, 0x01, b'a', // name = "a"
            0x18, 0x05, // unknown field 3
            0x22, 0x00, // unknown field 4, empty
            0x10, 0x07, // count = 7
            0x0a, 0x01, b'b', // name = "b" again
        ];
        let pair: Pair = decode(&buf).unwrap();
        assert_eq!(
            pair,
            Pair {
                name: Some("b".into()),
                count: 7
            }
        );
        assert_eq!(decode::<Pair>(&[]).unwrap(), Pair::default());
    }

    #[test]
    fn errors_name_the_type_and_field() {
        let error = decode::<Pair>(&[0x10, 0x80]).unwrap_err();
        assert_eq!(error.to_string(), "Pair.count: truncated varint at byte 1");
        let error = decode::<Pair>(&[0x08, 0x01]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "Pair.name: expected wire type 2 (length-delimited), got 0 (varint) at byte 1"
        );
    }

    #[test]
    fn slots_fill_required_and_optional_fields_alike() {
        fn fill<S: Slot<String>>(slot: &mut S, value: &str) {
            slot.put(value.to_owned());
        }
        let (mut required, mut optional) = (String::new(), None::<String>);
        fill(&mut required, "x");
        fill(&mut optional, "x");
        assert_eq!((required.as_str(), optional.as_deref()), ("x", Some("x")));

        optional.put_absent(String::new());
        assert_eq!(optional, None);
        let mut list = None::<Vec<i32>>;
        Slot::<Vec<i32>>::slot(&mut list).push(1);
        assert_eq!(list, Some(vec![1]));
    }

    #[test]
    fn message_slots_infer_the_message_from_required_and_optional_fields() {
        fn touch<S: MessageSlot>(slot: &mut S) -> &mut S::Message {
            slot.message()
        }
        let (mut required, mut optional) = (Pair::default(), None::<Pair>);
        touch(&mut required).count = 1;
        touch(&mut optional).count = 2;
        assert_eq!((required.count, optional.map(|p| p.count)), (1, Some(2)));
    }

    #[test]
    fn short_type_names_drop_the_path() {
        assert_eq!(short_type_name::<Pair>(), "Pair");
        assert_eq!(short_type_name::<Vec<Pair>>(), "Vec");
    }
}
