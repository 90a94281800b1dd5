//! Parses `#[kube(...)]` attributes with `syn::meta::parse_nested_meta`, keeping each value's
//! span; misuse (unknown or duplicate keys, wrong value types) is recorded in the [`Ctxt`].

use proc_macro2::Span;
use quote::ToTokens;
use syn::meta::ParseNestedMeta;
use syn::{LitStr, Path, Token, Type};

use crate::ctxt::Ctxt;
use crate::suggest::unknown_key;
use crate::values::{
    boolean, deprecated, flag, int, nested, pair, schema_mode, skip_value, status, string,
};
use kube_gen_codegen::model::SchemaMode;

/// Every key `#[kube(...)]` accepts, for "did you mean" suggestions.
pub(crate) const KEYS: &[&str] = &[
    "group",
    "version",
    "kind",
    "struct",
    "plural",
    "singular",
    "shortname",
    "category",
    "namespaced",
    "root_fields",
    "status",
    "scale",
    "printcolumn",
    "selectable",
    "validation",
    "schema",
    "served",
    "storage",
    "deprecated",
    "label",
    "annotation",
    "derive",
    "doc",
    "crates",
];

/// A value with the span of the key that set it (for duplicate and "needs" errors).
#[derive(Debug, Clone)]
pub(crate) struct Spanned<T> {
    pub(crate) key: Span,
    pub(crate) value: T,
}

/// The raw contents of all `#[kube(...)]` attributes on the input.
#[derive(Debug, Default)]
pub(crate) struct Attrs {
    /// Span of the first `#[kube]` attribute, where "missing key" errors go.
    pub(crate) first_attr: Option<Span>,
    /// Known keys that were written, even with an unusable value (no "missing" error for them).
    pub(crate) seen: Vec<&'static str>,
    pub(crate) group: Option<Spanned<LitStr>>,
    pub(crate) version: Option<Spanned<LitStr>>,
    pub(crate) kind: Option<Spanned<LitStr>>,
    /// `struct = "Postgresql"`: the root type's name, for kinds that can't be one.
    pub(crate) struct_name: Option<Spanned<LitStr>>,
    pub(crate) plural: Option<Spanned<LitStr>>,
    pub(crate) singular: Option<Spanned<LitStr>>,
    pub(crate) shortnames: Vec<LitStr>,
    pub(crate) categories: Vec<LitStr>,
    pub(crate) namespaced: Option<Spanned<bool>>,
    pub(crate) root_fields: Option<Spanned<bool>>,
    pub(crate) status: Option<Spanned<Type>>,
    pub(crate) scale: Option<Spanned<Scale>>,
    pub(crate) printcolumns: Vec<Spanned<PrintColumn>>,
    pub(crate) selectable: Vec<LitStr>,
    pub(crate) validations: Vec<Spanned<Validation>>,
    pub(crate) schema: Option<Spanned<SchemaMode>>,
    pub(crate) served: Option<Spanned<bool>>,
    pub(crate) storage: Option<Spanned<bool>>,
    pub(crate) deprecated: Option<Spanned<Option<String>>>,
    pub(crate) labels: Vec<(LitStr, LitStr)>,
    pub(crate) annotations: Vec<(LitStr, LitStr)>,
    pub(crate) derives: Vec<Path>,
    pub(crate) doc: Option<Spanned<LitStr>>,
    pub(crate) crates: Crates,
}

/// `scale(spec_replicas_path = "...", status_replicas_path = "...", label_selector_path = "...")`.
#[derive(Debug, Default)]
pub(crate) struct Scale {
    pub(crate) spec_replicas_path: Option<LitStr>,
    pub(crate) status_replicas_path: Option<LitStr>,
    pub(crate) label_selector_path: Option<LitStr>,
}

/// `printcolumn(name = "...", type = "...", json_path = "...", ...)`.
#[derive(Debug, Default)]
pub(crate) struct PrintColumn {
    pub(crate) name: Option<LitStr>,
    pub(crate) type_: Option<LitStr>,
    pub(crate) json_path: Option<LitStr>,
    pub(crate) description: Option<LitStr>,
    pub(crate) format: Option<LitStr>,
    pub(crate) priority: Option<i32>,
}

/// `validation = "rule"` or `validation(rule = "...", message = "...", ...)`.
#[derive(Debug, Default)]
pub(crate) struct Validation {
    pub(crate) rule: Option<LitStr>,
    pub(crate) message: Option<LitStr>,
    pub(crate) message_expression: Option<LitStr>,
    pub(crate) reason: Option<LitStr>,
    pub(crate) field_path: Option<LitStr>,
    pub(crate) optional_old_self: Option<bool>,
}

