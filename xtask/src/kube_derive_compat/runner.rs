//! Runs cargo on the generated crate: its dependencies once, then every test file on its own
//! (does it compile, which tests pass), with the full output kept in `logs/`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anyhow::{Context, bail};

use super::crate_gen::TestFile;
use super::results::{self, FileResult};

/// How many rustc errors the summary shows per file (the log has them all).
const SHOWN_ERRORS: usize = 4;

/// cargo, in the generated crate, with its own target directory.
#[derive(Debug)]
pub struct Runner {
    /// The crate.
    pub dir: PathBuf,
    /// Where each file's build and test output goes.
    pub logs: PathBuf,
}

impl Runner {
    /// The runner for the crate in `dir`.
    pub fn new(dir: &Path) -> Runner {
        Runner {
            dir: dir.to_path_buf(),
            logs: dir.join("logs"),
        }
    }

    /// cargo in the crate. Its own target directory, so it does not wait for (or block) the
    /// workspace's build; no `K8S_OPENAPI_ENABLED_VERSION`, so k8s-openapi takes the version
    /// kube-derive's tests choose (`latest`).
    fn cargo(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("cargo");
        cmd.args(args)
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", self.dir.join("target"))
            .env("CARGO_TERM_COLOR", "never")
            .env_remove("K8S_OPENAPI_ENABLED_VERSION");
        cmd
    }

    /// Builds every dependency of the tests (kube-gen included), showing cargo's progress.
    ///
    /// # Errors
    ///
    /// When one does not build: then no test file could, and their errors would only
    /// repeat this one.
    pub fn build_dependencies(&self) -> anyhow::Result<()> {
        let status = self
            .cargo(&["test", "--lib", "--no-run"])
            .status()
            .context("running cargo")?;
        if !status.success() {
            bail!(
                "the compatibility crate's dependencies (kube-gen included) do not build ({status}); \
                 see cargo's errors above, in {}",
                self.dir.display()
            );
        }
        Ok(())
    }

    /// Compiles `file`'s test target and, when it compiles, runs it.
    pub fn run_file(&self, file: &TestFile) -> anyhow::Result<FileResult> {
        std::fs::create_dir_all(&self.logs)?;
        let name = file.target.as_str();
        let build = self
            .cargo(&["test", "--test", name, "--no-run"])
            .output()
            .context("running cargo")?;
        self.log(&format!("{name}.build.log"), &build)?;
        let mut result = FileResult {
            file: file.file.clone(),
            declared: file.tests.len(),
            compile_errors: None,
            tests: Vec::new(),
        };
        if !build.status.success() {
            let stderr = String::from_utf8_lossy(&build.stderr);
            result.compile_errors = Some(results::compile_errors(&stderr, SHOWN_ERRORS));
            return Ok(result);
        }
        let run = self
            .cargo(&["test", "--test", name, "--no-fail-fast"])
            .output()
            .context("running cargo")?;
        self.log(&format!("{name}.test.log"), &run)?;
        let reported = results::parse_libtest(&String::from_utf8_lossy(&run.stdout));
        result.tests = results::in_source_order(&file.tests, reported);
        Ok(result)
    }

    fn log(&self, name: &str, out: &Output) -> anyhow::Result<()> {
        let mut text = out.stdout.clone();
        text.extend_from_slice(&out.stderr);
        let path = self.logs.join(name);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
    }
}
