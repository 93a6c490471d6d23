//! Expected against actual, one line of difference per expectation.

use crate::report::journey::{JourneyView, SlaJson, Tri};

use super::{Expect, ScoreExpect, SlaExpect, Truth, toml_text};
use crate::compile::Policy;
use crate::data::codes::TimeError;
use crate::data::time::{DateOnly, Instant, parse_instant};
use crate::eval::Evaluation;
use crate::ir::{Entity, Ir};
use crate::report::words::num;

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
    let Some(j) = ev.journeys.iter().find(|j| j.contact == contact) else {
        // A case about deals alone need not have a contact.
        if !expect.deals.is_empty() && expect.about_deals_only() {
            return Vec::new();
        }
        return vec![Mismatch::problem(
            "contact",
            format!("no journey for `{contact}`: give it at least a `created_at` or one event"),
        )];
    };
    let j = &JourneyView::new(policy, j);
    let mut c = Compare {
        ir: policy.ir(),
        out: Vec::new(),
        entity: Entity::Contact,
    };
    c.stages(j, expect);
    c.entered(j, expect);
    c.criteria(j, expect);
    c.scores(j, expect);
    c.slas(j, expect);
    c.roles(j, expect);
    c.account_stage(ev, j, expect);
    c.out
}

/// A deal's journey against `problem`, `stage`, `path` and `slas` of
/// `expect`, in `entity`'s lifecycle.
pub fn compare_journey(
    policy: &Policy,
    j: &JourneyView<'_>,
    entity: Entity,
    expect: &Expect,
) -> Vec<Mismatch> {
    let mut c = Compare {
        ir: policy.ir(),
        out: Vec::new(),
        entity,
    };
    c.stages(j, expect);
    c.criteria(j, expect);
    c.slas(j, expect);
    c.out
}

/// One case's comparison: the policy and the mismatches found so far.
struct Compare<'p> {
    ir: &'p Ir,
    out: Vec<Mismatch>,
    /// Whose lifecycle the stages named belong to.
    entity: Entity,
}

