//! The control plane's answers to bad input: each is one clear line naming
//! the cause and what to do, with a non-zero exit and no process left behind.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};

use kube_gen_tests::ensure_built;

fn up(args: &[&str]) -> anyhow::Result<Output> {
    Ok(Command::new(ensure_built()?)
        .arg("up")
        .args(args)
        .output()?)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Processes whose command line mentions `needle` (e.g. a data dir).
fn processes_mentioning(needle: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return vec![];
    };
    entries
        .filter_map(|e| std::fs::read(e.ok()?.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.contains(needle))
        .collect()
}

#[test]
fn a_taken_port_is_named_with_what_to_do() -> anyhow::Result<()> {
    let taken = TcpListener::bind("127.0.0.1:0")?;
    let port = taken.local_addr()?.port().to_string();
    let dir = tempfile::tempdir()?;
    let out = up(&["--dir", dir.path().to_str().unwrap(), "--port", &port])?;
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(&format!("port {port} on 127.0.0.1 is already taken")),
        "{err}"
    );
    assert!(err.contains("pass another --port"), "{err}");
    assert!(processes_mentioning(dir.path().to_str().unwrap()).is_empty());
    Ok(())
}

#[test]
fn a_stale_data_dir_needs_clean() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("leftover"), "from an earlier run")?;
    let out = up(&["--dir", dir.path().to_str().unwrap()])?;
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("holds data of an earlier run") && err.contains("--clean"),
        "{err}"
    );
    assert!(
        dir.path().join("leftover").exists(),
        "nothing is deleted without --clean"
    );
    Ok(())
}

#[test]
fn a_dir_in_use_by_a_running_control_plane_is_refused() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    // This test process stands in for a running supervisor.
    std::fs::write(
        dir.path().join("supervisor.pid"),
        std::process::id().to_string(),
    )?;
    let out = up(&["--dir", dir.path().to_str().unwrap(), "--clean"])?;
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("is already running from"), "{err}");
    Ok(())
}

#[test]
fn a_control_plane_not_ready_in_time_says_so_and_leaves_nothing() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let out = up(&["--dir", data.to_str().unwrap(), "--timeout", "1ms"])?;
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("did not become ready") && err.contains("--timeout"),
        "{err}"
    );
    assert!(
        processes_mentioning(data.to_str().unwrap()).is_empty(),
        "no component outlives the supervisor"
    );
    assert!(!Path::new(&data).join("supervisor.pid").exists());
    Ok(())
}
