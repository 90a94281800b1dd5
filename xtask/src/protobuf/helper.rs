//! The helper of `crate::protobuf::field` each proto field's arm calls, picked from its
//! proto type and its Go field (pointer, `omitempty`, embedded), as the runtime's table says.

use anyhow::{Context, bail};

use super::go::GoField;
use super::model::Call;
use super::proto::{FieldDef, Label};

/// The helper of `crate::protobuf::field` an arm calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Helper {
    String,
    StringOmitempty,
    Bool,
    BoolOmitempty,
    Int32,
    Int32Omitempty,
    Int64,
    Int64Omitempty,
    Bytes,
    BytesOmitempty,
    Message,
    Time,
    MicroTime,
    IntOrString,
    RawExtension,
    FieldsV1,
    RepeatedString,
    RepeatedBytes,
    RepeatedInt32,
    RepeatedInt64,
    RepeatedMessage,
    MapString,
    MapBytes,
    MapMessage,
}

impl Helper {
    /// Its function name in `crate::protobuf::field`.
    pub fn name(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::StringOmitempty => "string_omitempty",
            Self::Bool => "bool",
            Self::BoolOmitempty => "bool_omitempty",
            Self::Int32 => "int32",
            Self::Int32Omitempty => "int32_omitempty",
            Self::Int64 => "int64",
            Self::Int64Omitempty => "int64_omitempty",
            Self::Bytes => "bytes",
            Self::BytesOmitempty => "bytes_omitempty",
            Self::Message => "message",
            Self::Time => "time",
            Self::MicroTime => "micro_time",
            Self::IntOrString => "int_or_string",
            Self::RawExtension => "raw_extension",
            Self::FieldsV1 => "fields_v1",
            Self::RepeatedString => "repeated_string",
            Self::RepeatedBytes => "repeated_bytes",
            Self::RepeatedInt32 => "repeated_int32",
            Self::RepeatedInt64 => "repeated_int64",
            Self::RepeatedMessage => "repeated_message",
            Self::MapString => "map_string",
            Self::MapBytes => "map_bytes",
            Self::MapMessage => "map_message",
        }
    }
}

/// What the wire types of apimachinery's special messages become.
enum Special {
    Helper(Helper),
    Verbs,
}

fn special(package: &str, name: &str) -> Option<anyhow::Result<Special>> {
    let helper = |h| Some(Ok(Special::Helper(h)));
    match (package, name) {
        ("k8s.io.apimachinery.pkg.apis.meta.v1", "Time") => helper(Helper::Time),
        ("k8s.io.apimachinery.pkg.apis.meta.v1", "MicroTime") => helper(Helper::MicroTime),
        ("k8s.io.apimachinery.pkg.apis.meta.v1", "FieldsV1") => helper(Helper::FieldsV1),
        ("k8s.io.apimachinery.pkg.util.intstr", "IntOrString") => helper(Helper::IntOrString),
        ("k8s.io.apimachinery.pkg.runtime", "RawExtension") => helper(Helper::RawExtension),
        // Hand-written `impl Message for Quantity` (field/special.rs).
        ("k8s.io.apimachinery.pkg.api.resource", "Quantity") => helper(Helper::Message),
        ("k8s.io.apimachinery.pkg.apis.meta.v1", "Verbs") => Some(Ok(Special::Verbs)),
        ("k8s.io.apimachinery.pkg.apis.meta.v1", "Duration") => Some(Err(anyhow::anyhow!(
            "meta.v1.Duration has no k8s-openapi type and no helper"
        ))),
        _ => None,
    }
}

/// A proto type, resolved against the package it is used in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Type {
    String,
    Bytes,
    Bool,
    Int32,
    Int64,
    Message(String, String),
}

pub fn resolve(package: &str, ty: &str) -> anyhow::Result<Type> {
    Ok(match ty {
        "string" => Type::String,
        "bytes" => Type::Bytes,
        "bool" => Type::Bool,
        "int32" => Type::Int32,
        "int64" => Type::Int64,
        "double" | "float" | "uint32" | "uint64" | "sint32" | "sint64" | "fixed32" | "fixed64"
        | "sfixed32" | "sfixed64" => bail!("proto type {ty} has no helper"),
        qualified if qualified.starts_with('.') => {
            let (package, name) = qualified[1..]
                .rsplit_once('.')
                .with_context(|| format!("type {qualified} has no package"))?;
            Type::Message(package.to_owned(), name.to_owned())
        }
        local => Type::Message(package.to_owned(), local.to_owned()),
    })
}

