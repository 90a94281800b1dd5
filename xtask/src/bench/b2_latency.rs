//! B2, event latency: how long from a write to the informer's update handler,
//! for kube-gen, client-go and kube-rs's `watcher`, on the same writes.
//!
//! Each round uses a fresh namespace with 100 ConfigMaps. The three watchers
//! (`bench/src/bin/latency.rs` for kube-gen and kube-rs, `bench/go/latency`
//! for client-go, one process each) run at the same time, so they see the
//! same events under the same load; the writer (in the latency bin) starts
//! once all three have synced: 100 stamped merge patches a second for 60 s,
//! then a burst of 10,000 with 32 in flight. Latency is handler time − the
//! stamp taken just before each write was sent, so it includes the write's
//! own round trip, for every watcher alike.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use anyhow::{Context, bail};

use super::{Better, Ctx, Figure, Series, Target, Unit, build_cache, process};

const OBJECTS: usize = 100;
const RATE: usize = 100;
const CONCURRENCY: usize = 32;

/// The latency bin (writer, kube-gen and kube-rs watchers) and the client-go watcher.
struct Programs {
    rust: PathBuf,
    go: PathBuf,
}

pub fn run(ctx: &Ctx) -> anyhow::Result<Vec<Figure>> {
    let programs = Programs {
        rust: build_cache::our_bin(ctx, "kube-gen-bench", "latency")?,
        go: build_cache::go_bin(
            &ctx.root.join("bench/go/latency"),
            ".",
            &ctx.out,
            "latency-go",
        )?,
    };
    let seconds = ctx.scale(60, 2);
    let burst = ctx.scale(10_000, 200);
    let names = ["kube-gen", "client-go", "kube-rs"];
    // [phase][quantile][watcher]
    let mut series: Vec<Vec<Vec<Series>>> = (0..2)
        .map(|_| (0..2).map(|_| names.map(Series::new).to_vec()).collect())
        .collect();
    for round in 0..ctx.rounds {
        let got = one_round(ctx, &programs, round, seconds, burst)?;
        for (w, result) in got.iter().enumerate() {
            for (p, phase) in ["steady", "burst"].into_iter().enumerate() {
                for (q, quantile) in ["p50", "p99"].into_iter().enumerate() {
                    let v = result[phase][quantile].as_f64().with_context(|| {
                        format!("{}: no {phase}.{quantile} in {result}", names[w])
                    })?;
                    series[p][q][w].rounds.push(v);
                }
            }
        }
    }
    let cases = [
        format!("{RATE} updates/s for {seconds} s, {OBJECTS} ConfigMaps"),
        format!("burst of {burst} updates, {CONCURRENCY} in flight"),
    ];
    let mut figures = Vec::new();
    for (p, case) in cases.iter().enumerate() {
        for (q, quantile) in ["p50", "p99"].into_iter().enumerate() {
            let mut watchers = series[p][q].clone().into_iter();
            let ours = watchers.next().context("no kube-gen series")?;
            figures.push(Figure {
                id: "B2",
                case: case.clone(),
                metric: format!("write-to-handler latency {quantile}"),
                unit: Unit::Seconds,
                better: Better::Lower,
                ours,
                peers: watchers.collect(),
                floor: None,
                targets: vec![Target {
                    peer: "client-go".into(),
                    ratio: 1.0,
                }],
            });
        }
    }
    Ok(figures)
}

/// One round: prepare, three watchers, the writer, their results, cleanup.
fn one_round(
    ctx: &Ctx,
    programs: &Programs,
    round: usize,
    seconds: usize,
    burst: usize,
) -> anyhow::Result<Vec<serde_json::Value>> {
    let ns = format!("bench-b2-{round}");
    let kubeconfig = ctx.kubeconfig();
    let rust = |args: &[&str]| -> Command {
        let mut cmd = Command::new(&programs.rust);
        cmd.arg("--kubeconfig")
            .arg(kubeconfig)
            .args(["--namespace", &ns])
            .args(args);
        cmd
    };
    process::run(&mut rust(&["prepare", "--objects", &OBJECTS.to_string()]))?;
    let mut go = Command::new(&programs.go);
    go.arg("-kubeconfig")
        .arg(kubeconfig)
        .args(["-namespace", &ns]);
    let mut watchers = [
        Watcher::start(rust(&["watch", "--with", "kube-gen"]), "kube-gen")?,
        Watcher::start(go, "client-go")?,
        Watcher::start(rust(&["watch", "--with", "kube-rs"]), "kube-rs")?,
    ];
    for w in &mut watchers {
        let line = w.line(Duration::from_secs(120))?;
        if line != "synced" {
            bail!("{}: expected `synced`, got {line:?}", w.name);
        }
    }
    crate::steps::say(&format!(
        "B2 round {}: writing {RATE}/s for {seconds} s, then {burst} at once",
        round + 1
    ));
    let written = process::run_json(&mut rust(&[
        "write",
        "--objects",
        &OBJECTS.to_string(),
        "--rate",
        &RATE.to_string(),
        "--seconds",
        &seconds.to_string(),
        "--burst",
        &burst.to_string(),
        "--concurrency",
        &CONCURRENCY.to_string(),
    ]))?;
    crate::steps::say(&format!("B2 writer: {written}"));
    let mut results = Vec::new();
    for w in &mut watchers {
        let line = w.line(Duration::from_secs(600))?;
        let result: serde_json::Value =
            serde_json::from_str(&line).with_context(|| format!("{}: {line:?}", w.name))?;
        for phase in ["steady", "burst"] {
            let want = &written[format!("{phase}_writes")];
            if &result[phase]["count"] != want {
                crate::steps::say(&format!(
                    "B2 {}: saw {} {phase} updates of {want}",
                    w.name, result[phase]["count"]
                ));
            }
        }
        results.push(result);
    }
    process::run(&mut rust(&["cleanup"]))?;
    Ok(results)
}

/// A watcher process whose stdout lines arrive on a channel.
struct Watcher {
    name: &'static str,
    child: Child,
    lines: Receiver<String>,
}

impl Watcher {
    fn start(mut cmd: Command, name: &'static str) -> anyhow::Result<Watcher> {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting the {name} watcher"))?;
        let stdout = child.stdout.take().context("stdout is piped")?;
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(Watcher { name, child, lines })
    }

    fn line(&mut self, timeout: Duration) -> anyhow::Result<String> {
        self.lines
            .recv_timeout(timeout)
            .with_context(|| format!("the {} watcher said nothing for {timeout:?}", self.name))
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
