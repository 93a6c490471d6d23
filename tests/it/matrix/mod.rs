//! The conformance matrix: checks clean ⇒ evaluates correctly.
//!
//! Every expression form below is put in every position it may stand in a
//! policy: a contact transition's `when` and `unless`, a criteria clause,
//! a score rule, a buying-group role, an account transition's `when`, the
//! `where` of an event a metric counts, of an SLA's `met` and `starts` and
//! of a touchpoint; the same about a deal (its lifecycle's `when`,
//! `unless` and `on ... where`, a deal criteria's clause, a deal SLA's
//! `met` and `starts`, the `where` of a deal stage entry a metric counts:
//! `deals.rs`); and the aggregates in a metric and an incentive. Each cell is generated, checked, and then either
//! - refused by `check` with a code, where the language reference says
//!   the form may not stand (docs/language.md, "Where names mean what"), or
//! - replayed on the small history below and compared with a reference
//!   worked out here, in this file, from the history alone: a three-valued
//!   evaluator written for the test, sampled at every event and every
//!   minute for the instant a move happens.
//!
//! A cell that checks clean where it should be refused, is refused where
//! it should check, or evaluates differently from the reference fails.

#![allow(
    clippy::indexing_slicing,
    reason = "a test: JSON built by key, one period's row read by position; a miss fails it"
)]

use serde_json::{Value as Json, json};

use crate::{at, rows};

mod deals;

use detente::Policy;
use detente::data::{RecordKind, Source};
use detente::report::journey::JourneyView;
use detente::report::{Options, build};

const MIN: i64 = 60_000;
const DAY: i64 = 86_400_000;
/// 2026-01-05T00:00:00Z.
const T0: i64 = 1_767_571_200_000;
/// Every contact is created a day before T0.
const CREATED: i64 = T0 - DAY;
const AS_OF: i64 = T0 + 20 * DAY;

// ------------------------------------------------------------- the history

/// Three contacts of account a1 (250 employees, region emea):
/// - c1 "VP Sales", level 7, no budget;
/// - c2 "Analyst", level 2 (6 from day 8), budget 500;
/// - c3 nothing known.
struct Person {
    title: Option<&'static str>,
    level: Option<f64>,
    /// (from, level) changes.
    later_level: Option<(i64, f64)>,
    budget: Option<f64>,
}

const PEOPLE: [Person; 3] = [
    Person {
        title: Some("VP Sales"),
        level: Some(7.0),
        later_level: None,
        budget: None,
    },
    Person {
        title: Some("Analyst"),
        level: Some(2.0),
        later_level: Some((T0 + 8 * DAY, 6.0)),
        budget: Some(500.0),
    },
    Person {
        title: None,
        level: None,
        later_level: None,
        budget: None,
    },
];

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Visit,
    Demo,
    /// A deal's: moves it from prospecting to engaging.
    Engaged,
    /// A deal's activity, with its length in minutes.
    Call,
    DealWon,
    DealLost,
}

struct Ev {
    /// The contact's position in `PEOPLE`; none for a deal's own event.
    who: Option<usize>,
    /// The deal's position in `deals::DEALS`, when the event names one.
    deal: Option<usize>,
    at: i64,
    kind: Kind,
    page: Option<&'static str>,
    rating: Option<f64>,
    minutes: Option<f64>,
}

/// A contact's event about no deal.
const fn contact_event(
    who: usize,
    at: i64,
    kind: Kind,
    page: Option<&'static str>,
    rating: Option<f64>,
) -> Ev {
    Ev {
        who: Some(who),
        deal: None,
        at,
        kind,
        page,
        rating,
        minutes: None,
    }
}

/// A deal's own event, naming no contact.
const fn deal_event(deal: usize, at: i64, kind: Kind, minutes: Option<f64>) -> Ev {
    Ev {
        who: None,
        deal: Some(deal),
        at,
        kind,
        page: None,
        rating: None,
        minutes,
    }
}

/// c1 visits /pricing at T0, /docs at day 2, asks for a demo (rated 4,
/// about deal d1) at day 3 and visits /home at day 6; c2 visits /docs at
/// day 3½. The deals' own events (`deals::DEALS` says who they are):
/// - d1: a 45-minute call at day 4, engaged at day 4½, won at day 5½;
/// - d2: a 10-minute call at day 2¼, a 40-minute call at day 7, engaged
///   at day 9, lost at day 12;
/// - d3: a 20-minute call at day 6, the instant of c1's /home visit (its
///   amount changes at day 5, by a `deal_update`).
const EVENTS: [Ev; 13] = [
    contact_event(0, T0, Kind::Visit, Some("/pricing"), None),
    contact_event(0, T0 + 2 * DAY, Kind::Visit, Some("/docs"), None),
    Ev {
        deal: Some(0),
        ..contact_event(0, T0 + 3 * DAY, Kind::Demo, None, Some(4.0))
    },
    contact_event(1, T0 + 3 * DAY + DAY / 2, Kind::Visit, Some("/docs"), None),
    contact_event(0, T0 + 6 * DAY, Kind::Visit, Some("/home"), None),
    deal_event(0, T0 + 4 * DAY, Kind::Call, Some(45.0)),
    deal_event(0, T0 + 4 * DAY + DAY / 2, Kind::Engaged, None),
    deal_event(0, T0 + 5 * DAY + DAY / 2, Kind::DealWon, None),
    deal_event(1, T0 + 2 * DAY + DAY / 4, Kind::Call, Some(10.0)),
    deal_event(1, T0 + 7 * DAY, Kind::Call, Some(40.0)),
    deal_event(1, T0 + 9 * DAY, Kind::Engaged, None),
    deal_event(1, T0 + 12 * DAY, Kind::DealLost, None),
    // A call at the instant of c1's /home visit: the same instant on
    // two subjects' timelines.
    deal_event(2, T0 + 6 * DAY, Kind::Call, Some(20.0)),
];

