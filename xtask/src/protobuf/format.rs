//! Lays generated source out: prettyplease, then the version-gate markers turned into
//! k8s-openapi's macros around the formatted code, then rustfmt, so the checked-in files
//! are what `cargo fmt --check` wants.

use std::io::Write as _;
use std::process::{Command, Stdio};

use anyhow::{Context, anyhow, bail};

/// The marker attribute [`super::emit`] puts on version-gated code: `#[k8s_if(ge_1_34)]`,
/// `#[k8s_if(ge_1_34, le_1_35)]` (outermost macro first).
pub const MARKER: &str = "k8s_if";

/// Formats a whole file's source.
///
/// # Errors
///
/// When the source is not Rust (a bug in the emitter) or rustfmt can't be run.
pub fn file(src: &str) -> anyhow::Result<String> {
    let pretty = match src.parse() {
        Ok(tokens) => kube_gen_codegen::emit::pretty(tokens)
            .map_err(|e| anyhow!("generated code does not parse: {e}"))?,
        Err(e) => bail!("generated code does not lex: {e}"),
    };
    let lines: Vec<String> = pretty.lines().map(str::to_owned).collect();
    let expanded = space_items(&expand_markers(&lines)?);
    rustfmt(&(expanded.join("\n") + "\n"))
}

/// Replaces each marker line and the item or statement after it with that code inside the
/// macros the marker names, indented one level per macro.
fn expand_markers(lines: &[String]) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = &lines[i];
        let code = line.trim_start();
        let indent = line.len() - code.len();
        let Some(args) = code
            .strip_prefix(&format!("#[{MARKER}("))
            .and_then(|rest| rest.strip_suffix(")]"))
        else {
            out.push(line.clone());
            i += 1;
            continue;
        };
        let first = i + 1;
        let closing = format!("{}}}", " ".repeat(indent));
        let end = lines
            .iter()
            .enumerate()
            .skip(first)
            .find(|&(k, l)| *l == closing || (k == first && l.contains('{') && balanced(l)))
            .map(|(end, _)| end)
            .with_context(|| format!("no end to the code after {line:?}"))?;
        let inner = expand_markers(&lines[first..=end])?;
        let macros: Vec<&str> = args.split(", ").collect();
        let pad = |depth: usize| " ".repeat(indent + 4 * depth);
        for (depth, name) in macros.iter().enumerate() {
            out.push(format!("{}k8s_openapi::k8s_if_{name}! {{", pad(depth)));
        }
        for l in inner {
            out.push(if l.is_empty() {
                l
            } else {
                format!("{}{l}", " ".repeat(4 * macros.len()))
            });
        }
        for depth in (0..macros.len()).rev() {
            out.push(format!("{}}}", pad(depth)));
        }
        i = end + 1;
    }
    Ok(out)
}

/// Whether a line closes every brace it opens (a one-line statement).
fn balanced(line: &str) -> bool {
    line.matches('{').count() == line.matches('}').count()
}

/// A blank line between top-level items, which prettyplease leaves out.
fn space_items(lines: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in lines {
        let starts_item = !line.is_empty() && !line.starts_with([' ', '}']);
        let both = |prefix: &str, last: &str| last.starts_with(prefix) && line.starts_with(prefix);
        let after_item = out.last().is_some_and(|last| {
            last == "}"
                || (last.ends_with(';')
                    && !last.starts_with(' ')
                    && !both("use ", last)
                    && !both("mod ", last))
                || (last.starts_with("//!") && !line.starts_with("//!"))
        });
        if starts_item && after_item {
            out.push(String::new());
        }
        out.push(line.clone());
    }
    out
}

/// The source as rustfmt (edition 2024, default settings) writes it.
fn rustfmt(src: &str) -> anyhow::Result<String> {
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("running rustfmt (rustup component add rustfmt)")?;
    let mut stdin = child.stdin.take().context("rustfmt's stdin")?;
    let input = src.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().context("waiting for rustfmt")?;
    writer
        .join()
        .map_err(|_| anyhow!("writing to rustfmt panicked"))?
        .context("writing to rustfmt")?;
    if !out.status.success() {
        bail!("rustfmt failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    String::from_utf8(out.stdout).context("rustfmt's output is not UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_owned).collect()
    }

    #[test]
    fn markers_become_macros_around_the_formatted_code() {
        let pretty = lines(
            "fn f() {\n    #[k8s_if(ge_1_34, le_1_35)]\n    if tag == 42 {\n        g()?;\n    }\n    \
             r.skip(wire)?;\n}\n#[k8s_if(1_37)]\nimpl A for B {\n    fn c() {}\n\n}",
        );
        let want = "fn f() {\n    k8s_openapi::k8s_if_ge_1_34! {\n        \
                    k8s_openapi::k8s_if_le_1_35! {\n            if tag == 42 {\n                \
                    g()?;\n            }\n        }\n    }\n    r.skip(wire)?;\n}\n\
                    k8s_openapi::k8s_if_1_37! {\n    impl A for B {\n        fn c() {}\n\n    }\n}";
        assert_eq!(expand_markers(&pretty).unwrap().join("\n"), want);
        assert!(expand_markers(&lines("#[k8s_if(1_37)]\nimpl A for B {")).is_err());
    }

    #[test]
    fn items_get_a_blank_line_between_them() {
        let spaced = space_items(&lines(
            "//! m\nuse a::b;\nuse a::c;\nfn c() {\n}\n/// d\nstruct D;\nimpl D {}",
        ));
        let want = "//! m\n\nuse a::b;\nuse a::c;\n\nfn c() {\n}\n\n/// d\nstruct D;\n\nimpl D {}";
        assert_eq!(spaced.join("\n"), want);
    }
}
