//! The one table of `#[kube(...)]` keys: a darling struct whose fields are the keys. darling
//! parses them, reports unknown keys with "did you mean", duplicates and bad values, each on its
//! own span; `with = ...` on a field says how its value is read and checked. The rustdoc of
//! `CustomResource` lists the same keys (a test below compares them).

use darling::FromDeriveInput;
use syn::{LitStr, Meta, Path, Type};

use crate::nested;
use crate::values::{self, Spanned, checked, flag, string};
use kube_gen_codegen::check;
use kube_gen_codegen::model::{CrateOverrides, PrintColumn, Rule, Scale, SchemaMode};

/// Everything `#[kube(...)]` says; keys marked as aliases are our older names for
/// kube-derive's.
#[derive(Debug, FromDeriveInput)]
#[darling(attributes(kube))]
pub(crate) struct KubeAttrs {
    /// API group.
    #[darling(default, with = |m| checked(m, "\"example.com\"", check::group).map(Some))]
    pub(crate) group: Option<LitStr>,
    /// API version.
    #[darling(default, with = |m| checked(m, "\"v1\"", check::version).map(Some))]
    pub(crate) version: Option<LitStr>,
    /// Kind; also the root type's name unless `root` says otherwise.
    #[darling(default, with = |m| checked(m, "\"Foo\"", check::kind).map(Some))]
    pub(crate) kind: Option<LitStr>,
    /// The root type's name (kube-derive's key).
    #[darling(default, with = |m| checked(m, "\"Foo\"", check::root).map(Some))]
    pub(crate) root: Option<LitStr>,
    /// Alias of `root` (our older name).
    #[darling(default, rename = "struct", with = |m| checked(m, "\"Foo\"", check::root).map(Some))]
    pub(crate) struct_: Option<LitStr>,
    #[darling(default, with = |m| checked(m, "\"foos\"", check::plural).map(Some))]
    pub(crate) plural: Option<LitStr>,
    #[darling(default, with = |m| checked(m, "\"foo\"", check::singular).map(Some))]
    pub(crate) singular: Option<LitStr>,
    #[darling(multiple, rename = "shortname", with = |m| checked(m, "\"fo\"", check::short_name))]
    pub(crate) shortnames: Vec<LitStr>,
    #[darling(multiple, rename = "category", with = |m| checked(m, "\"all\"", check::category))]
    pub(crate) categories: Vec<LitStr>,
    #[darling(default, with = |m| flag(m).map(Some))]
    pub(crate) namespaced: Option<Spanned<bool>>,
    /// The spec's fields at the top level of the object (kube-derive's key).
    #[darling(default, with = |m| flag(m).map(Some))]
    pub(crate) no_spec: Option<Spanned<bool>>,
    /// Alias of `no_spec` (our older name).
    #[darling(default, with = |m| flag(m).map(Some))]
    pub(crate) root_fields: Option<Spanned<bool>>,
    #[darling(default, with = |m| values::status(m).map(Some))]
    pub(crate) status: Option<Type>,
    #[darling(default, with = |m| spanned(m, nested::scale).map(Some))]
    pub(crate) scale: Option<Spanned<Scale>>,
    #[darling(multiple, rename = "printcolumn", with = nested::print_column)]
    pub(crate) printcolumns: Vec<PrintColumn>,
    #[darling(multiple, rename = "selectable", with = |m| checked(m, "\".spec.color\"", check::json_path))]
    pub(crate) selectable: Vec<LitStr>,
    #[darling(multiple, rename = "validation", with = nested::validation)]
    pub(crate) validations: Vec<Rule>,
    #[darling(default, with = |m| spanned(m, values::schema_mode).map(Some))]
    pub(crate) schema: Option<Spanned<SchemaMode>>,
    #[darling(default, with = |m| flag(m).map(Some))]
    pub(crate) served: Option<Spanned<bool>>,
    #[darling(default, with = |m| flag(m).map(Some))]
    pub(crate) storage: Option<Spanned<bool>>,
    #[darling(default, with = |m| values::deprecated(m).map(Some))]
    pub(crate) deprecated: Option<Option<String>>,
    #[darling(multiple, rename = "label", with = values::pair)]
    pub(crate) labels: Vec<(LitStr, LitStr)>,
    #[darling(multiple, rename = "annotation", with = values::pair)]
    pub(crate) annotations: Vec<(LitStr, LitStr)>,
    #[darling(multiple, rename = "derive", with = values::derive)]
    pub(crate) derives: Vec<Path>,
    #[darling(multiple, rename = "attr", with = values::attr)]
    pub(crate) root_attrs: Vec<Meta>,
    #[darling(default, with = |m| string(m, "\"A Foo.\"").map(Some))]
    pub(crate) doc: Option<LitStr>,
    /// A JSON merge patch applied to the root schema (ours; what the CLI writes).
    #[darling(default, with = |m| values::json_object(m).map(Some))]
    pub(crate) schema_patch: Option<LitStr>,
    /// A JSON merge patch applied to the CRD version (ours; what the CLI writes).
    #[darling(default, with = |m| values::json_object(m).map(Some))]
    pub(crate) version_patch: Option<LitStr>,
    #[darling(default, with = |m| nested::crates(m).map(Some))]
    pub(crate) crates: Option<CrateOverrides>,
    /// Client-side CEL validation methods (kube's `cel` feature).
    #[darling(default, with = |m| flag(m).map(Some))]
    pub(crate) cel: Option<Spanned<bool>>,
    /// The typed facades `FooClient`, `FooLister`, `FooInformer` (ours; off by default).
    #[darling(default, with = |m| flag(m).map(Some))]
    pub(crate) facades: Option<Spanned<bool>>,
}

