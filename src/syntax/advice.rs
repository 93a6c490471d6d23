//! The usual slips, recognised from the construct being written, each
//! with what to write instead: `after 10 days` (a duration is `10d`),
//! `decay 21d` (`decay half_life 21d`), `$3,000` (`$3_000`), `starts on
//! entering mql where ...` (a stage entry takes no `where`).

use std::sync::LazyLock;

use regex::Regex;

use super::construct::Place;
use crate::span::Span;

/// A syntax error recognised as a known slip: the message, where, and how
/// to fix it.
pub struct Advice {
    pub message: String,
    pub span: Span,
    pub label: String,
    pub help: String,
}

/// `10 days`, `2 weeks`, `48 hours`: a number and a unit written apart.
static SPACED_UNIT: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^\w.])(\d+(?:\.\d+)?)\s+(minutes?|mins?|hours?|hrs?|days?|weeks?|months?)\b")
        .ok()
});

/// What the slip at `offset` (where `found` stands, in `place`) was, if
/// it is a known one.
pub fn advise(source: &str, offset: usize, found: &str, place: &Place) -> Option<Advice> {
    spaced_duration(source, offset, found, place)
        .or_else(|| decay_without_half_life(source, offset, found, place))
        .or_else(|| thousands(source, offset))
        .or_else(|| where_after_a_stage(offset, found, place))
}

/// `after 10 days as "stale"`: the parser read `10` as the duration and
/// `days` as the next line's stage.
fn spaced_duration(source: &str, offset: usize, found: &str, place: &Place) -> Option<Advice> {
    let start = place.start;
    // The statement up to the error and the word the parser stopped at.
    let end = (offset + found.len()).min(source.len());
    let text = source.get(start..end)?;
    let re = SPACED_UNIT.as_ref()?;
    let caps = re
        .captures_iter(text)
        .find(|c| !preceded_by_business(text, c.get(1).map_or(0, |m| m.start())))?;
    let (number, unit) = (caps.get(1)?, caps.get(2)?);
    let (short, what) = match unit.as_str().trim_end_matches('s') {
        "minute" | "min" => ("m", "minutes"),
        "hour" | "hr" => ("h", "hours"),
        "day" => ("d", "days"),
        "week" => ("w", "weeks"),
        // A month is not a fixed length: say it in days.
        _ => (
            "d",
            "days (a month is not a fixed length: write e.g. `30d`)",
        ),
    };
    let written = text.get(number.start()..unit.end())?;
    let fixed = if unit.as_str().starts_with("month") {
        "30d".to_string()
    } else {
        format!("{}{short}", number.as_str())
    };
    Some(Advice {
        message: format!("`{written}` is not a duration: write `{fixed}`"),
        span: Span::new(start + number.start(), start + unit.end()),
        label: format!("write `{fixed}`"),
        help: format!(
            "a duration is written with its unit attached, `{fixed}` for {what}: `90m`, `48h`, `30d`, `2w`; business time is `16 business hours` or `2 business days`"
        ),
    })
}

fn preceded_by_business(text: &str, at: usize) -> bool {
    text.get(..at)
        .is_some_and(|b| b.trim_end().ends_with("business"))
}

/// `decay 21d`: a score decays by a half-life.
fn decay_without_half_life(
    source: &str,
    offset: usize,
    found: &str,
    place: &Place,
) -> Option<Advice> {
    if place.keyword() != "decay" || found == "half_life" {
        return None;
    }
    let rest: String = source
        .get(offset..)?
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '}')
        .collect();
    let duration = if rest.starts_with(|c: char| c.is_ascii_digit()) {
        rest
    } else {
        "14d".to_string()
    };
    Some(Advice {
        message: format!("`decay` needs `half_life`: write `decay half_life {duration}`"),
        span: Span::new(offset, offset + found.len().max(1)),
        label: "`half_life` goes here".into(),
        help: format!(
            "a decaying score loses half its points every half-life: `decay half_life {duration}` halves them every {duration}"
        ),
    })
}

/// `$3,000`: numbers group thousands with `_`, since a comma separates
/// arguments.
fn thousands(source: &str, offset: usize) -> Option<Advice> {
    let after = source.get(offset..)?.strip_prefix(',')?;
    let group: String = after.chars().take_while(char::is_ascii_digit).collect();
    if group.len() != 3 {
        return None;
    }
    let before = source.get(..offset)?;
    let number = before
        .rsplit(|c: char| !(c.is_ascii_digit() || c == '_' || matches!(c, '$' | '€' | '£')))
        .next()?;
    if !number.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut rest = after.get(group.len()..).unwrap_or("");
    let mut written = format!("{number},{group}");
    let mut fixed = format!("{number}_{group}");
    while let Some(more) = rest.strip_prefix(',') {
        let g: String = more.chars().take_while(char::is_ascii_digit).collect();
        if g.len() != 3 {
            break;
        }
        written = format!("{written},{g}");
        fixed = format!("{fixed}_{g}");
        rest = more.get(3..).unwrap_or("");
    }
    let start = offset.saturating_sub(number.len());
    Some(Advice {
        message: format!("`{written}` is not one number: write `{fixed}`"),
        span: Span::new(start, start + written.len()),
        label: format!("write `{fixed}`"),
        help: "group thousands with `_` (`$3_000`, `1_000_000`), or write `$3k`; a comma separates arguments".into(),
    })
}

/// `starts on entering mql where hand_raiser`: only an event takes a
/// `where`; a stage entry starts the SLA every time.
fn where_after_a_stage(offset: usize, found: &str, place: &Place) -> Option<Advice> {
    if found != "where" {
        return None;
    }
    let words: Vec<&str> = place.statement.split_whitespace().collect();
    let at = words
        .iter()
        .rposition(|w| matches!(*w, "entering" | "leaving"))?;
    let (how, stage) = (words.get(at)?, words.get(at + 1)?);
    let keyword = place.keyword();
    let verb = match keyword {
        "starts" => "start the SLA",
        "met" => "count it met",
        "cancelled" => "cancel it",
        _ => "do this",
    };
    Some(Advice {
        message: format!(
            "`on {how} {stage}` takes no `where`: it happens at every {} `{stage}`",
            if *how == "entering" {
                "entry into"
            } else {
                "exit from"
            }
        ),
        span: Span::new(offset, offset + found.len()),
        label: "only an event takes a `where`".into(),
        help: format!(
            "to {verb} only for some contacts, use an event with a condition, `{keyword} on EVENT where CONDITION` (e.g. `{keyword} on form_submit where contact.hand_raiser`), or move those contacts into a stage of their own (`{stage} -> {stage}_hot when CONDITION`) and write `{keyword} on entering {stage}_hot`"
        ),
    })
}
