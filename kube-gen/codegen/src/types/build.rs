//! OpenAPI v3 schema (k8s-openapi's `JSONSchemaProps`) → [`TypeSet`], collecting every error.

use std::collections::BTreeSet;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    JSONSchemaProps, JSONSchemaPropsOrArray, JSONSchemaPropsOrBool,
};
use serde_json::Value;

use super::ident::{Namer, field_name, nested_type_name, type_name};
use super::{Constraints, Enum, Field, Item, Struct, Type, TypeSet, Variant};
use super::{inner, k8s};

/// Names a generated type must never take: the root type and what the generated file imports.
const RESERVED: &[&str] = &[
    "CustomResource",
    "Serialize",
    "Deserialize",
    "JsonSchema",
    "BTreeMap",
    "Condition",
    "Time",
    "IntOrString",
    "ObjectReference",
    "Option",
    "Vec",
    "String",
    "Box",
    "Result",
    "Default",
    "Value",
];

const PRESERVE: &str = "x-kubernetes-preserve-unknown-fields";

/// The properties of the standard `metav1.Condition` and the ones it requires.
const CONDITION_PROPERTIES: &[&str] = &[
    "lastTransitionTime",
    "message",
    "observedGeneration",
    "reason",
    "status",
    "type",
];
const CONDITION_REQUIRED: &[&str] = &["lastTransitionTime", "message", "reason", "status", "type"];

/// The properties of `corev1.ObjectReference`, all optional strings.
const OBJECT_REFERENCE_PROPERTIES: &[&str] = &[
    "apiVersion",
    "fieldPath",
    "kind",
    "name",
    "namespace",
    "resourceVersion",
    "uid",
];

/// What [`build`] needs besides the schema.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The root type's name (the kind, or `names::root_type_name` of a kind like
    /// `postgresql`), from which the spec and status names derive.
    pub kind: String,
    /// Generate the status struct when the schema has one.
    pub status: bool,
    /// Map arrays of the `metav1.Condition` shape to k8s-openapi's `Condition` (kopium's
    /// default; `--no-condition` turns it off).
    pub conditions: bool,
    /// Map objects of the `corev1.ObjectReference` shape to k8s-openapi's `ObjectReference`
    /// (kopium's default; `--no-object-reference` turns it off).
    pub object_references: bool,
    /// Map what has no Rust type (an array without `items`, an unknown `type`) to
    /// `serde_json::Value` with a warning instead of failing (kopium's `--relaxed`).
    pub relaxed: bool,
}

impl BuildOptions {
    /// The defaults for the root type `kind`: status, conditions and object references on,
    /// not relaxed.
    pub fn new(kind: impl Into<String>) -> Self {
        Self {
            kind: kind.into(),
            status: true,
            conditions: true,
            object_references: true,
            relaxed: false,
        }
    }
}

/// A schema node kube-gen can't turn into a Rust type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// JSON pointer of the node, relative to `openAPIV3Schema` (`/properties/spec`).
    pub pointer: String,
    /// What is wrong, lowercase.
    pub message: String,
}

