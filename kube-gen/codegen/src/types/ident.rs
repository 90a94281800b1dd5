//! JSON names → valid Rust identifiers: snake_case fields, UpperCamelCase types and variants.

use std::collections::BTreeSet;

/// Keywords (strict, reserved and 2018+), which get a trailing `_` instead of `r#`.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// The words of a JSON name: split at non-alphanumerics and at case changes
/// (`podIPs` → `pod`, `IPs`; `HTTPServer` → `HTTP`, `Server`; `x-foo` → `x`, `foo`).
fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    for part in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        let chars: Vec<char> = part.chars().collect();
        let mut word = String::new();
        for (i, &c) in chars.iter().enumerate() {
            let prev = i.checked_sub(1).map(|p| chars[p]);
            let next = chars.get(i + 1).copied();
            let after = chars.get(i + 2).copied();
            let boundary = match prev {
                None => false,
                Some(p)
                    if c.is_ascii_uppercase() && (p.is_ascii_lowercase() || p.is_ascii_digit()) =>
                {
                    true
                }
                // the last capital of an acronym starts the next word (`HTTPServer`), but
                // a plural `s` stays with it (`IPs`)
                Some(p) if c.is_ascii_uppercase() && p.is_ascii_uppercase() => {
                    next.is_some_and(|n| {
                        n.is_ascii_lowercase()
                            && !(n == 's' && after.is_none_or(|a| !a.is_ascii_lowercase()))
                    })
                }
                _ => false,
            };
            if boundary && !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            word.push(c);
        }
        if !word.is_empty() {
            words.push(word);
        }
    }
    words
}

/// A snake_case field name for a JSON property: `deploymentName` → `deployment_name`,
/// `type` → `type_`, `$ref` → `ref_`, `x-foo` → `x_foo`, `1st` → `_1st`, `@type` → `type_`.
pub fn field_name(json: &str) -> String {
    let snake = words(json)
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("_");
    fix(snake, "field")
}

/// An UpperCamelCase type or variant name: `template` → `Template`, `x-foo` → `XFoo`,
/// `TLS1.2` → `TLS12`, `""` → `Empty`, `1st` → `_1st`.
pub fn type_name(json: &str) -> String {
    fix(camel(json), "Empty")
}

/// The name of a type nested in `parent` (`FooSpec` + `template` → `FooSpecTemplate`): the
/// parent's letter start makes any suffix valid, so `1st` and `self` give `FooSpec1st` and
/// `FooSpecSelf`, not the `_`-marked forms rustc's case lints warn about.
pub fn nested_type_name(parent: &str, json: &str) -> String {
    match camel(json) {
        camel if camel.is_empty() => format!("{parent}Empty"),
        camel => format!("{parent}{camel}"),
    }
}

/// The words of `json`, each capitalised and joined; possibly empty or a keyword.
fn camel(json: &str) -> String {
    words(json)
        .iter()
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// Makes `name` a valid, non-keyword identifier.
fn fix(name: String, empty: &str) -> String {
    let name = if name.is_empty() {
        empty.to_owned()
    } else if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{name}")
    } else {
        name
    };
    if KEYWORDS.contains(&name.as_str()) || name == "_" {
        format!("{name}_")
    } else {
        name
    }
}

/// Hands out names that are unique among those already given (and the reserved ones):
/// the first `Foo` is `Foo`, the next `Foo2`, `Foo3`, ... (fields: `foo`, `foo_2`, ...).
#[derive(Debug, Clone, Default)]
pub struct Namer {
    used: BTreeSet<String>,
}

impl Namer {
    /// A namer that never hands out any of `reserved`.
    pub fn reserving<'a>(reserved: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            used: reserved.into_iter().map(str::to_owned).collect(),
        }
    }

    /// `wanted` if free, else `wanted` + the smallest free number (`_` + number for
    /// snake_case names).
    pub fn unique(&mut self, wanted: &str) -> String {
        let sep = if wanted.starts_with(|c: char| c.is_ascii_uppercase()) {
            ""
        } else {
            "_"
        };
        let mut name = wanted.to_owned();
        // `type_` and `Self_` number as `type_2` and `Self2`: no `__`, no `_` after a letter
        // of a type name, which rustc's case lints would warn about.
        let base = match wanted.trim_end_matches('_') {
            "" => wanted,
            trimmed => trimmed,
        };
        let mut n = 2;
        while !self.used.insert(name.clone()) {
            name = format!("{base}{sep}{n}");
            n += 1;
        }
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_case_json_names_become_snake_case_fields() {
        assert_eq!(field_name("deploymentName"), "deployment_name");
        assert_eq!(field_name("podIPs"), "pod_ips");
        assert_eq!(field_name("HTTPServer"), "http_server");
        assert_eq!(field_name("apiVersion"), "api_version");
        assert_eq!(field_name("x509"), "x509");
    }

    #[test]
    fn keywords_and_invalid_identifiers_are_made_valid() {
        assert_eq!(field_name("type"), "type_");
        assert_eq!(field_name("ref"), "ref_");
        assert_eq!(field_name("$ref"), "ref_");
        assert_eq!(field_name("x-foo"), "x_foo");
        assert_eq!(field_name("1st"), "_1st");
        assert_eq!(field_name("@type"), "type_");
        assert_eq!(field_name("self"), "self_");
        assert_eq!(field_name("$"), "field");
        for name in ["type", "$ref", "x-foo", "1st", "@type", "self", "_"] {
            syn::parse_str::<syn::Ident>(&field_name(name)).unwrap();
            syn::parse_str::<syn::Ident>(&type_name(name)).unwrap();
        }
    }

    #[test]
    fn type_names_are_upper_camel_case() {
        assert_eq!(type_name("template"), "Template");
        assert_eq!(type_name("x-foo"), "XFoo");
        assert_eq!(type_name("IfNotPresent"), "IfNotPresent");
        assert_eq!(type_name("TLS1.2"), "TLS12");
        assert_eq!(type_name(""), "Empty");
        assert_eq!(type_name("self"), "Self_");
    }

    #[test]
    fn the_namer_numbers_repeated_names() {
        let mut namer = Namer::reserving(["Foo"]);
        assert_eq!(namer.unique("Foo"), "Foo2");
        assert_eq!(namer.unique("Foo"), "Foo3");
        assert_eq!(namer.unique("foo_bar"), "foo_bar");
        assert_eq!(namer.unique("foo_bar"), "foo_bar_2");
        assert_eq!(namer.unique("type_"), "type_");
        assert_eq!(namer.unique("type_"), "type_2");
        assert_eq!(namer.unique("Self_"), "Self_");
        assert_eq!(namer.unique("Self_"), "Self2");
    }

    #[test]
    fn nested_type_names_need_no_marks() {
        assert_eq!(nested_type_name("BarSpec", "template"), "BarSpecTemplate");
        assert_eq!(nested_type_name("BarSpec", "1st"), "BarSpec1st");
        assert_eq!(nested_type_name("BarSpec", "self"), "BarSpecSelf");
        assert_eq!(nested_type_name("BarSpec", "$"), "BarSpecEmpty");
    }
}
