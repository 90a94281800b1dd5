//! The typed plan of the generated code: which decoders exist in which versions, and the
//! helper each field's arm calls. [`plan`] joins the inputs; [`super::emit`] only prints.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, bail};

use super::gate::Versions;
use super::helper::{self, Helper, Type};
use super::inputs::VersionInputs;
use super::proto::MessageDef;
use super::{HAND_WRITTEN, PACKAGES, Package};

/// What one field's arm does.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Call {
    /// `field::helper(&mut this.rust, wire, r)`.
    Field { helper: Helper, rust: String },
    /// `field::inline(this, wire, r, function)`: a message k8s-openapi flattens.
    Inline { function: String },
    /// `field::inline(&mut this.rust, wire, r, function)`: a message wrapping a list
    /// (`meta.v1.Verbs`).
    Wrapped { function: String, rust: String },
    /// `function(&mut this.rust, wire, r)`: a generated helper, for lists of a struct that
    /// has no `Default` (see [`Kind::Wrapper`]).
    Custom { function: String, rust: String },
}

/// One field number's arm, or one of its version-gated variants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arm {
    pub number: u32,
    /// The proto (= JSON) name, for error paths.
    pub json: String,
    /// Where the arm applies; a plain `match` arm when it is all of its decoder's.
    pub versions: Versions,
    pub call: Call,
}

/// What a decoder is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// `impl Message for target`.
    Impl,
    /// `fn function(this: &mut target, ..)` for [`Call::Inline`]; `source` is the proto
    /// message whose fields it stores into `target`.
    Inline { function: String, source: String },
    /// `impl Message for Wrapper(target)` with a `Default` impl that starts every field from
    /// Go's zero value, and a `repeated_x` helper, for a struct without `Default`
    /// (`Message` needs one): meta.v1.Condition, whose `Time` has none.
    Wrapper {
        wrapper: String,
        repeated: String,
        fields: Vec<(String, Zero)>,
    },
}

/// The zero value of one field of a [`Kind::Wrapper`] struct.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zero {
    /// `Default::default()`.
    Default,
    /// `Time` at Go's zero time (what an empty Time message decodes to).
    GoTime,
}

/// One generated `merge_field` (or inline function).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoder {
    pub kind: Kind,
    /// `k8s_openapi::api::core::v1::Pod`.
    pub target: String,
    pub versions: Versions,
    pub arms: Vec<Arm>,
}

impl Decoder {
    /// Whether `arm` needs a version macro inside this decoder.
    pub fn is_gated(&self, arm: &Arm) -> bool {
        arm.versions != self.versions
    }
}

/// One output file: a group-version's decoders.
#[derive(Debug)]
pub struct FilePlan {
    pub package: &'static Package,
    pub decoders: Vec<Decoder>,
    /// Whether it defines `merge_verbs`.
    pub verbs: bool,
}

/// The whole plan and what the report shows.
#[derive(Debug)]
pub struct Plan {
    pub files: Vec<FilePlan>,
    /// Proto fields no k8s-openapi field takes, with the versions: `Message.field (1.33)`.
    pub unmapped: Vec<String>,
    /// k8s-openapi fields no proto field fills.
    pub unfilled: Vec<String>,
}

/// Builds the plan from every version's inputs.
///
/// # Errors
///
/// When a field has a shape no helper reads, or refers to a message with no decoder.
pub fn plan(inputs: &[VersionInputs]) -> anyhow::Result<Plan> {
    let mut planner = Planner {
        inputs,
        needs: Vec::new(),
        unmapped: BTreeMap::new(),
        no_default: no_default(inputs),
    };
    let mut files = Vec::new();
    for package in &PACKAGES {
        let mut names: BTreeMap<String, Versions> = BTreeMap::new();
        for (index, version) in inputs.iter().enumerate() {
            let rust = &version.rust[package.proto];
            for message in &version.protos[package.proto].messages {
                let hand_written = HAND_WRITTEN.contains(&(package.proto, message.name.as_str()));
                if rust.contains_key(&message.name) && !hand_written {
                    let entry = names.entry(message.name.clone()).or_default();
                    *entry = entry.union(Versions::one(index));
                }
            }
        }
        let mut decoders = Vec::new();
        for (name, versions) in names {
            let target = format!("k8s_openapi::{}::{}", package.rust, name);
            let mut inlines = BTreeMap::new();
            let arms =
                planner.arms(package, &name, package.proto, &name, versions, &mut inlines)?;
            let kind = if planner
                .no_default
                .contains(&(package.proto.to_owned(), name.clone()))
            {
                wrapper(inputs, package, &name, versions)?
            } else {
                Kind::Impl
            };
            decoders.push(Decoder {
                kind,
                target: target.clone(),
                versions,
                arms,
            });
            // Inline functions, and the inline functions those need, after their impl.
            let mut done = BTreeMap::new();
            while let Some((function, (source, versions))) = inlines.pop_first() {
                if done.insert(function.clone(), ()).is_some() {
                    continue;
                }
                let (source_package, source_name): (String, String) = source;
                let source_package = PACKAGES
                    .iter()
                    .find(|p| p.proto == source_package)
                    .with_context(|| format!("inline message {source_package}.{source_name}"))?;
                let arms = planner.arms(
                    package,
                    &name,
                    source_package.proto,
                    &source_name,
                    versions,
                    &mut inlines,
                )?;
                decoders.push(Decoder {
                    kind: Kind::Inline {
                        function,
                        source: source_name,
                    },
                    target: target.clone(),
                    versions,
                    arms,
                });
            }
        }
        let verbs = decoders
            .iter()
            .flat_map(|d| &d.arms)
            .any(|a| matches!(a.call, Call::Wrapped { .. }));
        files.push(FilePlan {
            package,
            decoders,
            verbs,
        });
    }
    planner.check_needs(&files)?;
    let unfilled = unfilled(inputs, &files);
    let unmapped = planner
        .unmapped
        .into_iter()
        .map(|(name, versions)| format!("{name} ({versions})"))
        .collect();
    Ok(Plan {
        files,
        unmapped,
        unfilled,
    })
}

