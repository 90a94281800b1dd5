//! Truncated, corrupted and random input gives an error, never a panic.

use k8s_openapi::api::core::v1::ConfigMap;
use proptest::prelude::*;

use super::fixtures::{CONFIG_MAP_PB, LIST_PB, STATUS_PB, WATCH_PB, watch_frames};
use crate::protobuf::{
    FrameBuffer, decode, decode_event, decode_list, decode_object, decode_status,
};

/// Runs every decoder over `bytes`; they may fail but must not panic.
fn decode_all(bytes: &[u8]) {
    let _ = decode::<ConfigMap>(bytes);
    let _ = decode_object::<ConfigMap>(bytes, "ConfigMap");
    let _ = decode_list::<ConfigMap>(bytes, "ConfigMapList");
    let _ = decode_status(bytes);
    let _ = decode_event::<ConfigMap>(bytes, "ConfigMap");
}

/// Asserts that `fails` holds for every prefix of `fixture` that cuts into the object.
///
/// The envelope ends with contentEncoding and contentType, both empty (`1a00 2200`): a cut
/// there leaves a shorter valid envelope, a cut anywhere before is inside raw (or before it).
fn every_cut_fails(name: &str, fixture: &[u8], fails: fn(&[u8]) -> bool) {
    assert!(fixture.ends_with(&[0x1a, 0x00, 0x22, 0x00]), "{name}");
    for cut in 0..fixture.len() - 4 {
        assert!(fails(&fixture[..cut]), "{name} cut at {cut} decoded");
    }
}

#[test]
fn every_cut_inside_the_object_is_an_error() {
    every_cut_fails("configmap", CONFIG_MAP_PB, |b| {
        decode_object::<ConfigMap>(b, "ConfigMap").is_err()
    });
    every_cut_fails("list", LIST_PB, |b| {
        decode_list::<ConfigMap>(b, "ConfigMapList").is_err()
    });
    every_cut_fails("status", STATUS_PB, |b| decode_status(b).is_err());
}

#[test]
fn every_cut_of_a_watch_frame_is_an_error() {
    for (i, frame) in watch_frames().iter().enumerate() {
        // The object is the last field and holds the whole envelope: every cut is inside it.
        for cut in 0..frame.len() {
            let decoded = decode_event::<ConfigMap>(&frame[..cut], "ConfigMap");
            assert!(decoded.is_err(), "frame {i} cut at {cut} decoded");
        }
    }
}

#[test]
fn errors_in_fixtures_name_the_field_and_byte() {
    // Cut the list in the middle of the first item's labels.
    let at = LIST_PB.windows(3).position(|w| w == b"app").unwrap();
    let mut body = LIST_PB.to_vec();
    body[at - 1] = 0x7f; // the length of "app" now runs past its entry
    let error = decode_list::<ConfigMap>(&body, "ConfigMapList").unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with("ConfigMapList.items[0].metadata.labels.key: 127 bytes needed"),
        "{message}"
    );
    assert!(
        message.ends_with(&format!("at byte {}", at - 1)),
        "{message}"
    );
}

#[test]
fn flipping_any_bit_of_any_fixture_never_panics() {
    let frames = watch_frames();
    let fixtures = [CONFIG_MAP_PB, LIST_PB, STATUS_PB]
        .into_iter()
        .chain(frames.iter().map(|frame| &frame[..]));
    for fixture in fixtures {
        let mut bytes = fixture.to_vec();
        for i in 0..bytes.len() {
            for bit in 0..8 {
                bytes[i] ^= 1 << bit;
                decode_all(&bytes);
                bytes[i] ^= 1 << bit;
            }
        }
    }
}

#[test]
fn a_corrupt_frame_length_waits_for_bytes_instead_of_allocating() {
    let mut frames = FrameBuffer::default();
    frames.push(&[0xff, 0xff, 0xff, 0xff]);
    frames.push(&WATCH_PB[4..100]);
    assert!(frames.next_frame().is_none());
    assert_eq!(frames.buffered(), 100);
}

proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        decode_all(&bytes);
        let mut with_magic = b"k8s\0".to_vec();
        with_magic.extend(&bytes);
        decode_all(&with_magic);
    }

    #[test]
    fn random_edits_of_fixtures_never_panic(
        which in 0..4usize,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let mut bytes = [CONFIG_MAP_PB, LIST_PB, STATUS_PB, WATCH_PB][which].to_vec();
        for (index, value) in edits {
            let i = index.index(bytes.len());
            bytes[i] = value;
        }
        decode_all(&bytes);
        let mut frames = FrameBuffer::default();
        frames.push(&bytes);
        while let Some(frame) = frames.next_frame() {
            let _ = decode_event::<ConfigMap>(&frame, "ConfigMap");
        }
    }
}
