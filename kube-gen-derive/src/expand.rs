//! Runs the pipeline (attributes → checks → model → kube-gen-codegen's emitter) and turns
//! collected errors into `compile_error!`s next to a minimal fallback root type.

use proc_macro2::TokenStream;
use syn::DeriveInput;

use crate::attrs::Attrs;
use crate::ctxt::Ctxt;
use kube_gen_codegen::model::{
    Crates, Names, PrintColumn, Resource, Scale, Scope, Validation, VersionFlags,
};
use kube_gen_codegen::{emit, names};

/// The expansion of `#[derive(CustomResource)]` on `input`.
pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let attrs = Attrs::parse(&cx, &input.attrs);
    crate::validate::check(&cx, input, &attrs);
    match cx.check() {
        Ok(()) => emit::resource(&resource(input, attrs)),
        Err(errors) => {
            let mut out: TokenStream = errors.iter().map(syn::Error::to_compile_error).collect();
            out.extend(fallback(input, &attrs));
            out
        }
    }
}

fn crates(attrs: &Attrs) -> Crates {
    let c = &attrs.crates;
    Crates::new(
        c.kube_gen.clone(),
        c.kube.clone(),
        c.k8s_openapi.clone(),
        c.serde.clone(),
        c.schemars.clone(),
    )
}

/// The minimal root type, under the same name `validate` checks: `struct = "..."`, else an
/// UpperCamelCase kind; nothing when neither is usable.
fn fallback(input: &DeriveInput, attrs: &Attrs) -> TokenStream {
    let root = match (&attrs.struct_name, &attrs.kind) {
        (Some(name), _) => Some(name.value.value()).filter(|n| names::check_type_name(n).is_ok()),
        (None, _) if attrs.seen.contains(&"struct") => None,
        (None, kind) => kind
            .as_ref()
            .map(|k| k.value.value())
            .filter(|k| names::check_kind(k).is_ok() && names::is_type_name(k)),
    };
    let root = root.filter(|r| input.ident != r.as_str());
    let status = attrs.status.as_ref().map(|s| &s.value);
    if !matches!(&input.data, syn::Data::Struct(_)) || !input.generics.params.is_empty() {
        return TokenStream::new();
    }
    emit::fallback(
        &input.ident,
        &input.vis,
        root.as_deref(),
        status,
        &crates(attrs),
    )
}

/// The model of a checked input; required keys are present.
fn resource(input: &DeriveInput, attrs: Attrs) -> Resource {
    let value =
        |lit: &Option<crate::attrs::Spanned<syn::LitStr>>| lit.as_ref().map(|l| l.value.value());
    let mut names = Names::new(
        value(&attrs.group).unwrap_or_default(),
        value(&attrs.version).unwrap_or_default(),
        value(&attrs.kind).unwrap_or_default(),
    );
    if let Some(plural) = value(&attrs.plural) {
        names.plural = plural;
    }
    if let Some(singular) = value(&attrs.singular) {
        names.singular = singular;
    }
    names.short_names = attrs.shortnames.iter().map(syn::LitStr::value).collect();
    names.categories = attrs.categories.iter().map(syn::LitStr::value).collect();
    let string = |lit: &Option<syn::LitStr>| lit.as_ref().map(syn::LitStr::value);
    let mut resource = Resource::new(input.ident.clone(), names);
    resource.root_name = value(&attrs.struct_name);
    resource.vis = input.vis.clone();
    resource.crates = crates(&attrs);
    resource.scope = match attrs.namespaced.map(|n| n.value) {
        Some(true) => Scope::Namespaced,
        _ => Scope::Cluster,
    };
    resource.root_fields = attrs.root_fields.is_some_and(|r| r.value);
    resource.status = attrs.status.map(|s| s.value);
    resource.scale = attrs.scale.map(|s| Scale {
        spec_replicas_path: string(&s.value.spec_replicas_path).unwrap_or_default(),
        status_replicas_path: string(&s.value.status_replicas_path).unwrap_or_default(),
        label_selector_path: string(&s.value.label_selector_path),
    });
    resource.print_columns = attrs
        .printcolumns
        .iter()
        .map(|c| PrintColumn {
            name: string(&c.value.name).unwrap_or_default(),
            type_: string(&c.value.type_).unwrap_or_default(),
            json_path: string(&c.value.json_path).unwrap_or_default(),
            description: string(&c.value.description),
            format: string(&c.value.format),
            priority: c.value.priority,
        })
        .collect();
    resource.selectable_fields = attrs.selectable.iter().map(syn::LitStr::value).collect();
    resource.validations = attrs
        .validations
        .iter()
        .map(|v| Validation {
            rule: string(&v.value.rule).unwrap_or_default(),
            message: string(&v.value.message),
            message_expression: string(&v.value.message_expression),
            reason: string(&v.value.reason),
            field_path: string(&v.value.field_path),
            optional_old_self: v.value.optional_old_self,
        })
        .collect();
    resource.version_flags = VersionFlags {
        served: attrs.served.is_none_or(|s| s.value),
        storage: attrs.storage.is_none_or(|s| s.value),
        deprecated: attrs.deprecated.map(|d| d.value),
    };
    let pairs = |pairs: &[(syn::LitStr, syn::LitStr)]| {
        pairs.iter().map(|(k, v)| (k.value(), v.value())).collect()
    };
    resource.labels = pairs(&attrs.labels);
    resource.annotations = pairs(&attrs.annotations);
    resource.schema = attrs.schema.map(|s| s.value).unwrap_or_default();
    resource.derives = attrs.derives;
    resource.doc = attrs.doc.map(|d| d.value.value());
    resource
}