struct Planner<'a> {
    inputs: &'a [VersionInputs],
    /// (who, versions, needed message) for every message-typed arm, checked at the end.
    needs: Vec<(String, Versions, (String, String))>,
    unmapped: BTreeMap<String, Versions>,
    /// Structs without `Default`, decoded through a [`Kind::Wrapper`].
    no_default: BTreeSet<(String, String)>,
}

/// The messages whose k8s-openapi struct doesn't derive `Default` in some version.
fn no_default(inputs: &[VersionInputs]) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for version in inputs {
        for (package, structs) in &version.rust {
            for (name, rust) in structs {
                if !rust.has_default {
                    out.insert(((*package).to_owned(), name.clone()));
                }
            }
        }
    }
    out
}

/// The [`Kind::Wrapper`] of a struct without `Default`: its fields must be the same in
/// every version, to write one `Default` impl.
fn wrapper(
    inputs: &[VersionInputs],
    package: &Package,
    name: &str,
    versions: Versions,
) -> anyhow::Result<Kind> {
    let mut fields: Option<Vec<(String, Zero)>> = None;
    for (index, version) in inputs.iter().enumerate() {
        if !versions.contains(index) {
            continue;
        }
        let rust = &version.rust[package.proto][name];
        let these: Vec<(String, Zero)> = rust
            .types
            .iter()
            .map(|(field, ty)| {
                let zero = if ty.ends_with("::meta::v1::Time") {
                    Zero::GoTime
                } else {
                    Zero::Default
                };
                (field.clone(), zero)
            })
            .collect();
        match &fields {
            Some(fields) if *fields != these => bail!(
                "{name} has no Default and its fields differ across versions; \
                 a wrapper for it would need version gates"
            ),
            _ => fields = Some(these),
        }
    }
    Ok(Kind::Wrapper {
        wrapper: format!("{name}Message"),
        repeated: format!("repeated_{}", helper::snake(name)),
        fields: fields.unwrap_or_default(),
    })
}

/// Inline function name → (source message, versions it is used in).
type Inlines = BTreeMap<String, ((String, String), Versions)>;

