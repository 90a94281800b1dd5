//! The per-field helpers generated `merge_field` arms call, one per proto shape.
//!
//! Every helper takes the Rust field (any [`Slot`](super::message::Slot) or
//! [`MessageSlot`](super::message::MessageSlot): `T` or `Option<T>`), the wire type from the
//! key and the reader, checks the wire type, and stores the value.
//!
//! # Presence
//!
//! gogo's marshallers write every non-pointer Go field, zero or not, so proto2's `optional`
//! says nothing about JSON. The Go field decides, and the generator picks the helper from it:
//!
//! - **Go pointer** (`*int32`, `*bool`, `*string`): on the wire means set, even to zero, as
//!   JSON has it: `string`, `int32`, ... store `Some(0)`.
//! - **Go value with `omitempty`**: JSON leaves out the zero value, so the `_omitempty`
//!   helpers store `None` for `""`, `0`, `false` or empty bytes.
//! - **Go value without `omitempty`**: always written and always in JSON: the same helpers
//!   as for pointers.
//!
//! Messages, maps, repeated fields and the apimachinery types have one helper each: value
//! structs are always in JSON (`omitempty` never drops a struct), empty maps and lists are
//! never on the wire, and `Time`'s zero value is written as an empty message that JSON writes
//! as `null`.

mod map;
mod repeated;
mod scalar;
mod special;

pub(crate) use map::{map_bytes, map_message, map_string};
// The whole helper table: a few shapes of k8s.io/api appear in no core, apps or meta field.
#[allow(unused_imports)]
pub(crate) use repeated::{
    repeated_bytes, repeated_int32, repeated_int64, repeated_message, repeated_string,
};
#[allow(unused_imports)]
pub(crate) use scalar::{
    bool, bool_omitempty, bytes, bytes_omitempty, inline, int32, int32_omitempty, int64,
    int64_omitempty, message, string, string_omitempty,
};
pub(crate) use special::{fields_v1, int_or_string, micro_time, raw_bytes, raw_extension, time};
