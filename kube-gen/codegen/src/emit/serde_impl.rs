//! `Serialize` for the root type: `apiVersion` and `kind` first, then metadata, spec and status.
//!
//! The root has no `apiVersion`/`kind` fields (they are constants of the type), so the derive
//! can't write them; `Deserialize` is derived and ignores them.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::Resource;

/// `impl Serialize for Foo`.
pub(super) fn serialize(r: &Resource) -> TokenStream {
    let root = r.root();
    let (serde, k8s) = (&r.crates.serde, &r.crates.k8s_openapi);
    let kind = &r.names.kind;
    let (len, status) = match r.status {
        Some(_) => (
            5usize,
            quote! {
                match &self.status {
                    ::core::option::Option::Some(status) => state.serialize_field("status", status)?,
                    ::core::option::Option::None => state.skip_field("status")?,
                }
            },
        ),
        None => (4usize, quote!()),
    };
    quote! {
        impl #serde::Serialize for #root {
            fn serialize<S>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error>
            where
                S: #serde::Serializer,
            {
                use #serde::ser::SerializeStruct as _;
                let mut state = serializer.serialize_struct(#kind, #len)?;
                state.serialize_field("apiVersion", <Self as #k8s::Resource>::API_VERSION)?;
                state.serialize_field("kind", <Self as #k8s::Resource>::KIND)?;
                state.serialize_field("metadata", &self.metadata)?;
                state.serialize_field("spec", &self.spec)?;
                #status
                state.end()
            }
        }
    }
}
