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

/// Bytes the C allocator has handed out and not taken back: glibc's `mallinfo2`, in-use
/// chunks of every arena plus mmapped blocks. The live heap without the freed pages RSS
/// still counts; the counterpart of Go's `HeapInuse` after a collection.
#[allow(unsafe_code)]
pub fn live_heap_bytes() -> u64 {
    // SAFETY: mallinfo2 takes no arguments and only reads the allocator's statistics.
    let info = unsafe { libc::mallinfo2() };
    (info.uordblks + info.hblkhd) as u64
}

/// Prints the program's result, the one line the harness reads.
pub fn emit(result: &serde_json::Value) {
    println!("{result}");
}

/// Deletes namespace `ns` and waits until it is gone (its objects are deleted first by the
/// namespace controller), so the next round starts from an empty cluster.
pub async fn delete_namespace(
    client: kube::Client,
    ns: &str,
    limit: std::time::Duration,
) -> anyhow::Result<()> {
    use k8s_openapi::api::core::v1::Namespace;
    use kube::api::{Api, DeleteParams};

    let api = Api::<Namespace>::all(client);
    match api.delete(ns, &DeleteParams::default()).await {
        Ok(_) => {}
        Err(kube::Error::Api(e)) if e.code == 404 => return Ok(()),
        Err(e) => return Err(e.into()),
    }
    let deadline = std::time::Instant::now() + limit;
    while api.get_opt(ns).await?.is_some() {
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "namespace {ns} still there after {} s",
            limit.as_secs()
        );
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    Ok(())
}
