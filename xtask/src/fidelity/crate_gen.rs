//! One project of the corpus → a small crate in `target/fidelity/<project>/`: the types the
//! CLI generates, the input schemas and synthesised objects as JSON, and a `main` that checks
//! every root type and prints one JSON line per check.
//!
//! The crate has its own `[workspace]` table (it is not a member of ours), depends on
//! `kube-gen` by path and on serde, serde_json, schemars and k8s-openapi exactly as the root
//! `Cargo.toml` does, and starts from a copy of our `Cargo.lock`, so it builds `--offline`
//! against the dependencies the workspace already built.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use kube_gen_codegen::crd::{self, Source, VersionFilter, VersionOptions};
use kube_gen_codegen::emit::source::{self, SourceOptions};
use serde_json::Value;

use kube_gen_codegen::Target;

use super::Paths;
use super::corpus::CrdFile;
use super::objects::Object;
use super::synthesize;

/// The semantic comparison, compiled into every generated crate as `mod canon`.
const CANON_RS: &str = include_str!("canon.rs");

/// One root type the generated crate checks: one version of one CRD.
#[derive(Debug, Clone)]
pub struct Unit {
    /// The corpus file (`flux/...yaml`).
    pub file: String,
    /// The CRD's name (`helmrepositories.source.toolkit.fluxcd.io`).
    pub crd: String,
    /// The version.
    pub version: String,
    /// The Rust module of the file in the crate (`f_helmrepositories`).
    pub module: String,
    /// The path of the root type below the crate root (`f_x::helm_repository_v1::HelmRepository`).
    pub rust_path: String,
    /// `data/<module>/<version module>` without extension: the `.schema.json` and
    /// `.sample.json` of this unit.
    pub data: String,
    /// The hand-written objects of this version: (name, data file below the crate).
    pub objects: Vec<(String, String)>,
}

/// The result of generating one project's crate.
#[derive(Debug, Default)]
pub struct Generated {
    /// The crate's directory.
    pub dir: PathBuf,
    /// Its package (and binary) name.
    pub package: String,
    /// The derive the code is for.
    pub target: Target,
    /// Root types whose code was generated, in file order.
    pub units: Vec<Unit>,
    /// Files that were generated (their module names, parallel to the files).
    pub modules: Vec<(String, String)>,
    /// Files the library could not generate, with the error.
    pub failures: Vec<(String, String)>,
    /// Versions of failed files, for the checks they block: (file, crd, version).
    pub blocked: Vec<(String, String, String)>,
    /// Hand-written objects no generated version has the apiVersion and kind of.
    pub unmatched: Vec<String>,
}

