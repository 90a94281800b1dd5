//! CRD YAML/JSON → typed `CustomResourceDefinition`s, then one model + type set per version.
//!
//! [`load`] parses every document of an input, keeps the apiextensions v1 CRDs and skips the
//! rest with a [note](Loaded::notes); [`versions`] turns one CRD into a [`Version`] per
//! selected version: the [`Resource`](crate::model::Resource) model the derive would build
//! from `#[kube(...)]` and the [`TypeSet`](crate::types::TypeSet) of its schema. Every
//! [`Error`] names the file, the line and column where known, and the JSON path of the node.

mod model;
mod node;
mod normalize;

use std::fmt;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;

pub use model::{Version, VersionFilter, VersionOptions, versions};
pub use node::{Document, Position};
pub use normalize::normalize;

/// One input: its name for messages (a path, or `<stdin>`) and its text.
#[derive(Debug, Clone)]
pub struct Source {
    /// The name messages and the generated header use.
    pub name: String,
    /// The whole input.
    pub text: String,
}

/// The CRDs of one input and what was skipped.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The apiextensions v1 CRDs, in input order.
    pub crds: Vec<Crd>,
    /// One line per skipped document, ready for stderr.
    pub notes: Vec<String>,
}

/// One CRD document.
#[derive(Debug, Clone)]
pub struct Crd {
    /// The input's name.
    pub file: String,
    /// The parsed document, for positions.
    pub document: Document,
    /// The typed CRD.
    pub crd: CustomResourceDefinition,
}

impl Crd {
    /// An error at the node `pointer` (a JSON pointer into the document) of this CRD.
    pub fn error_at(&self, pointer: &str, kind: ErrorKind) -> Error {
        Error {
            file: self.file.clone(),
            position: self.document.position(pointer),
            path: Some(json_path(pointer)),
            kind,
        }
    }
}

/// A problem with an input, where it is and what it is.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
#[error("{}{kind}{}", location(file, position), path.as_ref().map(|p| format!(" (at {p})")).unwrap_or_default())]
pub struct Error {
    /// The input's name.
    pub file: String,
    /// Line and column, when known.
    pub position: Option<Position>,
    /// The JSON path of the offending node (`.spec.versions[0].schema`), when there is one.
    pub path: Option<String>,
    /// What is wrong.
    pub kind: ErrorKind,
}

fn location(file: &str, position: &Option<Position>) -> String {
    match position {
        Some(position) => format!("{file}:{position}: "),
        None => format!("{file}: "),
    }
}

/// What is wrong with an input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The text is not valid YAML or JSON.
    #[error("malformed {format}: {message}")]
    Syntax {
        /// `YAML` or `JSON`.
        format: &'static str,
        /// The parser's message.
        message: String,
    },
    /// No document of the input is a CustomResourceDefinition.
    #[error("no apiextensions.k8s.io/v1 CustomResourceDefinition found{skipped}")]
    NoCrd {
        /// ` (skipped: ...)` listing what was found instead, or empty.
        skipped: String,
    },
    /// A v1beta1 CRD (removed in Kubernetes 1.22).
    #[error(
        "apiextensions.k8s.io/v1beta1 CustomResourceDefinitions are not supported (removed in Kubernetes 1.22); convert it to apiextensions.k8s.io/v1 first"
    )]
    V1beta1,
    /// A CRD document that doesn't match the apiextensions v1 schema.
    #[error("invalid CustomResourceDefinition: {0}")]
    Invalid(String),
    /// A schema node with no Rust mapping.
    #[error("cannot generate Rust for this schema: {0}")]
    Unmappable(String),
}

const CRD_API_VERSION: &str = "apiextensions.k8s.io/v1";
const CRD_KIND: &str = "CustomResourceDefinition";

/// Parses `source` (multi-document YAML, or JSON when it starts with `{`) and keeps its CRDs.
///
/// # Errors
///
/// Malformed input, a v1beta1 or invalid CRD, or an input without any CRD.
pub fn load(source: &Source) -> Result<Loaded, Error> {
    let file = source.name.clone();
    let is_json = source.text.trim_start().starts_with('{');
    let parsed = if is_json {
        node::parse_json(&source.text)
    } else {
        node::parse_yaml(&source.text)
    };
    let documents = parsed.map_err(|(message, position)| Error {
        file: file.clone(),
        position,
        path: None,
        kind: ErrorKind::Syntax {
            format: if is_json { "JSON" } else { "YAML" },
            message,
        },
    })?;
    let mut loaded = Loaded {
        crds: Vec::new(),
        notes: Vec::new(),
    };
    let mut skipped = Vec::new();
    for (index, document) in documents.into_iter().enumerate() {
        let field = |key: &str| {
            document
                .value
                .get(key)
                .and_then(|v| v.as_str())
                .unwrap_or("")
        };
        let (api_version, kind) = (field("apiVersion"), field("kind"));
        if kind != CRD_KIND || !api_version.starts_with("apiextensions.k8s.io/") {
            let what = if kind.is_empty() {
                "a document without `kind`".to_owned()
            } else {
                format!("{api_version} {kind}")
            };
            let at = location(&file, &document.position(""));
            loaded.notes.push(format!(
                "{at}note: skipping document {} ({what}): not a CustomResourceDefinition",
                index + 1
            ));
            skipped.push(what);
            continue;
        }
        let error = |kind| Error {
            file: file.clone(),
            position: document.position("/apiVersion"),
            path: Some(".apiVersion".into()),
            kind,
        };
        if api_version != CRD_API_VERSION {
            return Err(error(if api_version.ends_with("/v1beta1") {
                ErrorKind::V1beta1
            } else {
                ErrorKind::Invalid(format!("unknown apiVersion `{api_version}`"))
            }));
        }
        let crd = serde_json::from_value(document.value.clone()).map_err(|err| Error {
            path: None,
            ..error(ErrorKind::Invalid(err.to_string()))
        })?;
        loaded.crds.push(Crd {
            file: file.clone(),
            document,
            crd,
        });
    }
    if loaded.crds.is_empty() {
        let skipped = if skipped.is_empty() {
            String::new()
        } else {
            format!(" (skipped: {})", skipped.join(", "))
        };
        return Err(Error {
            file,
            position: None,
            path: None,
            kind: ErrorKind::NoCrd { skipped },
        });
    }
    Ok(loaded)
}

/// A JSON pointer (`/spec/versions/0/name`) as a JSON path (`.spec.versions[0].name`).
pub fn json_path(pointer: &str) -> String {
    if pointer.is_empty() {
        return ".".into();
    }
    pointer
        .split('/')
        .skip(1)
        .map(|segment| {
            let segment = segment.replace("~1", "/").replace("~0", "~");
            if segment.parse::<usize>().is_ok() {
                format!("[{segment}]")
            } else if segment
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                format!(".{segment}")
            } else {
                format!("[{segment:?}]")
            }
        })
        .collect()
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}
