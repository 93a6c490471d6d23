//! `detente report` on a small history whose every figure was worked out
//! by hand (the working is in the comments), never copied from output.
//!
//! Acme policy (Europe/London, fiscal year from April). Report from
//! 1 April 2026 (London) to the as-of time, 30 June 2026 23:00 UTC (the end
//! of FY2026/27 Q1).
//!
//! - c-1 (VP Engineering at a-1, fit 55, timeline 90 days): demo request
//!   Mon 6 Apr 09:00Z → lead and mql at once; connected call 11:00Z; sales
//!   accept Tue 7 Apr 10:00Z → sal; budget confirmed Wed 8 Apr 10:00Z → sql
//!   (budget, need, timeline: 3 of 4); opportunity o-1 20 Apr 10:00Z; won
//!   20 May 10:00Z (30,000); kickoff meeting held 21 May 10:00Z.
//! - c-2 (analyst at a-1): pricing page 10 Apr 09:00Z; the same won deal
//!   o-1 is also logged on c-2 (counted once).
//! - c-3 (no account, fit 20): demo request Mon 13 Apr 09:00Z → mql;
//!   nobody calls: recycled 30 days later, 13 May 09:00Z.

use serde_json::json;

use crate::rows;

use detente::Policy;
use detente::data::{RecordKind, Source};
use detente::report::{Options, Report, build};

