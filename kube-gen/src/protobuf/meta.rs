//! Hand-written decoders for the meta types every response carries: runtime.TypeMeta,
//! ListMeta and Status, in the shape the generator emits for the rest.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    ListMeta, Status, StatusCause, StatusDetails,
};

use super::error::{DecodeError, FieldName};
use super::field;
use super::message::Message;
use super::wire::{Reader, WireType};

/// `runtime.TypeMeta` from the envelope. Not meta.v1.TypeMeta: here apiVersion is 1 and kind
/// is 2.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct TypeMeta {
    pub(crate) api_version: String,
    pub(crate) kind: String,
}

impl Message for TypeMeta {
    fn merge_field(
        &mut self,
        tag: u32,
        wire: WireType,
        r: &mut Reader<'_>,
    ) -> Result<(), DecodeError> {
        match tag {
            1 => field::string(&mut self.api_version, wire, r).at("apiVersion")?,
            2 => field::string(&mut self.kind, wire, r).at("kind")?,
            _ => r.skip(wire)?,
        }
        Ok(())
    }
}

impl Message for ListMeta {
    fn merge_field(
        &mut self,
        tag: u32,
        wire: WireType,
        r: &mut Reader<'_>,
    ) -> Result<(), DecodeError> {
        match tag {
            1 => field::string_omitempty(&mut self.self_link, wire, r).at("selfLink")?,
            2 => field::string_omitempty(&mut self.resource_version, wire, r)
                .at("resourceVersion")?,
            3 => field::string_omitempty(&mut self.continue_, wire, r).at("continue")?,
            4 => field::int64(&mut self.remaining_item_count, wire, r).at("remainingItemCount")?,
            _ => {
                k8s_openapi::k8s_if_ge_1_36! {
                    if tag == 5 {
                        field::message(&mut self.shard_info, wire, r).at("shardInfo")?;
                        return Ok(());
                    }
                }
                r.skip(wire)?;
            }
        }
        Ok(())
    }
}

k8s_openapi::k8s_if_ge_1_36! {
    impl Message for k8s_openapi::apimachinery::pkg::apis::meta::v1::ShardInfo {
        fn merge_field(&mut self, tag: u32, wire: WireType, r: &mut Reader<'_>) -> Result<(), DecodeError> {
            match tag {
                1 => field::string(&mut self.selector, wire, r).at("selector")?,
                _ => r.skip(wire)?,
            }
            Ok(())
        }
    }
}

impl Message for Status {
    fn merge_field(
        &mut self,
        tag: u32,
        wire: WireType,
        r: &mut Reader<'_>,
    ) -> Result<(), DecodeError> {
        match tag {
            1 => field::message(&mut self.metadata, wire, r).at("metadata")?,
            2 => field::string_omitempty(&mut self.status, wire, r).at("status")?,
            3 => field::string_omitempty(&mut self.message, wire, r).at("message")?,
            4 => field::string_omitempty(&mut self.reason, wire, r).at("reason")?,
            5 => field::message(&mut self.details, wire, r).at("details")?,
            6 => field::int32_omitempty(&mut self.code, wire, r).at("code")?,
            _ => r.skip(wire)?,
        }
        Ok(())
    }
}

impl Message for StatusDetails {
    fn merge_field(
        &mut self,
        tag: u32,
        wire: WireType,
        r: &mut Reader<'_>,
    ) -> Result<(), DecodeError> {
        match tag {
            1 => field::string_omitempty(&mut self.name, wire, r).at("name")?,
            2 => field::string_omitempty(&mut self.group, wire, r).at("group")?,
            3 => field::string_omitempty(&mut self.kind, wire, r).at("kind")?,
            4 => field::repeated_message(&mut self.causes, wire, r).at("causes")?,
            5 => field::int32_omitempty(&mut self.retry_after_seconds, wire, r)
                .at("retryAfterSeconds")?,
            6 => field::string_omitempty(&mut self.uid, wire, r).at("uid")?,
            _ => r.skip(wire)?,
        }
        Ok(())
    }
}

impl Message for StatusCause {
    fn merge_field(
        &mut self,
        tag: u32,
        wire: WireType,
        r: &mut Reader<'_>,
    ) -> Result<(), DecodeError> {
        match tag {
            1 => field::string_omitempty(&mut self.reason, wire, r).at("reason")?,
            2 => field::string_omitempty(&mut self.message, wire, r).at("message")?,
            3 => field::string_omitempty(&mut self.field, wire, r).at("field")?,
            _ => r.skip(wire)?,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protobuf::message::decode;

    #[test]
    fn list_meta_keeps_a_zero_remaining_item_count_and_drops_empty_strings() {
        // selfLink "", resourceVersion "9", continue "", remainingItemCount 0
        let buf = b"\x0a\x00\x12\x019\x1a\x00\x20\x00";
        let meta: ListMeta = decode(buf).unwrap();
        let want = ListMeta {
            resource_version: Some("9".into()),
            remaining_item_count: Some(0),
            ..ListMeta::default()
        };
        assert_eq!(meta, want);
    }

    #[test]
    fn status_fills_details_and_causes() {
        let buf = [
            0x0a, 0x00, // metadata {}
            0x12, 0x07, b'F', b'a', b'i', b'l', b'u', b'r', b'e', // status
            0x22, 0x08, b'N', b'o', b't', b'F', b'o', b'u', b'n', b'd', // reason
            0x2a, 0x0a, 0x0a, 0x01, b'x', 0x22, 0x05, 0x1a, 0x03, b'a', b'.', b'b', // details
            0x30, 0x94, 0x03, // code 404
        ];
        let status: Status = decode(&buf).unwrap();
        let want = Status {
            status: Some("Failure".into()),
            reason: Some("NotFound".into()),
            details: Some(StatusDetails {
                name: Some("x".into()),
                causes: Some(vec![StatusCause {
                    field: Some("a.b".into()),
                    ..StatusCause::default()
                }]),
                ..StatusDetails::default()
            }),
            code: Some(404),
            ..Status::default()
        };
        assert_eq!(status, want);
    }

    #[test]
    fn runtime_type_meta_has_api_version_first() {
        let meta: TypeMeta = decode(b"\x0a\x02v1\x12\x06Status").unwrap();
        assert_eq!(
            (meta.api_version.as_str(), meta.kind.as_str()),
            ("v1", "Status")
        );
    }
}
