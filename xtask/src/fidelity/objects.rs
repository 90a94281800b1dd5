//! Hand-written custom objects (`kube-gen/codegen/fidelity-objects/<project>/*.yaml`, one per
//! file): what users write, not what a schema synthesises. Each must round-trip through the
//! type generated for its apiVersion and kind.

use std::path::Path;

use anyhow::Context;
use serde_json::Value;

/// Where the objects live, relative to the workspace.
pub const DIR: &str = "kube-gen/codegen/fidelity-objects";

/// One object.
#[derive(Debug, Clone)]
pub struct Object {
    /// `<project>/<file>.yaml`, for reports.
    pub name: String,
    /// `group/version` (or `version` for the core group).
    pub api_version: String,
    /// The kind.
    pub kind: String,
    /// The object as JSON.
    pub value: Value,
}

/// The objects of `project`, sorted by file name; none when it has no directory.
pub fn read(workspace: &Path, project: &str) -> anyhow::Result<Vec<Object>> {
    let dir = workspace.join(DIR).join(project);
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut paths: Vec<_> = std::fs::read_dir(&dir)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    paths.retain(|p| p.extension().is_some_and(|e| e == "yaml"));
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let file = path.file_name().unwrap_or_default().to_string_lossy();
            let name = format!("{project}/{file}");
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {name}"))?;
            let value: Value =
                serde_saphyr::from_str(&text).with_context(|| format!("parsing {name}"))?;
            let field = |key: &str| value[key].as_str().unwrap_or_default().to_owned();
            Ok(Object {
                api_version: field("apiVersion"),
                kind: field("kind"),
                name,
                value,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::corpus;
    use super::*;

    /// `group/version` and kind of every CRD version in `path`.
    fn kinds_of(path: &Path) -> Vec<(String, String)> {
        let text = std::fs::read_to_string(path).unwrap();
        let documents: Vec<Value> = serde_saphyr::from_multiple(&text).unwrap_or_default();
        let mut out = Vec::new();
        for crd in documents
            .iter()
            .filter(|d| d["kind"] == "CustomResourceDefinition")
        {
            let spec = &crd["spec"];
            let (group, kind) = (spec["group"].as_str(), spec["names"]["kind"].as_str());
            for version in spec["versions"].as_array().into_iter().flatten() {
                let version = version["name"].as_str().unwrap_or_default();
                let api_version = format!("{}/{version}", group.unwrap_or_default());
                out.push((api_version, kind.unwrap_or_default().to_owned()));
            }
        }
        out
    }

    #[test]
    fn every_object_is_of_a_crd_of_its_project_and_ci_checks_some() {
        let workspace = kube_gen_tests::workspace_root();
        let dir = corpus::default_dir(&workspace);
        let files = corpus::read_manifest(&dir).unwrap();
        let mut in_ci = 0;
        for project in std::fs::read_dir(workspace.join(DIR)).unwrap().flatten() {
            if !project.path().is_dir() {
                continue;
            }
            let project = project.file_name().to_string_lossy().into_owned();
            let crds: Vec<(&str, Vec<(String, String)>)> = files
                .iter()
                .filter(|f| f.project == project)
                .map(|f| (f.path.as_str(), kinds_of(&dir.join(&f.path))))
                .collect();
            assert!(!crds.is_empty(), "{project} is not a project of the corpus");
            for object in read(&workspace, &project).unwrap() {
                let ours = (object.api_version.clone(), object.kind.clone());
                let Some((path, _)) = crds.iter().find(|(_, kinds)| kinds.contains(&ours)) else {
                    panic!("{}: no CRD of {project} has {ours:?}", object.name);
                };
                if corpus::CI_OBJECTS.contains(path) || corpus::CI_SUBSET.contains(path) {
                    in_ci += 1;
                }
            }
        }
        assert!(in_ci >= 10, "only {in_ci} objects are checked in CI");
    }

    #[test]
    fn every_object_file_reads_and_names_its_type() {
        let workspace = kube_gen_tests::workspace_root();
        let projects = std::fs::read_dir(workspace.join(DIR)).into_iter().flatten();
        for project in projects.flatten().filter(|p| p.path().is_dir()) {
            let project = project.file_name().to_string_lossy().into_owned();
            for object in read(&workspace, &project).unwrap() {
                assert!(
                    object.api_version.contains('/') && !object.kind.is_empty(),
                    "{}: no apiVersion `group/version` or kind",
                    object.name
                );
            }
        }
    }
}