/// The types of the root schema `root`: the spec struct, the status struct and what they use.
///
/// # Errors
///
/// Every node that has no Rust mapping: an unknown `type`, an array without `items`.
pub fn build(root: &JSONSchemaProps, options: &BuildOptions) -> Result<TypeSet, Vec<SchemaError>> {
    let mut builder = Builder {
        namer: Namer::reserving(RESERVED.iter().copied().chain([options.kind.as_str()])),
        items: Vec::new(),
        errors: Vec::new(),
        warnings: Vec::new(),
        options,
    };
    let properties = root.properties.as_ref();
    let spec_schema = properties.and_then(|p| p.get("spec"));
    let status_schema = properties
        .and_then(|p| p.get("status"))
        .filter(|_| options.status);
    // Properties of the root besides the usual ones (argo-cd's `operation` next to `spec`):
    // only the root-fields form can hold them.
    let usual = ["apiVersion", "kind", "metadata", "spec", "status"];
    let extra = properties.is_some_and(|p| p.keys().any(|k| !usual.contains(&k.as_str())));
    let spec_schema = spec_schema.filter(|_| !extra);
    let spec = match spec_schema {
        Some(schema) => {
            let wanted = format!("{}Spec", options.kind);
            builder.object(&wanted, schema, "/properties/spec")
        }
        None => {
            // No `spec` (ConfigMap-style `data` kinds), or more than a `spec`: the fields at
            // the root become the struct, emitted with `#[kube(root_fields)]`; the types of
            // its fields are named after the kind (`ApplicationOperation`).
            let wanted = format!("{}Fields", options.kind);
            let fields = root_fields(root);
            let name = builder.namer.unique(&wanted);
            // The root type has fields of its own: a property `Kind` is `kind_2` here.
            let own = Namer::reserving(crate::check::ROOT_OWN_FIELDS);
            builder.object_named(name, &fields, "", &options.kind, own)
        }
    };
    let status = status_schema.map(|schema| {
        let wanted = format!("{}Status", options.kind);
        builder.object(&wanted, schema, "/properties/status")
    });
    // The root's `spec` and `status` have no field of ours to carry their `default` (flux
    // defaults `status` to `{observedGeneration: -1}`) or `nullable` (rook): their structs
    // carry them.
    for (name, schema) in [(Some(&spec), spec_schema), (status.as_ref(), status_schema)] {
        let (Some(name), Some(schema)) = (name, schema) else {
            continue;
        };
        if let Some(default) = &schema.default {
            builder.extend(name, "default", default.0.clone());
        }
        if schema.nullable == Some(true) {
            builder.extend(name, "nullable", Value::Bool(true));
        }
    }
    if !builder.errors.is_empty() {
        return Err(builder.errors);
    }
    Ok(TypeSet {
        spec,
        status,
        root_fields: spec_schema.is_none(),
        items: builder.items.into_iter().flatten().collect(),
        warnings: builder.warnings,
    })
}

/// The root schema without what the root type itself holds (`apiVersion`, `kind`, `metadata`,
/// the status, which is separate or not wanted) and without the root CEL rules, which go to
/// `#[kube(validation)]`.
fn root_fields(root: &JSONSchemaProps) -> JSONSchemaProps {
    let own = |name: &str| ["apiVersion", "kind", "metadata", "status"].contains(&name);
    let mut fields = root.clone();
    if let Some(properties) = &mut fields.properties {
        properties.retain(|name, _| !own(name));
    }
    if let Some(required) = &mut fields.required {
        required.retain(|name| !own(name));
    }
    fields.x_kubernetes_validations = None;
    fields.description = None;
    fields.type_ = Some("object".to_owned());
    fields
}

struct Builder<'a> {
    namer: Namer,
    /// Items in pre-order; `None` is a slot reserved for a parent while its children build.
    items: Vec<Option<Item>>,
    errors: Vec<SchemaError>,
    /// What `relaxed` let through.
    warnings: Vec<SchemaError>,
    options: &'a BuildOptions,
}

