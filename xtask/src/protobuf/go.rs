//! The Go side of each field, read from the struct tags in a package's `.go` files: its JSON
//! name and `omitempty`, and whether it is a pointer. The `.proto` files don't say, and the
//! JSON a field decodes to depends on it (docs/design/protobuf.md §3).

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, bail};

/// One Go struct field with a `protobuf:"..."` tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoField {
    /// The Go field name, or the embedded type's name.
    pub name: String,
    /// The JSON name; empty for an embedded struct whose fields JSON flattens.
    pub json: String,
    pub omitempty: bool,
    /// `*T`: set means present, even to the zero value.
    pub pointer: bool,
}

impl GoField {
    /// An embedded struct JSON flattens into its parent (`VolumeSource \`json:""\``,
    /// `LocalObjectReference \`json:",inline"\``).
    pub fn is_inline(&self) -> bool {
        self.json.is_empty()
    }
}

/// Struct name → field number → field.
pub type GoStructs = BTreeMap<String, BTreeMap<u32, GoField>>;

/// Reads the structs of every non-test `.go` file in `dir`.
///
/// # Errors
///
/// When a file can't be read, or a tag with a protobuf number can't be parsed.
pub fn read_package(dir: &Path) -> anyhow::Result<GoStructs> {
    let mut structs = GoStructs::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .collect::<Result<_, _>>()?;
    entries.sort_by_key(std::fs::DirEntry::path);
    for entry in entries {
        let path = entry.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if !name.ends_with(".go") || name.ends_with("_test.go") {
            continue;
        }
        let src = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let parsed = parse(&src).with_context(|| format!("in {}", path.display()))?;
        for (name, fields) in parsed {
            if structs.insert(name.clone(), fields).is_some() {
                bail!("struct {name} is defined twice in {}", dir.display());
            }
        }
    }
    Ok(structs)
}

/// The structs of one Go file that have at least one protobuf-tagged field.
///
/// A struct starts at `type Name struct {` and ends at the first `}` in column 0; inside,
/// a field is a line `Name Type \`tags\`` or `Type \`tags\`` (embedded).
///
/// # Errors
///
/// When a protobuf tag has no field number.
pub fn parse(src: &str) -> anyhow::Result<GoStructs> {
    let mut structs = GoStructs::new();
    let mut current: Option<(String, BTreeMap<u32, GoField>)> = None;
    for (index, line) in src.lines().enumerate() {
        if let Some(rest) = line.strip_prefix("type ") {
            if let Some(name) = rest.strip_suffix(" struct {") {
                current = Some((name.trim().to_owned(), BTreeMap::new()));
            }
            continue;
        }
        let Some((_, fields)) = current.as_mut() else {
            continue;
        };
        if line.starts_with('}') {
            if let Some((name, fields)) = current.take()
                && !fields.is_empty()
            {
                structs.insert(name, fields);
            }
            continue;
        }
        if let Some((number, field)) =
            field(line).with_context(|| format!("line {}: {}", index + 1, line.trim()))?
        {
            fields.insert(number, field);
        }
    }
    Ok(structs)
}

/// One struct line: `None` unless it is a field with a protobuf tag.
fn field(line: &str) -> anyhow::Result<Option<(u32, GoField)>> {
    let line = line.trim();
    if line.starts_with("//") {
        return Ok(None);
    }
    let Some((decl, tags)) = line.split_once('`') else {
        return Ok(None);
    };
    let Some(protobuf) = tag(tags, "protobuf") else {
        return Ok(None);
    };
    if protobuf == "-" {
        return Ok(None);
    }
    let number = protobuf
        .split(',')
        .nth(1)
        .and_then(|n| n.parse().ok())
        .with_context(|| format!("protobuf tag {protobuf:?} has no field number"))?;
    let words: Vec<&str> = decl.split_whitespace().collect();
    let (name, ty) = match words[..] {
        [name, ty] => (name, ty),
        [ty] => (ty.rsplit('.').next().unwrap_or(ty), ty),
        _ => bail!("expected `Name Type` or an embedded `Type` before the tags"),
    };
    let json = tag(tags, "json").unwrap_or_default();
    let mut options = json.split(',');
    let json_name = options.next().unwrap_or_default();
    Ok(Some((
        number,
        GoField {
            name: name.trim_start_matches('*').to_owned(),
            json: json_name.to_owned(),
            omitempty: options.any(|o| o == "omitempty"),
            pointer: ty.starts_with('*'),
        },
    )))
}

/// The value of `key:"value"` in a Go struct tag.
fn tag<'a>(tags: &'a str, key: &str) -> Option<&'a str> {
    let start = tags.find(&format!("{key}:\""))? + key.len() + 2;
    let len = tags[start..].find('"')?;
    Some(&tags[start..start + len])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_carry_json_name_omitempty_pointer_and_inline() {
        let src = r#"
// Volume is a volume.
type Volume struct {
	// name of the volume.
	Name string `json:"name" protobuf:"bytes,1,opt,name=name"`
	// volumeSource, flattened.
	VolumeSource `json:"" protobuf:"bytes,2,opt,name=volumeSource"`
}

type ConfigMapEnvSource struct {
	LocalObjectReference `json:",inline" protobuf:"bytes,1,opt,name=localObjectReference"`
	Optional *bool `json:"optional,omitempty" protobuf:"varint,2,opt,name=optional"`
	metav1.TypeMeta `json:",inline"`
	Skipped string `json:"skipped" protobuf:"-"`
}

type Verbs []string

type NoProto struct {
	A string `json:"a"`
}
"#;
        let structs = parse(src).unwrap();
        assert_eq!(
            structs.keys().collect::<Vec<_>>(),
            ["ConfigMapEnvSource", "Volume"]
        );
        let volume = &structs["Volume"];
        assert_eq!(
            volume[&1],
            GoField {
                name: "Name".into(),
                json: "name".into(),
                omitempty: false,
                pointer: false
            }
        );
        assert!(volume[&2].is_inline());
        let env = &structs["ConfigMapEnvSource"];
        assert!(env[&1].is_inline());
        assert_eq!(env[&1].name, "LocalObjectReference");
        assert!(env[&2].pointer && env[&2].omitempty && !env[&2].is_inline());
        assert_eq!(env.len(), 2);
    }

    #[test]
    fn a_protobuf_tag_without_a_number_is_an_error() {
        let src = "type A struct {\n\tX string `json:\"x\" protobuf:\"bytes\"`\n}\n";
        let error = format!("{:#}", parse(src).unwrap_err());
        assert!(error.starts_with("line 2: X string"), "{error}");
    }
}