/// The account enters `engaged_acct` on the demo.
const ACCOUNT_ENGAGED: i64 = T0 + 3 * DAY;

// ------------------------------------------------------------- the reference

/// Whom a form is about: a contact (by position in `PEOPLE`), the
/// account, or a deal (by position in `deals::DEALS`).
#[derive(Clone, Copy, PartialEq, Debug)]
enum Who {
    Contact(usize),
    Account,
    Deal(usize),
}

/// A form's world at one instant: who, when, and the event a metric's
/// `where` is reading; `entered`: when the subject entered its stage.
#[derive(Clone, Copy)]
struct At<'e> {
    who: Who,
    t: i64,
    event: Option<&'e Ev>,
    entered: i64,
    /// A touchpoint's `where` reads the contact as it was just before
    /// the event it is matching: without that event.
    before: Option<&'e Ev>,
}

type Truth = Option<bool>;

fn or(a: Truth, b: Truth) -> Truth {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

fn and(a: Truth, b: Truth) -> Truth {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

fn person(w: &At) -> Option<&'static Person> {
    match w.who {
        Who::Contact(i) => PEOPLE.get(i),
        Who::Account | Who::Deal(_) => None,
    }
}

fn level(w: &At) -> Option<f64> {
    let p = person(w)?;
    match p.later_level {
        Some((from, l)) if w.t >= from => Some(l),
        _ => p.level,
    }
}

fn cmp(x: Option<f64>, f: impl Fn(f64) -> bool) -> Truth {
    x.map(f)
}

/// Events of the subject up to now, oldest first: the contact's; every
/// event of the account's contacts and deals, each once; the deal's (its
/// own, and its contacts' that name it).
fn history(w: &At) -> impl Iterator<Item = &'static Ev> {
    let mut events: Vec<&'static Ev> = EVENTS
        .iter()
        .filter(|e| {
            e.at <= w.t
                && !w.before.is_some_and(|b| std::ptr::eq(b, *e))
                && match w.who {
                    Who::Contact(i) => e.who == Some(i),
                    Who::Account => true,
                    Who::Deal(d) => e.deal == Some(d),
                }
        })
        .collect();
    // `EVENTS` is listed by subject, not by time.
    events.sort_by_key(|e| e.at);
    events.into_iter()
}

fn engagement(w: &At) -> f64 {
    history(w)
        .filter(|e| e.kind == Kind::Visit)
        .map(|e| 20.0 * 2f64.powf(-((w.t - e.at) as f64) / (10.0 * DAY as f64)))
        .sum::<f64>()
        .min(100.0)
}

fn engaged(i: usize, at: &At) -> bool {
    let w = At {
        who: Who::Contact(i),
        entered: CREATED,
        event: None,
        ..*at
    };
    engagement(&w) >= 10.0
}

fn days_since(w: &At, kind: Kind) -> Option<f64> {
    let last = history(w).filter(|e| e.kind == kind).last()?;
    Some((w.t - last.at) as f64 / DAY as f64)
}

/// The SLA `follow` (starts on entering lead, at creation; met on a
/// visit; within 2 days): breached once overdue or met late.
fn breached(w: &At) -> Truth {
    let Who::Contact(i) = w.who else { return None };
    let due = CREATED + 2 * DAY;
    let met = EVENTS
        .iter()
        .find(|e| e.who == Some(i) && e.kind == Kind::Visit && e.at <= w.t)
        .map(|e| e.at);
    Some(match met {
        Some(m) => m > due,
        None => w.t > due,
    })
}

type Reference = fn(&At) -> Truth;

/// Where a form may stand.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Pos {
    /// `lead -> yes when F` in the contact lifecycle.
    ContactWhen,
    /// A criteria clause, read in the journey at the as-of time.
    Clause,
    /// A score rule `F => +10`, read at the as-of time.
    ScoreRule,
    /// A buying-group role, its holders read at the as-of time.
    Role,
    /// `engaged_acct -> target when F` in the account lifecycle.
    AccountWhen,
    /// `metric m = count(visit where F)`.
    MetricWhere,
    /// `metric m = count(entered lead where F)`: read at each contact's
    /// entry into lead, its creation.
    EntryWhere,
    /// `lead -> yes after 2d unless F`: read once, at the deadline.
    Unless,
    /// `met on visit where F` in an SLA started at creation.
    SlaMet,
    /// `starts on visit where F`: an instance opened at every visit where
    /// F holds (read after the visit).
    SlaStarts,
    /// `lead -> yes on visit where F`: the move at the first visit where
    /// F holds, read as an SLA's `met` reads it (after the visit).
    OnWhere,
    /// `touchpoint cell = visit where F by marketing`, counted by a score.
    TouchpointWhere,
    /// `prospecting -> flagged when F` in the deal lifecycle.
    DealWhen,
    /// A clause of `criteria cell_deal for deal`, read in each deal's
    /// journey at the as-of time.
    DealClause,
    /// `prospecting -> flagged after 2d unless F`: read at the deadline.
    DealUnless,
    /// `prospecting -> flagged on call where F`.
    DealOnWhere,
    /// `met on call where F` in an SLA started on entering prospecting.
    DealSlaMet,
    /// `starts on call where F` in an SLA met on entering won.
    DealSlaStarts,
    /// `metric m = count(entered deal:prospecting where F)`: read at each
    /// deal's creation.
    DealEntryWhere,
}