impl Builder<'_> {
    /// Adds `key: value` to the schema of the struct `name`.
    fn extend(&mut self, name: &str, key: &str, value: Value) {
        for item in self.items.iter_mut().flatten() {
            if let Item::Struct(s) = item
                && s.name == name
            {
                s.extend.push((key.to_owned(), value));
                return;
            }
        }
    }

    fn error(&mut self, pointer: &str, message: impl Into<String>) {
        self.errors.push(SchemaError {
            pointer: pointer.to_owned(),
            message: message.into(),
        });
    }

    /// A node without a Rust mapping: `serde_json::Value` with a warning when relaxed, else
    /// an error.
    fn unmappable(&mut self, pointer: &str, message: impl Into<String>) -> Type {
        let message = message.into();
        if self.options.relaxed {
            self.warnings.push(SchemaError {
                pointer: pointer.to_owned(),
                message: format!("{message}; generated as `serde_json::Value` (--relaxed)"),
            });
        } else {
            self.error(pointer, message);
        }
        Type::Json
    }

    /// A struct for `schema` even without properties; returns its unique name.
    fn object(&mut self, wanted: &str, schema: &JSONSchemaProps, pointer: &str) -> String {
        let name = self.namer.unique(wanted);
        let parent = name.clone();
        self.object_named(name, schema, pointer, &parent, Namer::default())
    }

    /// The struct `name` (already unique) for `schema`; its nested types are named after
    /// `parent`, its fields by `fields`.
    fn object_named(
        &mut self,
        name: String,
        schema: &JSONSchemaProps,
        pointer: &str,
        parent: &str,
        mut fields: Namer,
    ) -> String {
        let slot = self.items.len();
        self.items.push(None);
        let required: BTreeSet<&str> = schema
            .required
            .iter()
            .flatten()
            .map(String::as_str)
            .collect();
        let mut out = Vec::new();
        for (json, prop) in schema.properties.iter().flatten() {
            let child = format!(
                "{pointer}/properties/{}",
                json.replace('~', "~0").replace('/', "~1")
            );
            let ty = self.ty(parent, json, prop, &child);
            out.push(field(
                fields.unique(&field_name(json)),
                json,
                ty,
                prop,
                required.contains(json.as_str()),
            ));
        }
        let preserve = schema.x_kubernetes_preserve_unknown_fields == Some(true);
        let keeps_unknown = preserve || schema.additional_properties.is_some();
        let extra_fields = keeps_unknown.then(|| fields.unique("extra_fields"));
        let mut extend = object_keywords(schema);
        if preserve && out.is_empty() {
            // Without properties the flattened map would become `additionalProperties`; the
            // input says "keep everything", so say that instead.
            extend.push((PRESERVE.to_owned(), Value::Bool(true)));
            extend.push(("additionalProperties".to_owned(), Value::Null));
        }
        self.items[slot] = Some(Item::Struct(Struct {
            name: name.clone(),
            doc: schema.description.clone(),
            fields: out,
            extra_fields,
            extend,
        }));
        name
    }

    /// The type of property `json` of struct `parent`.
    fn ty(&mut self, parent: &str, json: &str, schema: &JSONSchemaProps, pointer: &str) -> Type {
        if schema.x_kubernetes_int_or_string == Some(true) {
            return Type::IntOrString;
        }
        if schema.x_kubernetes_embedded_resource == Some(true) {
            return Type::Json;
        }
        let preserve = schema.x_kubernetes_preserve_unknown_fields == Some(true);
        let has_properties = schema.properties.as_ref().is_some_and(|p| !p.is_empty());
        match schema.type_.as_deref() {
            Some("object") | None if self.options.object_references && is_object_reference(schema) => {
                Type::ObjectReference
            }
            Some("object") | None if has_properties => {
                Type::Named(self.object(&nested_type_name(parent, json), schema, pointer))
            }
            Some("object") => match &schema.additional_properties {
                Some(JSONSchemaPropsOrBool::Schema(values)) => {
                    let pointer = format!("{pointer}/additionalProperties");
                    Type::Map(Box::new(self.ty(parent, json, values, &pointer)))
                }
                _ if preserve => Type::Json,
                Some(JSONSchemaPropsOrBool::Bool(true)) => Type::Map(Box::new(Type::Json)),
                // A bare `type: object`: the API server prunes every field it is given, so
                // the faithful type is an empty struct (Go's `struct{}`), not a map.
                _ => Type::Named(self.object(&nested_type_name(parent, json), schema, pointer)),
            },
            None => Type::Json,
            Some("array") => match &schema.items {
                Some(JSONSchemaPropsOrArray::Schema(items))
                    if self.options.conditions && is_condition(items) =>
                {
                    Type::Vec(Box::new(Type::Condition))
                }
                Some(JSONSchemaPropsOrArray::Schema(items)) => {
                    let pointer = format!("{pointer}/items");
                    Type::Vec(Box::new(self.ty(parent, json, items, &pointer)))
                }
                Some(JSONSchemaPropsOrArray::Schemas(_)) => self.unmappable(
                    pointer,
                    "tuple arrays (`items` as a list) have no Rust mapping",
                ),
                None if self.options.relaxed => {
                    self.warnings.push(SchemaError {
                        pointer: pointer.to_owned(),
                        message: "an array without `items`; generated as \
                                  `Vec<serde_json::Value>` (--relaxed)"
                            .to_owned(),
                    });
                    Type::Vec(Box::new(Type::Json))
                }
                None => self.unmappable(
                    pointer,
                    "an array needs `items` (a structural schema has them)",
                ),
            },
            Some("string") => match string_enum(schema) {
                Some(values) => Type::Named(self.string_enum(parent, json, schema, values)),
                None if schema.format.as_deref() == Some("date-time") => Type::Time,
                None => Type::String,
            },
            Some("integer") if schema.format.as_deref() == Some("int32") => Type::I32,
            Some("integer") => Type::I64,
            Some("number") => Type::F64,
            Some("boolean") => Type::Bool,
            Some(other) => self.unmappable(
                pointer,
                format!("unknown type `{other}` (expected object, array, string, integer, number or boolean)"),
            ),
        }
    }

    fn string_enum(
        &mut self,
        parent: &str,
        json: &str,
        schema: &JSONSchemaProps,
        values: Vec<String>,
    ) -> String {
        let name = self.namer.unique(&nested_type_name(parent, json));
        let mut namer = Namer::default();
        let variants = values
            .into_iter()
            .map(|value| Variant {
                name: namer.unique(&type_name(&value)),
                value,
            })
            .collect();
        self.items.push(Some(Item::Enum(Enum {
            name: name.clone(),
            doc: schema.description.clone(),
            variants,
        })));
        name
    }
}

