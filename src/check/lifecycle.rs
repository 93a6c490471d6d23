//! Lints over each lifecycle's state machine, on a petgraph graph of its
//! transitions.

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::Dfs;

use super::Checker;
use super::error::CheckError;
use super::model::*;

/// A lifecycle's stages as graph nodes and its transitions as edges (one
/// edge per source stage of an `any ->` line).
pub struct StageGraph {
    pub graph: DiGraph<StageId, TransitionId>,
    pub node_of: Vec<Option<NodeIndex>>,
}

pub fn stage_graph(
    stages: &[Stage],
    lifecycle: &Lifecycle,
    transitions: &[Transition],
) -> StageGraph {
    let mut graph = DiGraph::new();
    let mut node_of = vec![None; stages.len()];
    for s in &lifecycle.stages {
        let n = graph.add_node(*s);
        if let Some(slot) = node_of.get_mut(s.index()) {
            *slot = Some(n);
        }
    }
    for t in &lifecycle.transitions {
        let Some(tr) = transitions.get(t.index()) else {
            continue;
        };
        let to = node_of.get(tr.to.index()).copied().flatten();
        for f in &tr.from {
            if let (Some(from), Some(to)) = (node_of.get(f.index()).copied().flatten(), to) {
                graph.add_edge(from, to, *t);
            }
        }
    }
    StageGraph { graph, node_of }
}

