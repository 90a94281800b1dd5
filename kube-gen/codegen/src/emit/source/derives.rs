//! Which extra derives each generated type gets: kopium's `--derive` forms, never repeating a
//! derive the emitter always writes, so `--derive Clone` or `--derive JsonSchema` (which
//! kopium users pass out of habit) compile.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use crate::types::{Item, Type};

/// Which generated types an extra derive goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeriveTarget {
    /// Every type, the root (`#[kube(derive = ..)]`) included: `--derive PartialEq`.
    All,
    /// Every struct: `--derive @struct=PartialEq`.
    Structs,
    /// Every enum: `--derive @enum=PartialEq`.
    Enums,
    /// Every enum whose variants are all units: `--derive @enum:simple=Copy`. The CLI's
    /// enums always are, so this is [`Enums`](Self::Enums) under kopium's name.
    SimpleEnums,
    /// The one type of this name (the root's name reaches it through `#[kube(derive)]`):
    /// `--derive FooSpec=PartialEq`.
    Named(String),
}

/// One `--derive` value: a trait path and the types it goes on.
#[derive(Debug, Clone)]
pub struct TypeDerive {
    /// Which types.
    pub target: DeriveTarget,
    /// The derive macro's path, e.g. `PartialEq` or `typed_builder::TypedBuilder`.
    pub path: syn::Path,
}

/// Why a `--derive` value was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeriveError(String);

impl fmt::Display for DeriveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DeriveError {}

impl FromStr for TypeDerive {
    type Err = DeriveError;

    /// `Trait`, `Type=Trait`, `@struct=Trait`, `@enum=Trait` or `@enum:simple=Trait`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (target, path) = match s.split_once('=') {
            None => (DeriveTarget::All, s),
            Some(("@struct", path)) => (DeriveTarget::Structs, path),
            Some(("@enum", path)) => (DeriveTarget::Enums, path),
            Some(("@enum:simple", path)) => (DeriveTarget::SimpleEnums, path),
            Some((scope, _)) if scope.starts_with('@') => {
                return Err(DeriveError(format!(
                    "`{scope}` is not a derive scope: use @struct, @enum or @enum:simple"
                )));
            }
            Some((name, path)) => match syn::parse_str::<syn::Ident>(name) {
                Ok(_) => (DeriveTarget::Named(name.to_owned()), path),
                Err(_) => {
                    return Err(DeriveError(format!(
                        "`{name}` is not a type name (like `FooSpec`) before `=`"
                    )));
                }
            },
        };
        let path = syn::parse_str(path)
            .map_err(|_| DeriveError(format!("`{path}` is not a Rust path (like `PartialEq`)")))?;
        Ok(TypeDerive { target, path })
    }
}

/// What kind of generated type a derive is being chosen for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Root,
    Struct,
    Enum,
}

/// What the emitter derives on every type itself (`CustomResource` on the spec too).
const ALWAYS: [&str; 5] = [
    "Serialize",
    "Deserialize",
    "Clone",
    "Debug",
    "CustomResource",
];

/// The extra derives for one type: `global` (from the model) and each of `asked` that targets
/// it, in order, without duplicates and without what the emitter always derives. `JsonSchema`
/// is always derived when the schema is (`derived_schema`); otherwise it is derived where
/// asked, except on the root, whose schema `#[kube(schema)]` then says is manual or disabled.
pub(super) fn for_type(
    name: &str,
    kind: Kind,
    global: &[syn::Path],
    asked: &[TypeDerive],
    derived_schema: bool,
) -> Vec<syn::Path> {
    let targeted = asked.iter().filter(|d| match &d.target {
        DeriveTarget::All => true,
        DeriveTarget::Structs => kind == Kind::Struct,
        DeriveTarget::Enums | DeriveTarget::SimpleEnums => kind == Kind::Enum,
        DeriveTarget::Named(wanted) => wanted == name,
    });
    let mut out: Vec<syn::Path> = Vec::new();
    for path in global.iter().chain(targeted.map(|d| &d.path)) {
        let last = path.segments.last().map(|s| s.ident.to_string());
        let always = |last: &str| {
            ALWAYS.contains(&last)
                || (last == "JsonSchema" && (derived_schema || kind == Kind::Root))
        };
        if last.is_some_and(|last| always(&last)) {
            continue;
        }
        if !out.contains(path) {
            out.push(path.clone());
        }
    }
    out
}

