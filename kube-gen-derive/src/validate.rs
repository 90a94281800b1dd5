//! Checks that need more than one key or the item itself: the shape of the spec, the required
//! keys, the root type's name, aliases written next to their key, and keys that need others.
//! Checks of one value run while parsing (see `attrs`).

use proc_macro2::Span;
use syn::spanned::Spanned as _;
use syn::{Data, DeriveInput, Fields, LitStr};

use crate::attrs::{Identity, KubeAttrs};
use crate::ctxt::Ctxt;
use crate::values::Spanned;
use kube_gen_codegen::model::{Scale, SchemaMode};
use kube_gen_codegen::{check, names};

/// Records every problem of `input` and its parsed `attrs` in `cx`.
pub(crate) fn check(cx: &Ctxt, input: &DeriveInput, attrs: &KubeAttrs) {
    let present = [&attrs.group, &attrs.version, &attrs.kind].map(Option::is_some);
    check_required(cx, input, present);
    check_aliases(cx, attrs);
    check_root_name(cx, input, attrs);
    if let Some(no_spec) = attrs.no_spec().filter(|n| n.value) {
        check_no_spec(cx, input, no_spec.span);
    }
    if let Some(scale) = &attrs.scale {
        check_scale(cx, attrs, scale);
    }
    if let Some(cel) = attrs.cel.as_ref().filter(|c| c.value)
        && let Some(schema) = &attrs.schema
        && schema.value != SchemaMode::Derived
    {
        cx.error_at(
            cel.span,
            "`cel` needs the derived schema: the CEL rules it runs come from it; remove `schema = ...` or `cel`",
        );
    }
}

/// The required keys when the attributes did not parse: whatever can still be read.
pub(crate) fn check_required_leniently(cx: &Ctxt, input: &DeriveInput, identity: &Identity) {
    let present = [&identity.group, &identity.version, &identity.kind].map(Option::is_some);
    check_required(cx, input, present);
}

fn check_required(cx: &Ctxt, input: &DeriveInput, present: [bool; 3]) {
    let at = input
        .attrs
        .iter()
        .find(|a| a.path().is_ident("kube"))
        .map_or_else(|| input.ident.span(), |a| a.path().span());
    let required = [
        ("group", "\"example.com\""),
        ("version", "\"v1\""),
        ("kind", "\"Foo\""),
    ];
    for ((key, example), present) in required.into_iter().zip(present) {
        if !present {
            cx.error_at(
                at,
                format!("#[derive(CustomResource)] needs `#[kube({key} = {example})]`"),
            );
        }
    }
}

/// The scale subresource reads the status replicas from the status subresource, and the spec
/// replicas from under `.spec` unless `no_spec` put the spec's fields at the root.
fn check_scale(cx: &Ctxt, attrs: &KubeAttrs, scale: &Spanned<Scale>) {
    if attrs.status.is_none() {
        cx.error_at(scale.span, "`scale` needs the status subresource: add `status = \"FooStatus\"` (the status replicas live there)");
    }
    let no_spec = attrs.no_spec().is_some_and(|n| n.value);
    let paths = [
        check::spec_replicas_path(
            "spec_replicas_path",
            &scale.value.spec_replicas_path,
            no_spec,
        ),
        check::status_replicas_path("status_replicas_path", &scale.value.status_replicas_path),
    ];
    for message in paths.into_iter().filter_map(Result::err) {
        cx.error_at(scale.span, message);
    }
}

/// An alias next to the key it stands for says the same thing twice.
fn check_aliases(cx: &Ctxt, attrs: &KubeAttrs) {
    if let (Some(_), Some(alias)) = (&attrs.root, &attrs.struct_) {
        cx.error_spanned_by(
            alias,
            "`struct` is an alias of `root`: write only one of them",
        );
    }
    if let (Some(_), Some(alias)) = (&attrs.no_spec, &attrs.root_fields) {
        cx.error_at(
            alias.span,
            "`root_fields` is an alias of `no_spec`: write only one of them",
        );
    }
}

/// The root type's name: `root` (or `struct`) if given, else the kind, which then must be
/// UpperCamelCase; either way not the spec's own name.
fn check_root_name(cx: &Ctxt, input: &DeriveInput, attrs: &KubeAttrs) {
    let explicit = attrs.root.as_ref().or(attrs.struct_.as_ref());
    let Some(root) = attrs.root_or_kind() else {
        return;
    };
    if explicit.is_none() {
        let kind = root.value();
        if !names::is_type_name(&kind) {
            cx.error_spanned_by(
                root,
                format!(
                    "kind `{kind}` can't name the Rust root type, which is named after the kind; add `root = \"{}\"` to name the type (the API keeps the kind `{kind}`)",
                    names::root_type_name(&kind)
                ),
            );
            return;
        }
    }
    if input.ident == root.value() {
        cx.error_spanned_by(root, same_name(input, explicit));
    }
}

fn same_name(input: &DeriveInput, explicit: Option<&LitStr>) -> String {
    let ident = &input.ident;
    match explicit {
        Some(_) => format!(
            "`root = \"{ident}\"` is the name of this type; give the root type a name of its own (the spec is usually `<root>Spec`)"
        ),
        None => format!(
            "kind `{ident}` is the name of this type; the root type is named after the kind, so name this one `{ident}Spec`"
        ),
    }
}

/// `no_spec` lifts named fields onto the root, as kube-derive checks.
fn check_no_spec(cx: &Ctxt, input: &DeriveInput, key: Span) {
    let fields = match &input.data {
        Data::Struct(data) => &data.fields,
        _ => {
            cx.error_spanned_by(
                &input.ident,
                "`no_spec` needs a struct with named fields; an enum has no properties to lift onto the root",
            );
            return;
        }
    };
    let Fields::Named(fields) = fields else {
        return cx.error_at(key, "`no_spec` needs a struct with named fields");
    };
    for ident in fields.named.iter().filter_map(|f| f.ident.as_ref()) {
        if let Err(message) = check::root_field(&ident.to_string()) {
            cx.error_spanned_by(ident, message);
        }
    }
}

/// A struct with named fields or an enum can be a spec, as in kube-derive.
pub(crate) fn check_shape(cx: &Ctxt, input: &DeriveInput) {
    let wrong = "#[derive(CustomResource)] goes on the spec: a struct with named fields, like `struct FooSpec { replicas: i32 }`, or an enum";
    match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(_) => {}
            Fields::Unnamed(fields) => cx.error_spanned_by(
                fields,
                format!("{wrong}; this is a tuple struct, which is not a JSON object"),
            ),
            Fields::Unit => cx.error_spanned_by(
                &input.ident,
                format!("{wrong}; this is a unit struct, which is not a JSON object"),
            ),
        },
        Data::Enum(_) => {}
        Data::Union(data) => cx.error_spanned_by(data.union_token, format!("{wrong}, not a union")),
    }
    if !input.generics.params.is_empty() {
        cx.error_spanned_by(
            &input.generics,
            "#[derive(CustomResource)] does not support generic specs",
        );
    }
}
