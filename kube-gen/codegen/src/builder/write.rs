//! Writes only what changed, through temporary files: Cargo rebuilds a crate whose `include!`d
//! file has a new modification time, even when its content is the same.

use std::path::{Path, PathBuf};

use super::Problem;

/// Writes each of `files` whose content differs from what is on disk, and returns those paths.
///
/// Every changed file is first written next to its target and only renamed once all are, so a
/// failed write leaves every existing file as it was and no temporary file behind.
pub(super) fn changed(dir: &Path, files: &[(PathBuf, String)]) -> Result<Vec<PathBuf>, Problem> {
    let mut staged: Vec<(PathBuf, &Path)> = Vec::new();
    let result = stage(dir, files, &mut staged);
    if let Err(problem) = result {
        for (tmp, _) in &staged {
            let _ = std::fs::remove_file(tmp);
        }
        return Err(problem);
    }
    let mut written = Vec::new();
    for (tmp, path) in staged {
        std::fs::rename(&tmp, path).map_err(|source| {
            let _ = std::fs::remove_file(&tmp);
            Problem::Write {
                path: path.to_owned(),
                source,
            }
        })?;
        written.push(path.to_owned());
    }
    Ok(written)
}

/// Writes the temporary file of each changed file, recording it in `staged` as it goes.
fn stage<'a>(
    dir: &Path,
    files: &'a [(PathBuf, String)],
    staged: &mut Vec<(PathBuf, &'a Path)>,
) -> Result<(), Problem> {
    std::fs::create_dir_all(dir).map_err(|source| Problem::CreateDir {
        path: dir.to_owned(),
        source,
    })?;
    for (path, text) in files {
        if std::fs::read(path).is_ok_and(|old| old == text.as_bytes()) {
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| Problem::CreateDir {
                path: parent.to_owned(),
                source,
            })?;
        }
        let tmp = temporary(path);
        std::fs::write(&tmp, text).map_err(|source| {
            let _ = std::fs::remove_file(&tmp);
            Problem::Write {
                path: path.clone(),
                source,
            }
        })?;
        staged.push((tmp, path));
    }
    Ok(())
}

/// `crds.rs.<pid>.kube-gen-tmp`: next to the target, so the rename stays on one file system,
/// and per process, so two builds writing the same directory don't share one.
fn temporary(path: &Path) -> PathBuf {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".{}.kube-gen-tmp", std::process::id()));
    PathBuf::from(tmp)
}
