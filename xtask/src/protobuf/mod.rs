//! `cargo xtask protobuf`: generates kube-gen's protobuf decoders for built-in kinds
//! (`kube-gen/src/protobuf/generated/`) from Kubernetes' `generated.proto` files, the Go
//! struct tags beside them, and k8s-openapi's structs, for every Kubernetes version
//! k8s-openapi has a feature for (docs/design/protobuf.md). `--check` regenerates in memory
//! and fails if the checked-in files differ.
//!
//! [`inputs`] fetches and reads, [`model`] joins them into a typed plan (field number →
//! helper, per version, with the version gates), [`emit`] prints it and [`format`](mod@format) lays it out.

mod emit;
mod format;
mod gate;
mod go;
mod helper;
mod inputs;
mod model;
mod openapi;
mod proto;

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, bail};

use crate::steps::say;

/// The Kubernetes minor versions k8s-openapi 0.29 has features for (`v1_33` … `v1_37`), each
/// with the k8s.io/api and k8s.io/apimachinery release whose files are read for it (the
/// newest patch of the minor; 1.33's is the one tests/control-plane/go.mod pins).
pub const VERSIONS: [(u8, &str); 5] = [
    (33, "v0.33.13"),
    (34, "v0.34.13"),
    (35, "v0.35.10"),
    (36, "v0.36.6"),
    (37, "v0.37.2"),
];

/// One group-version whose k8s-openapi structs get decoders.
#[derive(Debug)]
pub struct Package {
    /// The Go module: `k8s.io/api`.
    pub module: &'static str,
    /// The folder in it: `core/v1`.
    pub dir: &'static str,
    /// The proto package: `k8s.io.api.core.v1`.
    pub proto: &'static str,
    /// The k8s-openapi module: `api::core::v1`.
    pub rust: &'static str,
    /// The output file's stem: `core_v1`.
    pub file: &'static str,
}

/// core/v1, apps/v1 and meta/v1: Pods, Deployments, ConfigMaps and everything they hold.
pub static PACKAGES: [Package; 3] = [
    Package {
        module: "k8s.io/api",
        dir: "apps/v1",
        proto: "k8s.io.api.apps.v1",
        rust: "api::apps::v1",
        file: "apps_v1",
    },
    Package {
        module: "k8s.io/api",
        dir: "core/v1",
        proto: "k8s.io.api.core.v1",
        rust: "api::core::v1",
        file: "core_v1",
    },
    Package {
        module: "k8s.io/apimachinery",
        dir: "pkg/apis/meta/v1",
        proto: "k8s.io.apimachinery.pkg.apis.meta.v1",
        rust: "apimachinery::pkg::apis::meta::v1",
        file: "meta_v1",
    },
];

/// Messages decoded by hand in kube-gen/src/protobuf/meta.rs (every response's envelope
/// and errors carry them, so they came first); none is generated.
pub const HAND_WRITTEN: &[(&str, &str)] = &[
    ("k8s.io.apimachinery.pkg.apis.meta.v1", "ListMeta"),
    ("k8s.io.apimachinery.pkg.apis.meta.v1", "ShardInfo"),
    ("k8s.io.apimachinery.pkg.apis.meta.v1", "Status"),
    ("k8s.io.apimachinery.pkg.apis.meta.v1", "StatusCause"),
    ("k8s.io.apimachinery.pkg.apis.meta.v1", "StatusDetails"),
];

/// Where the generated files go, relative to the workspace.
const OUT_DIR: &str = "kube-gen/src/protobuf/generated";

/// Regenerates the decoders, or with `check` compares them with the checked-in files.
///
/// # Errors
///
/// When an input can't be fetched or read, a field has a shape no helper reads, or (with
/// `check`) the checked-in files differ.
pub fn run(check: bool) -> anyhow::Result<()> {
    let workspace = kube_gen_tests::workspace_root();
    say("reading generated.proto, types.go and k8s-openapi's sources");
    let inputs = inputs::read_all(&workspace)?;
    let plan = model::plan(&inputs)?;
    let mut files = BTreeMap::new();
    files.insert("mod.rs".to_owned(), emit::module()?);
    for file in &plan.files {
        files.insert(format!("{}.rs", file.package.file), emit::file(file)?);
    }
    report(&plan, &files);
    let dir = workspace.join(OUT_DIR);
    if check {
        compare(&dir, &files)
    } else {
        write(&dir, &files)
    }
}

