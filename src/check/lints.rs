//! Pass 3: whole-policy checks that need every definition resolved.

use petgraph::algo::tarjan_scc;
use petgraph::graph::DiGraph;
use std::collections::HashMap;

use super::error::CheckError;
use super::model::*;
use super::{Checker, DefNode};
use crate::span::Span;

/// The lowest and highest value a score can take, from its rules alone.
pub fn score_bounds(score: &Score) -> (f64, f64) {
    let mut lo = 0.0f64;
    let mut hi = 0.0f64;
    for r in &score.rules {
        match r {
            ScoreRule::Each { points, max, .. } => {
                if *points > 0.0 {
                    hi += max.unwrap_or(f64::INFINITY);
                } else if *points < 0.0 {
                    lo -= max.unwrap_or(f64::INFINITY);
                }
            }
            ScoreRule::When { points, .. } => {
                if *points > 0.0 {
                    hi += points;
                } else {
                    lo += points;
                }
            }
        }
    }
    if let Some((rlo, rhi)) = score.range {
        lo = lo.max(rlo).min(rhi);
        hi = hi.min(rhi).max(rlo);
    }
    (lo, hi)
}

fn fmt_num(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

impl Checker<'_> {
    pub(super) fn lint(&mut self) {
        self.lint_lifecycles();
        self.lint_cycles();
        self.lint_unused();
        self.lint_ranges();
        self.lint_untimed();
        self.lint_scales();
    }

    fn def_name(&self, n: DefNode) -> (&'static str, String, Span) {
        match n {
            DefNode::Score(s) => (
                "score",
                self.score_asts
                    .get(s.index())
                    .map(|x| x.name.name.clone())
                    .unwrap_or_default(),
                self.score_asts
                    .get(s.index())
                    .map(|x| x.name.span)
                    .unwrap_or_default(),
            ),
            DefNode::Criteria(c) => (
                "criteria",
                self.criteria_asts
                    .get(c.index())
                    .map(|x| x.name.name.clone())
                    .unwrap_or_default(),
                self.criteria_asts
                    .get(c.index())
                    .map(|x| x.name.span)
                    .unwrap_or_default(),
            ),
            DefNode::Metric(m) => (
                "metric",
                self.metric_asts
                    .get(m.index())
                    .map(|x| x.name.name.clone())
                    .unwrap_or_default(),
                self.metric_asts
                    .get(m.index())
                    .map(|x| x.name.span)
                    .unwrap_or_default(),
            ),
            DefNode::Role(r) => (
                "role",
                self.roles
                    .get(r.index())
                    .map(|x| x.name.clone())
                    .unwrap_or_default(),
                self.roles
                    .get(r.index())
                    .map(|x| x.span)
                    .unwrap_or_default(),
            ),
            DefNode::GroupEngaged => (
                "buying-group fact",
                "engaged".into(),
                self.group_engaged_span.unwrap_or_default(),
            ),
            DefNode::GroupQualified => (
                "buying-group fact",
                "qualified".into(),
                self.group_qualified_span.unwrap_or_default(),
            ),
        }
    }

    /// Definitions that use themselves, directly or through others.
    fn lint_cycles(&mut self) {
        let mut graph = DiGraph::<DefNode, ()>::new();
        let mut index = HashMap::new();
        let mut node = |g: &mut DiGraph<DefNode, ()>, n: DefNode| {
            *index.entry(n).or_insert_with(|| g.add_node(n))
        };
        for (a, b) in self.uses.clone() {
            let (na, nb) = (node(&mut graph, a), node(&mut graph, b));
            graph.add_edge(na, nb, ());
        }
        let mut loops: Vec<Vec<DefNode>> = tarjan_scc(&graph)
            .into_iter()
            .filter(|scc| scc.len() > 1 || scc.first().is_some_and(|n| graph.contains_edge(*n, *n)))
            .map(|scc| {
                let mut nodes: Vec<DefNode> = scc
                    .iter()
                    .filter_map(|n| graph.node_weight(*n).copied())
                    .collect();
                nodes.sort_by_key(|n| self.def_name(*n).2.start);
                nodes
            })
            .collect();
        loops.sort_by_key(|l| l.first().map(|n| self.def_name(*n).2.start));
        for nodes in loops {
            let Some(first) = nodes.first().copied() else {
                continue;
            };
            let (kind, name, span) = self.def_name(first);
            let mut chain: Vec<String> = nodes
                .iter()
                .map(|n| format!("`{}`", self.def_name(*n).1))
                .collect();
            chain.push(format!("`{name}`"));
            self.diag(CheckError::Circular {
                kind,
                name,
                cycle: chain.join(" uses "),
                span,
            });
        }
    }

    fn lint_unused(&mut self) {
        let mut unused = Vec::new();
        unused.extend(ScoreId::all(self.score_asts.len()).map(DefNode::Score));
        unused.extend(CriteriaId::all(self.criteria_asts.len()).map(DefNode::Criteria));
        unused.extend(RoleId::all(self.roles.len()).map(DefNode::Role));
        for n in unused {
            if !self.used.contains(&n) {
                let (kind, name, span) = self.def_name(n);
                self.diag(CheckError::Unused { kind, name, span });
            }
        }
    }

    /// "`fit` is at most 45, so `fit >= 50` is never true."
    fn lint_ranges(&mut self) {
        let bounds: Vec<Option<(f64, f64)>> = self
            .scores
            .iter()
            .map(|s| s.as_ref().map(score_bounds))
            .collect();
        for t in self.thresholds.clone() {
            let (name, (lo, hi)) = match t.subject {
                super::Subject::Score(s) => {
                    let Some(b) = bounds.get(s.index()).copied().flatten() else {
                        continue;
                    };
                    let name = self
                        .score_asts
                        .get(s.index())
                        .map(|x| format!("`{}`", x.name.name))
                        .unwrap_or_default();
                    (name, b)
                }
                super::Subject::NonNegative(what) => (what.to_string(), (0.0, f64::INFINITY)),
            };
            let v = t.value;
            let never = match t.op {
                CmpOp::Ge => v > hi,
                CmpOp::Gt => v >= hi,
                CmpOp::Le => v < lo,
                CmpOp::Lt => v <= lo,
                CmpOp::Eq => v > hi || v < lo,
                CmpOp::Ne => false,
            };
            if !never {
                continue;
            }
            let reason = if matches!(t.op, CmpOp::Ge | CmpOp::Gt) || (t.op == CmpOp::Eq && v > hi) {
                format!("{name} is at most {}", fmt_num(hi))
            } else {
                format!("{name} is at least {}", fmt_num(lo))
            };
            let help = match t.subject {
                super::Subject::Score(_) => format!(
                    "the rules of score {name} add up to between {} and {}: lower the threshold or give the score more points",
                    fmt_num(lo),
                    fmt_num(hi)
                ),
                super::Subject::NonNegative(_) => {
                    format!("{name} is never negative: check the comparison")
                }
            };
            self.diag(CheckError::NeverTrue {
                what: "this condition".into(),
                span: t.span,
                reason,
                help: Some(help),
            });
        }
    }

    /// E026: what time alone changes (`time_in_stage`, `days_since`, a
    /// decaying score), read in a condition where the replay can place no
    /// timer at the instant it changes the outcome: in a calculation, or
    /// compared with something that itself changes with time. Such a move
    /// would wait for the next event, so the policy is refused instead.
    fn lint_untimed(&mut self) {
        let decays = |s: ScoreId| {
            self.scores
                .get(s.index())
                .and_then(Option::as_ref)
                .is_some_and(|x| x.half_life.is_some())
        };
        let mut found = Vec::new();
        let mut said = std::collections::HashSet::new();
        for u in &self.untimed {
            if u.compared && u.expr.timed_leaf(decays).is_some() {
                continue;
            }
            let read = if u.compared {
                u.expr
                    .children()
                    .into_iter()
                    .find_map(|x| x.time_read(decays))
            } else {
                u.expr.time_read(decays)
            };
            if let Some(read) = read
                && said.insert(u.span)
            {
                found.push((read, u.compared, u.span));
            }
        }
        for (read, compared, span) in found {
            let (what, example) = match read {
                TimeRead::TimeInStage => (
                    "`time_in_stage`".to_string(),
                    "`time_in_stage >= 30d` or `time_in_stage >= contact.expected_cycle`"
                        .to_string(),
                ),
                TimeRead::DaysSince(event) => {
                    let name = match event {
                        EventRef::Event(e) => self.events.get(e.index()).map(|x| x.name.clone()),
                        EventRef::Touchpoint(t) => self
                            .touchpoints
                            .get(t.index())
                            .and_then(Option::as_ref)
                            .map(|x| x.name.clone()),
                    }
                    .unwrap_or_default();
                    (
                        format!("`days_since({name})`"),
                        format!(
                            "`days_since({name}) >= 9` rather than `days_since({name}) * 2 >= 18`"
                        ),
                    )
                }
                TimeRead::Score(s) => {
                    let name = self
                        .score_asts
                        .get(s.index())
                        .map_or(String::new(), |x| x.name.name.clone());
                    (
                        format!("the decaying score `{name}`"),
                        format!("`{name} >= 40 - fit` rather than `{name} + fit >= 40`"),
                    )
                }
            };
            let label = if compared {
                "compared with something that also changes as time passes"
            } else {
                "used in a calculation"
            };
            self.diag(CheckError::Untimed {
                what,
                span,
                label: label.to_string(),
                help: format!(
                    "the replay can time a change only when this stands alone on one side of a comparison, with constants, fields or scores that do not decay on the other: write e.g. {example}"
                ),
            });
        }
    }

    /// W008: `fit >= 50%` reads as 0.5 points; W009: `mql_to_sql >= 35`
    /// can never hold, a rate being at most 1.
    fn lint_scales(&mut self) {
        for scale in std::mem::take(&mut self.scales) {
            match scale {
                super::Scale::PercentOfScore {
                    score,
                    written,
                    span,
                } => {
                    let Some((lo, hi)) = self
                        .scores
                        .get(score.index())
                        .and_then(Option::as_ref)
                        .map(|s| s.range.unwrap_or_else(|| score_bounds(s)))
                    else {
                        continue;
                    };
                    if lo >= 0.0 && hi <= 1.0 {
                        continue;
                    }
                    let name = self
                        .score_asts
                        .get(score.index())
                        .map_or(String::new(), |x| x.name.name.clone());
                    let points = written.trim_end_matches('%').to_string();
                    let fraction = super::expr::parse_number(&points)
                        .map_or_else(String::new, |n| fmt_num(n / 100.0));
                    self.diag(CheckError::PercentOfScore {
                        written,
                        fraction,
                        score: name,
                        range: format!("{} to {}", fmt_num(lo), fmt_num(hi)),
                        points,
                        span,
                    });
                }
                super::Scale::WholeAgainstRate {
                    rate,
                    written,
                    span,
                } => {
                    let metrics = &self.metrics;
                    let definition = |m: MetricId| {
                        metrics
                            .get(m.index())
                            .and_then(Option::as_ref)
                            .map(|d| &d.expr)
                    };
                    if !is_rate(&rate, &definition) {
                        continue;
                    }
                    self.diag(CheckError::WholeAgainstRate { written, span });
                }
            }
        }
    }
}
