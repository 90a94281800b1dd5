//! What several CLI test binaries share.

use std::path::{Path, PathBuf};

/// Every input of the fuzz corpus and every crash the fuzzer found, sorted.
pub fn fuzz_inputs() -> Vec<PathBuf> {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut files = Vec::new();
    for dir in ["corpus/crd_to_rust", "regressions/crd_to_rust"] {
        for entry in std::fs::read_dir(fuzz.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() && path.file_name().is_some_and(|n| n != ".gitkeep") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}
