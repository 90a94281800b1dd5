//! The CLI's pipeline as one call: sources → CRDs → the selected versions, with every error of
//! every source, so the binary, tests and build scripts generate the same way.

use super::{Error, Source, Version, VersionOptions, load, versions};

/// What [`select`] found in its sources.
#[derive(Debug, Default)]
pub struct Selected {
    /// The versions to emit, in input order.
    pub versions: Vec<Version>,
    /// Notes on skipped documents (`file: document 2 is a ConfigMap, not a CRD; skipped`).
    pub notes: Vec<String>,
    /// Every error of every source, in input order.
    pub errors: Vec<Error>,
    /// `Kind/version` of every version in the inputs, to say what a filter could have matched.
    pub available: Vec<String>,
}

impl Selected {
    /// Drops line and column from every error: right for text the user never saw, such as a
    /// CRD read from a cluster.
    pub fn without_positions(mut self) -> Self {
        for error in &mut self.errors {
            error.position = None;
        }
        self
    }

    /// Appends what another call found.
    pub fn extend(&mut self, other: Selected) {
        self.versions.extend(other.versions);
        self.notes.extend(other.notes);
        self.errors.extend(other.errors);
        self.available.extend(other.available);
    }
}

/// Loads every source and maps every CRD version `options` selects.
///
/// Errors don't stop the walk: each source and each version is tried, so the caller can
/// report everything at once and write nothing.
///
/// # Examples
///
/// ```
/// use kube_gen_codegen::crd::{Source, VersionOptions, select};
/// use kube_gen_codegen::emit::source::{SourceOptions, single_file};
///
/// let text = r#"
/// apiVersion: apiextensions.k8s.io/v1
/// kind: CustomResourceDefinition
/// metadata: {name: widgets.example.com}
/// spec:
///   group: example.com
///   names: {kind: Widget, plural: widgets}
///   scope: Namespaced
///   versions:
///     - name: v1
///       served: true
///       storage: true
///       schema:
///         openAPIV3Schema:
///           type: object
///           properties:
///             spec: {type: object, properties: {size: {type: integer}}}
/// "#;
/// let source = Source { name: "widget.yaml".into(), text: text.into() };
/// let selected = select(&[source], &VersionOptions::default());
/// assert!(selected.errors.is_empty());
/// let rust = single_file(&selected.versions, &SourceOptions { docs: true }).unwrap();
/// assert!(rust.contains("pub struct WidgetSpec"));
/// ```
pub fn select(sources: &[Source], options: &VersionOptions) -> Selected {
    let mut out = Selected::default();
    for source in sources {
        let loaded = match load(source) {
            Ok(loaded) => loaded,
            Err(err) => {
                out.errors.push(err);
                continue;
            }
        };
        out.notes.extend(loaded.notes);
        for crd in &loaded.crds {
            let spec = &crd.crd.spec;
            out.available.extend(
                spec.versions
                    .iter()
                    .map(|v| format!("{}/{}", spec.names.kind, v.name)),
            );
            match versions(crd, options) {
                Ok(found) => out.versions.extend(found),
                Err(errors) => out.errors.extend(errors),
            }
        }
    }
    out
}
