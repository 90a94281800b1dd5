//! The CLI's CRD path as one function of bytes, for the fuzz target and the corpus test.
//!
//! `kube-gen/cli/tests/cli_fuzz_corpus.rs` includes this file with `#[path]`, so CI runs every
//! corpus and regression input through exactly what the fuzzer runs, on stable.

use kube_gen_codegen::crd::{self, Source, VersionFilter, VersionOptions};
use kube_gen_codegen::emit::source::{self, SourceOptions};

/// What one input gave: the generated files, or every error message.
pub type Outcome = Result<Vec<String>, Vec<String>>;

/// `data` as a CRD file through everything `kube-gen FILE` and `kube-gen FILE --out-dir D`
/// do, with every version: UTF-8 check, parse, validate, map the schemas, emit and format.
/// Must not panic, whatever `data` is; errors are returned as their one-line messages.
pub fn crd_to_rust(data: &[u8]) -> Outcome {
    // on a thread with the stack the CLI gives this path; a panic is passed on as it is
    let data = data.to_vec();
    let worker = std::thread::Builder::new()
        .stack_size(crd::STACK_SIZE)
        .spawn(move || generate(&data))
        .expect("spawning a thread");
    worker
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

fn generate(data: &[u8]) -> Outcome {
    let source = Source::from_bytes("fuzz.yaml", data.to_vec()).map_err(|e| vec![e.to_string()])?;
    let loaded = crd::load(&source).map_err(|e| vec![e.to_string()])?;
    let _ = loaded.notes.iter().map(String::len).sum::<usize>();
    let options = VersionOptions {
        filter: VersionFilter::All,
        ..VersionOptions::default()
    };
    let mut versions = Vec::new();
    let mut errors = Vec::new();
    for crd in &loaded.crds {
        match crd::versions(crd, &options) {
            Ok(found) => versions.extend(found),
            Err(errs) => errors.extend(errs.iter().map(ToString::to_string)),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let options = SourceOptions::default();
    let single = source::single_file(&versions, &options).map_err(|e| vec![e.to_string()])?;
    let modules = source::module_files(&versions, &options).map_err(|e| vec![e.to_string()])?;
    Ok(std::iter::once(single)
        .chain(modules.into_iter().map(|(_, text)| text))
        .collect())
}
