//! The expectation file, `kube-gen-derive/kube-derive-compat.tsv`: what each file and test
//! does today, with the reason for everything that does not compile or pass; reading it,
//! comparing a run against it, and rewriting it (`--bless`).

use std::collections::BTreeSet;

use anyhow::bail;

use super::results::{Observed, Outcome};

/// Where the expectation lives, relative to the workspace.
pub const PATH: &str = "kube-gen-derive/kube-derive-compat.tsv";

/// The reason `--bless` writes where a human has to write one.
pub const TODO: &str = "TODO: reason";

const HEADER: &str = "\
# kube-derive 5.0.0's integration tests, with only the import of `CustomResource` changed to
# kube-gen's, as `cargo xtask kube-derive-compat` last saw them pass and fail.
# The command fails on any difference from this file, in either direction.
#
# Columns, tab-separated: file, test (`*`: the file's compile status), outcome (compiles,
# does-not-compile, pass, fail), reason (required unless the outcome is compiles or pass).
# Tests of a file that does not compile have no rows.
#
# `cargo xtask kube-derive-compat --bless` rewrites the outcomes and keeps the reasons; it
# writes `TODO: reason` where one is missing, and the command fails until a human writes it.
";

/// One row: an expected outcome and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub file: String,
    /// A test name, or `*` for the file's compile status.
    pub test: String,
    pub outcome: Outcome,
    /// Empty for a success without a note.
    pub reason: String,
}

impl Row {
    /// A failure whose reason is still to be written.
    pub fn needs_reason(&self) -> bool {
        !self.outcome.is_success() && (self.reason.trim().is_empty() || self.reason == TODO)
    }
}

/// Parses the file's text.
///
/// # Errors
///
/// On a line that is not `file<TAB>test<TAB>outcome[<TAB>reason]`, an unknown outcome, a
/// failure without a reason, or a (file, test) listed twice.
pub fn parse(text: &str) -> anyhow::Result<Vec<Row>> {
    let mut rows = Vec::new();
    let mut seen = BTreeSet::new();
    for (n, line) in text.lines().enumerate() {
        let n = n + 1;
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cells: Vec<&str> = line.split('\t').collect();
        let (file, test, outcome, reason) = match cells[..] {
            [file, test, outcome] => (file, test, outcome, ""),
            [file, test, outcome, reason] => (file, test, outcome, reason),
            _ => bail!("{PATH}:{n}: expected `file<TAB>test<TAB>outcome<TAB>reason`, got {line:?}"),
        };
        let Some(outcome) = Outcome::from_name(outcome) else {
            bail!(
                "{PATH}:{n}: unknown outcome `{outcome}` (compiles, does-not-compile, pass or fail)"
            );
        };
        if !outcome.is_success() && reason.trim().is_empty() {
            bail!(
                "{PATH}:{n}: `{file}` `{test}` is `{outcome_name}` and needs a reason",
                outcome_name = outcome.name()
            );
        }
        if !seen.insert((file, test)) {
            bail!("{PATH}:{n}: `{file}` `{test}` is listed twice");
        }
        rows.push(Row {
            file: file.to_owned(),
            test: test.to_owned(),
            outcome,
            reason: reason.to_owned(),
        });
    }
    Ok(rows)
}

/// The file's text for `rows`, with the explanatory header.
pub fn render(rows: &[Row]) -> String {
    let mut out = String::from(HEADER);
    for row in rows {
        out.push_str(&format!(
            "{}\t{}\t{}",
            row.file,
            row.test,
            row.outcome.name()
        ));
        if !row.reason.is_empty() {
            out.push('\t');
            out.push_str(&row.reason);
        }
        out.push('\n');
    }
    out
}

/// A (file, test) whose outcome is not the expected one. `None` on one side: the row is
/// missing there (a file that stopped compiling loses its test rows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub file: String,
    pub test: String,
    pub expected: Option<Outcome>,
    pub observed: Option<Outcome>,
    /// The expected row's reason, if any.
    pub reason: String,
}

