//! Merges the single-version CRDs of one kind (`v1::Foo::crd()`, `v2::Foo::crd()`) into one CRD.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;

/// Why CRDs could not be merged.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MergeError {
    /// The list of CRDs was empty.
    #[error("no CRDs to merge; pass the crd() of every version")]
    Empty,
    /// A CRD has no versions.
    #[error("the CRD `{0}` has no versions")]
    NoVersions(String),
    /// Two CRDs disagree on a property that must be the same for one kind.
    #[error(
        "the CRDs disagree on {property}: `{first}` and `{other}`; only versions of one kind can be merged"
    )]
    Mismatch {
        /// The property: `metadata.name`, `spec.group`, `spec.names` or `spec.scope`.
        property: &'static str,
        /// The value in the first CRD.
        first: String,
        /// The differing value.
        other: String,
    },
    /// The same version appears twice.
    #[error("version `{0}` appears in more than one CRD")]
    DuplicateVersion(String),
    /// The storage version is not among the merged versions.
    #[error("the storage version `{stored}` is not one of the versions {versions:?}")]
    MissingStorageVersion {
        /// The requested storage version.
        stored: String,
        /// The versions found.
        versions: Vec<String>,
    },
}

/// Merges CRDs of the same kind into one with all their versions, `stored_apiversion` (`v1` or
/// `group/v1`) being the one storage version.
///
/// The result takes metadata (labels, annotations) from the first CRD. Versions keep their
/// order, their `served` and `deprecated` flags and their schemas; `storage` is set on exactly
/// the stored version.
///
/// # Errors
///
/// Fails when the list is empty, when the CRDs differ in name, group, names or scope, when a
/// version appears twice or when `stored_apiversion` is not one of the versions.
///
/// # Examples
///
/// ```
/// # use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::*;
/// # fn crd(version: &str) -> CustomResourceDefinition {
/// #     let mut crd = CustomResourceDefinition::default();
/// #     crd.metadata.name = Some("foos.example.com".into());
/// #     crd.spec.group = "example.com".into();
/// #     crd.spec.versions.push(CustomResourceDefinitionVersion { name: version.into(), storage: true, ..Default::default() });
/// #     crd
/// # }
/// use kube_gen_codegen::runtime::merge_crds;
///
/// let merged = merge_crds(vec![crd("v1"), crd("v2")], "example.com/v2").unwrap();
/// let storage: Vec<_> = merged.spec.versions.iter().map(|v| (v.name.as_str(), v.storage)).collect();
/// assert_eq!(storage, [("v1", false), ("v2", true)]);
/// ```
pub fn merge_crds(
    crds: Vec<CustomResourceDefinition>,
    stored_apiversion: &str,
) -> Result<CustomResourceDefinition, MergeError> {
    let mut crds = crds.into_iter();
    let mut merged = crds.next().ok_or(MergeError::Empty)?;
    let name = |crd: &CustomResourceDefinition| crd.metadata.name.clone().unwrap_or_default();
    if merged.spec.versions.is_empty() {
        return Err(MergeError::NoVersions(name(&merged)));
    }
    for crd in crds {
        if crd.spec.versions.is_empty() {
            return Err(MergeError::NoVersions(name(&crd)));
        }
        let checks = [
            ("metadata.name", name(&merged), name(&crd)),
            (
                "spec.group",
                merged.spec.group.clone(),
                crd.spec.group.clone(),
            ),
            (
                "spec.names",
                format!("{:?}", merged.spec.names),
                format!("{:?}", crd.spec.names),
            ),
            (
                "spec.scope",
                merged.spec.scope.clone(),
                crd.spec.scope.clone(),
            ),
        ];
        for (property, first, other) in checks {
            if first != other {
                return Err(MergeError::Mismatch {
                    property,
                    first,
                    other,
                });
            }
        }
        for version in crd.spec.versions {
            if merged.spec.versions.iter().any(|v| v.name == version.name) {
                return Err(MergeError::DuplicateVersion(version.name));
            }
            merged.spec.versions.push(version);
        }
    }
    let stored = match stored_apiversion.split_once('/') {
        Some((group, version)) if group == merged.spec.group => version,
        Some(_) => {
            return Err(MergeError::Mismatch {
                property: "spec.group",
                first: merged.spec.group.clone(),
                other: stored_apiversion.to_owned(),
            });
        }
        None => stored_apiversion,
    };
    if !merged.spec.versions.iter().any(|v| v.name == stored) {
        return Err(MergeError::MissingStorageVersion {
            stored: stored.to_owned(),
            versions: merged
                .spec
                .versions
                .iter()
                .map(|v| v.name.clone())
                .collect(),
        });
    }
    for version in &mut merged.spec.versions {
        version.storage = version.name == stored;
    }
    Ok(merged)
}