/// `parse(meta)` with the span of the key.
fn spanned<T>(meta: &Meta, parse: fn(&Meta) -> darling::Result<T>) -> darling::Result<Spanned<T>> {
    let span = syn::spanned::Spanned::span(meta.path());
    parse(meta).map(|value| Spanned { span, value })
}

impl KubeAttrs {
    /// The root type's name as written: `root`, its alias `struct`, else the kind.
    pub(crate) fn root_or_kind(&self) -> Option<&LitStr> {
        self.root
            .as_ref()
            .or(self.struct_.as_ref())
            .or(self.kind.as_ref())
    }

    /// `no_spec` or its alias `root_fields`.
    pub(crate) fn no_spec(&self) -> Option<&Spanned<bool>> {
        self.no_spec.as_ref().or(self.root_fields.as_ref())
    }
}

/// What the fallback root type needs, read leniently (unknown keys and values of any kind are
/// let through) when [`KubeAttrs`] reported errors.
#[derive(Debug, FromDeriveInput)]
#[darling(attributes(kube), allow_unknown_fields)]
pub(crate) struct Identity {
    #[darling(default, with = lenient)]
    pub(crate) group: Option<syn::Expr>,
    #[darling(default, with = lenient)]
    pub(crate) version: Option<syn::Expr>,
    #[darling(default, with = lenient)]
    pub(crate) kind: Option<syn::Expr>,
    #[darling(default, with = lenient)]
    pub(crate) root: Option<syn::Expr>,
    #[darling(default, rename = "struct", with = lenient)]
    pub(crate) struct_: Option<syn::Expr>,
    #[darling(default, with = lenient)]
    pub(crate) status: Option<syn::Expr>,
}

