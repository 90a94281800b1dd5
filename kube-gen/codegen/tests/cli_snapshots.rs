//! Snapshots of the Rust source the CLI path generates from CRD YAML.
#![cfg(feature = "cli")]

use kube_gen_codegen::crd::{Source, VersionOptions, load, versions};
use kube_gen_codegen::emit::source::{SourceOptions, single_file};

fn generate(name: &str, text: &str, options: &VersionOptions) -> String {
    let loaded = load(&Source {
        name: name.into(),
        text: text.into(),
    })
    .unwrap();
    let versions = versions(&loaded.crds[0], options).unwrap();
    single_file(&versions, &SourceOptions::default()).unwrap()
}

#[test]
fn the_sample_foo_crd() {
    let text = include_str!("../../../artifacts/crd.yaml");
    insta::assert_snapshot!(generate(
        "artifacts/crd.yaml",
        text,
        &VersionOptions::default()
    ));
}

#[test]
fn every_mapping_rule_in_one_crd() {
    let text = r#"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets, shortNames: [wd]}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
      scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas}
    additionalPrinterColumns:
    - {name: Replicas, type: integer, jsonPath: .spec.replicas}
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-validations:
        - {rule: "self.spec.replicas <= 10", message: too many}
        properties:
          spec:
            description: See [the docs](https://example.com/docs) for <details>.
            type: object
            required: [type, size, pools]
            x-kubernetes-validations:
            - {rule: "self.size >= 1", message: size is positive}
            properties:
              type: {type: string, enum: [Small, big-one, ""]}
              $ref: {type: string}
              x-foo: {type: string, format: byte}
              1st: {type: boolean}
              "@type": {type: string}
              fooBar: {type: number}
              foo_bar: {type: number}
              size: {type: integer, format: int32, minimum: 1}
              replicas: {type: integer, default: 1}
              port: {x-kubernetes-int-or-string: true, anyOf: [{type: integer}, {type: string}]}
              labels: {type: object, additionalProperties: {type: string}}
              raw: {type: object, x-kubernetes-preserve-unknown-fields: true}
              template: {type: object, x-kubernetes-embedded-resource: true, x-kubernetes-preserve-unknown-fields: true}
              since: {type: string, format: date-time, nullable: true}
              pools: {type: array, nullable: true, items: {type: string}}
              code: {type: integer, enum: [301, 302], example: 301}
              items:
                type: array
                items: {type: object, x-kubernetes-map-type: atomic, required: [name], properties: {name: {type: string}}}
              extra: {type: object, x-kubernetes-preserve-unknown-fields: true, x-kubernetes-map-type: atomic}
          status:
            type: object
            properties:
              replicas: {type: integer, format: int32}
              conditions:
                type: array
                items:
                  type: object
                  required: [lastTransitionTime, message, reason, status, type]
                  properties:
                    lastTransitionTime: {type: string, format: date-time}
                    message: {type: string}
                    observedGeneration: {type: integer, format: int64}
                    reason: {type: string}
                    status: {type: string}
                    type: {type: string}
"#;
    insta::assert_snapshot!(generate("widget.yaml", text, &VersionOptions::default()));
}

/// zalando's `kind: postgresql`: the apiserver takes it, but it can't name the root type, so the
/// CLI adds `root = "Postgresql"` and names the spec and status after that.
#[test]
fn a_lowercase_kind_gets_a_root_name() {
    let text = r#"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: postgresqls.acid.zalan.do}
spec:
  group: acid.zalan.do
  names: {kind: postgresql, listKind: postgresqlList, plural: postgresqls, singular: postgresql, shortNames: [pg]}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              teamId: {type: string}
          status:
            type: object
            properties:
              PostgresClusterStatus: {type: string}
"#;
    let source = generate("postgresql.yaml", text, &VersionOptions::default());
    assert!(source.contains("kind = \"postgresql\",\n    root = \"Postgresql\"\n"));
    assert!(source.contains("pub struct PostgresqlSpec {"));
    assert!(source.contains("#[kube(status = \"PostgresqlStatus\")]"));
    insta::assert_snapshot!(source);
}

/// Kinds `Keycloak` and `KeycloakClient` in one output: `Keycloak`'s facade `KeycloakClient`
/// would be a second `KeycloakClient` (E0428), so `Keycloak` gets no facades, and a note says so.
#[test]
fn facades_are_left_off_for_a_kind_whose_facade_is_another_kind() {
    let crd = |kind: &str| {
        let plural = kind.to_lowercase() + "s";
        format!(
            "apiVersion: apiextensions.k8s.io/v1\n\
             kind: CustomResourceDefinition\n\
             metadata: {{name: {plural}.k8s.keycloak.org}}\n\
             spec:\n  group: k8s.keycloak.org\n  names: {{kind: {kind}, plural: {plural}}}\n  \
             scope: Namespaced\n  versions:\n  - name: v2alpha1\n    served: true\n    \
             storage: true\n    schema:\n      openAPIV3Schema:\n        type: object\n        \
             properties:\n          spec: {{type: object, properties: {{size: {{type: integer}}}}}}\n"
        )
    };
    let text = format!("{}---\n{}", crd("Keycloak"), crd("KeycloakClient"));
    let selected = kube_gen_codegen::crd::select(
        &[Source {
            name: "keycloak.yaml".into(),
            text,
        }],
        &VersionOptions::default(),
    );
    assert!(selected.errors.is_empty(), "{:?}", selected.errors);
    let facades: Vec<_> = selected
        .versions
        .iter()
        .map(|v| (v.resource.names.kind.as_str(), v.resource.facades))
        .collect();
    assert_eq!(facades, [("Keycloak", false), ("KeycloakClient", true)]);
    assert_eq!(selected.notes.len(), 1, "{:?}", selected.notes);
    assert!(
        selected.notes[0].contains("kind Keycloak v2alpha1: no `facades` (`KeycloakClient`"),
        "{}",
        selected.notes[0]
    );
    let source = single_file(&selected.versions, &SourceOptions::default()).unwrap();
    assert_eq!(source.matches("#[kube(facades)]").count(), 1, "{source}");
}
