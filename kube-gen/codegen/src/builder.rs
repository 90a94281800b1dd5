//! CRDs → Rust in a build script, as prost-build does for `.proto` files: the CLI's pipeline
//! (read, select, emit) behind a builder, writing into `OUT_DIR` for `include!`.

mod error;
mod write;

use std::path::{Path, PathBuf};

pub use error::{GenerateError, Problem};

use crate::crd::{self, Source, VersionFilter, VersionOptions};
use crate::emit::source::{self, MapType, SourceOptions, Target, TypeDerive};
use crate::model::SchemaMode;

/// The file [`Builder::generate`] writes unless told otherwise.
const DEFAULT_FILE_NAME: &str = "crds.rs";

/// Generates Rust types from CustomResourceDefinitions, for build scripts.
///
/// It reads CRD YAML or JSON as the `kube-gen` CLI does and writes what the CLI would: one
/// file (`crds.rs` by default) or a module per kind and version ([`modules`](Self::modules)).
/// In a build script it also tells Cargo to run the script again when an input changes, and
/// it leaves an output whose content is unchanged untouched, so the crate is not rebuilt for
/// nothing.
///
/// # Errors
///
/// [`generate`](Self::generate) checks everything before it writes anything: a bad
/// [`derive`](Self::derive), an unreadable input and every problem of every CRD come back
/// together in one [`GenerateError`], one line each (`crds/foo.yaml:12:7: ... (at .spec...)`).
///
/// # Examples
///
/// `build.rs`, with the CRDs in `crds/` next to it:
///
/// ```no_run
/// fn main() -> Result<(), kube_gen_codegen::GenerateError> {
///     kube_gen_codegen::Builder::new()
///         .crd("crds")
///         .derive("PartialEq")
///         .generate()?;
///     Ok(())
/// }
/// ```
///
/// and in the crate (one CRD version gives flat types; several, a `pub mod` per version):
///
/// ```text
/// include!(concat!(env!("OUT_DIR"), "/crds.rs"));
/// ```
///
/// The generated code needs the crates `kube-gen` (`kube` with its `derive` feature for
/// [`Target::Kube`]), `serde`, `serde_json`, `schemars` and `k8s-openapi` as dependencies,
/// and the build script needs `kube-gen-codegen` with the `cli` feature (plus `k8s-openapi`
/// with a Kubernetes version) as build-dependencies.
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct Builder {
    inputs: Vec<PathBuf>,
    filter: VersionFilter,
    no_status: bool,
    derives: Vec<String>,
    no_docs: bool,
    smart_derive_elision: bool,
    map_type: MapType,
    elide: Vec<String>,
    hide_kube: bool,
    hide_prelude: bool,
    no_condition: bool,
    no_object_reference: bool,
    relaxed: bool,
    schema: SchemaMode,
    builders: bool,
    target: Target,
    out_dir: Option<PathBuf>,
    output: Output,
    rerun_if_changed: Option<bool>,
}

/// One file, or a module per version.
#[derive(Debug, Clone)]
enum Output {
    File(String),
    Modules,
}

impl Default for Output {
    fn default() -> Self {
        Self::File(DEFAULT_FILE_NAME.to_owned())
    }
}

/// What [`Builder::generate`] did.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Generated {
    /// Every output file, in the output directory.
    pub files: Vec<PathBuf>,
    /// The output files whose content changed and were written; the others were left as they
    /// were, modification time included.
    pub written: Vec<PathBuf>,
    /// What a build script watches (`cargo:rerun-if-changed`): each input as given, then each
    /// file read from it. A directory counts as a whole, so a file added to it counts too.
    pub watched: Vec<PathBuf>,
    /// Documents that were skipped (not a CRD) and other notes, one line each.
    pub notes: Vec<String>,
}

impl Builder {
    /// A builder with the CLI's defaults: served versions, docs, `BTreeMap`s, output
    /// `crds.rs` in `OUT_DIR`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an input: a CRD file (YAML, several documents allowed, or JSON), or a directory
    /// standing for its `*.yaml`, `*.yml` and `*.json` files, recursively, sorted by path.
    /// Relative paths are from the current directory, which in a build script is the package's.
    pub fn crd(mut self, path: impl AsRef<Path>) -> Self {
        self.inputs.push(path.as_ref().to_owned());
        self
    }

    /// Which versions of each CRD to generate (default: the served ones).
    pub fn version_filter(mut self, filter: VersionFilter) -> Self {
        self.filter = filter;
        self
    }

    /// Leaves the status structs (and the status subresource) out.
    pub fn no_status(mut self, no_status: bool) -> Self {
        self.no_status = no_status;
        self
    }

