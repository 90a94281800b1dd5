//! What `kube-gen` generates compiles with `#[derive(CustomResource)]`, and the generated Foo's
//! `crd()` is the CRD it was generated from.
//!
//! The cases are written at test time into `CARGO_TARGET_TMPDIR` and built (and run) by
//! trybuild's `pass`, which reuses the dependencies the other trybuild tests already built.

use std::path::{Path, PathBuf};
use std::process::Command;

use kube_gen_codegen::crd::{Source, load};

/// Small real CRDs from /work/shared/crds covering enums, conditions, maps, int-or-string,
/// preserved fields, printer columns, selectable fields and keyword field names.
const REAL_CRDS: &[(&str, &str)] = &[
    (
        "cronworkflow",
        "argo-workflows/minimal_argoproj.io_cronworkflows.yaml",
    ),
    ("order", "cert-manager/acme.cert-manager.io_orders.yaml"),
    (
        "scheduledbackup",
        "cloudnative-pg/postgresql.cnpg.io_scheduledbackups.yaml",
    ),
    (
        "activationpolicy",
        "crossplane/apiextensions.crossplane.io_managedresourceactivationpolicies.yaml",
    ),
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `kube-gen <args>` and returns its stdout; panics with stderr when it fails.
fn generate(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_kube-gen"))
        .args(args)
        .current_dir(workspace())
        .output()
        .expect("kube-gen runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "kube-gen {args:?} failed:\n{stderr}");
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// A trybuild `pass` case: the generated code in `mod generated`, then `main`.
fn case(dir: &Path, name: &str, generated: &str, main: &str) -> PathBuf {
    let path = dir.join(format!("{name}.rs"));
    let text = format!(
        "#![deny(warnings)]\n#![allow(dead_code)]\n\nmod generated {{\n{generated}\n}}\n\n{main}\n"
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// The Foo CRD as JSON, to embed in the round-trip case.
fn foo_crd_json() -> String {
    let text = std::fs::read_to_string(workspace().join("artifacts/crd.yaml")).unwrap();
    let loaded = load(&Source {
        name: "artifacts/crd.yaml".into(),
        text,
    })
    .unwrap();
    serde_json::to_string(&loaded.crds[0].document.value).unwrap()
}

#[test]
fn generated_code_compiles_and_foo_round_trips() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli_compiles");
    std::fs::create_dir_all(&dir).unwrap();
    let cases = trybuild::TestCases::new();

    let foo = generate(&["artifacts/crd.yaml"]);
    let main = format!(
        r####"const EXPECTED: &str = r###"{}"###;

fn main() {{
    use kube_gen_codegen::crd::normalize;
    let mut actual = serde_json::to_value(generated::Foo::crd()).unwrap();
    let mut expected: serde_json::Value = serde_json::from_str(EXPECTED).unwrap();
    normalize(&mut actual);
    normalize(&mut expected);
    assert_eq!(actual, expected, "\nactual:   {{actual:#}}\nexpected: {{expected:#}}");
    let foo = generated::Foo::new("a", generated::FooSpec {{ deployment_name: "d".into(), replicas: Some(2) }});
    let json = serde_json::to_value(&foo).unwrap();
    assert_eq!(json["spec"]["deploymentName"], "d");
}}"####,
        foo_crd_json()
    );
    cases.pass(case(&dir, "foo_round_trip", &foo, &main));

    let extras = generate(&[
        "artifacts/crd.yaml",
        "--derive",
        "PartialEq",
        "--derive",
        "Default",
        "--no-docs",
        "--no-status",
    ]);
    let main =
        "fn main() { assert_eq!(generated::FooSpec::default(), generated::FooSpec::default()); }";
    cases.pass(case(&dir, "foo_extras", &extras, main));

    // kopium's --derive forms; derives written anyway (Clone, JsonSchema) are not repeated
    let kopium = generate(&[
        "artifacts/crd.yaml",
        "-D",
        "PartialEq",
        "-D",
        "Clone",
        "-D",
        "JsonSchema",
        "-D",
        "@struct=Default",
        "-D",
        "FooSpec=Hash",
        "-D",
        "FooSpec=Eq",
        "-D",
        "@enum:simple=Copy",
    ]);
    let main = "fn main() {
        let mut set = std::collections::HashSet::new();
        set.insert(generated::FooSpec::default());
        assert_eq!(generated::FooStatus::default(), generated::FooStatus::default());
    }";
    cases.pass(case(&dir, "foo_kopium_derives", &kopium, main));

    // --smart-derive-elision: Default only where every required field can default
    let elision_crd = dir.join("elision_crd.yaml");
    std::fs::write(&elision_crd, ELISION_CRD).unwrap();
    let elision_crd = elision_crd.to_str().unwrap();
    let elided = generate(&[
        elision_crd,
        "-D",
        "Default",
        "-D",
        "@enum=PartialEq",
        "--smart-derive-elision",
    ]);
    assert!(
        !elided.contains("derive = \"Default\""),
        "the root's spec cannot default"
    );
    let main = "fn main() {
        let _ = generated::WidgetSpecOptional::default();
        assert_eq!(generated::WidgetSpecMode::default(), generated::WidgetSpecMode::A);
    }";
    cases.pass(case(&dir, "smart_derive_elision", &elided, main));

    // --map-type HashMap: the maps of a real CRD (labels, requirements) are HashMaps
    let hashed = generate(&[
        "/work/shared/crds/karpenter/karpenter.sh_nodepools.yaml",
        "--map-type",
        "HashMap",
    ]);
    assert!(hashed.contains("HashMap<String,"), "maps are HashMaps");
    let main = "fn main() { let _ = generated::__crds(); }";
    let hashed = format!("{hashed}\n{}", crds_fn(&hashed));
    cases.pass(case(&dir, "map_type_hash_map", &hashed, main));

    // --hide-kube: plain serde and schemars types, no root type
    let plain = generate(&["artifacts/crd.yaml", "--hide-kube"]);
    assert!(
        !plain.contains("CustomResource") && !plain.contains("#[kube("),
        "{plain}"
    );
    let main = r##"fn main() {
        let spec: generated::FooSpec =
            serde_json::from_str(r#"{"deploymentName": "d", "replicas": 2}"#).unwrap();
        assert_eq!(spec.deployment_name, "d");
    }"##;
    cases.pass(case(&dir, "hide_kube", &plain, main));

    // --builders: typed-builder builders; optional fields may be left unset
    let built = generate(&["artifacts/crd.yaml", "-b"]);
    let main = r#"fn main() {
        let spec = generated::FooSpec::builder().deployment_name("d".to_owned()).build();
        assert_eq!((spec.deployment_name.as_str(), spec.replicas), ("d", None));
        let spec = generated::FooSpec::builder().deployment_name("d".to_owned()).replicas(2).build();
        assert_eq!(spec.replicas, Some(2));
        assert_eq!(generated::FooStatus::builder().build().available_replicas, None);
    }"#;
    cases.pass(case(&dir, "builders", &built, main));

    // --target kube: kube's own derive, no kube-gen; root CEL rules as kube's `Rule`, the spec
    // and status schemas as the input's (the root is kube-derive's: see the README)
    let gadget_crd = dir.join("gadget_crd.yaml");
    std::fs::write(&gadget_crd, KUBE_TARGET_CRD).unwrap();
    let gadget_crd = gadget_crd.to_str().unwrap();
    let for_kube = generate(&[gadget_crd, "--target", "kube"]);
    assert!(
        for_kube.contains("use kube::CustomResource;")
            && !for_kube.contains("kube_gen")
            && !for_kube.contains("schema_patch")
            && for_kube.contains("::kube::core::Rule::new("),
        "{for_kube}"
    );
    let main = format!(
        r####"const INPUT: &str = r###"{}"###;

fn main() {{
    use kube::CustomResourceExt;
    let input: serde_json::Value = serde_json::from_str(INPUT).unwrap();
    let expected = &input["spec"]["versions"][0];
    let crd = serde_json::to_value(generated::Gadget::crd()).unwrap();
    let actual = &crd["spec"]["versions"][0];
    // as k8s-openapi's JSONSchemaProps holds them: numbers are f64, `nullable: false` absent
    // as in the apiserver's Go type
    fn drop_false_nullable(value: &mut serde_json::Value) {{
        if let Some(map) = value.as_object_mut() {{
            if map.get("nullable") == Some(&serde_json::Value::Bool(false)) {{
                map.remove("nullable");
            }}
            map.values_mut().for_each(drop_false_nullable);
        }}
    }}
    let props = |value: Option<&serde_json::Value>| {{
        let mut value = value.unwrap().clone();
        drop_false_nullable(&mut value);
        let props: k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::JSONSchemaProps =
            serde_json::from_value(value).unwrap();
        serde_json::to_value(props).unwrap()
    }};
    // kube-derive's root makes `status` nullable: its properties are the input's
    for key in ["spec", "status/properties"] {{
        let path = format!("/schema/openAPIV3Schema/properties/{{key}}");
        assert_eq!(props(actual.pointer(&path)), props(expected.pointer(&path)), "{{key}}");
    }}
    let rules = "/schema/openAPIV3Schema/x-kubernetes-validations";
    assert_eq!(actual.pointer(rules), expected.pointer(rules));
    for key in ["additionalPrinterColumns", "subresources"] {{
        assert_eq!(actual[key], expected[key], "{{key}}");
    }}
    let gadget: generated::Gadget = serde_json::from_value(serde_json::json!({{
        "apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {{"name": "g"}},
        "spec": {{"replicas": 2, "port": "http"}},
    }})).unwrap();
    let back = serde_json::to_value(&gadget).unwrap();
    assert_eq!(back["spec"], serde_json::json!({{"replicas": 2, "port": "http"}}));
}}"####,
        serde_json::to_string(&yaml_to_json(KUBE_TARGET_CRD)).unwrap()
    );
    cases.pass(case(&dir, "target_kube", &for_kube, &main));

    // --schema manual: no JsonSchema derived anywhere; the user's impl for the root is the schema
    let manual = generate(&["artifacts/crd.yaml", "--schema", "manual"]);
    assert!(
        !manual.contains("JsonSchema") && !manual.contains("schemars("),
        "{manual}"
    );
    let main = r#"impl schemars::JsonSchema for generated::Foo {
        fn schema_name() -> std::borrow::Cow<'static, str> { "Foo".into() }
        fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
            schemars::json_schema!({"type": "object", "x-kubernetes-preserve-unknown-fields": true})
        }
    }
    fn main() {
        let crd = serde_json::to_value(generated::Foo::crd()).unwrap();
        let schema = &crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
        assert_eq!(schema["x-kubernetes-preserve-unknown-fields"], true, "{schema}");
    }"#;
    cases.pass(case(&dir, "schema_manual", &manual, main));

    // --schema disabled, on a real CRD full of schemars attributes
    let disabled = generate(&[
        "/work/shared/crds/karpenter/karpenter.sh_nodepools.yaml",
        "--schema",
        "disabled",
    ]);
    assert!(
        !disabled.contains("schemars("),
        "no #[schemars] without JsonSchema"
    );
    let main = "fn main() { let _ = generated::__crds(); }";
    let disabled = format!("{disabled}\n{}", crds_fn(&disabled));
    cases.pass(case(&dir, "schema_disabled", &disabled, main));

    // k8s-openapi's ObjectReference and Condition where the schema has their shape, generated
    // structs with --no-object-reference --no-condition
    let reports = "/work/shared/crds/kyverno/wgpolicyk8s.io_policyreports.yaml";
    let references = generate(&[reports]);
    assert!(references.contains("use k8s_openapi::api::core::v1::ObjectReference;"));
    assert!(
        references.contains("pub scope: Option<ObjectReference>"),
        "{references}"
    );
    let main = r#"fn main() {
        let _ = generated::__crds();
        let report: generated::PolicyReport = serde_json::from_value(serde_json::json!({
            "apiVersion": "wgpolicyk8s.io/v1alpha2", "kind": "PolicyReport",
            "metadata": {"name": "r"}, "scope": {"kind": "Pod", "name": "p", "namespace": "n"},
        })).unwrap();
        let scope: &k8s_openapi::api::core::v1::ObjectReference = report.spec.scope.as_ref().unwrap();
        assert_eq!(scope.kind.as_deref(), Some("Pod"));
    }"#;
    let references = format!("{references}\n{}", crds_fn(&references));
    cases.pass(case(&dir, "object_reference", &references, main));
    let generated_structs = generate(&[reports, "--no-object-reference", "--no-condition"]);
    assert!(!generated_structs.contains("ObjectReference;"));
    let main = "fn main() { let _ = generated::__crds(); let _ = generated::PolicyReportScope { \
        api_version: None, field_path: None, kind: None, name: None, namespace: None, \
        resource_version: None, uid: None }; }";
    let generated_structs = format!("{generated_structs}\n{}", crds_fn(&generated_structs));
    cases.pass(case(&dir, "no_object_reference", &generated_structs, main));
    let artifacts = "/work/shared/crds/flux/source.toolkit.fluxcd.io_externalartifacts.yaml";
    assert!(generate(&[artifacts]).contains("Vec<Condition>"));
    let no_conditions = generate(&[artifacts, "--no-condition"]);
    assert!(!no_conditions.contains("Condition>"), "{no_conditions}");
    let main = "fn main() { let _ = generated::__crds(); }";
    let no_conditions = format!("{no_conditions}\n{}", crds_fn(&no_conditions));
    cases.pass(case(&dir, "no_condition", &no_conditions, main));

    // --relaxed: what is not structural is JSON, and crd() is structural
    let not_structural = "kube-gen/fuzz/corpus/crd_to_rust/not_structural.yaml";
    let relaxed = generate(&[not_structural, "--relaxed"]);
    let main = r#"fn main() {
        let crd = serde_json::to_value(generated::Loose::crd()).unwrap();
        let spec = &crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"];
        assert_eq!(spec["properties"]["args"]["type"], "array", "{spec}");
        assert!(spec["properties"]["odd"].get("type").is_none(), "{spec}");
    }"#;
    cases.pass(case(&dir, "relaxed", &relaxed, main));

    // property names and enum values that collide after case conversion, keywords, digits
    let fuzz_corpus = "kube-gen/fuzz/corpus/crd_to_rust";
    let colliding = generate(&[&format!("{fuzz_corpus}/colliding_names.yaml")]);
    // The names made for `1st`, `Self`, `type`/`@type` and the like are what rustc's case
    // lints accept (`BarSpec1st`, `type_2`): the lints are errors here.
    let colliding = format!("#![deny(non_camel_case_types, non_snake_case)]\n{colliding}");
    let main = "fn main() { let _ = generated::Bar::crd(); }";
    cases.pass(case(&dir, "colliding_names", &colliding, main));

    for (name, file) in REAL_CRDS {
        let path = format!("/work/shared/crds/{file}");
        let generated = generate(&[&path, "--version-filter", "all"]);
        // crd() builds the schema at run time; it panics on schemas with no structural form
        let main = "fn main() { let _ = generated::__crds(); }";
        let generated = format!("{generated}\n{}", crds_fn(&generated));
        cases.pass(case(&dir, name, &generated, main));
    }
}

