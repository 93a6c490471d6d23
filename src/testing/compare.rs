//! Expected against actual, one line of difference per expectation.

use crate::eval::parts::{SlaResult, Tri};

use super::{Expect, ScoreExpect, SlaExpect, Truth, toml_text};
use crate::compile::Policy;
use crate::data::time::{DateOnly, parse_instant};
use crate::eval::Evaluation;
use crate::eval::explain::num;
use crate::ir::Entity;

/// One expectation that did not hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// What was checked: `stage`, `scores.fit`, `slas.mql_follow_up`...
    pub what: String,
    /// `None` when the case could not be run or checked at all.
    pub expected: Option<String>,
    pub actual: String,
}

impl Mismatch {
    pub fn problem(what: &str, message: String) -> Mismatch {
        Mismatch {
            what: what.to_string(),
            expected: None,
            actual: message,
        }
    }

    fn differ(
        what: impl Into<String>,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> Mismatch {
        Mismatch {
            what: what.into(),
            expected: Some(expected.into()),
            actual: actual.into(),
        }
    }
}

pub fn compare(policy: &Policy, ev: &Evaluation, contact: &str, expect: &Expect) -> Vec<Mismatch> {
    let mut out = Vec::new();
    let model = policy.ir();
    let Some(j) = ev.journeys.iter().find(|j| j.contact == contact) else {
        return vec![Mismatch::problem(
            "contact",
            format!("no journey for `{contact}`: give it at least a `created_at` or one event"),
        )];
    };
    let stage_known = |entity: Entity, name: &str, what: &str, out: &mut Vec<Mismatch>| {
        if model.stage_id(entity, name).is_none() {
            out.push(Mismatch::problem(
                what,
                format!(
                    "the policy has no {} stage `{name}`; its stages are {}",
                    match entity {
                        Entity::Contact => "contact",
                        Entity::Account => "account",
                    },
                    model.stages_of(entity).collect::<Vec<_>>().join(", ")
                ),
            ));
            false
        } else {
            true
        }
    };
    if let Some(p) = &j.problem
        && !expect.problem
    {
        out.push(Mismatch::differ("problem", "none", p.clone()));
    }
    if expect.problem && j.problem.is_none() {
        out.push(Mismatch::differ("problem", "a problem", "none"));
    }
    if let Some(s) = &expect.stage
        && stage_known(Entity::Contact, s, "stage", &mut out)
        && *s != j.stage
    {
        out.push(Mismatch::differ("stage", s, &j.stage));
    }
    if let Some(s) = &expect.highest
        && stage_known(Entity::Contact, s, "highest", &mut out)
        && Some(s) != j.highest.as_ref()
    {
        out.push(Mismatch::differ(
            "highest",
            s,
            j.highest.clone().unwrap_or_else(|| "none".into()),
        ));
    }
    let path: Vec<String> = j.path.iter().map(|s| s.stage.clone()).collect();
    if let Some(p) = &expect.path {
        let known = p
            .iter()
            .all(|s| stage_known(Entity::Contact, s, "path", &mut out));
        if known && *p != path {
            out.push(Mismatch::differ("path", p.join(" → "), path.join(" → ")));
        }
    }
    let tz = model.timezone;
    let instant =
        |v: &toml::Value| parse_instant(&toml_text(v), tz, DateOnly::Start).map(|(i, _)| i);
    for (stage, when) in &expect.entered {
        if !stage_known(
            Entity::Contact,
            stage,
            &format!("entered.{stage}"),
            &mut out,
        ) {
            continue;
        }
        let actual = j
            .path
            .iter()
            .rev()
            .find(|s| s.stage == *stage)
            .map(|s| s.entered.clone());
        match instant(when) {
            Err(e) => out.push(Mismatch::problem(&format!("entered.{stage}"), e)),
            Ok(i) => {
                let want = crate::data::time::format_instant(i);
                if actual.as_deref() != Some(&want) {
                    out.push(Mismatch::differ(
                        format!("entered.{stage}"),
                        want,
                        actual.unwrap_or_else(|| "never entered".into()),
                    ));
                }
            }
        }
    }
    for (name, want) in &expect.criteria {
        let what = format!("criteria.{name}");
        match j.criteria.get(name) {
            None => out.push(Mismatch::problem(
                &what,
                format!("the policy has no criteria `{name}`"),
            )),
            Some(c) => truth(&what, want, Some(c.met), &mut out),
        }
    }
    for (path, want) in &expect.clauses {
        let what = format!("clauses.{path}");
        let Some((crit, clause)) = path.split_once('.') else {
            out.push(Mismatch::problem(
                &what,
                "name a clause as `criteria.clause`, e.g. `sql.budget`".into(),
            ));
            continue;
        };
        match j.criteria.get(crit).and_then(|c| c.clauses.get(clause)) {
            None => out.push(Mismatch::problem(
                &what,
                format!("the policy has no clause `{clause}` in criteria `{crit}`"),
            )),
            Some(v) => truth(&what, want, Some(*v), &mut out),
        }
    }
    for (name, want) in &expect.scores {
        let what = format!("scores.{name}");
        let Some(actual) = j.scores.get(name).map(|x| x.value()) else {
            out.push(Mismatch::problem(
                &what,
                format!("the policy has no score `{name}`"),
            ));
            continue;
        };
        match want {
            ScoreExpect::Exactly(x) => {
                if (x - actual).abs() > 0.005 {
                    out.push(Mismatch::differ(what, num(*x), num(actual)));
                }
            }
            ScoreExpect::Range([lo, hi]) => {
                if actual < *lo || actual > *hi {
                    out.push(Mismatch::differ(
                        what,
                        format!("{} to {}", num(*lo), num(*hi)),
                        num(actual),
                    ));
                }
            }
        }
    }
    for (name, want) in &expect.slas {
        let what = format!("slas.{name}");
        if !model.slas.iter().any(|s| s.name == *name) {
            out.push(Mismatch::problem(
                &what,
                format!("the policy has no SLA `{name}`"),
            ));
            continue;
        }
        let instances: Vec<&SlaResult> = j
            .slas
            .iter()
            .filter(|s| s.sla.as_deref() == Some(name))
            .collect();
        let status = |s: &SlaResult| s.status.as_str().to_string();
        let last = instances.last().copied();
        let last_status = last.map_or_else(|| "not started".to_string(), status);
        match want {
            SlaExpect::Status(s) => {
                if *s != last_status {
                    out.push(Mismatch::differ(what, s, last_status));
                }
            }
            SlaExpect::Every(all) => {
                let actual: Vec<String> = instances.iter().map(|s| status(s)).collect();
                if *all != actual {
                    out.push(Mismatch::differ(
                        what,
                        all.join(", "),
                        if actual.is_empty() {
                            "not started".into()
                        } else {
                            actual.join(", ")
                        },
                    ));
                }
            }
            SlaExpect::Detail {
                status: st,
                started,
                due,
            } => {
                if let Some(s) = st
                    && *s != last_status
                {
                    out.push(Mismatch::differ(
                        format!("{what}.status"),
                        s,
                        last_status.clone(),
                    ));
                }
                for (field, v) in [("started", started), ("due", due)] {
                    let Some(v) = v else { continue };
                    let actual = last
                        .map(|l| {
                            if field == "started" {
                                &l.started
                            } else {
                                &l.due
                            }
                        })
                        .map_or("not started", String::as_str)
                        .to_string();
                    match instant(v) {
                        Err(e) => out.push(Mismatch::problem(&format!("{what}.{field}"), e)),
                        Ok(i) => {
                            let want = crate::data::time::format_instant(i);
                            if want != actual {
                                out.push(Mismatch::differ(format!("{what}.{field}"), want, actual));
                            }
                        }
                    }
                }
            }
        }
    }
    for (role, want) in &expect.roles {
        let what = format!("roles.{role}");
        let actual: Option<Vec<String>> = j.group.as_ref().and_then(|g| g.roles.get(role)).cloned();
        match actual {
            None => out.push(Mismatch::problem(
                &what,
                format!("the policy has no buying-group role `{role}`"),
            )),
            Some(mut a) => {
                let mut w = want.clone();
                a.sort();
                w.sort();
                if a != w {
                    out.push(Mismatch::differ(what, list(&w), list(&a)));
                }
            }
        }
    }
    if let Some(s) = &expect.account_stage
        && stage_known(Entity::Account, s, "account_stage", &mut out)
    {
        let actual = j
            .account
            .as_ref()
            .and_then(|a| ev.accounts.iter().find(|x| &x.account == a))
            .map(|a| a.stage.clone());
        if actual.as_deref() != Some(s) {
            out.push(Mismatch::differ(
                "account_stage",
                s,
                actual.unwrap_or_else(|| "no account journey (give the case an `account`)".into()),
            ));
        }
    }
    out
}

fn truth(what: &str, want: &Truth, actual: Option<Tri>, out: &mut Vec<Mismatch>) {
    let want = match want {
        Truth::Bool(b) => b.to_string(),
        Truth::Word(w) if w == "unknown" => w.clone(),
        Truth::Word(w) => {
            out.push(Mismatch::problem(
                what,
                format!("expect true, false or \"unknown\", not \"{w}\""),
            ));
            return;
        }
    };
    let actual = actual.map_or("nothing", Tri::as_str).to_string();
    if want != actual {
        out.push(Mismatch::differ(what, want, actual));
    }
}

fn list(v: &[String]) -> String {
    if v.is_empty() {
        "nobody".into()
    } else {
        v.join(", ")
    }
}
