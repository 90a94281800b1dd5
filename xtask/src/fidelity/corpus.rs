//! The CRD corpus (`../shared/crds/MANIFEST.tsv`) and which part of it a run checks.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// The files `cargo xtask fidelity` checks in CI: 12 small files (210 KB) from 10 projects
/// that together cover every feature column of MANIFEST.tsv but three that only the two largest
/// files have (see `IGNORED_FEATURES` in the tests): enums, maps, int-or-string, preserved and
/// embedded fields, nullable, defaults, CEL, list and map types, anyOf/oneOf/not, multiple
/// versions, keyword and non-identifier field names, empty schemas, deep nesting, subresources,
/// printer columns, selectable fields, and schemas without `spec`.
pub const CI_SUBSET: &[&str] = &[
    "argo-workflows/minimal_argoproj.io_cronworkflows.yaml",
    "cert-manager/acme.cert-manager.io_orders.yaml",
    "cloudnative-pg/postgresql.cnpg.io_subscriptions.yaml",
    "crossplane/apiextensions.crossplane.io_compositions.yaml",
    "crossplane/apiextensions.crossplane.io_managedresourceactivationpolicies.yaml",
    "crossplane/pkg.crossplane.io_imageconfigs.yaml",
    "external-snapshotter/snapshot.storage.k8s.io_volumesnapshotclasses.yaml",
    "gatekeeper/configpodstatus-customresourcedefinition.yaml",
    "kyverno/kyverno.io_policyexceptions.yaml",
    "strimzi/045-Crd-kafkanodepool.yaml",
    "traefik/traefik.io_ingressrouteudps.yaml",
    "velero/velero.io_deletebackuprequests.yaml",
];

/// Files CI checks besides [`CI_SUBSET`] because hand-written objects of theirs exist (see
/// `objects`): small ones, so that the objects check runs in CI too.
pub const CI_OBJECTS: &[&str] = &[
    "cert-manager/cert-manager.io_certificates.yaml",
    "flux/source.toolkit.fluxcd.io_gitrepositories.yaml",
    "strimzi/043-Crd-kafkatopic.yaml",
    "strimzi/044-Crd-kafkauser.yaml",
    "traefik/traefik.io_ingressroutes.yaml",
    "velero/velero.io_backups.yaml",
    "velero/velero.io_schedules.yaml",
];

/// Where the corpus lives: `$KUBE_GEN_CRDS`, else `../shared/crds` next to the workspace,
/// else the machine's `/work/shared/crds`.
pub fn default_dir(workspace: &Path) -> PathBuf {
    if let Some(dir) = std::env::var_os("KUBE_GEN_CRDS") {
        return PathBuf::from(dir);
    }
    let beside = workspace.join("../shared/crds");
    // A checkout elsewhere (a worktree, a CI clone) falls back to the machine's copy.
    let machine = Path::new("/work/shared/crds");
    if beside.exists() || !machine.exists() {
        beside
    } else {
        machine.to_path_buf()
    }
}

/// One CRD file of the corpus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrdFile {
    /// The project (folder) it belongs to.
    pub project: String,
    /// Its path relative to the corpus directory (`flux/...yaml`): the name in reports.
    pub path: String,
    /// The schema features MANIFEST.tsv lists for it.
    pub features: Vec<String>,
}

/// Every file of the manifest, in manifest order.
pub fn read_manifest(dir: &Path) -> anyhow::Result<Vec<CrdFile>> {
    let manifest = dir.join("MANIFEST.tsv");
    let text = std::fs::read_to_string(&manifest)
        .with_context(|| format!("reading {}", manifest.display()))?;
    parse_manifest(&text).with_context(|| format!("parsing {}", manifest.display()))
}

