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

#[test]
fn bytes_that_are_not_utf8_point_at_the_first_bad_one() {
    let err = Source::from_bytes("in.yaml", b"a: 1\nbc: \xff\n".to_vec()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "in.yaml:2:5: not UTF-8 text: byte 0xFF is not UTF-8"
    );
    let cut = "kind: ☃".as_bytes();
    let err = Source::from_bytes("in.yaml", cut[..cut.len() - 1].to_vec()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "in.yaml:1:7: not UTF-8 text: the input ends inside a character (byte 0xE2)"
    );
}

/// Runs `f` on a thread with the stack untrusted inputs need ([`STACK_SIZE`]).
fn on_a_big_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(STACK_SIZE)
            .spawn_scoped(scope, f)
            .unwrap()
            .join()
            .unwrap()
    })
}

#[test]
fn nesting_deeper_than_the_limit_is_refused_in_both_formats() {
    let yaml = format!("a: {}{}\n", "[".repeat(200), "]".repeat(200));
    let err = on_a_big_stack(|| load(&source(&yaml)).unwrap_err());
    assert!(
        err.to_string()
            .contains("malformed YAML: nested deeper than 128 levels"),
        "{err}"
    );
    let json = format!("{{\"a\": {}{}}}", "[".repeat(200), "]".repeat(200));
    let err = on_a_big_stack(|| load(&source(&json)).unwrap_err());
    assert!(
        err.to_string()
            .contains("malformed JSON: nested deeper than 128 levels"),
        "{err}"
    );
}

#[test]
fn alias_bombs_are_refused() {
    let mut bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n".to_owned();
    for (previous, name) in ('a'..='h').zip('b'..='i') {
        let aliases = vec![format!("*{previous}"); 9].join(", ");
        bomb += &format!("{name}: &{name} [{aliases}]\n");
    }
    let err = load(&source(&bomb)).unwrap_err();
    assert!(
        err.to_string().contains("aliases expand to more than"),
        "{err}"
    );
}

#[test]
fn a_field_of_the_wrong_type_names_its_path() {
    let err = load(&source(&CRD.replace("served: true", "served: [1]"))).unwrap_err();
    assert_eq!(err.path.as_deref(), Some(".spec.versions[0].served"));
    assert_eq!(err.position.map(|p| p.line), Some(11), "{err}");
    assert!(matches!(err.kind, ErrorKind::Invalid(_)), "{err}");
}

#[test]
fn json_inputs_get_positions_too() {
    let value: serde_json::Value = serde_saphyr::from_str(CRD).unwrap();
    let text = serde_json::to_string_pretty(&value).unwrap();
    let loaded = load(&source(&text)).unwrap();
    let errors = versions(&loaded.crds[0], &VersionOptions::default()).unwrap_err();
    assert!(errors[0].position.is_some(), "{}", errors[0]);
}

#[test]
fn crd_wide_rules_are_checked() {
    let no_versions = CRD.split("  versions:").next().unwrap().to_owned() + "  versions: []\n";
    let err = load(&source(&no_versions)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "in.yaml:9:13: invalid CustomResourceDefinition: `spec.versions` must list at least one \
         version (at .spec.versions)"
    );
    let twice = CRD.replace(
        "  versions:\n",
        "  versions:\n  - {name: v1, served: false, storage: false}\n",
    );
    let err = load(&source(&twice)).unwrap_err();
    assert!(
        err.to_string().contains("version `v1` is listed twice"),
        "{err}"
    );
}

