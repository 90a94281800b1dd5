//! Each fixture decoded from protobuf equals the same object decoded from the JSON the Go
//! program wrote next to it (`testdata/gen`, apimachinery v0.33.13's serializers).

use k8s_openapi::List;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Status, WatchEvent};

use crate::protobuf::{FrameBuffer, decode_event, decode_list, decode_object, decode_status};

pub(super) const CONFIG_MAP_PB: &[u8] = include_bytes!("../testdata/configmap.pb");
const CONFIG_MAP_JSON: &[u8] = include_bytes!("../testdata/configmap.json");
pub(super) const LIST_PB: &[u8] = include_bytes!("../testdata/configmap_list.pb");
const LIST_JSON: &[u8] = include_bytes!("../testdata/configmap_list.json");
pub(super) const WATCH_PB: &[u8] = include_bytes!("../testdata/watch.pb");
const WATCH_JSON: &str = include_str!("../testdata/watch.json");
pub(super) const STATUS_PB: &[u8] = include_bytes!("../testdata/status.pb");
const STATUS_JSON: &[u8] = include_bytes!("../testdata/status.json");

/// The frame bodies of the watch fixture, fed to the buffer in small uneven chunks.
pub(super) fn watch_frames() -> Vec<bytes::Bytes> {
    let mut frames = FrameBuffer::default();
    let mut out = Vec::new();
    for chunk in WATCH_PB.chunks(7) {
        frames.push(chunk);
        out.extend(std::iter::from_fn(|| frames.next_frame()));
    }
    assert_eq!(frames.buffered(), 0, "the stream ends on a frame boundary");
    out
}

#[test]
fn a_config_map_with_every_field_set_decodes_as_its_json_does() {
    let decoded: ConfigMap = decode_object(CONFIG_MAP_PB, "ConfigMap").unwrap();
    let want: ConfigMap = serde_json::from_slice(CONFIG_MAP_JSON).unwrap();
    assert_eq!(decoded, want);

    // The presence rules this depends on, spelled out.
    let meta = &decoded.metadata;
    assert_eq!(decoded.immutable, Some(false), "*bool false is set");
    assert_eq!(
        meta.deletion_grace_period_seconds,
        Some(0),
        "*int64 0 is set"
    );
    let owner = &meta.owner_references.as_ref().unwrap()[0];
    assert_eq!(owner.block_owner_deletion, Some(false));
    assert_eq!(meta.generate_name, None, "omitempty \"\" is None");
    assert_eq!(
        meta.annotations.as_ref().unwrap()["empty"],
        "",
        "map values keep \"\""
    );
    let binary = decoded.binary_data.as_ref().unwrap();
    assert_eq!(binary["blob"].0, [0x00, 0xff, 0xfe, 0x80, 0x0a]);
    assert!(binary["none"].0.is_empty());
    let managed = meta.managed_fields.as_ref().unwrap();
    assert_eq!(managed.len(), 2);
    assert!(
        managed[0]
            .fields_v1
            .as_ref()
            .unwrap()
            .0
            .get("f:data")
            .is_some()
    );
}

#[test]
fn a_config_map_list_decodes_as_its_json_does() {
    let decoded = decode_list::<ConfigMap>(LIST_PB, "ConfigMapList").unwrap();
    let want: List<ConfigMap> = serde_json::from_slice(LIST_JSON).unwrap();
    assert_eq!(decoded.metadata, want.metadata);
    assert_eq!(decoded.items, want.items);

    assert_eq!(decoded.metadata.remaining_item_count, Some(0), "a pointer");
    assert_eq!(decoded.metadata.self_link, None);
    let minimal = &decoded.items[1];
    assert_eq!(minimal.metadata.name.as_deref(), Some("minimal"));
    assert_eq!(
        minimal.metadata.creation_timestamp, None,
        "zero Time is an empty message"
    );
    assert_eq!(minimal.metadata.generation, None, "omitempty 0 is None");
    assert_eq!((minimal.data.as_ref(), minimal.immutable), (None, None));
}

#[test]
fn a_watch_stream_of_every_event_type_decodes_as_its_json_does() {
    let frames = watch_frames();
    let decoded: Vec<WatchEvent<ConfigMap>> = frames
        .iter()
        .map(|frame| decode_event(frame, "ConfigMap").unwrap())
        .collect();
    let want: Vec<WatchEvent<ConfigMap>> = WATCH_JSON
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(decoded.len(), 5);
    assert_eq!(decoded, want);

    assert!(
        matches!(&decoded[0], WatchEvent::Added(cm) if cm.metadata.name.as_deref() == Some("settings"))
    );
    assert!(
        matches!(&decoded[1], WatchEvent::Modified(cm) if cm.data.as_ref().unwrap()["k"] == "v2")
    );
    assert!(
        matches!(&decoded[2], WatchEvent::Deleted(cm) if cm.metadata.deletion_timestamp.is_some())
    );
    let WatchEvent::Bookmark {
        annotations,
        resource_version,
    } = &decoded[3]
    else {
        panic!("not a bookmark: {:?}", decoded[3]);
    };
    assert_eq!(resource_version, "12500");
    assert_eq!(annotations["k8s.io/initial-events-end"], "true");
    let WatchEvent::ErrorStatus(status) = &decoded[4] else {
        panic!("not an error: {:?}", decoded[4]);
    };
    assert_eq!(
        (status.code, status.reason.as_deref()),
        (Some(410), Some("Expired"))
    );
}

#[test]
fn a_status_with_details_and_causes_decodes_as_its_json_does() {
    let decoded = decode_status(STATUS_PB).unwrap();
    let want: Status = serde_json::from_slice(STATUS_JSON).unwrap();
    assert_eq!(decoded, want);

    let details = decoded.details.as_ref().unwrap();
    assert_eq!(details.retry_after_seconds, Some(5));
    assert_eq!(details.group, None);
    assert_eq!(details.causes.as_ref().unwrap().len(), 2);
}

#[test]
fn unknown_fields_from_a_newer_server_are_skipped() {
    // The ConfigMap fixture with an extra field 99 (a string) at the end of the object: the
    // envelope's raw length grows by the same 4 bytes.
    let envelope = crate::protobuf::open(CONFIG_MAP_PB).unwrap();
    let raw = envelope.raw.remaining();
    let mut object = raw.to_vec();
    object.extend([0x9a, 0x06, 0x01, b'x']);
    let header = &CONFIG_MAP_PB[..envelope.raw.offset() - varint_len(raw.len()) - 1];
    let mut body = header.to_vec();
    body.push(0x12);
    let mut len = object.len();
    while len >= 0x80 {
        body.push((len as u8) | 0x80);
        len >>= 7;
    }
    body.push(len as u8);
    body.extend(object);
    let decoded: ConfigMap = decode_object(&body, "ConfigMap").unwrap();
    let want: ConfigMap = decode_object(CONFIG_MAP_PB, "ConfigMap").unwrap();
    assert_eq!(decoded, want);
}

fn varint_len(mut n: usize) -> usize {
    let mut len = 1;
    while n >= 0x80 {
        n >>= 7;
        len += 1;
    }
    len
}
