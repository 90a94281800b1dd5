//! `kube-gen` and `#[derive(CustomResource)]` agree: every check the derive applies to a
//! `#[kube(...)]` value, the CLI applies to the CRD value it would write there (a CRD that breaks
//! one is an `error: FILE:LINE:COLUMN: ... (at PATH)` line), and whatever the CLI accepts, the
//! fuzz corpus, a few real CRDs and the values it writes differently included, compiles.

mod common;

use std::path::Path;
use std::process::{Command, Output};

/// A valid CRD using every key the checks cover; each case breaks one value.
const CRD: &str = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: bars.example.com
spec:
  group: example.com
  names:
    kind: Bar
    plural: bars
    singular: bar
    shortNames: [br]
    categories: [all]
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
      scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas, labelSelectorPath: .status.selector}
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size, priority: 0}
    selectableFields:
    - {jsonPath: .spec.color}
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-validations:
        - {rule: self.spec.size >= 0, reason: FieldValueInvalid}
        properties:
          spec: {type: object, properties: {size: {type: integer}, replicas: {type: integer}, color: {type: string}}}
          status: {type: object, properties: {replicas: {type: integer}, selector: {type: string}}}
";

/// Runs `kube-gen crd.yaml <args>` on `text` in a scratch directory.
fn run(text: &str, args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("crd.yaml"), text).unwrap();
    kube_gen(dir.path(), &[&["crd.yaml"], args].concat())
}

fn kube_gen(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kube-gen"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

/// The stderr lines of a run that must have failed with exit code 1 and written nothing.
fn errors(out: &Output) -> Vec<String> {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "stderr:\n{stderr}");
    assert!(out.stdout.is_empty(), "stdout on error");
    stderr.lines().map(str::to_owned).collect()
}

/// `CRD` with each `(from, to)` replaced, once each.
fn crd_with(replacements: &[(&str, &str)]) -> String {
    let mut text = CRD.to_owned();
    for (from, to) in replacements {
        assert_eq!(
            text.matches(from).count(),
            1,
            "`{from}` is not in the CRD once"
        );
        text = text.replacen(from, to, 1);
    }
    text
}

