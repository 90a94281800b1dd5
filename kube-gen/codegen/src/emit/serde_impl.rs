//! `Serialize` for the root type: `apiVersion` and `kind` first, then metadata, spec and status.
//!
//! The root has no `apiVersion`/`kind` fields (they are constants of the type), so the derive
//! can't write them; `Deserialize` is derived and ignores them.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::Resource;

/// `impl Serialize for Foo`.
pub(super) fn serialize(r: &Resource) -> TokenStream {
    if r.root_fields {
        return serialize_flattened(r);
    }
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

/// `impl Serialize for Foo` when the spec's fields sit at the root: a borrowed twin of the root
/// derives `Serialize`, since only serde's derive can flatten into a struct.
fn serialize_flattened(r: &Resource) -> TokenStream {
    let root = r.root();
    let spec = &r.spec;
    let (serde, k8s) = (&r.crates.serde, &r.crates.k8s_openapi);
    let serde_crate = super::path_string(serde);
    let (status_field, status_value) = match &r.status {
        Some(status) => (
            quote! {
                #[serde(skip_serializing_if = "::core::option::Option::is_none")]
                status: ::core::option::Option<&'a #status>,
            },
            quote!(status: self.status.as_ref(),),
        ),
        None => (quote!(), quote!()),
    };
    quote! {
        impl #serde::Serialize for #root {
            fn serialize<S>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error>
            where
                S: #serde::Serializer,
            {
                #[derive(#serde::Serialize)]
                #[serde(crate = #serde_crate)]
                struct Object<'a> {
                    #[serde(rename = "apiVersion")]
                    api_version: &'a str,
                    kind: &'a str,
                    metadata: &'a #k8s::apimachinery::pkg::apis::meta::v1::ObjectMeta,
                    #[serde(flatten)]
                    spec: &'a #spec,
                    #status_field
                }
                Object {
                    api_version: <Self as #k8s::Resource>::API_VERSION,
                    kind: <Self as #k8s::Resource>::KIND,
                    metadata: &self.metadata,
                    spec: &self.spec,
                    #status_value
                }
                .serialize(serializer)
            }
        }
    }
}
