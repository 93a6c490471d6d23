//! The matrix's deals: three deals of account a1, the forms about a deal
//! or a contact's deals, and the reference for the positions where a
//! deal is the subject. Worked out here from the history alone, like the
//! rest of the matrix.

use serde_json::{Value as Json, json};

use detente::Policy;
use detente::data::Histories;
use detente::eval::{Evaluation, Journey};
use detente::report::journey::JourneyView;

use super::{
    Allowed, At, CONTACT, DAY, EVENTS, Ev, Form, HISTORY, Kind, NOWHERE, Pos, T0, Truth, Who, and,
    at_seconds, cell_metric, cmp, first_true, history, same_instant,
};
use Pos::*;

/// A deal of account a1.
pub(super) struct Deal {
    created: i64,
    amount: Option<f64>,
    /// (from, amount): a `deal_update`.
    later_amount: Option<(i64, f64)>,
    source: &'static str,
    owner: Option<&'static str>,
    /// (the contact's position in `PEOPLE`, its role).
    contacts: &'static [(usize, &'static str)],
}

/// - d1: created at day 1, $5,000, marketing-sourced, owned by Ann; c1 its
///   economic buyer, c2 its champion;
/// - d2: created at T0, no amount, sourced by sales (the default), no
///   owner; c3 its champion;
/// - d3: created at day 2, $800 until day 5 and $1,500 after, from a
///   partner, owned by Bob; no contacts.
pub(super) const DEALS: [Deal; 3] = [
    Deal {
        created: T0 + DAY,
        amount: Some(5000.0),
        later_amount: None,
        source: "marketing",
        owner: Some("Ann"),
        contacts: &[(0, "economic_buyer"), (1, "champion")],
    },
    Deal {
        created: T0,
        amount: None,
        later_amount: None,
        source: "sales",
        owner: None,
        contacts: &[(2, "champion")],
    },
    Deal {
        created: T0 + 2 * DAY,
        amount: Some(800.0),
        later_amount: Some((T0 + 5 * DAY, 1500.0)),
        source: "partner",
        owner: Some("Bob"),
        contacts: &[],
    },
];

/// Where a form is about one deal.
pub(super) const ABOUT_A_DEAL: &[Pos] = &[
    DealWhen,
    DealClause,
    DealUnless,
    DealOnWhere,
    DealSlaMet,
    DealSlaStarts,
];
/// The `where` of what a metric counts of deals.
pub(super) const DEAL_FILTERS: &[Pos] = &[DealEntryWhere];

const DEAL_ALL: Allowed = &[ABOUT_A_DEAL, DEAL_FILTERS];
const DEAL_SUBJECT: Allowed = &[ABOUT_A_DEAL];
/// A call's own fields: where the `where` of a pattern on calls reads
/// them.
const CALL_FILTERS: Allowed = &[&[DealOnWhere, DealSlaMet, DealSlaStarts]];

/// How contacts move in the cells about a deal: c1 enters `yes` on its
/// /docs visit at day 2 and `done` on /home at day 6; c2 enters `yes` at
/// day 3½; c3 stays a lead.
pub(super) const CONTACTS_MOVE: &str = "on visit where page contains \"/docs\"";

// ------------------------------------------------------------- the data

pub(super) fn rows() -> Json {
    let rows: Vec<Json> = DEALS
        .iter()
        .enumerate()
        .map(|(d, deal)| {
            let mut o = json!({
                "id": format!("d{}", d + 1),
                "account": "a1",
                "created_at": crate::at(deal.created),
            });
            if let Some(a) = deal.amount {
                o["amount"] = json!(a.to_string());
            }
            // d2's source is left to the schema's default.
            if deal.source != "sales" {
                o["source"] = json!(deal.source);
            }
            if let Some(owner) = deal.owner {
                o["owner"] = json!(owner);
            }
            o
        })
        .collect();
    Json::Array(rows)
}

pub(super) fn contact_rows() -> Json {
    let rows: Vec<Json> = DEALS
        .iter()
        .enumerate()
        .flat_map(|(d, deal)| {
            deal.contacts.iter().map(move |(c, role)| {
                json!({"deal": format!("d{}", d + 1), "contact": format!("c{}", c + 1), "role": role})
            })
        })
        .collect();
    Json::Array(rows)
}

