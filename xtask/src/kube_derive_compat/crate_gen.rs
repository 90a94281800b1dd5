//! Writes the crate that runs kube-derive's tests against our derive, in
//! `target/kube-derive-compat/`: the test files with their import swapped, and a manifest
//! with the dependencies kube-derive's tests were written against.
//!
//! The crate has its own `[workspace]` table (it is not a member of ours) and starts from a
//! copy of our `Cargo.lock`, so its shared dependencies are the versions the workspace uses;
//! cargo adds what only kube-derive's tests need (kube's `cel`, assert-json-diff, jiff).
//! Files are only rewritten when their content changes, so a warm run rebuilds nothing.

use std::path::Path;

use anyhow::{Context, bail};

use super::locate::{self, Dep, Upstream};
use super::source;

/// The package name of the generated crate.
pub const PACKAGE: &str = "kube-derive-compat";

/// kube-derive's test files that use `#[derive(CustomResource)]`. Not `resource.rs`, which
/// tests `#[derive(Resource)]`, nor `test_ui.rs`, which checks kube-derive's own error
/// messages with trybuild.
pub const FILES: [&str; 6] = [
    "crd_complex_enum_test.rs",
    "crd_enum_test.rs",
    "crd_mixed_enum_test.rs",
    "crd_no_spec_test.rs",
    "crd_schema_test.rs",
    "typed_subresource.rs",
];

/// kube-derive's dev-dependencies that no copied file uses, left out of the build.
const LEFT_OUT: [(&str, &str); 4] = [
    ("trybuild", "test_ui.rs is not copied"),
    ("runtime-macros", "kube-derive's unit tests in src/ use it"),
    ("syn2", "kube-derive's unit tests in src/ use it"),
    ("prettyplease", "kube-derive's unit tests in src/ use it"),
];

/// One copied test file.
#[derive(Debug, Clone)]
pub struct TestFile {
    /// `crd_enum_test.rs`.
    pub file: String,
    /// The test target, `crd_enum_test`.
    pub target: String,
    /// Its `#[test]` functions, in order.
    pub tests: Vec<String>,
}

/// Writes (or refreshes) the crate in `dir` and returns its test files.
///
/// # Errors
///
/// When a test file can't be read or its import can't be swapped, a left-out dependency is
/// used after all, or a file can't be written.
pub fn generate(
    workspace: &Path,
    upstream: &Upstream,
    dir: &Path,
) -> anyhow::Result<Vec<TestFile>> {
    let mut files = Vec::new();
    let mut texts = Vec::new();
    for file in FILES {
        let path = upstream.dir.join("tests").join(file);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let swapped =
            source::swap_import(&text).with_context(|| format!("swapping the import in {file}"))?;
        files.push(TestFile {
            file: file.to_owned(),
            target: file.trim_end_matches(".rs").to_owned(),
            tests: source::test_names(&text),
        });
        texts.push((file, swapped));
    }
    let orig = upstream.dir.join("Cargo.toml.orig");
    let orig =
        std::fs::read_to_string(&orig).with_context(|| format!("reading {}", orig.display()))?;
    let manifest = manifest(
        upstream,
        &dependencies(upstream, &texts)?,
        &locate::kube_features(&orig)?,
        &workspace.join("kube-gen"),
    );
    std::fs::create_dir_all(dir.join("src"))?;
    std::fs::create_dir_all(dir.join("tests"))?;
    write_if_changed(&dir.join("Cargo.toml"), &manifest)?;
    write_if_changed(
        &dir.join("src/lib.rs"),
        "//! Empty: this crate is its tests/, copied from kube-derive.\n",
    )?;
    for entry in std::fs::read_dir(dir.join("tests"))? {
        let path = entry?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if !FILES.contains(&name) {
            std::fs::remove_file(&path)?;
        }
    }
    for (file, text) in &texts {
        write_if_changed(&dir.join("tests").join(file), text)?;
    }
    sync_lock(workspace, dir)?;
    Ok(files)
}

/// kube-derive's dev-dependencies but the [`LEFT_OUT`] ones, then those of its
/// dependencies the files use and the dev-dependencies do not already give.
fn dependencies(upstream: &Upstream, texts: &[(&str, String)]) -> anyhow::Result<Vec<Dep>> {
    let user = |dep: &Dep| {
        texts
            .iter()
            .find(|(_, text)| source::mentions_crate(text, &dep.lib_name()))
            .map(|(file, _)| *file)
    };
    let mut out: Vec<Dep> = Vec::new();
    for dep in &upstream.dev_dependencies {
        if let Some((_, why)) = LEFT_OUT.iter().find(|(key, _)| *key == dep.key()) {
            if let Some(file) = user(dep) {
                bail!(
                    "{file} uses `{}`, which the compatibility crate leaves out ({why}): add it back",
                    dep.lib_name()
                );
            }
            continue;
        }
        out.push(dep.clone());
    }
    for dep in &upstream.dependencies {
        if user(dep).is_some() && !out.iter().any(|d| d.key() == dep.key()) {
            out.push(dep.clone());
        }
    }
    out.retain(|d| !["kube", "kube-gen"].contains(&d.key()));
    Ok(out)
}

