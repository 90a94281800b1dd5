//! One CRD version → the [`Resource`] model the derive would build, plus its [`TypeSet`].

use std::fmt;
use std::str::FromStr;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinitionVersion;
use proc_macro2::Span;
use syn::Ident;

use super::patches::{root_patch, subresources_patch};
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