/// Writes the crate of `project` for `target` below `target/fidelity`: `<project>/`, or
/// `kube/<project>/` for kube-derive's output.
pub fn generate(
    paths: &Paths<'_>,
    project: &str,
    target: Target,
    files: &[CrdFile],
    objects: &[Object],
) -> anyhow::Result<Generated> {
    let Paths {
        workspace,
        corpus,
        root,
    } = *paths;
    let (dir, package) = match target {
        Target::KubeGen => (root.join(project), format!("fidelity-{project}")),
        Target::Kube => (
            root.join("kube").join(project),
            format!("fidelity-kube-{project}"),
        ),
    };
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("cleaning {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir.join("src"))?;
    let mut generated = Generated {
        dir: dir.clone(),
        package: package.clone(),
        target,
        ..Generated::default()
    };
    let mut taken = BTreeSet::new();
    for file in files {
        let module = module_name(&file.path, &mut taken);
        let text = std::fs::read_to_string(corpus.join(&file.path))
            .with_context(|| format!("reading {}", file.path))?;
        let source = Source {
            name: file.path.clone(),
            text,
        };
        match generate_file(&dir, &source, &module, target, objects) {
            Ok(units) => {
                generated.units.extend(units);
                generated.modules.push((file.path.clone(), module));
            }
            Err(err) => {
                generated.blocked.extend(all_versions(&source));
                generated.failures.push((file.path.clone(), err));
            }
        }
    }
    let used: BTreeSet<&str> = generated
        .units
        .iter()
        .flat_map(|u| u.objects.iter().map(|(name, _)| name.as_str()))
        .collect();
    generated.unmatched = objects
        .iter()
        .filter(|o| !used.contains(o.name.as_str()))
        .map(|o| o.name.clone())
        .collect();
    std::fs::write(
        dir.join("Cargo.toml"),
        manifest(workspace, &package, target)?,
    )?;
    std::fs::copy(workspace.join("Cargo.lock"), dir.join("Cargo.lock"))
        .context("copying Cargo.lock")?;
    std::fs::write(dir.join("src/canon.rs"), CANON_RS)?;
    write_main(&dir, &generated.units, target)?;
    Ok(generated)
}

/// Every (file, crd, version) of an input, for checks a generation failure blocks.
fn all_versions(source: &Source) -> Vec<(String, String, String)> {
    let Ok(loaded) = crd::load(source) else {
        return vec![(source.name.clone(), "?".into(), "?".into())];
    };
    loaded
        .crds
        .iter()
        .flat_map(|c| {
            let name = c.crd.metadata.name.clone().unwrap_or_default();
            c.crd
                .spec
                .versions
                .iter()
                .map(move |v| (source.name.clone(), name.clone(), v.name.clone()))
        })
        .collect()
}

/// Generates one file's module (as `kube-gen FILE --version-filter all --out-dir`) and data.
fn generate_file(
    dir: &Path,
    source: &Source,
    module: &str,
    target: Target,
    objects: &[Object],
) -> Result<Vec<Unit>, String> {
    let loaded = crd::load(source).map_err(|e| e.to_string())?;
    let options = VersionOptions {
        filter: VersionFilter::All,
        ..VersionOptions::default()
    };
    let mut versions = Vec::new();
    let mut inputs = Vec::new();
    for c in &loaded.crds {
        let selected = crd::versions(c, &options).map_err(|errors| {
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        })?;
        for version in selected {
            let name = &version.resource.names.version;
            let schema = c.document.value["spec"]["versions"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|v| v["name"] == name.as_str())
                .map(|v| v["schema"]["openAPIV3Schema"].clone())
                .unwrap_or(Value::Null);
            inputs.push((c.crd.metadata.name.clone().unwrap_or_default(), schema));
            versions.push(version);
        }
    }
    let options = SourceOptions {
        target,
        ..SourceOptions::default()
    };
    let files = source::module_files(&versions, &options)
        .map_err(|e| format!("the emitter produced invalid Rust: {e}"))?;
    let module_dir = dir.join("src").join(module);
    let data_dir = dir.join("data").join(module);
    let io = |e: std::io::Error| e.to_string();
    std::fs::create_dir_all(&module_dir).map_err(io)?;
    std::fs::create_dir_all(&data_dir).map_err(io)?;
    let mut units = Vec::new();
    for (name, text) in &files {
        std::fs::write(module_dir.join(name), text).map_err(io)?;
    }
    // module_files returns one file per version, in order, then mod.rs.
    for ((name, _), (version, (crd, schema))) in files.iter().zip(versions.iter().zip(inputs)) {
        let stem = name.trim_end_matches(".rs");
        let names = &version.resource.names;
        let sample = synthesize::object(&schema, &names.api_version(), &names.kind);
        let data = format!("data/{module}/{stem}");
        let write = |ext: &str, value: &Value| {
            let text = serde_json::to_string(value).expect("JSON values serialise");
            std::fs::write(dir.join(format!("{data}.{ext}.json")), text).map_err(io)
        };
        write("schema", &schema)?;
        write("sample", &sample)?;
        let mut own = Vec::new();
        let ours = |o: &&Object| o.api_version == names.api_version() && o.kind == names.kind;
        for (index, object) in objects.iter().filter(ours).enumerate() {
            write(&format!("object{index}"), &object.value)?;
            own.push((object.name.clone(), format!("{data}.object{index}")));
        }
        units.push(Unit {
            file: source.name.clone(),
            crd,
            version: names.version.clone(),
            module: module.to_owned(),
            rust_path: format!("{module}::{stem}::{}", version.resource.root()),
            data,
            objects: own,
        });
    }
    Ok(units)
}

/// A unique module name for a corpus file: `f_` and its file stem in snake_case.
fn module_name(path: &str, taken: &mut BTreeSet<String>) -> String {
    let stem = Path::new(path)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("crd");
    let base: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let base = format!("f_{base}");
    let mut name = base.clone();
    let mut n = 2;
    while !taken.insert(name.clone()) {
        name = format!("{base}_{n}");
        n += 1;
    }
    name
}

/// The crate's `Cargo.toml`: the dependency lines of the root `Cargo.toml`, copied.
fn manifest(workspace: &Path, package: &str, target: Target) -> anyhow::Result<String> {
    let root = std::fs::read_to_string(workspace.join("Cargo.toml"))?;
    // The derive the code is for: kube-gen's, or kube's alone (kube-gen is not a dependency,
    // so the output is shown to need none of it).
    let derive = match target {
        Target::KubeGen => format!(
            "kube-gen = {{ path = {:?} }}",
            workspace.join("kube-gen").display().to_string()
        ),
        Target::Kube => {
            // the workspace's kube version, with `derive` alone
            let version = root
                .lines()
                .find(|l| l.starts_with("kube = "))
                .and_then(|l| l.split("version = \"").nth(1)?.split('"').next())
                .context("the root Cargo.toml has no `kube = { version = ... }`")?;
            format!(
                "kube = {{ version = \"{version}\", default-features = false, features = [\"derive\"] }}"
            )
        }
    };
    let mut deps = Vec::new();
    for name in ["k8s-openapi", "schemars", "serde", "serde_json"] {
        let prefix = format!("{name} = ");
        let Some(line) = root.lines().find(|l| l.starts_with(&prefix)) else {
            bail!("the root Cargo.toml has no `{name}` in [workspace.dependencies]");
        };
        deps.push(line.to_owned());
    }
    Ok(format!(
        "# Generated by `cargo xtask fidelity`; do not edit.\n\
         [package]\n\
         name = \"{package}\"\n\
         version = \"0.0.0\"\n\
         edition = \"2024\"\n\
         publish = false\n\n\
         # Not a member of the kube-gen workspace.\n\
         [workspace]\n\n\
         [dependencies]\n\
         {derive}\n\
         # The CLI's normaliser, `crd::normalize`, behind the codegen crate's `cli` feature.\n\
         kube-gen-codegen = {{ path = {codegen:?}, features = [\"cli\"] }}\n\
         {deps}\n\n\
         # No debug info: the checks need none, and it halves rustc's memory on large CRDs.\n\
         [profile.dev]\n\
         debug = 0\n",
        codegen = workspace.join("kube-gen/codegen").display().to_string(),
        deps = deps.join("\n"),
    ))
}

/// `src/main.rs`: every module and one check entry per unit in `units`.
pub fn write_main(dir: &Path, units: &[Unit], target: Target) -> anyhow::Result<()> {
    let modules: BTreeSet<&str> = units.iter().map(|u| u.module.as_str()).collect();
    let mods: String = modules.iter().map(|m| format!("mod {m};\n")).collect();
    let entries: String = units
        .iter()
        .map(|u| {
            let objects: String = u
                .objects
                .iter()
                .map(|(name, data)| format!("({name:?}, include_str!(\"../{data}.json\")), "))
                .collect();
            format!(
                "    Check {{\n        file: {file:?},\n        crd: {crd:?},\n        version: {version:?},\n        \
                 crd_fn: {path}::crd,\n        round_trip: round_trip::<{path}>,\n        \
                 schema: include_str!(\"../{data}.schema.json\"),\n        \
                 sample: include_str!(\"../{data}.sample.json\"),\n        \
                 objects: &[{objects}],\n    }},\n",
                file = u.file,
                crd = u.crd,
                version = u.version,
                path = u.rust_path,
                data = u.data,
            )
        })
        .collect();
    // kube-derive's root types have `crd()` through kube's trait only
    let uses = match target {
        Target::KubeGen => "",
        Target::Kube => "use kube::CustomResourceExt as _;\n",
    };
    let main = MAIN_RS
        .replace("/* MODS */\n", &format!("{mods}{uses}"))
        .replace("    /* CHECKS */\n", &entries);
    std::fs::write(dir.join("src/main.rs"), main)?;
    Ok(())
}

const MAIN_RS: &str = r#"//! Generated by `cargo xtask fidelity`; do not edit. Checks every root type generated from
//! this project's CRDs: the schema `crd()` derives against the input's, and the round trip of
//! an object synthesised from the input schema. Prints one JSON line per check.

#![allow(warnings)]

mod canon;
/* MODS */

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use serde_json::{Value, json};

struct Check {
    file: &'static str,
    crd: &'static str,
    version: &'static str,
    crd_fn: fn() -> CustomResourceDefinition,
    round_trip: fn(&str) -> Result<(), Vec<String>>,
    schema: &'static str,
    sample: &'static str,
    /// Hand-written objects: (name, JSON).
    objects: &'static [(&'static str, &'static str)],
}

const CHECKS: &[Check] = &[
    /* CHECKS */
];

fn main() {
    // A panic (e.g. a schema with no structural form) fails its check; the message is reported.
    std::panic::set_hook(Box::new(|_| {}));
    for check in CHECKS {
        let schema = guarded(|| schema(check));
        report(check, "schema", schema);
        let round_trip = guarded(|| (check.round_trip)(check.sample));
        report(check, "round-trip", round_trip);
        let strict = guarded(|| strict(check));
        report(check, "strict-schema", strict);
        if !check.objects.is_empty() {
            let objects = guarded(|| objects(check));
            report(check, "objects", objects);
        }
    }
}

fn report(check: &Check, name: &str, result: Result<(), Vec<String>>) {
    let (ok, detail) = match result {
        Ok(()) => (true, Vec::new()),
        Err(lines) => (false, lines),
    };
    let line = json!({
        "file": check.file, "crd": check.crd, "version": check.version,
        "check": name, "ok": ok, "detail": detail,
    });
    println!("{line}");
}

fn guarded(f: impl FnOnce() -> Result<(), Vec<String>>) -> Result<(), Vec<String>> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "a panic".to_owned());
        Err(vec![format!("panicked: {message}")])
    })
}

