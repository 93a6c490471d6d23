//! The scoreboard in the human formats (table, Markdown, HTML): each
//! metric per period with its segments indented under it, and each
//! incentive with its payees. The human formats cap the rows they print
//! per metric or incentive; the JSON keeps them all.

use super::build::Report;
use super::metrics::{MetricRow, PayeeRow};
use super::text::{Block, Style, grid, last, money, value};

/// Segments or payees printed under one metric or incentive, at most.
pub const SHOWN: usize = 25;

/// The report's metrics section.
pub(crate) fn metrics_blocks(r: &Report, style: Style, b: &mut Vec<Block>) {
    let wide = if style == Style::Table { 3 } else { usize::MAX };
    b.push(Block::Title("Metrics".into()));
    let periods = last(&r.periods, wide);
    let mut headers = vec!["metric".to_string()];
    headers.extend(periods.iter().cloned());
    let mut rows = Vec::new();
    let mut hidden = Vec::new();
    for m in &r.metrics {
        let mut row = vec![name(m, style)];
        let shown = |v: &serde_json::Value| figure(v, m.rate, r.currency.as_deref(), style);
        row.extend(last(&m.values, wide).iter().map(|c| shown(&c.value)));
        rows.push(row);
        let count = m.values.first().map_or(0, |c| c.segments.len());
        for k in 0..count.min(SHOWN) {
            let label = m
                .values
                .first()
                .and_then(|c| c.segments.get(k))
                .map(|s| s.label.clone().unwrap_or_else(|| segment_text(&s.segment)))
                .unwrap_or_default();
            let mut row = vec![under(&label, style)];
            row.extend(last(&m.values, wide).iter().map(|c| {
                c.segments
                    .get(k)
                    .map_or_else(String::new, |s| shown(&s.value))
            }));
            rows.push(row);
        }
        if count > SHOWN {
            hidden.push((m.metric.clone(), count));
        }
    }
    b.push(Block::Grid { headers, rows });
    for (metric, count) in hidden {
        b.push(Block::Line(format!(
            "{metric}: the first {SHOWN} of {count} segments are shown; the JSON report (-o json) lists them all."
        )));
    }
}

/// A metric's name, with what it is cut by; in Markdown and HTML its
/// description beside it.
fn name(m: &MetricRow, style: Style) -> String {
    let mut out = m.metric.clone();
    if style != Style::Table
        && let Some(d) = &m.description
    {
        out = format!("{d} ({})", m.metric);
    }
    match &m.by {
        Some(by) => format!("{out}, by {by}"),
        None => out,
    }
}

/// A metric's value as people read it: a rate as a percentage, money
/// with the currency's sign (or code), no data as such.
pub(crate) fn figure(
    v: &serde_json::Value,
    rate: bool,
    currency: Option<&str>,
    style: Style,
) -> String {
    match v {
        serde_json::Value::Number(n) if rate => {
            format!("{:.1}%", n.as_f64().unwrap_or(0.0) * 100.0)
        }
        serde_json::Value::String(s) => {
            let amount = money(s, style);
            let (sign, amount) = match amount.strip_prefix('-') {
                Some(a) => ("-", a.to_string()),
                None => ("", amount),
            };
            match currency {
                Some("USD") => format!("{sign}${amount}"),
                Some("EUR") => format!("{sign}€{amount}"),
                Some("GBP") => format!("{sign}£{amount}"),
                Some(code) => format!("{sign}{amount} {code}"),
                None => format!("{sign}{amount}"),
            }
        }
        other => value(other, style),
    }
}

/// A segment's or assignee's label: its value, or `(none)`.
pub(crate) fn label(value: &serde_json::Value, label: Option<&String>) -> String {
    label.cloned().unwrap_or_else(|| segment_text(value))
}

/// A segment's value as people read it.
fn segment_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => super::metrics::segment::NONE_LABEL.to_string(),
        other => other.to_string(),
    }
}

/// The report's incentives section: one row per incentive and period,
/// and the payees of one paid `per` a field under it.
pub(crate) fn incentives_blocks(r: &Report, style: Style, b: &mut Vec<Block>) {
    b.push(Block::Title("Incentives".into()));
    let mut rows = Vec::new();
    for i in &r.incentives {
        let period = match &i.measured {
            Some(m) => format!("{} (measured on {m})", i.period),
            None => i.period.clone(),
        };
        rows.push(vec![
            i.incentive.clone(),
            period,
            met(i.target_met).into(),
            i.teams
                .first()
                .map_or(money(&i.payout, style), |t| money(&t.payout, style)),
            i.teams
                .iter()
                .map(|t| t.team.clone())
                .collect::<Vec<_>>()
                .join(", "),
        ]);
        rows.extend(i.payees.iter().take(SHOWN).map(|p| payee_row(p, style)));
        if i.payees.len() > SHOWN {
            rows.push(vec![
                under(
                    &format!(
                        "… {} more payees (-o json lists them all)",
                        i.payees.len() - SHOWN
                    ),
                    style,
                ),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ]);
        }
    }
    b.push(grid(
        &["incentive", "period", "target", "payout each", "teams"],
        rows,
    ));
}

fn payee_row(p: &PayeeRow, style: Style) -> Vec<String> {
    let who = p.label.clone().unwrap_or_else(|| segment_text(&p.payee));
    let payout = if p.unassigned {
        format!("{} (unassigned, not paid)", money(&p.payout, style))
    } else {
        money(&p.payout, style)
    };
    vec![
        under(&who, style),
        String::new(),
        format!("{} ({})", met(p.target_met), value(&p.target_value, style)),
        payout,
        String::new(),
    ]
}

/// A segment or payee under its metric or incentive: indented in a
/// terminal; Markdown and HTML cells drop leading spaces, so marked.
fn under(label: &str, style: Style) -> String {
    match style {
        Style::Table => format!("  {label}"),
        Style::Markdown | Style::Html => format!("· {label}"),
    }
}

fn met(m: Option<bool>) -> &'static str {
    match m {
        Some(true) => "met",
        Some(false) => "missed",
        None => "no data",
    }
}