/// The deals' `deal_update` events.
pub(super) fn updates() -> Vec<Json> {
    DEALS
        .iter()
        .enumerate()
        .filter_map(|(d, deal)| {
            let (from, amount) = deal.later_amount?;
            Some(json!({
                "deal": format!("d{}", d + 1),
                "at": crate::at(from),
                "type": "deal_update",
                "amount": amount.to_string(),
            }))
        })
        .collect()
}

// ------------------------------------------------------------- the reference

fn deal(w: &At) -> Option<&'static Deal> {
    match w.who {
        Who::Deal(d) => DEALS.get(d),
        _ => None,
    }
}

fn amount(w: &At) -> Option<f64> {
    let d = deal(w)?;
    match d.later_amount {
        Some((from, a)) if w.t >= from => Some(a),
        _ => d.amount,
    }
}

fn has(w: &At, role: &str) -> Truth {
    Some(deal(w)?.contacts.iter().any(|(_, r)| *r == role))
}

/// Deal `d`'s own events, oldest first.
fn events_of(d: usize) -> Vec<&'static Ev> {
    let mut evs: Vec<&Ev> = EVENTS.iter().filter(|e| e.deal == Some(d)).collect();
    evs.sort_by_key(|e| e.at);
    evs
}

/// Deal `d`'s stages up to `t` as the deal lifecycle moves it when no
/// cell moves it: (stage, entered), oldest first.
fn deal_path(d: usize, t: i64) -> Vec<(&'static str, i64)> {
    let Some(deal) = DEALS.get(d) else {
        return Vec::new();
    };
    let mut path = vec![("prospecting", deal.created)];
    for e in events_of(d).into_iter().filter(|e| e.at <= t) {
        let now = path.last().map_or("", |s| s.0);
        let next = match (now, e.kind) {
            ("prospecting", Kind::Engaged) => "engaging",
            ("engaging", Kind::DealWon) => "won",
            ("engaging", Kind::DealLost) => "lost",
            _ => continue,
        };
        path.push((next, e.at));
    }
    path
}

/// When deal `d` leaves prospecting on its own (by `engaged`), if it does.
fn leaves(d: usize) -> Option<i64> {
    deal_path(d, i64::MAX)
        .iter()
        .find(|s| s.0 == "engaging")
        .map(|s| s.1)
}

/// Contact `c`'s stages up to `t` in the cells about a deal (see
/// `CONTACTS_MOVE`), oldest first.
fn contact_path(c: usize, t: i64) -> Vec<&'static str> {
    let mut visits: Vec<&Ev> = EVENTS
        .iter()
        .filter(|e| e.who == Some(c) && e.kind == Kind::Visit && e.at <= t)
        .collect();
    visits.sort_by_key(|e| e.at);
    let mut path = vec!["lead"];
    for e in visits {
        let page = e.page.unwrap_or("");
        match path.last() {
            Some(&"lead") if page.contains("/docs") => path.push("yes"),
            Some(&"yes") if page == "/home" => path.push("done"),
            _ => {}
        }
    }
    path
}

/// How many of the deal's contacts are in (`now`) or have entered
/// `stage` by the instant.
fn contacts_in(w: &At, stage: &str, now: bool) -> Option<usize> {
    let d = deal(w)?;
    Some(
        d.contacts
            .iter()
            .filter(|(c, _)| {
                let path = contact_path(*c, w.t);
                if now {
                    path.last() == Some(&stage)
                } else {
                    path.contains(&stage)
                }
            })
            .count(),
    )
}

/// How many of the deals naming the contact are in (`now`) or have
/// entered `stage` by the instant.
fn deals_in(w: &At, stage: &str, now: bool) -> Option<usize> {
    let Who::Contact(c) = w.who else { return None };
    let n = DEALS
        .iter()
        .enumerate()
        .filter(|(_, deal)| deal.contacts.iter().any(|(x, _)| *x == c))
        .filter(|(d, _)| {
            let path = deal_path(*d, w.t);
            if now {
                path.last().map(|s| s.0) == Some(stage)
            } else {
                path.iter().any(|s| s.0 == stage)
            }
        })
        .count();
    Some(n)
}

/// The SLA `close_fast` (starts on entering prospecting, met on entering
/// engaging, within 4 days): breached once overdue or met late.
fn close_fast_breached(w: &At) -> Truth {
    let Who::Deal(d) = w.who else { return None };
    let due = deal(w)?.created + 4 * DAY;
    Some(match leaves(d).filter(|m| *m <= w.t) {
        Some(m) => m > due,
        None => w.t > due,
    })
}

