//! Which transitions fired, which clauses held and which SLAs ran, over
//! the policy tests or over real records: what nobody has exercised is
//! either untested or dead.

use std::collections::BTreeMap;

use crate::compile::Policy;
use crate::eval::Evaluation;

#[derive(Debug, Clone, Default)]
pub struct Coverage {
    /// Times each transition fired, by transition index.
    pub transitions: Vec<usize>,
    /// Journeys in which each clause held, at the end of the replay or
    /// when a `when` move fired, by criteria then clause.
    pub clauses: Vec<Vec<usize>>,
    /// Instances of each SLA by status, by SLA index.
    pub slas: Vec<BTreeMap<String, usize>>,
}

/// The summary of one aspect: how many of how many, and the ones missed.
#[derive(Debug, Clone, PartialEq)]
pub struct Gaps {
    pub covered: usize,
    pub total: usize,
    pub missed: Vec<String>,
}

impl Coverage {
    pub fn new(policy: &Policy) -> Coverage {
        let m = policy.ir();
        Coverage {
            transitions: vec![0; m.transitions.len()],
            clauses: m
                .criteria
                .iter()
                .map(|c| vec![0; c.clauses.len()])
                .collect(),
            slas: vec![BTreeMap::new(); m.slas.len()],
        }
    }

    pub fn add(&mut self, policy: &Policy, ev: &Evaluation) {
        let m = policy.ir();
        let fired = ev
            .journeys
            .iter()
            .chain(&ev.deals)
            .flat_map(|j| j.fired.iter())
            .chain(ev.accounts.iter().flat_map(|a| a.fired.iter()));
        for t in fired {
            if let Some(n) = self.transitions.get_mut(t.index()) {
                *n += 1;
            }
        }
        for j in ev.journeys.iter().chain(&ev.deals) {
            for (id, c) in m.criteria.enumerate() {
                let ci = id.index();
                for k in 0..c.clauses.len() {
                    let held_at_end =
                        j.criteria.get(ci).and_then(|x| x.clauses.get(k)) == Some(&Some(true));
                    let held = held_at_end || j.held_at_moves.contains(&(id, k));
                    if held && let Some(n) = self.clauses.get_mut(ci).and_then(|v| v.get_mut(k)) {
                        *n += 1;
                    }
                }
            }
            self.count_slas(&j.slas);
        }
        // Instances of SLAs on account stages are the accounts' (those on
        // deal stages are the deals', counted above).
        for a in &ev.accounts {
            self.count_slas(&a.slas);
        }
    }

    fn count_slas(&mut self, slas: &[crate::eval::parts::SlaState]) {
        for s in slas {
            let status = s.status.as_str();
            if let Some(map) = self.slas.get_mut(s.instance.sla.index()) {
                *map.entry(status.to_string()).or_default() += 1;
            }
        }
    }

    pub fn transitions(&self, policy: &Policy) -> Gaps {
        let m = policy.ir();
        let mut missed = Vec::new();
        for (t, n) in m.transitions.iter().zip(&self.transitions) {
            if *n == 0 {
                let from = if t.from_any {
                    "any".to_string()
                } else {
                    t.from
                        .iter()
                        .map(|s| m.stages[*s].name.clone())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let to = m.stages[t.to].name.as_str();
                missed.push(format!("{from} -> {to} {} (line {})", t.text, t.line));
            }
        }
        Gaps {
            covered: self.transitions.iter().filter(|n| **n > 0).count(),
            total: self.transitions.len(),
            missed,
        }
    }

    pub fn clauses(&self, policy: &Policy) -> Gaps {
        let m = policy.ir();
        let mut missed = Vec::new();
        let mut covered = 0;
        let mut total = 0;
        for (c, counts) in m.criteria.iter().zip(&self.clauses) {
            for (clause, n) in c.clauses.iter().zip(counts) {
                total += 1;
                if *n > 0 {
                    covered += 1;
                } else {
                    missed.push(format!("{}.{}", c.name, clause.label));
                }
            }
        }
        Gaps {
            covered,
            total,
            missed,
        }
    }

    /// SLAs never started, and those never seen both met and breached
    /// (or overdue).
    pub fn slas(&self, policy: &Policy) -> Gaps {
        let m = policy.ir();
        let mut missed = Vec::new();
        let mut covered = 0;
        for (s, statuses) in m.slas.iter().zip(&self.slas) {
            let met = statuses.contains_key("met");
            let late = statuses.contains_key("breached") || statuses.contains_key("overdue");
            match (statuses.is_empty(), met, late) {
                (true, _, _) => missed.push(format!("{} never started", s.name)),
                (false, true, true) => covered += 1,
                (false, false, _) => missed.push(format!("{} never met", s.name)),
                (false, true, false) => missed.push(format!("{} never missed", s.name)),
            }
        }
        Gaps {
            covered,
            total: m.slas.len(),
            missed,
        }
    }
}
