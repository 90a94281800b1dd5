//! YAML/JSON documents → `serde_json::Value`s plus the line and column of every node.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use serde_saphyr::Spanned;

/// A line and column in an input file, both counted from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    /// Line, from 1.
    pub line: u64,
    /// Column, from 1.
    pub column: u64,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// One parsed document: its value and where each node (by JSON pointer) starts.
#[derive(Debug, Clone)]
pub struct Document {
    /// The document as JSON.
    pub value: Value,
    /// Start of each node, keyed by JSON pointer (`/spec/versions/0`); `""` is the root.
    /// Found only when first asked for (see [`Positions`]): nearly every input is read
    /// without an error, and recording the position of every node costs as much as parsing.
    positions: Positions,
}

/// Where the positions of a document's nodes come from.
#[derive(Debug, Clone)]
enum Positions {
    /// Known (possibly none).
    Known(BTreeMap<String, Position>),
    /// Found when first asked for by parsing `text` again with spans: the `index`th
    /// non-empty document of it.
    Later {
        text: Arc<str>,
        index: usize,
        found: Arc<OnceLock<BTreeMap<String, Position>>>,
    },
}

impl Document {
    /// The position of the node at `pointer`, or of its nearest ancestor that has one.
    pub fn position(&self, pointer: &str) -> Option<Position> {
        let positions = self.positions();
        let mut pointer = pointer;
        loop {
            if let Some(position) = positions.get(pointer) {
                return Some(*position);
            }
            pointer = &pointer[..pointer.rfind('/')?];
        }
    }

    /// The start of each node, keyed by JSON pointer (`/spec/versions/0`); `""` is the root.
    pub fn positions(&self) -> &BTreeMap<String, Position> {
        match &self.positions {
            Positions::Known(positions) => positions,
            Positions::Later { text, index, found } => found.get_or_init(|| {
                parse_yaml_spanned(text)
                    .ok()
                    .and_then(|mut documents| {
                        (*index < documents.len()).then(|| documents.swap_remove(*index).positions)
                    })
                    .and_then(|positions| match positions {
                        Positions::Known(positions) => Some(positions),
                        Positions::Later { .. } => None,
                    })
                    .unwrap_or_default()
            }),
        }
    }
}

/// How deep YAML or JSON may nest: serde_json's own limit, so both formats agree. The largest
/// real CRDs nest about 40 levels deep.
pub const MAX_DEPTH: usize = 128;

/// How many YAML nodes (collections and scalars, aliases counted at every use) one input may
/// have. The largest real CRD has about 70,000, a bundle of four of them about 300,000.
pub const MAX_NODES: usize = 1_000_000;

/// How many nodes aliases may replay in one input. CRDs don't use aliases; this bounds alias
/// bombs ("billion laughs") long before they cost time or memory.
pub const MAX_ALIAS_NODES: usize = 10_000;

/// Parses every YAML document of `text` (JSON is YAML too); empty documents are skipped.
///
/// The documents are read into plain values; the positions of their nodes are found by a
/// second, spanned parse only when one is asked for (see [`Document::position`]). Whatever the
/// plain parse rejects is parsed again with spans, so errors are the spanned parse's.
///
/// # Errors
///
/// The parser's message and, when it knows one, the position of the error.
pub(crate) fn parse_yaml(text: &str) -> Result<Vec<Document>, (String, Option<Position>)> {
    let Ok(values) = serde_saphyr::from_multiple_with_options::<Plain>(text, yaml_options()) else {
        return parse_yaml_spanned(text);
    };
    let text: Arc<str> = Arc::from(text);
    Ok(values
        .into_iter()
        .map(|plain| plain.0)
        .filter(|value| !value.is_null())
        .enumerate()
        .map(|(index, value)| Document {
            value,
            positions: Positions::Later {
                text: Arc::clone(&text),
                index,
                found: Arc::default(),
            },
        })
        .collect())
}

fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        // YAML 1.2 booleans only: an enum value `y` or `on` must stay a string
        strict_booleans: true,
        budget: serde_saphyr::budget! {
            max_depth: MAX_DEPTH,
            max_nodes: MAX_NODES,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: MAX_ALIAS_NODES,
        },
    }
}

