//! Tests against bytes apimachinery's own serializers wrote (`testdata/gen`), through the
//! generated decoders, and tests that corrupt input is an error, never a panic.

mod corrupt;
mod fixtures;
mod workloads;
