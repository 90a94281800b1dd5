//! Paths → [`Source`]s: a file as it is, a directory as its CRD files. The CLI and the
//! [`Builder`](crate::Builder) both read through here, so they accept the same inputs.

use std::io;
use std::path::{Path, PathBuf};

use super::{Error, Source};

/// Why an input could not be read. Each names the path; the OS error is the source.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// A file that can't be read (missing, no permission, ...).
    #[error("{}: cannot read", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: io::Error,
    },
    /// A directory (or one below it) that can't be listed.
    #[error("{}: cannot read the directory", path.display())]
    Dir {
        /// The directory.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: io::Error,
    },
    /// A directory without any CRD file: most likely the wrong one.
    #[error("{}: no .yaml, .yml or .json files", path.display())]
    NoFiles {
        /// The directory.
        path: PathBuf,
    },
    /// A file that is not UTF-8 text, with the line and column of the first bad byte.
    #[error(transparent)]
    Text(#[from] Error),
}

/// The sources of one input: the file itself, or a directory's `*.yaml`, `*.yml` and `*.json`
/// files (recursively, sorted by path, so output does not depend on the file system's order).
///
/// # Errors
///
/// The first file or directory that can't be read, a directory without CRD files, or a file
/// that is not UTF-8.
pub fn read_input(input: &Path) -> Result<Vec<Source>, ReadError> {
    input_files(input)?.iter().map(|f| read_file(f)).collect()
}

/// The files [`read_input`] reads for `input`, in that order.
///
/// # Errors
///
/// A directory that can't be listed or holds no CRD files.
pub fn input_files(input: &Path) -> Result<Vec<PathBuf>, ReadError> {
    if !input.is_dir() {
        return Ok(vec![input.to_owned()]);
    }
    let mut files = Vec::new();
    collect_files(input, &mut files)?;
    files.sort();
    if files.is_empty() {
        return Err(ReadError::NoFiles {
            path: input.to_owned(),
        });
    }
    Ok(files)
}

/// One file as a [`Source`] named by its path.
///
/// # Errors
///
/// The file can't be read or is not UTF-8.
pub fn read_file(path: &Path) -> Result<Source, ReadError> {
    let bytes = std::fs::read(path).map_err(|source| ReadError::File {
        path: path.to_owned(),
        source,
    })?;
    Ok(Source::from_bytes(path.display().to_string(), bytes)?)
}

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), ReadError> {
    let cannot_read = |source| ReadError::Dir {
        path: dir.to_owned(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(cannot_read)? {
        let path = entry.map_err(cannot_read)?.path();
        if path.is_dir() {
            collect_files(&path, files)?;
        } else if path
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
        {
            files.push(path);
        }
    }
    Ok(())
}
