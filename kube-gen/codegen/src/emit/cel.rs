//! `Foo::validate_cel` and `Foo::validate_cel_update` (`#[kube(cel)]`): the CRD's CEL rules run
//! client-side, as kube-derive generates them.
//!
//! The bodies call kube-core's `cel::validate_cel{,_update}`, which exist with kube's `cel`
//! feature; the generated code reaches kube through `kube_gen` by default, which is the user's
//! kube, so turning that feature on in the user's `Cargo.toml` is enough.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::Resource;

/// The two methods, or nothing without `cel`.
pub(super) fn validate_cel(r: &Resource) -> TokenStream {
    if !r.cel {
        return TokenStream::new();
    }
    let root = r.root();
    let kube_core = &r.crates.kube_core;
    quote! {
        impl #root {
            /// Checks this object against the CEL rules of its CRD (`x-kubernetes-validations`)
            /// without an API server: `Ok(())` if every rule holds, else every failure.
            pub fn validate_cel(&self) -> ::core::result::Result<(), #kube_core::cel::ValidationErrors> {
                #kube_core::cel::validate_cel(self)
            }

            /// Checks this object as an update of `old`, so transition rules (those using
            /// `oldSelf`) run too: `Ok(())` if every rule holds, else every failure.
            pub fn validate_cel_update(
                &self,
                old: &Self,
            ) -> ::core::result::Result<(), #kube_core::cel::ValidationErrors> {
                #kube_core::cel::validate_cel_update(self, old)
            }
        }
    }
}