/// Where one field's arm lands: its call, and the message its helper needs a decoder for.
pub struct Resolved {
    pub call: Call,
    pub needs: Option<(String, String)>,
}

/// The call for one proto field, from its proto type and Go field; `None` when the
/// k8s-openapi struct has no field of its name.
pub fn resolve_field(
    package: &str,
    target: &str,
    field: &FieldDef,
    go: Option<&GoField>,
    rust_field: impl Fn(&str) -> Option<String>,
) -> anyhow::Result<Option<Resolved>> {
    if let Some(go) = go.filter(|g| g.is_inline()) {
        let function = format!("merge_{}_into_{}", snake(&go.name), snake(target));
        return Ok(Some(Resolved {
            call: Call::Inline { function },
            needs: None,
        }));
    }
    let Some(rust) = rust_field(&field.name) else {
        return Ok(None);
    };
    let ty = resolve(package, &field.ty)?;
    let field_call = |helper| Call::Field {
        helper,
        rust: rust.clone(),
    };
    let message = |helper, package: String, name: String| -> anyhow::Result<Resolved> {
        match special(&package, &name).transpose()? {
            Some(Special::Helper(special)) if helper == Helper::Message => Ok(Resolved {
                call: field_call(special),
                needs: None,
            }),
            Some(Special::Helper(Helper::Message)) => Ok(Resolved {
                call: field_call(helper),
                needs: None,
            }),
            Some(Special::Verbs) if helper == Helper::Message => Ok(Resolved {
                call: Call::Wrapped {
                    function: "merge_verbs".into(),
                    rust: rust.clone(),
                },
                needs: None,
            }),
            Some(_) => bail!("{package}.{name} is supported only as an optional field"),
            None => Ok(Resolved {
                call: field_call(helper),
                needs: Some((package, name)),
            }),
        }
    };
    let scalar = |plain: Helper, omitempty: Helper| -> anyhow::Result<Resolved> {
        let go = go.context("no Go field has this protobuf number, so its presence is unknown")?;
        let helper = if go.omitempty && !go.pointer {
            omitempty
        } else {
            plain
        };
        Ok(Resolved {
            call: field_call(helper),
            needs: None,
        })
    };
    let plain = |helper| Resolved {
        call: field_call(helper),
        needs: None,
    };
    let resolved = match (&field.label, ty) {
        (Label::Optional, Type::String) => scalar(Helper::String, Helper::StringOmitempty)?,
        (Label::Optional, Type::Bool) => scalar(Helper::Bool, Helper::BoolOmitempty)?,
        (Label::Optional, Type::Int32) => scalar(Helper::Int32, Helper::Int32Omitempty)?,
        (Label::Optional, Type::Int64) => scalar(Helper::Int64, Helper::Int64Omitempty)?,
        (Label::Optional, Type::Bytes) => scalar(Helper::Bytes, Helper::BytesOmitempty)?,
        (Label::Optional, Type::Message(p, n)) => message(Helper::Message, p, n)?,
        (Label::Repeated, Type::String) => plain(Helper::RepeatedString),
        (Label::Repeated, Type::Bytes) => plain(Helper::RepeatedBytes),
        (Label::Repeated, Type::Int32) => plain(Helper::RepeatedInt32),
        (Label::Repeated, Type::Int64) => plain(Helper::RepeatedInt64),
        (Label::Repeated, Type::Message(p, n)) => message(Helper::RepeatedMessage, p, n)?,
        (Label::Map(key), _) if key != "string" => bail!("map keys other than string"),
        (Label::Map(_), Type::String) => plain(Helper::MapString),
        (Label::Map(_), Type::Bytes) => plain(Helper::MapBytes),
        (Label::Map(_), Type::Message(p, n)) => message(Helper::MapMessage, p, n)?,
        (label, ty) => bail!("{label:?} {ty:?} has no helper"),
    };
    Ok(Some(resolved))
}