impl Checker<'_> {
    pub(super) fn lint_lifecycles(&mut self) {
        let lifecycles = self.lifecycles.clone();
        for lc in &lifecycles {
            let g = stage_graph(&self.stages, lc, &self.transitions);
            let mut reachable = vec![false; self.stages.len()];
            if let Some(start) = lc
                .initial
                .and_then(|i| g.node_of.get(i.index()).copied().flatten())
            {
                let mut dfs = Dfs::new(&g.graph, start);
                while let Some(n) = dfs.next(&g.graph) {
                    if let Some(s) = g.graph.node_weight(n)
                        && let Some(r) = reachable.get_mut(s.index())
                    {
                        *r = true;
                    }
                }
            }
            for sid in &lc.stages {
                let Some(stage) = self.stages.get(sid.index()).cloned() else {
                    continue;
                };
                let node = g.node_of.get(sid.index()).copied().flatten();
                let has_exit = node.is_some_and(|n| g.graph.neighbors(n).next().is_some());
                if lc.initial.is_some() && !reachable.get(sid.index()).copied().unwrap_or(true) {
                    self.diag(CheckError::UnreachableStage {
                        stage: stage.name.clone(),
                        span: stage.span,
                    });
                }
                if !stage.is_final && !has_exit {
                    self.diag(CheckError::NoWayOut {
                        stage: stage.name.clone(),
                        span: stage.span,
                    });
                }
                if !stage.is_final && stage.owner.is_none() {
                    self.diag(CheckError::NoOwner {
                        stage: stage.name.clone(),
                        span: stage.span,
                    });
                }
            }
            self.lint_instant_cycles(lc, &g);
            self.lint_shadowed(lc);
            self.lint_sla_starts(lc.entity, &reachable);
        }
    }

    /// `when` moves that can follow each other at one instant forever.
    fn lint_instant_cycles(&mut self, lc: &Lifecycle, g: &StageGraph) {
        let mut instant = g.graph.clone();
        instant.retain_edges(|gr, e| {
            gr.edge_weight(e).is_some_and(|t| {
                let is_when = self
                    .transitions
                    .get(t.index())
                    .is_some_and(|tr| matches!(tr.trigger, TriggerRule::When(_)));
                let waits = self
                    .transition_waits
                    .get(t.index())
                    .copied()
                    .unwrap_or(false);
                is_when && !waits
            })
        });
        for scc in tarjan_scc(&instant) {
            let self_loop =
                scc.len() == 1 && scc.first().is_some_and(|n| instant.contains_edge(*n, *n));
            if scc.len() < 2 && !self_loop {
                continue;
            }
            if self.every_loop_excluded(&instant, &scc) {
                continue;
            }
            // The loop's transitions, in written order; report at the first.
            let in_scc = |n: NodeIndex| scc.contains(&n);
            let mut edges: Vec<TransitionId> = instant
                .edge_indices()
                .filter(|e| {
                    instant
                        .edge_endpoints(*e)
                        .is_some_and(|(a, b)| in_scc(a) && in_scc(b))
                })
                .filter_map(|e| instant.edge_weight(e).copied())
                .collect();
            edges.sort();
            edges.dedup();
            let mut names: Vec<(usize, String)> = scc
                .iter()
                .filter_map(|n| instant.node_weight(*n))
                .filter_map(|s| {
                    lc.stages
                        .iter()
                        .position(|x| x == s)
                        .zip(self.stages.get(s.index()).map(|st| st.name.clone()))
                })
                .collect();
            names.sort();
            let mut cycle: Vec<String> = names.into_iter().map(|(_, n)| format!("`{n}`")).collect();
            if let Some(first) = cycle.first().cloned() {
                cycle.push(first);
            }
            if let Some(t) = edges.first().and_then(|t| self.transitions.get(t.index())) {
                let span = t.span;
                self.diag(CheckError::InstantCycle {
                    cycle: cycle.join(" -> "),
                    span,
                });
            }
        }
    }

    /// Whether every loop of `when` moves through the stages `scc` has two
    /// moves whose conditions exclude each other (`exclusive.rs`), so none
    /// can repeat at one instant. Loops are enumerated up to a bound;
    /// past it the answer is no, and the loop is reported.
    fn every_loop_excluded(
        &self,
        g: &petgraph::Graph<StageId, TransitionId>,
        scc: &[NodeIndex],
    ) -> bool {
        const MOST: usize = 10_000;
        let condition = |t: TransitionId| match self.transitions.get(t.index()).map(|x| &x.trigger)
        {
            Some(TriggerRule::When(c)) => Some(c),
            _ => None,
        };
        let excluded = |cycle: &[TransitionId]| {
            cycle.iter().enumerate().any(|(i, a)| {
                cycle
                    .iter()
                    .skip(i + 1)
                    .any(|b| match (condition(*a), condition(*b)) {
                        (Some(x), Some(y)) => super::exclusive::exclude(x, y),
                        _ => false,
                    })
            })
        };
        let mut seen = 0usize;
        // Each simple loop once: from its lowest stage, through higher ones.
        for &start in scc {
            let mut stack: Vec<(NodeIndex, Vec<TransitionId>, Vec<NodeIndex>)> =
                vec![(start, Vec::new(), vec![start])];
            while let Some((at, path, nodes)) = stack.pop() {
                for e in g.edges(at) {
                    use petgraph::visit::EdgeRef;
                    let next = e.target();
                    if !scc.contains(&next) || next < start {
                        continue;
                    }
                    let mut p = path.clone();
                    p.push(*e.weight());
                    if next == start {
                        seen += 1;
                        if seen > MOST || !excluded(&p) {
                            return false;
                        }
                    } else if !nodes.contains(&next) {
                        let mut n = nodes.clone();
                        n.push(next);
                        stack.push((next, p, n));
                    }
                }
            }
        }
        true
    }

    /// A transition after one with the same trigger that always wins.
    fn lint_shadowed(&mut self, lc: &Lifecycle) {
        let ast_triggers = self.transition_triggers();
        for (i, a) in lc.transitions.iter().enumerate() {
            for b in lc.transitions.iter().skip(i + 1) {
                let (Some(ta), Some(tb)) = (
                    self.transitions.get(a.index()),
                    self.transitions.get(b.index()),
                ) else {
                    continue;
                };
                // Only a stage both leave can show the shadowing.
                if !tb.from.iter().all(|s| ta.from.contains(s)) || tb.from.is_empty() {
                    continue;
                }
                let (Some(xa), Some(xb)) =
                    (ast_triggers.get(a.index()), ast_triggers.get(b.index()))
                else {
                    continue;
                };
                if always_wins(xa, xb) {
                    let (span, earlier) = (tb.span, ta.span);
                    self.diag(CheckError::Shadowed { span, earlier });
                    break;
                }
            }
        }
    }

    fn transition_triggers(&self) -> Vec<crate::syntax::ast::TriggerKind> {
        use crate::syntax::ast::{Item, LifecycleStmt};
        // Transitions were numbered in this same order while resolving;
        // ones that failed to resolve were skipped there, so match by span.
        let mut by_span = Vec::new();
        for item in &self.file.items {
            if let Item::Lifecycle(l) = item {
                for s in &l.stmts {
                    if let LifecycleStmt::Transition(t) = s {
                        by_span.push((t.span.start, t.trigger.kind.clone()));
                    }
                }
            }
        }
        self.transitions
            .iter()
            .filter_map(|t| {
                by_span
                    .iter()
                    .find(|(s, _)| *s == t.span.start)
                    .map(|(_, k)| k.clone())
            })
            .collect()
    }

    /// The SLAs on this lifecycle's stages that start on a stage no path
    /// reaches.
    fn lint_sla_starts(&mut self, entity: crate::syntax::ast::Entity, reachable: &[bool]) {
        let slas: Vec<Sla> = self
            .slas
            .iter()
            .flatten()
            .filter(|s| s.entity == entity)
            .cloned()
            .collect();
        for sla in slas {
            for st in &sla.starts {
                if let SlaTrigger::Entering(s) = st
                    && !reachable.get(s.index()).copied().unwrap_or(true)
                {
                    let stage = self
                        .stages
                        .get(s.index())
                        .map(|x| x.name.clone())
                        .unwrap_or_default();
                    self.diag(CheckError::SlaNeverStarts {
                        sla: sla.name.clone(),
                        stage,
                        span: sla.span,
                    });
                }
            }
        }
    }
}