/// The field for property `json`, with the keywords the type alone does not carry.
fn field(name: String, json: &str, ty: Type, schema: &JSONSchemaProps, required: bool) -> Field {
    let default = schema.default.as_ref().map(|d| &d.0);
    let (string, array) = (ty == Type::String, matches!(ty, Type::Vec(_)));
    let number = matches!(ty, Type::I32 | Type::I64 | Type::F64);
    let constraints = Constraints {
        min_length: if array {
            schema.min_items
        } else {
            schema.min_length.filter(|_| string)
        },
        max_length: if array {
            schema.max_items
        } else {
            schema.max_length.filter(|_| string)
        },
        minimum: schema.minimum.filter(|_| number),
        maximum: schema.maximum.filter(|_| number),
        pattern: schema.pattern.clone().filter(|_| string),
    };
    let mut extend = Vec::new();
    let mut keep = |key: &str, value: Option<Value>| {
        if let Some(value) = value {
            extend.push((key.to_owned(), value));
        }
    };
    // An optional field with a default stays an `Option`: the apiserver applies the default,
    // and a client that wrote it itself would claim the field under server-side apply.
    keep("default", default.cloned());
    keep("nullable", schema.nullable.filter(|n| *n).map(Value::Bool));
    if ty == Type::Json {
        // Said explicitly rather than left to the structural rewrite, which only marks
        // schemas without other keywords as free-form.
        // Not a type the apiserver knows (`--relaxed` let it through): left out.
        let known = ["object", "array", "string", "integer", "number", "boolean"];
        let type_ = schema.type_.clone().filter(|t| known.contains(&t.as_str()));
        keep("type", type_.map(Value::String));
        let preserve = schema.x_kubernetes_preserve_unknown_fields.filter(|p| *p);
        keep(PRESERVE, preserve.map(Value::Bool));
        let embedded = schema.x_kubernetes_embedded_resource.filter(|e| *e);
        keep("x-kubernetes-embedded-resource", embedded.map(Value::Bool));
    }
    if ty == Type::String {
        keep("format", schema.format.clone().map(Value::String));
    }
    // schemars writes `int64` for an `i64` and `double` for an `f64`: the input's format, or
    // none (`null` removes it), where it differs (`uint32`, `float`, no format at all).
    let written = match ty {
        Type::I64 => Some("int64"),
        Type::F64 => Some("double"),
        _ => None,
    };
    if let Some(written) = written
        && schema.format.as_deref() != Some(written)
    {
        keep(
            "format",
            Some(schema.format.clone().map_or(Value::Null, Value::String)),
        );
    }
    if schema.description.is_none() {
        // k8s-openapi's `Time`, `IntOrString` and `ObjectReference` describe themselves
        keep("description", k8s::description(&ty).map(|_| Value::Null));
    }
    if ty == Type::ObjectReference {
        // the input's properties where they say more than k8s-openapi's (validations, other
        // descriptions)
        let properties = schema
            .properties
            .as_ref()
            .and_then(|p| serde_json::to_value(p).ok());
        let theirs = k8s::schema(&ty).and_then(|s| s.get("properties"));
        keep("properties", properties.filter(|p| Some(p) != theirs));
    }
    if ty == Type::IntOrString {
        // Quantities say `pattern` (and some `type: string`), which the type does not.
        keep("type", schema.type_.clone().map(Value::String));
        keep("pattern", schema.pattern.clone().map(Value::String));
    }
    // Keywords the Rust type has no say in: kept verbatim where the input has them (karpenter
    // puts `maxLength`/`pattern` on an array, velero `x-kubernetes-preserve-unknown-fields`).
    // A string enum's values say nothing of its length or pattern either.
    if ty != Type::String {
        keep("minLength", schema.min_length.map(Value::from));
        keep("maxLength", schema.max_length.map(Value::from));
        if ty != Type::IntOrString {
            keep("pattern", schema.pattern.clone().map(Value::String));
        }
    }
    if !matches!(ty, Type::Named(_)) {
        // Enums of numbers (gateway-api's `statusCode: enum [301, 302, ...]`); string enums
        // are Rust enums.
        keep(
            "enum",
            schema
                .enum_
                .as_ref()
                .map(|values| Value::Array(values.iter().map(|v| v.0.clone()).collect())),
        );
    }
    keep("example", schema.example.as_ref().map(|e| e.0.clone()));
    if !number {
        keep("minimum", schema.minimum.map(Value::from));
        keep("maximum", schema.maximum.map(Value::from));
    }
    if !array {
        // rook's `authentication: {type: object, items: ...}`: meaningless, but kept.
        keep(
            "items",
            schema
                .items
                .as_ref()
                .and_then(|i| serde_json::to_value(i).ok()),
        );
        keep("minItems", schema.min_items.map(Value::from));
        keep("maxItems", schema.max_items.map(Value::from));
    }
    if !matches!(ty, Type::Json | Type::Named(_)) {
        let preserve = schema.x_kubernetes_preserve_unknown_fields.filter(|p| *p);
        keep(PRESERVE, preserve.map(Value::Bool));
    }
    keep(
        "x-kubernetes-list-type",
        schema.x_kubernetes_list_type.clone().map(Value::String),
    );
    let map_keys = schema.x_kubernetes_list_map_keys.clone();
    keep("x-kubernetes-list-map-keys", map_keys.map(|k| k.into()));
    // A struct carries its own object keywords (see `object_keywords`).
    let is_struct =
        matches!(ty, Type::Named(_)) && schema.properties.as_ref().is_some_and(|p| !p.is_empty());
    if !is_struct {
        extend.extend(object_keywords(schema));
    }
    extend.extend(inner::element_keywords(&ty, schema));
    Field {
        name,
        json_name: json.to_owned(),
        ty,
        doc: schema.description.clone(),
        required,
        nullable: schema.nullable == Some(true),
        constraints,
        extend,
    }
}

