//! The keys with inner keys: `scale(...)`, `printcolumn(...)`, `validation(...)` and
//! `crates(...)`, each a darling struct of its own (the inner keys, their "did you mean" and
//! duplicates), plus kube-derive's JSON-string and expression forms.

use darling::{Error, FromMeta, Result};
use serde::Deserialize;
use syn::{Expr, ExprLit, Lit, LitStr, Meta, Path};

use crate::values::{self, checked, string};
use kube_gen_codegen::check;
use kube_gen_codegen::model::{self, CrateOverrides, Rule};

/// A list `key(...)` for `T`, or kube-derive's JSON string for `J`.
enum Form<'a> {
    List(&'a syn::MetaList),
    Json(&'a LitStr),
}

fn form<'a>(meta: &'a Meta, list_example: &str, json: bool) -> Result<Form<'a>> {
    let key = values::key(meta);
    match meta {
        Meta::List(list) => Ok(Form::List(list)),
        Meta::NameValue(nv) if json => match &nv.value {
            Expr::Lit(ExprLit {
                lit: Lit::Str(lit), ..
            }) => Ok(Form::Json(lit)),
            other => Err(Error::custom(format!(
                "`{key}` expects a list, like `{key}({list_example})`, or kube-derive's JSON string"
            ))
            .with_span(other)),
        },
        _ => Err(Error::custom(format!(
            "`{key}` expects a list, like `{key}({list_example})`"
        ))
        .with_span(meta.path())),
    }
}

fn nested_items(list: &syn::MetaList) -> Result<Vec<darling::ast::NestedMeta>> {
    darling::ast::NestedMeta::parse_meta_list(list.tokens.clone()).map_err(Error::from)
}

/// kube-derive's JSON form of `scale` and `printcolumn`; serde's message names what's wrong.
fn json<T: for<'de> Deserialize<'de>>(key: &str, lit: &LitStr) -> Result<T> {
    serde_json::from_str(&lit.value()).map_err(|err| {
        Error::custom(format!(
            "`{key} = \"...\"` is not a valid {key} in JSON: {err}; or write `{key}(...)` with keys"
        ))
        .with_span(lit)
    })
}

