//! What the generator will emit for ConfigMap and the meta types it holds, written by hand
//! from `generated.proto` (field numbers) and `types.go` (pointer / `omitempty` / always):
//! one arm per field, the helper picked by the Go field, the JSON name for error paths.

use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    ManagedFieldsEntry, ObjectMeta, OwnerReference,
};

use crate::protobuf::{DecodeError, FieldName, Message, Reader, WireType, field};

impl Message for ConfigMap {
    fn merge_field(
        &mut self,
        tag: u32,
        wire: WireType,
        r: &mut Reader<'_>,
    ) -> Result<(), DecodeError> {
        match tag {
            1 => field::message(&mut self.metadata, wire, r).at("metadata")?, // ObjectMeta
            2 => field::map_string(&mut self.data, wire, r).at("data")?,      // map[string]string
            3 => field::map_bytes(&mut self.binary_data, wire, r).at("binaryData")?, // map[string][]byte
            4 => field::bool(&mut self.immutable, wire, r).at("immutable")?,         // *bool
            _ => {
                r.skip(wire)?;
            }
        }
        Ok(())
    }
}

impl Message for ObjectMeta {
    fn merge_field(
        &mut self,
        tag: u32,
        wire: WireType,
        r: &mut Reader<'_>,
    ) -> Result<(), DecodeError> {
        match tag {
            1 => field::string_omitempty(&mut self.name, wire, r).at("name")?,
            2 => field::string_omitempty(&mut self.generate_name, wire, r).at("generateName")?,
            3 => field::string_omitempty(&mut self.namespace, wire, r).at("namespace")?,
            4 => field::string_omitempty(&mut self.self_link, wire, r).at("selfLink")?,
            5 => field::string_omitempty(&mut self.uid, wire, r).at("uid")?,
            6 => field::string_omitempty(&mut self.resource_version, wire, r)
                .at("resourceVersion")?,
            7 => field::int64_omitempty(&mut self.generation, wire, r).at("generation")?,
            8 => field::time(&mut self.creation_timestamp, wire, r).at("creationTimestamp")?, // Time
            9 => field::time(&mut self.deletion_timestamp, wire, r).at("deletionTimestamp")?, // *Time
            10 => field::int64(&mut self.deletion_grace_period_seconds, wire, r)
                .at("deletionGracePeriodSeconds")?, // *int64
            11 => field::map_string(&mut self.labels, wire, r).at("labels")?,
            12 => field::map_string(&mut self.annotations, wire, r).at("annotations")?,
            13 => field::repeated_message(&mut self.owner_references, wire, r)
                .at("ownerReferences")?,
            14 => field::repeated_string(&mut self.finalizers, wire, r).at("finalizers")?,
            17 => field::repeated_message(&mut self.managed_fields, wire, r).at("managedFields")?,
            _ => {
                r.skip(wire)?;
            }
        }
        Ok(())
    }
}

impl Message for OwnerReference {
    fn merge_field(
        &mut self,
        tag: u32,
        wire: WireType,
        r: &mut Reader<'_>,
    ) -> Result<(), DecodeError> {
        match tag {
            1 => field::string(&mut self.kind, wire, r).at("kind")?, // string, no omitempty
            3 => field::string(&mut self.name, wire, r).at("name")?,
            4 => field::string(&mut self.uid, wire, r).at("uid")?,
            5 => field::string(&mut self.api_version, wire, r).at("apiVersion")?,
            6 => field::bool(&mut self.controller, wire, r).at("controller")?, // *bool
            7 => field::bool(&mut self.block_owner_deletion, wire, r).at("blockOwnerDeletion")?, // *bool
            _ => {
                r.skip(wire)?;
            }
        }
        Ok(())
    }
}

impl Message for ManagedFieldsEntry {
    fn merge_field(
        &mut self,
        tag: u32,
        wire: WireType,
        r: &mut Reader<'_>,
    ) -> Result<(), DecodeError> {
        match tag {
            1 => field::string_omitempty(&mut self.manager, wire, r).at("manager")?,
            2 => field::string_omitempty(&mut self.operation, wire, r).at("operation")?,
            3 => field::string_omitempty(&mut self.api_version, wire, r).at("apiVersion")?,
            4 => field::time(&mut self.time, wire, r).at("time")?, // *Time
            6 => field::string_omitempty(&mut self.fields_type, wire, r).at("fieldsType")?,
            7 => field::fields_v1(&mut self.fields_v1, wire, r).at("fieldsV1")?, // *FieldsV1
            8 => field::string_omitempty(&mut self.subresource, wire, r).at("subresource")?,
            _ => {
                r.skip(wire)?;
            }
        }
        Ok(())
    }
}
