//! One CRD version → the [`Resource`] model the derive would build, plus its [`TypeSet`].

use std::fmt;
use std::str::FromStr;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinitionVersion;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::JSONSchemaProps;
use proc_macro2::Span;
use serde_json::Value;
use syn::Ident;

use super::{Crd, Error, ErrorKind};
use crate::model::{Names, PrintColumn, Resource, Rule, Scale, Scope, Validation, VersionFlags};
use crate::types::{self, BuildOptions, TypeSet};

/// Which versions of a CRD to generate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum VersionFilter {
    /// Every served version (the default).
    #[default]
    Served,
    /// Every version, served or not.
    All,
    /// Only the storage version.
    Storage,
    /// The versions with these names.
    Named(Vec<String>),
}

impl FromStr for VersionFilter {
    type Err = String;

    /// `served`, `all`, `storage` or a comma-separated list of version names.
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "served" => Self::Served,
            "all" => Self::All,
            "storage" => Self::Storage,
            "" => return Err("expected served, all, storage or version names".into()),
            names => Self::Named(names.split(',').map(|n| n.trim().to_owned()).collect()),
        })
    }
}

impl fmt::Display for VersionFilter {
    /// The form [`FromStr`] reads: `served`, `all`, `storage` or `v1,v2`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Served => f.write_str("served"),
            Self::All => f.write_str("all"),
            Self::Storage => f.write_str("storage"),
            Self::Named(names) => f.write_str(&names.join(",")),
        }
    }
}

impl VersionFilter {
    fn keeps(&self, version: &CustomResourceDefinitionVersion) -> bool {
        match self {
            Self::Served => version.served,
            Self::All => true,
            Self::Storage => version.storage,
            Self::Named(names) => names.contains(&version.name),
        }
    }
}

/// How [`versions`] builds each version.
#[derive(Debug, Clone, Default)]
pub struct VersionOptions {
    /// Which versions.
    pub filter: VersionFilter,
    /// Extra derives for every generated type (`PartialEq`, `Default`, ...).
    pub derives: Vec<syn::Path>,
    /// Leave the status struct (and the status subresource) out.
    pub no_status: bool,
    /// Generate a struct for arrays of the `metav1.Condition` shape instead of using
    /// k8s-openapi's `Condition` (kopium's `--no-condition`).
    pub no_condition: bool,
    /// Generate a struct for objects of the `corev1.ObjectReference` shape instead of using
    /// k8s-openapi's `ObjectReference` (kopium's `--no-object-reference`).
    pub no_object_reference: bool,
    /// Map what has no Rust type (an array without `items`, an unknown `type`) to
    /// `serde_json::Value` with a warning instead of an error (kopium's `--relaxed`).
    pub relaxed: bool,
}

/// One version to generate.
#[derive(Debug, Clone)]
pub struct Version {
    /// The input the CRD came from.
    pub file: String,
    /// Everything `#[kube(...)]` says.
    pub resource: Resource,
    /// The spec, status and nested types.
    pub types: TypeSet,
    /// What `relaxed` let through, each with its position and JSON path.
    pub warnings: Vec<Error>,
}

