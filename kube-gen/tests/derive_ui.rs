//! Misuse of `#[derive(CustomResource)]` fails to compile with errors on the offending tokens.
//!
//! Regenerate the expected output with `TRYBUILD=overwrite cargo test -p kube-gen --test derive_ui`
//! and read the `.stderr` files before committing them.

#[test]
fn misuse_is_reported_on_the_offending_token() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
