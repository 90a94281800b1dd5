//! The `kube-gen` binary on bad and hostile inputs: one `error: FILE:LINE:COLUMN: ... (at PATH)`
//! line per problem, exit code 1, never a panic, and nothing written.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A small valid CRD; `{SPEC}` is replaced by the spec property's schema (flow style).
const CRD: &str = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: bars.example.com
spec:
  group: example.com
  names: {kind: Bar, plural: bars}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {SPEC}
";

/// Where `{SPEC}` starts: line 17, column 17.
const SPEC_PATH: &str = ".spec.versions[0].schema.openAPIV3Schema.properties.spec";

fn crd(spec: &str) -> String {
    CRD.replace("{SPEC}", spec)
}

fn foo_crd() -> String {
    std::fs::read_to_string(workspace().join("artifacts/crd.yaml")).unwrap()
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A scratch directory with `name` holding `bytes`.
struct Input {
    dir: tempfile::TempDir,
    path: PathBuf,
}

fn input(name: &str, bytes: impl AsRef<[u8]>) -> Input {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    Input { dir, path }
}

/// Runs `kube-gen` in the input's directory (so messages name the file as given).
fn kube_gen(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kube-gen"))
        .args(args)
        .current_dir(dir)
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap()
}

fn run(input: &Input, extra: &[&str]) -> Output {
    let name = input.path.file_name().unwrap().to_str().unwrap();
    let mut args = vec![name];
    args.extend_from_slice(extra);
    kube_gen(input.dir.path(), &args)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Exit 1, nothing on stdout, and every stderr line an `error:` (or `note`) line about `file`
/// in the one format; returns the error lines.
fn errors(out: &Output, file: &str) -> Vec<String> {
    let text = stderr(out);
    assert_eq!(out.status.code(), Some(1), "stderr:\n{text}");
    assert!(out.stdout.is_empty(), "stdout on error");
    assert!(
        !text.contains("panicked") && !text.contains("RUST_BACKTRACE"),
        "{text}"
    );
    let lines: Vec<String> = text.lines().map(str::to_owned).collect();
    assert!(!lines.is_empty());
    for line in &lines {
        let rest = line
            .strip_prefix("error: ")
            .or_else(|| line.split_once(": note: ").map(|(at, _)| at))
            .unwrap_or_else(|| panic!("not an error line: {line}"));
        assert!(rest.starts_with(&format!("{file}:")), "{line}");
        assert!(line.len() < 1000, "an overlong line: {line}");
    }
    lines
        .into_iter()
        .filter(|l| l.starts_with("error: "))
        .collect()
}

/// The one error line of `out`.
fn error(out: &Output, file: &str) -> String {
    let errors = errors(out, file);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    errors.into_iter().next().unwrap()
}

#[test]
fn malformed_yaml_names_file_line_and_column() {
    let bad = input("bad.yaml", "kind: [a\nb: c\n");
    let line = error(&run(&bad, &[]), "bad.yaml");
    assert!(line.starts_with("error: bad.yaml:"), "{line}");
    assert!(line.contains(": malformed YAML: "), "{line}");
    let position = line["error: bad.yaml:".len()..].split(':').take(2);
    assert!(
        position.map(|p| p.parse::<u32>()).all(|p| p.is_ok()),
        "{line}"
    );
}

#[test]
fn malformed_json_names_file_line_and_column() {
    let bad = input("bad.json", "{\"kind\": \n  oops}");
    assert_eq!(
        error(&run(&bad, &[]), "bad.json"),
        "error: bad.json:2:3: malformed JSON: expected value"
    );
}

#[test]
fn a_document_that_is_not_a_crd_is_named() {
    let bad = input(
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
    );
    assert_eq!(
        error(&run(&bad, &[]), "cm.yaml"),
        "error: cm.yaml: no apiextensions.k8s.io/v1 CustomResourceDefinition found (skipped: v1 ConfigMap)"
    );
}

#[test]
fn a_v1beta1_crd_points_at_its_api_version() {
    let bad = input(
        "old.yaml",
        crd("{type: object}").replace("/v1\n", "/v1beta1\n"),
    );
    let line = error(&run(&bad, &[]), "old.yaml");
    assert!(
        line.starts_with("error: old.yaml:1:13: apiextensions.k8s.io/v1beta1 CustomResourceDefinitions are not supported"),
        "{line}"
    );
    assert!(line.ends_with("(at .apiVersion)"), "{line}");
}

#[test]
fn a_field_of_the_wrong_type_points_at_it() {
    let bad = input(
        "types.yaml",
        crd("{type: object}").replace("served: true", "served: \"yes\""),
    );
    assert_eq!(
        error(&run(&bad, &[]), "types.yaml"),
        "error: types.yaml:11:13: invalid CustomResourceDefinition: invalid type: string \"yes\", \
         expected a boolean (at .spec.versions[0].served)"
    );
}

#[test]
fn what_the_api_server_rejects_is_reported_node_by_node() {
    let bad = input(
        "rejected.yaml",
        crd(
            "{type: object, properties: {a: {$ref: '#/x'}, b: {type: array, uniqueItems: true, \
             items: {type: string}}, c: {type: 'null'}, d: {tpye: string}, e: {type: array, \
             items: [{type: string}]}}}",
        ),
    );
    let errors = errors(&run(&bad, &[]), "rejected.yaml");
    let expected = [
        ("a[\"$ref\"]", "$ref is not supported"),
        ("b.uniqueItems", "uniqueItems cannot be set to true"),
        ("c.type", "type cannot be set to null"),
        ("d.tpye", "unknown field `tpye` in a schema"),
        ("e.items", "items must be a schema object and not an array"),
    ];
    assert_eq!(errors.len(), expected.len(), "{errors:#?}");
    for (line, (path, message)) in errors.iter().zip(expected) {
        assert!(line.starts_with("error: rejected.yaml:17:"), "{line}");
        assert!(line.contains(message), "{line}");
        let path = format!("(at {SPEC_PATH}.properties.{path})");
        assert!(line.ends_with(&path), "{line} does not end with {path}");
    }
}

#[test]
fn crd_wide_mistakes_are_reported() {
    let cases = [
        (
            crd("{type: object}").replace("bars.example.com", "foos.example.com"),
            "error: crd.yaml:4:9: invalid CustomResourceDefinition: `metadata.name` must be \
             `<plural>.<group>` = `bars.example.com`, not `foos.example.com` (at .metadata.name)",
        ),
        (
            crd("{type: object}").replace("storage: true", "storage: false"),
            "error: crd.yaml:10:5: invalid CustomResourceDefinition: exactly one version must be \
             the storage version, not 0 (at .spec.versions)",
        ),
        (
            crd("{type: object}").replace("Namespaced", "Galaxy"),
            "error: crd.yaml:8:10: invalid CustomResourceDefinition: `spec.scope` must be \
             Namespaced or Cluster, not `Galaxy` (at .spec.scope)",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(
            error(&run(&input("crd.yaml", text), &[]), "crd.yaml"),
            expected
        );
    }
}

#[test]
fn a_schema_without_a_rust_mapping_points_at_the_node() {
    let bad = input(
        "unmappable.yaml",
        crd("{type: object, properties: {n: {type: wat}}}"),
    );
    let line = error(&run(&bad, &[]), "unmappable.yaml");
    assert!(
        line.starts_with(
            "error: unmappable.yaml:17:48: cannot generate Rust for this schema: unknown type `wat`"
        ),
        "{line}"
    );
    assert!(
        line.ends_with(&format!("(at {SPEC_PATH}.properties.n)")),
        "{line}"
    );
}

#[test]
fn errors_of_every_input_are_printed_before_exiting() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.yaml"), "kind: [").unwrap();
    std::fs::write(
        dir.path().join("b.yaml"),
        crd("{type: object, properties: {n: {type: wat}}}"),
    )
    .unwrap();
    let out = kube_gen(dir.path(), &["a.yaml", "b.yaml"]);
    let text = stderr(&out);
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].starts_with("error: a.yaml:"), "{text}");
    assert!(lines[1].starts_with("error: b.yaml:17:"), "{text}");
}

#[test]
fn empty_whitespace_and_missing_files_are_errors() {
    for text in ["", "\n\n   \n", "---\n---\n"] {
        let empty = input("empty.yaml", text);
        assert_eq!(
            error(&run(&empty, &[]), "empty.yaml"),
            "error: empty.yaml: no apiextensions.k8s.io/v1 CustomResourceDefinition found"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        error(&kube_gen(dir.path(), &["missing.yaml"]), "missing.yaml"),
        "error: missing.yaml: cannot read: No such file or directory (os error 2)"
    );
}

#[test]
fn binary_garbage_is_not_utf8_text() {
    let garbage: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
    let bad = input("garbage.yaml", &garbage);
    let line = error(&run(&bad, &[]), "garbage.yaml");
    assert!(line.contains(": not UTF-8 text: byte 0x"), "{line}");

    let bad = input("nul.yaml", "kind: \0\x01\x02");
    error(&run(&bad, &[]), "nul.yaml");
}

#[test]
fn truncated_files_fail_cleanly_wherever_they_are_cut() {
    let full =
        crd("{type: object, description: \"Grüße, ☃ and 🦀\", properties: {n: {type: integer}}}")
            .into_bytes();
    let mut cuts: Vec<usize> = (1..full.len()).step_by(37).collect();
    // inside every multi-byte character: before each continuation byte
    cuts.extend((0..full.len()).filter(|&i| full[i] & 0xC0 == 0x80));
    let snowman = full.windows(3).position(|w| w == "☃".as_bytes()).unwrap();
    for cut in cuts {
        let cut_input = input("cut.yaml", &full[..cut]);
        let out = run(&cut_input, &[]);
        if out.status.success() {
            // a cut between two keys can still be a valid CRD
            continue;
        }
        let lines = errors(&out, "cut.yaml");
        assert!(!lines.is_empty(), "cut at {cut}");
    }
    let mid_utf8 = input("cut.yaml", &full[..snowman + 1]);
    let line = error(&run(&mid_utf8, &[]), "cut.yaml");
    assert!(
        line.contains("not UTF-8 text: the input ends inside a character (byte 0xE2)"),
        "{line}"
    );
}

/// A schema nested `levels` deep (`{type: object, properties: {a: ...}}`), in flow style.
fn nested(levels: usize) -> String {
    let mut schema = "{type: string}".to_owned();
    for _ in 0..levels {
        schema = format!("{{type: object, properties: {{a: {schema}}}}}");
    }
    schema
}

#[test]
fn deep_nesting_is_refused_with_a_clear_error_not_a_stack_overflow() {
    for levels in [200, 5_000] {
        let deep = input("deep.yaml", crd(&nested(levels)));
        let line = error(&run(&deep, &[]), "deep.yaml");
        assert!(
            line.contains(": malformed YAML: nested deeper than 128 levels"),
            "{line}"
        );
    }
    let json = format!("{{\"a\": {}{}}}", "[".repeat(100_000), "]".repeat(100_000));
    let deep = input("deep.json", json);
    assert_eq!(
        error(&run(&deep, &[]), "deep.json"),
        "error: deep.json:1:133: malformed JSON: nested deeper than 128 levels; a CRD needs far fewer"
    );
    let flow = format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    let deep = input("flow.yaml", flow);
    let line = error(&run(&deep, &[]), "flow.yaml");
    assert!(line.contains("nested deeper than 128 levels"), "{line}");
}

#[test]
fn the_deepest_accepted_schema_generates() {
    // 8 levels down to `spec`, then two per schema level: 128 in all
    let deep = input("deep.yaml", crd(&nested(60)));
    let out = run(&deep, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("pub struct BarSpecAAAAAAAAAA"), "{text}");
}

#[test]
fn an_enum_with_10000_values_generates_10000_variants() {
    let values: Vec<String> = (0..10_000).map(|i| format!("v{i}")).collect();
    let spec = format!(
        "{{type: object, properties: {{e: {{type: string, enum: [{}]}}}}}}",
        values.join(", ")
    );
    let huge = input("enum.yaml", crd(&spec));
    let out = run(&huge, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    let file = syn::parse_file(&text).unwrap();
    let variants = file.items.iter().find_map(|item| match item {
        syn::Item::Enum(e) if e.ident == "BarSpecE" => Some(e.variants.len()),
        _ => None,
    });
    assert_eq!(variants, Some(10_000));
}

#[test]
fn names_that_collide_after_case_conversion_stay_distinct() {
    let names = [
        "a_b",
        "aB",
        "a-b",
        "A_B",
        "a.b",
        "a b",
        "AB",
        "a_b_2",
        "aB2",
        "a__b",
        "_a_b",
        "a_b_",
        "type",
        "type_",
        "extra_fields",
        "extraFields",
        "self",
        "Self",
        "1st",
        "$",
    ];
    let properties: Vec<String> = names
        .iter()
        .map(|n| format!("{n:?}: {{type: object, properties: {{x: {{type: string, enum: [a_b, aB, A_B, a-b]}}}}}}"))
        .collect();
    let spec = format!(
        "{{type: object, x-kubernetes-preserve-unknown-fields: true, properties: {{{}}}}}",
        properties.join(", ")
    );
    let colliding = input("names.yaml", crd(&spec));
    let out = run(&colliding, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let file = syn::parse_file(&String::from_utf8(out.stdout).unwrap()).unwrap();
    let mut types = std::collections::BTreeSet::new();
    for item in &file.items {
        match item {
            syn::Item::Struct(s) => {
                assert!(types.insert(s.ident.to_string()), "type {} twice", s.ident);
                let mut fields = std::collections::BTreeSet::new();
                for field in &s.fields {
                    let name = field.ident.as_ref().unwrap().to_string();
                    assert!(fields.insert(name.clone()), "{}.{name} twice", s.ident);
                }
            }
            syn::Item::Enum(e) => {
                assert!(types.insert(e.ident.to_string()), "type {} twice", e.ident);
                let mut variants = std::collections::BTreeSet::new();
                for variant in &e.variants {
                    let name = variant.ident.to_string();
                    assert!(variants.insert(name.clone()), "{}::{name} twice", e.ident);
                }
            }
            _ => {}
        }
    }
    let spec = file.items.iter().find_map(|item| match item {
        syn::Item::Struct(s) if s.ident == "BarSpec" => Some(s.fields.len()),
        _ => None,
    });
    // every property, plus the flattened map of unknown fields
    assert_eq!(spec, Some(names.len() + 1));
}

#[test]
fn a_yaml_alias_bomb_is_refused_quickly() {
    let mut bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n".to_owned();
    for (previous, name) in ('a'..='k').zip('b'..='l') {
        let aliases = vec![format!("*{previous}"); 9].join(", ");
        bomb += &format!("{name}: &{name} [{aliases}]\n");
    }
    let started = Instant::now();
    let bomb = input("bomb.yaml", bomb);
    let line = error(&run(&bomb, &[]), "bomb.yaml");
    assert!(
        line.contains(": malformed YAML: aliases expand to more than 10000 nodes"),
        "{line}"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn very_long_lines_work_and_long_keys_fail_with_a_position() {
    let description = "x".repeat(2_000_000);
    let long = input(
        "long.yaml",
        crd(&format!("{{type: object, description: \"{description}\"}}")),
    );
    let out = run(&long, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stdout.len() > 2_000_000);

    // YAML limits implicit keys to 1024 characters
    let key = "k".repeat(5_000);
    let long = input(
        "key.yaml",
        crd(&format!(
            "{{type: object, properties: {{{key}: {{type: string}}}}}}"
        )),
    );
    let line = error(&run(&long, &[]), "key.yaml");
    assert!(line.starts_with("error: key.yaml:17:"), "{line}");
}

#[test]
fn on_error_nothing_is_written_and_existing_files_stay() {
    let bad = input(
        "bad.yaml",
        crd("{type: object, properties: {n: {$ref: '#/n'}}}"),
    );
    let dir = bad.dir.path();
    std::fs::write(dir.join("out.rs"), "// mine\n").unwrap();
    error(&run(&bad, &["-o", "out.rs"]), "bad.yaml");
    assert_eq!(
        std::fs::read_to_string(dir.join("out.rs")).unwrap(),
        "// mine\n"
    );
    error(&run(&bad, &["-o", "new.rs"]), "bad.yaml");
    assert!(!dir.join("new.rs").exists());

    error(&run(&bad, &["--out-dir", "api"]), "bad.yaml");
    assert!(!dir.join("api").exists());
    std::fs::create_dir(dir.join("api")).unwrap();
    std::fs::write(dir.join("api/mod.rs"), "// mine\n").unwrap();
    error(&run(&bad, &["--out-dir", "api"]), "bad.yaml");
    assert_eq!(
        std::fs::read_to_string(dir.join("api/mod.rs")).unwrap(),
        "// mine\n"
    );
    let left: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 3, "temporary files left behind: {left:?}");

    // one good input and one bad one: still nothing
    std::fs::write(dir.join("foo.yaml"), foo_crd()).unwrap();
    let out = kube_gen(dir, &["foo.yaml", "bad.yaml", "-o", "out.rs"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(dir.join("out.rs")).unwrap(),
        "// mine\n"
    );
}

#[test]
fn a_filter_that_matches_nothing_says_what_there_is() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("foo.yaml"), foo_crd()).unwrap();
    let out = kube_gen(dir.path(), &["foo.yaml", "--version-filter", "v9"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: no version matches --version-filter v9 (the inputs have Foo/v1alpha1)\n"
    );
}
