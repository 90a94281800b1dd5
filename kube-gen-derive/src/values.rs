//! Parsers for the values of `#[kube(...)]` keys: strings, booleans, integers, flags, pairs and
//! nested lists; a value of the wrong type is recorded in the [`Ctxt`] and parsing goes on.

use syn::meta::ParseNestedMeta;
use syn::{Expr, Lit, LitBool, LitInt, LitStr, Token, Type};

use crate::ctxt::Ctxt;
use crate::suggest::unknown_key;
use kube_gen_codegen::model::SchemaMode;
use quote::ToTokens;

/// The value of `key = <expr>`; `None` (with an error) when there is no `=`.
pub(crate) fn value(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    key: &str,
    example: &str,
) -> syn::Result<Option<Expr>> {
    if !meta.input.peek(Token![=]) {
        skip_value(meta)?;
        cx.error_spanned_by(
            &meta.path,
            format!("`{key}` expects a value, like `{key} = {example}`"),
        );
        return Ok(None);
    }
    Ok(Some(meta.value()?.parse::<Expr>()?))
}

pub(crate) fn string(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    key: &str,
    example: &str,
) -> syn::Result<Option<LitStr>> {
    Ok(match value(cx, meta, key, example)? {
        Some(Expr::Lit(syn::ExprLit {
            lit: Lit::Str(lit), ..
        })) => Some(lit),
        Some(other) => {
            cx.error_spanned_by(
                other,
                format!("`{key}` expects a string literal, like `{key} = {example}`"),
            );
            None
        }
        None => None,
    })
}

pub(crate) fn boolean(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    key: &str,
) -> syn::Result<Option<bool>> {
    Ok(match value(cx, meta, key, "true")? {
        Some(Expr::Lit(syn::ExprLit {
            lit: Lit::Bool(LitBool { value, .. }),
            ..
        })) => Some(value),
        Some(other) => {
            cx.error_spanned_by(
                other,
                format!("`{key}` expects `true` or `false`, like `{key} = false`"),
            );
            None
        }
        None => None,
    })
}

pub(crate) fn int(cx: &Ctxt, meta: &ParseNestedMeta<'_>, key: &str) -> syn::Result<Option<i32>> {
    Ok(match value(cx, meta, key, "1")? {
        Some(Expr::Lit(syn::ExprLit {
            lit: Lit::Int(lit), ..
        })) => parse_int(cx, &lit, key),
        Some(other) => {
            cx.error_spanned_by(
                other,
                format!("`{key}` expects an integer, like `{key} = 1`"),
            );
            None
        }
        None => None,
    })
}

fn parse_int(cx: &Ctxt, lit: &LitInt, key: &str) -> Option<i32> {
    lit.base10_parse::<i32>()
        .map_err(|_| cx.error_spanned_by(lit, format!("`{key}` must fit in an i32")))
        .ok()
}

/// A flag: `namespaced`, or `namespaced = true`.
pub(crate) fn flag(cx: &Ctxt, meta: &ParseNestedMeta<'_>, key: &str) -> syn::Result<Option<bool>> {
    if meta.input.peek(Token![=]) {
        return boolean(cx, meta, key);
    }
    Ok(Some(true))
}

/// `deprecated`, or `deprecated = "warning shown to clients"`.
pub(crate) fn deprecated(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
) -> syn::Result<Option<Option<String>>> {
    if meta.input.peek(Token![=]) {
        return Ok(string(cx, meta, "deprecated", "\"use v2\"")?.map(|lit| Some(lit.value())));
    }
    Ok(Some(None))
}

/// `status = "FooStatus"` (as kube-derive) or `status = FooStatus`.
pub(crate) fn status(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<Type>> {
    if !meta.input.peek(Token![=]) {
        return value(cx, meta, "status", "\"FooStatus\"").map(|_| None);
    }
    let input = meta.value()?;
    if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        return Ok(match lit.parse::<Type>() {
            Ok(ty) => Some(ty),
            Err(_) => {
                cx.error_spanned_by(
                    &lit,
                    "`status` expects the name of the status type, like `status = \"FooStatus\"`",
                );
                None
            }
        });
    }
    Ok(Some(input.parse::<Type>()?))
}

pub(crate) fn schema_mode(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
) -> syn::Result<Option<SchemaMode>> {
    let Some(lit) = string(cx, meta, "schema", "\"derived\"")? else {
        return Ok(None);
    };
    Ok(match lit.value().as_str() {
        "derived" => Some(SchemaMode::Derived),
        "manual" => Some(SchemaMode::Manual),
        "disabled" => Some(SchemaMode::Disabled),
        other => {
            cx.error_spanned_by(&lit, format!("unknown schema mode `{other}`; expected \"derived\", \"manual\" or \"disabled\""));
            None
        }
    })
}

/// `label("key", "value")`.
pub(crate) fn pair(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    key: &str,
) -> syn::Result<Option<(LitStr, LitStr)>> {
    let usage = format!(
        "`{key}` expects a key and a value, like `{key}(\"app.kubernetes.io/part-of\", \"foo\")`"
    );
    if !meta.input.peek(syn::token::Paren) {
        skip_value(meta)?;
        cx.error_spanned_by(&meta.path, usage);
        return Ok(None);
    }
    let content;
    syn::parenthesized!(content in meta.input);
    let parsed = (|| -> syn::Result<(LitStr, LitStr)> {
        let k: LitStr = content.parse()?;
        content.parse::<Token![,]>()?;
        let v: LitStr = content.parse()?;
        content.parse::<Option<Token![,]>>()?;
        if !content.is_empty() {
            return Err(content.error("unexpected extra tokens"));
        }
        Ok((k, v))
    })();
    match parsed {
        Ok(pair) => Ok(Some(pair)),
        Err(err) => {
            cx.error_at(err.span(), usage);
            Ok(None)
        }
    }
}

/// `key(a = ..., b = ...)`: parses each inner key with `inner`, which returns `false` for keys it
/// does not know (reported with a suggestion from `keys`).
pub(crate) fn nested<T: Default>(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    key: &str,
    mut inner: impl FnMut(&mut T, &str, &ParseNestedMeta<'_>) -> syn::Result<bool>,
    keys: &[&str],
) -> syn::Result<Option<T>> {
    if !meta.input.peek(syn::token::Paren) {
        skip_value(meta)?;
        cx.error_spanned_by(
            &meta.path,
            format!("`{key}` expects a list, like `{key}({} = ...)`", keys[0]),
        );
        return Ok(None);
    }
    let mut out = T::default();
    let mut seen: Vec<String> = Vec::new();
    meta.parse_nested_meta(|meta| {
        let name = meta.path.to_token_stream().to_string().replace(' ', "");
        if seen.contains(&name) && keys.contains(&name.as_str()) {
            cx.error_spanned_by(&meta.path, format!("duplicate `{name}` in `{key}(...)`"));
        }
        if !inner(&mut out, &name, &meta)? {
            skip_value(&meta)?;
            cx.error_spanned_by(&meta.path, unknown_key(&format!("{key}(...)"), &name, keys));
        }
        seen.push(name);
        Ok(())
    })?;
    Ok(Some(out))
}

/// Consumes whatever follows an unusable key (`= expr` or `(...)`), so parsing can go on.
pub(crate) fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.input.parse::<proc_macro2::Group>()?;
    }
    Ok(())
}
