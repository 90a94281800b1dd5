//! The spec's `#[kube(...)]` attributes, for our derive or for kube-derive (`--target kube`),
//! which takes the same attributes but for kube-gen's own (`facades`, `schema_patch`,
//! `version_patch`) and writes its root-level CEL rules as kube's `Rule` expressions.

use proc_macro2::TokenStream;
use quote::quote;

use super::Target;
use crate::model::{Resource, Rule, SchemaMode, Scope, Validation};
use crate::names::{default_plural, default_singular};

/// Every `#[kube(...)]` attribute the resource implies, with `derives` for the root; defaults
/// are left out.
pub(super) fn kube_attrs(
    r: &Resource,
    derives: &[syn::Path],
    schema: SchemaMode,
    target: Target,
) -> TokenStream {
    let n = &r.names;
    let (group, version, kind) = (&n.group, &n.version, &n.kind);
    // A kind such as `postgresql` can't name the root type: the derive needs `root = "..."`.
    let root = r.root_name.as_ref().map(|root| quote!(, root = #root));
    let mut attrs = vec![quote!(group = #group, version = #version, kind = #kind #root)];
    if n.plural != default_plural(kind) {
        let plural = &n.plural;
        attrs.push(quote!(plural = #plural));
    }
    if n.singular != default_singular(kind) {
        let singular = &n.singular;
        attrs.push(quote!(singular = #singular));
    }
    if r.scope == Scope::Namespaced {
        attrs.push(quote!(namespaced));
    }
    if r.root_fields {
        attrs.push(quote!(no_spec));
    }
    attrs.extend(n.short_names.iter().map(|s| quote!(shortname = #s)));
    attrs.extend(n.categories.iter().map(|c| quote!(category = #c)));
    if let Some(status) = &r.status {
        let status = quote!(#status).to_string();
        attrs.push(quote!(status = #status));
    }
    if let Some(scale) = &r.scale {
        let (spec, status) = (&scale.spec_replicas_path, &scale.status_replicas_path);
        let selector = scale
            .label_selector_path
            .as_ref()
            .map(|s| quote!(, label_selector_path = #s));
        attrs.push(
            quote!(scale(spec_replicas_path = #spec, status_replicas_path = #status #selector)),
        );
    }
    for c in &r.print_columns {
        let (name, type_, path) = (&c.name, &c.type_, &c.json_path);
        let description = c.description.as_ref().map(|d| quote!(, description = #d));
        let format = c.format.as_ref().map(|f| quote!(, format = #f));
        let priority = c.priority.map(|p| quote!(, priority = #p));
        attrs.push(quote!(printcolumn(name = #name, type_ = #type_, json_path = #path #description #format #priority)));
    }
    attrs.extend(r.selectable_fields.iter().map(|s| quote!(selectable = #s)));
    for v in &r.validations {
        let Rule::Fields(v) = v else {
            continue; // the CLI reads rules from YAML: never an expression
        };
        attrs.push(match target {
            Target::KubeGen => validation(v),
            Target::Kube => kube_rule(v),
        });
    }
    let flags = &r.version_flags;
    if !flags.served {
        attrs.push(quote!(served = false));
    }
    if !flags.storage {
        attrs.push(quote!(storage = false));
    }
    match &flags.deprecated {
        Some(Some(warning)) => attrs.push(quote!(deprecated = #warning)),
        Some(None) => attrs.push(quote!(deprecated)),
        None => {}
    }
    attrs.extend(r.labels.iter().map(|(k, v)| quote!(label(#k, #v))));
    attrs.extend(
        r.annotations
            .iter()
            .map(|(k, v)| quote!(annotation(#k, #v))),
    );
    for derive in derives {
        let derive = quote!(#derive).to_string().replace(' ', "");
        attrs.push(quote!(derive = #derive));
    }
    match (&r.doc, target) {
        (Some(doc), _) => attrs.push(quote!(doc = #doc)),
        // kube-derive documents the root "Auto-generated derived type for ..." otherwise, and
        // that becomes the schema's description
        (None, Target::Kube) => attrs.push(quote!(doc = "")),
        (None, Target::KubeGen) => {}
    }
    match schema {
        SchemaMode::Derived => {}
        SchemaMode::Manual => attrs.push(quote!(schema = "manual")),
        SchemaMode::Disabled => attrs.push(quote!(schema = "disabled")),
    }
    if target == Target::KubeGen {
        attrs.extend(kube_gen_only(r, schema));
    }
    // clippy reads a key repeated across `printcolumn(...)`s (`type_ = "string"`) as a
    // duplicated attribute
    let allow =
        (r.print_columns.len() > 1).then(|| quote!(#[allow(clippy::duplicated_attributes)]));
    quote!(#allow #(#[kube(#attrs)])*)
}

/// The attributes only our derive has: they keep the input CRD exactly.
fn kube_gen_only(r: &Resource, schema: SchemaMode) -> Vec<TokenStream> {
    let mut attrs = Vec::new();
    if r.facades {
        attrs.push(quote!(facades));
    }
    if let (SchemaMode::Derived, Some(patch)) = (schema, &r.schema_patch) {
        let patch = raw_string(patch);
        attrs.push(quote!(schema_patch = #patch));
    }
    if let Some(patch) = &r.version_patch {
        let patch = raw_string(patch);
        attrs.push(quote!(version_patch = #patch));
    }
    attrs
}

/// `validation(rule = "...", message = "...")`, our derive's form.
fn validation(v: &Validation) -> TokenStream {
    let rule = &v.rule;
    let optional = [
        v.message.as_ref().map(|m| quote!(message = #m)),
        v.message_expression
            .as_ref()
            .map(|m| quote!(message_expression = #m)),
        v.reason.as_ref().map(|m| quote!(reason = #m)),
        v.field_path.as_ref().map(|m| quote!(field_path = #m)),
        v.optional_old_self.map(|m| quote!(optional_old_self = #m)),
    ];
    let optional = optional.into_iter().flatten();
    quote!(validation(rule = #rule #(, #optional)*))
}

/// `validation = "..."`, or kube's `Rule` built with its methods. kube's `Rule` holds a
/// `message` or a `messageExpression`, not both: with both, the expression is kept (it is
/// what the apiserver reports).
fn kube_rule(v: &Validation) -> TokenStream {
    let rule = &v.rule;
    let mut calls = Vec::new();
    match (&v.message_expression, &v.message) {
        (Some(e), _) => {
            calls.push(quote!(.message(::kube::core::Message::Expression(#e.into()))));
        }
        (None, Some(m)) => calls.push(quote!(.message(#m))),
        (None, None) => {}
    }
    // The apiserver takes only the four reasons kube's `Reason` has; another name fails to
    // compile, naming it.
    if let Some(Ok(reason)) = v.reason.as_deref().map(syn::parse_str::<syn::Ident>) {
        calls.push(quote!(.reason(::kube::core::Reason::#reason)));
    }
    if let Some(path) = &v.field_path {
        calls.push(quote!(.field_path(#path)));
    }
    if let Some(optional) = v.optional_old_self {
        calls.push(quote!(.optional_old_self(#optional)));
    }
    if calls.is_empty() {
        quote!(validation = #rule)
    } else {
        quote!(validation = ::kube::core::Rule::new(#rule) #(#calls)*)
    }
}

/// `text` as a raw string literal (`r#"..."#`, with as many `#` as it needs), so JSON reads
/// as JSON in the generated code.
fn raw_string(text: &str) -> TokenStream {
    let mut hashes = String::from("#");
    while text.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    format!("r{hashes}\"{text}\"{hashes}")
        .parse()
        .unwrap_or_else(|_| quote!(#text))
}