/// Every difference between the expectation and a run, in the run's order (then the
/// expected rows the run did not produce).
pub fn compare(expected: &[Row], observed: &[Observed]) -> Vec<Difference> {
    let find = |file: &str, test: &str| expected.iter().find(|r| r.file == file && r.test == test);
    let mut out = Vec::new();
    for o in observed {
        let row = find(&o.file, &o.test);
        if row.map(|r| r.outcome) != Some(o.outcome) {
            out.push(Difference {
                file: o.file.clone(),
                test: o.test.clone(),
                expected: row.map(|r| r.outcome),
                observed: Some(o.outcome),
                reason: row.map(|r| r.reason.clone()).unwrap_or_default(),
            });
        }
    }
    for row in expected {
        if !observed
            .iter()
            .any(|o| o.file == row.file && o.test == row.test)
        {
            out.push(Difference {
                file: row.file.clone(),
                test: row.test.clone(),
                expected: Some(row.outcome),
                observed: None,
                reason: row.reason.clone(),
            });
        }
    }
    out
}

/// The rows `--bless` writes: the run's outcomes, in its order. A reason is kept when the
/// row's outcome did not change, or when it is still a failure (the reason may still hold; a
/// human reviews the diff); a row that now succeeds drops the reason for its old failure; a
/// new failure gets [`TODO`].
pub fn bless(expected: &[Row], observed: &[Observed]) -> Vec<Row> {
    observed
        .iter()
        .map(|o| {
            let old = expected
                .iter()
                .find(|r| r.file == o.file && r.test == o.test);
            let kept = old.filter(|r| {
                !r.needs_reason() && (r.outcome == o.outcome || !o.outcome.is_success())
            });
            let reason = match kept {
                Some(r) => r.reason.clone(),
                None if o.outcome.is_success() => String::new(),
                None => TODO.to_owned(),
            };
            Row {
                file: o.file.clone(),
                test: o.test.clone(),
                outcome: o.outcome,
                reason,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observed(file: &str, test: &str, outcome: Outcome) -> Observed {
        Observed {
            file: file.into(),
            test: test.into(),
            outcome,
        }
    }

    fn row(file: &str, test: &str, outcome: Outcome, reason: &str) -> Row {
        Row {
            file: file.into(),
            test: test.into(),
            outcome,
            reason: reason.into(),
        }
    }

    #[test]
    fn rows_parse_with_an_optional_reason_for_successes() {
        let text = "# comment\n\na.rs\t*\tcompiles\na.rs\tt1\tfail\tno nullable on Option\na.rs\tt2\tpass\tnote\n";
        assert_eq!(
            parse(text).unwrap(),
            [
                row("a.rs", "*", Outcome::Compiles, ""),
                row("a.rs", "t1", Outcome::Fail, "no nullable on Option"),
                row("a.rs", "t2", Outcome::Pass, "note"),
            ]
        );
    }

    #[test]
    fn a_failure_without_a_reason_an_unknown_outcome_or_a_duplicate_is_an_error() {
        let err = parse("a.rs\t*\tdoes-not-compile\n").unwrap_err();
        assert!(err.to_string().contains("needs a reason"), "{err}");
        let err = parse("a.rs\tt\tflaky\tx\n").unwrap_err();
        assert!(err.to_string().contains("unknown outcome `flaky`"), "{err}");
        let err = parse("a.rs\tt\tpass\na.rs\tt\tpass\n").unwrap_err();
        assert!(err.to_string().contains("listed twice"), "{err}");
        assert!(parse("a.rs\tpass\n").is_err());
    }

    #[test]
    fn render_then_parse_gives_the_rows_back() {
        let rows = vec![
            row(
                "a.rs",
                "*",
                Outcome::DoesNotCompile,
                "`no_spec` not accepted yet",
            ),
            row("b.rs", "*", Outcome::Compiles, ""),
            row("b.rs", "t", Outcome::Pass, ""),
        ];
        assert_eq!(parse(&render(&rows)).unwrap(), rows);
    }

    #[test]
    fn a_run_equal_to_the_expectation_has_no_differences() {
        let expected = [
            row("a.rs", "*", Outcome::Compiles, ""),
            row("a.rs", "t", Outcome::Fail, "why"),
        ];
        let run = [
            observed("a.rs", "*", Outcome::Compiles),
            observed("a.rs", "t", Outcome::Fail),
        ];
        assert_eq!(compare(&expected, &run), []);
    }

    #[test]
    fn differences_count_in_both_directions() {
        let expected = [
            row("a.rs", "*", Outcome::Compiles, ""),
            row("a.rs", "fixed", Outcome::Fail, "why"),
            row("a.rs", "broken", Outcome::Pass, ""),
            row("b.rs", "*", Outcome::Compiles, ""),
            row("b.rs", "t", Outcome::Pass, ""),
            row("c.rs", "*", Outcome::DoesNotCompile, "`root` not accepted"),
        ];
        let run = [
            observed("a.rs", "*", Outcome::Compiles),
            observed("a.rs", "fixed", Outcome::Pass),
            observed("a.rs", "broken", Outcome::Fail),
            observed("b.rs", "*", Outcome::DoesNotCompile),
            observed("c.rs", "*", Outcome::Compiles),
            observed("c.rs", "new", Outcome::Pass),
        ];
        let got: Vec<_> = compare(&expected, &run)
            .into_iter()
            .map(|d| (d.file, d.test, d.expected, d.observed))
            .collect();
        let s = String::from;
        assert_eq!(
            got,
            [
                (
                    s("a.rs"),
                    s("fixed"),
                    Some(Outcome::Fail),
                    Some(Outcome::Pass)
                ),
                (
                    s("a.rs"),
                    s("broken"),
                    Some(Outcome::Pass),
                    Some(Outcome::Fail)
                ),
                (
                    s("b.rs"),
                    s("*"),
                    Some(Outcome::Compiles),
                    Some(Outcome::DoesNotCompile)
                ),
                (
                    s("c.rs"),
                    s("*"),
                    Some(Outcome::DoesNotCompile),
                    Some(Outcome::Compiles)
                ),
                (s("c.rs"), s("new"), None, Some(Outcome::Pass)),
                (s("b.rs"), s("t"), Some(Outcome::Pass), None),
            ]
        );
    }

    #[test]
    fn bless_keeps_reasons_drops_them_on_success_and_asks_for_new_ones() {
        let expected = [
            row("a.rs", "*", Outcome::Compiles, ""),
            row("a.rs", "still", Outcome::Fail, "no nullable"),
            row("a.rs", "fixed", Outcome::Fail, "enum"),
            row("a.rs", "noted", Outcome::Pass, "a note"),
            row("b.rs", "*", Outcome::DoesNotCompile, "`root` not accepted"),
        ];
        let run = [
            observed("a.rs", "*", Outcome::Compiles),
            observed("a.rs", "still", Outcome::Fail),
            observed("a.rs", "fixed", Outcome::Pass),
            observed("a.rs", "noted", Outcome::Pass),
            observed("a.rs", "broken", Outcome::Fail),
            observed("b.rs", "*", Outcome::DoesNotCompile),
        ];
        let rows = bless(&expected, &run);
        let reasons: Vec<_> = rows.iter().map(|r| r.reason.as_str()).collect();
        assert_eq!(
            reasons,
            ["", "no nullable", "", "a note", TODO, "`root` not accepted"]
        );
        let todo: Vec<_> = rows.iter().filter(|r| r.needs_reason()).collect();
        assert_eq!(todo.len(), 1);
        assert_eq!(todo[0].test, "broken");
    }

    #[test]
    fn a_todo_left_in_the_file_still_needs_a_reason() {
        let rows = parse(&format!("a.rs\tt\tfail\t{TODO}\n")).unwrap();
        assert!(rows[0].needs_reason());
        let blessed = bless(&rows, &[observed("a.rs", "t", Outcome::Fail)]);
        assert_eq!(blessed[0].reason, TODO);
    }
}