/// [`parse_yaml`] with the position of every node recorded as it is read.
fn parse_yaml_spanned(text: &str) -> Result<Vec<Document>, (String, Option<Position>)> {
    let parsed = serde_saphyr::from_multiple_with_options(text, yaml_options());
    let nodes: Vec<Spanned<Node>> = parsed.map_err(|err| {
        let position = err.location().map(|l| Position {
            line: l.line(),
            column: l.column(),
        });
        (yaml_message(&err), position)
    })?;
    Ok(nodes
        .into_iter()
        .filter(|node| !matches!(node.value, Node::Null))
        .map(|node| {
            let mut positions = BTreeMap::new();
            let value = into_json(node, String::new(), &mut positions);
            Document {
                value,
                positions: Positions::Known(positions),
            }
        })
        .collect())
}

/// Parses one JSON document (serde_json's messages and positions are the most precise); the
/// positions of its nodes come from reading it again as YAML, when that works.
pub(crate) fn parse_json(text: &str) -> Result<Vec<Document>, (String, Option<Position>)> {
    let value: Value = serde_json::from_str(text).map_err(|err| {
        let position = Position {
            line: err.line() as u64,
            column: err.column() as u64,
        };
        (json_message(&err), Some(position))
    })?;
    let positions = match parse_yaml(text) {
        Ok(mut documents) if documents.len() == 1 && documents[0].value == value => {
            documents.remove(0).positions
        }
        _ => Positions::Known(BTreeMap::new()),
    };
    Ok(vec![Document { value, positions }])
}

/// serde-saphyr's message without its `error: line 3 column 7:` prefix or source snippet (the
/// caller prints the position), and the budget limits in words.
fn yaml_message(err: &serde_saphyr::Error) -> String {
    use serde_saphyr::Error as E;
    use serde_saphyr::budget::BudgetBreach;
    let mut inner = err;
    while let E::AliasError { error, .. } | E::WithSnippet { error, .. } = inner {
        inner = error;
    }
    if matches!(
        inner,
        E::AliasReplayLimitExceeded { .. }
            | E::AliasExpansionLimitExceeded { .. }
            | E::AliasReplayStackDepthExceeded { .. }
    ) {
        return alias_message();
    }
    if let E::Budget { breach, .. } = inner {
        return match breach {
            BudgetBreach::Depth { .. } => nesting_message(),
            BudgetBreach::Nodes { .. } | BudgetBreach::Events { .. } => format!(
                "more than {MAX_NODES} nodes (aliases count at every use); a CRD has far fewer"
            ),
            BudgetBreach::Aliases { .. }
            | BudgetBreach::AliasAnchorRatio { .. }
            | BudgetBreach::RecordedAnchorEvents { .. }
            | BudgetBreach::RecordedAnchorBytes { .. } => alias_message(),
            other => format!("input too large for a CRD ({other:?})"),
        };
    }
    let message = first_line(&inner.to_string());
    let message = message.strip_prefix("error: ").unwrap_or(&message);
    let message = strip_yaml_location(message);
    // a trailing `at line 1, column 32 (defined at ...)` repeats what the caller prints
    let message = message
        .find(" at line ")
        .map_or(message, |at| &message[..at]);
    // advice meant for programs using the parser, not for whoever wrote the file
    let message = message
        .find(", set DuplicateKeyPolicy")
        .map_or(message, |at| &message[..at]);
    if message.contains("recursion limit") || message.contains("nesting limit") {
        return nesting_message();
    }
    message.to_owned()
}

/// `line 3 column 7: rest` → `rest`.
fn strip_yaml_location(message: &str) -> &str {
    let Some(rest) = message.strip_prefix("line ") else {
        return message;
    };
    let digits = |s: &str| s.trim_start_matches(|c: char| c.is_ascii_digit()).len() < s.len();
    match rest.split_once(" column ") {
        Some((line, rest)) if digits(line) => match rest.split_once(": ") {
            Some((column, rest)) if digits(column) => rest,
            _ => message,
        },
        _ => message,
    }
}

/// serde_json's message without its ` at line 3 column 7` suffix (the caller prints it).
fn json_message(err: &serde_json::Error) -> String {
    let message = err.to_string();
    let message = match message.rfind(" at line ") {
        Some(at) => &message[..at],
        None => &message,
    };
    if message.starts_with("recursion limit exceeded") {
        return nesting_message();
    }
    message.to_owned()
}