/// `pub fn __crds()` calling `crd()` on every root type of `generated` (found by its kinds).
fn crds_fn(generated: &str) -> String {
    let mut calls = Vec::new();
    for rest in generated.split("kind = \"").skip(1) {
        let kind = rest.split('"').next().unwrap();
        calls.push(format!("let _ = {kind}::crd();"));
    }
    assert!(!calls.is_empty(), "no #[kube(...)] in\n{generated}");
    format!("pub fn __crds() {{ {} }}", calls.join(" "))
}

/// A CRD whose spec has required fields that cannot default (a date-time, and a struct holding
/// one) beside ones that can (an enum, an optional struct).
/// `yaml` as JSON.
fn yaml_to_json(yaml: &str) -> serde_json::Value {
    let loaded = load(&Source {
        name: "inline.yaml".into(),
        text: yaml.into(),
    })
    .unwrap();
    loaded.crds[0].document.value.clone()
}

/// A namespaced CRD with root CEL rules in all their forms, an enum, an int-or-string, a
/// scale subresource and a printer column, for `--target kube`.
const KUBE_TARGET_CRD: &str = r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.example.com
spec:
  group: example.com
  names: {kind: Gadget, plural: gadgets, singular: gadget, listKind: GadgetList}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    additionalPrinterColumns:
    - {name: Replicas, type: integer, jsonPath: .spec.replicas}
    subresources:
      status: {}
      scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas}
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-validations:
        - rule: has(self.spec)
        - rule: self.spec.replicas <= 10
          message: at most 10
          reason: FieldValueForbidden
          fieldPath: .spec.replicas
        - rule: self.spec.replicas >= 0
          messageExpression: "'negative: ' + string(self.spec.replicas)"
        properties:
          spec:
            type: object
            properties:
              replicas: {type: integer, format: int32, minimum: 0}
              mode: {type: string, enum: [Fast, Slow]}
              port: {x-kubernetes-int-or-string: true}
          status:
            type: object
            properties:
              replicas: {type: integer, format: int32}
"#;

const ELISION_CRD: &str = r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
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
              required: [when, mode, inner]
              properties:
                when: {type: string, format: date-time}
                mode: {type: string, enum: [A, B]}
                inner:
                  type: object
                  required: [at]
                  properties:
                    at: {type: string, format: date-time}
                optional:
                  type: object
                  properties:
                    x: {type: string}
"#;
