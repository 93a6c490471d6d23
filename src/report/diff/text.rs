//! `detente diff` for people: Markdown ready to post on a pull request,
//! or aligned tables for a terminal. Both walk the same blocks.

use serde_json::Value as Json;

use super::definitions::Change;
use super::figures::MetricDelta;
use super::stages::StageChanges;
use super::{PolicyDiff, SideRef};
use crate::report::plural;
use crate::report::text::{Block, Style, grid, money, render_blocks};

/// A fraction as a percentage to one decimal, without a trailing `.0`:
/// `0.321` → `32.1%`, `0.05` → `5%`.
pub fn percent(x: f64) -> String {
    let s = format!("{:.1}", x * 100.0);
    format!("{}%", s.strip_suffix(".0").unwrap_or(&s))
}

/// A change of a rate in signed percentage points: `−1.5 pp`.
fn points(change: f64) -> String {
    format!("{} pp", signed(format!("{:.1}", change * 100.0)))
}

/// A metric value for people: rates as percentages, money with thousands
/// separators, numbers to two decimals.
pub fn show(kind: &str, v: &Json) -> String {
    match (kind, v) {
        (_, Json::Null) => "no data".into(),
        ("rate", Json::Number(n)) => percent(n.as_f64().unwrap_or(0.0)),
        (_, Json::String(s)) => money(s, Style::Markdown),
        (_, Json::Number(n)) => {
            let x = n.as_f64().unwrap_or(0.0);
            let s = format!("{x:.2}");
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        }
        (_, other) => other.to_string(),
    }
}

fn signed(s: String) -> String {
    if s.starts_with('-') {
        s.replacen('-', "−", 1)
    } else if s == "0" || s == "0.00" {
        s
    } else {
        format!("+{s}")
    }
}

/// `−1.8 pp (−6.6%)`, `+2,500.00 (+4%)`, `no change`.
pub fn change_text(m: &MetricDelta) -> String {
    let zero = match &m.change {
        Json::Number(n) => n.as_f64() == Some(0.0),
        Json::String(s) => s.trim_start_matches('-') == "0.00",
        _ => false,
    };
    if m.change.is_null() {
        return match (m.old.is_null(), m.new.is_null()) {
            _ if m.old == m.new => "no change".into(),
            (false, true) => "now no data".into(),
            (true, false) => "had no data".into(),
            _ => "changed".into(),
        };
    }
    if zero {
        return "no change".into();
    }
    let abs = match (&m.change, m.kind.as_str()) {
        (Json::Number(n), "rate") => points(n.as_f64().unwrap_or(0.0)),
        (v, kind) => signed(show(kind, v)),
    };
    match (m.relative, m.kind.as_str()) {
        (Some(r), _) => format!("{abs} ({})", signed(format!("{:.1}%", r * 100.0))),
        _ => abs,
    }
}

fn side(s: &SideRef) -> String {
    format!(
        "{} v{}",
        s.label,
        s.version.map_or("-".into(), |v| v.to_string())
    )
}

fn summary(what: &str, c: &StageChanges) -> String {
    let share = c
        .changed_share
        .map(|s| format!(" ({:.1}%)", s * 100.0))
        .unwrap_or_default();
    let rerouted = match c.rerouted {
        0 => String::new(),
        1 => "; 1 more reaches the same stage by another path or at another time".into(),
        n => format!("; {n} more reach the same stage by another path or at another time"),
    };
    format!(
        "{} of {} {what} change stage{share}{rerouted}.",
        c.changed, c.total
    )
}

/// Rows of the matrix restricted to the stages any change touches, so it
/// fits a terminal however many stages the lifecycle has.
fn matrix(c: &StageChanges) -> Option<Block> {
    let moved: Vec<_> = c.matrix.iter().filter(|m| m.old != m.new).collect();
    if moved.is_empty() {
        return None;
    }
    let mut rows_of: Vec<&str> = Vec::new();
    let mut cols_of: Vec<&str> = Vec::new();
    // The cells come in declared stage order: keep it.
    for m in &c.matrix {
        let involved = moved.iter().any(|x| x.old == m.old || x.new == m.old);
        if involved && !rows_of.contains(&m.old.as_str()) {
            rows_of.push(&m.old);
        }
        let involved = moved.iter().any(|x| x.new == m.new || x.old == m.new);
        if involved && !cols_of.contains(&m.new.as_str()) {
            cols_of.push(&m.new);
        }
    }
    let mut headers = vec!["old \\ new".to_string()];
    headers.extend(cols_of.iter().map(|s| s.to_string()));
    let rows = rows_of
        .iter()
        .map(|r| {
            let mut row = vec![r.to_string()];
            row.extend(cols_of.iter().map(|col| {
                c.matrix
                    .iter()
                    .find(|m| m.old == *r && m.new == *col)
                    .map_or(String::new(), |m| m.count.to_string())
            }));
            row
        })
        .collect();
    Some(Block::Grid { headers, rows })
}

