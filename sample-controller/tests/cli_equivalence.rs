//! The `kube-gen` CLI, run on `artifacts/crd.yaml`, gives the same Foo API as the
//! hand-written types in `src/foo.rs`: the same CRD, the same field names and types, and the
//! same JSON both ways. Together with `artifacts.rs` (the CRD is what `src/foo.rs` generates)
//! this closes the loop Rust type → CRD → Rust type.
//!
//! `tests/generated/foo.rs` is the CLI's output, checked in so that it is compiled here;
//! regenerate it from the workspace root with
//!
//! ```text
//! cargo run -p kube-gen-cli -- artifacts/crd.yaml -o sample-controller/tests/generated/foo.rs
//! ```

// Kept byte for byte as the CLI writes it (prettyplease), so rustfmt leaves it alone.
#[rustfmt::skip]
#[path = "generated/foo.rs"]
mod generated;

use kube_gen_codegen::crd::{self, Source, VersionOptions, normalize};
use kube_gen_codegen::emit::source::{self, SourceOptions};
use sample_controller::foo::{Foo, FooSpec, FooStatus};
use serde_json::{Value, json};

/// The CRD as the workspace root's relative path names it, so the header matches the CLI's.
const CRD_PATH: &str = "artifacts/crd.yaml";

fn workspace_file(path: &str) -> String {
    let full = format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|err| panic!("reading {full}: {err}"))
}

/// What `kube-gen artifacts/crd.yaml` prints, through the same library calls as the CLI.
fn cli_output() -> String {
    let source = Source {
        name: CRD_PATH.into(),
        text: workspace_file(CRD_PATH),
    };
    let selected = crd::select(&[source], &VersionOptions::default());
    assert!(selected.errors.is_empty(), "{:?}", selected.errors);
    source::single_file(&selected.versions, &SourceOptions::default()).expect("the source emits")
}

#[test]
fn the_checked_in_generated_file_is_what_the_cli_writes() {
    assert!(
        workspace_file("sample-controller/tests/generated/foo.rs") == cli_output(),
        "sample-controller/tests/generated/foo.rs is stale; regenerate it with\n    \
         cargo run -p kube-gen-cli -- artifacts/crd.yaml -o sample-controller/tests/generated/foo.rs"
    );
}

#[test]
fn the_generated_foo_declares_the_same_crd() {
    let mut generated = serde_json::to_value(generated::Foo::crd()).unwrap();
    let mut handwritten = serde_json::to_value(Foo::crd()).unwrap();
    normalize(&mut generated);
    normalize(&mut handwritten);
    assert_eq!(
        generated, handwritten,
        "\ngenerated:   {generated:#}\nhand-written: {handwritten:#}"
    );
}

#[test]
fn the_generated_types_have_the_same_fields() {
    // Written field by field, so a renamed or retyped field fails to compile.
    let spec = generated::FooSpec {
        deployment_name: "web".into(),
        replicas: Some(3),
    };
    let status = generated::FooStatus {
        available_replicas: Some(3),
    };
    let handwritten = FooSpec {
        deployment_name: spec.deployment_name.clone(),
        replicas: spec.replicas,
    };
    let mut foo = generated::Foo::new("a", spec);
    foo.status = Some(status);
    let mut expected = Foo::new("a", handwritten);
    expected.status = Some(FooStatus {
        available_replicas: 3,
    });
    assert_eq!(
        serde_json::to_value(&foo).unwrap(),
        serde_json::to_value(&expected).unwrap()
    );
}

#[test]
fn objects_round_trip_through_both_types_unchanged() {
    let objects = [
        json!({
            "apiVersion": "samplecontroller.k8s.io/v1alpha1",
            "kind": "Foo",
            "metadata": { "name": "full", "namespace": "default", "uid": "u-1",
                          "resourceVersion": "7", "labels": { "a": "b" } },
            "spec": { "deploymentName": "web", "replicas": 100 },
            "status": { "availableReplicas": 99 },
        }),
        json!({
            "apiVersion": "samplecontroller.k8s.io/v1alpha1",
            "kind": "Foo",
            "metadata": { "name": "minimal" },
            "spec": { "deploymentName": "web" },
        }),
    ];
    for object in objects {
        let via_generated: generated::Foo = serde_json::from_value(object.clone()).unwrap();
        let via_handwritten: Foo = serde_json::from_value(object.clone()).unwrap();
        let generated_json: Value = serde_json::to_value(&via_generated).unwrap();
        let handwritten_json: Value = serde_json::to_value(&via_handwritten).unwrap();
        assert_eq!(generated_json, object, "through the generated Foo");
        assert_eq!(handwritten_json, object, "through the hand-written Foo");
        let back: Foo = serde_json::from_value(generated_json).unwrap();
        assert_eq!(back.spec, via_handwritten.spec, "generated → hand-written");
        assert_eq!(
            back.status, via_handwritten.status,
            "generated → hand-written"
        );
    }
}