/// `x-kubernetes-map-type`, the CEL rules, the `not`/`allOf`/`oneOf`/`anyOf` value
/// validations and the count and number bounds no Rust type carries (`maxProperties`,
/// `multipleOf`, `exclusiveMinimum`, ...) of a node: kept on the struct generated for it, or on the field when the node
/// is not a struct.
fn object_keywords(schema: &JSONSchemaProps) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    if let Some(not) = schema
        .not
        .as_ref()
        .and_then(|n| serde_json::to_value(n).ok())
    {
        out.push(("not".to_owned(), not));
    }
    // Junctors only constrain fields the struct declares (structural schemas allow nothing
    // else), so they are kept verbatim on the struct; so is the `anyOf: [{type: integer},
    // {type: string}]` beside `x-kubernetes-int-or-string`, which `IntOrString` does not write.
    for (key, junctor) in [
        ("allOf", &schema.all_of),
        ("oneOf", &schema.one_of),
        ("anyOf", &schema.any_of),
    ] {
        let Some(variants) = junctor.as_ref() else {
            continue;
        };
        if let Ok(value) = serde_json::to_value(variants) {
            out.push((key.to_owned(), value));
        }
    }
    let numbers = [
        ("minProperties", schema.min_properties.map(Value::from)),
        ("maxProperties", schema.max_properties.map(Value::from)),
        ("multipleOf", schema.multiple_of.map(Value::from)),
        (
            "exclusiveMinimum",
            schema.exclusive_minimum.map(Value::from),
        ),
        (
            "exclusiveMaximum",
            schema.exclusive_maximum.map(Value::from),
        ),
    ];
    for (key, value) in numbers {
        if let Some(value) = value {
            out.push((key.to_owned(), value));
        }
    }
    if let Some(map_type) = &schema.x_kubernetes_map_type {
        out.push((
            "x-kubernetes-map-type".to_owned(),
            Value::String(map_type.clone()),
        ));
    }
    let rules = schema.x_kubernetes_validations.as_ref();
    if let Some(rules) = rules.and_then(|r| serde_json::to_value(r).ok()) {
        out.push(("x-kubernetes-validations".to_owned(), rules));
    }
    out
}