/// `crates(kube_gen = ::kube_gen, kube = ::kube, ...)`.
#[derive(Debug, Default)]
pub(crate) struct Crates {
    pub(crate) kube_gen: Option<Path>,
    pub(crate) kube: Option<Path>,
    pub(crate) k8s_openapi: Option<Path>,
    pub(crate) serde: Option<Path>,
    pub(crate) schemars: Option<Path>,
}

impl Attrs {
    /// Reads every `#[kube(...)]` attribute of `attrs`, recording misuse in `cx`.
    pub(crate) fn parse(cx: &Ctxt, attrs: &[syn::Attribute]) -> Self {
        let mut out = Attrs::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident("kube")) {
            out.first_attr.get_or_insert_with(|| {
                attr.path()
                    .get_ident()
                    .map_or_else(Span::call_site, |i| i.span())
            });
            if let Err(err) = attr.parse_nested_meta(|meta| out.key(cx, meta)) {
                cx.syn_error(err);
            }
        }
        out
    }

    fn key(&mut self, cx: &Ctxt, meta: ParseNestedMeta<'_>) -> syn::Result<()> {
        let span = meta.path.span_of_key();
        let name = meta.path.to_token_stream().to_string().replace(' ', "");
        if let Some(known) = KEYS.iter().find(|k| **k == name) {
            self.seen.push(known);
        }
        match name.as_str() {
            "group" => set(
                cx,
                &mut self.group,
                span,
                "group",
                string(cx, &meta, "group", "\"example.com\"")?,
            ),
            "version" => set(
                cx,
                &mut self.version,
                span,
                "version",
                string(cx, &meta, "version", "\"v1\"")?,
            ),
            "kind" => set(
                cx,
                &mut self.kind,
                span,
                "kind",
                string(cx, &meta, "kind", "\"Foo\"")?,
            ),
            "struct" => set(
                cx,
                &mut self.struct_name,
                span,
                "struct",
                string(cx, &meta, "struct", "\"Foo\"")?,
            ),
            "plural" => set(
                cx,
                &mut self.plural,
                span,
                "plural",
                string(cx, &meta, "plural", "\"foos\"")?,
            ),
            "singular" => set(
                cx,
                &mut self.singular,
                span,
                "singular",
                string(cx, &meta, "singular", "\"foo\"")?,
            ),
            "shortname" => self
                .shortnames
                .extend(string(cx, &meta, "shortname", "\"fo\"")?),
            "category" => self
                .categories
                .extend(string(cx, &meta, "category", "\"all\"")?),
            "selectable" => {
                self.selectable
                    .extend(string(cx, &meta, "selectable", "\".spec.color\"")?)
            }
            "namespaced" => set(
                cx,
                &mut self.namespaced,
                span,
                "namespaced",
                flag(cx, &meta, "namespaced")?,
            ),
            "root_fields" => set(
                cx,
                &mut self.root_fields,
                span,
                "root_fields",
                flag(cx, &meta, "root_fields")?,
            ),
            "served" => set(
                cx,
                &mut self.served,
                span,
                "served",
                boolean(cx, &meta, "served")?,
            ),
            "storage" => set(
                cx,
                &mut self.storage,
                span,
                "storage",
                boolean(cx, &meta, "storage")?,
            ),
            "status" => set(cx, &mut self.status, span, "status", status(cx, &meta)?),
            "schema" => set(
                cx,
                &mut self.schema,
                span,
                "schema",
                schema_mode(cx, &meta)?,
            ),
            "doc" => set(
                cx,
                &mut self.doc,
                span,
                "doc",
                string(cx, &meta, "doc", "\"A Foo.\"")?,
            ),
            "deprecated" => set(
                cx,
                &mut self.deprecated,
                span,
                "deprecated",
                deprecated(cx, &meta)?,
            ),
            "derive" => {
                if let Some(lit) = string(cx, &meta, "derive", "\"PartialEq\"")? {
                    match lit.parse::<Path>() {
                        Ok(path) => self.derives.push(path),
                        Err(_) => cx.error_spanned_by(
                            &lit,
                            "`derive` expects a trait path in a string, like \"PartialEq\"",
                        ),
                    }
                }
            }
            "label" => self.labels.extend(pair(cx, &meta, "label")?),
            "annotation" => self.annotations.extend(pair(cx, &meta, "annotation")?),
            "scale" => {
                let keys = &[
                    "spec_replicas_path",
                    "status_replicas_path",
                    "label_selector_path",
                ];
                let scale = nested(
                    cx,
                    &meta,
                    "scale",
                    |s: &mut Scale, key, meta| {
                        match key {
                            "spec_replicas_path" => {
                                s.spec_replicas_path = string(cx, meta, key, "\".spec.replicas\"")?
                            }
                            "status_replicas_path" => {
                                s.status_replicas_path =
                                    string(cx, meta, key, "\".status.replicas\"")?
                            }
                            "label_selector_path" => {
                                s.label_selector_path =
                                    string(cx, meta, key, "\".status.selector\"")?
                            }
                            _ => return Ok(false),
                        }
                        Ok(true)
                    },
                    keys,
                )?;
                set(cx, &mut self.scale, span, "scale", scale);
            }
            "printcolumn" => {
                let keys = &[
                    "name",
                    "type",
                    "json_path",
                    "description",
                    "format",
                    "priority",
                ];
                let column = nested(
                    cx,
                    &meta,
                    "printcolumn",
                    |c: &mut PrintColumn, key, meta| {
                        match key {
                            "name" => c.name = string(cx, meta, key, "\"Replicas\"")?,
                            "type" => c.type_ = string(cx, meta, key, "\"integer\"")?,
                            "json_path" => {
                                c.json_path = string(cx, meta, key, "\".spec.replicas\"")?
                            }
                            "description" => c.description = string(cx, meta, key, "\"...\"")?,
                            "format" => c.format = string(cx, meta, key, "\"int32\"")?,
                            "priority" => c.priority = int(cx, meta, key)?,
                            _ => return Ok(false),
                        }
                        Ok(true)
                    },
                    keys,
                )?;
                self.printcolumns
                    .extend(column.map(|value| Spanned { key: span, value }));
            }
            "validation" => {
                let validation = if meta.input.peek(Token![=]) {
                    string(cx, &meta, "validation", "\"self.spec.replicas <= 10\"")?.map(|rule| {
                        Validation {
                            rule: Some(rule),
                            ..Default::default()
                        }
                    })
                } else {
                    let keys = &[
                        "rule",
                        "message",
                        "message_expression",
                        "reason",
                        "field_path",
                        "optional_old_self",
                    ];
                    nested(
                        cx,
                        &meta,
                        "validation",
                        |v: &mut Validation, key, meta| {
                            match key {
                                "rule" => {
                                    v.rule = string(cx, meta, key, "\"self.replicas <= 10\"")?
                                }
                                "message" => v.message = string(cx, meta, key, "\"...\"")?,
                                "message_expression" => {
                                    v.message_expression = string(cx, meta, key, "\"...\"")?
                                }
                                "reason" => {
                                    v.reason = string(cx, meta, key, "\"FieldValueInvalid\"")?
                                }
                                "field_path" => {
                                    v.field_path = string(cx, meta, key, "\".spec.replicas\"")?
                                }
                                "optional_old_self" => {
                                    v.optional_old_self = boolean(cx, meta, key)?
                                }
                                _ => return Ok(false),
                            }
                            Ok(true)
                        },
                        keys,
                    )?
                };
                self.validations
                    .extend(validation.map(|value| Spanned { key: span, value }));
            }
            "crates" => {
                let keys = &["kube_gen", "kube", "k8s_openapi", "serde", "schemars"];
                if let Some(crates) = nested(
                    cx,
                    &meta,
                    "crates",
                    |c: &mut Crates, key, meta| {
                        let slot = match key {
                            "kube_gen" => &mut c.kube_gen,
                            "kube" => &mut c.kube,
                            "k8s_openapi" => &mut c.k8s_openapi,
                            "serde" => &mut c.serde,
                            "schemars" => &mut c.schemars,
                            _ => return Ok(false),
                        };
                        *slot = Some(meta.value()?.parse::<Path>()?);
                        Ok(true)
                    },
                    keys,
                )? {
                    self.crates = crates;
                }
            }
            _ => {
                skip_value(&meta)?;
                cx.error_spanned_by(&meta.path, unknown_key("#[kube(...)]", &name, KEYS));
            }
        }
        Ok(())
    }
}

/// Span of a key, whether a plain ident or a path.
trait SpanOfKey {
    fn span_of_key(&self) -> Span;
}

impl SpanOfKey for Path {
    fn span_of_key(&self) -> Span {
        self.segments
            .first()
            .map_or_else(Span::call_site, |s| s.ident.span())
    }
}

/// Stores a single-valued key, reporting a duplicate on the second key.
fn set<T>(cx: &Ctxt, slot: &mut Option<Spanned<T>>, key: Span, name: &str, value: Option<T>) {
    let Some(value) = value else { return };
    if slot.is_some() {
        cx.error_at(key, format!("duplicate `{name}`; it can be set only once"));
        return;
    }
    *slot = Some(Spanned { key, value });
}