/// The derived schema of the version against the input's, both normalised and canonical.
fn schema(check: &Check) -> Result<(), Vec<String>> {
    compare_schemas(check, 40, |value| {
        kube_gen_codegen::crd::normalize(value);
        canon::canonical(value);
    })
}

/// The derived schema of the version against the input's as they are, but for the float64
/// bounds (`canon::float_bounds`).
fn strict(check: &Check) -> Result<(), Vec<String>> {
    compare_schemas(check, usize::MAX, canon::float_bounds)
}

/// The input schema (expected) against the one `crd()` derives, both first rewritten by
/// `rewrite`; at most `limit` lines of differences.
fn compare_schemas(check: &Check, limit: usize, rewrite: fn(&mut Value)) -> Result<(), Vec<String>> {
    let crd = (check.crd_fn)();
    let derived = crd.spec.versions[0]
        .schema
        .as_ref()
        .and_then(|s| s.open_api_v3_schema.as_ref());
    let mut actual = serde_json::to_value(derived).map_err(|e| vec![e.to_string()])?;
    let mut expected: Value = serde_json::from_str(check.schema).map_err(|e| vec![e.to_string()])?;
    rewrite(&mut actual);
    rewrite(&mut expected);
    if actual == expected {
        Ok(())
    } else {
        Err(canon::diff(&expected, &actual, limit))
    }
}

