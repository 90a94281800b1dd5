//! Parsers for the values of `#[kube(...)]` keys, used as darling's `with = ...`: each knows
//! the key from the meta item, so a value of the wrong kind is reported on the value with the
//! key and an example of what to write.

use darling::{Error, Result};
use proc_macro2::Span;
use quote::ToTokens;
use syn::spanned::Spanned as _;
use syn::{Expr, ExprLit, Lit, LitStr, Meta, Path, Type};

use kube_gen_codegen::model::SchemaMode;

/// A value with the span of the key that set it, for errors about the key as a whole.
#[derive(Debug, Clone)]
pub(crate) struct Spanned<T> {
    pub(crate) span: Span,
    pub(crate) value: T,
}

/// The key of `meta` as written (`group`, `crates`), for messages.
pub(crate) fn key(meta: &Meta) -> String {
    meta.path().to_token_stream().to_string().replace(' ', "")
}

/// The expression after `key = `, or an error saying what to write.
pub(crate) fn value<'a>(meta: &'a Meta, example: &str) -> Result<&'a Expr> {
    match meta {
        Meta::NameValue(nv) => Ok(&nv.value),
        _ => {
            let key = key(meta);
            Err(
                Error::custom(format!("`{key}` expects a value, like `{key} = {example}`"))
                    .with_span(meta.path()),
            )
        }
    }
}

/// A string literal: `key = "..."`.
pub(crate) fn string(meta: &Meta, example: &str) -> Result<LitStr> {
    match value(meta, example)? {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => Ok(lit.clone()),
        other => {
            let key = key(meta);
            Err(Error::custom(format!(
                "`{key}` expects a string literal, like `{key} = {example}`"
            ))
            .with_span(other))
        }
    }
}

/// A string literal holding a JSON object (`schema_patch = r#"{"title": null}"#`).
pub(crate) fn json_object(meta: &Meta) -> Result<LitStr> {
    let lit = string(meta, "r#\"{\"title\": null}\"#")?;
    match serde_json::from_str::<serde_json::Value>(&lit.value()) {
        Ok(serde_json::Value::Object(_)) => Ok(lit),
        Ok(_) => {
            let message = format!("`{}` must be a JSON object (a JSON merge patch)", key(meta));
            Err(Error::custom(message).with_span(&lit))
        }
        Err(err) => {
            Err(Error::custom(format!("`{}` is not JSON: {err}", key(meta))).with_span(&lit))
        }
    }
}

/// A string literal that must pass `check` (the apiserver's naming rules, JSON paths, ...).
pub(crate) fn checked(
    meta: &Meta,
    example: &str,
    check: impl Fn(&str) -> std::result::Result<(), String>,
) -> Result<LitStr> {
    let lit = string(meta, example)?;
    check(&lit.value()).map_err(|message| Error::custom(message).with_span(&lit))?;
    Ok(lit)
}

/// A flag: `key`, or `key = true`/`key = false`.
pub(crate) fn flag(meta: &Meta) -> Result<Spanned<bool>> {
    let span = meta.path().span();
    let value = match meta {
        Meta::Path(_) => true,
        Meta::NameValue(nv) => match &nv.value {
            Expr::Lit(ExprLit {
                lit: Lit::Bool(b), ..
            }) => b.value,
            other => return Err(flag_error(meta).with_span(other)),
        },
        Meta::List(list) => return Err(flag_error(meta).with_span(&list.delimiter.span().join())),
    };
    Ok(Spanned { span, value })
}

fn flag_error(meta: &Meta) -> Error {
    let key = key(meta);
    Error::custom(format!(
        "`{key}` expects `true` or `false`, like `{key} = false`, or nothing (`{key}` alone is `true`)"
    ))
}

/// `status = "FooStatus"` (as kube-derive) or `status = FooStatus`.
pub(crate) fn status(meta: &Meta) -> Result<Type> {
    let usage = "`status` expects the name of the status type, like `status = \"FooStatus\"`";
    match value(meta, "\"FooStatus\"")? {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => lit
            .parse::<Type>()
            .map_err(|_| Error::custom(usage).with_span(lit)),
        Expr::Path(path) => Ok(Type::Path(syn::TypePath {
            qself: path.qself.clone(),
            path: path.path.clone(),
        })),
        other => Err(Error::custom(usage).with_span(other)),
    }
}

