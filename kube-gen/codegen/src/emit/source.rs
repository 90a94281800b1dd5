//! Model + type IR → Rust source: spec/status types with `#[derive(CustomResource)]`, as tokens
//! formatted by prettyplease, behind a header naming the tool, its version and the inputs.

use std::collections::BTreeMap;

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;

use crate::crd::Version;
use crate::model::SchemaMode;
use crate::types::ident::{Namer, field_name};
use crate::types::{Enum, Field, Item, Struct, Type};

mod derives;
mod format;
mod kube_attrs;
mod kube_warnings;

pub use derives::{DeriveError, DeriveTarget, TypeDerive};
use derives::{Kind, elide_default, for_type, is_default};
use kube_attrs::kube_attrs;
pub use kube_warnings::kube_target_warning;

/// How the source is generated.
#[derive(Debug, Clone)]
pub struct SourceOptions {
    /// Turn schema descriptions into `///` docs.
    pub docs: bool,
    /// Extra derives beyond the model's, each on the types it targets (kopium's `--derive`
    /// forms); derives the emitter writes anyway are not repeated.
    pub derives: Vec<TypeDerive>,
    /// Drop `Default` from structs with a field that cannot default (kopium's
    /// `--smart-derive-elision`), so `Default` can be asked for on any CRD.
    pub smart_derive_elision: bool,
    /// Leave out the `use` lines (kopium's `--hide-prelude`), for code included where they
    /// already are.
    pub hide_prelude: bool,
    /// Leave out the generated types of these names (kopium's `--elide`), to be written by
    /// hand.
    pub elide: Vec<String>,
    /// The Rust map for `additionalProperties` (kopium's `--map-type`).
    pub map_type: MapType,
    /// Plain serde types: no `CustomResource` derive, no `#[kube(...)]`, so no root type
    /// (kopium's `--hide-kube`), for code that only reads or writes the spec.
    pub hide_kube: bool,
    /// Where the root's schema comes from (kopium's `--schema`): derived from the types
    /// (the default), or `#[kube(schema = "manual")]`/`"disabled"`, where the generated types
    /// derive no `JsonSchema` and carry no `#[schemars]` attributes unless `-D JsonSchema`
    /// asks for them.
    pub schema: SchemaMode,
    /// `#[derive(TypedBuilder)]` on every struct (kopium's `--builders`): the typed-builder
    /// crate, with optional and defaulted fields left out of what must be set.
    pub builders: bool,
    /// The derive the output is written for.
    pub target: Target,
}

/// The crate whose `CustomResource` derive the generated spec uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Target {
    /// kube-gen's: the CRD is the input's exactly (`schema_patch`, `version_patch`), and the
    /// root gets kube-gen's facades when asked.
    #[default]
    KubeGen,
    /// kube-derive's (kube's `derive` feature): the output needs only kube, k8s-openapi,
    /// serde, serde_json and schemars, as kopium's does; what kube-derive cannot express is
    /// left out (see the README's "`--target kube`").
    Kube,
}

/// The Rust map generated for a schema's `additionalProperties`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MapType {
    /// `std::collections::BTreeMap`: sorted keys, so output and diffs are stable.
    #[default]
    BTreeMap,
    /// `std::collections::HashMap`.
    HashMap,
}

impl MapType {
    fn ident(self) -> proc_macro2::Ident {
        match self {
            MapType::BTreeMap => format_ident!("BTreeMap"),
            MapType::HashMap => format_ident!("HashMap"),
        }
    }
}

impl Default for SourceOptions {
    fn default() -> Self {
        Self {
            docs: true,
            derives: Vec::new(),
            smart_derive_elision: false,
            hide_prelude: false,
            elide: Vec::new(),
            map_type: MapType::BTreeMap,
            hide_kube: false,
            schema: SchemaMode::Derived,
            builders: false,
            target: Target::KubeGen,
        }
    }
}