    /// Adds a derive in one of kopium's forms: `PartialEq` (every type), `FooSpec=Hash` (one
    /// type), `@struct=Default`, `@enum=Hash` or `@enum:simple=Copy`. A value that is none of
    /// these is an error from [`generate`](Self::generate).
    pub fn derive(mut self, derive: impl Into<String>) -> Self {
        self.derives.push(derive.into());
        self
    }

    /// Turns the CRD's descriptions into `///` docs (default: on).
    pub fn docs(mut self, docs: bool) -> Self {
        self.no_docs = !docs;
        self
    }

    /// Drops `Default` from structs with a field that cannot default, so `@struct=Default`
    /// works on any CRD.
    pub fn smart_derive_elision(mut self, on: bool) -> Self {
        self.smart_derive_elision = on;
        self
    }

    /// The derive the output is for (default: kube-gen's). With [`Target::Kube`] the code
    /// needs kube with its `derive` feature instead of `kube-gen`.
    pub fn target(mut self, target: Target) -> Self {
        self.target = target;
        self
    }

    /// The Rust map for `additionalProperties` (default: `BTreeMap`).
    pub fn map_type(mut self, map_type: MapType) -> Self {
        self.map_type = map_type;
        self
    }

    /// Leaves out the generated type of this name, to be written by hand next to the
    /// `include!`.
    pub fn elide(mut self, name: impl Into<String>) -> Self {
        self.elide.push(name.into());
        self
    }

    /// Plain serde types: no `CustomResource` derive and no root type.
    pub fn hide_kube(mut self, on: bool) -> Self {
        self.hide_kube = on;
        self
    }

    /// Leaves out the `use` lines, for code included where they already are.
    pub fn hide_prelude(mut self, on: bool) -> Self {
        self.hide_prelude = on;
        self
    }

    /// Generates a struct for `metav1.Condition`-shaped arrays instead of using k8s-openapi's
    /// `Condition`.
    pub fn no_condition(mut self, on: bool) -> Self {
        self.no_condition = on;
        self
    }

    /// Generates a struct for `corev1.ObjectReference`-shaped objects instead of using
    /// k8s-openapi's `ObjectReference`.
    pub fn no_object_reference(mut self, on: bool) -> Self {
        self.no_object_reference = on;
        self
    }

    /// Generates for schemas that are not quite structural (an array without `items`, an
    /// unknown type) as `serde_json::Value`, with a warning each, instead of failing.
    pub fn relaxed(mut self, on: bool) -> Self {
        self.relaxed = on;
        self
    }

    /// Where the root's schema comes from (default: derived from the types).
    pub fn schema(mut self, mode: SchemaMode) -> Self {
        self.schema = mode;
        self
    }

    /// `#[derive(TypedBuilder)]` on every struct (the crate then needs typed-builder).
    pub fn builders(mut self, on: bool) -> Self {
        self.builders = on;
        self
    }

