//! k8s-openapi's structs, read from its sources: for each struct of a group-version, its
//! fields and the JSON name each has. The names come from the `"jsonName" =>
//! Field::Key_rust_name` lines of its generated `Deserialize` impl, so none is re-derived.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// The k8s-openapi version the generated code is written against; its `src/v1_NN` folders
/// are read for every Kubernetes version in [`super::VERSIONS`].
pub const VERSION: &str = "0.29";

/// One k8s-openapi struct.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RustStruct {
    /// JSON name → Rust field name, for the fields the struct has.
    pub fields: BTreeMap<String, String>,
    /// Rust field name → type as written (`crate::apimachinery::pkg::apis::meta::v1::Time`).
    pub types: BTreeMap<String, String>,
    /// Whether it derives `Default` (meta.v1.Condition doesn't: `Time` has no default).
    pub has_default: bool,
}

/// Struct name → struct, for one group-version of one Kubernetes version.
pub type RustStructs = BTreeMap<String, RustStruct>;

/// k8s-openapi's `src` folder, found with `cargo metadata` from the workspace's lock file.
///
/// # Errors
///
/// When `cargo metadata` fails or k8s-openapi [`VERSION`] is not a dependency.
pub fn locate(workspace: &Path) -> anyhow::Result<PathBuf> {
    let metadata = crate::steps::cargo_metadata(workspace)?;
    let packages = metadata["packages"]
        .as_array()
        .map_or(&[][..], Vec::as_slice);
    let wanted = format!("{VERSION}.");
    let package = packages
        .iter()
        .find(|p| {
            p["name"] == "k8s-openapi"
                && p["version"]
                    .as_str()
                    .is_some_and(|v| v.starts_with(&wanted))
        })
        .with_context(|| format!("k8s-openapi {VERSION} is not among the workspace's packages"))?;
    let manifest = package["manifest_path"]
        .as_str()
        .context("k8s-openapi's package in cargo metadata has no manifest_path")?;
    Ok(Path::new(manifest)
        .parent()
        .context("k8s-openapi's manifest_path has no folder")?
        .join("src"))
}

/// Reads the structs of one module folder (`src/v1_33/api/core/v1`).
///
/// # Errors
///
/// When the folder or a file can't be read.
pub fn read_module(dir: &Path) -> anyhow::Result<RustStructs> {
    let mut structs = RustStructs::new();
    let entries = std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        if path.extension().is_none_or(|e| e != "rs") || path.ends_with("mod.rs") {
            continue;
        }
        let src = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        if let Some((name, fields)) = parse(&src) {
            structs.insert(name, fields);
        }
    }
    Ok(structs)
}

/// The struct with named fields a k8s-openapi file defines, if any (newtypes such as `Time`
/// and enums such as `WatchEvent` have none).
fn parse(src: &str) -> Option<(String, RustStruct)> {
    let mut lines = src.lines();
    let mut has_default = false;
    let name = lines.by_ref().find_map(|line| {
        if line.starts_with("#[derive(") {
            has_default = line.contains("Default");
        }
        line.strip_prefix("pub struct ")
            .and_then(|rest| rest.strip_suffix(" {"))
    })?;
    let types: BTreeMap<String, String> = lines
        .by_ref()
        .take_while(|line| *line != "}")
        .filter_map(|line| line.strip_prefix("    pub ")?.split_once(": "))
        .map(|(field, ty)| (field.to_owned(), ty.trim_end_matches(',').to_owned()))
        .collect();
    let mut fields = BTreeMap::new();
    for line in lines {
        let Some((json, rest)) = line.trim().split_once("\" => Field::Key_") else {
            continue;
        };
        let (Some(json), Some(rust)) = (json.strip_prefix('"'), rest.strip_suffix(',')) else {
            continue;
        };
        // apiVersion and kind of top-level kinds are keys of the map but not fields.
        if types.contains_key(rust) {
            fields.insert(json.to_owned(), rust.to_owned());
        }
    }
    Some((
        name.to_owned(),
        RustStruct {
            fields,
            types,
            has_default,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_joined_to_their_json_names() {
        let src = r#"
/// ConfigMap holds configuration data.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConfigMap {
    /// BinaryData contains the binary data.
    pub binary_data: Option<std::collections::BTreeMap<std::string::String, crate::ByteString>>,

    pub metadata: crate::apimachinery::pkg::apis::meta::v1::ObjectMeta,
}

impl<'de> crate::serde::Deserialize<'de> for ConfigMap {
    fn deserialize() {
                        Ok(match v {
                            "apiVersion" => Field::Key_api_version,
                            "binaryData" => Field::Key_binary_data,
                            "metadata" => Field::Key_metadata,
                            _ => Field::Other,
                        })
    }
}
"#;
        let (name, parsed) = parse(src).unwrap();
        assert_eq!(name, "ConfigMap");
        let want = [("binaryData", "binary_data"), ("metadata", "metadata")];
        assert_eq!(
            parsed.fields,
            want.map(|(j, r)| (j.to_owned(), r.to_owned())).into()
        );
        assert!(parsed.has_default);
        assert_eq!(
            parsed.types["metadata"],
            "crate::apimachinery::pkg::apis::meta::v1::ObjectMeta"
        );
        assert_eq!(
            parse("pub struct Time(pub crate::jiff::Timestamp);\n"),
            None
        );
    }
}
