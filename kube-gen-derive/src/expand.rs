//! Runs the pipeline (attributes → checks → model → kube-gen-codegen's emitter) and turns
//! collected errors into `compile_error!`s next to a minimal fallback root type.

use darling::FromDeriveInput;
use proc_macro2::TokenStream;
use syn::{DeriveInput, Expr, ExprLit, Lit, Type};

use crate::attrs::{Identity, KubeAttrs};
use crate::ctxt::Ctxt;
use crate::validate;
use kube_gen_codegen::model::{Crates, Names, Resource, Scope, VersionFlags};
use kube_gen_codegen::{emit, names};

/// The expansion of `#[derive(CustomResource)]` on `input`.
pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    validate::check_shape(&cx, input);
    let attrs = match KubeAttrs::from_derive_input(input) {
        Ok(attrs) => {
            validate::check(&cx, input, &attrs);
            Some(attrs)
        }
        Err(err) => {
            cx.darling(err);
            if let Ok(identity) = Identity::from_derive_input(input) {
                validate::check_required_leniently(&cx, input, &identity);
            }
            None
        }
    };
    match (cx.check(), attrs) {
        (Ok(()), Some(attrs)) => emit::resource(&resource(input, attrs)),
        (result, attrs) => {
            let errors = result.err().unwrap_or_default();
            let mut out: TokenStream = errors.iter().map(syn::Error::to_compile_error).collect();
            out.extend(fallback(input, attrs.as_ref()));
            out
        }
    }
}

/// The minimal root type, under the name `validate` checks: `root`/`struct`, else an
/// UpperCamelCase kind; nothing when neither is usable or the input can't be a spec.
fn fallback(input: &DeriveInput, attrs: Option<&KubeAttrs>) -> TokenStream {
    if matches!(&input.data, syn::Data::Union(_)) || !input.generics.params.is_empty() {
        return TokenStream::new();
    }
    let (root, kind, status, crates) = match attrs {
        Some(attrs) => (
            attrs
                .root
                .as_ref()
                .or(attrs.struct_.as_ref())
                .map(syn::LitStr::value),
            attrs.kind.as_ref().map(syn::LitStr::value),
            attrs.status.clone(),
            crates(attrs),
        ),
        None => {
            let Ok(identity) = Identity::from_derive_input(input) else {
                return TokenStream::new();
            };
            let string = |expr: &Option<Expr>| match expr {
                Some(Expr::Lit(ExprLit {
                    lit: Lit::Str(lit), ..
                })) => Some(lit.value()),
                _ => None,
            };
            let root = string(&identity.root).or_else(|| string(&identity.struct_));
            let kind = string(&identity.kind);
            let status = match &identity.status {
                Some(Expr::Path(path)) => Some(Type::Path(syn::TypePath {
                    qself: None,
                    path: path.path.clone(),
                })),
                other => string(other).and_then(|s| syn::parse_str::<Type>(&s).ok()),
            };
            (root, kind, status, Crates::default())
        }
    };
    // A kind names the root only when it is UpperCamelCase; `root` may be any identifier.
    let root = match root {
        Some(root) => Some(root).filter(|r| names::check_type_name(r).is_ok()),
        None => kind.filter(|k| names::check_kind(k).is_ok() && names::is_type_name(k)),
    };
    let root = root.filter(|r| input.ident != r.as_str());
    emit::fallback(
        &input.ident,
        &input.vis,
        root.as_deref(),
        status.as_ref(),
        &crates,
    )
}

fn crates(attrs: &KubeAttrs) -> Crates {
    Crates::new(attrs.crates.clone().unwrap_or_default())
}

/// The model of a checked input: required keys are present.
fn resource(input: &DeriveInput, attrs: KubeAttrs) -> Resource {
    let value = |lit: &Option<syn::LitStr>| lit.as_ref().map(syn::LitStr::value);
    let flag = |flag: &Option<crate::values::Spanned<bool>>| flag.as_ref().map(|f| f.value);
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
    let mut resource = Resource::new(input.ident.clone(), names);
    resource.root_name = value(&attrs.root).or_else(|| value(&attrs.struct_));
    resource.vis = input.vis.clone();
    resource.crates = crates(&attrs);
    resource.scope = match flag(&attrs.namespaced) {
        Some(true) => Scope::Namespaced,
        _ => Scope::Cluster,
    };
    resource.root_fields = attrs.no_spec().is_some_and(|n| n.value);
    resource.status = attrs.status;
    resource.scale = attrs.scale.map(|s| s.value);
    resource.print_columns = attrs.printcolumns;
    resource.selectable_fields = attrs.selectable.iter().map(syn::LitStr::value).collect();
    resource.validations = attrs.validations;
    resource.cel = flag(&attrs.cel).unwrap_or(false);
    resource.version_flags = VersionFlags {
        served: flag(&attrs.served).unwrap_or(true),
        storage: flag(&attrs.storage).unwrap_or(true),
        deprecated: attrs.deprecated,
    };
    let pairs = |pairs: &[(syn::LitStr, syn::LitStr)]| {
        pairs.iter().map(|(k, v)| (k.value(), v.value())).collect()
    };
    resource.labels = pairs(&attrs.labels);
    resource.annotations = pairs(&attrs.annotations);
    resource.schema = attrs.schema.map(|s| s.value).unwrap_or_default();
    resource.derives = attrs.derives;
    resource.attrs = attrs.root_attrs;
    resource.facades = flag(&attrs.facades).unwrap_or(false);
    resource.doc = attrs.doc.map(|d| d.value());
    resource.schema_patch = attrs.schema_patch.map(|p| p.value());
    resource.version_patch = attrs.version_patch.map(|p| p.value());
    resource
}