use Pos::*;

/// Where a form is about one contact.
const ABOUT_A_CONTACT: &[Pos] = &[
    ContactWhen,
    Clause,
    ScoreRule,
    Role,
    Unless,
    SlaMet,
    SlaStarts,
    OnWhere,
    TouchpointWhere,
];
/// The `where` of what a metric counts of contacts.
const CONTACT_FILTERS: &[Pos] = &[MetricWhere, EntryWhere];
const ABOUT_THE_ACCOUNT: &[Pos] = &[AccountWhen];

/// Where a form may stand: the union of these groups.
type Allowed = &'static [&'static [Pos]];

const CONTACT: Allowed = &[ABOUT_A_CONTACT];
const CONTACT_AND_FILTER: Allowed = &[ABOUT_A_CONTACT, CONTACT_FILTERS];
const EVERYWHERE: Allowed = &[
    ABOUT_A_CONTACT,
    CONTACT_FILTERS,
    ABOUT_THE_ACCOUNT,
    deals::ABOUT_A_DEAL,
    deals::DEAL_FILTERS,
];
/// Reads of one subject's own history and time: about a contact, the
/// account or a deal.
const HISTORY: Allowed = &[ABOUT_A_CONTACT, ABOUT_THE_ACCOUNT, deals::ABOUT_A_DEAL];
/// About a contact or the account, not a deal.
const SUBJECT: Allowed = &[ABOUT_A_CONTACT, ABOUT_THE_ACCOUNT];
/// An event's own fields: where a pattern's `where` reads them.
const EVENT_FILTERS: Allowed = &[&[MetricWhere, SlaMet, SlaStarts, OnWhere, TouchpointWhere]];
const NOWHERE: Allowed = &[];

struct Form {
    text: &'static str,
    allowed: Allowed,
    reference: Reference,
}

fn forms() -> Vec<Form> {
    let mut forms = vec![
        Form {
            text: "contact.level >= 5",
            allowed: CONTACT_AND_FILTER,
            reference: |w| cmp(level(w), |l| l >= 5.0),
        },
        Form {
            text: "contact.title contains \"VP\"",
            allowed: CONTACT_AND_FILTER,
            reference: |w| person(w)?.title.map(|t| t.contains("VP")),
        },
        Form {
            text: "contact.title matches \"(?i)^vp\"",
            allowed: CONTACT_AND_FILTER,
            reference: |w| person(w)?.title.map(|t| t.to_lowercase().starts_with("vp")),
        },
        Form {
            text: "contact.budget is missing",
            allowed: CONTACT_AND_FILTER,
            reference: |w| Some(person(w)?.budget.is_none()),
        },
        Form {
            text: "contact.level in [2, 7]",
            allowed: CONTACT_AND_FILTER,
            reference: |w| cmp(level(w), |l| l == 2.0 || l == 7.0),
        },
        Form {
            text: "account.employees >= 200",
            allowed: EVERYWHERE,
            reference: |_| Some(true),
        },
        Form {
            text: "account.region == \"emea\" and contact.level < 5",
            allowed: CONTACT_AND_FILTER,
            reference: |w| and(Some(true), cmp(level(w), |l| l < 5.0)),
        },
        Form {
            text: "not (contact.level >= 5)",
            allowed: CONTACT_AND_FILTER,
            reference: |w| cmp(level(w), |l| l < 5.0),
        },
        Form {
            text: "contact.level * 2 >= 10",
            allowed: CONTACT_AND_FILTER,
            reference: |w| cmp(level(w), |l| l * 2.0 >= 10.0),
        },
        Form {
            text: "max(contact.level, 3) >= 6",
            allowed: CONTACT_AND_FILTER,
            reference: |w| cmp(level(w), |l| l.max(3.0) >= 6.0),
        },
        Form {
            text: "page contains \"/docs\"",
            allowed: EVENT_FILTERS,
            reference: |w| w.event?.page.map(|p| p.contains("/docs")),
        },
        Form {
            text: "seen(demo)",
            allowed: HISTORY,
            reference: |w| Some(history(w).any(|e| e.kind == Kind::Demo)),
        },
        Form {
            text: "seen(visit within 2d)",
            allowed: HISTORY,
            reference: |w| Some(history(w).any(|e| e.kind == Kind::Visit && w.t < e.at + 2 * DAY)),
        },
        Form {
            text: "count(visit) >= 2",
            allowed: HISTORY,
            reference: |w| Some(history(w).filter(|e| e.kind == Kind::Visit).count() >= 2),
        },
        Form {
            text: "count(visit within 5d) >= 2",
            allowed: HISTORY,
            reference: |w| {
                let n = history(w)
                    .filter(|e| e.kind == Kind::Visit && w.t < e.at + 5 * DAY)
                    .count();
                Some(n >= 2)
            },
        },
        Form {
            text: "last(demo).rating >= 4",
            allowed: HISTORY,
            reference: |w| {
                let last = history(w).filter(|e| e.kind == Kind::Demo).last()?;
                last.rating.map(|r| r >= 4.0)
            },
        },
        Form {
            text: "days_since(visit) >= 3",
            allowed: HISTORY,
            reference: |w| days_since(w, Kind::Visit).map(|d| d >= 3.0),
        },
        Form {
            text: "time_in_stage >= 2d",
            allowed: HISTORY,
            reference: |w| Some(w.t - w.entered >= 2 * DAY),
        },
        Form {
            text: "fit >= 20",
            allowed: CONTACT,
            reference: |w| Some(level(w).is_some_and(|l| l >= 5.0)),
        },
        Form {
            text: "engagement >= 1 and engagement <= 15",
            allowed: CONTACT,
            reference: |w| {
                let e = engagement(w);
                Some((1.0..=15.0).contains(&e))
            },
        },
        Form {
            text: "senior",
            allowed: CONTACT,
            reference: |w| cmp(level(w), |l| l >= 5.0),
        },
        Form {
            text: "stage_entered(lead)",
            allowed: CONTACT,
            reference: |w| Some(w.t >= CREATED),
        },
        Form {
            text: "account.stage == \"engaged_acct\"",
            allowed: SUBJECT,
            reference: |w| Some(w.t >= ACCOUNT_ENGAGED),
        },
        Form {
            text: "breached(follow)",
            allowed: CONTACT,
            reference: breached,
        },
        Form {
            text: "group.has(boss)",
            allowed: SUBJECT,
            reference: |_| Some(true),
        },
        Form {
            text: "group.size >= 3",
            allowed: SUBJECT,
            reference: |_| Some(true),
        },
        Form {
            text: "group.engaged >= 2",
            allowed: SUBJECT,
            reference: |w| Some((0..3).filter(|i| engaged(*i, w)).count() >= 2),
        },
        // Time read where no timer can follow it: refused everywhere.
        Form {
            text: "days_since(visit) * 2 >= 6",
            allowed: NOWHERE,
            reference: |_| None,
        },
        // An aggregate over a period is not about one subject.
        Form {
            text: "count(entered yes) >= 1",
            allowed: NOWHERE,
            reference: |_| None,
        },
        Form {
            text: "conversion(lead -> yes) >= 0.5",
            allowed: NOWHERE,
            reference: |_| None,
        },
    ];
    forms.extend(deals::forms());
    forms
}

