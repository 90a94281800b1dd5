//! The resource model: everything the emitter needs to know about one version of a custom resource.
//!
//! The derive fills it from `#[kube(...)]` attributes, and the CLI will fill it from CRD YAML;
//! [`emit`](crate::emit) turns it into Rust. Values are already parsed and typed (paths are
//! [`syn::Path`], flags are `bool`), so the emitter never re-parses strings.

use proc_macro2::Span;
use quote::quote;
use syn::{Expr, Ident, Meta, Path, Type, Visibility};

/// One version of a custom resource, as the emitter sees it.
#[derive(Debug, Clone)]
pub struct Resource {
    /// The user's spec struct (`FooSpec`); the generated root type wraps it.
    pub spec: Ident,
    /// Visibility of the spec struct, reused for the root type and its fields.
    pub vis: Visibility,
    /// Group, version, kind and the CRD names derived from them.
    pub names: Names,
    /// The root type's name when it is not the kind (`#[kube(struct = "Postgresql")]`): the
    /// kind names the type only when it is UpperCamelCase, and the API sees only the kind.
    pub root_name: Option<String>,
    /// Whether objects live in a namespace or at cluster level.
    pub scope: Scope,
    /// The spec struct's fields sit at the top level of the object (CRDs with no `spec`
    /// property): the root's `spec` field is flattened in JSON and in the schema.
    pub root_fields: bool,
    /// The status type (`FooStatus`); `Some` adds a `status` field and the status subresource.
    pub status: Option<Type>,
    /// The scale subresource (needs a status).
    pub scale: Option<Scale>,
    /// `kubectl get` columns (`additionalPrinterColumns`).
    pub print_columns: Vec<PrintColumn>,
    /// JSON paths usable in field selectors (`selectableFields`).
    pub selectable_fields: Vec<String>,
    /// CEL rules placed at the root of the schema (`x-kubernetes-validations`).
    pub validations: Vec<Rule>,
    /// Generate `validate_cel`/`validate_cel_update`, which run the CRD's CEL rules client-side
    /// (kube's `cel` feature).
    pub cel: bool,
    /// Serving flags of this version.
    pub version_flags: VersionFlags,
    /// Labels put on the `CustomResourceDefinition` object and on objects made by `Foo::new`.
    pub labels: Vec<(String, String)>,
    /// Annotations put on the `CustomResourceDefinition` object and on objects made by `Foo::new`.
    pub annotations: Vec<(String, String)>,
    /// Where the schema of the root type comes from.
    pub schema: SchemaMode,
    /// Extra derives on the root type (`PartialEq`, `Default`, ...).
    pub derives: Vec<Path>,
    /// Extra attributes on the root type, after its derives (`#[kube(attr = "...")]`).
    pub attrs: Vec<Meta>,
    /// Emit the typed facades `FooClient`, `FooLister` and `FooInformer` (opt-in: they add
    /// names to the user's module, which a drop-in for kube-derive must not).
    pub facades: bool,
    /// Doc comment of the root type; a generic sentence when `None`.
    pub doc: Option<String>,
    /// A JSON merge patch (RFC 7386, as JSON text) applied to the root schema in `crd()`:
    /// what no Rust type says at the root (the CLI's root `title`, `description`, `required`
    /// and `apiVersion`/`kind`/`metadata` properties).
    pub schema_patch: Option<String>,
    /// A JSON merge patch applied to the CRD version in `crd()`, last: what no other
    /// attribute says (the CLI's `subresources` as the input writes them).
    pub version_patch: Option<String>,
    /// Paths of the crates the generated code refers to.
    pub crates: Crates,
}

/// The identity and names of a custom resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    /// API group, e.g. `samplecontroller.k8s.io`.
    pub group: String,
    /// API version, e.g. `v1alpha1`.
    pub version: String,
    /// Kind, e.g. `Foo`; usually UpperCamelCase, but the apiserver also takes `postgresql`.
    pub kind: String,
    /// Lowercase plural used in URLs, e.g. `foos`.
    pub plural: String,
    /// Lowercase singular, e.g. `foo`.
    pub singular: String,
    /// Short names for `kubectl`, e.g. `["fo"]`.
    pub short_names: Vec<String>,
    /// Categories for `kubectl get <category>`, e.g. `["all"]`.
    pub categories: Vec<String>,
}

impl Names {
    /// Names for `group`/`version`/`kind` with the default plural and singular.
    pub fn new(
        group: impl Into<String>,
        version: impl Into<String>,
        kind: impl Into<String>,
    ) -> Self {
        let kind = kind.into();
        Self {
            group: group.into(),
            version: version.into(),
            plural: crate::names::default_plural(&kind),
            singular: crate::names::default_singular(&kind),
            kind,
            short_names: Vec::new(),
            categories: Vec::new(),
        }
    }

