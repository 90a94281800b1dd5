//! Everything [`Builder::generate`](super::Builder::generate) found wrong, reported at once.

use std::error::Error as _;
use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::crd::{self, ReadError, VersionFilter};
use crate::emit::source::DeriveError;

/// Why nothing (or not everything) was generated: every [`Problem`], in input order.
///
/// `Display` prints one problem per line with its cause (`crds/foo.yaml: cannot read: No such
/// file or directory (os error 2)`); `Debug` prints the same, so a build script's
/// `fn main() -> Result<(), Box<dyn std::error::Error>>` shows them as they are.
pub struct GenerateError {
    problems: Vec<Problem>,
}

impl GenerateError {
    pub(super) fn new(problems: Vec<Problem>) -> Self {
        Self { problems }
    }

    /// Every problem, in the order found.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// Every problem, owned.
    pub fn into_problems(self) -> Vec<Problem> {
        self.problems
    }
}

impl fmt::Display for GenerateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, problem) in self.problems.iter().enumerate() {
            if index > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{problem}")?;
            let mut cause = problem.source();
            while let Some(err) = cause {
                write!(f, ": {err}")?;
                cause = err.source();
            }
        }
        Ok(())
    }
}

impl fmt::Debug for GenerateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// No `source`: `Display` already prints each problem's cause, and there may be many.
impl std::error::Error for GenerateError {}

/// One thing wrong with the options, an input or the output.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// [`Builder::crd`](super::Builder::crd) was never called.
    #[error("no CRD to generate from: add a file or directory with Builder::crd")]
    NoInput,
    /// No [`Builder::out_dir`](super::Builder::out_dir) and no `OUT_DIR` (not a build script).
    #[error("no output directory: set Builder::out_dir, or run in a build script (OUT_DIR)")]
    NoOutDir,
    /// A [`Builder::derive`](super::Builder::derive) value in none of kopium's forms.
    #[error("derive {value:?}: {reason}")]
    Derive {
        /// The value as given.
        value: String,
        /// What is wrong with it.
        reason: DeriveError,
    },
    /// An input that can't be read, naming the path.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// A problem in a CRD: `FILE:LINE:COLUMN: message (at JSON path)`.
    #[error(transparent)]
    Crd(#[from] crd::Error),
    /// The CRDs are fine but the version filter keeps none of their versions.
    #[error("no version matches the version filter {filter} (the inputs have {available})")]
    NoVersion {
        /// The filter.
        filter: VersionFilter,
        /// `Kind/version` of every version in the inputs, comma-separated.
        available: String,
    },
    /// The emitter made tokens that are not a Rust file: a bug in kube-gen.
    #[error("internal error (a bug in kube-gen): the generated code does not parse: {0}")]
    Emit(syn::Error),
    /// The output directory can't be created.
    #[error("{}: cannot create the directory", path.display())]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: io::Error,
    },
    /// An output file can't be written.
    #[error("{}: cannot write", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: io::Error,
    },
}