/// kopium's `--smart-derive-elision`: drops `Default` from every struct with a field that
/// cannot default (a required date-time or `Condition`, or a generated type that does not
/// derive `Default` itself), to a fixed point, so `--derive Default` compiles on any CRD.
/// `derives` holds each generated type's list by name.
pub(super) fn elide_default(items: &[Item], derives: &mut BTreeMap<String, Vec<syn::Path>>) {
    let has_default = |derives: &BTreeMap<String, Vec<syn::Path>>, name: &str| {
        derives
            .get(name)
            .is_some_and(|list| list.iter().any(is_default))
    };
    loop {
        let mut changed = false;
        for item in items {
            let Item::Struct(s) = item else { continue };
            if !has_default(derives, &s.name) {
                continue;
            }
            let blocked = s
                .fields
                .iter()
                .filter(|f| !f.is_option())
                .any(|f| match &f.ty {
                    Type::Time | Type::Condition => true,
                    Type::Named(inner) => !has_default(derives, inner),
                    _ => false,
                });
            if blocked && let Some(list) = derives.get_mut(&s.name) {
                list.retain(|path| !is_default(path));
                changed = true;
            }
        }
        if !changed {
            return;
        }
    }
}

/// Whether `path` names the `Default` derive.
pub(super) fn is_default(path: &syn::Path) -> bool {
    path.segments.last().is_some_and(|s| s.ident == "Default")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(paths: &[syn::Path]) -> Vec<String> {
        paths
            .iter()
            .map(|p| quote::quote!(#p).to_string().replace(' ', ""))
            .collect()
    }

    fn asked(values: &[&str]) -> Vec<TypeDerive> {
        values.iter().map(|v| v.parse().unwrap()).collect()
    }

    #[test]
    fn each_form_of_kopium_reaches_the_types_it_names() {
        let asked = asked(&[
            "PartialEq",
            "@struct=Default",
            "@enum=Eq",
            "@enum:simple=Copy",
            "FooSpec=Hash",
            "Foo=typed_builder::TypedBuilder",
        ]);
        assert_eq!(
            names(&for_type("FooSpec", Kind::Struct, &[], &asked, true)),
            ["PartialEq", "Default", "Hash"]
        );
        assert_eq!(
            names(&for_type("FooMode", Kind::Enum, &[], &asked, true)),
            ["PartialEq", "Eq", "Copy"]
        );
        assert_eq!(
            names(&for_type("Foo", Kind::Root, &[], &asked, true)),
            ["PartialEq", "typed_builder::TypedBuilder"]
        );
    }

    #[test]
    fn what_the_emitter_derives_anyway_and_repeats_are_dropped() {
        let global: Vec<syn::Path> = vec![syn::parse_quote!(PartialEq)];
        let asked = asked(&[
            "Clone",
            "JsonSchema",
            "schemars::JsonSchema",
            "Debug",
            "PartialEq",
            "@struct=PartialEq",
        ]);
        assert_eq!(
            names(&for_type("FooSpec", Kind::Struct, &global, &asked, true)),
            ["PartialEq"]
        );
        // Without a derived schema, `JsonSchema` goes where asked, but never on the root.
        assert_eq!(
            names(&for_type("FooSpec", Kind::Struct, &global, &asked, false)),
            ["PartialEq", "JsonSchema", "schemars::JsonSchema"]
        );
        assert_eq!(
            names(&for_type("Foo", Kind::Root, &global, &asked, false)),
            ["PartialEq"]
        );
    }

    #[test]
    fn bad_values_say_what_is_wrong() {
        let err = |s: &str| s.parse::<TypeDerive>().unwrap_err().to_string();
        assert_eq!(
            err("@structs=PartialEq"),
            "`@structs` is not a derive scope: use @struct, @enum or @enum:simple"
        );
        assert_eq!(
            err("foo-spec=PartialEq"),
            "`foo-spec` is not a type name (like `FooSpec`) before `=`"
        );
        assert_eq!(
            err("@struct=Partial Eq"),
            "`Partial Eq` is not a Rust path (like `PartialEq`)"
        );
    }
}