/// The values of a string `enum`, when there is one and every value is a string.
fn string_enum(schema: &JSONSchemaProps) -> Option<Vec<String>> {
    let values = schema.enum_.as_ref().filter(|v| !v.is_empty())?;
    values
        .iter()
        .map(|v| v.0.as_str().map(str::to_owned))
        .collect()
}

/// Whether `items` has exactly the shape of `metav1.Condition`.
fn is_condition(items: &JSONSchemaProps) -> bool {
    let Some(properties) = &items.properties else {
        return false;
    };
    let required: BTreeSet<&str> = items
        .required
        .iter()
        .flatten()
        .map(String::as_str)
        .collect();
    properties
        .keys()
        .all(|k| CONDITION_PROPERTIES.contains(&k.as_str()))
        && CONDITION_REQUIRED
            .iter()
            .all(|k| properties.contains_key(*k) && required.contains(k))
}

/// Whether `schema` has exactly the shape of `corev1.ObjectReference`: its seven properties,
/// each a plain string, none required.
fn is_object_reference(schema: &JSONSchemaProps) -> bool {
    let Some(properties) = &schema.properties else {
        return false;
    };
    properties.len() == OBJECT_REFERENCE_PROPERTIES.len()
        && schema.required.as_ref().is_none_or(Vec::is_empty)
        && schema.x_kubernetes_preserve_unknown_fields != Some(true)
        && properties.iter().all(|(name, property)| {
            OBJECT_REFERENCE_PROPERTIES.contains(&name.as_str())
                && property.type_.as_deref() == Some("string")
                && property.format.is_none()
                && property.enum_.is_none()
        })
}

#[cfg(test)]
#[path = "build_tests.rs"]
mod tests;
