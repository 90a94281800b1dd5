//! The typed facades `FooClient`, `FooLister` and `FooInformer`: aliases of kube-gen's generic
//! runtime, named as client-go names them.
//!
//! They are type aliases, not wrappers, so every method lives once in `kube_gen::client`,
//! `kube_gen::informer` and `kube_gen::lister`, and a `FooClient` is a `Client<Foo>` wherever
//! one is expected. Doc examples are `text` fences: they would need a cluster, and generated
//! doc-tests would run in the user's crate.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::model::{Resource, Scope};

/// `FooClient`, `FooLister` and `FooInformer`, with the visibility of the root type; nothing
/// without `#[kube(facades)]`.
pub(super) fn facades(r: &Resource) -> TokenStream {
    if !r.facades {
        return TokenStream::new();
    }
    let root = r.root();
    let kube_gen = &r.crates.kube_gen;
    let vis = &r.vis;
    let client = format_ident!("{root}Client", span = root.span());
    let lister = format_ident!("{root}Lister", span = root.span());
    let informer = format_ident!("{root}Informer", span = root.span());
    let plural = r.names.plural.replace('-', "_"); // a variable name in the usage lines
    let identity = format!(
        "Kind `{}` of group `{}`, version `{}`; {}.",
        r.names.kind,
        r.names.group,
        r.names.version,
        match r.scope {
            Scope::Namespaced => "namespaced",
            Scope::Cluster => "cluster-scoped",
        },
    );
    // Unused aliases would warn as dead code in binaries and private modules, even when `pub`.
    let allow = quote!(#[allow(dead_code)]);

    let client_summary =
        format!("The typed client for `{root}` objects: client-go's `{root}Interface`.");
    let client_alias = match r.scope {
        Scope::Namespaced => {
            let usage = [
                format!("let {plural} = {client}::namespaced(kube_client, \"default\");"),
                format!("let one = {plural}.get(\"example\").await?;"),
            ];
            docs(
                &[
                    client_summary,
                    String::new(),
                    identity.clone(),
                    "`S` is `Namespaced` (one namespace, every verb; made by `namespaced`) or \
                     `AllNamespaces` (list and watch; made by `all`). Every method is \
                     `kube_gen::client::Client`'s."
                        .to_owned(),
                ],
                &usage,
                quote! {
                    #allow
                    #vis type #client<S = #kube_gen::client::Namespaced> =
                        #kube_gen::client::Client<#root, S>;
                },
            )
        }
        Scope::Cluster => {
            let usage = [
                format!("let {plural}: {client} = kube_gen::client::Client::cluster(kube_client);"),
                format!("let one = {plural}.get(\"example\").await?;"),
            ];
            docs(
                &[
                    client_summary,
                    String::new(),
                    identity.clone(),
                    "Every method is `kube_gen::client::Client`'s.".to_owned(),
                ],
                &usage,
                quote! {
                    #allow
                    #vis type #client = #kube_gen::client::Client<#root, #kube_gen::client::Cluster>;
                },
            )
        }
    };

    let lister_get = match r.scope {
        Scope::Namespaced => "let one = lister.namespace(\"default\").get(\"example\");".to_owned(),
        Scope::Cluster => "let one = lister.get(None, \"example\");".to_owned(),
    };
    let lister_alias = docs(
        &[
            format!(
                "Reads `{root}` objects from an informer's cache: client-go's `{root}Lister`. \
                 Objects are shared as `Arc<{root}>`."
            ),
            String::new(),
            identity.clone(),
            "Every method is `kube_gen::lister::Lister`'s.".to_owned(),
        ],
        &[
            format!("let lister: {lister} = {plural}_informer.lister();"),
            lister_get,
        ],
        quote! {
            #allow
            #vis type #lister = #kube_gen::lister::Lister<#root>;
        },
    );

    let informer_alias = docs(
        &[
            format!(
                "Keeps a cache of `{root}` objects in sync with the API server and calls event \
                 handlers on every change: client-go's `{root}Informer`."
            ),
            String::new(),
            identity,
            "Every method is `kube_gen::informer::Informer`'s; get one shared per program from \
             a `SharedInformerFactory`."
                .to_owned(),
        ],
        &[
            "let factory = SharedInformerFactory::new(kube_client);".to_owned(),
            format!("let {plural}_informer: {informer} = factory.informer::<{root}>();"),
            "factory.start();".to_owned(),
            "factory.wait_for_cache_sync(Duration::from_secs(30)).await?;".to_owned(),
        ],
        quote! {
            #allow
            #vis type #informer = #kube_gen::informer::Informer<#root>;
        },
    );

    quote! {
        #client_alias
        #lister_alias
        #informer_alias
    }
}

/// `item` behind `#[doc]` lines: the paragraphs, then `usage` in a `text` fence.
fn docs(paragraphs: &[String], usage: &[String], item: TokenStream) -> TokenStream {
    let lines = paragraphs
        .iter()
        .map(String::as_str)
        .chain(["", "```text"])
        .chain(usage.iter().map(String::as_str))
        .chain(["```"])
        .map(|line| match line {
            "" => String::new(),
            line => format!(" {line}"),
        });
    quote! {
        #(#[doc = #lines])*
        #item
    }
}
