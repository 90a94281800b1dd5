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
    /// What `relaxed` let through, in input order (also in each version's `warnings`).
    pub warnings: Vec<Error>,
    /// `Kind/version` of every version in the inputs, to say what a filter could have matched.
    pub available: Vec<String>,
}

impl Selected {
    /// Drops line and column from every error: right for text the user never saw, such as a
    /// CRD read from a cluster.
    pub fn without_positions(mut self) -> Self {
        for error in self.errors.iter_mut().chain(&mut self.warnings) {
            error.position = None;
        }
        for version in &mut self.versions {
            for warning in &mut version.warnings {
                warning.position = None;
            }
        }
        self
    }

    /// Appends what another call found.
    pub fn extend(&mut self, other: Selected) {
        self.versions.extend(other.versions);
        self.notes.extend(other.notes);
        self.errors.extend(other.errors);
        self.warnings.extend(other.warnings);
        self.available.extend(other.available);
        resolve_facades(&mut self.versions, &mut self.notes);
    }
}

/// Turns the facades off for every version whose `FooClient`, `FooLister` or `FooInformer`
/// would name a type the output already has (kinds `Keycloak` and `KeycloakClient` make
/// `KeycloakClient` twice: E0428), with a note for each. The whole output counts, not just one
/// module, since modules of generated code are often glob-imported together.
fn resolve_facades(versions: &mut [Version], notes: &mut Vec<String>) {
    let mut types: Vec<String> = Vec::new();
    for version in versions.iter() {
        types.push(version.resource.root().to_string());
        types.extend(version.types.items.iter().map(|i| i.name().to_owned()));
    }
    for version in versions.iter_mut().filter(|v| v.resource.facades) {
        let root = version.resource.root().to_string();
        let taken: Vec<String> = ["Client", "Lister", "Informer"]
            .iter()
            .map(|suffix| format!("{root}{suffix}"))
            .filter(|facade| types.contains(facade))
            .collect();
        if taken.is_empty() {
            continue;
        }
        version.resource.facades = false;
        let names = &version.resource.names;
        notes.push(format!(
            "{}: kind {} {}: no `facades` (`{}` is already a generated type); use \
             kube_gen::client::Client<{root}>, kube_gen::lister::Lister<{root}> and \
             kube_gen::informer::Informer<{root}>",
            version.file,
            names.kind,
            names.version,
            taken.join("`, `"),
        ));
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
/// let rust = single_file(&selected.versions, &SourceOptions::default()).unwrap();
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
                Ok(found) => {
                    let warnings = found.iter().flat_map(|v| v.warnings.iter().cloned());
                    out.warnings.extend(warnings);
                    out.versions.extend(found);
                }
                Err(errors) => out.errors.extend(errors),
            }
        }
    }
    resolve_facades(&mut out.versions, &mut out.notes);
    out
}
