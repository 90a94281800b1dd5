//! Model → Rust tokens: one function per generated item, run in order by [`resource`].
//!
//! Each step reads only the [`Resource`] model, so the derive and the CLI generate the same code.
//! The last steps add what was asked for beyond kube-derive's items: client-side CEL validation
//! and the typed facades (`FooClient`, `FooLister`, `FooInformer`) over the runtime.

mod cel;
mod crd;
#[cfg(feature = "cli")]
mod docs;
mod facades;
mod fallback;
mod root;
mod serde_impl;
#[cfg(feature = "cli")]
pub mod source;
mod traits;

use proc_macro2::TokenStream;

use crate::model::Resource;

pub use fallback::fallback;

/// Every item generated for `resource`: the root type, its serde, trait and CRD impls and,
/// when asked for, the CEL validation methods and the typed client, lister and informer aliases.
pub fn resource(resource: &Resource) -> TokenStream {
    let steps: [fn(&Resource) -> TokenStream; 11] = [
        root::root_struct,
        root::inherent_impl,
        serde_impl::serialize,
        traits::k8s_openapi_resource,
        traits::k8s_openapi_metadata,
        traits::k8s_openapi_listable,
        traits::kube_has_spec_status,
        crd::crd_fn,
        crd::custom_resource_ext,
        cel::validate_cel,
        facades::facades,
    ];
    steps.iter().map(|step| step(resource)).collect()
}

/// Formats generated tokens as a Rust file with prettyplease.
///
/// # Errors
///
/// Fails when the tokens are not a valid Rust file, which is a bug in the emitter.
pub fn pretty(tokens: TokenStream) -> syn::Result<String> {
    let file: syn::File = syn::parse2(tokens)?;
    Ok(prettyplease::unparse(&file))
}

/// A path as a string for `#[serde(crate = "...")]`-style attributes.
fn path_string(path: &syn::Path) -> String {
    quote::quote!(#path).to_string().replace(' ', "")
}

/// `Option<T>` tokens: `Some(value)` or `None`.
fn option<T: quote::ToTokens>(value: Option<T>) -> TokenStream {
    match value {
        Some(value) => quote::quote!(::core::option::Option::Some(#value)),
        None => quote::quote!(::core::option::Option::None),
    }
}

/// `Some(String::from(value))` or `None`; `std` is the standard library's path.
fn option_string(std: &syn::Path, value: Option<&str>) -> TokenStream {
    option(value.map(|s| quote::quote!(#std::string::String::from(#s))))
}

/// `Some(Vec::from([String::from(...), ...]))`, or `None` when `values` is empty.
fn option_strings(std: &syn::Path, values: &[String]) -> TokenStream {
    if values.is_empty() {
        return option::<TokenStream>(None);
    }
    option(Some(
        quote::quote!(#std::vec::Vec::from([#(#std::string::String::from(#values)),*])),
    ))
}

/// `Some(BTreeMap::from([...]))`, or `None` when there are no entries.
fn string_map(std: &syn::Path, entries: &[(String, String)]) -> TokenStream {
    if entries.is_empty() {
        return quote::quote!(::core::option::Option::None);
    }
    let (keys, values): (Vec<_>, Vec<_>) = entries.iter().cloned().unzip();
    quote::quote! {
        ::core::option::Option::Some(#std::collections::BTreeMap::from([#(
            (#std::string::String::from(#keys), #std::string::String::from(#values))
        ),*]))
    }
}