/// The selected versions of `crd`, in the CRD's order.
///
/// # Errors
///
/// Every schema node without a Rust mapping, each with its position and JSON path, a version
/// without a schema, and every value `#[derive(CustomResource)]` would reject (see
/// [`check`](crate::check)).
pub fn versions(crd: &Crd, options: &VersionOptions) -> Result<Vec<Version>, Vec<Error>> {
    let spec = &crd.crd.spec;
    let mut out = Vec::new();
    let mut errors = Vec::new();
    if spec.versions.iter().any(|v| options.filter.keeps(v)) {
        errors.extend(super::keys::names(crd));
    }
    for (index, version) in spec.versions.iter().enumerate() {
        if !options.filter.keeps(version) {
            continue;
        }
        let pointer = format!("/spec/versions/{index}/schema/openAPIV3Schema");
        let Some(schema) = version
            .schema
            .as_ref()
            .and_then(|s| s.open_api_v3_schema.as_ref())
        else {
            let message = "the version has no `schema.openAPIV3Schema`".to_owned();
            errors.push(crd.error_at(
                &format!("/spec/versions/{index}"),
                ErrorKind::Unmappable(message),
            ));
            continue;
        };
        let problems = super::validate::schema(&crd.document.value, &pointer);
        if !problems.is_empty() {
            let mut found: Vec<Error> = problems
                .into_iter()
                .map(|(pointer, message)| crd.error_at(&pointer, ErrorKind::Invalid(message)))
                .collect();
            // in the order they appear in the file
            found.sort_by_key(|e| {
                e.position
                    .map_or((u64::MAX, u64::MAX), |p| (p.line, p.column))
            });
            errors.extend(found);
            continue;
        }
        // Spec and status are named after the root type (`PostgresqlSpec` for `postgresql`).
        let build = BuildOptions {
            status: !options.no_status,
            conditions: !options.no_condition,
            object_references: !options.no_object_reference,
            relaxed: options.relaxed,
            ..BuildOptions::new(crate::names::root_type_name(&spec.names.kind))
        };
        match types::build(schema, &build) {
            Ok(types) => {
                let warnings = types
                    .warnings
                    .iter()
                    .map(|w| {
                        let at = format!("{pointer}{}", w.pointer);
                        crd.error_at(&at, ErrorKind::Relaxed(w.message.clone()))
                    })
                    .collect();
                let built = Version {
                    file: crd.file.clone(),
                    resource: resource(crd, version, &types, options),
                    types,
                    warnings,
                };
                let rejected = super::keys::version(crd, index, &built);
                if rejected.is_empty() {
                    out.push(built);
                } else {
                    errors.extend(rejected);
                }
            }
            Err(schema_errors) => errors.extend(schema_errors.into_iter().map(|e| {
                crd.error_at(
                    &format!("{pointer}{}", e.pointer),
                    ErrorKind::Unmappable(e.message),
                )
            })),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn resource(
    crd: &Crd,
    version: &CustomResourceDefinitionVersion,
    types: &TypeSet,
    options: &VersionOptions,
) -> Resource {
    let spec = &crd.crd.spec;
    let crd_names = &spec.names;
    let mut names = Names::new(&spec.group, &version.name, &crd_names.kind);
    names.plural.clone_from(&crd_names.plural);
    // An empty singular is the default, as the apiserver reads it; `singular = ""` is not.
    if let Some(singular) = crd_names.singular.as_ref().filter(|s| !s.is_empty()) {
        names.singular.clone_from(singular);
    }
    names.short_names = crd_names.short_names.clone().unwrap_or_default();
    names.categories = crd_names.categories.clone().unwrap_or_default();
    let ident = |name: &str| Ident::new(name, Span::call_site());
    let mut resource = Resource::new(ident(&types.spec), names);
    let root = crate::names::root_type_name(&crd_names.kind);
    resource.root_name = (root != crd_names.kind).then_some(root);
    resource.root_fields = types.root_fields;
    resource.scope = match spec.scope.as_str() {
        "Namespaced" => Scope::Namespaced,
        _ => Scope::Cluster,
    };
    resource.status = types.status.as_deref().map(|s| {
        let s = ident(s);
        syn::parse_quote!(#s)
    });
    let subresources = version.subresources.as_ref();
    resource.scale = subresources
        .and_then(|s| s.scale.as_ref())
        .filter(|_| resource.status.is_some())
        .map(|scale| Scale {
            spec_replicas_path: scale.spec_replicas_path.clone(),
            status_replicas_path: scale.status_replicas_path.clone(),
            label_selector_path: scale.label_selector_path.clone(),
        });
    resource.print_columns = version
        .additional_printer_columns
        .iter()
        .flatten()
        .map(|c| PrintColumn {
            name: c.name.clone(),
            type_: c.type_.clone(),
            json_path: c.json_path.clone(),
            description: c.description.clone(),
            format: c.format.clone(),
            priority: c.priority,
        })
        .collect();
    resource.selectable_fields = version
        .selectable_fields
        .iter()
        .flatten()
        .map(|f| f.json_path.clone())
        .collect();
    let schema = version
        .schema
        .as_ref()
        .and_then(|s| s.open_api_v3_schema.as_ref());
    resource.validations = schema
        .and_then(|s| s.x_kubernetes_validations.as_ref())
        .into_iter()
        .flatten()
        .map(|v| {
            Rule::Fields(Validation {
                rule: v.rule.clone(),
                message: v.message.clone(),
                message_expression: v.message_expression.clone(),
                reason: v.reason.clone(),
                field_path: v.field_path.clone(),
                optional_old_self: v.optional_old_self,
            })
        })
        .collect();
    resource.version_flags = VersionFlags {
        served: version.served,
        storage: version.storage,
        deprecated: version
            .deprecated
            .filter(|d| *d)
            .map(|_| version.deprecation_warning.clone()),
    };
    let metadata = &crd.crd.metadata;
    let pairs = |map: &Option<std::collections::BTreeMap<String, String>>| {
        map.iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    resource.labels = pairs(&metadata.labels);
    resource.annotations = pairs(&metadata.annotations);
    resource.derives = options.derives.clone();
    // The CLI's output is read as client-go's generated code, facades included; `select` turns
    // them off for kinds whose facade names another generated type.
    resource.facades = true;
    resource.doc = schema.and_then(|s| s.description.clone());
    resource.version_patch = subresources_patch(&resource, version);
    let root_type = resource.root().to_string();
    resource.schema_patch = schema.and_then(|s| root_patch(s, types, &root_type));
    resource
}

/// The version patch that gives back the input's `subresources` where the derive writes others:
/// it writes the status subresource exactly when there is a status type, and the scale one only
/// then.
fn subresources_patch(
    resource: &Resource,
    version: &CustomResourceDefinitionVersion,
) -> Option<String> {
    let derived = resource.status.as_ref().map(|_| {
        let scale = resource.scale.as_ref().map(|s| {
            let mut scale = serde_json::json!({
                "specReplicasPath": s.spec_replicas_path,
                "statusReplicasPath": s.status_replicas_path,
            });
            if let Some(selector) = &s.label_selector_path {
                scale["labelSelectorPath"] = Value::from(selector.clone());
            }
            scale
        });
        let mut subresources = serde_json::json!({"status": {}});
        if let Some(scale) = scale {
            subresources["scale"] = scale;
        }
        subresources
    });
    let derived = serde_json::json!({"subresources": derived});
    let input = serde_json::json!({"subresources": version.subresources});
    let patch = crate::runtime::merge_patch_between(&derived, &input)?;
    serde_json::to_string_pretty(&patch).ok()
}

/// Root properties the root type writes itself; their schemas come from the input's.
const ROOT_OWN: [&str; 3] = ["apiVersion", "kind", "metadata"];

/// The JSON merge patch that turns the root schema the derive makes (a `title`, the doc as
/// `description`, `required: [spec]`, no `apiVersion`/`kind`/`metadata`) into the input's.
/// The derive's title is the root type's name, `root_type`. `None` when there is nothing to
/// change.
fn root_patch(root: &JSONSchemaProps, types: &TypeSet, root_type: &str) -> Option<String> {
    let mut patch = serde_json::Map::new();
    let text = |s: &Option<String>| s.clone().map_or(Value::Null, Value::String);
    if root.title.as_deref() != Some(root_type) {
        patch.insert("title".into(), text(&root.title));
    }
    // The derive's description is the doc (`#[kube(doc)]`, the input's), trimmed; a doc
    // starting with `#` would be a title.
    let from_doc = |d: &str| d.trim_ascii() == d && !d.starts_with('#');
    if !root.description.as_deref().is_some_and(from_doc) {
        patch.insert("description".into(), text(&root.description));
    }
    let required = root.required.clone().filter(|r| !r.is_empty());
    let derived = (!types.root_fields).then(|| vec!["spec".to_owned()]);
    if required != derived {
        patch.insert("required".into(), required.map_or(Value::Null, Value::from));
    }
    let root_own: serde_json::Map<String, Value> = ROOT_OWN
        .into_iter()
        .filter_map(|name| {
            let schema = root.properties.as_ref()?.get(name)?;
            Some((name.to_owned(), serde_json::to_value(schema).ok()?))
        })
        .collect();
    if !root_own.is_empty() {
        patch.insert("properties".into(), Value::Object(root_own));
    }
    // What the derive does not write below the root (see `unwritten`) comes back here, for
    // the nodes the generated schema has.
    for (name, schema) in root.properties.iter().flatten() {
        let generated = match name.as_str() {
            "spec" => true,
            "status" => types.status.is_some(),
            _ => types.root_fields && !ROOT_OWN.contains(&name.as_str()),
        };
        let orders = serde_json::to_value(schema)
            .ok()
            .and_then(|s| unwritten(&s, false));
        if let Some(orders) = orders.filter(|_| generated) {
            let properties = patch
                .entry("properties")
                .or_insert_with(|| Value::Object(serde_json::Map::new()));
            if let Value::Object(properties) = properties {
                properties.insert(name.clone(), orders);
            }
        }
    }
    if patch.is_empty() {
        return None;
    }
    serde_json::to_string_pretty(&Value::Object(patch)).ok()
}

/// What the derive does not write of `schema` and the nodes below it (through `properties`,
/// `items` and `additionalProperties`), as a merge patch of the node; `None` when it writes
/// all of it:
/// - `required` lists not in name order (the derive sorts them, as kube-derive does);
/// - an empty `properties: {}` (an empty struct writes none);
/// - the keywords of an array or map that is the element of another around a generated type
///   (argo's `steps: Vec<Vec<WorkflowStep>>`: the inner array has no Rust type of its own to
///   carry its description). Around a leaf, the field keeps the element verbatim instead
///   (`types::inner`).
fn unwritten(schema: &Value, element: bool) -> Option<Value> {
    let mut patch = serde_json::Map::new();
    if let Some(required) = schema.get("required").and_then(Value::as_array) {
        let mut sorted = required.clone();
        sorted.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
        if &sorted != required {
            patch.insert("required".into(), Value::Array(required.clone()));
        }
    }
    let container = element_of(schema).is_some();
    if element && container && around_a_type(schema) {
        let keywords = schema.as_object().into_iter().flatten();
        for (key, value) in keywords {
            if !matches!(key.as_str(), "type" | "items" | "additionalProperties") {
                patch.insert(key.clone(), value.clone());
            }
        }
    }
    match schema.get("properties").and_then(Value::as_object) {
        Some(properties) if properties.is_empty() => {
            patch.insert("properties".into(), Value::Object(serde_json::Map::new()));
        }
        Some(properties) => {
            let children: serde_json::Map<String, Value> = properties
                .iter()
                .filter_map(|(name, child)| Some((name.clone(), unwritten(child, false)?)))
                .collect();
            if !children.is_empty() {
                patch.insert("properties".into(), Value::Object(children));
            }
        }
        None => {}
    }
    for key in ["items", "additionalProperties"] {
        let child = schema.get(key).filter(|c| c.is_object());
        if let Some(child) = child.and_then(|c| unwritten(c, container)) {
            patch.insert(key.into(), child);
        }
    }
    (!patch.is_empty()).then_some(Value::Object(patch))
}

/// The element schema of an array (`items`) or a map (`additionalProperties` of an object
/// without `properties`).
fn element_of(schema: &Value) -> Option<&Value> {
    let items = schema.get("items").filter(|i| i.is_object());
    let map = schema
        .get("additionalProperties")
        .filter(|v| v.is_object() && schema.get("properties").is_none());
    items.or(map)
}

/// Whether the innermost element of nested arrays and maps is a generated type: a struct (an
/// object with properties) or a string enum.
fn around_a_type(schema: &Value) -> bool {
    match element_of(schema) {
        Some(element) => around_a_type(element),
        None => {
            let has_properties = schema
                .get("properties")
                .and_then(Value::as_object)
                .is_some_and(|p| !p.is_empty());
            let string_enum = schema.get("type").and_then(Value::as_str) == Some("string")
                && schema.get("enum").is_some();
            has_properties || string_enum
        }
    }
}