fn last_call_minutes(w: &At) -> Option<f64> {
    history(w).filter(|e| e.kind == Kind::Call).last()?.minutes
}

pub(super) fn forms() -> Vec<Form> {
    vec![
        Form {
            text: "deal.amount >= $1000",
            allowed: DEAL_ALL,
            reference: |w| cmp(amount(w), |a| a >= 1000.0),
        },
        Form {
            text: "deal.amount * 2 >= $3000",
            allowed: DEAL_ALL,
            reference: |w| cmp(amount(w), |a| a * 2.0 >= 3000.0),
        },
        Form {
            text: "deal.source == \"marketing\"",
            allowed: DEAL_ALL,
            reference: |w| Some(deal(w)?.source == "marketing"),
        },
        Form {
            text: "deal.owner is missing",
            allowed: DEAL_ALL,
            reference: |w| Some(deal(w)?.owner.is_none()),
        },
        Form {
            text: "deal.has(economic_buyer)",
            allowed: DEAL_ALL,
            reference: |w| has(w, "economic_buyer"),
        },
        Form {
            text: "deal.has(champion) and not deal.has(economic_buyer)",
            allowed: DEAL_ALL,
            reference: |w| and(has(w, "champion"), has(w, "economic_buyer").map(|b| !b)),
        },
        Form {
            text: "deal.contacts.in(yes) >= 2",
            allowed: DEAL_ALL,
            reference: |w| contacts_in(w, "yes", true).map(|n| n >= 2),
        },
        Form {
            text: "deal.contacts.entered(yes) >= 1",
            allowed: DEAL_ALL,
            reference: |w| contacts_in(w, "yes", false).map(|n| n >= 1),
        },
        Form {
            text: "count(call) >= 2",
            allowed: HISTORY,
            reference: |w| Some(history(w).filter(|e| e.kind == Kind::Call).count() >= 2),
        },
        Form {
            text: "last(call).minutes >= 30",
            allowed: HISTORY,
            reference: |w| last_call_minutes(w).map(|m| m >= 30.0),
        },
        Form {
            text: "minutes >= 30",
            allowed: CALL_FILTERS,
            reference: |w| w.event?.minutes.map(|m| m >= 30.0),
        },
        Form {
            text: "stage_entered(engaging)",
            allowed: DEAL_SUBJECT,
            reference: |w| {
                let Who::Deal(d) = w.who else { return None };
                Some(deal_path(d, w.t).iter().any(|s| s.0 == "engaging"))
            },
        },
        Form {
            text: "breached(close_fast)",
            allowed: DEAL_SUBJECT,
            reference: close_fast_breached,
        },
        Form {
            text: "qualified_deal",
            allowed: DEAL_SUBJECT,
            reference: |w| and(cmp(amount(w), |a| a >= 1000.0), has(w, "champion")),
        },
        Form {
            text: "contact.deals.in(won) >= 1",
            allowed: CONTACT,
            reference: |w| deals_in(w, "won", true).map(|n| n >= 1),
        },
        Form {
            text: "contact.deals.entered(engaging) >= 1",
            allowed: CONTACT,
            reference: |w| deals_in(w, "engaging", false).map(|n| n >= 1),
        },
        // A deal's own history: it has no visits.
        Form {
            text: "qualified_deal or count(visit) >= 1",
            allowed: DEAL_SUBJECT,
            reference: |w| {
                let visits = history(w).filter(|e| e.kind == Kind::Visit).count();
                super::or(
                    and(cmp(amount(w), |a| a >= 1000.0), has(w, "champion")),
                    Some(visits >= 1),
                )
            },
        },
        Form {
            text: "count(entered deal:won) >= 1",
            allowed: NOWHERE,
            reference: |_| None,
        },
    ]
}

// ------------------------------------------------------------- compare

/// Deal `d` at instant `t`, in the stage the deal lifecycle has it in
/// when no cell moves it; `event`: the call a `where` is reading.
fn at_deal(d: usize, t: i64, event: Option<&'static Ev>) -> At<'static> {
    let entered = deal_path(d, t).last().map_or(t, |s| s.1);
    At {
        who: Who::Deal(d),
        t,
        event,
        entered,
        before: None,
    }
}

/// Deal `d`'s calls at which the form holds, read after the call, oldest
/// first.
fn calls_where(form: &Form, d: usize) -> Vec<&'static Ev> {
    events_of(d)
        .into_iter()
        .filter(|e| e.kind == Kind::Call)
        .filter(|e| (form.reference)(&at_deal(d, e.at, Some(e))) == Some(true))
        .collect()
}