// ------------------------------------------------------------- the policy

const POLICY: &str = r#"policy "Matrix" {
  timezone "UTC"
  currency "USD"
  teams marketing, sales
  fiscal_year_starts january
}

contact {
  title: text?
  level: number?
  budget: money?
}

account {
  employees: number?
  region: text?
}

deal {
  amount: money?
  source: "marketing" | "sales" | "partner" = "sales"
  owner: text?
  roles economic_buyer, champion
}

event visit { page: text? }
event demo { rating: number? }
event other { }
event engaged { }
event call { minutes: number? }
event deal_won { }
event deal_lost { }

score fit {
  owner marketing
  range 0..100
  contact.level >= 5 => +30
}

score engagement {
  owner marketing
  decay half_life 10d
  range 0..100
  each visit => +20
}

criteria senior {
  owner marketing
  lvl: contact.level >= 5
  require all
}

score cell_score {
  owner marketing
  {SCORE} => +10
}

criteria cell_criteria {
  owner marketing
  cell: {CLAUSE}
  require all
}

buying_group {
  role boss = contact.title contains "VP"
  role cell_role = {ROLE}
  engaged = engagement >= 10
}

sla cell_sla {
  owner sales
  starts on entering lead
  met on visit where {SLA_MET}
  within 30d
}

sla cell_start {
  owner sales
  starts on visit where {SLA_START}
  met on other
  within 30d
}

touchpoint cell_touch = visit where {TOUCH} by marketing

score touched {
  owner marketing
  each cell_touch => +1
}

sla follow {
  owner sales
  starts on entering lead
  met on visit
  within 2d
}

lifecycle contact {
  stage lead initial owner marketing
  stage yes owner marketing
  stage done final owner marketing
  lead -> yes {CONTACT_WHEN}
  yes -> done on visit where page == "/home"
}

criteria qualified_deal for deal {
  owner sales
  sized: deal.amount >= $1000
  champion: deal.has(champion)
  require all
}

criteria cell_deal for deal {
  owner sales
  cell: {DEAL_CLAUSE}
  require all
}

sla close_fast {
  owner sales
  starts on entering prospecting
  met on entering engaging
  within 4d
}

sla cell_deal_sla {
  owner sales
  starts on entering prospecting
  met on call where {DEAL_SLA_MET}
  within 30d
}

sla cell_deal_start {
  owner sales
  starts on call where {DEAL_SLA_START}
  met on entering won
  within 30d
}

lifecycle deal {
  stage prospecting initial owner sales
  stage engaging owner sales
  stage flagged final
  stage won final
  stage lost final detour
  prospecting -> engaging on engaged
  engaging -> won on deal_won
  engaging -> lost on deal_lost
  prospecting -> flagged {DEAL_WHEN}
}

lifecycle account {
  stage prospect initial owner sales
  stage engaged_acct owner sales
  stage target final owner sales
  prospect -> engaged_acct on demo
  engaged_acct -> target {ACCOUNT_WHEN}
}

metric cell_metric = {METRIC}
{INCENTIVE}
"#;

