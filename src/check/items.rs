//! Pass 2: the body of every definition, resolved against pass 1's names.

use std::collections::HashMap;

use super::error::CheckError;
use super::expr::{Ctx, Place, parse_number};
use super::model::*;
use super::{Checker, DefNode};
use crate::span::Span;
use crate::syntax::ast::{self, Entity, Item, LifecycleStmt};

impl Checker<'_> {
    pub(super) fn resolve(&mut self) {
        let file = self.file;
        for (i, t) in self.touchpoint_asts.clone().into_iter().enumerate() {
            let tp = self.touchpoint(t);
            if let Some(slot) = self.touchpoints.get_mut(i) {
                *slot = tp;
            }
        }
        let scores = ScoreId::all(self.score_asts.len()).zip(self.score_asts.clone());
        for (id, s) in scores {
            let i = id.index();
            let score = self.within(Some(DefNode::Score(id)), |c| c.score(s));
            if let Some(slot) = self.scores.get_mut(i) {
                *slot = Some(score);
            }
        }
        let criteria = CriteriaId::all(self.criteria_asts.len()).zip(self.criteria_asts.clone());
        for (id, c) in criteria {
            let i = id.index();
            let crit = self.within(Some(DefNode::Criteria(id)), |ch| ch.criteria_body(c));
            if let Some(slot) = self.criteria.get_mut(i) {
                *slot = Some(crit);
            }
        }
        for (id, cond) in RoleId::all(self.role_asts.len()).zip(self.role_asts.clone()) {
            let i = id.index();
            let x = self.within(Some(DefNode::Role(id)), |c| {
                c.condition(cond, Ctx::new(Place::Contact))
            });
            if let Some(slot) = self.role_conditions.get_mut(i) {
                *slot = Some(x);
            }
        }
        for item in &file.items {
            if let Item::BuyingGroup(g) = item {
                self.group_body(g);
                break;
            }
        }
        for (entity, l) in self.lifecycle_asts.clone() {
            self.transitions_of(entity, l);
        }
        for (i, s) in self.sla_asts.clone().into_iter().enumerate() {
            let sla = self.sla_body(s);
            if let Some(slot) = self.slas.get_mut(i) {
                *slot = sla;
            }
        }
        for m in MetricId::all(self.metric_asts.len()) {
            self.metric_type(m);
        }
        self.segment_metrics();
        self.links_one_way();
        for item in &file.items {
            if let Item::Incentive(inc) = item {
                if let Some(x) = self.incentive(inc) {
                    self.incentives.push(x);
                }
            }
        }
    }

    fn touchpoint(&mut self, t: &ast::TouchpointDecl) -> Option<Touchpoint> {
        let event = self.event_type(&t.pattern.event);
        let team = self.team(&t.team);
        let event = event?;
        let condition = t.pattern.condition.as_ref().map(|c| {
            self.condition(
                c,
                Ctx {
                    event: Some(event),
                    ..Ctx::new(Place::Contact)
                },
            )
        });
        Some(Touchpoint {
            name: t.name.name.clone(),
            event,
            condition,
            team: team?,
            span: t.name.span,
        })
    }

    fn once(
        &mut self,
        seen: &mut HashMap<&'static str, Span>,
        key: &'static str,
        span: Span,
    ) -> bool {
        if let Some(first) = seen.get(key) {
            self.diag(CheckError::Repeated {
                what: format!("`{key}`"),
                span,
                first: *first,
            });
            return false;
        }
        seen.insert(key, span);
        true
    }

    fn points(&mut self, n: &ast::NumberLit) -> f64 {
        match parse_number(n.raw.trim_end_matches('%')) {
            Some(v) if n.raw.ends_with('%') => v / 100.0,
            Some(v) => v,
            None => {
                self.diag(CheckError::InvalidValue {
                    what: "number",
                    value: n.raw.clone(),
                    span: n.span,
                    reason: "too large to use".into(),
                    help: None,
                });
                0.0
            }
        }
    }

    fn score(&mut self, s: &ast::ScoreDecl) -> Score {
        let mut seen = HashMap::new();
        let (entity, place) = if s.for_account {
            (Entity::Account, Place::Account)
        } else {
            (Entity::Contact, Place::Contact)
        };
        let mut score = Score {
            name: s.name.name.clone(),
            description: s.description.as_ref().map(|d| d.value.clone()),
            entity,
            owner: None,
            half_life: None,
            range: None,
            rules: Vec::new(),
            span: s.name.span,
        };
        let ctx = Ctx::new(place);
        for stmt in &s.stmts {
            match &stmt.kind {
                ast::ScoreStmtKind::Owner(t) => {
                    if self.once(&mut seen, "owner", stmt.span) {
                        score.owner = self.team(t);
                    }
                }
                ast::ScoreStmtKind::Decay(d) => {
                    if self.once(&mut seen, "decay", stmt.span) {
                        score.half_life = self.duration_expr(d, false);
                    }
                }
                ast::ScoreStmtKind::Range(lo, hi) => {
                    if self.once(&mut seen, "range", stmt.span) {
                        let (l, h) = (self.points(lo), self.points(hi));
                        if l >= h {
                            self.diag(CheckError::InvalidValue {
                                what: "range",
                                value: format!("{}..{}", lo.raw, hi.raw),
                                span: lo.span.to(hi.span),
                                reason: "the lower end must be below the upper end".into(),
                                help: Some("write e.g. `range 0..100`".into()),
                            });
                        } else {
                            score.range = Some((l, h));
                        }
                    }
                }
                ast::ScoreStmtKind::Each {
                    pattern,
                    points,
                    max,
                } => {
                    let p = self.pattern(&pattern.event, pattern.condition.as_ref(), ctx);
                    let pts = self.points(points);
                    let cap = max.as_ref().map(|m| (self.points(m), m.span));
                    if let Some((c, span)) = cap
                        && c <= 0.0
                    {
                        self.diag(CheckError::InvalidValue {
                            what: "cap",
                            value: format!("max {c}"),
                            span,
                            reason: "a cap must be above zero".into(),
                            help: Some(
                                "`max` limits how many points this rule can add in total".into(),
                            ),
                        });
                    }
                    if let Some(pattern) = p {
                        score.rules.push(ScoreRule::Each {
                            pattern,
                            points: pts,
                            max: cap.map(|(c, _)| c),
                            span: stmt.span,
                        });
                    }
                }
                ast::ScoreStmtKind::When { condition, points } => {
                    let c = self.condition(condition, ctx);
                    let pts = self.points(points);
                    score.rules.push(ScoreRule::When {
                        condition: c,
                        points: pts,
                        span: stmt.span,
                    });
                }
            }
        }
        score
    }

    fn criteria_body(&mut self, c: &ast::CriteriaDecl) -> Criteria {
        let mut seen = HashMap::new();
        let mut clauses: Vec<Clause> = Vec::new();
        let mut owner = None;
        let mut require: Option<(&ast::Require, Span)> = None;
        for stmt in &c.stmts {
            match &stmt.kind {
                ast::CriteriaStmtKind::Owner(t) => {
                    if self.once(&mut seen, "owner", stmt.span) {
                        owner = self.team(t);
                    }
                }
                ast::CriteriaStmtKind::Clause { label, condition } => {
                    if let Some(first) = clauses.iter().find(|x| x.label == label.name) {
                        let first = first.span;
                        self.duplicate("clause", label, first);
                        continue;
                    }
                    let place = if c.for_deal {
                        Place::Deal
                    } else {
                        Place::Contact
                    };
                    let x = self.condition(condition, Ctx::new(place));
                    clauses.push(Clause {
                        label: label.name.clone(),
                        condition: x,
                        span: label.span,
                    });
                }
                ast::CriteriaStmtKind::Require(r) => {
                    if self.once(&mut seen, "require", stmt.span) {
                        require = Some((r, stmt.span));
                    }
                }
            }
        }
        if clauses.is_empty() {
            self.diag(CheckError::Missing {
                item: format!("criteria `{}`", c.name.name),
                what: "a clause".into(),
                span: c.name.span,
                help: Some("add named conditions, e.g. `fit: fit >= 30`".into()),
            });
        }
        let labels: Vec<String> = clauses.iter().map(|x| x.label.clone()).collect();
        let require = match require {
            None | Some((ast::Require::All, _)) => Requirement::All,
            Some((ast::Require::Any, _)) => Requirement::Any,
            Some((ast::Require::NOfM(n, m), span)) => {
                let (nv, mv) = (
                    n.raw.replace('_', "").parse::<usize>().ok(),
                    m.raw.replace('_', "").parse::<usize>().ok(),
                );
                match (nv, mv) {
                    (Some(nv), Some(mv)) if mv != clauses.len() => {
                        self.diag(CheckError::BadRequire {
                            problem: format!(
                                "`require {nv} of {mv}` but criteria `{}` has {} clauses",
                                c.name.name,
                                clauses.len()
                            ),
                            span: m.span,
                            label: format!("should be {}", clauses.len()),
                            help: Some(format!("write `require {nv} of {}`", clauses.len())),
                        });
                        Requirement::AtLeast(nv)
                    }
                    (Some(nv), Some(mv)) if nv == 0 || nv > mv => {
                        self.diag(CheckError::BadRequire {
                            problem: format!("`require {nv} of {mv}` can never be met as written"),
                            span: n.span,
                            label: format!("must be between 1 and {mv}"),
                            help: None,
                        });
                        Requirement::AtLeast(nv)
                    }
                    (Some(nv), Some(_)) => Requirement::AtLeast(nv),
                    _ => {
                        self.diag(CheckError::BadRequire {
                            problem: "`require N of M` needs whole numbers".into(),
                            span,
                            label: "here".into(),
                            help: None,
                        });
                        Requirement::All
                    }
                }
            }
            Some((ast::Require::Expr(e), _)) => {
                let ctx = Ctx {
                    clauses: Some(&labels),
                    ..Ctx::new(Place::Require)
                };
                Requirement::Expr(self.condition(e, ctx))
            }
        };
        Criteria {
            name: c.name.name.clone(),
            description: c.description.as_ref().map(|d| d.value.clone()),
            entity: if c.for_deal {
                Entity::Deal
            } else {
                Entity::Contact
            },
            owner,
            clauses,
            require,
            span: c.name.span,
        }
    }

    fn group_body(&mut self, g: &ast::BuyingGroupDecl) {
        let mut engaged_done = false;
        let mut qualified_done = false;
        for s in &g.stmts {
            match &s.kind {
                ast::GroupStmtKind::Engaged(e) if !engaged_done => {
                    engaged_done = true;
                    let x = self.within(Some(DefNode::GroupEngaged), |c| {
                        c.condition(e, Ctx::new(Place::Contact))
                    });
                    self.group_engaged = Some(x);
                }
                ast::GroupStmtKind::Qualified(e) if !qualified_done => {
                    qualified_done = true;
                    let x = self.within(Some(DefNode::GroupQualified), |c| {
                        c.condition(e, Ctx::new(Place::Account))
                    });
                    self.group_qualified = Some(x);
                }
                _ => {}
            }
        }
    }

    fn transitions_of(&mut self, entity: Entity, l: &ast::LifecycleDecl) {
        let place = match entity {
            Entity::Contact => Place::Contact,
            Entity::Account => Place::Account,
            Entity::Deal => Place::Deal,
        };
        let Some(li) = self.lifecycles.iter().position(|x| x.entity == entity) else {
            return;
        };
        let stage_ids: Vec<StageId> = self
            .lifecycles
            .get(li)
            .map(|x| x.stages.clone())
            .unwrap_or_default();
        for stmt in &l.stmts {
            let LifecycleStmt::Transition(t) = stmt else {
                continue;
            };
            let from: Option<Vec<StageId>> = match &t.from {
                Some(name) => self.stage(entity, name).map(|id| vec![id]),
                None => Some(Vec::new()),
            };
            let to = self.stage(entity, &t.to);
            if let (Some(from_ids), Some(name)) = (&from, &t.from) {
                for id in from_ids {
                    if let Some(s) = self.stages.get(id.index()).filter(|s| s.is_final) {
                        let stage_span = s.span;
                        self.diag(CheckError::TransitionFromFinal {
                            stage: name.name.clone(),
                            span: name.span,
                            stage_span,
                        });
                    }
                }
            }
            let mut waits = false;
            let trigger = match &t.trigger.kind {
                ast::TriggerKind::On(p) => self
                    .pattern(&p.event, p.condition.as_ref(), Ctx::new(place))
                    .map(TriggerRule::On),
                ast::TriggerKind::When(e) => {
                    waits = waits_in_stage(e);
                    Some(TriggerRule::When(self.condition(e, Ctx::new(place))))
                }
                ast::TriggerKind::After { duration, unless } => {
                    let d = self.duration_expr(duration, true);
                    let u = unless.as_ref().map(|u| self.condition(u, Ctx::new(place)));
                    d.map(|duration| TriggerRule::After {
                        duration,
                        unless: u,
                    })
                }
            };
            let (Some(mut from), Some(to), Some(trigger)) = (from, to, trigger) else {
                continue;
            };
            let from_any = t.from.is_none();
            if from_any {
                from = stage_ids
                    .iter()
                    .copied()
                    .filter(|s| {
                        *s != to && self.stages.get(s.index()).is_some_and(|st| !st.is_final)
                    })
                    .collect();
            }
            let Some(id) = TransitionId::from_index(self.transitions.len()) else {
                return;
            };
            self.transitions.push(Transition {
                from,
                from_any,
                to,
                trigger,
                label: t.label.as_ref().map(|l| l.value.clone()),
                text: crate::syntax::print::trigger(&t.trigger),
                line: self.lines.line(t.span.start as usize),
                span: t.span,
            });
            self.transition_waits.push(waits);
            if let Some(lc) = self.lifecycles.get_mut(li) {
                lc.transitions.push(id);
            }
        }
    }

    fn sla_body(&mut self, s: &ast::SlaDecl) -> Option<Sla> {
        let mut seen = HashMap::new();
        let mut owner = None;
        let mut starts = None;
        let mut met = None;
        let mut cancelled = Vec::new();
        let mut within = None;
        let mut assignee = None;
        let mut ok = true;
        let (entity, decided) = self.sla_entity(s);
        for stmt in &s.stmts {
            match &stmt.kind {
                ast::SlaStmtKind::Assignee(d) => {
                    if self.once(&mut seen, "assignee", stmt.span) {
                        assignee = self.sla_assignee(d, entity);
                        ok &= assignee.is_some();
                    }
                }
                ast::SlaStmtKind::Owner(t) => {
                    if self.once(&mut seen, "owner", stmt.span) {
                        owner = self.team(t);
                        ok &= owner.is_some();
                    }
                }
                ast::SlaStmtKind::Starts(ts) => {
                    if self.once(&mut seen, "starts", stmt.span) {
                        starts = self.sla_triggers(ts, entity, decided);
                    }
                }
                ast::SlaStmtKind::Met(ts) => {
                    if self.once(&mut seen, "met", stmt.span) {
                        met = self.sla_triggers(ts, entity, decided);
                    }
                }
                ast::SlaStmtKind::Cancelled(ts) => {
                    if self.once(&mut seen, "cancelled", stmt.span) {
                        cancelled = self.sla_triggers(ts, entity, decided).unwrap_or_default();
                    }
                }
                ast::SlaStmtKind::Within(d) => {
                    if self.once(&mut seen, "within", stmt.span) {
                        within = self.duration_expr(d, true);
                        ok &= within.is_some();
                    }
                }
            }
        }
        for (key, missing, example) in [
            (
                "starts",
                !seen.contains_key("starts"),
                "starts on entering mql",
            ),
            ("met", !seen.contains_key("met"), "met on sales_call"),
            ("within", !seen.contains_key("within"), "within 48h"),
        ] {
            if missing {
                self.diag(CheckError::Missing {
                    item: format!("SLA `{}`", s.name.name),
                    what: format!("`{key}`"),
                    span: s.name.span,
                    help: Some(format!("say it, e.g. `{example}`")),
                });
                ok = false;
            }
        }
        if !ok {
            return None;
        }
        Some(Sla {
            name: s.name.name.clone(),
            description: s.description.as_ref().map(|d| d.value.clone()),
            owner: owner.unwrap_or(SHARED_TEAM),
            starts: starts?,
            met: met?,
            cancelled,
            within: within?,
            assignee: assignee.or_else(|| self.default_assignee(entity)),
            entity,
            span: s.name.span,
        })
    }

    fn sla_triggers(
        &mut self,
        ts: &[ast::SlaTrigger],
        entity: Entity,
        decided: bool,
    ) -> Option<Vec<SlaTrigger>> {
        let place = match entity {
            Entity::Contact => "an SLA on contact stages",
            Entity::Account => "an SLA on account stages",
            Entity::Deal => "an SLA on deal stages",
        };
        let event_place = if entity == Entity::Deal {
            Place::Deal
        } else {
            Place::Contact
        };
        // No stage decides whose SLA it is: a name both lifecycles have
        // is ambiguous (E014).
        let want = decided.then_some((entity, place));
        let mut out = Vec::new();
        let mut ok = true;
        for t in ts {
            let x = match &t.kind {
                ast::SlaTriggerKind::Entering(s) => {
                    self.stage_ref(s, want).map(SlaTrigger::Entering)
                }
                ast::SlaTriggerKind::Leaving(s) => self.stage_ref(s, want).map(SlaTrigger::Leaving),
                ast::SlaTriggerKind::Event(p) => self
                    .pattern(&p.event, p.condition.as_ref(), Ctx::new(event_place))
                    .map(SlaTrigger::Event),
            };
            match x {
                Some(x) => out.push(x),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn incentive(&mut self, inc: &ast::IncentiveDecl) -> Option<Incentive> {
        let mut seen = HashMap::new();
        let mut teams = Vec::new();
        let mut period = None;
        let mut target = None;
        let mut payout = None;
        let mut split = false;
        let mut per = None;
        let mut lag_months = 0;
        let ctx = Ctx::new(Place::Metric);
        for stmt in &inc.stmts {
            match &stmt.kind {
                ast::IncentiveStmtKind::Teams(ts) => {
                    if self.once(&mut seen, "teams", stmt.span) {
                        for t in ts {
                            if let Some(id) = self.team(t) {
                                teams.push(id);
                            }
                        }
                    }
                }
                ast::IncentiveStmtKind::Period(p) => {
                    if self.once(&mut seen, "period", stmt.span) {
                        period = match p.name.as_str() {
                            "month" => Some(Period::Month),
                            "quarter" => Some(Period::Quarter),
                            "year" => Some(Period::Year),
                            other => {
                                let help =
                                    crate::names::closest(other, ["month", "quarter", "year"])
                                        .map(|c| format!("did you mean `{c}`?"))
                                        .or_else(|| {
                                            Some(
                                        "periods are `month`, `quarter` and `year` (fiscal)".into(),
                                    )
                                        });
                                self.diag(CheckError::InvalidValue {
                                    what: "period",
                                    value: other.to_string(),
                                    span: p.span,
                                    reason: "not a period".into(),
                                    help,
                                });
                                None
                            }
                        };
                    }
                }
                ast::IncentiveStmtKind::Target(e) => {
                    if self.once(&mut seen, "target", stmt.span) {
                        target = Some(self.condition(e, ctx));
                    }
                }
                ast::IncentiveStmtKind::Payout(e) => {
                    if self.once(&mut seen, "payout", stmt.span) {
                        payout = Some(self.numeric(e, ctx).0);
                    }
                }
                ast::IncentiveStmtKind::Split => {
                    if self.once(&mut seen, "split", stmt.span) {
                        split = true;
                    }
                }
                ast::IncentiveStmtKind::Per(d) => {
                    if self.once(&mut seen, "per", stmt.span) {
                        per = Some((d, stmt.span));
                    }
                }
                ast::IncentiveStmtKind::Lagged { count, unit } => {
                    if self.once(&mut seen, "lagged", stmt.span) {
                        lag_months = self.lag(count, unit).unwrap_or(0);
                    }
                }
            }
        }
        for (key, example) in [
            ("teams", "teams marketing, sales"),
            ("period", "period quarter"),
            ("target", "target win_rate >= 25%"),
            ("payout", "payout 2_000"),
        ] {
            if !seen.contains_key(key) {
                self.diag(CheckError::Missing {
                    item: format!("incentive `{}`", inc.name.name),
                    what: format!("`{key}`"),
                    span: inc.name.span,
                    help: Some(format!("say it, e.g. `{example}`")),
                });
            }
        }
        let (target, payout) = (target?, payout?);
        let per = match per {
            Some((d, span)) => {
                if split {
                    self.diag(CheckError::Segments {
                        problem: format!(
                            "incentive `{}` is paid both `per {}` and `split` between teams",
                            inc.name.name,
                            d.text()
                        ),
                        span,
                        label: "paid per value".into(),
                        help: Some(format!(
                            "`per {}` pays each value its own payout; `split` divides one payout between the teams: keep one",
                            d.text()
                        )),
                    });
                    return None;
                }
                Some(self.incentive_per(&inc.name.name, d, &[&target, &payout])?)
            }
            None => None,
        };
        Some(Incentive {
            name: inc.name.name.clone(),
            description: inc.description.as_ref().map(|d| d.value.clone()),
            teams,
            period: period?,
            target,
            payout,
            split,
            per,
            lag_months,
            span: inc.name.span,
        })
    }

    /// `lagged N month|quarter|year` in months.
    fn lag(&mut self, count: &ast::NumberLit, unit: &ast::Ident) -> Option<u32> {
        let months = match unit.name.trim_end_matches('s') {
            "month" => 1,
            "quarter" => 3,
            "year" => 12,
            other => {
                let help = crate::names::closest(other, ["month", "quarter", "year"])
                    .map(|c| format!("did you mean `{c}`?"))
                    .or_else(|| Some("write e.g. `lagged 1 quarter`".into()));
                self.diag(CheckError::InvalidValue {
                    what: "lag",
                    value: unit.name.clone(),
                    span: unit.span,
                    reason: "not a month, quarter or year".into(),
                    help,
                });
                return None;
            }
        };
        match count.raw.replace('_', "").parse::<u32>() {
            Ok(n) if n <= 40 => Some(n * months),
            _ => {
                self.diag(CheckError::InvalidValue {
                    what: "lag",
                    value: count.raw.clone(),
                    span: count.span,
                    reason: "not a whole number of periods up to 40".into(),
                    help: Some("write e.g. `lagged 1 quarter`".into()),
                });
                None
            }
        }
    }
}

/// Does this `when` condition wait on `time_in_stage >= D` (D > 0) in
/// every case, i.e. as a conjunct? Such a transition cannot fire twice at
/// one instant, so a loop through it cannot spin.
fn waits_in_stage(e: &ast::Expr) -> bool {
    use ast::{BinOp, ExprKind};
    match &e.kind {
        ExprKind::Paren(inner) => waits_in_stage(inner),
        ExprKind::Binary {
            op: BinOp::And,
            lhs,
            rhs,
        } => waits_in_stage(lhs) || waits_in_stage(rhs),
        ExprKind::Binary {
            op: op @ (BinOp::Ge | BinOp::Gt | BinOp::Le | BinOp::Lt),
            lhs,
            rhs,
        } => {
            let is_tis =
                |x: &ast::Expr| matches!(&x.kind, ExprKind::Name(n) if n.name == "time_in_stage");
            let positive = |x: &ast::Expr| match &x.kind {
                ExprKind::Literal(ast::Literal::Quantity { number, .. })
                | ExprKind::Literal(ast::Literal::BusinessDuration { number, .. }) => {
                    parse_number(number).is_some_and(|n| n > 0.0)
                }
                _ => false,
            };
            match op {
                BinOp::Ge | BinOp::Gt => is_tis(lhs) && positive(rhs),
                _ => is_tis(rhs) && positive(lhs),
            }
        }
        _ => false,
    }
}
