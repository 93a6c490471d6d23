//! The report for people: an aligned table for an 80-column terminal, or
//! Markdown for a pull-request comment. Both walk the same blocks, so they
//! always say the same thing.

use std::fmt::Write as _;

use super::attribution::money_f64;
use super::build::Report;

/// How the blocks are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Table,
    Markdown,
    /// Tables of the self-contained HTML report (`html.rs` adds the
    /// charts around them).
    Html,
}

pub(crate) enum Block {
    Title(String),
    Line(String),
    Grid {
        headers: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    /// Lines shown as written: a fenced `diff` block in Markdown,
    /// indented in the terminal.
    Code(Vec<String>),
}

pub(crate) fn grid(headers: &[&str], rows: Vec<Vec<String>>) -> Block {
    Block::Grid {
        headers: headers.iter().map(|h| h.to_string()).collect(),
        rows,
    }
}

pub(crate) fn pct(x: Option<f64>) -> String {
    x.map_or("–".into(), |r| format!("{:.0}%", r * 100.0))
}

pub(crate) fn days(x: Option<f64>) -> String {
    x.map_or("–".into(), |d| format!("{d:.1}"))
}

/// Money for people: `12,345.67` in Markdown, `12.3k` / `1.23m` in the
/// terminal table where columns are tight.
pub(crate) fn money(s: &str, style: Style) -> String {
    let v = money_f64(s);
    match style {
        Style::Markdown | Style::Html => thousands(s),
        Style::Table if v.abs() >= 1e6 => format!("{:.2}m", v / 1e6),
        Style::Table if v.abs() >= 1e4 => format!("{:.1}k", v / 1e3),
        Style::Table => format!("{v:.0}"),
    }
}

fn thousands(s: &str) -> String {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let (sign, digits) = int.strip_prefix('-').map_or(("", int), |d| ("-", d));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    let frac = if frac.is_empty() {
        "00".to_string()
    } else {
        format!("{frac:0<2}")
    };
    format!("{sign}{out}.{frac}")
}

pub(crate) fn value(v: &serde_json::Value, style: Style) -> String {
    match v {
        serde_json::Value::Null => "no data".into(),
        serde_json::Value::String(s) => money(s, style),
        serde_json::Value::Number(n) => {
            let x = n.as_f64().unwrap_or(0.0);
            if x.fract() == 0.0 {
                format!("{x:.0}")
            } else if x.abs() < 1.0 {
                format!("{x:.3}")
            } else {
                format!("{x:.1}")
            }
        }
        other => other.to_string(),
    }
}

/// The last `n` of a list: wide per-period tables keep the latest periods
/// in the terminal; JSON and Markdown have them all.
pub(crate) fn last<T>(v: &[T], n: usize) -> &[T] {
    v.get(v.len().saturating_sub(n)..).unwrap_or(v)
}

/// `2026-10-31T23:59:59Z` as people write it: `31 Oct 2026 23:59 UTC`
/// (a midnight as the day alone).
pub(crate) fn people_date(iso: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(iso) {
        Ok(t) if t.format("%H:%M:%S").to_string() == "00:00:00" => {
            t.format("%-d %b %Y").to_string()
        }
        Ok(t) => t.format("%-d %b %Y %H:%M UTC").to_string(),
        Err(_) => iso.to_string(),
    }
}

/// `Acme B2B revenue policy v3 — report`.
pub(crate) fn title(r: &Report) -> String {
    format!(
        "{} v{} — report",
        r.policy.name,
        r.policy.version.map_or("-".into(), |v| v.to_string())
    )
}

/// "120 contacts", or "120 contacts, 40 deals" when deals were replayed.
pub(crate) fn subjects(r: &Report) -> String {
    let contacts = super::plural(r.contacts as u64, "contact", "contacts");
    if r.deals == 0 {
        return contacts;
    }
    if r.contacts == 0 {
        return super::plural(r.deals as u64, "deal", "deals");
    }
    format!(
        "{contacts}, {}",
        super::plural(r.deals as u64, "deal", "deals")
    )
}

pub(crate) fn blocks(r: &Report, style: Style) -> Vec<Block> {
    let mut b = Vec::new();
    b.push(Block::Title(title(r)));
    b.push(Block::Line(format!(
        "{}; {} to {} (as of {}); periods: {}",
        subjects(r),
        people_date(&r.from),
        people_date(&r.to),
        people_date(&r.as_of),
        r.period
    )));
    // The contact sections say nothing of a policy of deals alone.
    let contacts = r.contacts > 0 || r.deals == 0;
    if contacts {
        funnel_blocks(r, style, &mut b);
        velocity_blocks(r, style, &mut b);
        triggers_blocks(r, style, &mut b);
    }
    // A section with nothing in it (a policy without touchpoints, SLAs,
    // metrics, incentives or scores) is left out.
    if !r.touchpoints.iter().all(|s| s.touchpoints.is_empty()) {
        touchpoints_blocks(r, style, &mut b);
        attribution_blocks(r, style, &mut b);
    }
    if contacts {
        balance_blocks(r, style, &mut b);
        dropouts_blocks(r, style, &mut b);
    }
    if !r.slas.is_empty() {
        slas_blocks(r, style, &mut b);
    }
    if !r.metrics.is_empty() {
        super::scoreboard::metrics_blocks(r, style, &mut b);
    }
    if !r.incentives.is_empty() {
        super::scoreboard::incentives_blocks(r, style, &mut b);
    }
    if !r.calibration.is_empty() {
        calibration_blocks(r, style, &mut b);
    }
    problems_blocks(r, &mut b);
    b
}

/// What went wrong in the replay, when anything did: one line each, with
/// its code (docs/diagnostics.md).
fn problems_blocks(r: &Report, b: &mut Vec<Block>) {
    if r.problems.is_empty() {
        return;
    }
    b.push(Block::Title("Replay problems".into()));
    for p in &r.problems {
        let who = p
            .contact
            .as_ref()
            .map(|c| format!("contact `{c}`: "))
            .or_else(|| p.account.as_ref().map(|a| format!("account `{a}`: ")))
            .unwrap_or_default();
        b.push(Block::Line(format!("{} {who}{}", p.code, p.message)));
    }
}

/// The report's funnel section.
fn funnel_blocks(r: &Report, _: Style, b: &mut Vec<Block>) {
    b.push(Block::Title("Funnel".into()));
    b.push(Block::Line(
        "Cohorts: contacts whose first entry into the stage falls in the report.".into(),
    ));
    b.push(grid(
        &["stage", "entered", "now in", "advanced", "rate", "dropped"],
        r.funnel
            .iter()
            .map(|f| {
                vec![
                    format!("{}{}", f.stage, if f.detour { " (detour)" } else { "" }),
                    f.entered.to_string(),
                    f.current.to_string(),
                    f.advanced.map_or("–".into(), |a| a.to_string()),
                    pct(f
                        .advanced
                        .and_then(|a| (f.entered > 0).then(|| a as f64 / f.entered as f64))),
                    f.dropped.to_string(),
                ]
            })
            .collect(),
    ));
    let success: Vec<&str> = r
        .funnel
        .iter()
        .filter(|f| !f.detour)
        .map(|f| f.stage.as_str())
        .collect();
    b.push(Block::Line(
        "Conversion to each later stage (ever, or within --window):".into(),
    ));
    let mut headers = vec!["from"];
    headers.extend(success.iter().skip(1));
    b.push(grid(
        &headers,
        r.funnel
            .iter()
            .filter(|f| !f.detour && !f.conversion.is_empty())
            .map(|f| {
                let mut row = vec![f.stage.clone()];
                for s in success.iter().skip(1) {
                    row.push(
                        f.conversion
                            .iter()
                            .find(|c| c.to == *s)
                            .map_or(String::new(), |c| pct(c.rate)),
                    );
                }
                row
            })
            .collect(),
    ));
}

/// The report's velocity section.
fn velocity_blocks(r: &Report, _: Style, b: &mut Vec<Block>) {
    b.push(Block::Title("Velocity".into()));
    b.push(grid(
        &["time in stage", "stays", "median d", "p90 d", "mean d"],
        r.velocity
            .time_in_stage
            .iter()
            .map(|s| {
                vec![
                    s.stage.clone(),
                    s.times.count.to_string(),
                    days(s.times.median_days),
                    days(s.times.p90_days),
                    days(s.times.mean_days),
                ]
            })
            .collect(),
    ));
    b.push(grid(
        &["between", "contacts", "median d", "p90 d", "mean d"],
        r.velocity
            .between
            .iter()
            .filter(|x| x.times.count > 0)
            .map(|x| {
                vec![
                    format!("{} → {}", x.from, x.to),
                    x.times.count.to_string(),
                    days(x.times.median_days),
                    days(x.times.p90_days),
                    days(x.times.mean_days),
                ]
            })
            .collect(),
    ));
}

/// The report's triggers section.
fn triggers_blocks(r: &Report, style: Style, b: &mut Vec<Block>) {
    b.push(Block::Title("Triggers".into()));
    b.push(grid(
        &["line", "move", "fired", "set off by"],
        r.triggers
            .iter()
            .map(|t| {
                let by: Vec<String> =
                    t.by.iter()
                        .take(if style == Style::Table { 2 } else { usize::MAX })
                        .map(|c| format!("{} {}", c.what, c.count))
                        .collect();
                let more = if t.by.len() > by.len() { ", …" } else { "" };
                vec![
                    t.line.to_string(),
                    format!("{} → {}", t.from, t.to),
                    t.fired.to_string(),
                    format!("{}{more}", by.join(", ")),
                ]
            })
            .collect(),
    ));
}

/// The report's touchpoints section.
fn touchpoints_blocks(r: &Report, _: Style, b: &mut Vec<Block>) {
    b.push(Block::Title("Touchpoints: what moved prospects on".into()));
    for s in &r.touchpoints {
        b.push(Block::Line(format!(
            "{}: {} stays began in the report, {} advanced ({}); advanced stays touched by {}",
            s.stage,
            s.stays,
            s.advanced,
            pct(s.rate),
            s.teams
                .iter()
                .map(|t| format!("{} {}", t.team, pct(t.share)))
                .collect::<Vec<_>>()
                .join(", ")
        )));
        if s.touchpoints.is_empty() {
            continue;
        }
        b.push(grid(
            &[
                "touchpoint",
                "team",
                "stays",
                "with",
                "without",
                "lift",
                "median d",
            ],
            s.touchpoints
                .iter()
                .map(|l| {
                    vec![
                        l.touchpoint.clone(),
                        l.team.clone(),
                        l.stays_with.to_string(),
                        pct(l.rate_with),
                        pct(l.rate_without),
                        l.lift.map_or("–".into(), |x| format!("{x:.2}")),
                        days(l.median_days_to_advance),
                    ]
                })
                .collect(),
        ));
    }
}

/// The report's attribution section.
fn attribution_blocks(r: &Report, style: Style, b: &mut Vec<Block>) {
    b.push(Block::Title("Attribution".into()));
    let a = &r.attribution;
    b.push(Block::Line(format!(
        "{} won deals, revenue {}; {} opportunities; unattributed: {} deals, {}",
        a.deals,
        money(&a.revenue, style),
        a.opportunities,
        a.unattributed_deals,
        money(&a.unattributed_revenue, style)
    )));
    let short = ["first", "last", "linear", "U", "W", "decay"];
    let mut headers = vec!["revenue to"];
    headers.extend(short);
    let rows = |list: &[super::attribution::Credit]| {
        list.iter()
            .filter(|c| c.revenue.iter().any(|x| money_f64(x) != 0.0))
            .map(|c| {
                let mut row = vec![c.name.clone()];
                row.extend(c.revenue.iter().map(|x| money(x, style)));
                row
            })
            .collect::<Vec<_>>()
    };
    b.push(grid(&headers, rows(&a.touchpoints)));
    if let Some(h) = headers.first_mut() {
        *h = "team";
    }
    b.push(grid(&headers, rows(&a.teams)));
    let mut headers = vec!["opportunities to"];
    headers.extend(short);
    b.push(grid(
        &headers,
        a.touchpoints
            .iter()
            .filter(|c| c.opportunities.iter().any(|x| *x != 0.0))
            .map(|c| {
                let mut row = vec![c.name.clone()];
                row.extend(c.opportunities.iter().map(|x| format!("{x:.1}")));
                row
            })
            .collect(),
    ));
}

/// The report's balance section.
fn balance_blocks(r: &Report, style: Style, b: &mut Vec<Block>) {
    let wide = if style == Style::Table { 3 } else { usize::MAX };
    b.push(Block::Title("Balance and flow".into()));
    let periods = last(&r.balance, wide);
    let mut headers = vec!["in stage at end".to_string()];
    headers.extend(periods.iter().map(|p| p.period.clone()));
    let stages: Vec<&str> = r
        .balance
        .first()
        .map(|p| p.in_stage.iter().map(|c| c.what.as_str()).collect())
        .unwrap_or_default();
    b.push(Block::Grid {
        headers,
        rows: stages
            .iter()
            .map(|s| {
                let mut row = vec![s.to_string()];
                for p in periods {
                    row.push(
                        p.in_stage
                            .iter()
                            .find(|c| c.what == *s)
                            .map_or("0".into(), |c| c.count.to_string()),
                    );
                }
                row
            })
            .collect(),
    });
    for p in periods {
        let moves: Vec<String> = p
            .moves
            .iter()
            .map(|m| format!("{}→{} {}", m.from, m.to, m.count))
            .collect();
        b.push(Block::Line(format!(
            "moves in {}: {}",
            p.period,
            moves.join(", ")
        )));
    }
}

/// The report's dropouts section.
fn dropouts_blocks(r: &Report, _: Style, b: &mut Vec<Block>) {
    b.push(Block::Title("Drop-outs".into()));
    b.push(grid(
        &["into", "label", "count"],
        r.dropouts
            .by_label
            .iter()
            .map(|d| vec![d.stage.clone(), d.why.clone(), d.count.to_string()])
            .collect(),
    ));
    b.push(grid(
        &["into", "reason", "count"],
        r.dropouts
            .by_reason
            .iter()
            .map(|d| vec![d.stage.clone(), d.why.clone(), d.count.to_string()])
            .collect(),
    ));
}

/// The report's slas section.
fn slas_blocks(r: &Report, style: Style, b: &mut Vec<Block>) {
    b.push(Block::Title("SLAs".into()));
    let mut owners: Vec<String> = r
        .slas
        .iter()
        .filter(|s| s.total)
        .map(|s| format!("{} ({})", s.sla, s.owner))
        .collect();
    owners.dedup();
    b.push(Block::Line(format!(
        "Instances due in the report; attainment = met ÷ (met + late + overdue). Owners: {}.",
        owners.join(", ")
    )));
    b.push(grid(
        &[
            "sla / assignee",
            "met",
            "late",
            "overdue",
            "open",
            "attain",
            "med h",
        ],
        r.slas
            .iter()
            .map(|s| {
                vec![
                    if s.total {
                        format!("{} ({})", s.sla, s.owner)
                            .chars()
                            .take(30)
                            .collect()
                    } else {
                        format!(
                            "  {}",
                            super::scoreboard::label(&s.assignee, s.label.as_ref())
                        )
                    },
                    s.met.to_string(),
                    s.breached.to_string(),
                    s.overdue.to_string(),
                    s.open.to_string(),
                    pct(s.attainment),
                    days(s.median_hours),
                ]
            })
            .collect(),
    ));
    let shown = if style == Style::Table { 10 } else { 50 };
    b.push(Block::Line(format!(
        "Overdue as of {}: {}{}",
        people_date(&r.as_of),
        r.overdue.len(),
        if r.overdue.len() > shown {
            format!(" (the {shown} most overdue below)")
        } else {
            String::new()
        }
    )));
    b.push(grid(
        &["contact", "sla", "assignee", "due", "hours over"],
        r.overdue
            .iter()
            .take(shown)
            .map(|o| {
                vec![
                    o.contact
                        .clone()
                        .or_else(|| o.account.clone())
                        .unwrap_or_default(),
                    o.sla.clone(),
                    o.assignee.clone().unwrap_or_default(),
                    o.due.chars().take(16).collect(),
                    format!("{:.0}", o.overdue_hours),
                ]
            })
            .collect(),
    ));
}

/// The report's calibration section.
fn calibration_blocks(r: &Report, _: Style, b: &mut Vec<Block>) {
    b.push(Block::Title("Score calibration".into()));
    b.push(Block::Line(
        "AUC: the chance a contact who reached the next stage scored higher than one who did not (0.5 = a coin toss).".into(),
    ));
    for c in &r.calibration {
        b.push(Block::Line(format!(
            "{} at entry into {} ({} contact{}): AUC {} for reaching {}",
            c.score,
            c.at,
            c.contacts,
            if c.contacts == 1 { "" } else { "s" },
            c.auc.map_or("–".into(), |x| format!("{x:.2}")),
            c.next
        )));
        let later: Vec<String> = c
            .bands
            .first()
            .map(|b| b.reached.iter().map(|x| x.to.clone()).collect())
            .unwrap_or_default();
        let mut headers = vec!["band".to_string(), "contacts".to_string()];
        headers.extend(later.iter().take(4).cloned());
        b.push(Block::Grid {
            headers,
            rows: c
                .bands
                .iter()
                .filter(|band| band.contacts > 0)
                .map(|band| {
                    let mut row = vec![
                        format!("{} to {}", band.low, band.high),
                        band.contacts.to_string(),
                    ];
                    row.extend(band.reached.iter().take(4).map(|x| pct(x.rate)));
                    row
                })
                .collect(),
        });
    }
}

pub fn render(r: &Report, style: Style) -> String {
    render_blocks(blocks(r, style), style)
}

pub(crate) fn render_blocks(blocks: Vec<Block>, style: Style) -> String {
    let mut out = String::new();
    for block in blocks {
        match (block, style) {
            (Block::Title(t), Style::Table) => {
                let _ = writeln!(out, "\n{t}\n{}", "=".repeat(t.chars().count()));
            }
            (Block::Title(t), Style::Markdown) => {
                let _ = writeln!(out, "\n### {t}\n");
            }
            (Block::Line(l), Style::Table) => {
                for line in wrap(&l, 78) {
                    let _ = writeln!(out, "{line}");
                }
            }
            (Block::Line(l), Style::Markdown) => {
                let _ = writeln!(out, "{l}\n");
            }
            (Block::Code(lines), Style::Table) => {
                for l in lines {
                    let _ = writeln!(out, "    {l}");
                }
            }
            (Block::Code(lines), Style::Markdown) => {
                let _ = writeln!(out, "```diff\n{}\n```\n", lines.join("\n"));
            }
            (Block::Grid { rows, .. }, _) if rows.is_empty() => {
                let _ = writeln!(
                    out,
                    "{}",
                    match style {
                        Style::Table => "  (none)",
                        Style::Markdown => "_(none)_\n",
                        Style::Html => "<p class=\"none\">(none)</p>",
                    }
                );
            }
            (Block::Grid { headers, rows }, Style::Table) => out.push_str(&table(&headers, &rows)),
            (Block::Grid { headers, rows }, Style::Markdown) => {
                out.push_str(&markdown(&headers, &rows));
            }
            (Block::Title(t), Style::Html) => {
                let _ = writeln!(out, "<h2>{}</h2>", escape(&t));
            }
            (Block::Line(l), Style::Html) => {
                let _ = writeln!(out, "<p>{}</p>", escape(&l));
            }
            (Block::Code(lines), Style::Html) => {
                let _ = writeln!(out, "<pre>{}</pre>", escape(&lines.join("\n")));
            }
            (Block::Grid { headers, rows }, Style::Html) => {
                out.push_str(&html_table(&headers, &rows))
            }
        }
    }
    out.trim_start().to_string()
}

/// A figure, a signed change (`−1.5 pp (−4.6%)`) or a word standing for
/// one (`no data`, `no change`).
fn numeric(s: &str) -> bool {
    if matches!(
        s,
        "no data" | "no change" | "now no data" | "had no data" | "–"
    ) {
        return true;
    }
    if let Some(rest) = s.strip_prefix(['+', '−']) {
        return rest.starts_with(|c: char| c.is_ascii_digit());
    }
    // Money with its sign (`$1,000.00`, `-£5`) or its code (`5.00 CHF`).
    let s = s
        .trim_start_matches('-')
        .trim_start_matches(['$', '€', '£']);
    let s = s
        .rsplit_once(' ')
        .filter(|(_, code)| code.len() == 3 && code.chars().all(|c| c.is_ascii_uppercase()))
        .map_or(s, |(amount, _)| amount);
    let t = s.trim_end_matches(['%', 'k', 'm']);
    !t.is_empty() && (t.parse::<f64>().is_ok() || t.replace(',', "").parse::<f64>().is_ok())
}

fn table(headers: &[String], rows: &[Vec<String>]) -> String {
    let n = headers.len();
    let widths: Vec<usize> = (0..n)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .chain(headers.get(i))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let right: Vec<bool> = (0..n).map(|i| right_aligned(rows, i)).collect();
    let line = |cells: &[String]| {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .zip(&right)
            .map(|((c, w), r)| {
                if *r {
                    format!("{c:>w$}")
                } else {
                    format!("{c:<w$}")
                }
            })
            .collect();
        format!("  {}\n", parts.join("  ").trim_end())
    };
    let mut out = line(headers);
    for r in rows {
        out.push_str(&line(r));
    }
    out
}

fn markdown(headers: &[String], rows: &[Vec<String>]) -> String {
    let esc = |s: &String| s.replace('|', "\\|");
    let mut out = format!(
        "| {} |\n",
        headers.iter().map(esc).collect::<Vec<_>>().join(" | ")
    );
    out.push('|');
    for i in 0..headers.len() {
        out.push_str(if right_aligned(rows, i) {
            "---:|"
        } else {
            "---|"
        });
    }
    out.push('\n');
    for r in rows {
        out.push_str(&format!(
            "| {} |\n",
            r.iter().map(esc).collect::<Vec<_>>().join(" | ")
        ));
    }
    out.push('\n');
    out
}

/// Text safe inside HTML elements and attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn html_table(headers: &[String], rows: &[Vec<String>]) -> String {
    let right: Vec<bool> = (0..headers.len()).map(|i| right_aligned(rows, i)).collect();
    let cell = |tag: &str, i: usize, text: &str| {
        let class = if right.get(i) == Some(&true) {
            " class=\"num\""
        } else {
            ""
        };
        format!("<{tag}{class}>{}</{tag}>", escape(text))
    };
    let mut out = String::from("<table>\n<thead><tr>");
    for (i, h) in headers.iter().enumerate() {
        out.push_str(&cell("th", i, h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for r in rows {
        out.push_str("<tr>");
        for (i, c) in r.iter().enumerate() {
            out.push_str(&cell("td", i, c));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    out
}

/// Numbers align right; the first column and any column of words left.
fn right_aligned(rows: &[Vec<String>], i: usize) -> bool {
    i > 0
        && rows
            .iter()
            .filter_map(|r| r.get(i))
            .all(|c| c.is_empty() || numeric(c))
}

/// Words wrapped at `width` columns, continuation lines indented.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for w in text.split(' ') {
        if !cur.is_empty() && cur.chars().count() + 1 + w.chars().count() > width {
            lines.push(std::mem::take(&mut cur));
            cur.push_str("  ");
        }
        if !cur.is_empty() && !cur.ends_with("  ") {
            cur.push(' ');
        }
        cur.push_str(w);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_for_people() {
        assert_eq!(thousands("1234567.5"), "1,234,567.50");
        assert_eq!(thousands("-999"), "-999.00");
        assert_eq!(money("1234567.89", Style::Table), "1.23m");
        assert_eq!(money("45600", Style::Table), "45.6k");
        assert_eq!(money("950.4", Style::Table), "950");
    }
}
