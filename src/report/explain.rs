//! `detente explain`: a contact's journey as a story in plain English, in
//! the policy's timezone, then what is missing for each way forward.

use std::fmt::Write as _;

use chrono_tz::Tz;
use serde_json::Value as Json;

use crate::compile::Policy;
use crate::data::time::{DateOnly, Instant, format_instant, format_local, parse_instant};
use crate::eval::Journey;
use crate::eval::explain::Exit;
use crate::eval::parts::SlaStatus;

use super::journey::{JourneyView, PathStep, Trigger};
use super::reasons::reason_lines;

pub(crate) fn span(ms: i64) -> String {
    let hours = ms as f64 / 3_600_000.0;
    if hours < 1.0 {
        format!("{} minutes", (ms / 60_000).max(0))
    } else if hours < 48.0 {
        format!("{:.0} hours", hours)
    } else {
        format!("{:.0} days", hours / 24.0)
    }
}

fn instant(s: Option<&str>, tz: Tz) -> Option<Instant> {
    s.and_then(|t| parse_instant(t, tz, DateOnly::Start).ok())
        .map(|(i, _)| i)
}

pub fn render(policy: &Policy, j: &Journey, exits: &[Exit], as_of: Instant) -> String {
    let tz = policy.ir().timezone;
    let view = JourneyView::new(policy, j);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}{} — {} v{} ({}), as of {}",
        j.contact,
        j.account
            .as_ref()
            .map(|a| format!(" of account {a}"))
            .unwrap_or_default(),
        policy.name(),
        policy
            .version()
            .map(|v| v.to_string())
            .unwrap_or_else(|| "-".into()),
        policy.hash().chars().take(19).collect::<String>(),
        format_local(as_of, tz)
    );
    let since = j.since;
    let _ = writeln!(
        out,
        "\nNow in `{}` since {} ({}); furthest stage on the success path: {}",
        view.stage(),
        format_local(since, tz),
        span(as_of - since),
        view.highest()
            .map(|h| format!("`{h}`"))
            .unwrap_or_else(|| "none".into())
    );
    for p in view.problems() {
        let _ = writeln!(out, "Replay stopped for this contact: {}", p.message);
    }

    out.push_str("\nStory\n");
    for line in story(&view, as_of) {
        let _ = writeln!(out, "  {line}");
    }

    // A deal has no scores; a contact of a policy without any neither.
    let scores: Vec<String> = view.scores().map(|(k, v)| format!("{k} {v}")).collect();
    if !scores.is_empty() {
        let _ = writeln!(out, "\nScores: {}", scores.join(", "));
    }

    out.push_str(&sla_text(policy, &view.slas(), &j.slas));
    out.push_str(&exits_text(policy, view.stage(), exits));
    out
}

/// The SLA instances of a contact or an account, one line each.
pub(crate) fn sla_text(
    policy: &Policy,
    slas: &[super::journey::SlaJson<'_>],
    states: &[crate::eval::parts::SlaState],
) -> String {
    let tz = policy.ir().timezone;
    let mut out = String::new();
    if slas.is_empty() {
        return out;
    }
    out.push_str("\nSLAs\n");
    // The instants are read from the typed instances, not parsed back
    // from the JSON's text.
    for (s, state) in slas.iter().zip(states) {
        let name = s.sla;
        let inst = &state.instance;
        let started = format_local(inst.started, tz);
        let due = format_local(inst.due, tz);
        let met = inst.met_at.map(|i| format_local(i, tz));
        let detail = match (s.status, met) {
            (SlaStatus::Met, Some(m)) => format!("met on {m}, in time (due {due})"),
            (SlaStatus::Breached, Some(m)) => format!(
                "met on {m}, {} hours late (due {due})",
                s.late_by_hours.map(|x| x.to_string()).unwrap_or_default()
            ),
            (SlaStatus::Overdue, _) => format!("not met, overdue since {due}"),
            (SlaStatus::Open, _) => format!("open, due {due}"),
            (SlaStatus::Cancelled, _) => "cancelled".to_string(),
            (status, None) => status.as_str().to_string(),
        };
        let _ = writeln!(out, "  {name} (started {started}): {detail}");
    }
    out
}

/// What it takes to move on from `stage`: each way out with its reasons.
pub(crate) fn exits_text(policy: &Policy, stage: &str, exits: &[Exit]) -> String {
    let ir = policy.ir();
    let mut out = String::from("\nWhat it takes to move on\n");
    if exits.is_empty() {
        let _ = writeln!(out, "  `{stage}` has no way out: it is final.");
    }
    for e in exits {
        let tr = &ir.transitions[e.transition];
        let _ = writeln!(
            out,
            "  to `{}` — {} (line {}){}",
            ir.stage_name(tr.to),
            tr.text,
            tr.line,
            tr.label
                .as_ref()
                .map(|l| format!(", \"{l}\""))
                .unwrap_or_default()
        );
        for r in reason_lines(ir, e) {
            let _ = writeln!(out, "    {r}");
        }
    }
    out
}

/// One way out as `explain --format json` writes it.
#[derive(serde::Serialize)]
pub(crate) struct ExitJson<'a> {
    to: &'a str,
    trigger: &'a str,
    line: usize,
    label: Option<&'a str>,
    reasons: Vec<String>,
}

