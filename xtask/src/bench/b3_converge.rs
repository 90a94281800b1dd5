//! B3, converge Foos: our sample-controller and Go's, one at a time on the
//! same control plane, each given 1,000 new Foos (replicas 1) in a fresh
//! namespace; wall time until every Deployment is available and every Foo's
//! status says so, and the controller's CPU seconds and peak RSS.
//!
//! Both run with the admin kubeconfig, 2 workers and a 30 s resync (each
//! one's default), and are started 2 s before the first Foo is created so
//! their (empty) caches have synced. The issue compares them at the same
//! client rate limits: unlimited (ours has no client-side limit; Go's gets
//! `-kube-api-qps=-1`, see [`go_sample_controller`]) and client-go's default
//! QPS 5 / burst 10 (Go as shipped; ours with `--kube-api-qps 5 --kube-api-burst 10`).
//! Both then have two token buckets: Go one per clientset (Kubernetes', Foos'),
//! ours one per client, split the same way.
//! The driver is `bench/src/bin/converge.rs`; each run's namespace is deleted
//! and gone before the next controller starts, since both watch every
//! namespace.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::Context;

use super::go_sample_controller::{self, Controller, Usage};
use super::{Better, Ctx, Figure, Series, Target, Unit, build_cache, process};

const GO: &str = "sample-controller (Go)";

/// A client rate-limit setting both controllers are measured at.
#[derive(Clone, Copy)]
enum Limits {
    Unlimited,
    /// client-go's defaults: QPS 5, burst 10.
    GoDefault,
}

impl Limits {
    fn label(self) -> &'static str {
        match self {
            Limits::Unlimited => "client rate limit off",
            Limits::GoDefault => "client QPS 5, burst 10 (client-go default)",
        }
    }
}

/// The values of one (controller, limits) pair over the rounds.
#[derive(Default)]
struct Runs {
    wall: Vec<f64>,
    cpu: Vec<f64>,
    rss: Vec<f64>,
}

impl Runs {
    /// Wall time, CPU seconds or peak RSS, by index.
    fn get(&self, metric: usize) -> &[f64] {
        [&self.wall, &self.cpu, &self.rss][metric]
    }
}

pub fn run(ctx: &Ctx) -> anyhow::Result<Vec<Figure>> {
    let ours_bin = build_cache::our_bin(ctx, "sample-controller", "sample-controller")?;
    let driver = build_cache::our_bin(ctx, "kube-gen-bench", "converge")?;
    let go_bin = go_sample_controller::build(&ctx.out)?;
    let n = ctx.scale(1000, 20);
    let kubeconfig = ctx.kubeconfig().to_path_buf();
    process::run(&mut driver_command(&driver, &kubeconfig, &["crd"]))?;
    let logs = ctx.out.join("logs");
    std::fs::create_dir_all(&logs)?;

    let limits = [Limits::Unlimited, Limits::GoDefault];
    // [limits][0 = ours, 1 = Go]
    let mut runs: Vec<[Runs; 2]> = limits.iter().map(|_| Default::default()).collect();
    for round in 0..ctx.rounds {
        for (l, &limit) in limits.iter().enumerate() {
            // Alternate who goes first, so neither always runs on a fresher cluster.
            let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
            for who in order {
                let (binary, args) = match (who, limit) {
                    (0, _) => (&ours_bin, ours_args(&kubeconfig, limit)),
                    (_, _) => (&go_bin, go_args(&kubeconfig, limit)),
                };
                let name = ["ours", "go"][who];
                let ns = format!("bench-b3-{name}-{l}-{round}");
                crate::steps::say(&format!(
                    "B3 round {}: {} with {}, {n} Foos",
                    round + 1,
                    ["kube-gen", GO][who],
                    limit.label()
                ));
                let log = logs.join(format!("b3-{name}-{l}-{round}.log"));
                let (wall, usage) = converge(&driver, &kubeconfig, binary, &args, &log, &ns, n)?;
                crate::steps::say(&format!(
                    "B3: {wall:.1} s, {:.1} CPU-s, peak RSS {:.1} MiB",
                    usage.cpu_seconds,
                    usage.peak_rss_bytes / 1048576.0
                ));
                let r = &mut runs[l][who];
                r.wall.push(wall);
                r.cpu.push(usage.cpu_seconds);
                r.rss.push(usage.peak_rss_bytes);
            }
        }
    }

    let mut figures = Vec::new();
    for (l, limit) in limits.iter().enumerate() {
        let [ours, go] = &runs[l];
        let metrics = [
            ("wall time", Unit::Seconds, 1.0),
            ("controller CPU-seconds", Unit::Seconds, 0.5),
            ("controller peak RSS", Unit::Bytes, 0.5),
        ];
        for (m, (metric, unit, ratio)) in metrics.into_iter().enumerate() {
            figures.push(Figure {
                id: "B3",
                case: format!("converge {n} Foos, {}", limit.label()),
                metric: metric.into(),
                unit,
                better: Better::Lower,
                ours: series("kube-gen", ours.get(m)),
                peers: vec![series(GO, go.get(m))],
                floor: None,
                targets: vec![Target {
                    peer: GO.into(),
                    ratio,
                }],
            });
        }
    }
    Ok(figures)
}

fn series(name: &str, rounds: &[f64]) -> Series {
    let mut s = Series::new(name);
    s.rounds = rounds.to_vec();
    s
}

fn ours_args(kubeconfig: &Path, limit: Limits) -> Vec<String> {
    let mut args = vec![
        "--kubeconfig".into(),
        kubeconfig.display().to_string(),
        "--metrics-bind-address".into(),
        "0".into(),
    ];
    if let Limits::GoDefault = limit {
        args.extend(["--kube-api-qps", "5", "--kube-api-burst", "10"].map(String::from));
    }
    args
}

fn go_args(kubeconfig: &Path, limit: Limits) -> Vec<String> {
    let mut args = vec![format!("-kubeconfig={}", kubeconfig.display())];
    if let Limits::Unlimited = limit {
        args.push("-kube-api-qps=-1".into());
    }
    args
}

/// One measured run: start the controller, let the driver create and wait,
/// read the controller's usage, stop it, delete the namespace.
fn converge(
    driver: &Path,
    kubeconfig: &Path,
    binary: &Path,
    args: &[String],
    log: &Path,
    ns: &str,
    n: usize,
) -> anyhow::Result<(f64, Usage)> {
    let mut controller = Controller::start(binary, args, log)?;
    std::thread::sleep(Duration::from_secs(2));
    controller
        .check_alive()
        .with_context(|| format!("see {}", log.display()))?;
    let result = process::run_json(&mut driver_command(
        driver,
        kubeconfig,
        &[
            "run",
            "--namespace",
            ns,
            "--foos",
            &n.to_string(),
            "--timeout",
            "2400",
        ],
    ));
    let usage = controller.stop();
    let result = result?;
    let usage = usage.with_context(|| format!("see {}", log.display()))?;
    process::run(&mut driver_command(
        driver,
        kubeconfig,
        &["cleanup", "--namespace", ns],
    ))?;
    let wall = result["seconds"]
        .as_f64()
        .with_context(|| format!("no seconds in {result}"))?;
    Ok((wall, usage))
}

/// `converge --kubeconfig KUBECONFIG ARGS...`: the B3 driver.
fn driver_command(driver: &Path, kubeconfig: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(driver);
    cmd.arg("--kubeconfig").arg(kubeconfig).args(args);
    cmd
}
