//! `Foo::crd()`: the apiextensions v1 `CustomResourceDefinition` built from typed k8s-openapi
//! values, and kube's `CustomResourceExt` on top of it.

use proc_macro2::TokenStream;
use quote::quote;

use super::{option, option_string, option_strings, string_map};
use crate::model::{PrintColumn, Resource, Rule, SchemaMode, Validation};

/// `impl Foo { pub fn crd() -> CustomResourceDefinition }`.
pub(super) fn crd_fn(r: &Resource) -> TokenStream {
    let root = r.root();
    let (k8s, std) = (&r.crates.k8s_openapi, &r.crates.std);
    let apiext = quote!(#k8s::apiextensions_apiserver::pkg::apis::apiextensions::v1);
    let names = &r.names;
    let doc = format!(
        "The `CustomResourceDefinition` of `{}` (version `{}` only; see `merge_crds` for several).",
        names.crd_name(),
        names.version
    );
    let crd_name = names.crd_name();
    let (group, kind, plural, singular) =
        (&names.group, &names.kind, &names.plural, &names.singular);
    let short_names = option_strings(std, &names.short_names);
    let categories = option_strings(std, &names.categories);
    let scope = r.scope.as_str();
    let labels = string_map(std, &r.labels);
    let annotations = string_map(std, &r.annotations);
    let schema = schema(r);
    let version = version(r);
    quote! {
        impl #root {
            #[doc = #doc]
            pub fn crd() -> #apiext::CustomResourceDefinition {
                #schema
                #apiext::CustomResourceDefinition {
                    metadata: #k8s::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                        name: ::core::option::Option::Some(#std::string::String::from(#crd_name)),
                        labels: #labels,
                        annotations: #annotations,
                        ..::core::default::Default::default()
                    },
                    spec: #apiext::CustomResourceDefinitionSpec {
                        group: #std::string::String::from(#group),
                        names: #apiext::CustomResourceDefinitionNames {
                            kind: #std::string::String::from(#kind),
                            // Left to the apiserver, which defaults it to `<kind>List`, as
                            // kube-derive leaves it.
                            list_kind: ::core::option::Option::None,
                            plural: #std::string::String::from(#plural),
                            singular: ::core::option::Option::Some(#std::string::String::from(#singular)),
                            short_names: #short_names,
                            categories: #categories,
                        },
                        scope: #std::string::String::from(#scope),
                        versions: #std::vec::Vec::from([#version]),
                        ..::core::default::Default::default()
                    },
                    status: ::core::option::Option::None,
                }
            }
        }
    }
}

