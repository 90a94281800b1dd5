//! Loading inputs: what is kept, what is skipped, and where errors point.

use super::*;

fn source(text: &str) -> Source {
    Source {
        name: "in.yaml".into(),
        text: text.into(),
    }
}

const CRD: &str = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: bars.example.com
spec:
  group: example.com
  names: {kind: Bar, plural: bars}
  scope: Cluster
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer, format: int32}
              items: {type: array}
";

#[test]
fn non_crd_documents_are_skipped_with_a_note() {
    let text = format!("apiVersion: v1\nkind: ConfigMap\n---\n{CRD}");
    let loaded = load(&source(&text)).unwrap();
    assert_eq!(loaded.crds.len(), 1);
    assert_eq!(loaded.notes.len(), 1);
    assert!(
        loaded.notes[0].contains("in.yaml:1:1: note: skipping document 1 (v1 ConfigMap)"),
        "{}",
        loaded.notes[0]
    );
}

#[test]
fn an_input_without_crds_is_an_error() {
    let err = load(&source("apiVersion: v1\nkind: ConfigMap\n")).unwrap_err();
    assert!(matches!(err.kind, ErrorKind::NoCrd { .. }));
    assert_eq!(
        err.to_string(),
        "in.yaml: no apiextensions.k8s.io/v1 CustomResourceDefinition found (skipped: v1 ConfigMap)"
    );
}

#[test]
fn malformed_yaml_names_the_line() {
    let err = load(&source("kind: [a\nb: c\n")).unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::Syntax { format: "YAML", .. }),
        "{err}"
    );
    assert!(err.position.is_some(), "{err}");
}

#[test]
fn malformed_json_names_line_and_column() {
    let err = load(&source("{\"kind\": \n  oops}")).unwrap_err();
    assert_eq!(err.position, Some(Position { line: 2, column: 3 }), "{err}");
}

#[test]
fn v1beta1_crds_are_rejected() {
    let err = load(&source(&CRD.replace("/v1\n", "/v1beta1\n"))).unwrap_err();
    assert_eq!(err.kind, ErrorKind::V1beta1);
    assert_eq!(
        err.position,
        Some(Position {
            line: 1,
            column: 13
        })
    );
    assert_eq!(err.path.as_deref(), Some(".apiVersion"));
}

#[test]
fn unmappable_schema_nodes_point_at_their_line_and_path() {
    let loaded = load(&source(CRD)).unwrap();
    let errors = versions(&loaded.crds[0], &VersionOptions::default()).unwrap_err();
    assert_eq!(errors.len(), 1);
    let message = errors[0].to_string();
    assert_eq!(
        message,
        "in.yaml:21:22: cannot generate Rust for this schema: an array needs `items` (a structural \
         schema has them) (at .spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.items)"
    );
}

#[test]
fn json_inputs_work_too() {
    let value: serde_json::Value = serde_saphyr::from_str(CRD).unwrap();
    let loaded = load(&source(&serde_json::to_string(&value).unwrap())).unwrap();
    assert_eq!(loaded.crds[0].crd.spec.names.kind, "Bar");
}

#[test]
fn json_paths_quote_odd_keys() {
    assert_eq!(
        json_path("/spec/versions/0/a~1b"),
        ".spec.versions[0][\"a/b\"]"
    );
    assert_eq!(json_path(""), ".");
}
