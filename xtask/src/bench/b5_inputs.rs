//! B5's inputs: the corpus files, and for each what kopium has to be run on to
//! generate what `kube-gen FILE` generates in one run.
//!
//! kopium reads one CRD per file (`-f FILE`) and generates one version per run
//! (`--api-version V`), while `kube-gen FILE` takes files of many CRDs and
//! generates every served version. So kopium gets one run per (CRD, served
//! version): on the corpus file itself when it holds one CRD, else on that
//! CRD's YAML document cut out of it (prepared here, untimed).

use std::path::{Path, PathBuf};

use anyhow::Context;
use kube_gen_codegen::crd::{self, Source};

use crate::fidelity::corpus::{CI_SUBSET, CrdFile};

/// One corpus file and the kopium runs equal to one `kube-gen FILE`.
#[derive(Debug, Clone)]
pub struct Input {
    /// Relative to the corpus (`flux/...yaml`): the name in reports.
    pub name: String,
    pub path: PathBuf,
    /// (file with one CRD, version) per kopium run.
    pub kopium_runs: Vec<(PathBuf, String)>,
}

/// The files to time (all, or the three smallest of the CI subset under
/// `--smoke`) and the ones to compile-check (the CI subset, or its smallest).
pub fn select(corpus: &Path, files: &[CrdFile], smoke: bool) -> (Vec<String>, Vec<String>) {
    let mut subset: Vec<String> = CI_SUBSET.iter().map(|s| (*s).to_owned()).collect();
    if !smoke {
        return (files.iter().map(|f| f.path.clone()).collect(), subset);
    }
    subset.sort_by_key(|p| std::fs::metadata(corpus.join(p)).map_or(u64::MAX, |m| m.len()));
    subset.truncate(3);
    let check = subset[..1].to_vec();
    (subset, check)
}

/// The [`Input`] of every file in `names`; CRD documents cut out of
/// multi-CRD files go to `split`.
pub fn prepare(corpus: &Path, split: &Path, names: &[String]) -> anyhow::Result<Vec<Input>> {
    std::fs::create_dir_all(split)?;
    let mut inputs = Vec::new();
    for (index, name) in names.iter().enumerate() {
        let path = corpus.join(name);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let loaded = crd::load(&Source {
            name: name.clone(),
            text: text.clone(),
        });
        // A file our loader rejects still gets one kopium run with kopium's default version.
        let versions: Vec<Vec<String>> = match &loaded {
            Ok(loaded) => loaded
                .crds
                .iter()
                .map(|c| {
                    let served = c.crd.spec.versions.iter().filter(|v| v.served);
                    served.map(|v| v.name.clone()).collect()
                })
                .collect(),
            Err(_) => vec![Vec::new()],
        };
        let documents = crd_documents(&text);
        let files: Vec<PathBuf> = if documents.len() <= 1 || documents.len() != versions.len() {
            vec![path.clone(); versions.len()]
        } else {
            let mut files = Vec::new();
            for (n, document) in documents.iter().enumerate() {
                let file = split.join(format!("{index:03}-{n:02}.yaml"));
                std::fs::write(&file, document)?;
                files.push(file);
            }
            files
        };
        let mut kopium_runs = Vec::new();
        for (file, versions) in files.into_iter().zip(versions) {
            if versions.is_empty() {
                kopium_runs.push((file.clone(), String::new()));
            }
            kopium_runs.extend(versions.into_iter().map(|v| (file.clone(), v)));
        }
        inputs.push(Input {
            name: name.clone(),
            path,
            kopium_runs,
        });
    }
    Ok(inputs)
}

/// The YAML documents of `text` (split at `---` lines) that are CRDs.
fn crd_documents(text: &str) -> Vec<String> {
    let mut documents = vec![String::new()];
    for line in text.lines() {
        if line.trim_end() == "---" || line.starts_with("--- ") {
            documents.push(String::new());
        } else if let Some(last) = documents.last_mut() {
            last.push_str(line);
            last.push('\n');
        }
    }
    documents.retain(|d| {
        d.lines()
            .any(|l| l.trim_end() == "kind: CustomResourceDefinition")
    });
    documents
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crd_documents_are_cut_at_document_markers() {
        let text = "---\nkind: CustomResourceDefinition\nx: 1\n---\nkind: ConfigMap\n---\n\
                    # c\nkind: CustomResourceDefinition\n---\n";
        assert_eq!(
            crd_documents(text),
            [
                "kind: CustomResourceDefinition\nx: 1\n",
                "# c\nkind: CustomResourceDefinition\n"
            ]
        );
    }
}
