//! Trait impls that make the root type a Kubernetes resource.
//!
//! k8s-openapi's `Resource` + `Metadata<Ty = ObjectMeta>` give `kube::Resource` through kube's
//! blanket impl (`DynamicType = ()`, the same `Scope`), exactly as for built-in types.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{Resource, Scope};

/// `impl k8s_openapi::Resource`: the constants of group, version, kind, plural and scope.
pub(super) fn k8s_openapi_resource(r: &Resource) -> TokenStream {
    let root = r.root();
    let k8s = &r.crates.k8s_openapi;
    let names = &r.names;
    let (group, version, kind, plural) = (&names.group, &names.version, &names.kind, &names.plural);
    let api_version = names.api_version();
    let scope = match r.scope {
        Scope::Cluster => quote!(#k8s::ClusterResourceScope),
        Scope::Namespaced => quote!(#k8s::NamespaceResourceScope),
    };
    quote! {
        impl #k8s::Resource for #root {
            const API_VERSION: &'static str = #api_version;
            const GROUP: &'static str = #group;
            const KIND: &'static str = #kind;
            const VERSION: &'static str = #version;
            const URL_PATH_SEGMENT: &'static str = #plural;
            type Scope = #scope;
        }
    }
}

/// `impl k8s_openapi::Metadata<Ty = ObjectMeta>`.
pub(super) fn k8s_openapi_metadata(r: &Resource) -> TokenStream {
    let root = r.root();
    let k8s = &r.crates.k8s_openapi;
    quote! {
        impl #k8s::Metadata for #root {
            type Ty = #k8s::apimachinery::pkg::apis::meta::v1::ObjectMeta;

            fn metadata(&self) -> &<Self as #k8s::Metadata>::Ty {
                &self.metadata
            }

            fn metadata_mut(&mut self) -> &mut <Self as #k8s::Metadata>::Ty {
                &mut self.metadata
            }
        }
    }
}

/// `impl k8s_openapi::ListableResource`: the kind of `FooList`.
pub(super) fn k8s_openapi_listable(r: &Resource) -> TokenStream {
    let root = r.root();
    let k8s = &r.crates.k8s_openapi;
    let list_kind = r.names.list_kind();
    quote! {
        impl #k8s::ListableResource for #root {
            const LIST_KIND: &'static str = #list_kind;
        }
    }
}

/// kube's `HasSpec` and, with a status, `HasStatus`, for generic controller code.
pub(super) fn kube_has_spec_status(r: &Resource) -> TokenStream {
    let root = r.root();
    let spec = &r.spec;
    let kube_core = &r.crates.kube_core;
    let has_status = r.status.as_ref().map(|status| {
        quote! {
            impl #kube_core::object::HasStatus for #root {
                type Status = #status;

                fn status(&self) -> ::core::option::Option<&#status> {
                    self.status.as_ref()
                }

                fn status_mut(&mut self) -> &mut ::core::option::Option<#status> {
                    &mut self.status
                }
            }
        }
    });
    quote! {
        impl #kube_core::object::HasSpec for #root {
            type Spec = #spec;

            fn spec(&self) -> &#spec {
                &self.spec
            }

            fn spec_mut(&mut self) -> &mut #spec {
                &mut self.spec
            }
        }

        #has_status
    }
}
