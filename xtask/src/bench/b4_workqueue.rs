//! B4, workqueue throughput: kube-gen's `WorkQueue` and client-go's typed
//! rate-limiting queue on the same scenarios (add/get/done with 1, 2 and 8 workers
//! on 10,000 keys with 50% duplicates; add_after; rate-limited requeue with microsecond
//! backoffs and with client-go's default 5 ms one), in
//! operations per second. No cluster: each side is one process per round, and each
//! process reports the median of 5 runs of every scenario after a warm-up.

use std::process::Command;

use serde_json::Value;

use super::{Better, Ctx, Figure, Series, Target, Unit, build_cache, process};

/// The scenarios, as both programs name them in their JSON, and how the table says them.
const SCENARIOS: [(&str, &str); 6] = [
    ("add_get_done_1", "add/get/done, 1 worker"),
    ("add_get_done_2", "add/get/done, 2 workers"),
    ("add_get_done_8", "add/get/done, 8 workers"),
    ("add_after", "add_after (0–1 ms), 2 workers"),
    (
        "rate_limited",
        "rate-limited requeue ×3, 2 workers, backoff 1 µs–1 ms (no controller's)",
    ),
    (
        "rate_limited_5ms",
        "rate-limited requeue ×3, 2 workers, backoff 5 ms–1000 s (client-go's default)",
    ),
];

pub fn run(ctx: &Ctx) -> anyhow::Result<Vec<Figure>> {
    let keys = ctx.scale(10_000, 1_000);
    let ours = build_cache::our_bin(ctx, "kube-gen-bench", "workqueue")?;
    let client_go = build_cache::go_bin(
        &ctx.root.join("bench/go/clientgo"),
        "./cmd/workqueue",
        &ctx.out,
        "clientgo-workqueue",
    )?;
    let keys_arg = keys.to_string();
    let args = ["--keys", keys_arg.as_str()];
    let (mut our_runs, mut their_runs) = (Vec::new(), Vec::new());
    for round in 0..ctx.rounds {
        our_runs.push(process::run_json(Command::new(&ours).args(args))?);
        their_runs.push(process::run_json(Command::new(&client_go).args(args))?);
        eprintln!("    round {} done", round + 1);
    }
    let series = |name: &str, runs: &[Value], scenario: &str| Series {
        name: name.to_owned(),
        rounds: runs.iter().filter_map(|r| r[scenario].as_f64()).collect(),
    };
    Ok(SCENARIOS
        .iter()
        .map(|(scenario, title)| Figure {
            id: "B4",
            case: format!("workqueue, {keys} keys: {title}"),
            metric: "throughput".to_owned(),
            unit: Unit::OpsPerSecond,
            better: Better::Higher,
            ours: series("kube-gen", &our_runs, scenario),
            peers: vec![series("client-go", &their_runs, scenario)],
            floor: None,
            targets: vec![Target {
                peer: "client-go".to_owned(),
                ratio: 1.0,
            }],
        })
        .collect())
}
