//! `detente report -o html`: one self-contained page (inline CSS and SVG,
//! no script, no fonts or images to fetch) that opens offline — a funnel
//! chart, the stage graph with how often each transition fired, and the
//! time-in-stage distributions, then every section's table.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::build::Report;
use super::funnel::{FunnelStage, StageTime};
use super::text::{Style, blocks, days, escape, pct, people_date, render_blocks, title};

const SUCCESS: &str = "#2f6fdf";
const DETOUR: &str = "#e0782f";
const INK: &str = "#1d2430";
const MUTED: &str = "#667085";

const CSS: &str = "
body { font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #1d2430; margin: 0; background: #f6f7f9; }
main { max-width: 1040px; margin: 0 auto; padding: 24px 28px 64px; background: #fff; }
h1 { font-size: 26px; margin: 8px 0 4px; }
h2 { font-size: 19px; margin: 32px 0 8px; border-bottom: 1px solid #e4e7ec; padding-bottom: 4px; }
.meta { color: #667085; margin: 0 0 16px; }
figure { margin: 20px 0 28px; }
figcaption { font-weight: 600; margin-bottom: 6px; }
figcaption span { font-weight: 400; color: #667085; }
svg text { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; }
.multiples { display: flex; flex-wrap: wrap; gap: 12px 20px; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 14px; }
th, td { padding: 3px 10px; border-bottom: 1px solid #eef0f3; text-align: left; vertical-align: top; }
th { background: #f2f4f7; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
pre { background: #f2f4f7; padding: 8px; }
.kpis .pick { position: absolute; opacity: 0; pointer-events: none; }
.picker { margin: 8px 0 12px; color: #667085; }
.picker label { display: inline-block; margin: 2px 4px 2px 0; padding: 2px 10px; border: 1px solid #d0d5dd; border-radius: 12px; cursor: pointer; color: #1d2430; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 12px; }
.tile { border: 1px solid #e4e7ec; border-radius: 8px; padding: 10px 14px; background: #f8fafc; }
.tile .name { font-weight: 600; font-size: 14px; }
.tile .seg { color: #667085; font-size: 12px; }
.tile .big { font-size: 26px; font-weight: 700; color: #2f6fdf; }
.tile .when, .tile .delta { color: #667085; font-size: 12px; }
.none { color: #667085; }
";

/// The whole page.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let title = title(r);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n<h1>{}</h1>\n<p class=\"meta\">{} · {} to {} · as of {} · periods: {} · {}</p>\n",
        escape(&title),
        escape(&title),
        escape(&super::text::subjects(r)),
        escape(&people_date(&r.from)),
        escape(&people_date(&r.to)),
        escape(&people_date(&r.as_of)),
        escape(&r.period),
        escape(&r.policy.hash)
    );
    out.push_str(&super::tiles::tiles(r));
    // The contact charts say nothing of a policy of deals alone.
    if r.contacts > 0 || r.deals == 0 {
        out.push_str("<h2>At a glance</h2>\n");
        out.push_str(&funnel_chart(&r.funnel));
        out.push_str(&stage_graph(r));
        out.push_str(&time_in_stage(&r.velocity.time_in_stage));
    }
    // The tables say everything the terminal report says; its own title
    // and summary line are the heading above.
    let tables: Vec<_> = blocks(r, Style::Html).into_iter().skip(2).collect();
    out.push_str(&render_blocks(tables, Style::Html));
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

/// A count label's box around its anchor (centred, baseline at `y`):
/// half its width, and its height, for 12px digits.
fn label_box(count: usize) -> (f64, f64) {
    let digits = count.to_string().len() as f64;
    ((7.0 * digits + 6.0) / 2.0, 15.0)
}

/// Where each count label goes: at its wanted point, or moved up and
/// down a line at a time until it overlaps no label placed before it
/// (several arrows can meet in one place: skips arcing over the row,
/// detours between the same stages).
pub(crate) fn place_labels(wanted: &[(f64, f64, usize)]) -> Vec<(f64, f64)> {
    let mut placed: Vec<(f64, f64, usize)> = Vec::new();
    for &(x, y, n) in wanted {
        let (half, h) = label_box(n);
        let clashes = |y: f64| {
            placed.iter().any(|&(px, py, pn)| {
                let (phalf, _) = label_box(pn);
                (px - x).abs() < half + phalf && (py - y).abs() < h
            })
        };
        let spot = (0..40)
            .map(|k| {
                let step = f64::from((k + 1) / 2) * h;
                if k % 2 == 0 { y + step } else { y - step }
            })
            .find(|y| !clashes(*y))
            .unwrap_or(y);
        placed.push((x, spot, n));
    }
    placed.into_iter().map(|(x, y, _)| (x, y)).collect()
}

/// Horizontal bars: each success-path stage's cohort, and the share that
/// reached the next stage.
fn funnel_chart(funnel: &[FunnelStage]) -> String {
    let stages: Vec<&FunnelStage> = funnel.iter().filter(|f| !f.detour).collect();
    let max = stages.iter().map(|f| f.entered).max().unwrap_or(0).max(1) as f64;
    let (row, label_w, bar_w) = (34.0, 130.0, 480.0);
    let height = row * stages.len() as f64 + 10.0;
    let mut svg = format!(
        "<svg id=\"funnel-chart\" width=\"860\" height=\"{height}\" viewBox=\"0 0 860 {height}\" role=\"img\" aria-label=\"Funnel\">\n"
    );
    for (i, f) in stages.iter().enumerate() {
        let y = i as f64 * row + 6.0;
        let w = (f.entered as f64 / max * bar_w).max(2.0);
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"14\" fill=\"{INK}\">{}</text>",
            label_w - 10.0,
            y + 19.0,
            escape(&f.stage)
        );
        let _ = writeln!(
            svg,
            "<rect x=\"{label_w}\" y=\"{y}\" width=\"{w:.1}\" height=\"26\" rx=\"3\" fill=\"{SUCCESS}\"><title>{}: {} entered</title></rect>",
            escape(&f.stage),
            f.entered
        );
        let reached = stages.get(i + 1).map(|next| {
            let rate = f
                .conversion
                .iter()
                .find(|c| c.to == next.stage)
                .and_then(|c| c.rate);
            format!(
                "<tspan fill=\"{MUTED}\"> · {} reached {}</tspan>",
                pct(rate),
                escape(&next.stage)
            )
        });
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{}\" font-size=\"13\" fill=\"{INK}\">{} entered{}</text>",
            label_w + w + 8.0,
            y + 18.0,
            f.entered,
            reached.unwrap_or_default()
        );
    }
    svg.push_str("</svg>\n");
    format!(
        "<figure>\n<figcaption>Funnel <span>— contacts whose first entry into each stage falls in the report, and the share of them that reached the next stage</span></figcaption>\n{svg}</figure>\n"
    )
}

struct Node {
    cx: f64,
    cy: f64,
    detour: bool,
}

const NODE_W: f64 = 98.0;
const NODE_H: f64 = 42.0;

/// The contact lifecycle: the success path left to right, detours below,
/// every transition drawn with how often it fired in the report.
fn stage_graph(r: &Report) -> String {
    let success: Vec<&FunnelStage> = r.funnel.iter().filter(|f| !f.detour).collect();
    let detours: Vec<&FunnelStage> = r.funnel.iter().filter(|f| f.detour).collect();
    let width = 960.0;
    let step = |n: usize| (width - 40.0) / n.max(1) as f64;
    // Each row spreads its stages evenly across the width.
    let mut nodes: BTreeMap<&str, Node> = BTreeMap::new();
    for (row, cy, detour) in [(&success, 120.0, false), (&detours, 300.0, true)] {
        let step = step(row.len());
        for (i, f) in row.iter().enumerate() {
            let cx = 20.0 + step * (i as f64 + 0.5);
            nodes.insert(&f.stage, Node { cx, cy, detour });
        }
    }
    // One edge per (from, to), however many transitions share it.
    let mut edges: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    let mut from_any: BTreeMap<&str, usize> = BTreeMap::new();
    for t in &r.triggers {
        if t.from == "any" {
            *from_any.entry(&t.to).or_default() += t.fired;
        } else {
            *edges.entry((&t.from, &t.to)).or_default() += t.fired;
        }
    }
    let max = edges.values().copied().max().unwrap_or(0).max(1) as f64;
    let rank = |s: &str| success.iter().position(|f| f.stage == s);
    let mut svg = format!(
        "<svg id=\"stage-graph\" width=\"{width}\" height=\"360\" viewBox=\"0 0 {width} 360\" role=\"img\" aria-label=\"Stage graph\">\n<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerUnits=\"userSpaceOnUse\" markerWidth=\"9\" markerHeight=\"9\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"{MUTED}\"/></marker></defs>\n"
    );
    // Each arrow's count, at its curve's midpoint; placed after every
    // arrow is drawn so that no two overlap.
    let mut labels: Vec<(f64, f64, usize)> = Vec::new();
    for ((from, to), fired) in &edges {
        let (Some(a), Some(b)) = (nodes.get(from), nodes.get(to)) else {
            continue;
        };
        let (x1, y1, cx, cy, x2, y2) = match (a.detour, b.detour) {
            (false, false) => {
                let (ra, rb) = (rank(from).unwrap_or(0), rank(to).unwrap_or(0));
                if rb == ra + 1 {
                    let (x1, x2) = (a.cx + NODE_W / 2.0, b.cx - NODE_W / 2.0);
                    (x1, a.cy, (x1 + x2) / 2.0, a.cy, x2, b.cy)
                } else {
                    // Skips and steps back arc over the row.
                    let lift = 40.0 + 18.0 * (rb as f64 - ra as f64).abs();
                    let top = a.cy - NODE_H / 2.0;
                    (a.cx, top, (a.cx + b.cx) / 2.0, top - lift, b.cx, top)
                }
            }
            (false, true) => {
                let (x1, x2) = (a.cx - 12.0, b.cx - 12.0);
                let (y1, y2) = (a.cy + NODE_H / 2.0, b.cy - NODE_H / 2.0);
                (x1, y1, (x1 + x2) / 2.0, (y1 + y2) / 2.0, x2, y2)
            }
            (true, false) => {
                let (x1, x2) = (a.cx + 12.0, b.cx + 12.0);
                let (y1, y2) = (a.cy - NODE_H / 2.0, b.cy + NODE_H / 2.0);
                (x1, y1, (x1 + x2) / 2.0 + 20.0, (y1 + y2) / 2.0, x2, y2)
            }
            (true, true) => {
                let dir = if b.cx > a.cx { 1.0 } else { -1.0 };
                let (x1, x2) = (a.cx + dir * NODE_W / 2.0, b.cx - dir * NODE_W / 2.0);
                (x1, a.cy, (x1 + x2) / 2.0, a.cy + 30.0, x2, b.cy)
            }
        };
        let w = 1.0 + 5.0 * (*fired as f64 / max);
        let _ = writeln!(
            svg,
            "<path d=\"M{x1:.1},{y1:.1} Q{cx:.1},{cy:.1} {x2:.1},{y2:.1}\" fill=\"none\" stroke=\"{MUTED}\" stroke-opacity=\"0.75\" stroke-width=\"{w:.1}\" marker-end=\"url(#arrow)\"><title>{} → {}: {fired}</title></path>",
            escape(from),
            escape(to)
        );
        // The midpoint of the curve carries the count.
        let (mx, my) = ((x1 + 2.0 * cx + x2) / 4.0, (y1 + 2.0 * cy + y2) / 4.0);
        labels.push((mx, my - 4.0, *fired));
    }
    let placed = place_labels(&labels);
    for ((x, y), (_, _, fired)) in placed.iter().zip(&labels) {
        let _ = writeln!(
            svg,
            "<text class=\"edge-count\" x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"middle\" font-size=\"12\" fill=\"{INK}\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">{fired}</text>"
        );
    }
    for f in success.iter().chain(&detours) {
        let Some(n) = nodes.get(f.stage.as_str()) else {
            continue;
        };
        let colour = if n.detour { DETOUR } else { SUCCESS };
        // Long stage names get a smaller size so they stay in the box.
        let size = match f.stage.chars().count() {
            0..=9 => 14,
            10..=12 => 12,
            _ => 10,
        };
        let _ = writeln!(
            svg,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{NODE_W}\" height=\"{NODE_H}\" rx=\"6\" fill=\"{colour}\"><title>{}: {} now</title></rect>\n<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"{size}\" font-weight=\"600\" fill=\"#fff\">{}</text>\n<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"11\" fill=\"#fff\">{} now</text>",
            n.cx - NODE_W / 2.0,
            n.cy - NODE_H / 2.0,
            escape(&f.stage),
            f.current,
            n.cx,
            n.cy - 3.0,
            escape(&f.stage),
            n.cx,
            n.cy + 13.0,
            f.current
        );
        if let Some(k) = from_any.get(f.stage.as_str()) {
            let _ = writeln!(
                svg,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"12\" fill=\"{MUTED}\">{k} from any stage</text>",
                n.cx,
                n.cy + NODE_H / 2.0 + 16.0
            );
        }
    }
    svg.push_str("</svg>\n");
    format!(
        "<figure>\n<figcaption>Stage graph <span>— the success path in blue, detours in orange; each arrow shows how many moves it made in the report</span></figcaption>\n{svg}</figure>\n"
    )
}

fn band_label(from: f64, to: Option<f64>) -> String {
    match to {
        None => format!("{from}+"),
        Some(t) if from == 0.0 => format!("<{t}"),
        Some(t) => format!("{from}–{t}"),
    }
}

/// One small bar chart per stage: how long completed stays lasted.
fn time_in_stage(stages: &[StageTime]) -> String {
    let mut out = String::from(
        "<figure>\n<figcaption>Time in stage <span>— completed stays that ended in the report, by length</span></figcaption>\n<div class=\"multiples\">\n",
    );
    let shown: Vec<&StageTime> = stages.iter().filter(|s| s.times.count > 0).collect();
    if shown.is_empty() {
        out.push_str("<p class=\"none\">(no completed stays)</p>\n");
    }
    for s in shown {
        let max = s
            .distribution
            .iter()
            .map(|b| b.count)
            .max()
            .unwrap_or(0)
            .max(1) as f64;
        let (w, h, bar) = (300.0, 172.0, 31.0);
        let _ = writeln!(
            out,
            "<svg class=\"stay\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"Time in {}\">",
            escape(&s.stage)
        );
        let _ = writeln!(
            out,
            "<text x=\"4\" y=\"14\" font-size=\"13\" font-weight=\"600\" fill=\"{INK}\">{}</text><text x=\"4\" y=\"30\" font-size=\"11\" fill=\"{MUTED}\">median {} days · p90 {} days · {} stays</text>",
            escape(&s.stage),
            days(s.times.median_days),
            days(s.times.p90_days),
            s.times.count
        );
        for (i, b) in s.distribution.iter().enumerate() {
            let x = 6.0 + i as f64 * (bar + 5.0);
            let bh = b.count as f64 / max * 96.0;
            let _ = writeln!(
                out,
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{bar}\" height=\"{bh:.1}\" fill=\"{SUCCESS}\"><title>{} days: {}</title></rect><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"10\" fill=\"{MUTED}\">{}</text>",
                136.0 - bh,
                band_label(b.from_days, b.to_days),
                b.count,
                x + bar / 2.0,
                150.0,
                band_label(b.from_days, b.to_days)
            );
        }
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"166\" text-anchor=\"middle\" font-size=\"10\" fill=\"{MUTED}\">days in the stage</text>",
            w / 2.0
        );
        out.push_str("</svg>\n");
    }
    out.push_str("</div>\n</figure>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_labels_that_would_meet_are_moved_apart() {
        // Three arrows whose midpoints meet, and one elsewhere.
        let wanted = [
            (100.0, 50.0, 177),
            (102.0, 52.0, 57),
            (98.0, 49.0, 3),
            (400.0, 50.0, 9),
        ];
        let placed = place_labels(&wanted);
        for (i, a) in placed.iter().enumerate() {
            for (j, b) in placed.iter().enumerate().skip(i + 1) {
                let (ha, h) = label_box(wanted[i].2);
                let (hb, _) = label_box(wanted[j].2);
                let apart = (a.0 - b.0).abs() >= ha + hb || (a.1 - b.1).abs() >= h;
                assert!(apart, "labels {i} and {j} overlap: {a:?} {b:?}");
            }
        }
        // A label with room stays where it was wanted.
        assert_eq!(placed[0], (100.0, 50.0));
        assert_eq!(placed[3], (400.0, 50.0));
    }
}