/// `schema = "derived" | "manual" | "disabled"`.
pub(crate) fn schema_mode(meta: &Meta) -> Result<SchemaMode> {
    let lit = string(meta, "\"derived\"")?;
    match lit.value().to_ascii_lowercase().as_str() {
        "derived" if lit.value() == "derived" => Ok(SchemaMode::Derived),
        "manual" if lit.value() == "manual" => Ok(SchemaMode::Manual),
        "disabled" if lit.value() == "disabled" => Ok(SchemaMode::Disabled),
        lower @ ("derived" | "manual" | "disabled") => Err(Error::custom(format!(
            "unknown schema mode `{}`; did you mean \"{lower}\"?",
            lit.value()
        ))
        .with_span(&lit)),
        _ => Err(Error::custom(format!(
            "unknown schema mode `{}`; expected \"derived\", \"manual\" or \"disabled\"",
            lit.value()
        ))
        .with_span(&lit)),
    }
}

/// `deprecated`, or `deprecated = "warning shown to clients"`.
pub(crate) fn deprecated(meta: &Meta) -> Result<Option<String>> {
    match meta {
        Meta::Path(_) => Ok(None),
        _ => string(meta, "\"use v2\"").map(|lit| Some(lit.value())),
    }
}

/// `label("key", "value")`, `annotation("key", "value")`.
pub(crate) fn pair(meta: &Meta) -> Result<(LitStr, LitStr)> {
    let key = key(meta);
    let usage = format!(
        "`{key}` expects a key and a value, like `{key}(\"app.kubernetes.io/part-of\", \"foo\")`"
    );
    let Meta::List(list) = meta else {
        return Err(Error::custom(usage).with_span(meta));
    };
    list.parse_args_with(|input: syn::parse::ParseStream<'_>| {
        let k: LitStr = input.parse()?;
        input.parse::<syn::Token![,]>()?;
        let v: LitStr = input.parse()?;
        input.parse::<Option<syn::Token![,]>>()?;
        Ok((k, v))
    })
    .map_err(|err| Error::custom(usage).with_span(&err.span()))
}

/// `derive = "PartialEq"`: a trait path in a string.
pub(crate) fn derive(meta: &Meta) -> Result<Path> {
    let lit = string(meta, "\"PartialEq\"")?;
    lit.parse::<Path>().map_err(|_| {
        Error::custom("`derive` expects a trait path in a string, like \"PartialEq\"")
            .with_span(&lit)
    })
}

/// Attributes `attr = "..."` may not set: the derive writes them itself.
const NOT_ALLOWED_ATTRIBUTES: [&str; 3] = ["derive", "serde", "schemars"];

/// `attr = "allow(deprecated)"`: an attribute for the root type, as kube-derive's.
pub(crate) fn attr(meta: &Meta) -> Result<Meta> {
    let lit = string(meta, "\"allow(deprecated)\"")?;
    let attr = lit.parse::<Meta>().map_err(|err| {
        Error::custom(format!(
            "`attr` expects the inside of an attribute, like `attr = \"allow(deprecated)\"`: {err}"
        ))
        .with_span(&lit)
    })?;
    match attr.path().get_ident().map(ToString::to_string).as_deref() {
        Some("derive") => Err(Error::custom(
            "`attr` can't add derives to the root type; use `derive = \"...\"` for each",
        )
        .with_span(&lit)),
        Some(name) if NOT_ALLOWED_ATTRIBUTES.contains(&name) => Err(Error::custom(format!(
            "`attr` can't set `#[{name}(...)]` on the root type: the derive writes its own, and \
             a second one could contradict it; put `#[{name}(...)]` on the spec instead"
        ))
        .with_span(&lit)),
        _ => Ok(attr),
    }
}

/// A crate path in `crates(...)`: `kube = ::kube` or, as kube-derive, `kube = "::kube"`.
pub(crate) fn crate_path(meta: &Meta) -> Result<Path> {
    let key = key(meta);
    let usage =
        format!("`{key}` expects a crate path, like `{key} = ::{key}` or `{key} = \"::{key}\"`");
    match value(meta, &format!("::{key}"))? {
        Expr::Path(path) if path.qself.is_none() => Ok(path.path.clone()),
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => lit
            .parse::<Path>()
            .map_err(|_| Error::custom(&usage).with_span(lit)),
        other => Err(Error::custom(usage).with_span(other)),
    }
}

