//! Label selectors: the Kubernetes string syntax (`app=web,tier in (a,b),!canary`), parsed and matched.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector as MetaLabelSelector;

use super::Error;

/// One condition on one label.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, BTreeSet<String>),
    NotIn(String, BTreeSet<String>),
    Exists(String),
    DoesNotExist(String),
    GreaterThan(String, i64),
    LessThan(String, i64),
}

impl Requirement {
    fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let number = |key: &String| labels.get(key).and_then(|v| v.parse::<i64>().ok());
        match self {
            Requirement::Equals(k, v) => labels.get(k) == Some(v),
            Requirement::NotEquals(k, v) => labels.get(k) != Some(v),
            Requirement::In(k, vs) => labels.get(k).is_some_and(|v| vs.contains(v)),
            Requirement::NotIn(k, vs) => !labels.get(k).is_some_and(|v| vs.contains(v)),
            Requirement::Exists(k) => labels.contains_key(k),
            Requirement::DoesNotExist(k) => !labels.contains_key(k),
            Requirement::GreaterThan(k, n) => number(k).is_some_and(|v| v > *n),
            Requirement::LessThan(k, n) => number(k).is_some_and(|v| v < *n),
        }
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let set = |vs: &BTreeSet<String>| vs.iter().cloned().collect::<Vec<_>>().join(",");
        match self {
            Requirement::Equals(k, v) => write!(f, "{k}={v}"),
            Requirement::NotEquals(k, v) => write!(f, "{k}!={v}"),
            Requirement::In(k, vs) => write!(f, "{k} in ({})", set(vs)),
            Requirement::NotIn(k, vs) => write!(f, "{k} notin ({})", set(vs)),
            Requirement::Exists(k) => write!(f, "{k}"),
            Requirement::DoesNotExist(k) => write!(f, "!{k}"),
            Requirement::GreaterThan(k, n) => write!(f, "{k}>{n}"),
            Requirement::LessThan(k, n) => write!(f, "{k}<{n}"),
        }
    }
}

/// Which objects a label selector picks: every requirement must hold. The empty selector
/// ([`LabelSelector::everything`]) picks everything.
///
/// client-go's `labels.Selector`. Parse the string syntax with [`str::parse`], or convert
/// a `BTreeMap` (every label must equal) or a `metav1.LabelSelector` (a Deployment's
/// `spec.selector`). [`Display`](fmt::Display) gives the string form back.
///
/// ```
/// use std::collections::BTreeMap;
/// use kube_gen::lister::LabelSelector;
///
/// let selector: LabelSelector = "app=web, tier in (front,edge), !canary".parse()?;
/// let labels = BTreeMap::from([("app".to_owned(), "web".to_owned()), ("tier".to_owned(), "edge".to_owned())]);
/// assert!(selector.matches(&labels));
/// assert!(LabelSelector::from(labels.clone()).matches(&labels));
/// # Ok::<(), kube_gen::lister::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector {
    requirements: Vec<Requirement>,
}

impl LabelSelector {
    /// The selector that matches every object.
    pub fn everything() -> Self {
        Self::default()
    }

    /// Whether the selector matches every object.
    pub fn is_everything(&self) -> bool {
        self.requirements.is_empty()
    }

    /// Whether an object with these labels is selected.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.requirements.iter().all(|r| r.matches(labels))
    }
}

impl From<BTreeMap<String, String>> for LabelSelector {
    fn from(labels: BTreeMap<String, String>) -> Self {
        let requirements = labels
            .into_iter()
            .map(|(k, v)| Requirement::Equals(k, v))
            .collect();
        LabelSelector { requirements }
    }
}

impl TryFrom<&MetaLabelSelector> for LabelSelector {
    type Error = Error;

    /// `matchLabels` and `matchExpressions` (`In`, `NotIn`, `Exists`, `DoesNotExist`).
    fn try_from(selector: &MetaLabelSelector) -> Result<Self, Error> {
        let mut out = LabelSelector::from(selector.match_labels.clone().unwrap_or_default());
        for expr in selector.match_expressions.iter().flatten() {
            let values = || {
                expr.values
                    .iter()
                    .flatten()
                    .cloned()
                    .collect::<BTreeSet<_>>()
            };
            let key = expr.key.clone();
            out.requirements.push(match expr.operator.as_str() {
                "In" => Requirement::In(key, values()),
                "NotIn" => Requirement::NotIn(key, values()),
                "Exists" => Requirement::Exists(key),
                "DoesNotExist" => Requirement::DoesNotExist(key),
                other => return Err(Error::UnknownOperator(other.to_owned())),
            });
        }
        Ok(out)
    }
}