fn moves(what: &str, c: &StageChanges, style: Style, b: &mut Vec<Block>) {
    let cells: Vec<_> = c
        .matrix
        .iter()
        .filter(|m| m.old != m.new || m.rerouted > 0)
        .collect();
    if cells.is_empty() {
        let one = what.strip_suffix('s').unwrap_or(what);
        b.push(Block::Line(format!("No {one} changes stage or path.")));
        return;
    }
    b.push(grid(
        &["old stage", "new stage", what],
        cells
            .iter()
            .map(|m| {
                vec![
                    m.old.clone(),
                    if m.old == m.new {
                        format!("{} (another path)", m.new)
                    } else {
                        m.new.clone()
                    },
                    if m.old == m.new {
                        m.rerouted.to_string()
                    } else {
                        m.count.to_string()
                    },
                ]
            })
            .collect(),
    ));
    if let Some(grid) = matrix(c) {
        b.push(Block::Line(format!(
            "Stage-change matrix ({what} by old and new stage, for the stages a change touches):"
        )));
        b.push(grid);
    }
    // The terminal gets one example of each move; the pull request gets
    // every example (reroutes too), folded away.
    let shown: Vec<(&super::MatrixCell, &[super::Example])> = cells
        .iter()
        .filter(|m| style == Style::Markdown || m.old != m.new)
        .map(|m| {
            let n = if style == Style::Table {
                1
            } else {
                m.examples.len()
            };
            (*m, m.examples.get(..n).unwrap_or(&m.examples))
        })
        .collect();
    match style {
        Style::Markdown | Style::Html => b.push(Block::Line(
            "<details><summary>Example contacts, and the first step at which their paths part</summary>"
                .into(),
        )),
        Style::Table => b.push(Block::Line(
            "One example of each move, and the first step at which the paths part:".into(),
        )),
    }
    for (m, examples) in shown {
        for e in examples {
            let who = match &e.account {
                Some(a) => format!("{} of {a}", e.id),
                None => e.id.clone(),
            };
            let step = |s: &Option<super::StepSide>, stage: &str| match s {
                Some(s) => s.story.clone(),
                None => format!("(no step {}: stays in `{stage}`)", e.step),
            };
            let head = format!("{} → {}: {who}, step {}", m.old, m.new, e.step);
            let old = format!("old: {}", step(&e.old, &m.old));
            let new = format!("new: {}", step(&e.new, &m.new));
            match style {
                Style::Markdown | Style::Html => {
                    b.push(Block::Line(format!("- **{head}**\n  - {old}\n  - {new}")))
                }
                Style::Table => {
                    b.push(Block::Line(head));
                    b.push(Block::Line(format!("  {old}")));
                    b.push(Block::Line(format!("  {new}")));
                }
            }
        }
    }
    if style == Style::Markdown {
        b.push(Block::Line("</details>".into()));
    }
}