/// When the deal entered `stage`, if it did.
fn entered(p: &Policy, j: &Journey, stage: &str) -> Option<i64> {
    let id = p.ir().stage_id(detente::Lifecycle::Deal, stage)?;
    j.facts
        .steps
        .iter()
        .find(|s| s.stage == id)
        .map(|s| s.entered)
}

/// Runs one accepted cell about a deal against the reference; the
/// mismatches.
pub(super) fn compare(
    form: &Form,
    pos: Pos,
    p: &Policy,
    h: &Histories,
    ev: &Evaluation,
) -> Vec<String> {
    let mut wrong = Vec::new();
    if pos == DealEntryWhere {
        let got = cell_metric(p, h, ev);
        let want = (0..DEALS.len())
            .filter(|d| {
                let created = DEALS.get(*d).map_or(0, |x| x.created);
                (form.reference)(&at_deal(*d, created, None)) == Some(true)
            })
            .count();
        if got != json!(want) {
            wrong.push(format!("counted {got} deals, reference {want}"));
        }
        return wrong;
    }
    for (d, deal) in DEALS.iter().enumerate() {
        let id = format!("d{}", d + 1);
        let Some(j) = ev.deals.iter().find(|j| j.contact == id) else {
            wrong.push(format!("{id}: no journey"));
            continue;
        };
        if let Some(why) = compare_deal(form, pos, p, j, d, deal) {
            wrong.push(format!("{id}: {why}"));
        }
    }
    wrong
}

/// One deal's cell; the mismatch, if any.
fn compare_deal(
    form: &Form,
    pos: Pos,
    p: &Policy,
    j: &Journey,
    d: usize,
    deal: &Deal,
) -> Option<String> {
    let view = JourneyView::new(p, j);
    let leave = leaves(d);
    let before_leaving = |t: &i64| leave.is_none_or(|l| *t < l);
    let moved = entered(p, j, "flagged");
    let said = |got: &dyn std::fmt::Debug, want: &dyn std::fmt::Debug| {
        Some(format!("{got:?}, reference {want:?}"))
    };
    match pos {
        DealWhen => {
            let want = first_true(form.reference, Who::Deal(d), deal.created, deal.created)
                .filter(before_leaving);
            (!same_instant(moved, want)).then(|| {
                format!(
                    "moved at {:?}, reference {:?}",
                    moved.map(crate::at),
                    want.map(crate::at)
                )
            })
        }
        DealUnless => {
            let deadline = deal.created + 2 * DAY;
            let held = (form.reference)(&at_deal(d, deadline, None));
            let want = (before_leaving(&deadline) && held != Some(true)).then_some(deadline);
            (moved != want).then(|| {
                format!(
                    "moved at {:?}, reference {:?}",
                    moved.map(crate::at),
                    want.map(crate::at)
                )
            })
        }
        DealOnWhere => {
            let want = calls_where(form, d)
                .into_iter()
                .map(|e| e.at)
                .find(before_leaving);
            (moved != want).then(|| {
                format!(
                    "moved at {:?}, reference {:?}",
                    moved.map(crate::at),
                    want.map(crate::at)
                )
            })
        }
        DealSlaMet => {
            let slas = view.slas();
            let got = slas.iter().find(|s| s.sla == "cell_deal_sla")?.met.clone();
            let want = calls_where(form, d).first().map(|e| at_seconds(e.at));
            if got == want { None } else { said(&got, &want) }
        }
        DealSlaStarts => {
            let got = super::started(&view, "cell_deal_start");
            let want: Vec<String> = calls_where(form, d)
                .iter()
                .map(|e| at_seconds(e.at))
                .collect();
            if got == want { None } else { said(&got, &want) }
        }
        DealClause => {
            let (_, clauses) = view.criteria("cell_deal")?;
            let got = clauses.iter().find(|(l, _)| *l == "cell")?.1.0;
            let want = (form.reference)(&at_deal(d, super::AS_OF, None));
            if got == want { None } else { said(&got, &want) }
        }
        _ => None,
    }
}

// ------------------------------------------------------------- figures

