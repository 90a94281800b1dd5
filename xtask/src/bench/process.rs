//! Running the benchmark programs: to the end for their output, and what the
//! kernel knows about a running peer (its peak resident set and CPU time, read
//! from `/proc` just before the harness stops it). Peers that exit on their own
//! report the same figures about themselves.

use std::process::{Command, Stdio};

use anyhow::{Context, bail};

/// Runs `cmd` to the end, its stderr shown, and returns its stdout; a failed exit is an error.
pub fn run(cmd: &mut Command) -> anyhow::Result<String> {
    let name = program_name(cmd);
    let output = cmd
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("running {name}"))?;
    if !output.status.success() {
        let args: Vec<_> = cmd.get_args().map(|a| a.to_string_lossy()).collect();
        bail!("{name} {} failed ({})", args.join(" "), output.status);
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Runs a benchmark program to the end and parses the one JSON line it prints last.
pub fn run_json(cmd: &mut Command) -> anyhow::Result<serde_json::Value> {
    let stdout = run(cmd)?;
    let name = program_name(cmd);
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .with_context(|| format!("{name} printed no JSON line"))?;
    serde_json::from_str(line).with_context(|| format!("{name} printed bad JSON: {line}"))
}

fn program_name(cmd: &Command) -> String {
    std::path::Path::new(cmd.get_program())
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned()
}

/// Peak resident set size (`VmHWM`) of a live process, in bytes.
pub fn peak_rss_bytes(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .with_context(|| format!("no VmHWM in /proc/{pid}/status"))?;
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .with_context(|| format!("unreadable {line:?}"))?;
    Ok(kib * 1024)
}

/// User plus system CPU seconds a live process has used so far.
pub fn cpu_seconds(pid: u32) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("reading /proc/{pid}/stat"))?;
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .context("unreadable /proc/PID/stat")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state is field 3, so utime (14) and stime (15) are at 11 and 12.
    let ticks = |i: usize| -> anyhow::Result<f64> {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .context("unreadable utime/stime")
    };
    let hz = clock_ticks_per_second();
    Ok((ticks(11)? + ticks(12)?) / hz)
}

/// `sysconf(_SC_CLK_TCK)`: 100 on every Linux this runs on; `getconf` confirms it.
fn clock_ticks_per_second() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}
