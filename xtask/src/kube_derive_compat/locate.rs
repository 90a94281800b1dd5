//! Finds kube-derive 5.0.0's source in cargo's registry, through the workspace's
//! `cargo metadata`, with the dependencies its tests were written against.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde_json::Value;

/// The kube-derive release whose tests are the bar.
pub const VERSION: &str = "5.0.0";

/// kube-derive's crate as cargo's registry holds it.
#[derive(Debug, Clone)]
pub struct Upstream {
    /// The crate's folder (its `tests/` are read from here).
    pub dir: PathBuf,
    /// Its edition, which the copied tests are compiled with.
    pub edition: String,
    /// Its `[dependencies]` (integration tests may use them too: `serde_json`).
    pub dependencies: Vec<Dep>,
    /// Its `[dev-dependencies]`, minus kube (a path dependency, dropped when published).
    pub dev_dependencies: Vec<Dep>,
}

/// One dependency as `cargo metadata` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dep {
    /// The package (`syn`).
    pub package: String,
    /// The name it is used by when renamed (`syn2`).
    pub rename: Option<String>,
    /// The version requirement (`^2.0.2`).
    pub req: String,
    pub features: Vec<String>,
    pub default_features: bool,
}

impl Dep {
    /// The key in `Cargo.toml` (the rename, else the package).
    pub fn key(&self) -> &str {
        self.rename.as_deref().unwrap_or(&self.package)
    }

    /// The name code refers to it by (`assert_json_diff`).
    pub fn lib_name(&self) -> String {
        self.key().replace('-', "_")
    }

    /// The dependency's line in a `Cargo.toml`.
    pub fn toml_line(&self) -> String {
        let mut fields = vec![format!("version = {:?}", self.req)];
        if self.rename.is_some() {
            fields.push(format!("package = {:?}", self.package));
        }
        if !self.default_features {
            fields.push("default-features = false".to_owned());
        }
        if !self.features.is_empty() {
            fields.push(format!("features = {:?}", self.features));
        }
        format!("{} = {{ {} }}", self.key(), fields.join(", "))
    }
}

/// Finds kube-derive [`VERSION`] among the workspace's packages.
///
/// # Errors
///
/// When `cargo metadata` fails, or kube-derive [`VERSION`] is not in the dependency graph.
pub fn kube_derive(workspace: &Path) -> anyhow::Result<Upstream> {
    let metadata = crate::steps::cargo_metadata(workspace)?;
    let upstream = from_metadata(&metadata)?;
    if !upstream.dir.join("tests").is_dir() {
        bail!(
            "{} has no tests/ folder: the registry copy of kube-derive {VERSION} is incomplete",
            upstream.dir.display()
        );
    }
    Ok(upstream)
}

/// kube-derive [`VERSION`] from `cargo metadata --format-version 1`'s output.
fn from_metadata(metadata: &Value) -> anyhow::Result<Upstream> {
    let packages = metadata["packages"]
        .as_array()
        .map_or(&[][..], Vec::as_slice);
    let kube_derives: Vec<&Value> = packages
        .iter()
        .filter(|p| p["name"] == "kube-derive")
        .collect();
    let Some(package) = kube_derives.iter().find(|p| p["version"] == VERSION) else {
        let others: Vec<&str> = kube_derives
            .iter()
            .filter_map(|p| p["version"].as_str())
            .collect();
        bail!(
            "kube-derive {VERSION} is not among the workspace's dependencies (found: {}); it \
             comes with kube-gen's dev-dependency on kube with the `derive` feature \
             (kube-gen/Cargo.toml)",
            if others.is_empty() {
                "none".to_owned()
            } else {
                others.join(", ")
            }
        );
    };
    let manifest = package["manifest_path"]
        .as_str()
        .context("kube-derive's package in cargo metadata has no manifest_path")?;
    let dir = Path::new(manifest)
        .parent()
        .context("kube-derive's manifest_path has no folder")?
        .to_path_buf();
    let deps = |kind: Option<&str>| -> Vec<Dep> {
        package["dependencies"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| d["kind"].as_str() == kind)
            .map(|d| Dep {
                package: d["name"].as_str().unwrap_or_default().to_owned(),
                rename: d["rename"].as_str().map(str::to_owned),
                req: d["req"].as_str().unwrap_or("*").to_owned(),
                features: d["features"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|f| f.as_str().map(str::to_owned))
                    .collect(),
                default_features: d["uses_default_features"].as_bool().unwrap_or(true),
            })
            .collect()
    };
    Ok(Upstream {
        dir,
        edition: package["edition"].as_str().unwrap_or("2024").to_owned(),
        dependencies: deps(None),
        dev_dependencies: deps(Some("dev")),
    })
}

