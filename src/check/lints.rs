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
        for i in 0..self.score_asts.len() {
            unused.push(DefNode::Score(ScoreId::from_index(i)));
        }
        for i in 0..self.criteria_asts.len() {
            unused.push(DefNode::Criteria(CriteriaId::from_index(i)));
        }
        for i in 0..self.roles.len() {
            unused.push(DefNode::Role(RoleId::from_index(i)));
        }
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
}