fn report() -> Report {
    let text = std::fs::read_to_string(crate::root().join("policies/acme.detente")).unwrap();
    let policy = Policy::compile(&text).unwrap();
    let contacts = rows(json!([
        {"id": "c-1", "account": "a-1", "created_at": "2026-04-06T08:00:00Z", "email": "vp@buyer.example",
         "title": "VP Engineering", "consent_given_on": "2026-04-01", "timeline_days": 90, "owner": "rep-1"},
        {"id": "c-2", "account": "a-1", "created_at": "2026-04-10T08:00:00Z", "email": "an@buyer.example",
         "title": "Analyst", "owner": "rep-1"},
        {"id": "c-3", "created_at": "2026-04-13T08:00:00Z", "email": "hm@solo.example",
         "title": "Head of Marketing", "consent_given_on": "2026-04-01", "owner": "rep-2"},
    ]));
    let accounts = rows(json!([
        {"id": "a-1", "domain": "buyer.example", "employees": 500, "industry": "software", "annual_revenue": "50000000"},
    ]));
    let events = rows(json!([
        {"contact": "c-1", "at": "2026-04-06T09:00:00Z", "type": "form_submit", "form": "demo"},
        {"contact": "c-1", "at": "2026-04-06T11:00:00Z", "type": "sales_call", "outcome": "connected"},
        {"contact": "c-1", "at": "2026-04-07T10:00:00Z", "type": "sales_feedback", "verdict": "accept"},
        {"contact": "c-1", "at": "2026-04-08T10:00:00Z", "type": "update", "budget_confirmed": true},
        {"contact": "c-2", "at": "2026-04-10T09:00:00Z", "type": "page_view", "url": "/pricing"},
        {"contact": "c-1", "at": "2026-04-20T10:00:00Z", "type": "opportunity_created", "amount": "30000", "opportunity": "o-1"},
        {"contact": "c-1", "at": "2026-05-20T10:00:00Z", "type": "deal_won", "amount": "30000", "opportunity": "o-1"},
        {"contact": "c-2", "at": "2026-05-20T10:00:00Z", "type": "deal_won", "amount": "30000", "opportunity": "o-1"},
        {"contact": "c-1", "at": "2026-05-21T10:00:00Z", "type": "meeting", "outcome": "held"},
        {"contact": "c-3", "at": "2026-04-13T09:00:00Z", "type": "form_submit", "form": "demo"},
    ]));
    let sources = [
        Source::inline(RecordKind::Contacts, "contacts", contacts),
        Source::inline(RecordKind::Accounts, "accounts", accounts),
        Source::inline(RecordKind::Events, "events", events),
    ];
    let h = detente::data::load(&policy, &sources).unwrap();
    assert_eq!(h.total().rejected, 0, "{:?}", h.problems);
    let as_of = Some(1_782_860_400_000); // 2026-06-30T23:00:00Z
    let ev = detente::eval::evaluate(&policy, &h, as_of);
    let options = Options {
        from: Some(1_774_998_000_000), // 2026-03-31T23:00:00Z = 1 April, London
        ..Options::default()
    };
    build(&policy, &h, &ev, &options)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn the_funnel_counts_cohorts_by_first_entry() {
    let r = report();
    let f = |s: &str| r.funnel.iter().find(|x| x.stage == s).unwrap();
    // All three arrive in the report; c-1 and c-3 move on; c-3 is recycled.
    let sub = f("subscriber");
    assert_eq!(
        (sub.entered, sub.current, sub.advanced, sub.dropped),
        (3, 1, Some(2), 1)
    );
    let mql = f("mql");
    assert_eq!((mql.entered, mql.advanced, mql.dropped), (2, Some(1), 1));
    let to_customer = mql.conversion.iter().find(|c| c.to == "customer").unwrap();
    assert_eq!((to_customer.reached, to_customer.rate), (1, Some(0.5)));
    let customer = f("customer");
    assert_eq!(
        (customer.entered, customer.current, customer.advanced),
        (1, 1, None)
    );
    let recycled = f("recycled");
    assert_eq!(
        (recycled.entered, recycled.current, recycled.advanced),
        (1, 1, Some(0))
    );
}

#[test]
fn velocity_is_completed_stays_and_first_entry_spans() {
    let r = report();
    let mql = r
        .velocity
        .time_in_stage
        .iter()
        .find(|s| s.stage == "mql")
        .unwrap();
    // c-1: 6 Apr 09:00 → 7 Apr 10:00 = 25 h; c-3: 30 days.
    let c1 = 25.0 / 24.0;
    assert_eq!(mql.times.count, 2);
    assert!(close(mql.times.median_days.unwrap(), (c1 + 30.0) / 2.0));
    assert!(close(mql.times.p90_days.unwrap(), 30.0));
    let opp = r
        .velocity
        .time_in_stage
        .iter()
        .find(|s| s.stage == "opportunity")
        .unwrap();
    assert_eq!(opp.times.median_days, Some(30.0));
    // The customer stay is still open: not a completed stay.
    let customer = r
        .velocity
        .time_in_stage
        .iter()
        .find(|s| s.stage == "customer")
        .unwrap();
    assert_eq!(customer.times.count, 0);
    // mql → customer: 6 Apr 09:00 → 20 May 10:00 = 44 days 1 hour.
    let b = r
        .velocity
        .between
        .iter()
        .find(|b| b.from == "mql" && b.to == "customer")
        .unwrap();
    assert!(close(b.times.median_days.unwrap(), 44.0 + 1.0 / 24.0));
}

#[test]
fn triggers_name_the_touchpoint_that_tipped_each_move() {
    let r = report();
    let t = r
        .triggers
        .iter()
        .find(|t| t.from == "lead" && t.to == "mql")
        .unwrap();
    assert_eq!(
        (t.from.as_str(), t.to.as_str(), t.fired),
        ("lead", "mql", 2)
    );
    assert_eq!(t.by[0].what, "demo_request");
    assert_eq!(t.by[0].count, 2);
    let aged = r
        .triggers
        .iter()
        .find(|t| t.from == "mql" && t.trigger == "after 30d")
        .unwrap();
    assert_eq!((aged.fired, aged.by[0].what.as_str()), (1, "time"));
}

#[test]
fn attribution_splits_one_deal_by_every_model() {
    let r = report();
    let a = &r.attribution;
    // o-1 is logged on two contacts and counted once.
    assert_eq!(
        (a.deals, a.revenue.as_str(), a.opportunities),
        (1, "30000.00", 1)
    );
    let rev = |tp: &str| {
        a.touchpoints
            .iter()
            .find(|c| c.name == tp)
            .unwrap()
            .revenue
            .iter()
            .map(|x| x.parse::<f64>().unwrap())
            .collect::<Vec<f64>>()
    };
    // Touches of a-1 before the deal: demo_request (c-1, 6 Apr 09:00),
    // discovery_call (c-1, 6 Apr 11:00), pricing_visit (c-2, 10 Apr 09:00).
    // U: first = lead milestone = demo 0.8, the others 0.1 each.
    // W: first + lead = demo 0.6, opportunity milestone = pricing 0.3,
    // discovery 0.1.
    //                        first    last     linear   U        W
    assert_eq!(
        rev("demo_request")[..5],
        [30000.0, 0.0, 10000.0, 24000.0, 18000.0]
    );
    assert_eq!(
        rev("discovery_call")[..5],
        [0.0, 0.0, 10000.0, 3000.0, 3000.0]
    );
    assert_eq!(
        rev("pricing_visit")[..5],
        [0.0, 30000.0, 10000.0, 3000.0, 9000.0]
    );
    // Time decay, half-life 7 days: ages 44d1h, 43d23h and 40d1h.
    let w = |days: f64| 0.5f64.powf(days / 7.0);
    let (d, c, p) = (
        w(44.0 + 1.0 / 24.0),
        w(43.0 + 23.0 / 24.0),
        w(40.0 + 1.0 / 24.0),
    );
    let demo = 30000.0 * d / (d + c + p);
    assert!((rev("demo_request")[5] - demo).abs() < 0.006, "{demo}");
    let team = |t: &str| {
        a.teams
            .iter()
            .find(|c| c.name == t)
            .unwrap()
            .revenue
            .clone()
    };
    assert_eq!(
        team("sales")[..5],
        ["0.00", "0.00", "10000.00", "3000.00", "3000.00"]
    );
}

#[test]
fn sla_attainment_and_the_overdue_list() {
    let r = report();
    let row = |sla: &str| r.slas.iter().find(|s| s.sla == sla && s.total).unwrap();
    // c-1 called after 2 business hours; c-3 only "met" by leaving mql on
    // 13 May, long after the Tue 14 Apr 16:30Z deadline.
    let f = row("mql_follow_up");
    assert_eq!(
        (f.met, f.breached, f.overdue, f.attainment),
        (1, 1, 0, Some(0.5))
    );
    let fb = row("lead_feedback");
    assert_eq!((fb.met, fb.overdue), (1, 1));
    // c-3's recycled_nurture was due 20 May 09:00Z: 41 days 14 hours late.
    let o = r
        .overdue
        .iter()
        .find(|o| o.sla == "recycled_nurture")
        .unwrap();
    assert_eq!(
        (o.contact.as_deref(), o.overdue_hours),
        (Some("c-3"), 998.0)
    );
    let rep2 = r
        .slas
        .iter()
        .find(|s| s.sla == "lead_feedback" && s.assignee == "rep-2")
        .unwrap();
    assert_eq!((rep2.met, rep2.overdue, rep2.attainment), (0, 1, Some(0.0)));
}

#[test]
fn metrics_and_incentives_for_the_quarter() {
    let r = report();
    let q = r.periods.iter().position(|p| p == "FY2026/27 Q1").unwrap();
    let m = |name: &str| {
        r.metrics.iter().find(|x| x.metric == name).unwrap().values[q]
            .value
            .clone()
    };
    assert_eq!(m("mqls"), json!(2));
    assert_eq!(m("demo_requests"), json!(2));
    assert_eq!(m("mql_to_sql"), json!(0.5));
    assert_eq!(m("win_rate"), json!(1));
    assert_eq!(m("bookings"), json!("30000.00"));
    assert_eq!(m("avg_deal"), json!("30000.00"));
    assert_eq!(m("cycle_days"), json!(30));
    // 1 opportunity × 100% × 30,000 / 30 days.
    assert_eq!(m("pipeline_velocity"), json!("1000.00"));
    assert_eq!(m("capped_follow_up"), json!(0.5));
    // Marketing's touches: two demo requests and one pricing visit.
    assert_eq!(m("marketing_share"), json!(0.6667));
    let inc = |name: &str| {
        r.incentives
            .iter()
            .find(|i| i.incentive == name && i.period == "FY2026/27 Q1")
            .unwrap()
    };
    // 1,000 a day is short of 2,000; 2 MQLs are short of 50.
    assert_eq!(
        (
            inc("shared_velocity").target_met,
            inc("shared_velocity").payout.as_str()
        ),
        (Some(false), "0.00")
    );
    assert_eq!(inc("lead_quality").target_met, Some(false));
}

#[test]
fn calibration_reads_the_score_at_entry() {
    let r = report();
    // fit at entry into mql: c-1 55, c-3 20; only c-1 reached sal.
    let c = r
        .calibration
        .iter()
        .find(|c| c.score == "fit" && c.at == "mql")
        .unwrap();
    assert_eq!((c.contacts, c.auc), (2, Some(1.0)));
}
