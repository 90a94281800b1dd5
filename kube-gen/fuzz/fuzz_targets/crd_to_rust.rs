//! Fuzz target: bytes → CRD model → Rust source must never panic (see ../README.md).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = kube_gen_fuzz::crd_to_rust(data);
});