fn lenient(meta: &Meta) -> darling::Result<Option<syn::Expr>> {
    Ok(match meta {
        Meta::NameValue(nv) => Some(nv.value.clone()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::{DeriveInput, parse_quote};

    fn errors(input: DeriveInput) -> String {
        syn::Error::from(KubeAttrs::from_derive_input(&input).unwrap_err())
            .into_iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn kube_derive_keys_and_our_aliases_parse() {
        let input: DeriveInput = parse_quote! {
            #[kube(group = "clux.dev", version = "v1", kind = "Foo", root = "FooCrd", no_spec)]
            #[kube(struct = "Other", root_fields, served, storage = false, facades, cel)]
            #[kube(crates(kube_core = "::kube::core", serde_json = ::serde_json, std = "::std"))]
            #[kube(attr = "allow(deprecated)", validation = Rule::new("self.x").message("m"))]
            #[kube(printcolumn = r#"{"name":"Spec", "type":"string", "jsonPath":".spec.name"}"#)]
            struct FooSpec { x: i32 }
        };
        let attrs = KubeAttrs::from_derive_input(&input).unwrap();
        assert_eq!(attrs.root.unwrap().value(), "FooCrd");
        assert_eq!(attrs.struct_.unwrap().value(), "Other");
        assert!(attrs.no_spec.unwrap().value && attrs.root_fields.unwrap().value);
        assert!(attrs.served.unwrap().value && !attrs.storage.unwrap().value);
        assert_eq!(attrs.root_attrs, [parse_quote!(allow(deprecated))]);
        assert_eq!(attrs.printcolumns[0].json_path, ".spec.name");
        let crates = attrs.crates.unwrap();
        assert_eq!(crates.kube_core, Some(parse_quote!(::kube::core)));
    }

    #[test]
    fn every_bad_key_is_reported_at_once_with_suggestions() {
        let message = errors(parse_quote! {
            #[kube(group = "example", version = "v1", kind = "Foo", shortnames = "fo")]
            #[kube(namespace, printcolumn(name = "A", type_ = "int", json_path = ".a"))]
            struct FooSpec { x: i32 }
        });
        let lines: Vec<_> = message.lines().collect();
        assert_eq!(lines.len(), 4, "{message}");
        assert!(
            lines[0].starts_with("group `example` must be a domain"),
            "{message}"
        );
        assert!(message.contains("Did you mean `shortname`?"), "{message}");
        assert!(message.contains("Did you mean `namespaced`?"), "{message}");
        assert!(message.contains("unknown column type `int`"), "{message}");
    }

    /// The keys darling accepts, read from this file's `KubeAttrs`: field names or `rename`s.
    fn accepted_keys() -> Vec<String> {
        let file = syn::parse_file(include_str!("attrs.rs")).unwrap();
        let attrs = file
            .items
            .iter()
            .find_map(|item| match item {
                syn::Item::Struct(s) if s.ident == "KubeAttrs" => Some(s),
                _ => None,
            })
            .unwrap();
        attrs
            .fields
            .iter()
            .map(|field| {
                let mut key = field.ident.as_ref().unwrap().to_string();
                for attr in field.attrs.iter().filter(|a| a.path().is_ident("darling")) {
                    let _ = attr.parse_nested_meta(|meta| {
                        if meta.path.is_ident("rename") {
                            key = meta.value()?.parse::<LitStr>()?.value();
                        } else if meta.input.peek(syn::Token![=]) {
                            meta.value()?.parse::<syn::Expr>()?;
                        }
                        Ok(())
                    });
                }
                key
            })
            .collect()
    }

    /// The keys in the attribute tables of `CustomResource`'s rustdoc: the first word of each
    /// row's first column.
    fn documented_keys() -> Vec<String> {
        let docs = include_str!("lib.rs");
        let start = docs.find("/// # Required attributes").unwrap();
        let end = docs.find("/// Every attribute at once").unwrap();
        docs[start..end]
            .lines()
            .filter_map(|line| line.strip_prefix("/// | `"))
            .map(|cell| {
                cell.chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect()
            })
            .collect()
    }

    #[test]
    fn the_rustdoc_tables_list_exactly_the_accepted_keys() {
        let (mut accepted, mut documented) = (accepted_keys(), documented_keys());
        accepted.sort();
        documented.sort();
        documented.dedup();
        assert_eq!(accepted, documented);
    }
}
