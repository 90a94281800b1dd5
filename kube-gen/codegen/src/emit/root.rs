//! The root type (`Foo { metadata, spec, status }`) and its inherent constructor and accessors.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};

use super::{path_string, string_map};
use crate::model::{Crates, Resource, SchemaMode};

/// The root struct with its derives; `Serialize` is written by hand in `serde_impl`.
pub(super) fn root_struct(r: &Resource) -> TokenStream {
    let Resource {
        spec, vis, crates, ..
    } = r;
    let root = r.root();
    let (serde, schemars, k8s) = (&crates.serde, &crates.schemars, &crates.k8s_openapi);
    let serde_crate = path_string(serde);
    let doc = r
        .doc
        .clone()
        .unwrap_or_else(|| format!("Auto-generated derived type for {spec} via `CustomResource`"));
    let derives = &r.derives;
    let attrs = &r.attrs;
    let (schema_derive, schema_attrs, skip_metadata) = match r.schema {
        SchemaMode::Derived => {
            let schemars_crate = path_string(schemars);
            (
                quote!(#schemars::JsonSchema,),
                quote!(#[schemars(crate = #schemars_crate)]),
                quote!(#[schemars(skip)]),
            )
        }
        SchemaMode::Manual | SchemaMode::Disabled => (quote!(), quote!(), quote!()),
    };
    // `#[serde(flatten)]` also makes schemars merge the spec's properties into the root's.
    let flatten = r.root_fields.then(|| quote!(#[serde(flatten)]));
    let status = r.status.as_ref().map(|status| {
        quote! {
            #[serde(default, skip_serializing_if = "::core::option::Option::is_none")]
            #vis status: ::core::option::Option<#status>,
        }
    });
    quote! {
        #[doc = #doc]
        #[allow(missing_docs)] // field docs would become schema descriptions
        #[derive(#serde::Deserialize, ::core::clone::Clone, ::core::fmt::Debug, #schema_derive #(#derives),*)]
        #(#[#attrs])*
        #[serde(crate = #serde_crate)]
        #schema_attrs
        #vis struct #root {
            #[serde(default)]
            #skip_metadata
            #vis metadata: #k8s::apimachinery::pkg::apis::meta::v1::ObjectMeta,
            #flatten
            #vis spec: #spec,
            #status
        }
    }
}

/// `Foo::new(name, spec)` and the spec/status accessors.
pub(super) fn inherent_impl(r: &Resource) -> TokenStream {
    let Resource { spec, crates, .. } = r;
    let root = r.root();
    let new_doc = if r.labels.is_empty() && r.annotations.is_empty() {
        format!("Creates a `{root}` called `name` with `spec`, no other metadata and no status.")
    } else {
        format!(
            "Creates a `{root}` called `name` with `spec`, the `label`s and `annotation`s of \
             `#[kube(...)]` and no status."
        )
    };
    let new = constructor(crates, &r.labels, &r.annotations, spec, r.status.is_some());
    let status_accessors = match &r.status {
        Some(status) => quote! {
            /// The observed state, if the controller has written one.
            pub fn status(&self) -> ::core::option::Option<&#status> {
                self.status.as_ref()
            }

            /// The observed state, to fill in before updating the status subresource.
            pub fn status_mut(&mut self) -> &mut ::core::option::Option<#status> {
                &mut self.status
            }
        },
        None => quote!(),
    };
    quote! {
        impl #root {
            #[doc = #new_doc]
            #new

            /// The desired state.
            pub fn spec(&self) -> &#spec {
                &self.spec
            }

            /// The desired state, to change before an update.
            pub fn spec_mut(&mut self) -> &mut #spec {
                &mut self.spec
            }

            #status_accessors
        }
    }
}

/// `pub fn new(name, spec) -> Self`, shared with the fallback root so both build a `Foo` the
/// same way; like kube-derive, the new object carries the resource's labels and annotations.
pub(super) fn constructor(
    crates: &Crates,
    labels: &[(String, String)],
    annotations: &[(String, String)],
    spec: &impl ToTokens,
    has_status: bool,
) -> TokenStream {
    let (k8s, std) = (&crates.k8s_openapi, &crates.std);
    let labels = string_map(std, labels);
    let annotations = string_map(std, annotations);
    let status_init = has_status.then(|| quote!(status: ::core::option::Option::None,));
    quote! {
        pub fn new(name: &str, spec: #spec) -> Self {
            Self {
                metadata: #k8s::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                    name: ::core::option::Option::Some(#std::string::ToString::to_string(name)),
                    labels: #labels,
                    annotations: #annotations,
                    ..::core::default::Default::default()
                },
                spec,
                #status_init
            }
        }
    }
}
