//! What a run observed: cargo's and libtest's output turned into one outcome per file and
//! per test.

/// The outcome of a file (does it compile) or of one test (does it pass).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Compiles,
    DoesNotCompile,
    Pass,
    Fail,
}

impl Outcome {
    /// The name in the expectation file.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Compiles => "compiles",
            Outcome::DoesNotCompile => "does-not-compile",
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
        }
    }

    pub fn from_name(name: &str) -> Option<Outcome> {
        [
            Outcome::Compiles,
            Outcome::DoesNotCompile,
            Outcome::Pass,
            Outcome::Fail,
        ]
        .into_iter()
        .find(|o| o.name() == name)
    }

    /// `compiles` and `pass`: the outcomes that need no reason.
    pub fn is_success(self) -> bool {
        matches!(self, Outcome::Compiles | Outcome::Pass)
    }
}

/// The row key of a file's compile status in the expectation file.
pub const FILE_ROW: &str = "*";

/// One observed outcome: a file's (`test` is [`FILE_ROW`]) or one test's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    pub file: String,
    pub test: String,
    pub outcome: Outcome,
}

/// Everything one test file did.
#[derive(Debug, Clone)]
pub struct FileResult {
    /// The file name (`crd_enum_test.rs`).
    pub file: String,
    /// The `#[test]` functions the source declares, compiled or not.
    pub declared: usize,
    /// `None` when it compiled, else rustc's first error lines.
    pub compile_errors: Option<Vec<String>>,
    /// Each test and whether it passed, in source order (empty when the file did not compile).
    pub tests: Vec<(String, bool)>,
}

impl FileResult {
    /// The rows of this file: its compile status, then one per test that ran.
    pub fn observed(&self) -> Vec<Observed> {
        let row = |test: &str, outcome| Observed {
            file: self.file.clone(),
            test: test.to_owned(),
            outcome,
        };
        let compiles = match self.compile_errors {
            None => Outcome::Compiles,
            Some(_) => Outcome::DoesNotCompile,
        };
        let mut rows = vec![row(FILE_ROW, compiles)];
        rows.extend(self.tests.iter().map(|(name, passed)| {
            row(
                name,
                if *passed {
                    Outcome::Pass
                } else {
                    Outcome::Fail
                },
            )
        }));
        rows
    }

    pub fn passed(&self) -> usize {
        self.tests.iter().filter(|(_, passed)| *passed).count()
    }
}

/// libtest's result lines (`test NAME ... ok`, `test NAME - should panic ... FAILED`) as
/// (name, passed). `ignored` counts as not passed: nothing kube-derive ships is ignored.
pub fn parse_libtest(stdout: &str) -> Vec<(String, bool)> {
    stdout
        .lines()
        .filter_map(|line| {
            let (name, result) = line.strip_prefix("test ")?.rsplit_once(" ... ")?;
            let name = name.strip_suffix(" - should panic").unwrap_or(name);
            let passed = match result.split(',').next()?.trim() {
                "ok" => true,
                "FAILED" | "ignored" => false,
                _ => return None,
            };
            Some((name.to_owned(), passed))
        })
        .collect()
}

/// Puts libtest's results in the order the source declares the tests. A declared test that
/// reported nothing (the test binary died before it) failed; a reported test the source
/// scan missed is kept, after the others.
pub fn in_source_order(declared: &[String], reported: Vec<(String, bool)>) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = declared
        .iter()
        .map(|name| {
            let passed = reported
                .iter()
                .find(|(n, _)| n == name)
                .is_some_and(|(_, passed)| *passed);
            (name.clone(), passed)
        })
        .collect();
    out.extend(reported.into_iter().filter(|(n, _)| !declared.contains(n)));
    out
}