#[test]
fn the_base_crd_generates_every_key() {
    let out = run(CRD, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let rust = String::from_utf8(out.stdout).unwrap();
    for key in [
        "shortname = \"br\"",
        "category = \"all\"",
        "spec_replicas_path = \".spec.replicas\"",
        "label_selector_path = \".status.selector\"",
        "type_ = \"integer\"",
        "selectable = \".spec.color\"",
        "rule = \"self.spec.size >= 0\"",
        "reason = \"FieldValueInvalid\"",
    ] {
        assert!(rust.contains(key), "no `{key}` in\n{rust}");
    }
}

#[test]
fn each_name_the_derive_rejects_is_an_error_at_its_node() {
    let invalid = "error: crd.yaml";
    let cases: &[(&[(&str, &str)], String)] = &[
        (
            &[
                ("group: example.com", "group: example"),
                ("name: bars.example.com", "name: bars.example"),
            ],
            format!(
                "{invalid}:6:10: invalid CustomResourceDefinition: group `example` must be a \
                 domain with at least one dot, like \"example.example.com\" (at .spec.group)"
            ),
        ),
        (
            &[("kind: Bar", "kind: Bar_1")],
            format!(
                "{invalid}:8:11: invalid CustomResourceDefinition: `_` is not allowed in kind \
                 `Bar_1`; use ASCII letters, digits and `-`, like \"CronTab\" (at .spec.names.kind)"
            ),
        ),
        (
            &[
                ("plural: bars", "plural: Bars"),
                ("name: bars.example.com", "name: Bars.example.com"),
            ],
            format!(
                "{invalid}:9:13: invalid CustomResourceDefinition: plural `Bars` is not a \
                 lowercase DNS-1035 label: `B` is not allowed; use lowercase letters, digits and \
                 `-` (at .spec.names.plural)"
            ),
        ),
        (
            &[("singular: bar", "singular: 1bar")],
            format!(
                "{invalid}:10:15: invalid CustomResourceDefinition: singular `1bar` is not a \
                 lowercase DNS-1035 label: it must start with a lowercase letter (at \
                 .spec.names.singular)"
            ),
        ),
        (
            &[("shortNames: [br]", "shortNames: [br, b_r]")],
            format!(
                "{invalid}:11:22: invalid CustomResourceDefinition: short name `b_r` is not a \
                 lowercase DNS-1035 label: `_` is not allowed; use lowercase letters, digits and \
                 `-` (at .spec.names.shortNames[1])"
            ),
        ),
        (
            &[("categories: [all]", "categories: [all-]")],
            format!(
                "{invalid}:12:18: invalid CustomResourceDefinition: category `all-` is not a \
                 lowercase DNS-1035 label: it must start and end with a letter or digit (at \
                 .spec.names.categories[0])"
            ),
        ),
    ];
    for (replacements, expected) in cases {
        assert_eq!(
            errors(&run(&crd_with(replacements), &[])),
            std::slice::from_ref(expected),
            "{replacements:?}"
        );
    }
}

#[test]
fn each_version_value_the_derive_rejects_is_an_error_at_its_node() {
    let invalid = "error: crd.yaml";
    let cases: &[(&str, &str, String)] = &[
        (
            "type: integer, jsonPath",
            "type: int, jsonPath",
            format!(
                "{invalid}:22:26: invalid CustomResourceDefinition: unknown column type `int`; \
                 expected one of: integer, number, string, boolean, date (at \
                 .spec.versions[0].additionalPrinterColumns[0].type)"
            ),
        ),
        (
            "jsonPath: .spec.size,",
            "jsonPath: spec.size,",
            format!(
                "{invalid}:22:45: invalid CustomResourceDefinition: `spec.size` is not a JSON \
                 path from the object's root: it must start with `.`, like \".spec.replicas\" (at \
                 .spec.versions[0].additionalPrinterColumns[0].jsonPath)"
            ),
        ),
        (
            "{jsonPath: .spec.color}",
            "{jsonPath: spec.color}",
            format!(
                "{invalid}:24:18: invalid CustomResourceDefinition: `spec.color` is not a JSON \
                 path from the object's root: it must start with `.`, like \".spec.replicas\" (at \
                 .spec.versions[0].selectableFields[0].jsonPath)"
            ),
        ),
        (
            "specReplicasPath: .spec.replicas",
            "specReplicasPath: .status.replicas",
            format!(
                "{invalid}:20:33: invalid CustomResourceDefinition: `specReplicasPath` must be a \
                 JSON path under `.spec.`, like \".spec.replicas\", not `.status.replicas` (at \
                 .spec.versions[0].subresources.scale.specReplicasPath)"
            ),
        ),
        (
            "statusReplicasPath: .status.replicas",
            "statusReplicasPath: status.replicas",
            format!(
                "{invalid}:20:69: invalid CustomResourceDefinition: `status.replicas` is not a \
                 JSON path from the object's root: it must start with `.`, like \
                 \".spec.replicas\" (at .spec.versions[0].subresources.scale.statusReplicasPath)"
            ),
        ),
        (
            "labelSelectorPath: .status.selector",
            "labelSelectorPath: ''",
            format!(
                "{invalid}:20:106: invalid CustomResourceDefinition: `` is not a JSON path from \
                 the object's root: it must start with `.`, like \".spec.replicas\" (at \
                 .spec.versions[0].subresources.scale.labelSelectorPath)"
            ),
        ),
        (
            "rule: self.spec.size >= 0",
            "rule: ' '",
            format!(
                "{invalid}:29:18: invalid CustomResourceDefinition: the CEL rule is empty (at \
                 .spec.versions[0].schema.openAPIV3Schema.x-kubernetes-validations[0].rule)"
            ),
        ),
        (
            "reason: FieldValueInvalid",
            "reason: Because",
            format!(
                "{invalid}:29:47: invalid CustomResourceDefinition: unknown reason `Because`; \
                 expected one of: FieldValueInvalid, FieldValueForbidden, FieldValueRequired, \
                 FieldValueDuplicate (at \
                 .spec.versions[0].schema.openAPIV3Schema.x-kubernetes-validations[0].reason)"
            ),
        ),
    ];
    for (from, to, expected) in cases {
        assert_eq!(
            errors(&run(&crd_with(&[(from, to)]), &[])),
            std::slice::from_ref(expected),
            "{to}"
        );
    }
}

#[test]
fn values_the_apiserver_takes_but_the_derive_never_does_say_so() {
    let text = crd_with(&[
        ("- name: v1", "- name: stable"),
        ("jsonPath: .spec.size,", "jsonPath: .,"),
    ]);
    assert_eq!(
        errors(&run(&text, &[])),
        [
            "error: crd.yaml:15:11: #[derive(CustomResource)] would reject this value: version \
             `stable` must look like `v1`, `v1beta2` or `v2alpha1` (v<major>[alpha|beta<minor>]); \
             --version-filter can leave this version out (at .spec.versions[0].name)",
            "error: crd.yaml:22:45: #[derive(CustomResource)] would reject this value: `.` is not \
             a JSON path from the object's root: it must start with `.`, like \".spec.replicas\" \
             (at .spec.versions[0].additionalPrinterColumns[0].jsonPath)",
        ]
    );
}

#[test]
fn a_version_the_derive_rejects_can_be_left_out() {
    let text = crd_with(&[(
        "  versions:\n",
        "  versions:\n  - {name: stable, served: true, storage: false, schema: {openAPIV3Schema: {type: object}}}\n",
    )]);
    assert_eq!(errors(&run(&text, &[])).len(), 1);
    let out = run(&text, &["--version-filter", "v1"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_rejected_value_of_an_input_is_reported_at_once() {
    let text = crd_with(&[
        ("shortNames: [br]", "shortNames: [B]"),
        ("- name: v1", "- name: v1.0"),
        ("type: integer, jsonPath", "type: int, jsonPath"),
        ("reason: FieldValueInvalid", "reason: Because"),
    ]);
    let lines = errors(&run(&text, &[]));
    let paths = [
        ".spec.names.shortNames[0]",
        ".spec.versions[0].name",
        ".spec.versions[0].additionalPrinterColumns[0].type",
        ".spec.versions[0].schema.openAPIV3Schema.x-kubernetes-validations[0].reason",
    ];
    assert_eq!(lines.len(), paths.len(), "{lines:#?}");
    for (line, path) in lines.iter().zip(paths) {
        assert!(line.ends_with(&format!("(at {path})")), "{line}");
    }
}

/// Valid CRDs with values the derive can't take as written, which the CLI writes in a form it
/// does: a kind that can't name a type (`root = "MyKind"`), an empty singular (the default), a
/// negative column priority, and root fields named like the root object's own (`Kind`,
/// `api-version`: other Rust names, the same JSON names).
const REWRITTEN: &str = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: my-kinds.example.com}
spec:
  group: example.com
  names: {kind: my-kind, plural: my-kinds, singular: ''}
  scope: Cluster
  versions:
  - name: v1
    served: true
    storage: true
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size, priority: -1}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {size: {type: integer}}}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: loosefields.example.com}
spec:
  group: example.com
  names: {kind: LooseFields, plural: loosefields}
  scope: Namespaced
  versions:
  - name: v1alpha1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        required: [Kind]
        properties:
          apiVersion: {type: string}
          kind: {type: string}
          metadata: {type: object}
          Kind: {type: string}
          api-version: {type: string}
          api_version: {type: integer}
          Status: {type: boolean}
          Metadata: {type: object, properties: {a: {type: string}}}
          data: {type: object, additionalProperties: {type: string}}