impl Planner<'_> {
    /// The arms that decode proto message `source` into k8s-openapi struct `target` (the
    /// same message, or the struct an inline message is flattened into) in `versions`.
    fn arms(
        &mut self,
        package: &'static Package,
        target: &str,
        source_package: &'static str,
        source: &str,
        versions: Versions,
        inlines: &mut Inlines,
    ) -> anyhow::Result<Vec<Arm>> {
        // (number, json) → call → versions; calls in first-seen order.
        let mut found: BTreeMap<(u32, String), Vec<(Call, Versions)>> = BTreeMap::new();
        for (index, version) in self.inputs.iter().enumerate() {
            if !versions.contains(index) {
                continue;
            }
            let message = find_message(version, source_package, source)
                .with_context(|| format!("1.{}: no proto message {source}", version.minor))?;
            let rust = &version.rust[package.proto][target];
            let go = version.go[source_package].get(source);
            for field in &message.fields {
                let go_field = go.and_then(|g| g.get(&field.number));
                let context = || {
                    format!(
                        "1.{}: {source}.{} = {}",
                        version.minor, field.name, field.number
                    )
                };
                let resolved =
                    helper::resolve_field(source_package, target, field, go_field, |json| {
                        rust.fields.get(json).cloned()
                    })
                    .with_context(context)?;
                let Some(resolved) = resolved else {
                    let entry = self
                        .unmapped
                        .entry(format!("{target} ← {source}.{}", field.name))
                        .or_default();
                    *entry = entry.union(Versions::one(index));
                    continue;
                };
                let mut resolved = resolved;
                if let Some(needed) = resolved.needs.take() {
                    if self.no_default.contains(&needed) {
                        resolved.call = self
                            .through_wrapper(resolved.call, &needed)
                            .with_context(context)?;
                    }
                    let who = format!("{target}.{}", field.name);
                    self.needs.push((who, Versions::one(index), needed));
                }
                if let Call::Inline { function } = &resolved.call {
                    let Type::Message(p, n) = helper::resolve(source_package, &field.ty)? else {
                        bail!("{}: an inline field must be a message", context());
                    };
                    let entry = inlines
                        .entry(function.clone())
                        .or_insert(((p, n), Versions::default()));
                    entry.1 = entry.1.union(Versions::one(index));
                }
                let calls = found.entry((field.number, field.name.clone())).or_default();
                match calls.iter_mut().find(|(call, _)| *call == resolved.call) {
                    Some((_, seen)) => *seen = seen.union(Versions::one(index)),
                    None => calls.push((resolved.call, Versions::one(index))),
                }
            }
        }
        let mut arms = Vec::new();
        for ((number, json), calls) in found {
            if arms
                .iter()
                .any(|a: &Arm| a.number == number && a.json != json)
            {
                bail!("{source}: field number {number} has two names across versions");
            }
            for (call, versions) in calls {
                arms.push(Arm {
                    number,
                    json: json.clone(),
                    versions,
                    call,
                });
            }
        }
        arms.sort_by_key(|a| a.number);
        Ok(arms)
    }

    /// The call for a list of a struct without `Default`: its wrapper's `repeated_x`.
    fn through_wrapper(
        &self,
        call: Call,
        (package, name): &(String, String),
    ) -> anyhow::Result<Call> {
        let file = PACKAGES
            .iter()
            .find(|p| p.proto == package)
            .map_or("", |p| p.file);
        match call {
            Call::Field {
                helper: Helper::RepeatedMessage,
                rust,
            } => Ok(Call::Custom {
                function: format!("super::{file}::repeated_{}", helper::snake(name)),
                rust,
            }),
            _ => bail!("{name} has no Default: only lists of it are supported"),
        }
    }

    /// Every message a helper reads must have a decoder in every version it is read in.
    fn check_needs(&self, files: &[FilePlan]) -> anyhow::Result<()> {
        let mut have: BTreeMap<(&str, &str), Versions> = BTreeMap::new();
        for file in files {
            for decoder in &file.decoders {
                if matches!(decoder.kind, Kind::Impl | Kind::Wrapper { .. }) {
                    let name = decoder.target.rsplit("::").next().unwrap_or_default();
                    have.insert((file.package.proto, name), decoder.versions);
                }
            }
        }
        let mut missing = Vec::new();
        for (who, versions, (package, name)) in &self.needs {
            let hand_written = HAND_WRITTEN.contains(&(package.as_str(), name.as_str()))
                || (package == "k8s.io.apimachinery.pkg.api.resource" && name == "Quantity");
            let generated = have
                .get(&(package.as_str(), name.as_str()))
                .is_some_and(|have| versions.is_subset(*have));
            if !hand_written && !generated {
                missing.push(format!("{who} ({versions}) needs {package}.{name}"));
            }
        }
        missing.sort();
        missing.dedup();
        if !missing.is_empty() {
            bail!(
                "messages with no decoder (add their package to PACKAGES or a hand-written \
                 impl to HAND_WRITTEN):\n  {}",
                missing.join("\n  ")
            );
        }
        Ok(())
    }
}

fn find_message<'a>(
    version: &'a VersionInputs,
    package: &str,
    name: &str,
) -> Option<&'a MessageDef> {
    version
        .protos
        .get(package)?
        .messages
        .iter()
        .find(|m| m.name == name)
}

/// k8s-openapi fields that no arm fills, per version (only DeleteOptions' apiVersion and
/// kind, by the design note).
fn unfilled(inputs: &[VersionInputs], files: &[FilePlan]) -> Vec<String> {
    let mut out: BTreeMap<String, Versions> = BTreeMap::new();
    for file in files {
        let by_target = file.decoders.iter().fold(
            BTreeMap::<&str, Vec<&Decoder>>::new(),
            |mut map, decoder| {
                map.entry(decoder.target.as_str())
                    .or_default()
                    .push(decoder);
                map
            },
        );
        for (target, decoders) in by_target {
            let name = target.rsplit("::").next().unwrap_or_default();
            for (index, version) in inputs.iter().enumerate() {
                let Some(rust) = version.rust[file.package.proto].get(name) else {
                    continue;
                };
                for (json, field) in &rust.fields {
                    let filled = decoders.iter().flat_map(|d| &d.arms).any(|arm| {
                        arm.versions.contains(index)
                            && match &arm.call {
                                Call::Field { rust, .. }
                                | Call::Wrapped { rust, .. }
                                | Call::Custom { rust, .. } => rust == field,
                                Call::Inline { .. } => false,
                            }
                    });
                    if !filled && decoders[0].versions.contains(index) {
                        let entry = out.entry(format!("{name}.{json}")).or_default();
                        *entry = entry.union(Versions::one(index));
                    }
                }
            }
        }
    }
    out.into_iter()
        .map(|(name, versions)| format!("{name} ({versions})"))
        .collect()
}