/// The first `max` errors of cargo's human-readable output, one line each: rustc's
/// `error[E…]: message` with the `--> file:line:col` that follows it.
pub fn compile_errors(stderr: &str, max: usize) -> Vec<String> {
    let lines: Vec<&str> = stderr.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let summary = ["error: could not compile", "error: aborting due to"];
        if !line.starts_with("error") || summary.iter().any(|s| line.starts_with(s)) {
            continue;
        }
        let place = lines
            .get(i + 1)
            .and_then(|next| next.trim_start().strip_prefix("--> "));
        out.push(match place {
            Some(place) => format!("{line} ({place})"),
            None => (*line).to_owned(),
        });
        if out.len() == max {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libtest_lines_give_each_test_and_whether_it_passed() {
        let stdout = "\nrunning 4 tests\n\
            test test_crd_name ... ok\n\
            test invalid_enum_1 - should panic ... ok\n\
            test test_crd_schema_matches_expected ... FAILED\n\
            test skipped ... ignored, needs a cluster\n\
            \n\
            failures:\n\n\
            ---- test_crd_schema_matches_expected stdout ----\n\
            thread 'test_crd_schema_matches_expected' panicked at tests/crd_enum_test.rs:61:5:\n\
            \n\
            failures:\n    test_crd_schema_matches_expected\n\n\
            test result: FAILED. 2 passed; 1 failed; 1 ignored; 0 measured; 0 filtered out\n";
        assert_eq!(
            parse_libtest(stdout),
            [
                ("test_crd_name".to_owned(), true),
                ("invalid_enum_1".to_owned(), true),
                ("test_crd_schema_matches_expected".to_owned(), false),
                ("skipped".to_owned(), false),
            ]
        );
    }

    #[test]
    fn results_follow_source_order_and_unreported_tests_failed() {
        let declared = ["a".to_owned(), "b".to_owned(), "c".to_owned()];
        let reported = vec![
            ("c".to_owned(), true),
            ("a".to_owned(), true),
            ("x".to_owned(), true),
        ];
        assert_eq!(
            in_source_order(&declared, reported),
            [
                ("a".to_owned(), true),
                ("b".to_owned(), false),
                ("c".to_owned(), true),
                ("x".to_owned(), true),
            ]
        );
    }

    #[test]
    fn compile_errors_are_rustc_headlines_with_their_place() {
        let stderr = "   Compiling kube-derive-compat v0.0.0\n\
            error: unknown `#[kube(...)]` key `no_spec`\n  \
              --> tests/crd_no_spec_test.rs:18:5\n   |\n18 |     no_spec,\n\n\
            error[E0433]: failed to resolve: use of undeclared type `Bucket`\n  \
              --> tests/crd_no_spec_test.rs:48:18\n\n\
            warning: unused import\n\
            error: aborting due to 2 previous errors\n\
            error: could not compile `kube-derive-compat` (test \"crd_no_spec_test\") due to 2 previous errors\n";
        assert_eq!(
            compile_errors(stderr, 5),
            [
                "error: unknown `#[kube(...)]` key `no_spec` (tests/crd_no_spec_test.rs:18:5)",
                "error[E0433]: failed to resolve: use of undeclared type `Bucket` (tests/crd_no_spec_test.rs:48:18)",
            ]
        );
        assert_eq!(compile_errors(stderr, 1).len(), 1);
    }

    #[test]
    fn a_file_gives_its_compile_row_then_its_tests() {
        let result = FileResult {
            file: "f.rs".into(),
            declared: 2,
            compile_errors: None,
            tests: vec![("a".into(), true), ("b".into(), false)],
        };
        let outcomes: Vec<_> = result
            .observed()
            .into_iter()
            .map(|o| (o.test, o.outcome))
            .collect();
        assert_eq!(
            outcomes,
            [
                ("*".to_owned(), Outcome::Compiles),
                ("a".to_owned(), Outcome::Pass),
                ("b".to_owned(), Outcome::Fail),
            ]
        );
        assert_eq!(result.passed(), 1);
    }
}
