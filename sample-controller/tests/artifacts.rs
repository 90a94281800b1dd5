//! The checked-in CRD is exactly what the Rust Foo type generates.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use sample_controller::foo::Foo;

#[test]
fn artifacts_crd_matches_the_foo_type() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../artifacts/crd.yaml");
    let text = std::fs::read_to_string(path).expect("artifacts/crd.yaml exists");
    let checked_in: CustomResourceDefinition =
        serde_saphyr::from_str(&text).expect("artifacts/crd.yaml parses");
    assert!(
        serde_json::to_value(&checked_in).unwrap() == serde_json::to_value(Foo::crd()).unwrap(),
        "artifacts/crd.yaml drifted from sample-controller/src/foo.rs; regenerate it with\n    \
         cargo run -p sample-controller -- crd > artifacts/crd.yaml"
    );
    assert_eq!(
        text,
        sample_controller::foo::crd_yaml().unwrap(),
        "same bytes as the generator writes"
    );
}