/// What the deals' figures over the period compute, worked out by hand
/// from `DEALS` and `EVENTS`:
/// - three deals entered prospecting (d1 at $5,000, d2 with no amount,
///   d3 at $800: the amount at its entry); d1 and d2 entered engaging
///   (days 4½ and 9); d1 was won a day after engaging, at $5,000; d2 lost;
/// - calls: 45, 10, 40 and 20 minutes;
/// - `close_fast` (4 days from creation to engaging): d1 on time, d2 late,
///   d3 overdue: 1 of 3.
///
/// (figure, by hand, its unit: what it is divided by to be a number in
/// an incentive).
pub(super) const FIGURES: &[(&str, f64, &str)] = &[
    ("count(entered deal:prospecting)", 3.0, ""),
    ("count(entered engaging)", 2.0, ""),
    ("count(entered won)", 1.0, ""),
    ("conversion(deal:engaging -> deal:won)", 0.5, ""),
    ("sum(entered deal:won .amount)", 5000.0, "$1"),
    ("avg(entered prospecting .amount)", 2900.0, "$1"),
    ("median(entered prospecting .amount)", 2900.0, "$1"),
    (
        "sum(entered prospecting .amount where deal.source == \"marketing\")",
        5000.0,
        "$1",
    ),
    (
        "count(entered prospecting where deal.has(champion))",
        2.0,
        "",
    ),
    (
        "count(entered prospecting where deal.owner is missing)",
        1.0,
        "",
    ),
    ("median(days(engaging -> won))", 1.0, "1d"),
    ("count(call)", 4.0, ""),
    ("count(call where minutes >= 30)", 2.0, ""),
    ("sum(call.minutes)", 115.0, ""),
    ("attainment(close_fast)", 1.0 / 3.0, ""),
    (
        "count(entered engaging) * conversion(engaging -> won) * avg(entered won .amount) / median(days(engaging -> won))",
        5000.0,
        "$1 / 1d",
    ),
];

/// Reads about one deal or a contact's deals: refused as figures.
pub(super) const NOT_FIGURES: &[&str] = &[
    "deal.amount",
    "qualified_deal",
    "breached(close_fast)",
    "deal.contacts.in(yes)",
    "contact.deals.in(won)",
];

/// `by deal.FIELD` cuts a metric of deals by the field as it was at each
/// deal's entry, worked out by hand from `DEALS` (d3's $800 is its amount
/// when it entered prospecting; d2 has no owner, nor any amount).
#[test]
fn a_metric_of_deals_is_cut_by_a_deal_field() {
    let cases: &[(&str, &[(&str, &str)])] = &[
        (
            "by deal.source = count(entered prospecting)",
            &[("marketing", "1"), ("partner", "1"), ("sales", "1")],
        ),
        (
            "by deal.owner = sum(entered prospecting .amount)",
            &[("Ann", "5000.00"), ("Bob", "800.00"), ("(none)", "0.00")],
        ),
        (
            "by deal.source = conversion(engaging -> won)",
            &[("marketing", "1"), ("sales", "0")],
        ),
    ];
    for (metric, want) in cases {
        let text = super::figure_policy("count(visit)", "").replace(
            "metric cell_metric = count(visit)",
            &format!("metric cell_metric {metric}"),
        );
        let p = Policy::compile(&text).unwrap_or_else(|d| panic!("{metric}: {d}"));
        let h = super::histories(&p);
        let ev = detente::eval::evaluate(&p, &h, Some(super::AS_OF));
        let r = detente::report::build(&p, &h, &ev, &detente::report::Options::default());
        let row = r
            .metrics
            .iter()
            .find(|m| m.metric == "cell_metric")
            .unwrap();
        let got: Vec<(String, String)> = row.values[0]
            .segments
            .iter()
            .map(|s| {
                let label = s.label.clone().unwrap_or_else(|| match &s.segment {
                    Json::String(t) => t.clone(),
                    other => other.to_string(),
                });
                let value = match &s.value {
                    Json::String(t) => t.clone(),
                    other => other.to_string(),
                };
                (label, value)
            })
            .collect();
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        assert_eq!(got, want, "{metric}");
    }
    // A metric of deals is not cut by a contact's field, nor one of
    // contacts by a deal's.
    for metric in [
        "by contact.level = count(entered won)",
        "by deal.source = count(entered lead)",
    ] {
        let text = super::figure_policy("count(visit)", "").replace(
            "metric cell_metric = count(visit)",
            &format!("metric cell_metric {metric}"),
        );
        let codes: Vec<String> = match Policy::compile(&text) {
            Ok(_) => Vec::new(),
            Err(d) => d.problems.iter().map(|p| p.code_str()).collect(),
        };
        assert!(codes.contains(&"E042".to_string()), "{metric}: {codes:?}");
    }
}
