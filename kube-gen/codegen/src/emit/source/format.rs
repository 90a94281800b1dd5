//! Formatting on every core. prettyplease writes nothing between a file's items, so items
//! formatted one at a time and joined in order read exactly as the whole file formatted at
//! once. Parsing and printing the tokens is about half of the CLI's time on a large CRD, and
//! the other cores are idle; tokens cannot cross threads, so items reach them as text.

use std::sync::{Mutex, mpsc};
use std::thread;

use proc_macro2::{Literal, Span, TokenStream};

/// Below this many generated types a helper thread costs more than it saves, and the
/// tokens are formatted where they are, without the trip through text: most CRDs are small.
const SMALL: usize = 40;

/// `items` formatted by prettyplease, in order: on this thread when there are fewer than
/// [`SMALL`] `types` behind them, else on every core while the next ones are generated.
///
/// # Errors
///
/// Fails when an item's tokens are not Rust (a bug in the emitter).
pub(super) fn items(items: impl Iterator<Item = TokenStream>, types: usize) -> syn::Result<String> {
    if types < SMALL {
        return super::super::pretty(items.collect());
    }
    let helpers = thread::available_parallelism().map_or(0, |n| n.get() - 1);
    let (send, receive) = mpsc::channel::<(usize, String)>();
    let receive = Mutex::new(receive);
    let format_all = || {
        let mut formatted = Vec::new();
        loop {
            // The lock is held only to take the next item; formatting runs unlocked.
            let next = match receive.lock() {
                Ok(receive) => receive.recv(),
                Err(_) => break,
            };
            let Ok((index, text)) = next else { break };
            formatted.push((index, format(&text)));
        }
        formatted
    };
    let mut formatted = thread::scope(|scope| {
        // As deep as the thread generating them (see `crd::STACK_SIZE`); a helper that
        // cannot start leaves its share to the others.
        let workers: Vec<_> = (0..helpers)
            .filter_map(|_| {
                thread::Builder::new()
                    .stack_size(crate::crd::STACK_SIZE)
                    .spawn_scoped(scope, format_all)
                    .ok()
            })
            .collect();
        for (index, item) in items.enumerate() {
            // The receiver lives until the scope ends, so sending cannot fail.
            let _ = send.send((index, item.to_string()));
        }
        drop(send);
        let mut formatted = format_all();
        for worker in workers {
            match worker.join() {
                Ok(more) => formatted.extend(more),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        formatted
    });
    formatted.sort_unstable_by_key(|(index, _)| *index);
    formatted
        .into_iter()
        .map(|(_, text)| text.map_err(|message| syn::Error::new(Span::call_site(), message)))
        .collect()
}

/// One item's text (tokens as `TokenStream`'s `Display` writes them), as [`pretty`] formats it.
///
/// [`pretty`]: super::super::pretty
fn format(tokens: &str) -> Result<String, String> {
    let tokens: TokenStream = tokens
        .parse()
        .map_err(|e: proc_macro2::LexError| e.to_string())?;
    super::super::pretty(tokens).map_err(|e| e.to_string())
}

/// `text` as a raw string literal (`r#"..."#`): prettyplease prints a doc attribute as `///`
/// whatever the literal's form, and a raw one is neither escaped here nor unescaped there, which
/// for the long descriptions of large CRDs was a tenth of the CLI's time.
pub(super) fn raw_string(text: &str) -> Literal {
    let mut hashes = String::from("#");
    while text.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    // A text no raw string can hold (a bare carriage return) is written escaped.
    format!("r{hashes}\"{text}\"{hashes}")
        .parse()
        .unwrap_or_else(|_| Literal::string(text))
}

#[cfg(test)]
mod tests {
    use quote::{format_ident, quote};

    use super::*;

    /// Structs and a module with doc comments, raw strings and long attributes.
    fn item(i: usize) -> TokenStream {
        let name = format_ident!("Type{i}");
        let field = format_ident!("field_{i}");
        let doc = format!("Type {i}: a doc comment\nof two lines.");
        quote! {
            #[doc = #doc]
            #[derive(Clone, Debug, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
            #[serde(rename_all = "camelCase")]
            pub struct #name {
                #[serde(default, skip_serializing_if = "Option::is_none")]
                #[schemars(extend("x-kubernetes-validations" = [{"rule": "self.size() > 0"}]))]
                pub #field: Option<std::collections::BTreeMap<String, Vec<String>>>,
            }
            pub mod #field { pub const PATCH: &str = r#"{"a": "b"}"#; }
        }
    }

    #[test]
    fn every_path_formats_as_the_whole_file() {
        for count in [0, 1, SMALL - 1, SMALL, 3 * SMALL] {
            let whole = crate::emit::pretty((0..count).map(item).collect()).unwrap();
            assert_eq!(
                items((0..count).map(item), count).unwrap(),
                whole,
                "{count} items"
            );
        }
    }

    #[test]
    fn tokens_that_are_not_rust_are_an_error_on_every_path() {
        for count in [1, 3 * SMALL] {
            let broken = (0..count).map(|i| {
                if i == count / 2 {
                    quote!(struct;)
                } else {
                    item(i)
                }
            });
            assert!(items(broken, count).is_err(), "{count} items");
        }
    }

    #[test]
    fn raw_strings_have_the_text_s_value() {
        for text in [
            "",
            " plain",
            r#" a "quoted" \ path"#,
            r##" ends "#"##,
            "\u{1F600}",
            " bare\rreturn",
        ] {
            let literal = raw_string(text);
            let item: syn::ItemStruct = syn::parse2(quote!(#[doc = #literal] struct S;)).unwrap();
            let syn::Meta::NameValue(doc) = &item.attrs[0].meta else {
                panic!("{text}")
            };
            let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(lit),
                ..
            }) = &doc.value
            else {
                panic!("{text}")
            };
            assert_eq!(lit.value(), text);
        }
    }
}