/// The policy with `form` in position `pos`, every other slot filled with
/// something inert.
fn cell_policy(form: &str, pos: Pos) -> String {
    let slot = |p: Pos, inert: &str| {
        if p == pos {
            form.to_string()
        } else {
            inert.to_string()
        }
    };
    POLICY
        .replace("{SCORE}", &slot(ScoreRule, "contact.level >= 100"))
        .replace("{CLAUSE}", &slot(Clause, "contact.level >= 100"))
        .replace("{ROLE}", &slot(Role, "contact.level >= 100"))
        .replace(
            "{CONTACT_WHEN}",
            &match pos {
                ContactWhen => format!("when {form}"),
                Unless => format!("after 2d unless {form}"),
                OnWhere => format!("on visit where {form}"),
                // Contacts move when the form is about a deal, so that
                // what a deal reads of its contacts changes.
                _ if deals::ABOUT_A_DEAL.contains(&pos) || deals::DEAL_FILTERS.contains(&pos) => {
                    deals::CONTACTS_MOVE.into()
                }
                _ => "on other".into(),
            },
        )
        .replace(
            "{DEAL_WHEN}",
            &match pos {
                DealWhen => format!("when {form}"),
                DealUnless => format!("after 2d unless {form}"),
                DealOnWhere => format!("on call where {form}"),
                _ => "on other".into(),
            },
        )
        .replace(
            "{DEAL_CLAUSE}",
            &slot(DealClause, "deal.amount >= $1000000"),
        )
        .replace("{DEAL_SLA_MET}", &slot(DealSlaMet, "minutes >= 1000"))
        .replace("{DEAL_SLA_START}", &slot(DealSlaStarts, "minutes >= 1000"))
        .replace("{SLA_MET}", &slot(SlaMet, "page == \"/nowhere\""))
        .replace("{SLA_START}", &slot(SlaStarts, "page == \"/nowhere\""))
        .replace("{TOUCH}", &slot(TouchpointWhere, "page == \"/nowhere\""))
        .replace(
            "{ACCOUNT_WHEN}",
            &if pos == AccountWhen {
                format!("when {form}")
            } else {
                "on other".into()
            },
        )
        .replace(
            "{METRIC}",
            &match pos {
                MetricWhere => format!("count(visit where {form})"),
                EntryWhere => format!("count(entered lead where {form})"),
                DealEntryWhere => format!("count(entered deal:prospecting where {form})"),
                _ => "count(visit)".into(),
            },
        )
        .replace("{INCENTIVE}", "")
}

// ------------------------------------------------------------- replay

fn histories(p: &Policy) -> detente::data::Histories {
    let contacts = json!([
        {"id": "c1", "account": "a1", "created_at": at(CREATED), "title": "VP Sales", "level": 7},
        {"id": "c2", "account": "a1", "created_at": at(CREATED), "title": "Analyst", "level": 2, "budget": "500"},
        {"id": "c3", "account": "a1", "created_at": at(CREATED)},
    ]);
    let accounts = json!([{"id": "a1", "employees": 250, "region": "emea"}]);
    let mut events: Vec<Json> = EVENTS
        .iter()
        .map(|e| {
            let mut o = json!({"at": at(e.at)});
            if let Some(i) = e.who {
                o["contact"] = json!(format!("c{}", i + 1));
            }
            if let Some(d) = e.deal {
                o["deal"] = json!(format!("d{}", d + 1));
            }
            let (ty, field, value) = match e.kind {
                Kind::Visit => ("visit", "page", json!(e.page)),
                Kind::Demo => ("demo", "rating", json!(e.rating)),
                Kind::Call => ("call", "minutes", json!(e.minutes)),
                Kind::Engaged => ("engaged", "", Json::Null),
                Kind::DealWon => ("deal_won", "", Json::Null),
                Kind::DealLost => ("deal_lost", "", Json::Null),
            };
            o["type"] = json!(ty);
            if !field.is_empty() {
                o[field] = value;
            }
            o
        })
        .collect();
    events.push(json!({"contact": "c2", "at": at(T0 + 8 * DAY), "type": "update", "level": 6}));
    events.extend(deals::updates());
    let sources = [
        Source::inline(RecordKind::Contacts, "contacts", rows(json!(contacts))),
        Source::inline(RecordKind::Accounts, "accounts", rows(accounts)),
        Source::inline(RecordKind::Events, "events", rows(json!(events))),
        Source::inline(RecordKind::Deals, "deals", rows(deals::rows())),
        Source::inline(
            RecordKind::DealContacts,
            "deal_contacts",
            rows(deals::contact_rows()),
        ),
    ];
    let h = detente::data::load(p, &sources).unwrap();
    assert_eq!(h.total().rejected, 0, "{:?}", h.problems);
    h
}

/// The first instant in [from, AS_OF] at which the reference holds:
/// sampled at every event, every minute and the ends.
fn first_true(reference: Reference, who: Who, from: i64, entered: i64) -> Option<i64> {
    let mut instants: Vec<i64> = (0..)
        .map(|k| from + k * MIN)
        .take_while(|t| *t <= AS_OF)
        .collect();
    instants.extend(EVENTS.iter().map(|e| e.at).filter(|t| *t >= from));
    instants.push(T0 + 8 * DAY);
    instants.push(AS_OF);
    instants.sort_unstable();
    instants.into_iter().find(|t| {
        let w = At {
            who,
            t: *t,
            event: None,
            entered,
            before: None,
        };
        reference(&w) == Some(true)
    })
}

fn at_as_of(reference: Reference, who: Who) -> Truth {
    reference(&At {
        who,
        t: AS_OF,
        event: None,
        entered: CREATED,
        before: None,
    })
}

/// `got` (the engine's instant) agrees with the sampled reference: equal
/// where the form changes only at events, within the minute the sampling
/// found it in where time alone changes it.
fn same_instant(got: Option<i64>, reference: Option<i64>) -> bool {
    match (got, reference) {
        (None, None) => true,
        (Some(g), Some(r)) => g <= r && r - g < MIN,
        _ => false,
    }
}

