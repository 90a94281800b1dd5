//! The minimal root type emitted next to `compile_error!`s, so that one bad attribute does not
//! also break every line that uses `Foo`, `Foo::new` or `Foo::crd`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Ident, Type, Visibility};

use crate::model::Crates;

/// A root struct with the usual fields, `new` and a `crd` that panics; no trait impls.
///
/// `root` is the root's name (`struct = "..."`, else the kind) when it was given and is a valid
/// identifier; otherwise nothing is emitted, since there is no name to define.
pub fn fallback(
    spec: &Ident,
    vis: &Visibility,
    root: Option<&str>,
    status: Option<&Type>,
    crates: &Crates,
) -> TokenStream {
    let Some(root) = root.and_then(|root| syn::parse_str::<Ident>(root).ok()) else {
        return TokenStream::new();
    };
    let root = Ident::new(&root.to_string(), spec.span());
    let k8s = &crates.k8s_openapi;
    let status_field = status.map(|status| quote!(#vis status: ::core::option::Option<#status>,));
    let new = super::root::constructor(crates, &[], &[], spec, status.is_some());
    quote! {
        #[allow(dead_code)]
        #vis struct #root {
            #vis metadata: #k8s::apimachinery::pkg::apis::meta::v1::ObjectMeta,
            #vis spec: #spec,
            #status_field
        }

        #[allow(dead_code)]
        impl #root {
            #new

            pub fn crd() -> #k8s::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition {
                ::core::panic!("#[derive(CustomResource)] reported errors for this type")
            }
        }
    }
}
