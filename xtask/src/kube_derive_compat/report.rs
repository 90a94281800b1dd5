//! The tables a run prints: the summary per file, and the differences from the expectation.

use super::expected::Difference;
use super::results::FileResult;

/// One line per file (compiles? tests passing), its first rustc errors or failing tests
/// under it, and the totals.
pub fn summary(results: &[FileResult]) -> String {
    let width = results
        .iter()
        .map(|r| r.file.len())
        .max()
        .unwrap_or(4)
        .max(4);
    let mut out = format!("{:width$}  compiles  tests passing\n", "file");
    for r in results {
        let compiles = if r.compile_errors.is_none() {
            "yes"
        } else {
            "no"
        };
        out.push_str(&format!(
            "{:width$}  {compiles:8}  {}/{}\n",
            r.file,
            r.passed(),
            r.declared
        ));
        for error in r.compile_errors.iter().flatten() {
            out.push_str(&format!("    {error}\n"));
        }
        let failing: Vec<&str> = r
            .tests
            .iter()
            .filter(|(_, passed)| !passed)
            .map(|(name, _)| name.as_str())
            .collect();
        if !failing.is_empty() {
            out.push_str(&format!("    failing: {}\n", failing.join(", ")));
        }
    }
    let compiling = results
        .iter()
        .filter(|r| r.compile_errors.is_none())
        .count();
    let passing: usize = results.iter().map(FileResult::passed).sum();
    let declared: usize = results.iter().map(|r| r.declared).sum();
    out.push_str(&format!(
        "files compiling {compiling}/{}, tests passing {passing}/{declared}\n",
        results.len()
    ));
    out
}

/// The differences as a table: file, test, expected, got, and the expected row's reason.
pub fn differences(diffs: &[Difference]) -> String {
    let outcome = |o: Option<super::results::Outcome>| o.map_or("(no row)", |o| o.name());
    let header = ["file", "test", "expected", "got", "reason"];
    let rows: Vec<[String; 5]> = diffs
        .iter()
        .map(|d| {
            [
                d.file.clone(),
                d.test.clone(),
                outcome(d.expected).to_owned(),
                outcome(d.observed).to_owned(),
                d.reason.clone(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    let line = |cells: [&str; 5]| {
        let mut s = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i == 4 {
                s.push_str(cell);
            } else {
                s.push_str(&format!("{cell:w$}  ", w = widths[i]));
            }
        }
        s.trim_end().to_owned() + "\n"
    };
    let mut out = line(header);
    for row in &rows {
        out.push_str(&line(row.each_ref().map(String::as_str)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::results::Outcome;
    use super::*;

    #[test]
    fn the_summary_counts_files_compiling_and_tests_passing() {
        let results = [
            FileResult {
                file: "a.rs".into(),
                declared: 2,
                compile_errors: None,
                tests: vec![("t1".into(), true), ("t2".into(), false)],
            },
            FileResult {
                file: "bb.rs".into(),
                declared: 3,
                compile_errors: Some(vec!["error: unknown key `root` (tests/bb.rs:3:1)".into()]),
                tests: vec![],
            },
        ];
        assert_eq!(
            summary(&results),
            "file   compiles  tests passing\n\
             a.rs   yes       1/2\n    failing: t2\n\
             bb.rs  no        0/3\n    error: unknown key `root` (tests/bb.rs:3:1)\n\
             files compiling 1/2, tests passing 1/5\n"
        );
    }

    #[test]
    fn differences_are_aligned_with_missing_rows_named() {
        let diffs = [
            Difference {
                file: "a.rs".into(),
                test: "t".into(),
                expected: Some(Outcome::Fail),
                observed: Some(Outcome::Pass),
                reason: "no nullable".into(),
            },
            Difference {
                file: "a.rs".into(),
                test: "new_test".into(),
                expected: None,
                observed: Some(Outcome::Pass),
                reason: String::new(),
            },
        ];
        assert_eq!(
            differences(&diffs),
            "file  test      expected  got   reason\n\
             a.rs  t         fail      pass  no nullable\n\
             a.rs  new_test  (no row)  pass\n"
        );
    }
}