/// Runs one accepted cell and compares it with the reference; the
/// mismatch, if any.
fn compare(form: &Form, pos: Pos, p: &Policy) -> Option<String> {
    let h = histories(p);
    let ev = detente::eval::evaluate(p, &h, Some(AS_OF));
    if let Some(problem) = ev.problems.first() {
        return Some(format!("replay problem: {problem:?}"));
    }
    let contact = |i: usize| {
        let j = ev
            .journeys
            .iter()
            .find(|j| j.contact == format!("c{}", i + 1))
            .unwrap();
        JourneyView::new(p, j)
    };
    let mut wrong = Vec::new();
    match pos {
        ContactWhen => {
            for i in 0..3 {
                let got = entered_yes(p, contact(i).journey());
                let want = first_true(form.reference, Who::Contact(i), CREATED, CREATED);
                if !same_instant(got, want) {
                    wrong.push(format!(
                        "c{} moved at {:?}, reference {:?}",
                        i + 1,
                        got.map(at),
                        want.map(at)
                    ));
                }
            }
        }
        Clause => {
            for i in 0..3 {
                let (_, clauses) = contact(i).criteria("cell_criteria").unwrap();
                let got = clauses.iter().find(|(l, _)| *l == "cell").unwrap().1.0;
                let want = at_as_of(form.reference, Who::Contact(i));
                if got != want {
                    wrong.push(format!("c{}: clause {got:?}, reference {want:?}", i + 1));
                }
            }
        }
        ScoreRule => {
            for i in 0..3 {
                let got = contact(i).score("cell_score").unwrap().value();
                let want = if at_as_of(form.reference, Who::Contact(i)) == Some(true) {
                    10.0
                } else {
                    0.0
                };
                if got != want {
                    wrong.push(format!("c{}: score {got}, reference {want}", i + 1));
                }
            }
        }
        Role => {
            let got = contact(0).role("cell_role").unwrap().to_vec();
            let want: Vec<String> = (0..3)
                .filter(|i| at_as_of(form.reference, Who::Contact(*i)) == Some(true))
                .map(|i| format!("c{}", i + 1))
                .collect();
            if got != want {
                wrong.push(format!("holders {got:?}, reference {want:?}"));
            }
        }
        AccountWhen => {
            let target = p
                .ir()
                .stage_id(detente::Lifecycle::Account, "target")
                .unwrap();
            let account = ev.accounts.iter().find(|j| j.account == "a1").unwrap();
            let got = account
                .steps
                .iter()
                .find(|s| s.stage == target)
                .map(|s| s.entered);
            let want = first_true(
                form.reference,
                Who::Account,
                ACCOUNT_ENGAGED,
                ACCOUNT_ENGAGED,
            );
            if !same_instant(got, want) {
                wrong.push(format!(
                    "the account moved at {:?}, reference {:?}",
                    got.map(at),
                    want.map(at)
                ));
            }
        }
        MetricWhere => {
            let got = cell_metric(p, &h, &ev);
            let want = EVENTS
                .iter()
                .filter(|e| e.kind == Kind::Visit)
                .filter(|e| {
                    let w = At {
                        who: e.who.map_or(Who::Account, Who::Contact),
                        t: e.at,
                        event: Some(e),
                        entered: CREATED,
                        before: None,
                    };
                    (form.reference)(&w) == Some(true)
                })
                .count();
            if got != json!(want) {
                wrong.push(format!("counted {got}, reference {want}"));
            }
        }
        EntryWhere => {
            let got = cell_metric(p, &h, &ev);
            let want = (0..PEOPLE.len())
                .filter(|i| {
                    let w = At {
                        who: Who::Contact(*i),
                        t: CREATED,
                        event: None,
                        entered: CREATED,
                        before: None,
                    };
                    (form.reference)(&w) == Some(true)
                })
                .count();
            if got != json!(want) {
                wrong.push(format!("counted {got} entries, reference {want}"));
            }
        }
        Unless | SlaMet | SlaStarts | OnWhere | TouchpointWhere => {
            wrong.extend(compare_filters(form, pos, &ev, p))
        }
        DealWhen | DealClause | DealUnless | DealOnWhere | DealSlaMet | DealSlaStarts
        | DealEntryWhere => wrong.extend(deals::compare(form, pos, p, &h, &ev)),
    }
    (!wrong.is_empty()).then(|| wrong.join("; "))
}

/// The visits of contact `i` at which the form holds, read with the
/// visit's fields in scope, oldest first; `before`: as the contact was
/// just before each visit (a touchpoint's `where`).
/// `cell_metric` in the report's first period.
fn cell_metric(
    p: &Policy,
    h: &detente::data::Histories,
    ev: &detente::eval::Evaluation,
) -> serde_json::Value {
    let r = build(p, h, ev, &Options::default());
    let row = r
        .metrics
        .iter()
        .find(|m| m.metric == "cell_metric")
        .unwrap();
    row.values[0].value.clone()
}

fn visits_where(form: &Form, i: usize, before: bool) -> Vec<&'static Ev> {
    EVENTS
        .iter()
        .filter(|e| e.kind == Kind::Visit && e.who == Some(i))
        .filter(|e| {
            let w = At {
                who: Who::Contact(i),
                t: e.at,
                event: Some(e),
                entered: CREATED,
                before: before.then_some(*e),
            };
            (form.reference)(&w) == Some(true)
        })
        .collect()
}

