//! The CRD values the CLI writes as `#[kube(...)]` keys, run through the derive's own checks
//! ([`check`]), so the CLI never writes code the derive rejects.
//!
//! Most of these checks are the apiserver's rules too, and a CRD that fails one is
//! [invalid](ErrorKind::Invalid). Where the derive is stricter (a version named `stable`, a
//! column at `.`), the CRD is fine but [not derivable](ErrorKind::NotDerivable). Where the CLI
//! can write something else the derive accepts, it does so instead of failing, and the check
//! here only guards that: a kind that can't name the root type gets `root = "..."`
//! ([`names::root_type_name`]), an empty `singular` is left out, and a root field named like
//! one of the root object's own gets another Rust name (`types::build`).

use super::{Crd, Error, ErrorKind, Version};
use crate::check;
use crate::model::Rule;
use crate::names;
use crate::types::Item;

/// Who else rejects a value that fails a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Also {
    /// The apiserver: the CRD is invalid.
    Apiserver,
    /// No one: the value is only beyond the derive.
    DeriveOnly,
}

/// Collects the failed checks of one CRD as errors at their nodes.
struct Checks<'a> {
    crd: &'a Crd,
    errors: Vec<Error>,
}

impl Checks<'_> {
    /// Runs `check` on `value`, the node at `pointer`.
    fn run(
        &mut self,
        pointer: &str,
        value: &str,
        check: impl Fn(&str) -> Result<(), String>,
        also: Also,
    ) {
        if let Err(message) = check(value) {
            let kind = match also {
                Also::Apiserver => ErrorKind::Invalid(message),
                Also::DeriveOnly => ErrorKind::NotDerivable(message),
            };
            self.errors.push(self.crd.error_at(pointer, kind));
        }
    }
}

/// The CRD-wide keys: `group`, `kind`, `root`, `plural`, `singular`, `shortname` and `category`.
pub(crate) fn names(crd: &Crd) -> Vec<Error> {
    let spec = &crd.crd.spec;
    let n = &spec.names;
    let mut checks = Checks {
        crd,
        errors: Vec::new(),
    };
    checks.run("/spec/group", &spec.group, check::group, Also::Apiserver);
    checks.run("/spec/names/kind", &n.kind, check::kind, Also::Apiserver);
    // The root type is named after the kind, or gets a name of its own: never a failure,
    // unless the kind itself failed above.
    let root = names::root_type_name(&n.kind);
    if root != n.kind && check::kind(&n.kind).is_ok() {
        checks.run("/spec/names/kind", &root, check::root, Also::DeriveOnly);
    }
    checks.run(
        "/spec/names/plural",
        &n.plural,
        check::plural,
        Also::Apiserver,
    );
    // An empty singular means the default, for the apiserver as for the CLI (see `model`).
    if let Some(singular) = n.singular.as_deref().filter(|s| !s.is_empty()) {
        checks.run(
            "/spec/names/singular",
            singular,
            check::singular,
            Also::Apiserver,
        );
    }
    for (index, short_name) in n.short_names.iter().flatten().enumerate() {
        let pointer = format!("/spec/names/shortNames/{index}");
        checks.run(&pointer, short_name, check::short_name, Also::Apiserver);
    }
    for (index, category) in n.categories.iter().flatten().enumerate() {
        let pointer = format!("/spec/names/categories/{index}");
        checks.run(&pointer, category, check::category, Also::Apiserver);
    }
    checks.errors
}

/// The keys of version `index`, as `built` (made from that version) holds them: `version`,
/// `printcolumn`, `selectable`, `scale`, the root `validation`s and the `no_spec` fields.
pub(crate) fn version(crd: &Crd, index: usize, built: &Version) -> Vec<Error> {
    let r = &built.resource;
    let at = format!("/spec/versions/{index}");
    let mut checks = Checks {
        crd,
        errors: Vec::new(),
    };
    let other_versions = |name: &str| {
        check::version(name)
            .map_err(|message| format!("{message}; --version-filter can leave this version out"))
    };
    checks.run(
        &format!("{at}/name"),
        &r.names.version,
        other_versions,
        Also::DeriveOnly,
    );
    for (i, column) in r.print_columns.iter().enumerate() {
        let pointer = format!("{at}/additionalPrinterColumns/{i}");
        checks.run(
            &format!("{pointer}/type"),
            &column.type_,
            check::column_type,
            Also::Apiserver,
        );
        // The apiserver's "simple JSON path" may be `.` alone; the derive's may not.
        let also = if column.json_path == "." {
            Also::DeriveOnly
        } else {
            Also::Apiserver
        };
        checks.run(
            &format!("{pointer}/jsonPath"),
            &column.json_path,
            check::json_path,
            also,
        );
    }
    for (i, path) in r.selectable_fields.iter().enumerate() {
        let pointer = format!("{at}/selectableFields/{i}/jsonPath");
        checks.run(&pointer, path, check::json_path, Also::Apiserver);
    }
    if let Some(scale) = &r.scale {
        let pointer = format!("{at}/subresources/scale");
        let key = "specReplicasPath";
        checks.run(
            &format!("{pointer}/{key}"),
            &scale.spec_replicas_path,
            |path| {
                check::json_path(path)?;
                check::spec_replicas_path(key, path, r.root_fields)
            },
            Also::Apiserver,
        );
        let key = "statusReplicasPath";
        checks.run(
            &format!("{pointer}/{key}"),
            &scale.status_replicas_path,
            |path| {
                check::json_path(path)?;
                check::status_replicas_path(key, path)
            },
            Also::Apiserver,
        );
        if let Some(selector) = &scale.label_selector_path {
            checks.run(
                &format!("{pointer}/labelSelectorPath"),
                selector,
                check::json_path,
                Also::Apiserver,
            );
        }
    }
    let rules = format!("{at}/schema/openAPIV3Schema/x-kubernetes-validations");
    for (i, rule) in r.validations.iter().enumerate() {
        let Rule::Fields(rule) = rule else {
            continue; // rules read from YAML are never expressions
        };
        checks.run(
            &format!("{rules}/{i}/rule"),
            &rule.rule,
            check::rule,
            Also::Apiserver,
        );
        if let Some(reason) = &rule.reason {
            checks.run(
                &format!("{rules}/{i}/reason"),
                reason,
                check::reason,
                Also::Apiserver,
            );
        }
    }
    if r.root_fields {
        let spec = built.types.items.iter().find_map(|item| match item {
            Item::Struct(s) if s.name == built.types.spec => Some(s),
            _ => None,
        });
        let properties = format!("{at}/schema/openAPIV3Schema/properties");
        for field in spec.iter().flat_map(|s| &s.fields) {
            let pointer = format!("{properties}/{}", super::validate::escape(&field.json_name));
            checks.run(&pointer, &field.name, check::root_field, Also::DeriveOnly);
        }
    }
    checks.errors
}
