//! The generator's inputs for each Kubernetes version: the `.proto` files and Go structs of
//! k8s.io/api and k8s.io/apimachinery (fetched with `go mod download`), and k8s-openapi's
//! structs for the same version.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use serde_json::Value;

use super::go::{self, GoStructs};
use super::openapi::{self, RustStructs};
use super::proto::{self, ProtoFile};
use super::{PACKAGES, VERSIONS};

/// Everything read for one Kubernetes version, by proto package (`k8s.io.api.core.v1`).
#[derive(Debug)]
pub struct VersionInputs {
    /// `33` for Kubernetes 1.33 / k8s-openapi's `v1_33`.
    pub minor: u8,
    pub protos: BTreeMap<&'static str, ProtoFile>,
    pub go: BTreeMap<&'static str, GoStructs>,
    pub rust: BTreeMap<&'static str, RustStructs>,
}

/// Reads every version in [`VERSIONS`].
///
/// # Errors
///
/// When a module can't be downloaded or an input can't be read or parsed.
pub fn read_all(workspace: &Path) -> anyhow::Result<Vec<VersionInputs>> {
    let openapi_src = openapi::locate(workspace)?;
    VERSIONS
        .iter()
        .map(|&(minor, go_version)| {
            read_version(&openapi_src, minor, go_version)
                .with_context(|| format!("reading the inputs of Kubernetes 1.{minor}"))
        })
        .collect()
}

fn read_version(openapi_src: &Path, minor: u8, go_version: &str) -> anyhow::Result<VersionInputs> {
    let modules = download(go_version)?;
    let mut inputs = VersionInputs {
        minor,
        protos: BTreeMap::new(),
        go: BTreeMap::new(),
        rust: BTreeMap::new(),
    };
    for package in &PACKAGES {
        let module = modules
            .get(package.module)
            .with_context(|| format!("go mod download gave no folder for {}", package.module))?;
        let dir = module.join(package.dir);
        let proto_path = dir.join("generated.proto");
        let src = std::fs::read_to_string(&proto_path)
            .with_context(|| format!("reading {}", proto_path.display()))?;
        let file =
            proto::parse(&src).with_context(|| format!("parsing {}", proto_path.display()))?;
        if file.package != package.proto {
            bail!(
                "{} declares package {}, expected {}",
                proto_path.display(),
                file.package,
                package.proto
            );
        }
        inputs.protos.insert(package.proto, file);
        inputs.go.insert(package.proto, go::read_package(&dir)?);
        let rust_dir = openapi_src
            .join(format!("v1_{minor}"))
            .join(package.rust.replace("::", "/"));
        inputs
            .rust
            .insert(package.proto, openapi::read_module(&rust_dir)?);
    }
    Ok(inputs)
}

/// `go mod download -json` of k8s.io/api and k8s.io/apimachinery at `version`: module path
/// → its folder in the module cache. Offline when the cache has them already.
fn download(version: &str) -> anyhow::Result<BTreeMap<String, PathBuf>> {
    let modules: Vec<String> = ["k8s.io/api", "k8s.io/apimachinery"]
        .iter()
        .map(|m| format!("{m}@{version}"))
        .collect();
    // Outside any Go module, so no go.mod or go.work nearby changes what is fetched.
    let out = Command::new("go")
        .args(["mod", "download", "-json"])
        .args(&modules)
        .current_dir(std::env::temp_dir())
        .output()
        .context("running `go mod download` (is Go installed?)")?;
    let mut dirs = BTreeMap::new();
    let mut errors = Vec::new();
    for value in serde_json::Deserializer::from_slice(&out.stdout).into_iter::<Value>() {
        let value = value.context("parsing go mod download's output")?;
        let path = value["Path"].as_str().unwrap_or_default().to_owned();
        if let Some(error) = value["Error"].as_str() {
            errors.push(format!("{path}: {error}"));
        } else if let Some(dir) = value["Dir"].as_str() {
            dirs.insert(path, PathBuf::from(dir));
        }
    }
    if !errors.is_empty() || !out.status.success() {
        bail!(
            "`go mod download -json {}` failed: {}{}",
            modules.join(" "),
            errors.join("; "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(dirs)
}
