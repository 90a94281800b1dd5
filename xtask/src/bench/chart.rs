//! `target/bench/chart.svg`: one bar per (figure, peer), showing how many times
//! better kube-gen is than the peer (peer/ours when lower is better, ours/peer when
//! higher is better) on a log scale, so every bar reads the same way: right of 1× is
//! ahead. A black tick marks the target; the bar is green when it is met,
//! red when missed, grey when there is no target or the run was a smoke run.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::report::format_value;
use super::{Better, Figure};

const ROW: i32 = 26;
const LABEL_WIDTH: i32 = 640;
const PLOT_WIDTH: i32 = 560;
const TOP: i32 = 60;
/// The x axis spans 1/8× to 8×; bars beyond are clipped and say so in their label.
const SPAN: f64 = 8.0;

/// One bar: its label, kube-gen's advantage, the advantage the target asks for, and
/// whether the target is met.
struct Bar {
    label: String,
    advantage: f64,
    wanted: Option<f64>,
    met: Option<bool>,
}

fn bars(figures: &[Figure], smoke: bool) -> Vec<Bar> {
    let mut out = Vec::new();
    for f in figures {
        let Some(ours) = f.ours.median() else {
            continue;
        };
        for p in &f.peers {
            let Some(theirs) = p.median() else { continue };
            if ours <= 0.0 || theirs <= 0.0 {
                continue;
            }
            let advantage = match f.better {
                Better::Lower => theirs / ours,
                Better::Higher => ours / theirs,
            };
            let target = f.targets.iter().find(|t| t.peer == p.name);
            let wanted = target.map(|t| match f.better {
                Better::Lower => 1.0 / t.ratio,
                Better::Higher => t.ratio,
            });
            out.push(Bar {
                label: format!(
                    "{} {}, {}: {} vs {} {}",
                    f.id,
                    f.case,
                    f.metric,
                    format_value(f.unit, ours),
                    p.name,
                    format_value(f.unit, theirs)
                ),
                advantage,
                wanted,
                met: wanted.filter(|_| !smoke).map(|w| advantage >= w),
            });
        }
    }
    out
}

/// The x pixel of an advantage on the log axis.
fn x_of(advantage: f64) -> i32 {
    let t = (advantage.clamp(1.0 / SPAN, SPAN).ln() / SPAN.ln() + 1.0) / 2.0;
    LABEL_WIDTH + (t * f64::from(PLOT_WIDTH)) as i32
}

/// Draws the chart of `figures` into `path` as SVG.
pub fn write(figures: &[Figure], smoke: bool, path: &Path) -> anyhow::Result<()> {
    let bars = bars(figures, smoke);
    let height = TOP + ROW * (bars.len() as i32 + 2);
    let width = LABEL_WIDTH + PLOT_WIDTH + 20;
    let root = SVGBackend::new(path, (width as u32, height as u32)).into_drawing_area();
    root.fill(&WHITE)?;
    let text = |size: i32| ("sans-serif", size).into_font().color(&BLACK);
    let title = if smoke {
        "kube-gen vs peers: times better (smoke run: sizes too small to judge)"
    } else {
        "kube-gen vs peers: times better (right of 1× is ahead; tick = target)"
    };
    root.draw(&Text::new(title, (10, 12), text(18)))?;
    let bottom = TOP + ROW * bars.len() as i32;
    for tick in [0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0] {
        let x = x_of(tick);
        let style = if tick == 1.0 {
            BLACK.stroke_width(2)
        } else {
            RGBColor(200, 200, 200).stroke_width(1)
        };
        root.draw(&PathElement::new(vec![(x, TOP - 8), (x, bottom)], style))?;
        let label = if tick < 1.0 {
            format!("1/{}×", 1.0 / tick)
        } else {
            format!("{tick}×")
        };
        let centred = text(14).pos(Pos::new(HPos::Center, VPos::Top));
        root.draw(&Text::new(label, (x, TOP - 26), centred))?;
    }
    for (i, bar) in bars.iter().enumerate() {
        let y = TOP + ROW * i as i32;
        let right = text(14).pos(Pos::new(HPos::Right, VPos::Center));
        root.draw(&Text::new(
            bar.label.clone(),
            (LABEL_WIDTH - 8, y + ROW / 2),
            right,
        ))?;
        let colour = match bar.met {
            Some(true) => RGBColor(60, 160, 80),
            Some(false) => RGBColor(200, 60, 50),
            None => RGBColor(150, 150, 150),
        };
        let (a, b) = (x_of(1.0), x_of(bar.advantage));
        let rect = [(a.min(b), y + 5), (a.max(b).max(a.min(b) + 1), y + ROW - 5)];
        root.draw(&Rectangle::new(rect, colour.filled()))?;
        let value = text(11).pos(Pos::new(HPos::Left, VPos::Center));
        root.draw(&Text::new(
            format!("{:.2}×", bar.advantage),
            (a.max(b) + 4, y + ROW / 2),
            value,
        ))?;
        if let Some(wanted) = bar.wanted {
            let x = x_of(wanted);
            root.draw(&PathElement::new(
                vec![(x, y + 2), (x, y + ROW - 2)],
                BLACK.stroke_width(3),
            ))?;
        }
    }
    root.present()?;
    Ok(())
}