    /// Where to write (default: `OUT_DIR`, which Cargo sets for build scripts); created if
    /// missing.
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// Writes one file of this name (default `crds.rs`): flat types for one CRD version, a
    /// `pub mod` per version for more.
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.output = Output::File(name.into());
        self
    }

    /// Writes a file per kind and version (`foo_v1alpha1.rs`) and a `mod.rs` declaring them,
    /// as `kube-gen --out-dir` does. Suits an output directory inside `src/`; for `include!`
    /// from `OUT_DIR` use the single file, since `mod` in an included file looks next to the
    /// including one.
    pub fn modules(mut self) -> Self {
        self.output = Output::Modules;
        self
    }

    /// Whether to print `cargo:rerun-if-changed` for every input (default: only in a build
    /// script, known by Cargo's `OUT_DIR` and `TARGET` being set).
    pub fn emit_rerun_if_changed(mut self, on: bool) -> Self {
        self.rerun_if_changed = Some(on);
        self
    }

    /// Reads every input, generates, and writes the output files whose content changed.
    ///
    /// In a build script it first prints `cargo:rerun-if-changed=PATH` for each of
    /// [`Generated::watched`], and afterwards `cargo:warning=` for each note.
    ///
    /// # Errors
    ///
    /// Every problem found, in input order (see [`Problem`]). Nothing is written unless there
    /// are none; should renaming a finished output file fail, those renamed before it stay.
    pub fn generate(&self) -> Result<Generated, GenerateError> {
        let mut problems = Vec::new();
        if self.inputs.is_empty() {
            problems.push(Problem::NoInput);
        }
        let out_dir = self
            .out_dir
            .clone()
            .or_else(|| std::env::var_os("OUT_DIR").map(PathBuf::from));
        let mut generated = Generated::default();
        let mut sources = Vec::new();
        for input in &self.inputs {
            generated.watched.push(input.clone());
            let files = match crd::input_files(input) {
                Ok(files) => files,
                Err(err) => {
                    problems.push(err.into());
                    continue;
                }
            };
            for file in files {
                match crd::read_file(&file) {
                    Ok(source) => sources.push(source),
                    Err(err) => problems.push(err.into()),
                }
                if file != *input {
                    generated.watched.push(file);
                }
            }
        }
        let cargo = self.rerun_if_changed.unwrap_or_else(in_build_script);
        if cargo {
            for path in &generated.watched {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
        let rendered = on_big_stack(|| self.render(&sources));
        generated.notes = rendered.notes;
        problems.extend(rendered.problems);
        let Some(out_dir) = out_dir else {
            problems.push(Problem::NoOutDir);
            return Err(GenerateError::new(problems));
        };
        if !problems.is_empty() {
            return Err(GenerateError::new(problems));
        }
        let files: Vec<(PathBuf, String)> = rendered
            .files
            .into_iter()
            .map(|(name, text)| (out_dir.join(name), text))
            .collect();
        generated.files = files.iter().map(|(path, _)| path.clone()).collect();
        generated.written =
            write::changed(&out_dir, &files).map_err(|p| GenerateError::new(vec![p]))?;
        if cargo {
            for note in &generated.notes {
                println!("cargo:warning={note}");
            }
        }
        Ok(generated)
    }

    /// Selects and emits: the part that recurses with the input's depth.
    fn render(&self, sources: &[Source]) -> Rendered {
        let mut out = Rendered::default();
        let mut derives = Vec::new();
        for value in &self.derives {
            match value.parse::<TypeDerive>() {
                Ok(derive) => derives.push(derive),
                Err(reason) => out.problems.push(Problem::Derive {
                    value: value.clone(),
                    reason,
                }),
            }
        }
        let options = VersionOptions {
            filter: self.filter.clone(),
            no_status: self.no_status,
            no_condition: self.no_condition,
            no_object_reference: self.no_object_reference,
            relaxed: self.relaxed,
            ..VersionOptions::default()
        };
        let selected = crd::select(sources, &options);
        out.notes = selected.notes;
        let warnings = selected.warnings.iter();
        out.notes.extend(warnings.map(|w| format!("warning: {w}")));
        out.problems
            .extend(selected.errors.into_iter().map(Problem::Crd));
        if !out.problems.is_empty() || sources.is_empty() {
            return out;
        }
        if selected.versions.is_empty() {
            out.problems.push(Problem::NoVersion {
                filter: self.filter.clone(),
                available: selected.available.join(", "),
            });
            return out;
        }
        let options = SourceOptions {
            docs: !self.no_docs,
            derives,
            smart_derive_elision: self.smart_derive_elision,
            elide: self.elide.clone(),
            map_type: self.map_type,
            hide_kube: self.hide_kube,
            hide_prelude: self.hide_prelude,
            schema: self.schema,
            builders: self.builders,
            target: self.target,
        };
        if self.target == Target::Kube && !self.hide_kube {
            let warnings = selected
                .versions
                .iter()
                .filter_map(source::kube_target_warning);
            out.notes.extend(warnings.map(|w| format!("warning: {w}")));
        }
        let files = match &self.output {
            Output::File(name) => source::single_file(&selected.versions, &options)
                .map(|text| vec![(name.clone(), text)]),
            Output::Modules => source::module_files(&selected.versions, &options),
        };
        match files {
            Ok(files) => out.files = files,
            Err(err) => out.problems.push(Problem::Emit(err)),
        }
        out
    }
}

/// What [`Builder::render`] made: files as (name, text), or the problems.
#[derive(Debug, Default)]
struct Rendered {
    files: Vec<(String, String)>,
    notes: Vec<String>,
    problems: Vec<Problem>,
}

/// Cargo sets both for build scripts, and `TARGET` not for tests or binaries it runs.
fn in_build_script() -> bool {
    std::env::var_os("OUT_DIR").is_some() && std::env::var_os("TARGET").is_some()
}

/// Runs `f` on a thread with [`crd::STACK_SIZE`] of stack, as the CLI does: the deepest CRDs
/// the parser accepts need more than a test thread's 2 MiB in a debug build.
fn on_big_stack<T: Send>(f: impl Fn() -> T + Sync) -> T {
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("kube-gen".into())
            .stack_size(crd::STACK_SIZE)
            .spawn_scoped(scope, &f);
        match worker {
            Ok(worker) => worker
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            // no thread to be had: this one's stack is enough for all but the deepest CRDs
            Err(_) => f(),
        }
    })
}

#[cfg(test)]
mod tests;
