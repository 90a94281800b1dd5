//! Shared by the benchmark programs: each runs one side of one case, then
//! prints one JSON object on stdout for `cargo xtask bench` to read.

/// Peak resident set size (`VmHWM`) of this process, in bytes.
pub fn peak_rss_bytes() -> anyhow::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<u64>().ok())
        .ok_or_else(|| anyhow::anyhow!("no VmHWM in /proc/self/status"))?;
    Ok(kib * 1024)
}

/// Prints the program's result, the one line the harness reads.
pub fn emit(result: &serde_json::Value) {
    println!("{result}");
}