/// The crate's `Cargo.toml`.
fn manifest(
    upstream: &Upstream,
    deps: &[Dep],
    kube_features: &[String],
    kube_gen: &Path,
) -> String {
    let deps: String = deps.iter().map(|d| d.toml_line() + "\n").collect();
    format!(
        "# Generated by `cargo xtask kube-derive-compat`; do not edit.\n\
         # kube-derive {version}'s integration tests, from {upstream}/tests,\n\
         # with only the import of `CustomResource` changed to kube-gen's.\n\
         [package]\n\
         name = \"{PACKAGE}\"\n\
         version = \"0.0.0\"\n\
         edition = \"{edition}\"\n\
         publish = false\n\n\
         # Not a member of the kube-gen workspace.\n\
         [workspace]\n\n\
         # kube-derive's dev-dependencies (less those only its UI and unit tests use), those of\n\
         # its dependencies the tests use, and kube with the features kube-derive's tests enable\n\
         # but without kube's default TLS stack, which no test touches.\n\
         [dev-dependencies]\n\
         {deps}\
         kube = {{ version = \"5.0\", default-features = false, features = {kube_features:?} }}\n\
         kube-gen = {{ path = {kube_gen:?} }}\n\n\
         # The tests need no debug info; it would only cost build time and disk.\n\
         [profile.dev]\n\
         debug = 0\n",
        version = locate::VERSION,
        upstream = upstream.dir.display(),
        edition = upstream.edition,
        kube_gen = kube_gen.display().to_string(),
    )
}

/// Copies the workspace's `Cargo.lock` when it changed since the last copy; otherwise keeps
/// the crate's own, with cargo's additions, so a warm run needs no registry access.
fn sync_lock(workspace: &Path, dir: &Path) -> anyhow::Result<()> {
    let ours = std::fs::read(workspace.join("Cargo.lock")).context("reading Cargo.lock")?;
    let last_copy = dir.join("workspace-Cargo.lock");
    if dir.join("Cargo.lock").exists() && std::fs::read(&last_copy).ok() == Some(ours.clone()) {
        return Ok(());
    }
    std::fs::write(dir.join("Cargo.lock"), &ours)?;
    std::fs::write(&last_copy, &ours)?;
    Ok(())
}

/// Writes `text` unless the file already holds it, so cargo sees no change.
fn write_if_changed(path: &Path, text: &str) -> anyhow::Result<()> {
    if std::fs::read_to_string(path).ok().as_deref() == Some(text) {
        return Ok(());
    }
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn dep(package: &str, rename: Option<&str>) -> Dep {
        Dep {
            package: package.into(),
            rename: rename.map(str::to_owned),
            req: "^1".into(),
            features: vec![],
            default_features: true,
        }
    }

    fn upstream() -> Upstream {
        Upstream {
            dir: PathBuf::from("/r/kube-derive-5.0.0"),
            edition: "2024".into(),
            dependencies: vec![
                dep("serde", None),
                dep("serde_json", None),
                dep("syn", None),
            ],
            dev_dependencies: vec![
                dep("serde", None),
                dep("trybuild", None),
                dep("syn", Some("syn2")),
                dep("serde-saphyr", None),
            ],
        }
    }

    #[test]
    fn dev_dependencies_are_mirrored_with_the_dependencies_the_tests_use() {
        let texts = [(
            "a.rs",
            "use serde::Serialize;\nlet v = serde_json::json!({});\n".to_owned(),
        )];
        let keys: Vec<String> = dependencies(&upstream(), &texts)
            .unwrap()
            .iter()
            .map(|d| d.key().to_owned())
            .collect();
        assert_eq!(keys, ["serde", "serde-saphyr", "serde_json"]);
    }

    #[test]
    fn a_left_out_dependency_that_a_test_uses_is_an_error() {
        let texts = [("ui.rs", "let t = trybuild::TestCases::new();\n".to_owned())];
        let err = dependencies(&upstream(), &texts).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("ui.rs uses `trybuild`, which the compatibility crate leaves out"),
            "{err}"
        );
    }

    #[test]
    fn the_manifest_is_its_own_workspace_with_kube_and_kube_gen() {
        let text = manifest(
            &upstream(),
            &[dep("serde", None)],
            &["derive".to_owned(), "cel".to_owned()],
            Path::new("/w/kube-gen"),
        );
        assert!(text.contains("\n[workspace]\n"), "{text}");
        assert!(text.contains("edition = \"2024\""), "{text}");
        assert!(text.contains("serde = { version = \"^1\" }\n"), "{text}");
        assert!(
            text.contains(r#"kube = { version = "5.0", default-features = false, features = ["derive", "cel"] }"#),
            "{text}"
        );
        assert!(
            text.contains(r#"kube-gen = { path = "/w/kube-gen" }"#),
            "{text}"
        );
    }
}
