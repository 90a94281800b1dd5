//! Checks the parsed input before anything is emitted: the shape of the spec struct, the
//! required keys, the naming rules of the apiserver and the consistency of related keys.

use proc_macro2::Span;
use syn::{Data, DeriveInput, Fields, LitStr};

use crate::attrs::{Attrs, PrintColumn, Scale, Spanned, Validation};
use crate::ctxt::Ctxt;
use kube_gen_codegen::names;

const COLUMN_TYPES: &[&str] = &["integer", "number", "string", "boolean", "date"];
const REASONS: &[&str] = &[
    "FieldValueInvalid",
    "FieldValueForbidden",
    "FieldValueRequired",
    "FieldValueDuplicate",
];

/// Records every problem of `input`/`attrs` in `cx`.
pub(crate) fn check(cx: &Ctxt, input: &DeriveInput, attrs: &Attrs) {
    check_shape(cx, input);
    let missing_at = attrs.first_attr.unwrap_or_else(|| input.ident.span());
    let required = [
        ("group", &attrs.group, "\"example.com\""),
        ("version", &attrs.version, "\"v1\""),
        ("kind", &attrs.kind, "\"Foo\""),
    ];
    for (key, value, example) in required {
        if value.is_none() && !attrs.seen.contains(&key) {
            cx.error_at(
                missing_at,
                format!("#[derive(CustomResource)] needs `#[kube({key} = {example})]`"),
            );
        }
    }
    lit(cx, &attrs.group, names::check_group);
    lit(cx, &attrs.version, names::check_version);
    lit(cx, &attrs.kind, names::check_kind);
    check_root_name(cx, input, attrs);
    lit(cx, &attrs.plural, |v| names::check_name("plural", v));
    lit(cx, &attrs.singular, |v| names::check_name("singular", v));
    for short in &attrs.shortnames {
        report(cx, short, names::check_name("short name", &short.value()));
    }
    for category in &attrs.categories {
        report(
            cx,
            category,
            names::check_name("category", &category.value()),
        );
    }
    if let Some(scale) = &attrs.scale {
        check_scale(cx, scale, attrs.status.is_some());
    }
    for column in &attrs.printcolumns {
        check_column(cx, column);
    }
    for path in &attrs.selectable {
        report(cx, path, json_path("selectable", &path.value()));
    }
    for validation in &attrs.validations {
        check_validation(cx, validation);
    }
}

/// The root type's name: `struct = "..."` if given, else the kind, which then must be
/// UpperCamelCase; either way not the spec struct's own name.
fn check_root_name(cx: &Ctxt, input: &DeriveInput, attrs: &Attrs) {
    let root = match (&attrs.struct_name, &attrs.kind) {
        (Some(name), _) => {
            lit(cx, &attrs.struct_name, names::check_type_name);
            &name.value
        }
        // `struct` was written with an unusable value: that error is enough.
        (None, _) if attrs.seen.contains(&"struct") => return,
        (None, Some(kind)) => {
            let kind_value = kind.value.value();
            if names::check_kind(&kind_value).is_ok() && !names::is_type_name(&kind_value) {
                cx.error_spanned_by(
                    &kind.value,
                    format!(
                        "kind `{kind_value}` can't name the Rust root type, which is named after the kind; add `struct = \"{}\"` to name the type (the API keeps the kind `{kind_value}`)",
                        names::root_type_name(&kind_value)
                    ),
                );
            }
            &kind.value
        }
        (None, None) => return,
    };
    if input.ident == root.value() {
        let ident = &input.ident;
        let message = match attrs.struct_name {
            Some(_) => format!(
                "`struct = \"{ident}\"` is the name of this struct; give the root type a name of its own (the spec is usually `<root>Spec`)"
            ),
            None => format!(
                "kind `{ident}` is the name of this struct; the root type is named after the kind, so name the struct `{ident}Spec`"
            ),
        };
        cx.error_spanned_by(root, message);
    }
}

/// Only a struct with named fields can be a spec.
fn check_shape(cx: &Ctxt, input: &DeriveInput) {
    let wrong = "#[derive(CustomResource)] goes on the spec: a struct with named fields, like `struct FooSpec { replicas: i32 }`";
    match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(_) => {}
            Fields::Unnamed(fields) => {
                cx.error_spanned_by(fields, format!("{wrong}; this is a tuple struct"))
            }
            Fields::Unit => {
                cx.error_spanned_by(&input.ident, format!("{wrong}; this is a unit struct"))
            }
        },
        Data::Enum(data) => cx.error_spanned_by(data.enum_token, format!("{wrong}, not an enum")),
        Data::Union(data) => cx.error_spanned_by(data.union_token, format!("{wrong}, not a union")),
    }
    if !input.generics.params.is_empty() {
        cx.error_spanned_by(
            &input.generics,
            "#[derive(CustomResource)] does not support generic spec structs",
        );
    }
}