/// One file: everything in `versions`, flat for one version, else a `pub mod` per version.
///
/// # Errors
///
/// Fails only when the generated tokens are not a Rust file (a bug in the emitter).
pub fn single_file(versions: &[Version], options: &SourceOptions) -> syn::Result<String> {
    let text = match versions {
        [version] => format::items(items(version, options), version.types.items.len())?,
        _ => format::items(
            module_names(versions)
                .iter()
                .zip(versions)
                .map(|(name, version)| {
                    let name = format_ident!("{name}");
                    let items = items(version, options);
                    quote!(pub mod #name { #(#items)* })
                }),
            versions.iter().map(|v| v.types.items.len()).sum(),
        )?,
    };
    Ok(header(versions, options) + &text)
}

/// A file per version (`foo_v1alpha1.rs`) and a `mod.rs` declaring them, as (name, text).
///
/// # Errors
///
/// Fails only when the generated tokens are not a Rust file (a bug in the emitter).
pub fn module_files(
    versions: &[Version],
    options: &SourceOptions,
) -> syn::Result<Vec<(String, String)>> {
    let names = module_names(versions);
    let mut files = Vec::new();
    for (name, version) in names.iter().zip(versions) {
        let text = header(std::slice::from_ref(version), options)
            + &format::items(items(version, options), version.types.items.len())?;
        files.push((format!("{name}.rs"), text));
    }
    let mods = names.iter().map(|name| format_ident!("{name}"));
    let mod_rs = header(versions, options) + &super::pretty(quote!(#(pub mod #mods;)*))?;
    files.push(("mod.rs".to_owned(), mod_rs));
    Ok(files)
}

/// `foo_v1alpha1` for each version, unique (the same kind may come from two groups).
fn module_names(versions: &[Version]) -> Vec<String> {
    let mut namer = Namer::default();
    versions
        .iter()
        .map(|v| {
            let names = &v.resource.names;
            namer.unique(&field_name(&format!("{}_{}", names.kind, names.version)))
        })
        .collect()
}

/// `// Generated by kube-gen <version> from <inputs>; do not edit.` and what it needs.
fn header(versions: &[Version], options: &SourceOptions) -> String {
    let mut inputs: Vec<&str> = Vec::new();
    for version in versions {
        if !inputs.contains(&version.file.as_str()) {
            inputs.push(&version.file);
        }
    }
    let resources: Vec<String> = versions
        .iter()
        .map(|v| {
            format!(
                "{} {}",
                v.resource.names.crd_name(),
                v.resource.names.version
            )
        })
        .collect();
    let builder = if options.builders {
        ", typed-builder"
    } else {
        ""
    };
    let derive = match options.target {
        Target::KubeGen => "kube-gen",
        Target::Kube => "kube (feature `derive`)",
    };
    format!(
        "// Generated by kube-gen {} from {} ({}); do not edit.\n\
         // Needs the crates {derive}, serde, serde_json, schemars 1{builder} and k8s-openapi.\n\n",
        env!("CARGO_PKG_VERSION"),
        inputs.join(", "),
        resources.join(", "),
    )
}

/// The imports and types of one version, an item at a time (the imports are one).
fn items<'a>(
    version: &'a Version,
    options: &'a SourceOptions,
) -> impl Iterator<Item = TokenStream> + 'a {
    let types = &version.types;
    let resource = &version.resource;
    let (derives, root) = derives_of(version, options);
    let schema_import = options.schema == SchemaMode::Derived
        || derives.values().flatten().any(|d| d.is_ident("JsonSchema"));
    let uses = if options.hide_prelude {
        Vec::new()
    } else {
        uses(types, options, schema_import)
    };
    let shown = |item: &&Item| !options.elide.iter().any(|name| name == item.name());
    let items = types
        .items
        .iter()
        .filter(shown)
        .map(move |item| match item {
            Item::Struct(s) if s.name == types.spec && !options.hide_kube => {
                let kube = kube_attrs(resource, &root, options.schema, options.target);
                struct_item(s, quote!(CustomResource,), kube, &derives[&s.name], options)
            }
            Item::Struct(s) => struct_item(s, quote!(), quote!(), &derives[&s.name], options),
            Item::Enum(e) => enum_item(e, &derives[&e.name], options),
        });
    std::iter::once(quote!(#(#uses)*)).chain(items)
}

/// The `use` lines the types of `types` need.
fn uses(types: &crate::types::TypeSet, options: &SourceOptions, schema: bool) -> Vec<TokenStream> {
    let mut uses = Vec::new();
    if !options.hide_kube {
        uses.push(match options.target {
            Target::KubeGen => quote!(
                use kube_gen::CustomResource;
            ),
            Target::Kube => quote!(
                use kube::CustomResource;
            ),
        });
    }
    if schema {
        uses.push(quote!(
            use schemars::JsonSchema;
        ));
    }
    uses.push(quote!(
        use serde::{Deserialize, Serialize};
    ));
    if options.builders {
        uses.push(quote!(
            use typed_builder::TypedBuilder;
        ));
    }
    // Maps of `additionalProperties` are the chosen map; unknown fields kept by
    // `#[serde(flatten)]` are always a BTreeMap.
    let extra = types
        .items
        .iter()
        .any(|i| matches!(i, Item::Struct(s) if s.extra_fields.is_some()));
    let mut imported: Vec<proc_macro2::Ident> = Vec::new();
    if extra {
        imported.push(format_ident!("BTreeMap"));
    }
    if types.fields_use_map() && !imported.contains(&options.map_type.ident()) {
        imported.push(options.map_type.ident());
    }
    for map in imported {
        uses.push(quote!(use std::collections::#map;));
    }
    let meta = [(Type::Condition, "Condition"), (Type::Time, "Time")]
        .into_iter()
        .filter(|(t, _)| types.uses(t))
        .map(|(_, name)| format_ident!("{name}"))
        .collect::<Vec<_>>();
    if !meta.is_empty() {
        uses.push(quote!(use k8s_openapi::apimachinery::pkg::apis::meta::v1::{#(#meta),*};));
    }
    if types.uses(&Type::ObjectReference) {
        uses.push(quote!(
            use k8s_openapi::api::core::v1::ObjectReference;
        ));
    }
    if types.uses(&Type::IntOrString) {
        uses.push(quote!(
            use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
        ));
    }
    uses
}

/// The extra derives of every generated type by name, and the root's.
fn derives_of(
    version: &Version,
    options: &SourceOptions,
) -> (BTreeMap<String, Vec<syn::Path>>, Vec<syn::Path>) {
    let (types, resource) = (&version.types, &version.resource);
    let derived_schema = options.schema == SchemaMode::Derived;
    let derives_for = |name: &str, kind| {
        for_type(
            name,
            kind,
            &resource.derives,
            &options.derives,
            derived_schema,
        )
    };
    let mut derives: BTreeMap<String, Vec<syn::Path>> = types
        .items
        .iter()
        .map(|item| match item {
            Item::Struct(s) => (s.name.clone(), derives_for(&s.name, Kind::Struct)),
            Item::Enum(e) => (e.name.clone(), derives_for(&e.name, Kind::Enum)),
        })
        .collect();
    let mut root = derives_for(&resource.root().to_string(), Kind::Root);
    if options.smart_derive_elision {
        elide_default(&types.items, &mut derives);
        let spec_defaults = derives
            .get(&types.spec)
            .is_some_and(|d| d.iter().any(is_default));
        if !spec_defaults {
            // The root derives Default only over a spec that does.
            root.retain(|path| !is_default(path));
        }
    }
    (derives, root)
}

fn struct_item(
    s: &Struct,
    first_derive: TokenStream,
    kube: TokenStream,
    derives: &[syn::Path],
    options: &SourceOptions,
) -> TokenStream {
    let name = format_ident!("{}", s.name);
    let schema = Schema::of(derives, options);
    let (docs, description) = docs(s.doc.as_deref(), options, schema);
    let fields = s.fields.iter().map(|f| field(f, options, schema));
    let extend = s
        .extend
        .iter()
        .filter(|_| schema.attrs)
        .map(|(key, value)| {
            let value = json_tokens(value);
            quote!(#[schemars(extend(#key = #value))])
        });
    let builder_default = options.builders.then(|| quote!(#[builder(default)]));
    let extra = s.extra_fields.as_ref().map(|extra| {
        let extra = format_ident!("{extra}");
        quote! {
            /// Fields the schema does not declare, kept as they are.
            #[serde(flatten)]
            #builder_default
            pub #extra: BTreeMap<String, serde_json::Value>,
        }
    });
    let json_schema = schema.derive.then(|| quote!(, JsonSchema));
    let builder = options.builders.then(|| quote!(, TypedBuilder));
    quote! {
        #docs
        #[derive(#first_derive Serialize, Deserialize, Clone, Debug #json_schema #builder #(, #derives)*)]
        #description
        #(#extend)*
        #kube
        pub struct #name {
            #(#fields)*
            #extra
        }
    }
}

fn field(f: &Field, options: &SourceOptions, schema: Schema) -> TokenStream {
    let name = format_ident!("{}", f.name);
    let json = &f.json_name;
    let (docs, description) = docs(f.doc.as_deref(), options, schema);
    let rename = (f.name != f.json_name).then(|| quote!(#[serde(rename = #json)]));
    let inner = ty(&f.ty, options.map_type);
    let mut schemars = Vec::new();
    // What a builder may leave unset: optional and defaulted fields.
    let mut builder = None;
    let (serde, ty) = if f.is_option() && f.required {
        // Required but nullable (rook's `dataPools`): always written, `null` when `None`.
        schemars.push(quote!(required));
        (quote!(), quote!(Option<#inner>))
    } else if f.is_option() {
        let serde = quote!(#[serde(default, skip_serializing_if = "Option::is_none")]);
        builder = Some(quote!(#[builder(default, setter(strip_option))]));
        if options.target == Target::Kube {
            // kube-derive makes every `Option` `nullable: true` (and adds `null` to an enum's
            // values); the schema of the inner type is the input's. Still not required:
            // `#[serde(default)]`.
            let with = inner.to_string();
            schemars.push(quote!(with = #with));
            if f.ty == Type::IntOrString && !f.nullable {
                // ... and every optional int-or-string property `nullable: true` unless it
                // says otherwise; `false` is what the apiserver stores as absent
                schemars.push(quote!(extend("nullable" = false)));
            }
        }
        (serde, quote!(Option<#inner>))
    } else {
        (quote!(), inner)
    };
    let builder = builder.filter(|_| options.builders);
    let c = &f.constraints;
    if c.min_length.is_some() || c.max_length.is_some() {
        let bounds = bounds(
            c.min_length.map(|n| n as f64),
            c.max_length.map(|n| n as f64),
        );
        schemars.push(quote!(length(#bounds)));
    }
    if c.minimum.is_some() || c.maximum.is_some() {
        let bounds = bounds(c.minimum, c.maximum);
        schemars.push(quote!(range(#bounds)));
    }
    if let Some(pattern) = &c.pattern {
        schemars.push(quote!(regex(pattern = #pattern)));
    }
    for (key, value) in &f.extend {
        let value = json_tokens(value);
        schemars.push(quote!(extend(#key = #value)));
    }
    if !schema.attrs {
        schemars.clear();
    }
    quote! {
        #docs
        #rename
        #serde
        #builder
        #(#[schemars(#schemars)])*
        #description
        pub #name: #ty,
    }
}

/// `min = a, max = b` with integer literals where the bound is integral; `i64`-suffixed
/// beyond `i32` (schemars turns the literal into a JSON value, and an unsuffixed literal
/// would be an `i32`: `4294967295` on istio's and rook's `uint32` fields overflowed).
fn bounds(min: Option<f64>, max: Option<f64>) -> TokenStream {
    let lit = |n: f64| {
        if n.fract() == 0.0 && n.abs() <= f64::from(i32::MAX) {
            Literal::i64_unsuffixed(n as i64)
        } else if n.fract() == 0.0 && n.abs() < 9.0e15 {
            Literal::i64_suffixed(n as i64)
        } else {
            Literal::f64_unsuffixed(n)
        }
    };
    let min = min.map(|n| {
        let n = lit(n);
        quote!(min = #n)
    });
    let max = max.map(|n| {
        let n = lit(n);
        quote!(max = #n)
    });
    let all = min.into_iter().chain(max);
    quote!(#(#all),*)
}

fn enum_item(e: &Enum, derives: &[syn::Path], options: &SourceOptions) -> TokenStream {
    let name = format_ident!("{}", e.name);
    let schema = Schema::of(derives, options);
    let (docs, description) = docs(e.doc.as_deref(), options, schema);
    let json_schema = schema.derive.then(|| quote!(, JsonSchema));
    let wants_default = derives
        .iter()
        .any(|d| d.segments.last().is_some_and(|s| s.ident == "Default"));
    let variants = e.variants.iter().enumerate().map(|(i, v)| {
        let ident = format_ident!("{}", v.name);
        let value = &v.value;
        let rename = (v.name != v.value).then(|| quote!(#[serde(rename = #value)]));
        let default = (wants_default && i == 0).then(|| quote!(#[default]));
        quote!(#default #rename #ident)
    });
    quote! {
        #docs
        #[derive(Serialize, Deserialize, Clone, Debug #json_schema #(, #derives)*)]
        #description
        pub enum #name {
            #(#variants),*
        }
    }
}

/// How a generated type takes part in the schema.
#[derive(Debug, Clone, Copy)]
struct Schema {
    /// The emitter writes `JsonSchema` in the type's derive list.
    derive: bool,
    /// The type derives `JsonSchema` one way or another, so `#[schemars]` attributes are
    /// understood (without it they would not compile).
    attrs: bool,
}

impl Schema {
    /// For a type with the extra `derives`.
    fn of(derives: &[syn::Path], options: &SourceOptions) -> Self {
        let derived = options.schema == SchemaMode::Derived;
        let asked = derives
            .iter()
            .any(|d| d.segments.last().is_some_and(|s| s.ident == "JsonSchema"));
        Self {
            derive: derived,
            attrs: derived || asked,
        }
    }
}

/// The tokens of a type.
fn ty(t: &Type, map: MapType) -> TokenStream {
    match t {
        Type::Bool => quote!(bool),
        Type::I32 => quote!(i32),
        Type::I64 => quote!(i64),
        Type::F64 => quote!(f64),
        Type::String => quote!(String),
        Type::Time => quote!(Time),
        Type::IntOrString => quote!(IntOrString),
        Type::Json => quote!(serde_json::Value),
        Type::Condition => quote!(Condition),
        Type::ObjectReference => quote!(ObjectReference),
        Type::Named(name) => {
            let name = format_ident!("{name}");
            quote!(#name)
        }
        Type::Vec(inner) => {
            let inner = ty(inner, map);
            quote!(Vec<#inner>)
        }
        Type::Map(inner) => {
            let inner = ty(inner, map);
            let map = map.ident();
            quote!(#map<String, #inner>)
        }
    }
}

/// A JSON value as `json!` input, for `#[schemars(extend(...))]`.
fn json_tokens(value: &Value) -> TokenStream {
    match value {
        Value::Null => quote!(null),
        Value::Bool(b) => quote!(#b),
        Value::Number(n) => n.to_string().parse().unwrap_or_else(|_| quote!(null)),
        Value::String(s) => quote!(#s),
        Value::Array(items) => {
            let items = items.iter().map(json_tokens);
            quote!([#(#items),*])
        }
        Value::Object(map) => {
            let entries = map.iter().map(|(k, v)| {
                let v = json_tokens(v);
                quote!(#k: #v)
            });
            quote!({#(#entries),*})
        }
    }
}

/// `///` lines for a description, and `#[schemars(description)]` when the docs had to be
/// escaped, so the schema keeps the original text (it goes after the derive).
fn docs(
    description: Option<&str>,
    options: &SourceOptions,
    schema: Schema,
) -> (TokenStream, TokenStream) {
    let Some(description) = description else {
        return (quote!(), quote!());
    };
    let exact = || {
        schema
            .attrs
            .then(|| quote!(#[schemars(description = #description)]))
    };
    if !options.docs {
        // no rustdoc, but the schema keeps its descriptions
        let exact = exact();
        return (quote!(), quote!(#exact));
    }
    let text = super::docs::doc_text(description);
    let lines = text.lines().map(|line| match line {
        "" => Literal::string(""),
        line => format::raw_string(&format!(" {line}")),
    });
    // schemars joins the lines, each without its first space, and trims the whole
    let from_docs = text.trim_ascii();
    let keep = (from_docs != description).then(exact).flatten();
    (quote!(#(#[doc = #lines])*), quote!(#keep))
}
