//! Definitions → IR tables: scores, criteria, roles and the buying group
//! (lowered once, on first read, so each node that reads one knows what
//! it reads), touchpoints, transitions and SLAs.

use super::{Lower, R, Slot, Unlowered};
use crate::check::model as m;
use crate::ir::*;

impl Lower<'_> {
    /// A cycle the checker let through (it refuses them, E040) or an id
    /// of no definition: refused rather than guessed.
    fn circular(&self, what: &str) -> Unlowered {
        Unlowered {
            what: format!("{what} that reads itself"),
            place: "in its own definition",
            span: self.span,
        }
    }

    /// What score `s` reads, lowering it on first read.
    pub(super) fn score(&mut self, s: ScoreId) -> R<Facts> {
        match self.scores.get(s.index()) {
            Some(Slot::Done(x)) => return Ok(x.facts),
            Some(Slot::Todo) => {}
            Some(Slot::Busy) | None => return Err(self.circular("a score")),
        }
        let Some(def) = self.model.scores.get(s.index()) else {
            return Err(self.circular("a score"));
        };
        self.mark(|l| &mut l.scores, s.index());
        let outer = std::mem::replace(&mut self.span, def.span);
        let mut facts = Facts::STEADY;
        let mut rules = Vec::with_capacity(def.rules.len());
        for rule in &def.rules {
            rules.push(match rule {
                m::ScoreRule::Each {
                    pattern,
                    points,
                    max,
                    ..
                } => {
                    let (pattern, read) = self.read_pattern(pattern, false)?;
                    // Points are earned from events: never steady.
                    facts = facts.and(read);
                    ScoreRule::Each {
                        pattern,
                        points: *points,
                        max: *max,
                    }
                }
                m::ScoreRule::When {
                    condition, points, ..
                } => {
                    let condition = self.node(condition)?;
                    facts = facts.and(self.nodes.facts(condition));
                    ScoreRule::When {
                        condition,
                        points: *points,
                    }
                }
            });
        }
        self.span = outer;
        let score = Score {
            name: def.name.clone(),
            description: def.description.clone(),
            entity: def.entity,
            owner: def.owner,
            half_life: def.half_life,
            range: def.range,
            rules,
            facts,
        };
        if let Some(x) = self.scores.get_mut(s.index()) {
            *x = Slot::Done(score);
        }
        Ok(facts)
    }

    /// What criteria `c` reads, lowering it on first read.
    pub(super) fn criteria(&mut self, c: CriteriaId) -> R<Facts> {
        match self.criteria.get(c.index()) {
            Some(Slot::Done(x)) => return Ok(x.facts),
            Some(Slot::Todo) => {}
            Some(Slot::Busy) | None => return Err(self.circular("a criteria")),
        }
        let Some(def) = self.model.criteria.get(c.index()) else {
            return Err(self.circular("a criteria"));
        };
        self.mark(|l| &mut l.criteria, c.index());
        let outer = std::mem::replace(&mut self.span, def.span);
        let mut facts = Facts::STEADY;
        let mut clauses = Vec::with_capacity(def.clauses.len());
        for cl in &def.clauses {
            let condition = self.node(&cl.condition)?;
            facts = facts.and(self.nodes.facts(condition));
            clauses.push(Clause {
                label: cl.label.clone(),
                condition,
            });
        }
        let require = match &def.require {
            m::Requirement::All => Requirement::All,
            m::Requirement::Any => Requirement::Any,
            m::Requirement::AtLeast(n) => Requirement::AtLeast(*n),
            m::Requirement::Expr(x) => {
                let x = self.node(x)?;
                facts = facts.and(self.nodes.facts(x));
                Requirement::Expr(x)
            }
        };
        self.span = outer;
        let crit = Criteria {
            name: def.name.clone(),
            description: def.description.clone(),
            entity: def.entity,
            owner: def.owner,
            clauses,
            require,
            facts,
        };
        if let Some(x) = self.criteria.get_mut(c.index()) {
            *x = Slot::Done(crit);
        }
        Ok(facts)
    }

    /// What role `r`'s condition reads, lowering it on first read.
    pub(super) fn role(&mut self, r: RoleId) -> R<Facts> {
        match self.roles.get(r.index()) {
            Some(Slot::Done(x)) => return Ok(self.nodes.facts(x.condition)),
            Some(Slot::Todo) => {}
            Some(Slot::Busy) | None => return Err(self.circular("a role")),
        }
        let Some(def) = self.model.roles.get(r.index()) else {
            return Err(self.circular("a role"));
        };
        self.mark(|l| &mut l.roles, r.index());
        let outer = std::mem::replace(&mut self.span, def.span);
        let condition = self.node(&def.condition)?;
        self.span = outer;
        if let Some(x) = self.roles.get_mut(r.index()) {
            *x = Slot::Done(Role {
                name: def.name.clone(),
                condition,
            });
        }
        Ok(self.nodes.facts(condition))
    }

    /// The buying group's `engaged` (or `qualified`) condition, lowered
    /// on first read, and what it reads.
    pub(super) fn group_condition(&mut self, engaged: bool) -> R<(Option<NodeId>, Facts)> {
        let slot = if engaged {
            &self.engaged
        } else {
            &self.qualified
        };
        let facts_of = |l: &Self, x: Option<NodeId>| x.map_or(Facts::STEADY, |x| l.nodes.facts(x));
        match slot {
            Slot::Done(x) => return Ok((*x, facts_of(self, *x))),
            Slot::Todo => {}
            Slot::Busy => return Err(self.circular("the buying group")),
        }
        let group = self.model.buying_group.as_ref();
        let (def, span) = match group {
            Some(g) => (if engaged { &g.engaged } else { &g.qualified }, g.span),
            None => (&None, self.span),
        };
        self.set_group_slot(engaged, Slot::Busy);
        let outer = std::mem::replace(&mut self.span, span);
        let id = def.as_ref().map(|c| self.node(c)).transpose()?;
        self.span = outer;
        self.set_group_slot(engaged, Slot::Done(id));
        Ok((id, facts_of(self, id)))
    }

    fn set_group_slot(&mut self, engaged: bool, to: Slot<Option<NodeId>>) {
        if engaged {
            self.engaged = to;
        } else {
            self.qualified = to;
        }
    }

    fn mark<T>(&mut self, table: impl FnOnce(&mut Self) -> &mut Vec<Slot<T>>, i: usize) {
        if let Some(x) = table(self).get_mut(i) {
            *x = Slot::Busy;
        }
    }

    pub(super) fn touchpoint(&mut self, t: &m::Touchpoint) -> R<Touchpoint> {
        self.span = t.span;
        Ok(Touchpoint {
            name: t.name.clone(),
            event: t.event,
            condition: t.condition.as_ref().map(|c| self.node(c)).transpose()?,
            team: t.team,
        })
    }

    pub(super) fn transition(&mut self, t: &m::Transition) -> R<Transition> {
        self.span = t.span;
        let trigger = match &t.trigger {
            m::TriggerRule::On(p) => TriggerRule::On(self.pattern(p)?),
            m::TriggerRule::When(c) => TriggerRule::When(self.node(c)?),
            m::TriggerRule::After { duration, unless } => TriggerRule::After {
                duration: *duration,
                unless: unless.as_ref().map(|c| self.node(c)).transpose()?,
            },
        };
        Ok(Transition {
            from: t.from.clone(),
            from_any: t.from_any,
            to: t.to,
            trigger,
            label: t.label.clone(),
            text: t.text.clone(),
            line: t.line,
        })
    }

    pub(super) fn sla(&mut self, s: &m::Sla) -> R<Sla> {
        self.span = s.span;
        let mut triggers = |ts: &[m::SlaTrigger]| -> R<Vec<SlaTrigger>> {
            ts.iter()
                .map(|t| {
                    Ok(match t {
                        m::SlaTrigger::Entering(s) => SlaTrigger::Entering(*s),
                        m::SlaTrigger::Leaving(s) => SlaTrigger::Leaving(*s),
                        m::SlaTrigger::Event(p) => SlaTrigger::Event(self.pattern(p)?),
                    })
                })
                .collect()
        };
        Ok(Sla {
            name: s.name.clone(),
            description: s.description.clone(),
            owner: s.owner,
            starts: triggers(&s.starts)?,
            met: triggers(&s.met)?,
            cancelled: triggers(&s.cancelled)?,
            within: s.within,
            assignee: s.assignee,
            entity: s.entity,
        })
    }
}