    /// `group/version`, or just `version` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The name of the `CustomResourceDefinition` object: `plural.group`.
    pub fn crd_name(&self) -> String {
        format!("{}.{}", self.plural, self.group)
    }

    /// The kind of the list type: `FooList`, k8s-openapi's `ListableResource::LIST_KIND`. The
    /// CRD leaves `spec.names.listKind` out, as kube-derive does; the apiserver defaults it to
    /// this same value.
    pub fn list_kind(&self) -> String {
        format!("{}List", self.kind)
    }
}

/// Where objects of a resource live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    /// Objects live at cluster level (the default, as in kube-derive).
    #[default]
    Cluster,
    /// Objects live in a namespace.
    Namespaced,
}

impl Scope {
    /// The value of `spec.scope` in the CRD.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Cluster => "Cluster",
            Scope::Namespaced => "Namespaced",
        }
    }
}

/// The scale subresource: where `kubectl scale` and the HPA read and write replicas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scale {
    /// JSON path of the desired replicas, e.g. `.spec.replicas`.
    pub spec_replicas_path: String,
    /// JSON path of the observed replicas, e.g. `.status.replicas`.
    pub status_replicas_path: String,
    /// JSON path of the label selector in string form, e.g. `.status.selector`.
    pub label_selector_path: Option<String>,
}

/// One `kubectl get` column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintColumn {
    /// Column header.
    pub name: String,
    /// OpenAPI type: `integer`, `number`, `string`, `boolean` or `date`.
    pub type_: String,
    /// JSON path of the value, e.g. `.spec.replicas`.
    pub json_path: String,
    /// Human readable description of the column.
    pub description: Option<String>,
    /// OpenAPI format, e.g. `int32` or `date-time`.
    pub format: Option<String>,
    /// 0 shows the column in the standard view, higher only with `-o wide`.
    pub priority: Option<i32>,
}

/// A CEL rule of the root schema, as written or as an expression evaluated in `crd()`.
#[derive(Debug, Clone)]
pub enum Rule {
    /// The rule's fields, known when the code is generated.
    Fields(Validation),
    /// An expression of a type that converts into kube's `Rule`, like
    /// `Rule::new("self.x > 1").message("...")`, as kube-derive's `validation = <expr>`.
    Expr(Expr),
}

impl From<Validation> for Rule {
    fn from(validation: Validation) -> Self {
        Rule::Fields(validation)
    }
}

/// A CEL validation rule (`x-kubernetes-validations`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Validation {
    /// The CEL expression, e.g. `self.spec.replicas <= 10`.
    pub rule: String,
    /// Message shown when the rule fails.
    pub message: Option<String>,
    /// CEL expression that builds the message.
    pub message_expression: Option<String>,
    /// Machine readable reason: `FieldValueInvalid`, `FieldValueForbidden`, ...
    pub reason: Option<String>,
    /// JSON path the error is reported at.
    pub field_path: Option<String>,
    /// Whether the rule is a transition rule that also runs when the old object is absent.
    pub optional_old_self: Option<bool>,
}

/// Serving flags of one version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionFlags {
    /// Whether the apiserver serves this version.
    pub served: bool,
    /// Whether objects are stored in this version (exactly one version of a CRD).
    pub storage: bool,
    /// `Some` marks the version deprecated, with an optional custom warning.
    pub deprecated: Option<Option<String>>,
}

impl Default for VersionFlags {
    fn default() -> Self {
        Self {
            served: true,
            storage: true,
            deprecated: None,
        }
    }
}

/// Where the OpenAPI schema of the root type comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SchemaMode {
    /// The root derives `JsonSchema`; spec and status must implement it (the default).
    #[default]
    Derived,
    /// The user implements `JsonSchema` for the root type by hand.
    Manual,
    /// No schema: the CRD preserves unknown fields and nothing needs `JsonSchema`.
    Disabled,
}

/// Paths of the crates generated code refers to.
///
/// Everything defaults to a re-export from `kube_gen`, so a user needs only `kube-gen` in
/// `Cargo.toml`; each path can be overridden (`#[kube(crates(kube = ::my_kube))]`).
#[derive(Debug, Clone)]
pub struct Crates {
    /// The kube-gen runtime, `::kube_gen` by default.
    pub kube_gen: Path,
    /// kube, `<kube_gen>::__private::kube` by default.
    pub kube: Path,
    /// kube-core, `<kube>::core` by default.
    pub kube_core: Path,
    /// k8s-openapi, `<kube_gen>::__private::k8s_openapi` by default.
    pub k8s_openapi: Path,
    /// serde, `<kube_gen>::__private::serde` by default.
    pub serde: Path,
    /// schemars 1.x, `<kube_gen>::__private::schemars` by default.
    pub schemars: Path,
    /// The standard library, `::std` by default.
    pub std: Path,
}