";

/// Real CRDs whose shapes the corpus lacks: root fields (`type`, `version`, none at all, only a
/// status) and a spec next to other root properties.
const REAL_CRDS: &[&str] = &[
    "cluster-api/clusterctl.cluster.x-k8s.io_providers.yaml",
    "zalando-postgres-operator/fes.crd.yaml",
    "cloudnative-pg/postgresql.cnpg.io_failoverquorums.yaml",
    "tetragon/cilium.io_podinfo.yaml",
    "kyverno/wgpolicyk8s.io_policyreports.yaml",
];

#[test]
fn whatever_the_cli_accepts_compiles_with_the_derive() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli_derive_checks");
    std::fs::create_dir_all(&dir).unwrap();
    let mut inputs = common::fuzz_inputs();
    inputs.extend(
        REAL_CRDS
            .iter()
            .map(|f| Path::new("/work/shared/crds").join(f)),
    );
    let rewritten = dir.join("rewritten.yaml");
    std::fs::write(&rewritten, REWRITTEN).unwrap();
    inputs.push(rewritten.clone());
    inputs.push(dir.join("every_key.yaml"));
    std::fs::write(dir.join("every_key.yaml"), CRD).unwrap();

    let mut modules = Vec::new();
    for input in &inputs {
        let path = input.to_str().unwrap();
        let out = kube_gen(&dir, &[path, "--version-filter", "all"]);
        if !out.status.success() {
            // refused inputs are `cli_fuzz_corpus`'s business; ours must generate
            let must = input == &rewritten || REAL_CRDS.iter().any(|f| path.ends_with(f));
            assert!(!must, "{path}: {}", String::from_utf8_lossy(&out.stderr));
            continue;
        }
        let name: String = input
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let code = String::from_utf8(out.stdout).unwrap();
        modules.push(format!("mod m_{}_{name} {{\n{code}\n}}", modules.len()));
    }
    assert!(
        modules.len() >= 15,
        "only {} inputs generated",
        modules.len()
    );
    let rewritten_code = &modules[modules.len() - 2];
    for expected in [
        "root = \"MyKind\"",
        "priority = -1",
        "pub kind_2: String",
        "pub api_version_2: Option<String>",
        "pub status_2: Option<bool>",
    ] {
        assert!(
            rewritten_code.contains(expected),
            "no `{expected}` in\n{rewritten_code}"
        );
    }
    assert!(!rewritten_code.contains("singular"), "{rewritten_code}");

    let case = dir.join("accepted_inputs_compile.rs");
    let text = format!(
        "#![deny(warnings)]\n#![allow(dead_code)]\n\n{}\n\nfn main() {{}}\n",
        modules.join("\n\n")
    );
    std::fs::write(&case, text).unwrap();
    trybuild::TestCases::new().pass(case);
}