fn lit(cx: &Ctxt, value: &Option<Spanned<LitStr>>, check: impl Fn(&str) -> Result<(), String>) {
    if let Some(value) = value {
        report(cx, &value.value, check(&value.value.value()));
    }
}

fn report(cx: &Ctxt, lit: &LitStr, result: Result<(), String>) {
    if let Err(message) = result {
        cx.error_spanned_by(lit, message);
    }
}

/// Field paths in CRDs are JSON paths starting at the object: `.spec.replicas`.
fn json_path(key: &str, path: &str) -> Result<(), String> {
    if path.starts_with('.') && path.len() > 1 {
        Ok(())
    } else {
        Err(format!(
            "`{key}` expects a JSON path starting with `.`, like \".spec.replicas\""
        ))
    }
}

fn required(cx: &Ctxt, key: Span, value: &Option<LitStr>, message: &str) -> bool {
    if value.is_none() {
        cx.error_at(key, message);
    }
    value.is_some()
}

fn check_scale(cx: &Ctxt, scale: &Spanned<Scale>, has_status: bool) {
    if !has_status {
        cx.error_at(scale.key, "`scale` needs the status subresource: add `status = \"FooStatus\"` (the status replicas live there)");
    }
    let Scale {
        spec_replicas_path,
        status_replicas_path,
        label_selector_path,
    } = &scale.value;
    for (key, value, prefix) in [
        ("spec_replicas_path", spec_replicas_path, Some(".spec.")),
        (
            "status_replicas_path",
            status_replicas_path,
            Some(".status."),
        ),
        ("label_selector_path", label_selector_path, None),
    ] {
        match (value, prefix) {
            (None, Some(prefix)) => cx.error_at(
                scale.key,
                format!("`scale` needs `{key}`, like `{key} = \"{prefix}replicas\"`"),
            ),
            (Some(value), Some(prefix)) if !value.value().starts_with(prefix) => cx
                .error_spanned_by(
                    value,
                    format!(
                        "`{key}` must be a JSON path under `{prefix}`, like \"{prefix}replicas\""
                    ),
                ),
            (Some(value), _) => report(cx, value, json_path(key, &value.value())),
            (None, None) => {}
        }
    }
}

fn check_column(cx: &Ctxt, column: &Spanned<PrintColumn>) {
    let PrintColumn {
        name,
        type_,
        json_path: path,
        ..
    } = &column.value;
    required(
        cx,
        column.key,
        name,
        "`printcolumn` needs a `name`, like `name = \"Replicas\"`",
    );
    if required(
        cx,
        column.key,
        type_,
        "`printcolumn` needs a `type`, like `type = \"integer\"`",
    ) && let Some(type_) = type_
        && !COLUMN_TYPES.contains(&type_.value().as_str())
    {
        cx.error_spanned_by(
            type_,
            format!(
                "unknown column type `{}`; expected one of: {}",
                type_.value(),
                COLUMN_TYPES.join(", ")
            ),
        );
    }
    if required(
        cx,
        column.key,
        path,
        "`printcolumn` needs a `json_path`, like `json_path = \".spec.replicas\"`",
    ) && let Some(path) = path
    {
        report(cx, path, json_path("json_path", &path.value()));
    }
}

fn check_validation(cx: &Ctxt, validation: &Spanned<Validation>) {
    let Validation { rule, reason, .. } = &validation.value;
    if required(
        cx,
        validation.key,
        rule,
        "`validation` needs a `rule`, like `rule = \"self.spec.replicas <= 10\"`",
    ) && let Some(rule) = rule
        && rule.value().trim().is_empty()
    {
        cx.error_spanned_by(rule, "the CEL rule is empty");
    }
    if let Some(reason) = reason
        && !REASONS.contains(&reason.value().as_str())
    {
        cx.error_spanned_by(
            reason,
            format!(
                "unknown reason `{}`; expected one of: {}",
                reason.value(),
                REASONS.join(", ")
            ),
        );
    }
}
