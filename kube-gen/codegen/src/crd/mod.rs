//! CRD YAML/JSON → typed `CustomResourceDefinition`s, then one model + type set per version.
//!
//! [`load`] parses every document of an input, keeps the apiextensions v1 CRDs and skips the
//! rest with a [note](Loaded::notes); [`versions`] turns one CRD into a [`Version`] per
//! selected version: the [`Resource`](crate::model::Resource) model the derive would build
//! from `#[kube(...)]` and the [`TypeSet`](crate::types::TypeSet) of its schema. Every
//! [`Error`] names the file, the line and column where known, and the JSON path of the node.
//!
//! Inputs may be hostile: [`Source::from_bytes`] checks the encoding, the parser refuses
//! nesting deeper than [`MAX_DEPTH`] and alias bombs, and what the Kubernetes API server would
//! reject (a wrong `metadata.name`, no storage version, `$ref`, `uniqueItems`, unknown schema
//! keywords, ...) is an error before any type is built. The values that become `#[kube(...)]`
//! keys then go through the derive's own [checks](crate::check), so what [`versions`] returns
//! always compiles with the derive. Run the whole path on a thread with [`STACK_SIZE`] of stack
//! when inputs are untrusted.

mod keys;
mod model;
mod node;
mod normalize;
mod patches;
mod read;
mod select;
mod validate;

use std::fmt;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;

pub use model::{Version, VersionFilter, VersionOptions, versions};
pub use node::{Document, MAX_DEPTH, Position};
pub use normalize::normalize;
pub use read::{ReadError, input_files, read_file, read_input};
pub use select::{Selected, select};

/// The stack to run [`load`], [`versions`] and the emitter on when inputs are untrusted.
///
/// Parsing, mapping and formatting recurse once per nesting level; at the deepest input the
/// parser accepts ([`MAX_DEPTH`]) a debug build needs about 6 MiB, more than a spawned thread's
/// default 2 MiB. The `kube-gen` binary and the fuzz target run the whole path on a thread with
/// this much (ten times that; only the pages used are committed).
pub const STACK_SIZE: usize = 64 << 20;

/// One input: its name for messages (a path, or `<stdin>`) and its text.
#[derive(Debug, Clone)]
pub struct Source {
    /// The name messages and the generated header use.
    pub name: String,
    /// The whole input.
    pub text: String,
}

impl Source {
    /// An input read as bytes, which must be UTF-8 text.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotUtf8`] with the line and column of the first byte that isn't.
    pub fn from_bytes(name: impl Into<String>, bytes: Vec<u8>) -> Result<Self, Error> {
        let name = name.into();
        match String::from_utf8(bytes) {
            Ok(text) => Ok(Self { name, text }),
            Err(err) => {
                let bytes = err.as_bytes();
                let utf8 = err.utf8_error();
                let valid = &bytes[..utf8.valid_up_to()];
                // the prefix is valid UTF-8 by construction
                let valid = std::str::from_utf8(valid).unwrap_or_default();
                let line_start = valid.rfind('\n').map_or(0, |i| i + 1);
                let position = Position {
                    line: valid.matches('\n').count() as u64 + 1,
                    column: valid[line_start..].chars().count() as u64 + 1,
                };
                Err(Error {
                    file: name,
                    position: Some(position),
                    path: None,
                    kind: ErrorKind::NotUtf8 {
                        byte: bytes[utf8.valid_up_to()],
                        truncated: utf8.error_len().is_none(),
                    },
                })
            }
        }
    }
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
    /// The input is not UTF-8 text (binary data, another encoding, or cut inside a character).
    #[error("not UTF-8 text: {}", if *truncated { format!("the input ends inside a character (byte 0x{byte:02X})") } else { format!("byte 0x{byte:02X} is not UTF-8") })]
    NotUtf8 {
        /// The first byte that isn't.
        byte: u8,
        /// The input ends inside a multi-byte character.
        truncated: bool,
    },
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
    /// A schema node with no Rust mapping that `--relaxed` generated loosely (a warning).
    #[error("{0}")]
    Relaxed(String),
    /// A value the apiserver accepts but `#[derive(CustomResource)]` does not (a version named
    /// `stable`), so the generated code would not compile.
    #[error("#[derive(CustomResource)] would reject this value: {0}")]
    NotDerivable(String),
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
        let crd = typed(&document).map_err(|(pointer, message)| Error {
            file: file.clone(),
            position: document.position(&pointer),
            path: Some(json_path(&pointer)),
            kind: ErrorKind::Invalid(message),
        })?;
        if let Some((pointer, message)) = validate::crd(&crd).into_iter().next() {
            return Err(Error {
                file: file.clone(),
                position: document.position(&pointer),
                path: Some(json_path(&pointer)),
                kind: ErrorKind::Invalid(message),
            });
        }
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

/// The document as a typed CRD, or the JSON pointer of the node that doesn't fit and why.
fn typed(document: &Document) -> Result<CustomResourceDefinition, (String, String)> {
    use serde::Deserialize;
    use serde_path_to_error::Segment;
    // The same deserializer without tracking the path, which only an error needs: on one,
    // deserialize again through `serde_path_to_error` for the path.
    if let Ok(crd) = CustomResourceDefinition::deserialize(&document.value) {
        return Ok(crd);
    }
    serde_path_to_error::deserialize(&document.value).map_err(|err| {
        let mut pointer = String::new();
        for segment in err.path().iter() {
            match segment {
                Segment::Seq { index } => pointer += &format!("/{index}"),
                Segment::Map { key } => pointer += &format!("/{}", validate::escape(key)),
                Segment::Enum { .. } => {}
                Segment::Unknown => break,
            }
        }
        (pointer, err.into_inner().to_string())
    })
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
