//! Running the steps of a task: progress lines, tool checks, commands.

use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};

/// Prints a progress line, so a long first run never looks stuck.
pub fn say(what: &str) {
    eprintln!("==> {what}");
}

/// Fails with one clear line when a required tool is missing.
pub fn require_tool(tool: &str, version_args: &[&str], why: &str) -> anyhow::Result<()> {
    match Command::new(tool).args(version_args).output() {
        Ok(out) if out.status.success() => Ok(()),
        _ => bail!("`{tool}` was not found on PATH (or does not run): install it; {why}"),
    }
}

/// Checks for Go and kubectl, which every task that starts a cluster needs.
pub fn require_go_and_kubectl() -> anyhow::Result<()> {
    require_tool(
        "go",
        &["version"],
        "the local control plane is built from Kubernetes' Go modules (Go 1.24+)",
    )?;
    require_tool(
        "kubectl",
        &["version", "--client"],
        "the demo and the end-to-end tests use the real kubectl",
    )
}

/// `cargo metadata --format-version 1` of the workspace at `workspace`, parsed: where the
/// registry copies of our dependencies are.
///
/// # Errors
///
/// When cargo fails or prints something that is not JSON.
pub fn cargo_metadata(workspace: &std::path::Path) -> anyhow::Result<serde_json::Value> {
    let out = Command::new("cargo")
        .args(["metadata", "--format-version", "1"])
        .current_dir(workspace)
        .output()
        .context("running cargo metadata")?;
    if !out.status.success() {
        bail!(
            "`cargo metadata` failed in {}:\n{}",
            workspace.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    serde_json::from_slice(&out.stdout).context("parsing cargo metadata's output")
}

/// Runs a command in the workspace root, echoing it, and fails if it fails.
pub fn run(title: &str, program: &str, args: &[&str], envs: &[(&str, &str)]) -> anyhow::Result<()> {
    say(title);
    let started = Instant::now();
    let status = Command::new(program)
        .args(args)
        .envs(envs.iter().copied())
        .current_dir(kube_gen_tests::workspace_root())
        // A step reads no input (a terminal's keystrokes are not for it).
        .stdin(std::process::Stdio::null())
        .status()
        .with_context(|| format!("running {program}"))?;
    if !status.success() {
        bail!("{title}: `{program} {}` failed ({status})", args.join(" "));
    }
    eprintln!("    done in {:.1?}", started.elapsed());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_tool_is_named_with_what_to_do() {
        let err =
            require_tool("kube-gen-no-such-tool", &["version"], "it is needed for X").unwrap_err();
        assert_eq!(
            err.to_string(),
            "`kube-gen-no-such-tool` was not found on PATH (or does not run): install it; it is needed for X"
        );
    }

    #[test]
    fn a_present_tool_passes() {
        require_tool("cargo", &["--version"], "unused").unwrap();
    }
}