impl fmt::Display for LabelSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, requirement) in self.requirements.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{requirement}")?;
        }
        Ok(())
    }
}

impl FromStr for LabelSelector {
    type Err = Error;

    /// Parses `key`, `!key`, `key=value`, `key==value`, `key!=value`, `key in (v1,v2)`,
    /// `key notin (v1,v2)`, `key>n` and `key<n`, separated by commas; spaces are allowed
    /// between tokens.
    fn from_str(selector: &str) -> Result<Self, Error> {
        Parser {
            input: selector,
            pos: 0,
        }
        .selector()
    }
}

/// A recursive-descent parser over the selector string.
struct Parser<'a> {
    input: &'a str,
    pos: usize,
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/')
}

impl Parser<'_> {
    fn error(&self, expected: &'static str) -> Error {
        Error::InvalidSelector {
            selector: self.input.to_owned(),
            position: self.pos,
            expected,
        }
    }

    fn skip_spaces(&mut self) {
        let rest = &self.input[self.pos..];
        self.pos += rest.len() - rest.trim_start().len();
    }

    fn peek(&mut self) -> Option<char> {
        self.skip_spaces();
        self.input[self.pos..].chars().next()
    }

    fn eat(&mut self, token: &str) -> bool {
        self.skip_spaces();
        let found = self.input[self.pos..].starts_with(token);
        if found {
            self.pos += token.len();
        }
        found
    }

    /// A key, value or keyword; may be empty.
    fn word(&mut self) -> &str {
        self.skip_spaces();
        let start = self.pos;
        let len = self.input[start..]
            .find(|c: char| !is_word_char(c))
            .unwrap_or(self.input.len() - start);
        self.pos += len;
        &self.input[start..self.pos]
    }

    fn key(&mut self) -> Result<String, Error> {
        match self.word() {
            "" => Err(self.error("a label key")),
            key => Ok(key.to_owned()),
        }
    }

    fn selector(mut self) -> Result<LabelSelector, Error> {
        let mut requirements = Vec::new();
        if self.peek().is_none() {
            return Ok(LabelSelector { requirements });
        }
        loop {
            requirements.push(self.requirement()?);
            match self.peek() {
                None => return Ok(LabelSelector { requirements }),
                Some(',') => self.pos += 1,
                Some(_) => return Err(self.error("',' or the end")),
            }
        }
    }

    fn requirement(&mut self) -> Result<Requirement, Error> {
        if self.eat("!") {
            return Ok(Requirement::DoesNotExist(self.key()?));
        }
        let key = self.key()?;
        if self.eat("!=") {
            return Ok(Requirement::NotEquals(key, self.word().to_owned()));
        }
        if self.eat("==") || self.eat("=") {
            return Ok(Requirement::Equals(key, self.word().to_owned()));
        }
        if self.eat(">") {
            return Ok(Requirement::GreaterThan(key, self.integer()?));
        }
        if self.eat("<") {
            return Ok(Requirement::LessThan(key, self.integer()?));
        }
        let before = self.pos;
        match self.word() {
            "in" => Ok(Requirement::In(key, self.set()?)),
            "notin" => Ok(Requirement::NotIn(key, self.set()?)),
            "" => Ok(Requirement::Exists(key)),
            _ => {
                self.pos = before;
                Err(self.error("an operator (=, ==, !=, in, notin, >, <), ',' or the end"))
            }
        }
    }

    fn integer(&mut self) -> Result<i64, Error> {
        self.skip_spaces();
        let before = self.pos;
        self.word().parse().map_err(|_| {
            self.pos = before;
            self.error("an integer")
        })
    }

    fn set(&mut self) -> Result<BTreeSet<String>, Error> {
        if !self.eat("(") {
            return Err(self.error("'('"));
        }
        let mut values = BTreeSet::new();
        loop {
            let value = self.word().to_owned();
            values.insert(value);
            if self.eat(")") {
                break;
            }
            if !self.eat(",") {
                return Err(self.error("',' or ')'"));
            }
        }
        if values.len() == 1 && values.contains("") {
            return Err(self.error("at least one value"));
        }
        Ok(values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn selects(selector: &str, pairs: &[(&str, &str)]) -> bool {
        selector
            .parse::<LabelSelector>()
            .unwrap()
            .matches(&labels(pairs))
    }

    #[test]
    fn the_empty_selector_selects_everything() {
        assert!(selects("", &[]));
        assert!(selects("  ", &[("a", "b")]));
        assert!("".parse::<LabelSelector>().unwrap().is_everything());
    }

    #[test]
    fn equality_operators_compare_values() {
        assert!(selects("app=web", &[("app", "web")]));
        assert!(selects("app == web", &[("app", "web")]));
        assert!(!selects("app=web", &[("app", "db")]));
        assert!(!selects("app=web", &[]));
        assert!(selects("app=", &[("app", "")]));
    }

    #[test]
    fn not_equals_and_notin_also_select_objects_without_the_label() {
        assert!(selects("app!=web", &[]));
        assert!(selects("app!=web", &[("app", "db")]));
        assert!(!selects("app!=web", &[("app", "web")]));
        assert!(selects("tier notin (a, b)", &[]));
        assert!(!selects("tier notin (a,b)", &[("tier", "b")]));
    }

    #[test]
    fn set_membership_and_existence_work() {
        assert!(selects("tier in (front, edge)", &[("tier", "edge")]));
        assert!(!selects("tier in (front,edge)", &[("tier", "db")]));
        assert!(!selects("tier in (front)", &[]));
        assert!(selects("canary", &[("canary", "")]));
        assert!(!selects("canary", &[]));
        assert!(selects("!canary", &[]));
        assert!(!selects("! canary", &[("canary", "yes")]));
    }

    #[test]
    fn numeric_comparisons_need_integer_labels() {
        assert!(selects("replicas>2", &[("replicas", "3")]));
        assert!(!selects("replicas>2", &[("replicas", "x")]));
        assert!(selects("replicas < 2", &[("replicas", "1")]));
    }

    #[test]
    fn every_requirement_must_hold_and_keys_may_have_prefixes() {
        let s = "app.kubernetes.io/name=web,tier in (front),!canary";
        assert!(selects(
            s,
            &[("app.kubernetes.io/name", "web"), ("tier", "front")]
        ));
        assert!(!selects(
            s,
            &[
                ("app.kubernetes.io/name", "web"),
                ("tier", "front"),
                ("canary", "")
            ]
        ));
    }

    #[test]
    fn malformed_selectors_say_where_and_what_was_expected() {
        for (bad, position) in [
            ("=web", 0),
            ("app=web,", 8),
            ("app in a", 7),
            ("app in (a", 9),
            ("app in ()", 9),
            ("a b", 2),
            ("n > x", 4),
        ] {
            match bad.parse::<LabelSelector>() {
                Err(Error::InvalidSelector { position: p, .. }) => assert_eq!(p, position, "{bad}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn display_round_trips_through_parse() {
        let s: LabelSelector = "a=1, b != 2, c in (y,x), d notin (z), e, !f, g>3"
            .parse()
            .unwrap();
        assert_eq!(s.to_string(), "a=1,b!=2,c in (x,y),d notin (z),e,!f,g>3");
        assert_eq!(s.to_string().parse::<LabelSelector>().unwrap(), s);
    }

    #[test]
    fn maps_and_meta_selectors_convert() {
        let map = labels(&[("app", "web")]);
        assert!(LabelSelector::from(map.clone()).matches(&map));
        let meta: MetaLabelSelector = serde_json::from_value(serde_json::json!({
            "matchLabels": { "app": "web" },
            "matchExpressions": [{ "key": "tier", "operator": "NotIn", "values": ["db"] }]
        }))
        .unwrap();
        let s = LabelSelector::try_from(&meta).unwrap();
        assert!(s.matches(&map));
        assert!(!s.matches(&labels(&[("app", "web"), ("tier", "db")])));
    }
}
