//! Tests against bytes apimachinery's own serializers wrote (`testdata/gen`), through decoders
//! written in the generator's shape, and tests that corrupt input is an error, never a panic.

mod corrupt;
mod fixtures;
mod generated;
