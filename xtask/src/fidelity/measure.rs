//! Runs a command and measures it: wall time and the peak resident memory of its process tree,
//! sampled from `/proc` (no `unsafe`, no `getrusage`).

use std::collections::HashMap;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;

/// How often the process tree is sampled.
const SAMPLE_EVERY: Duration = Duration::from_millis(200);

/// What a measured command used.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    /// Wall time.
    pub wall: Duration,
    /// The largest sum of the resident memory of the command and all its descendants seen at
    /// one sample, in KiB: what the machine had to hold at once.
    pub peak_tree_kib: u64,
    /// The largest peak resident memory (`VmHWM`) of one process of the tree, in KiB.
    pub peak_process_kib: u64,
}

/// Runs `command` to completion with stdout and stderr captured, sampling its memory.
pub fn run(command: &mut Command) -> anyhow::Result<(Output, Usage)> {
    let started = Instant::now();
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("running {command:?}"))?;
    let root = child.id();
    let done = Arc::new(AtomicBool::new(false));
    let peaks = Arc::new(Mutex::new((0u64, 0u64)));
    let sampler = {
        let (done, peaks) = (done.clone(), peaks.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                let (tree, process) = sample(root);
                let mut peaks = peaks.lock().expect("the sampler's lock is never poisoned");
                peaks.0 = peaks.0.max(tree);
                peaks.1 = peaks.1.max(process);
                drop(peaks);
                std::thread::sleep(SAMPLE_EVERY);
            }
        })
    };
    let output = child.wait_with_output();
    done.store(true, Ordering::Relaxed);
    let _ = sampler.join();
    let output = output.with_context(|| format!("waiting for {command:?}"))?;
    let (peak_tree_kib, peak_process_kib) = *peaks.lock().expect("not poisoned");
    Ok((
        output,
        Usage {
            wall: started.elapsed(),
            peak_tree_kib,
            peak_process_kib,
        },
    ))
}

/// (sum of `VmRSS`, largest `VmHWM`) over `root` and its descendants, in KiB.
fn sample(root: u32) -> (u64, u64) {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return (0, 0);
    };
    let mut parents = HashMap::new();
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        if let Some(ppid) = parent(pid) {
            parents.insert(pid, ppid);
        }
    }
    let in_tree = |mut pid: u32| {
        for _ in 0..64 {
            if pid == root {
                return true;
            }
            match parents.get(&pid) {
                Some(&ppid) if ppid != 0 => pid = ppid,
                _ => return false,
            }
        }
        false
    };
    let (mut tree, mut process) = (0, 0);
    for &pid in parents.keys().filter(|&&pid| in_tree(pid)) {
        let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
            continue;
        };
        tree += status_kib(&status, "VmRSS:");
        process = process.max(status_kib(&status, "VmHWM:"));
    }
    (tree, process)
}

/// The parent pid from `/proc/<pid>/stat` (the field after the parenthesised command name).
fn parent(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(1)?.parse().ok()
}

fn status_kib(status: &str, key: &str) -> u64 {
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// KiB as GiB with one decimal, for reports.
pub fn gib(kib: u64) -> String {
    format!("{:.1} GiB", kib as f64 / (1024.0 * 1024.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_process_is_timed_and_its_memory_seen() {
        let (output, usage) = run(Command::new("sh").args(["-c", "sleep 0.5; echo hi"])).unwrap();
        assert_eq!(String::from_utf8_lossy(&output.stdout), "hi\n");
        assert!(usage.wall >= Duration::from_millis(500));
        assert!(usage.peak_tree_kib > 0, "{usage:?}");
    }
}