impl Compare<'_> {
    /// Whether the policy has the stage an expectation names (a mismatch
    /// saying which it has, if not).
    fn stage_known(&mut self, entity: Entity, name: &str, what: &str) -> bool {
        if self.ir.stage_id(entity, name).is_some() {
            return true;
        }
        self.out.push(Mismatch::problem(
            what,
            format!(
                "the policy has no {} stage `{name}`; its stages are {}",
                entity.keyword(),
                self.ir.stages_of(entity).collect::<Vec<_>>().join(", ")
            ),
        ));
        false
    }

    /// A time as the case writes it, in the policy's timezone.
    fn instant(&self, v: &toml::Value) -> Result<Instant, TimeError> {
        parse_instant(&toml_text(v), self.ir.timezone, DateOnly::Start).map(|(i, _)| i)
    }

    /// `problem`, `stage`, `highest` and `path`.
    fn stages(&mut self, j: &JourneyView<'_>, expect: &Expect) {
        let problems = j.problems();
        if let Some(p) = problems.first()
            && !expect.problem
        {
            self.out
                .push(Mismatch::differ("problem", "none", p.message.clone()));
        }
        if expect.problem && problems.is_empty() {
            self.out
                .push(Mismatch::differ("problem", "a problem", "none"));
        }
        if let Some(s) = &expect.stage
            && self.stage_known(self.entity, s, "stage")
            && *s != j.stage()
        {
            self.out.push(Mismatch::differ("stage", s, j.stage()));
        }
        if let Some(s) = &expect.highest
            && self.stage_known(self.entity, s, "highest")
            && Some(s.as_str()) != j.highest()
        {
            self.out.push(Mismatch::differ(
                "highest",
                s,
                j.highest().unwrap_or("none"),
            ));
        }
        let path: Vec<String> = j.path().into_iter().map(|s| s.stage).collect();
        if let Some(p) = &expect.path {
            let known = p.iter().all(|s| self.stage_known(self.entity, s, "path"));
            if known && *p != path {
                self.out
                    .push(Mismatch::differ("path", p.join(" → "), path.join(" → ")));
            }
        }
    }

    fn entered(&mut self, j: &JourneyView<'_>, expect: &Expect) {
        for (stage, when) in &expect.entered {
            if !self.stage_known(Entity::Contact, stage, &format!("entered.{stage}")) {
                continue;
            }
            let actual = j
                .path()
                .into_iter()
                .rev()
                .find(|s| s.stage == *stage)
                .map(|s| s.entered);
            match self.instant(when) {
                Err(e) => self.out.push(Mismatch::problem(
                    &format!("entered.{stage}"),
                    e.to_string(),
                )),
                Ok(i) => {
                    let want = crate::data::time::format_instant(i);
                    if actual.as_deref() != Some(&want) {
                        self.out.push(Mismatch::differ(
                            format!("entered.{stage}"),
                            want,
                            actual.unwrap_or_else(|| "never entered".into()),
                        ));
                    }
                }
            }
        }
    }

    /// `criteria` and `clauses`.
    fn criteria(&mut self, j: &JourneyView<'_>, expect: &Expect) {
        for (name, want) in &expect.criteria {
            let what = format!("criteria.{name}");
            match j.criteria(name) {
                None => self.out.push(Mismatch::problem(
                    &what,
                    format!("the policy has no criteria `{name}`"),
                )),
                Some((met, _)) => truth(&what, want, Some(met), &mut self.out),
            }
        }
        for (path, want) in &expect.clauses {
            let what = format!("clauses.{path}");
            let Some((crit, clause)) = path.split_once('.') else {
                self.out.push(Mismatch::problem(
                    &what,
                    "name a clause as `criteria.clause`, e.g. `sql.budget`".into(),
                ));
                continue;
            };
            let held = j.criteria(crit).and_then(|(_, clauses)| {
                clauses
                    .into_iter()
                    .find(|(label, _)| *label == clause)
                    .map(|(_, t)| t)
            });
            match held {
                None => self.out.push(Mismatch::problem(
                    &what,
                    format!("the policy has no clause `{clause}` in criteria `{crit}`"),
                )),
                Some(v) => truth(&what, want, Some(v), &mut self.out),
            }
        }
    }

    fn scores(&mut self, j: &JourneyView<'_>, expect: &Expect) {
        for (name, want) in &expect.scores {
            let what = format!("scores.{name}");
            let Some(actual) = j.score(name).map(|x| x.value()) else {
                self.out.push(Mismatch::problem(
                    &what,
                    format!("the policy has no score `{name}`"),
                ));
                continue;
            };
            match want {
                ScoreExpect::Exactly(x) => {
                    if (x - actual).abs() > 0.005 {
                        self.out.push(Mismatch::differ(what, num(*x), num(actual)));
                    }
                }
                ScoreExpect::Range([lo, hi]) => {
                    if actual < *lo || actual > *hi {
                        self.out.push(Mismatch::differ(
                            what,
                            format!("{} to {}", num(*lo), num(*hi)),
                            num(actual),
                        ));
                    }
                }
            }
        }
    }

    fn slas(&mut self, j: &JourneyView<'_>, expect: &Expect) {
        for (name, want) in &expect.slas {
            let what = format!("slas.{name}");
            if !self.ir.slas.iter().any(|s| s.name == *name) {
                self.out.push(Mismatch::problem(
                    &what,
                    format!("the policy has no SLA `{name}`"),
                ));
                continue;
            }
            let all = j.slas();
            let instances: Vec<&SlaJson> = all.iter().filter(|s| s.sla == name.as_str()).collect();
            let status = |s: &SlaJson| s.status.as_str().to_string();
            let last = instances.last().copied();
            let last_status = last.map_or_else(|| "not started".to_string(), status);
            match want {
                SlaExpect::Status(s) => {
                    if *s != last_status {
                        self.out.push(Mismatch::differ(what, s, last_status));
                    }
                }
                SlaExpect::Every(all) => {
                    let actual: Vec<String> = instances.iter().map(|s| status(s)).collect();
                    if *all != actual {
                        self.out.push(Mismatch::differ(
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
                        self.out.push(Mismatch::differ(
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
                        match self.instant(v) {
                            Err(e) => self
                                .out
                                .push(Mismatch::problem(&format!("{what}.{field}"), e.to_string())),
                            Ok(i) => {
                                let want = crate::data::time::format_instant(i);
                                if want != actual {
                                    self.out.push(Mismatch::differ(
                                        format!("{what}.{field}"),
                                        want,
                                        actual,
                                    ));
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    fn roles(&mut self, j: &JourneyView<'_>, expect: &Expect) {
        for (role, want) in &expect.roles {
            let what = format!("roles.{role}");
            let actual: Option<Vec<String>> = j.role(role).map(<[String]>::to_vec);
            match actual {
                None => self.out.push(Mismatch::problem(
                    &what,
                    format!("the policy has no buying-group role `{role}`"),
                )),
                Some(mut a) => {
                    let mut w = want.clone();
                    a.sort();
                    w.sort();
                    if a != w {
                        self.out.push(Mismatch::differ(what, list(&w), list(&a)));
                    }
                }
            }
        }
    }

    fn account_stage(&mut self, ev: &Evaluation, j: &JourneyView<'_>, expect: &Expect) {
        if let Some(s) = &expect.account_stage
            && self.stage_known(Entity::Account, s, "account_stage")
        {
            let actual = j
                .journey()
                .account
                .as_ref()
                .and_then(|a| ev.accounts.iter().find(|x| &x.account == a))
                .map(|a| self.ir.stage_name(a.stage).to_string());
            if actual.as_deref() != Some(s) {
                self.out.push(Mismatch::differ(
                    "account_stage",
                    s,
                    actual.unwrap_or_else(|| {
                        "no account journey (give the case an `account`)".into()
                    }),
                ));
            }
        }
    }
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