/// `scale(spec_replicas_path = ..., status_replicas_path = ..., label_selector_path = ...)`.
#[derive(Debug, Default, FromMeta)]
struct ScaleKeys {
    #[darling(default, with = |m| checked(m, "\".spec.replicas\"", check::json_path).map(Some))]
    spec_replicas_path: Option<LitStr>,
    #[darling(default, with = |m| checked(m, "\".status.replicas\"", check::json_path).map(Some))]
    status_replicas_path: Option<LitStr>,
    #[darling(default, with = |m| checked(m, "\".status.selector\"", check::json_path).map(Some))]
    label_selector_path: Option<LitStr>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScaleJson {
    spec_replicas_path: Option<String>,
    status_replicas_path: Option<String>,
    label_selector_path: Option<String>,
}

/// The scale subresource, from `scale(...)` or `scale = r#"{"specReplicasPath": ...}"#`.
pub(crate) fn scale(meta: &Meta) -> Result<model::Scale> {
    let example =
        "spec_replicas_path = \".spec.replicas\", status_replicas_path = \".status.replicas\"";
    let (paths, at): ([Option<String>; 3], proc_macro2::Span) = match form(meta, example, true)? {
        Form::List(list) => {
            let keys = ScaleKeys::from_list(&nested_items(list)?)?;
            let value = |lit: Option<LitStr>| lit.map(|l| l.value());
            let paths = [
                value(keys.spec_replicas_path),
                value(keys.status_replicas_path),
                value(keys.label_selector_path),
            ];
            (paths, syn::spanned::Spanned::span(meta.path()))
        }
        Form::Json(lit) => {
            let scale: ScaleJson = json("scale", lit)?;
            let mut errors = Error::accumulator();
            for path in [&scale.spec_replicas_path, &scale.status_replicas_path]
                .into_iter()
                .chain([&scale.label_selector_path])
                .flatten()
            {
                errors.handle(check::json_path(path).map_err(|m| Error::custom(m).with_span(lit)));
            }
            errors.finish()?;
            let paths = [
                scale.spec_replicas_path,
                scale.status_replicas_path,
                scale.label_selector_path,
            ];
            (paths, lit.span())
        }
    };
    let [spec, status, selector] = paths;
    let mut errors = Error::accumulator();
    let mut required = |key: &str, value: Option<String>, example: &str| {
        if value.is_none() {
            errors.push(
                Error::custom(format!(
                    "`scale` needs `{key}`, like `{key} = \"{example}\"`"
                ))
                .with_span(&at),
            );
        }
        value.unwrap_or_default()
    };
    let spec_replicas_path = required("spec_replicas_path", spec, ".spec.replicas");
    let status_replicas_path = required("status_replicas_path", status, ".status.replicas");
    errors.finish_with(model::Scale {
        spec_replicas_path,
        status_replicas_path,
        label_selector_path: selector,
    })
}

/// `printcolumn(name = ..., type_ = ..., json_path = ..., ...)`.
#[derive(Debug, Default, FromMeta)]
struct ColumnKeys {
    #[darling(default, with = |m| string(m, "\"Replicas\"").map(Some))]
    name: Option<LitStr>,
    #[darling(default, with = |m| column_type(m).map(Some))]
    type_: Option<LitStr>,
    /// Our name for `type_`, kept as an alias.
    #[darling(default, rename = "type", with = |m| column_type(m).map(Some))]
    type_alias: Option<LitStr>,
    #[darling(default, with = |m| checked(m, "\".spec.replicas\"", check::json_path).map(Some))]
    json_path: Option<LitStr>,
    #[darling(default, with = |m| string(m, "\"...\"").map(Some))]
    description: Option<LitStr>,
    #[darling(default, with = |m| string(m, "\"int32\"").map(Some))]
    format: Option<LitStr>,
    #[darling(default, with = |m| values::priority(m).map(Some))]
    priority: Option<i32>,
}

fn column_type(meta: &Meta) -> Result<LitStr> {
    checked(meta, "\"integer\"", check::column_type)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ColumnJson {
    name: String,
    #[serde(rename = "type")]
    type_: String,
    json_path: String,
    description: Option<String>,
    format: Option<String>,
    priority: Option<i32>,
}

/// A `kubectl get` column, from `printcolumn(...)` or `printcolumn = r#"{"name": ...}"#`.
pub(crate) fn print_column(meta: &Meta) -> Result<model::PrintColumn> {
    let example = "name = \"Replicas\", type_ = \"integer\", json_path = \".spec.replicas\"";
    match form(meta, example, true)? {
        Form::List(list) => {
            let keys = ColumnKeys::from_list(&nested_items(list)?)?;
            let mut errors = Error::accumulator();
            let at = meta.path();
            let mut required = |key: &str, value: Option<LitStr>, example: &str| {
                if value.is_none() {
                    errors.push(
                        Error::custom(format!(
                            "`printcolumn` needs `{key}`, like `{key} = {example}`"
                        ))
                        .with_span(at),
                    );
                }
                value.map(|v| v.value()).unwrap_or_default()
            };
            let alias_too = keys.type_.is_some() && keys.type_alias.is_some();
            let name = required("name", keys.name, "\"Replicas\"");
            let type_ = required("type_", keys.type_.or(keys.type_alias), "\"integer\"");
            let json_path = required("json_path", keys.json_path, "\".spec.replicas\"");
            if alias_too {
                errors.push(
                    Error::custom("`type` is an alias of `type_`: write only one of them")
                        .with_span(at),
                );
            }
            errors.finish_with(model::PrintColumn {
                name,
                type_,
                json_path,
                description: keys.description.map(|d| d.value()),
                format: keys.format.map(|f| f.value()),
                priority: keys.priority,
            })
        }
        Form::Json(lit) => {
            let column: ColumnJson = json("printcolumn", lit)?;
            let mut errors = Error::accumulator();
            errors.handle(check::column_type(&column.type_).map_err(Error::custom));
            errors.handle(check::json_path(&column.json_path).map_err(Error::custom));
            errors.finish().map_err(|e| e.with_span(lit))?;
            Ok(model::PrintColumn {
                name: column.name,
                type_: column.type_,
                json_path: column.json_path,
                description: column.description,
                format: column.format,
                priority: column.priority,
            })
        }
    }
}

/// `validation(rule = ..., message = ..., ...)`.
#[derive(Debug, Default, FromMeta)]
struct ValidationKeys {
    #[darling(default, with = |m| checked(m, "\"self.spec.replicas <= 10\"", check::rule).map(Some))]
    rule: Option<LitStr>,
    #[darling(default, with = |m| string(m, "\"...\"").map(Some))]
    message: Option<LitStr>,
    #[darling(default, with = |m| string(m, "\"...\"").map(Some))]
    message_expression: Option<LitStr>,
    #[darling(default, with = |m| checked(m, "\"FieldValueInvalid\"", check::reason).map(Some))]
    reason: Option<LitStr>,
    #[darling(default, with = |m| string(m, "\".spec.replicas\"").map(Some))]
    field_path: Option<LitStr>,
    #[darling(default, with = |m| values::boolean(m).map(Some))]
    optional_old_self: Option<bool>,
}

/// A root CEL rule: `validation = "rule"`, kube-derive's `validation = <expression>` (anything
/// that converts into kube's `Rule`, evaluated in `crd()`), or `validation(rule = ..., ...)`.
pub(crate) fn validation(meta: &Meta) -> Result<Rule> {
    match meta {
        Meta::NameValue(nv) => match &nv.value {
            Expr::Lit(ExprLit {
                lit: Lit::Str(lit), ..
            }) => {
                check::rule(&lit.value()).map_err(|m| Error::custom(m).with_span(lit))?;
                Ok(Rule::Fields(model::Validation {
                    rule: lit.value(),
                    ..Default::default()
                }))
            }
            expr => Ok(Rule::Expr(expr.clone())),
        },
        Meta::List(list) => {
            let keys = ValidationKeys::from_list(&nested_items(list)?)?;
            let Some(rule) = keys.rule else {
                return Err(Error::custom(
                    "`validation` needs a `rule`, like `rule = \"self.spec.replicas <= 10\"`",
                )
                .with_span(meta.path()));
            };
            let value = |lit: Option<LitStr>| lit.map(|l| l.value());
            Ok(Rule::Fields(model::Validation {
                rule: rule.value(),
                message: value(keys.message),
                message_expression: value(keys.message_expression),
                reason: value(keys.reason),
                field_path: value(keys.field_path),
                optional_old_self: keys.optional_old_self,
            }))
        }
        Meta::Path(path) => Err(Error::custom(
            "`validation` expects a CEL rule, like `validation = \"self.spec.replicas <= 10\"` \
             or `validation = Rule::new(\"...\").message(\"...\")`",
        )
        .with_span(path)),
    }
}

/// `crates(kube_gen = ::kube_gen, kube_core = "::kube::core", ...)`: kube-derive's keys and ours.
#[derive(Debug, Default, FromMeta)]
struct CrateKeys {
    #[darling(default, with = |m| values::crate_path(m).map(Some))]
    kube_gen: Option<Path>,
    #[darling(default, with = |m| values::crate_path(m).map(Some))]
    kube: Option<Path>,
    #[darling(default, with = |m| values::crate_path(m).map(Some))]
    kube_core: Option<Path>,
    #[darling(default, with = |m| values::crate_path(m).map(Some))]
    k8s_openapi: Option<Path>,
    #[darling(default, with = |m| values::crate_path(m).map(Some))]
    schemars: Option<Path>,
    #[darling(default, with = |m| values::crate_path(m).map(Some))]
    serde: Option<Path>,
    /// Accepted for kube-derive's sake; the generated code does not name serde_json.
    #[darling(default, with = |m| values::crate_path(m).map(Some))]
    serde_json: Option<Path>,
    #[darling(default, with = |m| values::crate_path(m).map(Some))]
    std: Option<Path>,
}

/// The crate paths `crates(...)` overrides.
pub(crate) fn crates(meta: &Meta) -> Result<CrateOverrides> {
    let Form::List(list) = form(meta, "kube_gen = ::kube_gen", false)? else {
        unreachable!("`form` returns lists only when JSON is not allowed")
    };
    let keys = CrateKeys::from_list(&nested_items(list)?)?;
    let _ = keys.serde_json;
    Ok(CrateOverrides {
        kube_gen: keys.kube_gen,
        kube: keys.kube,
        kube_core: keys.kube_core,
        k8s_openapi: keys.k8s_openapi,
        serde: keys.serde,
        schemars: keys.schemars,
        std: keys.std,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    fn message(result: Result<impl std::fmt::Debug>) -> String {
        syn::Error::from(result.unwrap_err()).to_string()
    }

    #[test]
    fn the_json_forms_match_the_lists() {
        let list: Meta = parse_quote!(printcolumn(
            json_path = ".spec.name",
            name = "Spec",
            type_ = "string"
        ));
        let json: Meta = parse_quote!(
            printcolumn = r#"{"jsonPath": ".spec.name", "name": "Spec", "type": "string"}"#
        );
        assert_eq!(print_column(&list).unwrap(), print_column(&json).unwrap());
        let alias: Meta =
            parse_quote!(printcolumn(json_path = ".spec.name", name = "Spec", type = "string"));
        assert_eq!(print_column(&alias).unwrap(), print_column(&json).unwrap());

        let list: Meta = parse_quote!(scale(
            spec_replicas_path = ".spec.replicas",
            status_replicas_path = ".status.replicas"
        ));
        let json: Meta = parse_quote!(
            scale = r#"{"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"}"#
        );
        assert_eq!(scale(&list).unwrap(), scale(&json).unwrap());
    }

    #[test]
    fn bad_json_says_what_serde_found() {
        let json: Meta = parse_quote!(printcolumn = "{}");
        assert!(
            message(print_column(&json)).contains("missing field `name`"),
            "{}",
            message(print_column(&json))
        );
    }

    #[test]
    fn a_validation_expression_is_kept_for_crd() {
        let meta: Meta = parse_quote!(validation = Rule::new("self.x > 1").message("x"));
        assert!(matches!(validation(&meta).unwrap(), Rule::Expr(_)));
        let meta: Meta = parse_quote!(validation = "self.x > 1");
        assert!(matches!(validation(&meta).unwrap(), Rule::Fields(v) if v.rule == "self.x > 1"));
    }

    #[test]
    fn unknown_inner_keys_get_suggestions() {
        let meta: Meta = parse_quote!(crates(kube_cor = "::kube::core"));
        assert!(
            message(crates(&meta)).contains("Did you mean `kube_core`?"),
            "{}",
            message(crates(&meta))
        );
    }
}