/// What was generated, and what the join left out.
fn report(plan: &model::Plan, files: &BTreeMap<String, String>) {
    let decoders = plan.files.iter().flat_map(|f| &f.decoders);
    let is_impl = |d: &&model::Decoder| !matches!(d.kind, model::Kind::Inline { .. });
    let impls = decoders.clone().filter(is_impl).count();
    let gated_impls = decoders
        .clone()
        .filter(|d| is_impl(d) && d.versions != gate::Versions::all())
        .count();
    let arms: usize = decoders.clone().map(|d| d.arms.len()).sum();
    let gated_arms: usize = decoders
        .clone()
        .map(|d| d.arms.iter().filter(|a| d.is_gated(a)).count())
        .sum();
    let inline = decoders.count() - impls;
    let lines: usize = files.values().map(|f| f.lines().count()).sum();
    println!(
        "{impls} impls ({gated_impls} version-gated), {inline} inline functions, {arms} field \
         arms ({gated_arms} version-gated), {lines} lines in {} files",
        files.len()
    );
    if !plan.unmapped.is_empty() {
        println!(
            "proto fields k8s-openapi has no field for (skipped):\n  {}",
            plan.unmapped.join("\n  ")
        );
    }
    if !plan.unfilled.is_empty() {
        println!(
            "k8s-openapi fields no proto field fills (left default):\n  {}",
            plan.unfilled.join("\n  ")
        );
    }
}

fn write(dir: &Path, files: &BTreeMap<String, String>) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if path.extension().is_some_and(|e| e == "rs") && !files.contains_key(name) {
            std::fs::remove_file(&path)
                .with_context(|| format!("removing stale {}", path.display()))?;
        }
    }
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    say(&format!("wrote {}", dir.display()));
    Ok(())
}

/// Fails with one line per file that differs: missing, extra, or where it first differs.
fn compare(dir: &Path, files: &BTreeMap<String, String>) -> anyhow::Result<()> {
    let mut differences = Vec::new();
    for (name, want) in files {
        let path = dir.join(name);
        let Ok(have) = std::fs::read_to_string(&path) else {
            differences.push(format!("{name}: missing"));
            continue;
        };
        if let Some(difference) = first_difference(&have, want) {
            differences.push(format!("{name}: {difference}"));
        }
    }
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".rs") && !files.contains_key(&name) {
                differences.push(format!("{name}: not generated any more"));
            }
        }
    }
    if !differences.is_empty() {
        bail!(
            "{} is out of date; run `cargo xtask protobuf`:\n  {}",
            OUT_DIR,
            differences.join("\n  ")
        );
    }
    say(&format!("{OUT_DIR} is up to date"));
    Ok(())
}

/// Where `have` first differs from `want`, with both line counts.
fn first_difference(have: &str, want: &str) -> Option<String> {
    if have == want {
        return None;
    }
    let (have_lines, want_lines): (Vec<&str>, Vec<&str>) =
        (have.lines().collect(), want.lines().collect());
    let line = have_lines
        .iter()
        .zip(&want_lines)
        .position(|(h, w)| h != w)
        .unwrap_or(have_lines.len().min(want_lines.len()));
    let changed = have_lines
        .iter()
        .zip(&want_lines)
        .filter(|(h, w)| h != w)
        .count();
    Some(format!(
        "differs from line {} ({} lines checked in, {} generated, {changed} lines differ \
         where both have one)",
        line + 1,
        have_lines.len(),
        want_lines.len()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_difference_names_its_first_line() {
        assert_eq!(first_difference("a\nb\n", "a\nb\n"), None);
        assert_eq!(
            first_difference("a\nb\nc\n", "a\nx\n").unwrap(),
            "differs from line 2 (3 lines checked in, 2 generated, 1 lines differ where both \
             have one)"
        );
    }
}
