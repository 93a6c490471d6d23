//! The HTML report's opening: a tile per metric with its value in the
//! last period, the change from the period before and a trend line across
//! periods, and a segment picker in plain HTML and CSS (radio buttons and
//! `:checked` rules, no script) that shows each cut metric's tiles for one
//! segment.

use std::fmt::Write as _;

use super::build::Report;
use super::metrics::MetricRow;
use super::scoreboard::{figure, label};
use super::text::{Style, escape};

/// One choice of the picker: everyone, or one segment of one dimension.
struct Choice {
    id: String,
    dimension: Option<String>,
    label: String,
}

/// The picker's choices: everyone, then each dimension's segments in the
/// order the report lists them.
fn choices(r: &Report) -> Vec<Choice> {
    let mut out = vec![Choice {
        id: "seg-all".into(),
        dimension: None,
        label: "Everyone".into(),
    }];
    let mut dims: Vec<&str> = Vec::new();
    for m in &r.metrics {
        let (Some(by), Some(cell)) = (m.by.as_deref(), m.values.first()) else {
            continue;
        };
        if dims.contains(&by) {
            continue;
        }
        dims.push(by);
        let d = dims.len() - 1;
        for (k, s) in cell
            .segments
            .iter()
            .take(super::scoreboard::SHOWN)
            .enumerate()
        {
            out.push(Choice {
                id: format!("seg-{d}-{k}"),
                dimension: Some(by.to_string()),
                label: format!("{}: {}", by, label(&s.segment, s.label.as_ref())),
            });
        }
    }
    out
}

/// The tiles and the picker, or nothing when the policy has no metric.
pub fn tiles(r: &Report) -> String {
    if r.metrics.is_empty() {
        return String::new();
    }
    let choices = choices(r);
    let mut out = String::from(
        "<section class=\"kpis\" id=\"kpi-tiles\">\n<style>\n.kpis .v { display: none; }\n",
    );
    for c in &choices {
        let _ = writeln!(
            out,
            "#{0}:checked ~ .tiles .{0} {{ display: block; }}",
            c.id
        );
        let _ = writeln!(
            out,
            "#{0}:checked ~ .picker label[for={0}] {{ background: #1d2430; color: #fff; }}",
            c.id
        );
    }
    out.push_str("</style>\n");
    for (i, c) in choices.iter().enumerate() {
        let checked = if i == 0 { " checked" } else { "" };
        let _ = writeln!(
            out,
            "<input type=\"radio\" name=\"segment\" id=\"{}\" class=\"pick\"{checked}>",
            c.id
        );
    }
    if choices.len() > 1 {
        out.push_str("<nav class=\"picker\" id=\"segment-picker\">Show: ");
        for c in &choices {
            let _ = write!(out, "<label for=\"{}\">{}</label>", c.id, escape(&c.label));
        }
        out.push_str("</nav>\n");
    }
    out.push_str("<div class=\"tiles\">\n");
    for m in &r.metrics {
        out.push_str(&tile(r, m, &choices));
    }
    out.push_str("</div>\n</section>\n");
    out
}

/// One metric's tile: a value block per choice it answers to.
fn tile(r: &Report, m: &MetricRow, choices: &[Choice]) -> String {
    let mut out = String::from("<div class=\"tile\">");
    let name = m.description.as_deref().unwrap_or(&m.metric);
    let _ = write!(out, "<div class=\"name\">{}</div>", escape(name));
    // The total answers to every choice not of this metric's dimension.
    let total: Vec<&str> = choices
        .iter()
        .filter(|c| c.dimension.is_none() || c.dimension.as_deref() != m.by.as_deref())
        .map(|c| c.id.as_str())
        .collect();
    let series: Vec<&serde_json::Value> = m.values.iter().map(|c| &c.value).collect();
    out.push_str(&block(r, m, &total.join(" "), &series, None));
    if let Some(by) = m.by.as_deref() {
        let mine = choices
            .iter()
            .filter(|c| c.dimension.as_deref() == Some(by));
        for (k, c) in mine.enumerate() {
            let series: Vec<&serde_json::Value> = m
                .values
                .iter()
                .map(|cell| {
                    cell.segments
                        .get(k)
                        .map_or(&serde_json::Value::Null, |s| &s.value)
                })
                .collect();
            out.push_str(&block(r, m, &c.id, &series, Some(&c.label)));
        }
    }
    out.push_str("</div>\n");
    out
}

/// The value this period, the change from last period and the trend.
fn block(
    r: &Report,
    m: &MetricRow,
    classes: &str,
    series: &[&serde_json::Value],
    segment: Option<&str>,
) -> String {
    let now = series.last().copied().unwrap_or(&serde_json::Value::Null);
    let shown = figure(now, m.rate, r.currency.as_deref(), Style::Html);
    let period = r.periods.last().map_or("", String::as_str);
    let mut out = format!("<div class=\"v {classes}\">");
    if let Some(s) = segment {
        let _ = write!(out, "<div class=\"seg\">{}</div>", escape(s));
    }
    let _ = write!(
        out,
        "<div class=\"big\">{}</div><div class=\"when\">{}</div>",
        escape(&shown),
        escape(period)
    );
    out.push_str(&change(r, m, series));
    out.push_str(&spark(series));
    out.push_str("</div>");
    out
}

fn number(v: &serde_json::Value) -> Option<f64> {
    match v {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// `▲ 4.2 pts since 2026 Q2` for a rate, `▼ 12%` otherwise.
fn change(r: &Report, m: &MetricRow, series: &[&serde_json::Value]) -> String {
    let n = series.len();
    let (Some(now), Some(before)) = (
        series.get(n.wrapping_sub(1)).and_then(|v| number(v)),
        series.get(n.wrapping_sub(2)).and_then(|v| number(v)),
    ) else {
        return "<div class=\"delta\">no change to show</div>".into();
    };
    let since = r.periods.get(n.wrapping_sub(2)).map_or("", String::as_str);
    let arrow = if now > before {
        "▲"
    } else if now < before {
        "▼"
    } else {
        "="
    };
    let amount = if m.rate {
        format!("{:.1} pts", (now - before).abs() * 100.0)
    } else if before != 0.0 {
        format!("{:.0}%", ((now - before) / before.abs() * 100.0).abs())
    } else {
        figure(
            &serde_json::json!((now - before).abs()),
            false,
            None,
            Style::Html,
        )
    };
    format!(
        "<div class=\"delta\">{arrow} {} since {}</div>",
        escape(&amount),
        escape(since)
    )
}

/// A small trend line across the periods; gaps where there is no data.
fn spark(series: &[&serde_json::Value]) -> String {
    let points: Vec<(usize, f64)> = series
        .iter()
        .enumerate()
        .filter_map(|(i, v)| number(v).map(|x| (i, x)))
        .collect();
    if points.len() < 2 {
        return String::new();
    }
    let (lo, hi) = points
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), (_, y)| {
            (lo.min(*y), hi.max(*y))
        });
    let (w, h) = (120.0, 28.0);
    let step = w / (series.len().max(2) - 1) as f64;
    let y = |v: f64| {
        if hi > lo {
            h - 2.0 - (v - lo) / (hi - lo) * (h - 4.0)
        } else {
            h / 2.0
        }
    };
    let path: Vec<String> = points
        .iter()
        .map(|(i, v)| format!("{:.1},{:.1}", *i as f64 * step, y(*v)))
        .collect();
    format!(
        "<svg class=\"spark\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\"><polyline fill=\"none\" stroke=\"#2f6fdf\" stroke-width=\"2\" points=\"{}\"/></svg>",
        path.join(" ")
    )
}