/// `let schema = ...;`: the structural schema of the root type plus the root CEL rules.
fn schema(r: &Resource) -> TokenStream {
    let (kube_gen, std) = (&r.crates.kube_gen, &r.crates.std);
    let apiext = {
        let k8s = &r.crates.k8s_openapi;
        quote!(#k8s::apiextensions_apiserver::pkg::apis::apiextensions::v1)
    };
    let base = match r.schema {
        SchemaMode::Derived | SchemaMode::Manual => {
            quote!(#kube_gen::__private::runtime::structural_schema::<Self>())
        }
        SchemaMode::Disabled => {
            quote!(#kube_gen::__private::runtime::preserve_unknown_fields_schema())
        }
    };
    let patch = r
        .schema_patch
        .as_ref()
        .map(|patch| quote!(#kube_gen::__private::runtime::patch_schema(&mut schema, #patch);));
    if r.validations.is_empty() {
        return match patch {
            None => quote!(let schema = #base;),
            Some(patch) => quote!(let mut schema = #base; #patch),
        };
    }
    let rules = r.validations.iter().map(|rule| match rule {
        Rule::Fields(v) => validation_rule(&apiext, std, v),
        Rule::Expr(expr) => validation_expr(r, expr),
    });
    quote! {
        let mut schema = #base;
        #patch
        schema
            .x_kubernetes_validations
            .get_or_insert_with(#std::vec::Vec::new)
            .extend([#(#rules),*]);
    }
}

fn validation_rule(apiext: &TokenStream, std: &syn::Path, v: &Validation) -> TokenStream {
    let rule = &v.rule;
    let message = option_string(std, v.message.as_deref());
    let message_expression = option_string(std, v.message_expression.as_deref());
    let reason = option_string(std, v.reason.as_deref());
    let field_path = option_string(std, v.field_path.as_deref());
    let optional_old_self = option(v.optional_old_self);
    quote! {
        #apiext::ValidationRule {
            rule: #std::string::String::from(#rule),
            message: #message,
            message_expression: #message_expression,
            reason: #reason,
            field_path: #field_path,
            optional_old_self: #optional_old_self,
        }
    }
}

/// A rule written as an expression (`Rule::new("...").message("...")`, `("rule", "message")`),
/// evaluated where kube-derive's `KubeSchema` evaluates it: with kube's `Rule`, `Message` and
/// `Reason` in scope.
fn validation_expr(r: &Resource, expr: &syn::Expr) -> TokenStream {
    let (kube_gen, kube_core) = (&r.crates.kube_gen, &r.crates.kube_core);
    quote! {
        {
            #[allow(unused_imports)]
            use #kube_core::{Message, Reason, Rule};
            let rule: #kube_core::Rule = ::core::convert::Into::into(#expr);
            #kube_gen::__private::runtime::validation_rule(&rule)
        }
    }
}

/// The one `CustomResourceDefinitionVersion` of this resource.
fn version(r: &Resource) -> TokenStream {
    let (k8s, std) = (&r.crates.k8s_openapi, &r.crates.std);
    let apiext = quote!(#k8s::apiextensions_apiserver::pkg::apis::apiextensions::v1);
    let name = &r.names.version;
    let flags = &r.version_flags;
    let (served, storage) = (flags.served, flags.storage);
    let deprecated = option(flags.deprecated.as_ref().map(|_| true));
    let deprecation_warning =
        option_string(std, flags.deprecated.as_ref().and_then(|w| w.as_deref()));
    let columns = if r.print_columns.is_empty() {
        quote!(::core::option::Option::None)
    } else {
        let columns = r
            .print_columns
            .iter()
            .map(|c| print_column(&apiext, std, c));
        quote!(::core::option::Option::Some(#std::vec::Vec::from([#(#columns),*])))
    };
    let selectable = if r.selectable_fields.is_empty() {
        quote!(::core::option::Option::None)
    } else {
        let paths = &r.selectable_fields;
        quote!(::core::option::Option::Some(#std::vec::Vec::from([#(
            #apiext::SelectableField { json_path: #std::string::String::from(#paths) }
        ),*])))
    };
    let subresources = subresources(r, &apiext);
    let version = quote! {
        #apiext::CustomResourceDefinitionVersion {
            name: #std::string::String::from(#name),
            served: #served,
            storage: #storage,
            deprecated: #deprecated,
            deprecation_warning: #deprecation_warning,
            additional_printer_columns: #columns,
            selectable_fields: #selectable,
            schema: ::core::option::Option::Some(#apiext::CustomResourceValidation {
                open_api_v3_schema: ::core::option::Option::Some(schema),
            }),
            subresources: #subresources,
        }
    };
    match &r.version_patch {
        None => version,
        Some(patch) => {
            let kube_gen = &r.crates.kube_gen;
            quote! {{
                let mut version = #version;
                #kube_gen::__private::runtime::patch_version(&mut version, #patch);
                version
            }}
        }
    }
}

fn print_column(apiext: &TokenStream, std: &syn::Path, c: &PrintColumn) -> TokenStream {
    let (name, type_, json_path) = (&c.name, &c.type_, &c.json_path);
    let description = option_string(std, c.description.as_deref());
    let format = option_string(std, c.format.as_deref());
    let priority = option(c.priority);
    quote! {
        #apiext::CustomResourceColumnDefinition {
            name: #std::string::String::from(#name),
            type_: #std::string::String::from(#type_),
            json_path: #std::string::String::from(#json_path),
            description: #description,
            format: #format,
            priority: #priority,
        }
    }
}

/// The status and scale subresources, or `None` without a status.
fn subresources(r: &Resource, apiext: &TokenStream) -> TokenStream {
    if r.status.is_none() {
        return quote!(::core::option::Option::None);
    }
    let (kube_gen, std) = (&r.crates.kube_gen, &r.crates.std);
    let scale = option(r.scale.as_ref().map(|scale| {
        let (spec, status) = (&scale.spec_replicas_path, &scale.status_replicas_path);
        let selector = option_string(std, scale.label_selector_path.as_deref());
        quote! {
            #apiext::CustomResourceSubresourceScale {
                spec_replicas_path: #std::string::String::from(#spec),
                status_replicas_path: #std::string::String::from(#status),
                label_selector_path: #selector,
            }
        }
    }));
    quote! {
        ::core::option::Option::Some(#apiext::CustomResourceSubresources {
            status: ::core::option::Option::Some(#kube_gen::__private::runtime::status_subresource()),
            scale: #scale,
        })
    }
}

/// `impl kube::CustomResourceExt`, so kube's tooling (and `kube::Api` helpers) see the CRD.
pub(super) fn custom_resource_ext(r: &Resource) -> TokenStream {
    let root = r.root();
    let (kube_core, k8s) = (&r.crates.kube_core, &r.crates.k8s_openapi);
    let crd_name = r.names.crd_name();
    let short_names = &r.names.short_names;
    quote! {
        impl #kube_core::crd::v1::CustomResourceExt for #root {
            fn crd() -> #k8s::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition {
                #root::crd()
            }

            fn crd_name() -> &'static str {
                #crd_name
            }

            fn api_resource() -> #kube_core::discovery::ApiResource {
                #kube_core::discovery::ApiResource::erase::<Self>(&())
            }

            fn shortnames() -> &'static [&'static str] {
                &[#(#short_names),*]
            }
        }
    }
}
