//! One [`Figure`] per (case, metric): the rounds of ours, of every peer and of
//! the floor, and the target the issue sets. Printed per case as it finishes and
//! as one Markdown table at the end; written to `target/bench/results.json`
//! (every round), `results.md` (the table) and `chart.svg`.

use serde::Serialize;

use super::Ctx;

/// What a figure counts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Unit {
    Seconds,
    Bytes,
    OpsPerSecond,
    Lines,
    Percent,
}

/// Which way is better.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Better {
    Lower,
    Higher,
}

/// One program's values, one per round.
#[derive(Debug, Clone, Serialize)]
pub struct Series {
    /// e.g. `kube-gen`, `client-go`, `kube-rs`, `kopium`, `raw LIST`.
    pub name: String,
    pub rounds: Vec<f64>,
}

impl Series {
    pub fn new(name: impl Into<String>) -> Series {
        Series {
            name: name.into(),
            rounds: Vec::new(),
        }
    }

    /// Median of the rounds (mean of the middle two for an even count).
    pub fn median(&self) -> Option<f64> {
        let mut v = self.rounds.clone();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let n = v.len();
        Some(if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        })
    }

    pub fn min(&self) -> Option<f64> {
        self.rounds.iter().copied().min_by(f64::total_cmp)
    }

    pub fn max(&self) -> Option<f64> {
        self.rounds.iter().copied().max_by(f64::total_cmp)
    }
}

/// The bar: ours ≤ `ratio` × peer (or ≥ when higher is better).
#[derive(Debug, Clone, Serialize)]
pub struct Target {
    pub peer: String,
    pub ratio: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    /// `B1` … `B7`.
    pub id: &'static str,
    /// e.g. `cold sync, 10000 ConfigMaps`.
    pub case: String,
    /// e.g. `time to synced`.
    pub metric: String,
    pub unit: Unit,
    pub better: Better,
    pub ours: Series,
    pub peers: Vec<Series>,
    /// The least any implementation could do (e.g. a raw paginated LIST).
    pub floor: Option<Series>,
    pub targets: Vec<Target>,
}

impl Figure {
    /// `Some(true)` when every target is met on medians; `None` without targets
    /// or data.
    pub fn met(&self) -> Option<bool> {
        if self.targets.is_empty() {
            return None;
        }
        let mut all = true;
        for t in &self.targets {
            all &= target_met(self, t)?;
        }
        Some(all)
    }
}

pub fn format_value(unit: Unit, v: f64) -> String {
    match unit {
        Unit::Seconds if v < 1.0 => format!("{:.1} ms", v * 1e3),
        Unit::Seconds => format!("{v:.2} s"),
        Unit::Bytes if v >= 1024.0 * 1024.0 => format!("{:.1} MiB", v / (1024.0 * 1024.0)),
        Unit::Bytes => format!("{v:.0} B"),
        Unit::OpsPerSecond => format!("{v:.0}/s"),
        Unit::Lines => format!("{v:.0}"),
        Unit::Percent => format!("{v:.1}%"),
    }
}

fn summary(unit: Unit, s: &Series) -> String {
    match (s.median(), s.min(), s.max()) {
        (Some(m), Some(lo), Some(hi)) if s.rounds.len() > 1 => format!(
            "{} [{}–{}]",
            format_value(unit, m),
            format_value(unit, lo),
            format_value(unit, hi)
        ),
        (Some(m), ..) => format_value(unit, m),
        _ => "—".to_string(),
    }
}

/// Prints the figures of one case: ours, each peer, the ratio, the target.
pub fn print(figures: &[Figure], smoke: bool) {
    for f in figures {
        println!("{} {} — {}", f.id, f.case, f.metric);
        println!("    {:<22} {}", f.ours.name, summary(f.unit, &f.ours));
        for p in f.peers.iter().chain(f.floor.iter()) {
            let ratio = match (f.ours.median(), p.median()) {
                (Some(o), Some(q)) if q != 0.0 => format!("ours/{} = {:.2}", p.name, o / q),
                _ => String::new(),
            };
            let target = f
                .targets
                .iter()
                .find(|t| t.peer == p.name)
                .map(|t| {
                    let op = if f.better == Better::Lower {
                        "≤"
                    } else {
                        "≥"
                    };
                    format!("  (target {op} {:.2})", t.ratio)
                })
                .unwrap_or_default();
            println!(
                "    {:<22} {}   {ratio}{target}",
                p.name,
                summary(f.unit, p)
            );
        }
        if !smoke {
            match f.met() {
                Some(true) => println!("    target met"),
                Some(false) => println!("    TARGET MISSED"),
                None => {}
            }
        }
    }
}

/// Whether ours meets one target, on medians; `None` without data.
fn target_met(f: &Figure, t: &Target) -> Option<bool> {
    let ours = f.ours.median()?;
    let peer = f.peers.iter().find(|p| p.name == t.peer)?.median()?;
    Some(match f.better {
        Better::Lower => ours <= t.ratio * peer,
        Better::Higher => ours >= t.ratio * peer,
    })
}

/// Every figure as Markdown rows: one per peer and one for the floor, each with
/// ours/theirs and, where the issue sets one, the target and whether it is met.
pub fn markdown(figures: &[Figure], smoke: bool) -> String {
    let mut out = String::from(
        "| | case | metric | kube-gen | compared with | their figure | ours/theirs | target |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    for f in figures {
        let ours = summary(f.unit, &f.ours);
        for p in f.peers.iter().chain(f.floor.iter()) {
            let ratio = match (f.ours.median(), p.median()) {
                (Some(o), Some(q)) if q != 0.0 => format!("{:.2}", o / q),
                _ => "—".to_owned(),
            };
            let target = match f.targets.iter().find(|t| t.peer == p.name) {
                None => String::new(),
                Some(t) => {
                    let op = if f.better == Better::Lower {
                        "≤"
                    } else {
                        "≥"
                    };
                    let verdict = match (smoke, target_met(f, t)) {
                        (true, _) => "not judged (smoke)",
                        (false, Some(true)) => "met",
                        (false, Some(false)) => "**missed**",
                        (false, None) => "no data",
                    };
                    format!("{op} {:.2}: {verdict}", t.ratio)
                }
            };
            out += &format!(
                "| {} | {} | {} | {ours} | {} | {} | {ratio} | {target} |\n",
                f.id,
                f.case,
                f.metric,
                p.name,
                summary(f.unit, p)
            );
        }
    }
    out
}

/// Prints the whole table and writes `target/bench/results.json` (every round of
/// every series), `results.md` (the table) and `chart.svg`; a smoke run's names
/// start with `smoke-`, so it never overwrites a measured run's.
pub fn finish(figures: &[Figure], ctx: &Ctx) -> anyhow::Result<()> {
    let table = markdown(figures, ctx.smoke);
    println!("\n{table}");
    let prefix = if ctx.smoke { "smoke-" } else { "" };
    let path = ctx.out.join(format!("{prefix}results.json"));
    let json = serde_json::json!({
        "smoke": ctx.smoke,
        "rounds": ctx.rounds,
        "figures": figures,
    });
    std::fs::write(&path, serde_json::to_vec_pretty(&json)?)?;
    println!("wrote {}", path.display());
    let path = ctx.out.join(format!("{prefix}results.md"));
    std::fs::write(&path, &table)?;
    println!("wrote {}", path.display());
    let path = ctx.out.join(format!("{prefix}chart.svg"));
    super::chart::write(figures, ctx.smoke, &path)?;
    println!("wrote {}", path.display());
    Ok(())
}