/// `priority = 1` or, as kube-derive's docs write it, `priority = "1"`; negative too, as the
/// apiserver allows (`priority = -1`, which the CLI writes for such a column).
pub(crate) fn priority(meta: &Meta) -> Result<i32> {
    let usage = "`priority` expects an integer, like `priority = 1`";
    let (int, sign) = match value(meta, "1")? {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => (int, 1),
        Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        }) => match &**expr {
            Expr::Lit(ExprLit {
                lit: Lit::Int(int), ..
            }) => (int, -1),
            other => return Err(Error::custom(usage).with_span(other)),
        },
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => {
            return lit
                .value()
                .parse::<i32>()
                .map_err(|_| Error::custom(usage).with_span(lit));
        }
        other => return Err(Error::custom(usage).with_span(other)),
    };
    int.base10_parse::<i64>()
        .ok()
        .and_then(|n| i32::try_from(sign * n).ok())
        .ok_or_else(|| Error::custom("`priority` must fit in an i32").with_span(int))
}

/// `key = true`/`key = false`.
pub(crate) fn boolean(meta: &Meta) -> Result<bool> {
    match value(meta, "true")? {
        Expr::Lit(ExprLit {
            lit: Lit::Bool(b), ..
        }) => Ok(b.value),
        other => {
            let key = key(meta);
            Err(Error::custom(format!(
                "`{key}` expects `true` or `false`, like `{key} = true`"
            ))
            .with_span(other))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    fn message(result: Result<impl std::fmt::Debug>) -> String {
        syn::Error::from(result.unwrap_err()).to_string()
    }

    #[test]
    fn a_wrong_value_names_the_key_and_shows_an_example() {
        let meta: Meta = parse_quote!(group = example.com);
        assert_eq!(
            message(string(&meta, "\"example.com\"")),
            "`group` expects a string literal, like `group = \"example.com\"`"
        );
        let meta: Meta = parse_quote!(namespaced = "yes");
        assert!(message(flag(&meta)).starts_with("`namespaced` expects `true` or `false`"));
    }

    #[test]
    fn crate_paths_are_paths_or_strings() {
        let path: Meta = parse_quote!(kube = ::kube);
        let string: Meta = parse_quote!(kube_core = "::kube::core");
        assert_eq!(crate_path(&path).unwrap(), parse_quote!(::kube));
        assert_eq!(crate_path(&string).unwrap(), parse_quote!(::kube::core));
        let wrong: Meta = parse_quote!(kube = 1);
        assert!(message(crate_path(&wrong)).starts_with("`kube` expects a crate path"));
    }

    #[test]
    fn attr_rejects_what_the_derive_writes_itself() {
        let ok: Meta = parse_quote!(attr = "allow(deprecated)");
        assert_eq!(attr(&ok).unwrap(), parse_quote!(allow(deprecated)));
        let derive: Meta = parse_quote!(attr = "derive(Default)");
        assert!(message(attr(&derive)).contains("use `derive = \"...\"`"));
        let serde: Meta = parse_quote!(attr = "serde(rename_all = \"camelCase\")");
        assert!(message(attr(&serde)).contains("can't set `#[serde(...)]`"));
    }

    #[test]
    fn priorities_are_any_i32() {
        let cases: [(Meta, i32); 4] = [
            (parse_quote!(priority = 1), 1),
            (parse_quote!(priority = "2"), 2),
            (parse_quote!(priority = -1i32), -1),
            (parse_quote!(priority = -2147483648), i32::MIN),
        ];
        for (meta, expected) in cases {
            assert_eq!(priority(&meta).unwrap(), expected);
        }
        let big: Meta = parse_quote!(priority = 2147483648);
        assert_eq!(message(priority(&big)), "`priority` must fit in an i32");
        let wrong: Meta = parse_quote!(priority = -x);
        assert!(message(priority(&wrong)).starts_with("`priority` expects an integer"));
    }

    #[test]
    fn schema_modes_suggest_the_lowercase_spelling() {
        let meta: Meta = parse_quote!(schema = "Disabled");
        assert_eq!(
            message(schema_mode(&meta)),
            "unknown schema mode `Disabled`; did you mean \"disabled\"?"
        );
    }
}