/// Overrides of [`Crates`]' defaults, each `None` when not given.
#[derive(Debug, Clone, Default)]
pub struct CrateOverrides {
    /// `kube_gen = ...`.
    pub kube_gen: Option<Path>,
    /// `kube = ...`.
    pub kube: Option<Path>,
    /// `kube_core = ...`.
    pub kube_core: Option<Path>,
    /// `k8s_openapi = ...`.
    pub k8s_openapi: Option<Path>,
    /// `serde = ...`.
    pub serde: Option<Path>,
    /// `schemars = ...`.
    pub schemars: Option<Path>,
    /// `std = ...`.
    pub std: Option<Path>,
}

impl Crates {
    /// Paths under `kube_gen` (`::kube_gen` when not overridden), each overridable.
    pub fn new(overrides: CrateOverrides) -> Self {
        let kube_gen = overrides
            .kube_gen
            .unwrap_or_else(|| path(quote!(::kube_gen)));
        let private = |name: &str| {
            let name = Ident::new(name, Span::call_site());
            path(quote!(#kube_gen::__private::#name))
        };
        let kube = overrides.kube.unwrap_or_else(|| private("kube"));
        Self {
            kube_core: overrides
                .kube_core
                .unwrap_or_else(|| path(quote!(#kube::core))),
            kube,
            k8s_openapi: overrides
                .k8s_openapi
                .unwrap_or_else(|| private("k8s_openapi")),
            serde: overrides.serde.unwrap_or_else(|| private("serde")),
            schemars: overrides.schemars.unwrap_or_else(|| private("schemars")),
            std: overrides.std.unwrap_or_else(|| path(quote!(::std))),
            kube_gen,
        }
    }
}

impl Default for Crates {
    fn default() -> Self {
        Self::new(CrateOverrides::default())
    }
}

fn path(tokens: proc_macro2::TokenStream) -> Path {
    syn::parse2(tokens).expect("a crate path is a valid syn::Path")
}

impl Resource {
    /// A resource with default everything but its spec type and names.
    pub fn new(spec: Ident, names: Names) -> Self {
        Self {
            spec,
            vis: Visibility::Public(Default::default()),
            names,
            root_name: None,
            scope: Scope::default(),
            root_fields: false,
            status: None,
            scale: None,
            print_columns: Vec::new(),
            selectable_fields: Vec::new(),
            validations: Vec::new(),
            cel: false,
            version_flags: VersionFlags::default(),
            labels: Vec::new(),
            annotations: Vec::new(),
            schema: SchemaMode::default(),
            derives: Vec::new(),
            attrs: Vec::new(),
            facades: false,
            doc: None,
            schema_patch: None,
            version_patch: None,
            crates: Crates::default(),
        }
    }

    /// The identifier of the generated root type: [`root_name`](Self::root_name), else the kind.
    pub fn root(&self) -> Ident {
        let name = self.root_name.as_deref().unwrap_or(&self.names.kind);
        Ident::new(name, self.spec.span())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_version_joins_group_and_version() {
        let names = Names::new("example.com", "v1", "Foo");
        assert_eq!(names.api_version(), "example.com/v1");
        assert_eq!(names.crd_name(), "foos.example.com");
        assert_eq!(names.list_kind(), "FooList");
        assert_eq!(Names::new("", "v1", "Pod").api_version(), "v1");
    }

    #[test]
    fn the_root_is_named_by_root_name_else_the_kind() {
        let spec = Ident::new("PostgresqlSpec", Span::call_site());
        let mut r = Resource::new(spec, Names::new("acid.zalan.do", "v1", "postgresql"));
        assert_eq!(r.root(), "postgresql");
        r.root_name = Some("Postgresql".into());
        assert_eq!(r.root(), "Postgresql");
        assert_eq!(r.names.list_kind(), "postgresqlList");
    }

    #[test]
    fn crate_paths_default_to_kube_gen_private_reexports() {
        let crates = Crates::default();
        let kube = &crates.kube;
        assert_eq!(
            quote!(#kube).to_string(),
            ":: kube_gen :: __private :: kube"
        );
        let custom = Crates::new(CrateOverrides {
            kube_gen: Some(syn::parse_quote!(crate::kg)),
            ..Default::default()
        });
        let (serde, kube_core) = (&custom.serde, &custom.kube_core);
        assert_eq!(
            quote!(#serde).to_string(),
            "crate :: kg :: __private :: serde"
        );
        assert_eq!(
            quote!(#kube_core).to_string(),
            "crate :: kg :: __private :: kube :: core"
        );
    }
}