/// The cells of the positions read at one instant or one event of each
/// contact: `unless` at its deadline, an SLA's `met` and a touchpoint's
/// `where` at each visit.
fn compare_filters(
    form: &Form,
    pos: Pos,
    ev: &detente::eval::Evaluation,
    p: &Policy,
) -> Vec<String> {
    let mut wrong = Vec::new();
    for i in 0..3 {
        let j = ev
            .journeys
            .iter()
            .find(|j| j.contact == format!("c{}", i + 1))
            .unwrap();
        let view = JourneyView::new(p, j);
        match pos {
            Unless => {
                let got = entered_yes(p, j);
                let deadline = CREATED + 2 * DAY;
                let held = (form.reference)(&At {
                    who: Who::Contact(i),
                    t: deadline,
                    event: None,
                    entered: CREATED,
                    before: None,
                });
                let want = (held != Some(true)).then_some(deadline);
                if got != want {
                    wrong.push(format!(
                        "c{} moved at {:?}, reference {:?}",
                        i + 1,
                        got.map(at),
                        want.map(at)
                    ));
                }
            }
            SlaMet => {
                let slas = view.slas();
                let inst = slas.iter().find(|s| s.sla == "cell_sla").unwrap();
                let want = visits_where(form, i, false)
                    .first()
                    .map(|e| at_seconds(e.at));
                if inst.met != want {
                    wrong.push(format!(
                        "c{}: met {:?}, reference {want:?}",
                        i + 1,
                        inst.met
                    ));
                }
            }
            SlaStarts => {
                let got = started(&view, "cell_start");
                let want: Vec<String> = visits_where(form, i, false)
                    .iter()
                    .map(|e| at_seconds(e.at))
                    .collect();
                if got != want {
                    wrong.push(format!("c{}: started {got:?}, reference {want:?}", i + 1));
                }
            }
            OnWhere => {
                let got = entered_yes(p, j).map(at_seconds);
                let want = visits_where(form, i, false)
                    .first()
                    .map(|e| at_seconds(e.at));
                if got != want {
                    wrong.push(format!("c{} moved at {got:?}, reference {want:?}", i + 1));
                }
            }
            TouchpointWhere => {
                let got = view.score("touched").unwrap().value();
                let want = visits_where(form, i, true).len() as f64;
                if got != want {
                    wrong.push(format!("c{}: {got} touches, reference {want}", i + 1));
                }
            }
            _ => {}
        }
    }
    wrong
}

/// When each instance of the SLA started, in the journey, in order.
fn started(view: &JourneyView, sla: &str) -> Vec<String> {
    view.slas()
        .iter()
        .filter(|s| s.sla == sla)
        .map(|s| s.started.clone())
        .collect()
}

/// When the contact entered the stage `yes`, if it did.
fn entered_yes(p: &Policy, j: &detente::eval::Journey) -> Option<i64> {
    let yes = p.ir().stage_id(detente::Lifecycle::Contact, "yes").unwrap();
    j.facts
        .steps
        .iter()
        .find(|s| s.stage == yes)
        .map(|s| s.entered)
}