#[test]
fn schema_keywords_the_api_server_forbids_are_errors() {
    let text = CRD.replace(
        "items: {type: array}",
        "items: {type: array, items: {type: string}}\n              x: {$ref: '#/y'}\n              \
         y: {type: object, properties: {a: {type: string}}, additionalProperties: false}\n              \
         z: {type: object, patternProperties: {}, x-kubernetes-preserve-unknown-fields: false}",
    );
    let loaded = load(&source(&text)).unwrap();
    let errors = versions(&loaded.crds[0], &VersionOptions::default()).unwrap_err();
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let spec = ".spec.versions[0].schema.openAPIV3Schema.properties.spec.properties";
    let expected = [
        format!(
            "$ref is not supported (a CRD schema must be self-contained) (at {spec}.x[\"$ref\"])"
        ),
        format!(
            "additionalProperties and properties are mutual exclusive (at {spec}.y.additionalProperties)"
        ),
        format!("patternProperties is not supported (at {spec}.z.patternProperties)"),
        format!("must be true or undefined (at {spec}.z.x-kubernetes-preserve-unknown-fields)"),
    ];
    assert_eq!(messages.len(), expected.len(), "{messages:#?}");
    for (message, expected) in messages.iter().zip(&expected) {
        assert!(message.starts_with("in.yaml:2"), "{message}");
        assert!(
            message.ends_with(expected.as_str()),
            "{message}\nexpected: {expected}"
        );
    }
    // `additionalProperties: true` next to properties is fine
    let text = CRD.replace("items: {type: array}", "items: {type: array, items: {type: string}}")
        .replace("            type: object\n            properties:\n              size", "            type: object\n            additionalProperties: true\n            properties:\n              size");
    let loaded = load(&source(&text)).unwrap();
    versions(&loaded.crds[0], &VersionOptions::default()).unwrap();
}

/// `CRD` with each `(from, to)` replaced.
fn crd_with(replacements: &[(&str, &str)]) -> String {
    let mut text = CRD.replace(
        "items: {type: array}",
        "items: {type: array, items: {type: string}}",
    );
    for (from, to) in replacements {
        assert!(text.contains(from), "`{from}` is not in the CRD");
        text = text.replacen(from, to, 1);
    }
    text
}

/// The errors of every version of `text`.
fn version_errors(text: &str) -> Vec<Error> {
    let loaded = load(&source(text)).unwrap();
    versions(&loaded.crds[0], &VersionOptions::default()).unwrap_err()
}

#[test]
fn values_the_derive_rejects_are_invalid_or_not_derivable() {
    let errors = version_errors(&crd_with(&[
        ("group: example.com", "group: example"),
        ("name: bars.example.com", "name: bars.example"),
        ("name: v1", "name: stable"),
    ]));
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert_eq!(errors[0].path.as_deref(), Some(".spec.group"));
    assert!(
        matches!(&errors[0].kind, ErrorKind::Invalid(m) if m.contains("at least one dot")),
        "{}",
        errors[0]
    );
    assert_eq!(errors[1].path.as_deref(), Some(".spec.versions[0].name"));
    assert_eq!(
        errors[1].position,
        Some(Position {
            line: 10,
            column: 11
        })
    );
    assert!(
        matches!(&errors[1].kind, ErrorKind::NotDerivable(m) if m.contains("version `stable`")),
        "{}",
        errors[1]
    );
}

#[test]
fn a_version_left_out_is_not_checked() {
    let text = crd_with(&[(
        "  versions:\n",
        "  versions:\n  - {name: stable, served: false, storage: false, schema: {openAPIV3Schema: {type: object}}}\n",
    )]);
    let loaded = load(&source(&text)).unwrap();
    let found = versions(&loaded.crds[0], &VersionOptions::default()).unwrap();
    assert_eq!(found.len(), 1);
    let all = VersionOptions {
        filter: VersionFilter::All,
        ..VersionOptions::default()
    };
    let errors = versions(&loaded.crds[0], &all).unwrap_err();
    assert!(
        errors[0].to_string().contains("version `stable`"),
        "{}",
        errors[0]
    );
}

#[test]
fn an_empty_singular_is_the_default() {
    let text = crd_with(&[(
        "{kind: Bar, plural: bars}",
        "{kind: Bar, plural: bars, singular: ''}",
    )]);
    let loaded = load(&source(&text)).unwrap();
    let found = versions(&loaded.crds[0], &VersionOptions::default()).unwrap();
    assert_eq!(found[0].resource.names.singular, "bar");
}

