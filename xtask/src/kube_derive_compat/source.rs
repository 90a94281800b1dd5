//! kube-derive's test files, made to use our derive: the one-line import swap, and the test
//! functions each file declares.

use anyhow::bail;

/// The import that every copied file ends up with.
pub const OURS: &str = "use kube_gen::CustomResource;";

/// The lines kube-derive's tests import the derive with, and what each becomes. The second
/// form keeps `CustomResourceExt` from kube on the same line, so line numbers in rustc's
/// errors stay those of the upstream file.
const IMPORTS: [(&str, &str); 2] = [
    ("use kube_derive::CustomResource;", OURS),
    (
        "use kube::{CustomResource, CustomResourceExt};",
        "use kube::CustomResourceExt; use kube_gen::CustomResource;",
    ),
];

/// Replaces the file's import of kube-derive's `CustomResource` with ours, and changes
/// nothing else.
///
/// # Errors
///
/// When no line or more than one line is a known import of the derive, or when the file
/// still reaches kube-derive's derive another way: either would measure kube-derive instead
/// of us, or silently change more than the import.
pub fn swap_import(text: &str) -> anyhow::Result<String> {
    let matches = |line: &str| {
        let line = line.trim_end_matches(['\n', '\r']);
        IMPORTS.iter().find(|(from, _)| *from == line)
    };
    let found = text.split_inclusive('\n').filter(|l| matches(l).is_some());
    match found.count() {
        1 => {}
        0 => bail!(
            "no line imports the derive as kube-derive's tests do (expected one of: {})",
            known_imports()
        ),
        n => bail!(
            "{n} lines import the derive (expected exactly one of: {})",
            known_imports()
        ),
    }
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.split_inclusive('\n') {
        match matches(line) {
            Some((from, to)) => out.push_str(&line.replacen(from, to, 1)),
            None => {
                if let Some(why) = other_route_to_kube_derive(line) {
                    bail!("{why}: `{}`", line.trim());
                }
                out.push_str(line);
            }
        }
    }
    Ok(out)
}

fn known_imports() -> String {
    IMPORTS
        .iter()
        .map(|(from, _)| format!("`{from}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why a line (other than the swapped import) would still use kube-derive's derive.
fn other_route_to_kube_derive(line: &str) -> Option<&'static str> {
    if line.contains("kube_derive") {
        return Some("the file names kube_derive beyond the swapped import");
    }
    if has_word(line, "kube::CustomResource") {
        return Some("the file names kube::CustomResource beyond the swapped import");
    }
    if line.trim_start().starts_with("use ") && has_word(line, "CustomResource") {
        return Some("the file imports CustomResource a second way");
    }
    None
}

/// `word` in `line`, not as part of a longer identifier (`CustomResourceExt`).
fn has_word(line: &str, word: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    line.match_indices(word).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = line[at + word.len()..].chars().next();
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}

/// The `#[test]` functions of a file, in order, as libtest names them. kube-derive's test
/// files declare them at the top level; the names libtest reports are checked against these.
pub fn test_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut pending = false;
    for line in text.lines().map(str::trim) {
        if line == "#[test]" {
            pending = true;
            continue;
        }
        if !pending {
            continue;
        }
        let rest = line.strip_prefix("pub ").unwrap_or(line);
        let rest = rest.strip_prefix("async ").unwrap_or(rest);
        if let Some(rest) = rest.strip_prefix("fn ") {
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            names.push(rest[..end].to_owned());
            pending = false;
        }
    }
    names
}

/// Whether `text` refers to the crate `lib` (`lib::path`, `lib!` or `use lib`).
pub fn mentions_crate(text: &str, lib: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(lib).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = &text[at + lib.len()..];
        let as_path = after.starts_with("::") || after.starts_with('!');
        let as_use = text[..at].ends_with("use ") && !after.starts_with(ident);
        !before.is_some_and(ident) && (as_path || as_use)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kube_derive_import_becomes_ours_and_nothing_else_changes() {
        let upstream = "#![allow(missing_docs)]\n\nuse kube_derive::CustomResource;\nuse schemars::JsonSchema;\n\n#[derive(CustomResource)]\nstruct FooSpec {}\n";
        let swapped = swap_import(upstream).unwrap();
        assert_eq!(
            swapped,
            upstream.replace("use kube_derive::CustomResource;", OURS)
        );
    }

    #[test]
    fn the_kube_facade_import_keeps_the_ext_trait_on_the_same_line() {
        let upstream = "use assert_json_diff::assert_json_eq;\r\nuse kube::{CustomResource, CustomResourceExt};\r\nuse serde_json::json;\r\n";
        let swapped = swap_import(upstream).unwrap();
        assert_eq!(
            swapped,
            "use assert_json_diff::assert_json_eq;\r\nuse kube::CustomResourceExt; use kube_gen::CustomResource;\r\nuse serde_json::json;\r\n"
        );
        assert_eq!(swapped.lines().count(), upstream.lines().count());
    }

    #[test]
    fn a_file_without_the_import_is_an_error() {
        let err = swap_import("use kube::Resource;\n").unwrap_err();
        assert!(
            err.to_string().starts_with("no line imports the derive"),
            "{err}"
        );
        // Indented or reformatted, it is not the line we know: refuse rather than guess.
        assert!(swap_import("    use kube_derive::CustomResource;\n").is_err());
    }

    #[test]
    fn a_file_importing_the_derive_twice_is_an_error() {
        let text =
            "use kube_derive::CustomResource;\nmod a {\nuse kube_derive::CustomResource;\n}\n";
        let err = swap_import(text).unwrap_err();
        assert!(
            err.to_string().starts_with("2 lines import the derive"),
            "{err}"
        );
    }

    #[test]
    fn a_file_still_reaching_kube_derive_another_way_is_an_error() {
        for other in [
            "#[derive(kube_derive::CustomResource)]",
            "#[derive(kube::CustomResource)]",
            "use kube::{CustomResource, Resource};",
        ] {
            let text = format!("use kube_derive::CustomResource;\n{other}\n");
            assert!(swap_import(&text).is_err(), "{other}");
        }
        // The extension trait and the derive's use are fine.
        let text = "use kube_derive::CustomResource;\nuse kube::core::CustomResourceExt;\n#[derive(CustomResource)]\n";
        swap_import(text).unwrap();
    }

    #[test]
    fn test_names_are_the_functions_after_test_attributes() {
        let text = "#[test]\nfn plain() {}\n\nfn helper() {}\n\n#[test]\n#[should_panic = \"x\"]\nfn panics() {}\n#[test]\npub fn public_one() {}\n";
        assert_eq!(test_names(text), ["plain", "panics", "public_one"]);
    }

    #[test]
    fn a_crate_is_mentioned_by_path_macro_or_use() {
        assert!(mentions_crate(
            "let v = serde_json::json!({});",
            "serde_json"
        ));
        assert!(mentions_crate("use jiff::Timestamp;", "jiff"));
        assert!(mentions_crate("use trybuild;", "trybuild"));
        assert!(!mentions_crate("let serde_json_value = 1;", "serde_json"));
        assert!(!mentions_crate("use my_serde::x;", "serde"));
    }
}