/// An instant as journeys write it: to the second.
fn at_seconds(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

#[test]
fn every_form_in_every_position_checks_and_computes_or_is_refused() {
    let positions: Vec<Pos> = EVERYWHERE.iter().flat_map(|g| g.iter().copied()).collect();
    let mut failures = Vec::new();
    let (mut accepted, mut refused) = (0, 0);
    for form in forms() {
        for &pos in &positions {
            let text = cell_policy(form.text, pos);
            let allowed = form.allowed.iter().any(|g| g.contains(&pos));
            match Policy::compile(&text) {
                Ok(p) if allowed => {
                    accepted += 1;
                    if let Some(why) = compare(&form, pos, &p) {
                        failures.push(format!("`{}` as {pos:?}: {why}", form.text));
                    }
                }
                Ok(_) => failures.push(format!(
                    "`{}` as {pos:?}: checked clean where it may not stand",
                    form.text
                )),
                Err(d) if allowed => failures.push(format!(
                    "`{}` as {pos:?}: refused where it may stand: {d}",
                    form.text
                )),
                Err(d) => {
                    refused += 1;
                    let codes: Vec<String> = d.problems.iter().map(|p| p.code_str()).collect();
                    if !codes.iter().any(|c| c.starts_with('E')) {
                        failures.push(format!(
                            "`{}` as {pos:?}: refused without an error code: {d}",
                            form.text
                        ));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} cells wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Each form stands somewhere, and the matrix is the size it claims.
    eprintln!("{accepted} cells accepted, {refused} refused");
    assert!(accepted >= 450, "{accepted} cells accepted");
    assert!(refused >= 450, "{refused} cells refused");
}

// ------------------------------------------------------------- figures

/// What a figure over the period computes on the history above, worked
/// out by hand:
/// - visits: c1 at T0, day 2 (/docs), day 6; c2 at day 3½ (/docs): 4,
///   2 of them on /docs; one demo, rated 4;
/// - all three contacts entered `lead` at creation (4 Jan, in the
///   quarter); nobody entered `yes`;
/// - the account entered `prospect` at creation and `engaged_acct` on
///   the demo;
/// - the SLA `follow` (2 days from creation, met on a visit): c1 met it
///   on time, c2 late (day 3½), c3 never (overdue): 1 of 3.
const FIGURES: &[(&str, f64)] = &[
    ("count(visit)", 4.0),
    ("count(demo)", 1.0),
    ("count(visit where page contains \"/docs\")", 2.0),
    ("count(visit where contact.level >= 5)", 3.0),
    ("count(entered lead)", 3.0),
    ("count(entered engaged_acct)", 1.0),
    ("conversion(prospect -> engaged_acct)", 1.0),
    ("conversion(lead -> yes)", 0.0),
    ("count(demo) / count(visit)", 0.25),
    ("sum(demo.rating)", 4.0),
    ("avg(demo.rating)", 4.0),
    ("max(count(visit), 10)", 10.0),
    ("min(count(visit), 10) - 1", 3.0),
    ("attainment(follow)", 1.0 / 3.0),
];

/// Reads about one subject: refused in a metric, an incentive's target
/// and its payout.
const NOT_FIGURES: &[&str] = &[
    "contact.level",
    "account.employees",
    "fit",
    "seen(demo)",
    "time_in_stage",
    "group.size",
    "breached(follow)",
];

fn figure_policy(metric: &str, incentive: &str) -> String {
    POLICY
        .replace("{SCORE}", "contact.level >= 100")
        .replace("{CLAUSE}", "contact.level >= 100")
        .replace("{ROLE}", "contact.level >= 100")
        .replace("{SLA_MET}", "page == \"/nowhere\"")
        .replace("{SLA_START}", "page == \"/nowhere\"")
        .replace("{TOUCH}", "page == \"/nowhere\"")
        .replace("{CONTACT_WHEN}", "on other")
        .replace("{ACCOUNT_WHEN}", "on other")
        .replace("{DEAL_WHEN}", "on other")
        .replace("{DEAL_CLAUSE}", "deal.amount >= $1000000")
        .replace("{DEAL_SLA_MET}", "minutes >= 1000")
        .replace("{DEAL_SLA_START}", "minutes >= 1000")
        .replace("{METRIC}", metric)
        .replace("{INCENTIVE}", incentive)
}

#[test]
fn every_figure_in_a_metric_and_an_incentive_computes_or_is_refused() {
    let mut failures = Vec::new();
    let figures = FIGURES
        .iter()
        .map(|(f, w)| (*f, *w, ""))
        .chain(deals::FIGURES.iter().copied());
    for (figure, want, per) in figures {
        // In a metric: its value over the report.
        let p = match Policy::compile(&figure_policy(figure, "")) {
            Ok(p) => p,
            Err(d) => {
                failures.push(format!("metric `{figure}` refused: {d}"));
                continue;
            }
        };
        let h = histories(&p);
        let ev = detente::eval::evaluate(&p, &h, Some(AS_OF));
        let r = build(&p, &h, &ev, &Options::default());
        let row = r
            .metrics
            .iter()
            .find(|m| m.metric == "cell_metric")
            .unwrap();
        // Money is written as a decimal string.
        let value = &row.values[0].value;
        let got = value
            .as_f64()
            .or_else(|| value.as_str().and_then(|s| s.parse().ok()));
        // The report writes rates to four decimals.
        if got.is_none_or(|g| (g - want).abs() > 5e-5) {
            failures.push(format!("metric `{figure}`: {got:?}, by hand {want}"));
        }
        // In an incentive: met when the figure reaches its value, and the
        // payout is $10 per unit of it (`per`: the unit, for a figure
        // that has one).
        let number = if per.is_empty() {
            figure.to_string()
        } else {
            format!("({figure}) / ({per})")
        };
        for (target, met) in [
            (format!("{number} >= {want}"), true),
            (format!("{number} > {want}"), false),
        ] {
            let incentive = format!(
                "incentive cell {{\n  teams marketing\n  period quarter\n  target {target}\n  payout $10 * ({number})\n}}\n"
            );
            let p = match Policy::compile(&figure_policy("count(visit)", &incentive)) {
                Ok(p) => p,
                Err(d) => {
                    failures.push(format!("incentive `{target}` refused: {d}"));
                    continue;
                }
            };
            let ev = detente::eval::evaluate(&p, &h, Some(AS_OF));
            let r = build(&p, &h, &ev, &Options::default());
            let row = r.incentives.iter().find(|i| i.incentive == "cell").unwrap();
            let payout = if met {
                format!("{:.2}", 10.0 * want)
            } else {
                "0.00".into()
            };
            if row.target_met != Some(met) || row.payout != payout {
                failures.push(format!(
                    "incentive `{target}`: met {:?} paying {}, by hand {met} paying {payout}",
                    row.target_met, row.payout
                ));
            }
        }
    }
    for read in NOT_FIGURES.iter().chain(deals::NOT_FIGURES) {
        let metric = figure_policy(read, "");
        let target = figure_policy(
            "count(visit)",
            &format!(
                "incentive cell {{\n  teams marketing\n  period quarter\n  target {read} >= 1\n  payout $10\n}}\n"
            ),
        );
        let payout = figure_policy(
            "count(visit)",
            &format!(
                "incentive cell {{\n  teams marketing\n  period quarter\n  target count(visit) >= 1\n  payout $10 * {read}\n}}\n"
            ),
        );
        for (place, text) in [("metric", metric), ("target", target), ("payout", payout)] {
            match Policy::compile(&text) {
                Ok(_) => failures.push(format!("`{read}` as a {place} checked clean")),
                Err(d) => {
                    if !d.problems.iter().any(|p| p.code_str().starts_with('E')) {
                        failures.push(format!("`{read}` as a {place}: no error code: {d}"));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} cells wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