/// The Rust name of the inline function for an embedded Go struct: `VolumeSource` →
/// `volume_source`, `LocalObjectReference` → `local_object_reference`.
pub fn snake(name: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let after_lower = i > 0 && !chars[i - 1].is_ascii_uppercase();
            let before_lower = i > 0 && chars.get(i + 1).is_some_and(char::is_ascii_lowercase);
            if after_lower || (before_lower && chars[i - 1].is_ascii_uppercase()) {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn go(json: &str, omitempty: bool, pointer: bool) -> GoField {
        GoField {
            name: "X".into(),
            json: json.into(),
            omitempty,
            pointer,
        }
    }

    fn field(label: Label, ty: &str, name: &str) -> FieldDef {
        FieldDef {
            label,
            ty: ty.into(),
            name: name.into(),
            number: 1,
        }
    }

    fn call(field: &FieldDef, go_field: Option<&GoField>) -> Option<Call> {
        let rust = |json: &str| (json != "missing").then(|| format!("r_{json}"));
        resolve_field("k8s.io.api.core.v1", "Volume", field, go_field, rust)
            .unwrap()
            .map(|r| r.call)
    }

    fn helper(name: &str, rust: &str) -> Option<Call> {
        let helper = [
            Helper::String,
            Helper::StringOmitempty,
            Helper::Int32,
            Helper::Time,
            Helper::MapMessage,
            Helper::RepeatedMessage,
            Helper::IntOrString,
        ]
        .into_iter()
        .find(|h| h.name() == name)
        .unwrap();
        Some(Call::Field {
            helper,
            rust: rust.into(),
        })
    }

    #[test]
    fn the_go_field_picks_pointer_omitempty_or_always() {
        let f = field(Label::Optional, "string", "a");
        assert_eq!(
            call(&f, Some(&go("a", true, true))),
            helper("string", "r_a")
        );
        assert_eq!(
            call(&f, Some(&go("a", true, false))),
            helper("string_omitempty", "r_a")
        );
        assert_eq!(
            call(&f, Some(&go("a", false, false))),
            helper("string", "r_a")
        );
        let n = field(Label::Optional, "int32", "n");
        assert_eq!(
            call(&n, Some(&go("n", false, true))),
            helper("int32", "r_n")
        );
    }

    #[test]
    fn special_messages_maps_and_inline_structs_get_their_helpers() {
        let time = field(
            Label::Optional,
            ".k8s.io.apimachinery.pkg.apis.meta.v1.Time",
            "t",
        );
        assert_eq!(call(&time, None), helper("time", "r_t"));
        let quantities = field(
            Label::Map("string".into()),
            ".k8s.io.apimachinery.pkg.api.resource.Quantity",
            "limits",
        );
        assert_eq!(call(&quantities, None), helper("map_message", "r_limits"));
        let port = field(
            Label::Optional,
            ".k8s.io.apimachinery.pkg.util.intstr.IntOrString",
            "port",
        );
        assert_eq!(call(&port, None), helper("int_or_string", "r_port"));
        let items = field(Label::Repeated, "KeyToPath", "items");
        assert_eq!(call(&items, None), helper("repeated_message", "r_items"));

        let mut embedded = go("", false, false);
        embedded.name = "VolumeSource".into();
        let inline = field(Label::Optional, "VolumeSource", "volumeSource");
        let function = "merge_volume_source_into_volume".to_owned();
        assert_eq!(
            call(&inline, Some(&embedded)),
            Some(Call::Inline { function })
        );
        assert_eq!(call(&field(Label::Optional, "X", "missing"), None), None);
    }

    #[test]
    fn shapes_without_a_helper_are_errors() {
        let scalar_without_go = field(Label::Optional, "string", "a");
        let rust = |_: &str| Some("a".to_owned());
        let error = resolve_field("p", "T", &scalar_without_go, None, rust)
            .err()
            .unwrap();
        assert!(error.to_string().contains("presence is unknown"), "{error}");
        let times = field(
            Label::Repeated,
            ".k8s.io.apimachinery.pkg.apis.meta.v1.Time",
            "a",
        );
        assert!(resolve_field("p", "T", &times, None, rust).is_err());
        let floats = field(Label::Optional, "double", "a");
        assert!(resolve_field("p", "T", &floats, None, rust).is_err());
    }

    #[test]
    fn snake_case_splits_acronyms() {
        assert_eq!(snake("VolumeSource"), "volume_source");
        assert_eq!(snake("LocalObjectReference"), "local_object_reference");
        assert_eq!(snake("ProbeHandler"), "probe_handler");
        assert_eq!(
            snake("EphemeralContainerCommon"),
            "ephemeral_container_common"
        );
        assert_eq!(snake("PersistentVolumeSource"), "persistent_volume_source");
        assert_eq!(snake("HTTPGetAction"), "http_get_action");
    }
}