fn nesting_message() -> String {
    format!("nested deeper than {MAX_DEPTH} levels; a CRD needs far fewer")
}

fn alias_message() -> String {
    format!(
        "aliases expand to more than {MAX_ALIAS_NODES} nodes (an alias bomb?); CRDs don't need aliases"
    )
}

/// The first line of a possibly multi-line (snippet-rendering) parser message.
fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or(message).trim().to_owned()
}

/// A YAML node whose children remember where they start.
enum Node {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Seq(Vec<Spanned<Node>>),
    Map(Vec<(String, Spanned<Node>)>),
}

/// `node` as JSON, recording the position of it and its children under `pointer`.
fn into_json(
    node: Spanned<Node>,
    pointer: String,
    positions: &mut BTreeMap<String, Position>,
) -> Value {
    {
        let location = node.referenced;
        if location.line() > 0 {
            let position = Position {
                line: location.line(),
                column: location.column(),
            };
            positions.insert(pointer.clone(), position);
        }
        match node.value {
            Node::Null => Value::Null,
            Node::Bool(b) => Value::Bool(b),
            Node::Number(n) => Value::Number(n),
            Node::String(s) => Value::String(s),
            Node::Seq(items) => Value::Array(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, item)| into_json(item, format!("{pointer}/{i}"), positions))
                    .collect(),
            ),
            Node::Map(entries) => {
                let mut map = Map::new();
                for (key, item) in entries {
                    let escaped = key.replace('~', "~0").replace('/', "~1");
                    let child = into_json(item, format!("{pointer}/{escaped}"), positions);
                    map.insert(key, child);
                }
                Value::Object(map)
            }
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        Node::deserialize(deserializer)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        Number::from_f64(v)
            .map(Node::Number)
            .ok_or_else(|| E::custom(format!("{v} is not a JSON number")))
    }

    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(Node::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Spanned<Node>>()? {
            entries.push((key, value));
        }
        Ok(Node::Map(entries))
    }
}

/// A YAML node read straight into JSON, with the same rules as [`Node`] but no positions.
struct Plain(Value);

impl<'de> Deserialize<'de> for Plain {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(PlainVisitor)
    }
}

struct PlainVisitor;

impl<'de> Visitor<'de> for PlainVisitor {
    type Value = Plain;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_unit<E>(self) -> Result<Plain, E> {
        Ok(Plain(Value::Null))
    }

    fn visit_none<E>(self) -> Result<Plain, E> {
        Ok(Plain(Value::Null))
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Plain, D::Error> {
        Plain::deserialize(deserializer)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Plain, E> {
        Ok(Plain(Value::Bool(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Plain, E> {
        Ok(Plain(Value::Number(v.into())))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Plain, E> {
        Ok(Plain(Value::Number(v.into())))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Plain, E> {
        Number::from_f64(v)
            .map(|n| Plain(Value::Number(n)))
            .ok_or_else(|| E::custom(format!("{v} is not a JSON number")))
    }

    fn visit_str<E>(self, v: &str) -> Result<Plain, E> {
        Ok(Plain(Value::String(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Plain, E> {
        Ok(Plain(Value::String(v)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Plain, A::Error> {
        let mut items = Vec::new();
        while let Some(Plain(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Plain(Value::Array(items)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Plain, A::Error> {
        let mut entries = Map::new();
        while let Some((key, Plain(value))) = map.next_entry::<String, Plain>()? {
            entries.insert(key, value);
        }
        Ok(Plain(Value::Object(entries)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_node_remembers_its_line_and_column() {
        let docs = parse_yaml("a: 1\nb:\n  c: [x, y]\n---\n---\nd: true\n").unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(
            docs[0].value,
            serde_json::json!({"a": 1, "b": {"c": ["x", "y"]}})
        );
        let c = docs[0].positions()["/b/c"];
        assert_eq!((c.line, c.column), (3, 6));
        assert_eq!(docs[0].position("/b/c/1/missing").map(|p| p.line), Some(3));
    }

    #[test]
    fn malformed_yaml_reports_a_position() {
        let (message, position) = parse_yaml("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(!message.is_empty());
        assert!(position.is_some(), "{message}");
    }
}