fn parse_manifest(text: &str) -> anyhow::Result<Vec<CrdFile>> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split('\t').collect();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .with_context(|| format!("no `{name}` column"))
    };
    let (project, path, features) = (
        column("project")?,
        column("local_path")?,
        column("features")?,
    );
    let mut files = Vec::new();
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let cells: Vec<&str> = line.split('\t').collect();
        let cell = |i: usize| cells.get(i).copied().unwrap_or("");
        files.push(CrdFile {
            project: cell(project).to_owned(),
            path: cell(path).to_owned(),
            features: cell(features)
                .split(',')
                .filter(|f| !f.is_empty())
                .map(str::to_owned)
                .collect(),
        });
    }
    Ok(files)
}

/// What a run checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// [`CI_SUBSET`] and [`CI_OBJECTS`].
    CiSubset,
    /// Every file.
    All,
    /// Every file of these projects.
    Projects(Vec<String>),
}

/// The selected files grouped by project (one generated crate each), projects sorted.
pub fn select(
    files: &[CrdFile],
    selection: &Selection,
) -> anyhow::Result<BTreeMap<String, Vec<CrdFile>>> {
    let keep = |file: &CrdFile| match selection {
        Selection::CiSubset => {
            CI_SUBSET.contains(&file.path.as_str()) || CI_OBJECTS.contains(&file.path.as_str())
        }
        Selection::All => true,
        Selection::Projects(projects) => projects.contains(&file.project),
    };
    if let Selection::Projects(projects) = selection {
        for project in projects {
            if !files.iter().any(|f| &f.project == project) {
                bail!("no project `{project}` in the corpus");
            }
        }
    }
    if *selection == Selection::CiSubset {
        for path in CI_SUBSET.iter().chain(CI_OBJECTS) {
            if !files.iter().any(|f| f.path == *path) {
                bail!("the CI subset names `{path}`, which is not in the corpus");
            }
        }
    }
    let mut projects: BTreeMap<String, Vec<CrdFile>> = BTreeMap::new();
    for file in files.iter().filter(|f| keep(f)) {
        projects
            .entry(file.project.clone())
            .or_default()
            .push(file.clone());
    }
    Ok(projects)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = "project\trepo\tlocal_path\tfeatures\n\
        a\tx/a\ta/one.yaml\tenum,default\n\
        b\tx/b\tb/two.yaml\t\n";

    #[test]
    fn the_manifest_is_read_by_column_name() {
        let files = parse_manifest(MANIFEST).unwrap();
        assert_eq!(files.len(), 2);
        assert_eq!(files[0].path, "a/one.yaml");
        assert_eq!(files[0].features, ["enum", "default"]);
        assert!(files[1].features.is_empty());
    }

    #[test]
    fn projects_are_selected_by_name_and_unknown_ones_rejected() {
        let files = parse_manifest(MANIFEST).unwrap();
        let picked = select(&files, &Selection::Projects(vec!["b".into()])).unwrap();
        assert_eq!(picked.keys().collect::<Vec<_>>(), ["b"]);
        let err = select(&files, &Selection::Projects(vec!["c".into()])).unwrap_err();
        assert_eq!(err.to_string(), "no project `c` in the corpus");
    }

    #[test]
    fn the_ci_subset_covers_every_feature_of_the_real_corpus() {
        let dir = default_dir(&kube_gen_tests::workspace_root());
        let Ok(files) = read_manifest(&dir) else {
            panic!("the corpus is expected at {}", dir.display());
        };
        let subset = select(&files, &Selection::CiSubset).unwrap();
        let covered: Vec<&String> = subset
            .values()
            .flatten()
            .flat_map(|f| &f.features)
            .collect();
        let missing: Vec<&String> = files
            .iter()
            .flat_map(|f| &f.features)
            .filter(|f| !covered.contains(f) && !IGNORED_FEATURES.contains(&f.as_str()))
            .collect();
        assert!(missing.is_empty(), "the CI subset misses {missing:?}");
    }

    /// Feature columns only the two largest files have (istio's 964 KB bundle, prometheus'
    /// 1.6 MB AlertmanagerConfig); `--all` checks them.
    const IGNORED_FEATURES: &[&str] = &[
        "allOf",
        "fields-differing-only-in-case",
        "snake-case-collisions",
    ];
}