fn blocks(d: &PolicyDiff, style: Style) -> Vec<Block> {
    let mut b = Vec::new();
    b.push(Block::Title(format!(
        "Policy change: {} → {}",
        side(&d.old),
        side(&d.new)
    )));
    // A policy of deals alone replays no contacts: nothing to say of them.
    let contacts = d.contacts.total > 0 || (d.accounts.is_none() && d.deals.is_none());
    if contacts {
        b.push(Block::Line(summary("contacts", &d.contacts)));
    }
    if let Some(a) = &d.accounts {
        b.push(Block::Line(summary("accounts", a)));
    }
    if let Some(x) = &d.deals {
        b.push(Block::Line(summary("deals", x)));
    }
    b.push(Block::Line(format!(
        "Replayed as of {}; metrics from {} to {} by {}.",
        d.as_of, d.from, d.to, d.period
    )));
    if d.old.rejected_rows != d.new.rejected_rows {
        b.push(Block::Line(format!(
            "The policies read the data differently: the old one rejects {}, the new one {} (`detente validate` lists them).",
            plural(d.old.rejected_rows, "row", "rows"),
            plural(d.new.rejected_rows, "row", "rows")
        )));
    }

    if !d.gates.is_empty() {
        b.push(Block::Title(
            if d.passed {
                "Gates: passed"
            } else {
                "Gates: FAILED"
            }
            .into(),
        ));
        b.push(grid(
            &["gate", "result", "why"],
            d.gates
                .iter()
                .map(|g| {
                    vec![
                        g.gate.clone(),
                        if g.passed { "passed" } else { "FAILED" }.into(),
                        g.message.clone(),
                    ]
                })
                .collect(),
        ));
    }

    if contacts {
        b.push(Block::Title("Who moves".into()));
        moves("contacts", &d.contacts, style, &mut b);
    }
    if let Some(a) = &d.accounts {
        b.push(Block::Title("Accounts".into()));
        moves("accounts", a, style, &mut b);
    }
    if let Some(x) = &d.deals {
        b.push(Block::Title("Deals".into()));
        moves("deals", x, style, &mut b);
    }

    b.push(Block::Title("Metrics".into()));
    b.push(Block::Line(
        "Over the whole span; `detente diff -o json` has them per period.".into(),
    ));
    b.push(grid(
        &["metric", "old", "new", "change"],
        d.metrics
            .iter()
            .map(|m| {
                vec![
                    m.metric.clone(),
                    show(&m.kind, &m.old),
                    show(&m.kind, &m.new),
                    change_text(m),
                ]
            })
            .collect(),
    ));

    incentive_blocks(d, &mut b);

    b.push(Block::Title("SLAs".into()));
    b.push(grid(
        &["sla", "old", "new", "change", "items old", "items new"],
        d.slas
            .iter()
            .map(|s| {
                let pct = |x: Option<f64>| x.map_or("–".into(), |r| format!("{:.1}%", r * 100.0));
                vec![
                    s.sla.clone(),
                    pct(s.old_attainment),
                    pct(s.new_attainment),
                    s.change.map_or("–".into(), |c| {
                        if c == 0.0 {
                            "no change".into()
                        } else {
                            points(c)
                        }
                    }),
                    s.old_items.to_string(),
                    s.new_items.to_string(),
                ]
            })
            .collect(),
    ));

    definition_blocks(d, &mut b);
    b
}

/// Payouts per team, and targets met on one side only.
fn incentive_blocks(d: &PolicyDiff, b: &mut Vec<Block>) {
    b.push(Block::Title("Incentives".into()));
    b.push(Block::Line("Payouts over the whole span, per team.".into()));
    let mut rows = Vec::new();
    for i in &d.incentives {
        for t in &i.teams {
            rows.push(vec![
                i.incentive.clone(),
                t.team.clone(),
                money(&t.old, Style::Markdown),
                money(&t.new, Style::Markdown),
                if t.old == t.new {
                    "no change".into()
                } else {
                    signed(money(&t.change, Style::Markdown))
                },
            ]);
        }
    }
    b.push(grid(&["incentive", "team", "old", "new", "change"], rows));
    let flips: Vec<String> = d
        .incentives
        .iter()
        .flat_map(|i| {
            i.periods
                .iter()
                .filter(|p| p.old_met != p.new_met)
                .map(|p| {
                    let word = |m: Option<bool>| match m {
                        Some(true) => "met",
                        Some(false) => "missed",
                        None => "no data",
                    };
                    format!(
                        "{} in {}: {} → {}",
                        i.incentive,
                        p.period,
                        word(p.old_met),
                        word(p.new_met)
                    )
                })
        })
        .collect();
    if !flips.is_empty() {
        b.push(Block::Line(format!(
            "Targets that flip: {}.",
            flips.join("; ")
        )));
    }
}

/// Every definition added, removed or changed, in canonical layout.
fn definition_blocks(d: &PolicyDiff, b: &mut Vec<Block>) {
    b.push(Block::Title("Definitions".into()));
    if d.definitions.is_empty() {
        b.push(Block::Line(
            "No definition changed (comments and layout are not compared).".into(),
        ));
    }
    for c in &d.definitions {
        let name = if c.name.is_empty() {
            format!("`{}`", c.kind)
        } else {
            format!("{} `{}`", c.kind, c.name)
        };
        let verb = match c.change {
            Change::Added => "added",
            Change::Removed => "removed",
            Change::Changed => "changed",
        };
        b.push(Block::Line(format!("{name}: {verb}")));
        if !c.lines.is_empty() {
            b.push(Block::Code(c.lines.clone()));
        }
    }
}

pub fn render(d: &PolicyDiff, style: Style) -> String {
    render_blocks(blocks(d, style), style)
}
