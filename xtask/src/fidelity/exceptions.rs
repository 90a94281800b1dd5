//! The known, justified failures: `kube-gen/codegen/fidelity-exceptions.tsv`.
//!
//! One line per exception, tab-separated: the corpus file, the check (`generate`, `compile`,
//! `schema` or `round-trip`) and why it fails. `#` starts a comment line. An excepted failure
//! does not fail the gate; an exception whose check passes is stale and does.

use std::path::Path;

use anyhow::{Context, bail};

use super::report::Check;

/// Where the exceptions live, relative to the workspace.
pub const PATH: &str = "kube-gen/codegen/fidelity-exceptions.tsv";

/// One known failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception {
    /// The corpus file.
    pub file: String,
    /// The check that fails for it.
    pub check: Check,
    /// Why, for the report.
    pub reason: String,
}

/// Reads the exceptions file (none when it does not exist).
pub fn read(workspace: &Path) -> anyhow::Result<Vec<Exception>> {
    let path = workspace.join(PATH);
    if !path.exists() {
        return Ok(Vec::new());
    }
    let text = std::fs::read_to_string(&path)?;
    parse(&text).with_context(|| format!("reading {}", path.display()))
}

fn parse(text: &str) -> anyhow::Result<Vec<Exception>> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cells: Vec<&str> = line.split('\t').collect();
        let [file, check, reason] = cells[..] else {
            bail!(
                "line {}: expected `file<TAB>check<TAB>reason`, got {line:?}",
                n + 1
            );
        };
        let Some(check) = Check::from_name(check) else {
            bail!(
                "line {}: unknown check `{check}` (generate, compile, schema or round-trip)",
                n + 1
            );
        };
        if reason.trim().is_empty() {
            bail!("line {}: an exception needs a reason", n + 1);
        }
        out.push(Exception {
            file: file.to_owned(),
            check,
            reason: reason.to_owned(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_file_check_reason_and_comments_are_skipped() {
        let parsed = parse("# header\na/b.yaml\tschema\tbecause\n\n").unwrap();
        assert_eq!(
            parsed,
            [Exception {
                file: "a/b.yaml".into(),
                check: Check::Schema,
                reason: "because".into()
            }]
        );
    }

    #[test]
    fn an_unknown_check_or_a_missing_reason_is_an_error() {
        let err = parse("a\tlint\tx").unwrap_err();
        assert!(err.to_string().contains("unknown check `lint`"), "{err}");
        assert!(parse("a\tschema\t ").is_err());
        assert!(parse("a\tschema").is_err());
    }
}
