//! Label selectors: the Kubernetes string syntax (`app=web,tier in (a,b),!canary`), parsed and matched as strictly as `labels.Parse`.

mod parse;
mod validation;

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector as MetaLabelSelector;

use super::Error;

/// `selection.Operator`: how a requirement relates its key to its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operator {
    Equals,
    DoubleEquals,
    NotEquals,
    In,
    NotIn,
    Exists,
    DoesNotExist,
    GreaterThan,
    LessThan,
}

/// One condition on one label: `labels.Requirement`, only ever built by
/// [`validation::new_requirement`], so the key and values are valid for the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Requirement {
    key: String,
    operator: Operator,
    values: Vec<String>,
}

impl Requirement {
    /// `Requirement.Matches`.
    fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let label = labels.get(&self.key);
        let has_value = |v: &String| self.values.contains(v);
        match self.operator {
            Operator::In | Operator::Equals | Operator::DoubleEquals => {
                label.is_some_and(has_value)
            }
            Operator::NotIn | Operator::NotEquals => !label.is_some_and(has_value),
            Operator::Exists => label.is_some(),
            Operator::DoesNotExist => label.is_none(),
            Operator::GreaterThan | Operator::LessThan => {
                let (Some(label), [value]) = (label, self.values.as_slice()) else {
                    return false;
                };
                match (label.parse::<i64>(), value.parse::<i64>()) {
                    (Ok(label), Ok(value)) if self.operator == Operator::GreaterThan => {
                        label > value
                    }
                    (Ok(label), Ok(value)) => label < value,
                    _ => false,
                }
            }
        }
    }
}

impl fmt::Display for Requirement {
    /// `Requirement.String`: values sorted, `()` around sets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = &self.key;
        let op = match self.operator {
            Operator::Exists => return write!(f, "{key}"),
            Operator::DoesNotExist => return write!(f, "!{key}"),
            Operator::Equals => "=",
            Operator::DoubleEquals => "==",
            Operator::NotEquals => "!=",
            Operator::In => " in ",
            Operator::NotIn => " notin ",
            Operator::GreaterThan => ">",
            Operator::LessThan => "<",
        };
        let mut values = self.values.clone();
        values.sort();
        let values = values.join(",");
        match self.operator {
            Operator::In | Operator::NotIn => write!(f, "{key}{op}({values})"),
            _ => write!(f, "{key}{op}{values}"),
        }
    }
}

/// Which objects a label selector picks: every requirement must hold. The empty selector
/// ([`LabelSelector::everything`]) picks everything.
///
/// client-go's `labels.Selector`. Parse the string syntax with [`str::parse`], or convert
/// a `BTreeMap` (every label must equal) or a `metav1.LabelSelector` (a Deployment's
/// `spec.selector`). [`Display`](fmt::Display) gives the string form back, requirements
/// sorted by key as client-go prints them.
///
/// Parsing is as strict as `labels.Parse`, and converting as `metav1.LabelSelectorAsSelector`:
/// keys must be qualified names (`[prefix/]name`, a DNS subdomain of at most 253 characters
/// and a name of at most 63), values valid label values (at most 63 characters, possibly
/// empty), `in`/`notin` need a value (`x in ()` is the empty value), `exists`/`!` take none,
/// and `>`/`<` one integer. The errors carry client-go's messages.
///
/// ```
/// use std::collections::BTreeMap;
/// use kube_gen::lister::LabelSelector;
///
/// let selector: LabelSelector = "app=web, tier in (front,edge), !canary".parse()?;
/// let labels = BTreeMap::from([("app".to_owned(), "web".to_owned()), ("tier".to_owned(), "edge".to_owned())]);
/// assert!(selector.matches(&labels));
/// assert!(LabelSelector::from(labels.clone()).matches(&labels));
///
/// let err = "app=-web".parse::<LabelSelector>().unwrap_err();
/// assert!(err.to_string().starts_with("unable to parse requirement: values[0][app]: Invalid value: \"-web\""));
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

    /// Sorts by key, as client-go does so that the string form is deterministic.
    fn sorted(mut requirements: Vec<Requirement>) -> Self {
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        LabelSelector { requirements }
    }
}

impl From<BTreeMap<String, String>> for LabelSelector {
    /// `labels.SelectorFromSet`: like client-go, the set is not validated.
    fn from(labels: BTreeMap<String, String>) -> Self {
        let requirements = labels
            .into_iter()
            .map(|(key, value)| Requirement {
                key,
                operator: Operator::Equals,
                values: vec![value],
            })
            .collect();
        LabelSelector { requirements }
    }
}

impl TryFrom<&MetaLabelSelector> for LabelSelector {
    type Error = Error;

    /// `metav1.LabelSelectorAsSelector`: `matchLabels` and `matchExpressions` (`In`, `NotIn`,
    /// `Exists`, `DoesNotExist`), each checked as `labels.NewRequirement` checks it.
    fn try_from(selector: &MetaLabelSelector) -> Result<Self, Error> {
        let mut requirements = Vec::new();
        for (key, value) in selector.match_labels.iter().flatten() {
            requirements.push(
                validation::new_requirement(key, Operator::Equals, vec![value.clone()])
                    .map_err(Error::InvalidRequirement)?,
            );
        }
        for expr in selector.match_expressions.iter().flatten() {
            let operator = match expr.operator.as_str() {
                "In" => Operator::In,
                "NotIn" => Operator::NotIn,
                "Exists" => Operator::Exists,
                "DoesNotExist" => Operator::DoesNotExist,
                other => return Err(Error::UnknownOperator(other.to_owned())),
            };
            let values = expr.values.clone().unwrap_or_default();
            requirements.push(
                validation::new_requirement(&expr.key, operator, values)
                    .map_err(Error::InvalidRequirement)?,
            );
        }
        Ok(Self::sorted(requirements))
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

    /// `labels.Parse`: `key`, `!key`, `key=value`, `key==value`, `key!=value`,
    /// `key in (v1,v2)`, `key notin (v1,v2)`, `key>n` and `key<n`, separated by commas;
    /// spaces, tabs and newlines are allowed between tokens.
    fn from_str(selector: &str) -> Result<Self, Error> {
        parse::parse(selector)
            .map(Self::sorted)
            .map_err(|message| Error::InvalidSelector {
                selector: selector.to_owned(),
                message,
            })
    }
}

#[cfg(test)]
mod tests;
