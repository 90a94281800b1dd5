//! Kubernetes protobuf (`application/vnd.kubernetes.protobuf`) list and watch bodies of
//! built-in kinds, decoded straight into k8s-openapi's types.
//!
//! This is the hand-written runtime; the per-type decoders are generated from the
//! `generated.proto` files and Go `types.go` tags (docs/design/protobuf.md). A generated
//! decoder is one [`Message`] impl per k8s-openapi struct:
//!
//! ```text
//! impl Message for k8s_openapi::api::core::v1::ConfigMap {
//!     fn merge_field(&mut self, tag: u32, wire: WireType, r: &mut Reader<'_>) -> Result<(), DecodeError> {
//!         match tag {
//!             1 => field::message(&mut self.metadata, wire, r).at("metadata")?,
//!             2 => field::map_string(&mut self.data, wire, r).at("data")?,
//!             3 => field::map_bytes(&mut self.binary_data, wire, r).at("binaryData")?,
//!             4 => field::bool(&mut self.immutable, wire, r).at("immutable")?,
//!             _ => {
//!                 // Fields only some Kubernetes versions have (match arms can't be macros):
//!                 // k8s_openapi::k8s_if_ge_1_34! { if tag == 5 { ...; return Ok(()); } }
//!                 r.skip(wire)?;
//!             }
//!         }
//!         Ok(())
//!     }
//! }
//! ```
//!
//! - [`wire`]: the zero-copy [`Reader`] (varints, keys, length-delimited values, skip).
//! - [`message`]: [`Message`], the field loop, and [`Slot`]/[`MessageSlot`], which let one
//!   generated line fill a `T` or an `Option<T>` field.
//! - [`field`]: the helper per proto shape and Go presence rule (pointer, `omitempty`,
//!   always), including Time, Quantity, IntOrString, RawExtension and FieldsV1.
//! - [`envelope`]: the `k8s\0` + `runtime.Unknown` envelope, GET/LIST bodies and Status.
//! - [`watch`]: watch frames ([`FrameBuffer`]) and events into `WatchEvent<T>`.
//! - [`meta`]: decoders for ListMeta, Status and the envelope's TypeMeta.
//!
//! Bad input is an error, never a panic: every [`DecodeError`] names the field path and
//! byte offset (`ConfigMapList.items[3].metadata.labels: truncated varint at byte 812`).

mod codec;
mod envelope;
mod error;
pub(crate) mod field;
mod generated;
mod message;
mod meta;
mod watch;
mod wire;

#[cfg(test)]
mod tests;

pub use codec::ProtobufKind;
pub(crate) use codec::{Codec, find as find_codec, register};
pub(crate) use envelope::decode_status;
pub(crate) use error::{DecodeError, FieldName};
pub(crate) use message::{Message, Slot, merge};
pub(crate) use watch::FrameBuffer;
pub(crate) use wire::{Reader, WireType};
#[cfg(test)]
pub(crate) use {
    envelope::{decode_list, decode_object, open},
    message::decode,
    watch::decode_event,
};
