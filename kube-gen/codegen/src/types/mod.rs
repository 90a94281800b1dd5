//! The Rust type IR of a CRD schema: structs, enums and typed fields, built from OpenAPI v3.
//!
//! [`build`] walks one version's `openAPIV3Schema` and returns a [`TypeSet`]: the spec struct,
//! the optional status struct and every nested struct and string enum, named after their
//! parents (`FooSpec` → `FooSpecTemplate`) and made unique in a deterministic order. Field
//! names are valid snake_case Rust identifiers; whenever that differs from the JSON name the
//! field carries the original for `#[serde(rename)]`. Nothing here is a string of Rust code:
//! [`Type`] is a tree the emitter turns into tokens.

mod build;
pub mod ident;
mod inner;
mod k8s;

use serde_json::Value;

pub use build::{BuildOptions, SchemaError, build};

/// Every type generated for one version of a resource, in emission order.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeSet {
    /// The spec struct (`FooSpec`).
    pub spec: String,
    /// The status struct (`FooStatus`), when the schema has a status and it is wanted.
    pub status: Option<String>,
    /// The schema has no `spec`: [`spec`](Self::spec) names the struct of the fields at the
    /// root (`FooFields`), emitted with `#[kube(root_fields)]`.
    pub root_fields: bool,
    /// Every struct and enum, the spec first, in depth-first order of the schema.
    pub items: Vec<Item>,
    /// Nodes without a Rust mapping that `relaxed` turned into `serde_json::Value`.
    pub warnings: Vec<SchemaError>,
}

/// One generated type.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// A struct for an object schema with properties.
    Struct(Struct),
    /// A unit-only enum for a string schema with `enum` values.
    Enum(Enum),
}

impl Item {
    /// The type's Rust name.
    pub fn name(&self) -> &str {
        match self {
            Item::Struct(s) => &s.name,
            Item::Enum(e) => &e.name,
        }
    }
}

/// A struct for an object schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Struct {
    /// Rust name, UpperCamelCase and unique in the set.
    pub name: String,
    /// The schema's `description`.
    pub doc: Option<String>,
    /// The properties, sorted by JSON name.
    pub fields: Vec<Field>,
    /// `x-kubernetes-preserve-unknown-fields` next to properties: unknown fields are kept in a
    /// flattened `BTreeMap<String, serde_json::Value>` named by this field.
    pub extra_fields: Option<String>,
    /// Keywords of the object schema itself kept verbatim through a container-level
    /// `#[schemars(extend(...))]`: CEL rules and `x-kubernetes-map-type`, which then follow the
    /// struct wherever it is used (as `spec`, a field, or the items of an array).
    pub extend: Vec<(String, Value)>,
}

/// One property of a struct.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Rust name, a valid snake_case identifier, unique in the struct.
    pub name: String,
    /// The JSON name; the field gets `#[serde(rename)]` when it differs from `name`.
    pub json_name: String,
    /// The value type, without the `Option` of an optional field.
    pub ty: Type,
    /// The schema's `description`.
    pub doc: Option<String>,
    /// Listed in the parent's `required`.
    pub required: bool,
    /// `nullable: true`.
    pub nullable: bool,
    /// Validation keywords the schema generator can reproduce.
    pub constraints: Constraints,
    /// Schema keywords kept verbatim through `#[schemars(extend(...))]`.
    pub extend: Vec<(String, Value)>,
}

impl Field {
    /// Whether the field is an `Option` (not required, or nullable).
    pub fn is_option(&self) -> bool {
        self.nullable || !self.required
    }
}

/// `minLength`/`maxLength` (or `minItems`/`maxItems`), `minimum`/`maximum` and `pattern`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Constraints {
    /// `minLength` of a string or `minItems` of an array.
    pub min_length: Option<i64>,
    /// `maxLength` of a string or `maxItems` of an array.
    pub max_length: Option<i64>,
    /// `minimum` of a number.
    pub minimum: Option<f64>,
    /// `maximum` of a number.
    pub maximum: Option<f64>,
    /// `pattern` of a string.
    pub pattern: Option<String>,
}

/// A unit-only enum for a string schema with `enum` values.
#[derive(Debug, Clone, PartialEq)]
pub struct Enum {
    /// Rust name, UpperCamelCase and unique in the set.
    pub name: String,
    /// The schema's `description`.
    pub doc: Option<String>,
    /// The variants in the schema's order.
    pub variants: Vec<Variant>,
}

/// One enum variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    /// Rust name, UpperCamelCase and unique in the enum.
    pub name: String,
    /// The JSON string; the variant gets `#[serde(rename)]` when it differs from `name`.
    pub value: String,
}

/// The type of a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Type {
    /// `bool`.
    Bool,
    /// `i32` (`format: int32`).
    I32,
    /// `i64` (`format: int64` or no format).
    I64,
    /// `f64`.
    F64,
    /// `String` (also `format: byte`, which stays base64 text).
    String,
    /// k8s-openapi's `Time` (`format: date-time`).
    Time,
    /// k8s-openapi's `IntOrString` (`x-kubernetes-int-or-string`).
    IntOrString,
    /// `serde_json::Value` (`x-kubernetes-preserve-unknown-fields` without properties).
    Json,
    /// k8s-openapi's `Condition`, for arrays of the standard condition shape.
    Condition,
    /// k8s-openapi's `ObjectReference`, for objects of exactly its shape.
    ObjectReference,
    /// A generated struct or enum of the set.
    Named(String),
    /// `Vec<T>`.
    Vec(Box<Type>),
    /// `BTreeMap<String, T>` (`additionalProperties`).
    Map(Box<Type>),
}

impl Type {
    /// Whether `self` or a type inside it is `t`.
    pub fn mentions(&self, t: &Type) -> bool {
        self == t
            || match self {
                Type::Vec(inner) | Type::Map(inner) => inner.mentions(t),
                _ => false,
            }
    }

    /// Whether this is a map at the outermost level or inside a `Vec`.
    pub fn mentions_map(&self) -> bool {
        match self {
            Type::Map(_) => true,
            Type::Vec(inner) => inner.mentions_map(),
            _ => false,
        }
    }
}

impl TypeSet {
    /// Whether any field has type `t` (or contains it).
    pub fn uses(&self, t: &Type) -> bool {
        self.fields().any(|f| f.ty.mentions(t))
    }

    /// Whether any field's type is a map, or holds one.
    pub fn fields_use_map(&self) -> bool {
        self.fields().any(|f| f.ty.mentions_map())
    }

    /// Whether any field is a map (see [`fields_use_map`](Self::fields_use_map)) or a struct
    /// keeps unknown fields in one.
    pub fn uses_map(&self) -> bool {
        self.fields().any(|f| f.ty.mentions_map())
            || self
                .items
                .iter()
                .any(|i| matches!(i, Item::Struct(s) if s.extra_fields.is_some()))
    }

    fn fields(&self) -> impl Iterator<Item = &Field> {
        self.items.iter().flat_map(|item| match item {
            Item::Struct(s) => s.fields.as_slice(),
            Item::Enum(_) => &[],
        })
    }
}