pub(crate) fn exits_json<'a>(policy: &'a Policy, exits: &[Exit]) -> Vec<ExitJson<'a>> {
    let ir = policy.ir();
    exits
        .iter()
        .map(|e| {
            let tr = &ir.transitions[e.transition];
            ExitJson {
                to: ir.stage_name(tr.to),
                trigger: &tr.text,
                line: tr.line,
                label: tr.label.as_deref(),
                reasons: reason_lines(ir, e),
            }
        })
        .collect()
}

/// One line per stage the contact passed through: when (local time), how,
/// and how long it stayed.
pub fn story(j: &JourneyView<'_>, as_of: Instant) -> Vec<String> {
    let tz = j.timezone();
    story_of(&j.path(), &j.journey().contact, as_of, tz)
}

/// [`story`] of any path in the journey JSON shape (contacts' and
/// accounts'); `who` is the contact the path belongs to, if any.
pub fn story_of(path: &[PathStep], who: &str, as_of: Instant, tz: Tz) -> Vec<String> {
    let mut out = Vec::new();
    for (k, step) in path.iter().enumerate() {
        let entered = instant(Some(&step.entered), tz).unwrap_or(as_of);
        let left = path
            .get(k + 1)
            .and_then(|n| instant(Some(&n.entered), tz))
            .unwrap_or(as_of);
        let how = trigger_text(step.trigger.as_ref(), step.label.as_deref(), who);
        let stay = if left > entered || k + 1 == path.len() {
            format!(
                " — {} there{}",
                span(left - entered),
                if k + 1 == path.len() { " so far" } else { "" }
            )
        } else {
            " — moved on at once".to_string()
        };
        let precision = if step.date_precision {
            " (the CRM gave only a date)"
        } else {
            ""
        };
        out.push(format!(
            "{}  {}: {how}{precision}{stay}",
            format_local(entered, tz),
            step.stage
        ));
    }
    out
}

/// `detente explain --format json`: the journey as `classify` prints it,
/// the story lines, and every exit with its reasons, for tools that show
/// the explanation in their own screens.
pub fn json(policy: &Policy, j: &Journey, exits: &[Exit], as_of: Instant) -> Json {
    let view = JourneyView::new(policy, j);
    serde_json::json!({
        "contact": j.contact,
        "as_of": format_instant(as_of),
        "journey": view,
        "story": story(&view, as_of),
        "exits": exits_json(policy, exits),
    })
}

fn trigger_text(t: Option<&Trigger>, label: Option<&str>, contact: &str) -> String {
    let Some(t) = t else {
        return "came into existence here".into();
    };
    let label = label.map(|l| format!(", \"{l}\"")).unwrap_or_default();
    match t {
        Trigger::On { event, line, .. } => {
            format!("on {} (line {line}){label}", event.as_deref().unwrap_or(""))
        }
        Trigger::When {
            criteria,
            condition,
            touchpoint,
            event,
            created,
            by,
            linked,
            line,
        } => {
            let what = match criteria {
                Some(c) => format!("criteria `{c}` held"),
                None => format!("`{}` held", condition.as_deref().unwrap_or("")),
            };
            // An account's story names the contact; a contact's, the
            // colleague.
            let whose = by
                .as_ref()
                .map(|b| {
                    if contact.is_empty() {
                        format!("contact {b}'s")
                    } else {
                        format!("colleague {b}'s")
                    }
                })
                .unwrap_or_else(|| "the contact's".into());
            let tipped = if let Some(c) = created {
                if c == contact {
                    ", when the contact was added to the CRM".to_string()
                } else {
                    format!(", when colleague {c} was added to the CRM")
                }
            } else if let Some(tp) = touchpoint {
                match by {
                    Some(_) => format!(", tipped by {whose} touchpoint {tp}"),
                    None => format!(", tipped by the touchpoint {tp}"),
                }
            } else {
                match event.as_deref() {
                    Some("update") => format!(", when the CRM updated {whose} fields"),
                    Some("account_update") => ", when the CRM updated the account's fields".into(),
                    Some("merge") => ", when a duplicate was merged in".into(),
                    Some("set_stage") => {
                        format!(", after a move by hand in the CRM of {whose} stage")
                    }
                    Some(e) => match by {
                        Some(_) => format!(", at {whose} {e} event"),
                        None => format!(", at a {e} event"),
                    },
                    None => match linked {
                        Some("contacts") => ", when one of the deal's contacts moved".to_string(),
                        Some(_) => ", when one of the contact's deals moved".to_string(),
                        None => ", as time passed".to_string(),
                    },
                }
            };
            format!("when {what}{tipped} (line {line}){label}")
        }
        Trigger::After { duration, line } => {
            format!("after {duration} in the previous stage (line {line}){label}")
        }
        Trigger::Manual => "moved by hand in the CRM (set_stage)".into(),
        Trigger::Snapshot => "started here from the CRM snapshot".into(),
    }
}