/// The features kube-derive's own tests enable on kube, from the `kube = { path = ... }`
/// line of its `Cargo.toml.orig` (the published `Cargo.toml` drops path dependencies).
///
/// # Errors
///
/// When the file has no such line with a `features` list.
pub fn kube_features(cargo_toml_orig: &str) -> anyhow::Result<Vec<String>> {
    let line = cargo_toml_orig
        .lines()
        .find(|l| l.trim_start().starts_with("kube = "))
        .context("kube-derive's Cargo.toml.orig has no `kube = ...` dev-dependency line")?;
    let list = line
        .split_once("features = [")
        .and_then(|(_, rest)| rest.split_once(']'))
        .map(|(list, _)| list)
        .with_context(|| format!("no `features = [...]` in kube-derive's `{}`", line.trim()))?;
    Ok(list
        .split(',')
        .map(|f| f.trim().trim_matches('"').to_owned())
        .filter(|f| !f.is_empty())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn metadata(version: &str) -> Value {
        json!({"packages": [
            {"name": "kube", "version": "5.0.0", "manifest_path": "/r/kube-5.0.0/Cargo.toml", "dependencies": []},
            {"name": "kube-derive", "version": version, "edition": "2024",
             "manifest_path": format!("/r/kube-derive-{version}/Cargo.toml"),
             "dependencies": [
                {"name": "serde_json", "rename": null, "kind": null, "req": "^1.0.127",
                 "features": [], "uses_default_features": true},
                {"name": "k8s-openapi", "rename": null, "kind": "dev", "req": "^0.29.0",
                 "features": ["latest", "schemars"], "uses_default_features": false},
                {"name": "syn", "rename": "syn2", "kind": "dev", "req": "^2",
                 "features": ["full"], "uses_default_features": true}
             ]}
        ]})
    }

    #[test]
    fn kube_derive_is_found_with_its_folder_and_dependencies() {
        let upstream = from_metadata(&metadata(VERSION)).unwrap();
        assert_eq!(upstream.dir, Path::new("/r/kube-derive-5.0.0"));
        assert_eq!(upstream.edition, "2024");
        assert_eq!(upstream.dependencies.len(), 1);
        let lines: Vec<String> = upstream
            .dev_dependencies
            .iter()
            .map(Dep::toml_line)
            .collect();
        assert_eq!(
            lines,
            [
                r#"k8s-openapi = { version = "^0.29.0", default-features = false, features = ["latest", "schemars"] }"#,
                r#"syn2 = { version = "^2", package = "syn", features = ["full"] }"#,
            ]
        );
        assert_eq!(upstream.dev_dependencies[1].lib_name(), "syn2");
    }

    #[test]
    fn another_version_of_kube_derive_is_named_in_the_error() {
        let err = from_metadata(&metadata("4.0.0")).unwrap_err();
        assert!(
            err.to_string().starts_with(
                "kube-derive 5.0.0 is not among the workspace's dependencies (found: 4.0.0)"
            ),
            "{err}"
        );
        let err = from_metadata(&json!({"packages": []})).unwrap_err();
        assert!(err.to_string().contains("(found: none)"), "{err}");
    }

    #[test]
    fn kube_features_come_from_the_path_dependency_line() {
        let orig = "[dev-dependencies]\nserde.workspace = true\nkube = { path = \"../kube\", features = [\"derive\", \"client\", \"cel\"] }\n";
        assert_eq!(kube_features(orig).unwrap(), ["derive", "client", "cel"]);
        assert!(kube_features("[dev-dependencies]\n").is_err());
    }
}