#[test]
fn root_fields_named_like_the_root_objects_own_get_other_rust_names() {
    let text = crd_with(&[(
        "        properties:\n          spec:",
        "        properties:\n          Kind: {type: string}\n          api-version: {type: string}\n          \
         Status: {type: string}\n          extra: {type: string}\n          spec:",
    )]);
    let loaded = load(&source(&text)).unwrap();
    let found = versions(&loaded.crds[0], &VersionOptions::default()).unwrap();
    assert!(found[0].resource.root_fields);
    let crate::types::Item::Struct(fields) = &found[0].types.items[0] else {
        panic!("the root fields are a struct");
    };
    let names: Vec<(&str, &str)> = fields
        .fields
        .iter()
        .map(|f| (f.json_name.as_str(), f.name.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("Kind", "kind_2"),
            ("Status", "status_2"),
            ("api-version", "api_version_2"),
            ("extra", "extra"),
            ("spec", "spec"),
        ]
    );
}

/// The public functions of `check.rs`, read from its source.
fn shared_checks() -> Vec<String> {
    let file = syn::parse_file(include_str!("../check.rs")).unwrap();
    file.items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Fn(f) if matches!(f.vis, syn::Visibility::Public(_)) => {
                Some(f.sig.ident.to_string())
            }
            _ => None,
        })
        .collect()
}

#[test]
fn the_cli_runs_every_check_the_derive_runs() {
    let checks = shared_checks();
    assert!(checks.len() >= 15, "{checks:?}");
    let keys = include_str!("keys.rs");
    for check in checks {
        assert!(
            keys.contains(&format!("check::{check}")),
            "crd/keys.rs never runs `check::{check}`: add it for the CRD value the CLI writes as that key"
        );
    }
}

#[test]
fn the_root_patch_gives_back_what_the_derive_changes_at_the_root_and_required_orders() {
    let text = crd_with(&[
        (
            "        type: object\n        properties:\n          spec:",
            "        type: object\n        title: Bars\n        required: [spec, metadata]\n        \
             properties:\n          kind: {type: string, description: The kind.}\n          spec:",
        ),
        (
            "              items: {type: array, items: {type: string}}\n",
            "              list:\n                type: array\n                items:\n                  \
             type: object\n                  required: [z, a]\n                  properties:\n                    \
             z: {type: string}\n                    a: {type: string}\n",
        ),
    ]);
    let loaded = load(&source(&text)).unwrap();
    let found = versions(&loaded.crds[0], &VersionOptions::default()).unwrap();
    let patch = found[0].resource.schema_patch.as_deref().unwrap();
    let patch: serde_json::Value = serde_json::from_str(patch).unwrap();
    assert_eq!(
        patch,
        serde_json::json!({
            "title": "Bars",
            "description": null,
            "required": ["spec", "metadata"],
            "properties": {
                "kind": {"type": "string", "description": "The kind."},
                "spec": {"properties": {"list": {"items": {"required": ["z", "a"]}}}},
            },
        })
    );
}

#[test]
fn the_root_patch_gives_back_nested_containers_keywords_and_empty_properties() {
    let text = crd_with(&[(
        "              items: {type: array, items: {type: string}}\n",
        "              steps:\n                type: array\n                items:\n                  \
         type: array\n                  description: A parallel group.\n                  items:\n                    \
         type: object\n                    properties: {name: {type: string}}\n              \
         users:\n                type: object\n                additionalProperties:\n                  \
         type: array\n                  description: Flags.\n                  items: {type: string, enum: [a, b]}\n              \
         labels:\n                type: array\n                items: {type: array, description: Leaf., items: {type: string}}\n              \
         security: {type: object, properties: {}}\n",
    )]);
    let loaded = load(&source(&text)).unwrap();
    let found = versions(&loaded.crds[0], &VersionOptions::default()).unwrap();
    let patch = found[0].resource.schema_patch.as_deref().unwrap();
    let patch: serde_json::Value = serde_json::from_str(patch).unwrap();
    // `labels`' inner array is around a leaf: the field keeps it verbatim, not the patch
    assert_eq!(
        patch["properties"]["spec"],
        serde_json::json!({"properties": {
            "steps": {"items": {"description": "A parallel group."}},
            "users": {"additionalProperties": {"description": "Flags."}},
            "security": {"properties": {}},
        }})
    );
}
