//! `detente explain ACCOUNT`: an account's journey as a story, its buying
//! group and contacts (furthest along first: those closest to what the
//! account needs), its SLAs, and what is missing for each way forward.

use std::fmt::Write as _;

use serde_json::Value as Json;

use crate::compile::Policy;
use crate::data::time::{Instant, format_instant, format_local};
use crate::eval::explain::Exit;
use crate::eval::{AccountJourney, Journey};
use crate::ir::Entity;

use super::explain::{exits_json, exits_text, sla_text, span, story_of};
use super::journey::AccountJourneyView;

/// The account's contacts, furthest along the success path first (then
/// by id): (contact, stage).
fn contacts<'a>(
    policy: &'a Policy,
    account: &str,
    journeys: &'a [Journey],
) -> Vec<(&'a str, &'a str)> {
    let ir = policy.ir();
    let success: Vec<_> = ir.success_path(Entity::Contact).collect();
    let rank = |j: &Journey| j.highest.and_then(|h| success.iter().position(|s| *s == h));
    let mut mine: Vec<&Journey> = journeys
        .iter()
        .filter(|j| j.account.as_deref() == Some(account))
        .collect();
    mine.sort_by(|a, b| rank(b).cmp(&rank(a)).then(a.contact.cmp(&b.contact)));
    mine.iter()
        .map(|j| (j.contact.as_str(), ir.stage_name(j.stage)))
        .collect()
}

/// The explanation in plain English.
pub fn render(
    policy: &Policy,
    a: &AccountJourney,
    exits: &[Exit],
    as_of: Instant,
    journeys: &[Journey],
) -> String {
    let tz = policy.ir().timezone;
    let view = AccountJourneyView::new(policy, a);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "account {} — {} v{} ({}), as of {}",
        a.account,
        policy.name(),
        policy
            .version()
            .map_or_else(|| "-".into(), |v| v.to_string()),
        policy.hash().chars().take(19).collect::<String>(),
        format_local(as_of, tz)
    );
    let _ = writeln!(
        out,
        "\nNow in `{}` since {} ({}); furthest stage on the success path: {}",
        view.stage(),
        format_local(a.since, tz),
        span(as_of - a.since),
        view.highest()
            .map_or_else(|| "none".into(), |h| format!("`{h}`"))
    );
    out.push_str("\nStory\n");
    for line in story_of(&view.path(), "", as_of, tz) {
        let _ = writeln!(out, "  {line}");
    }
    if !a.scores.is_empty() {
        let ir = policy.ir();
        let scores: Vec<String> = a
            .scores
            .iter()
            .map(|(id, v)| format!("{} {}", ir.scores[*id].name, super::words::num(*v)))
            .collect();
        let _ = writeln!(out, "\nScores: {}", scores.join(", "));
    }
    if let Some(g) = &a.group {
        let ir = policy.ir();
        let roles: Vec<String> = ir
            .roles
            .enumerate()
            .map(|(id, r)| {
                let held = g.roles.get(id.index()).filter(|h| !h.is_empty());
                match held {
                    Some(h) => format!("{}: {}", r.name, h.join(", ")),
                    None => format!("{}: nobody", r.name),
                }
            })
            .collect();
        let qualified = match g.qualified {
            Some(true) => "yes",
            Some(false) => "no",
            None => "unknown",
        };
        let _ = writeln!(
            out,
            "\nBuying group: {} engaged, qualified: {qualified}\n  {}",
            g.engaged,
            roles.join("\n  ")
        );
    }
    let people = contacts(policy, &a.account, journeys);
    out.push_str("\nContacts, furthest along first\n");
    if people.is_empty() {
        out.push_str("  none\n");
    }
    for (c, stage) in &people {
        let _ = writeln!(out, "  {c} ({stage})");
    }
    out.push_str(&sla_text(policy, &view.slas(), &a.slas));
    out.push_str(&exits_text(policy, view.stage(), exits));
    out
}

/// The explanation for tools: the account's journey as `classify
/// --lifecycle account` prints it, the story, its contacts and every
/// exit with its reasons.
pub fn json(
    policy: &Policy,
    a: &AccountJourney,
    exits: &[Exit],
    as_of: Instant,
    journeys: &[Journey],
) -> Json {
    let view = AccountJourneyView::new(policy, a);
    let tz = policy.ir().timezone;
    let people: Vec<Json> = contacts(policy, &a.account, journeys)
        .into_iter()
        .map(|(c, s)| serde_json::json!({"contact": c, "stage": s}))
        .collect();
    serde_json::json!({
        "account": a.account,
        "as_of": format_instant(as_of),
        "journey": view,
        "story": story_of(&view.path(), "", as_of, tz),
        "contacts": people,
        "exits": exits_json(policy, exits),
    })
}