/// Does trigger `a`, tried first, fire whenever `b` would?
fn always_wins(a: &crate::syntax::ast::TriggerKind, b: &crate::syntax::ast::TriggerKind) -> bool {
    use crate::syntax::ast::TriggerKind::*;
    match (a, b) {
        (On(pa), On(pb)) => {
            pa.event.name == pb.event.name
                && (pa.condition.is_none() || pa.condition == pb.condition)
        }
        (When(ca), When(cb)) => ca == cb,
        (
            After {
                duration: da,
                unless: None,
            },
            After { duration: db, .. },
        ) => match (&da.kind, &db.kind) {
            (
                crate::syntax::ast::ExprKind::Literal(la),
                crate::syntax::ast::ExprKind::Literal(lb),
            ) => match (duration_key(la), duration_key(lb)) {
                (Some((ua, na)), Some((ub, nb))) => ua == ub && na <= nb,
                _ => false,
            },
            _ => false,
        },
        _ => false,
    }
}

/// (unit kind, length in that kind's smallest unit) for comparing durations.
fn duration_key(l: &crate::syntax::ast::Literal) -> Option<(u8, f64)> {
    use crate::syntax::ast::{BusinessUnit, Literal};
    let n = |s: &str| super::expr::parse_number(s);
    match l {
        Literal::Quantity { number, unit } => {
            let v = n(number)?;
            match unit.as_str() {
                "m" => Some((0, v)),
                "h" => Some((0, v * 60.0)),
                "d" => Some((1, v)),
                "w" => Some((1, v * 7.0)),
                _ => None,
            }
        }
        Literal::BusinessDuration { number, unit, .. } => {
            let v = n(number)?;
            Some(match unit {
                BusinessUnit::Hours => (2, v),
                BusinessUnit::Days => (3, v),
            })
        }
        _ => None,
    }
}