/// Every hand-written object round-trips; the differences name the object.
fn objects(check: &Check) -> Result<(), Vec<String>> {
    let mut lines = Vec::new();
    for (name, json) in check.objects {
        if let Err(diff) = (check.round_trip)(json) {
            lines.extend(diff.into_iter().map(|line| format!("{name}: {line}")));
        }
    }
    if lines.is_empty() { Ok(()) } else { Err(lines) }
}

/// The sample deserialised into `K` and serialised back must be the sample.
fn round_trip<K>(sample: &str) -> Result<(), Vec<String>>
where
    K: serde::Serialize + serde::de::DeserializeOwned,
{
    let expected: Value = serde_json::from_str(sample).map_err(|e| vec![e.to_string()])?;
    let typed: K = serde_json::from_value(expected.clone())
        .map_err(|e| vec![format!("deserialising the synthesised object: {e}")])?;
    let actual = serde_json::to_value(&typed).map_err(|e| vec![format!("serialising: {e}")])?;
    if actual == expected {
        Ok(())
    } else {
        Err(canon::diff(&expected, &actual, 40))
    }
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_names_are_unique_identifiers() {
        let mut taken = BTreeSet::new();
        assert_eq!(
            module_name("a/045-Crd-kafka.node.yaml", &mut taken),
            "f_045_crd_kafka_node"
        );
        assert_eq!(
            module_name("b/045-Crd-kafka.node.yaml", &mut taken),
            "f_045_crd_kafka_node_2"
        );
    }
}
