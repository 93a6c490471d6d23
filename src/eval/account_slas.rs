//! SLAs on account stages: one instance per account, started, met and
//! cancelled by the account's moves and by any of its contacts' events.

use crate::data::time::Instant;
use crate::ir::*;

use super::marks::MarkOn;
use super::state::{Marks, Run, SlaInstance};
use super::view::{View, Who};

/// Whether a move from `from` to `to` hits one of the triggers.
pub(super) fn moved_hits(ts: &[SlaTrigger], from: Option<StageId>, to: StageId) -> bool {
    ts.iter().any(|t| match t {
        SlaTrigger::Entering(s) => *s == to,
        SlaTrigger::Leaving(s) => Some(*s) == from,
        SlaTrigger::Event(_) => false,
    })
}

impl Run<'_> {
    fn has_account_slas(&self) -> bool {
        self.policy
            .ir()
            .slas
            .iter()
            .any(|s| s.entity == Entity::Account)
    }

    /// Account SLA instances opened, met or cancelled by the account's
    /// move from `from` to `to`.
    pub(super) fn account_sla_moved(&mut self, from: Option<StageId>, to: StageId, now: Instant) {
        if !self.has_account_slas() {
            return;
        }
        let slas = &self.policy.ir().slas;
        let check = self.check;
        for inst in self
            .account_slas
            .iter_mut()
            .filter(|i| i.met_at.is_none() && i.cancelled_at.is_none())
        {
            let sla = &slas[inst.sla];
            if moved_hits(&sla.cancelled, from, to) {
                inst.cancelled_at = Some(now);
            } else if inst.opened_in != check && moved_hits(&sla.met, from, to) {
                inst.met_at = Some(now);
            }
        }
        let starting: Vec<SlaId> = slas
            .enumerate()
            .filter(|(_, s)| s.entity == Entity::Account)
            .filter(|(_, s)| {
                s.starts
                    .iter()
                    .any(|t| matches!(t, SlaTrigger::Entering(x) if *x == to))
            })
            .map(|(id, _)| id)
            .collect();
        for id in starting {
            let marks = self.marks(Who::Account, now, MarkOn::Sla(id));
            self.open_account_sla(id, now, marks);
        }
        self.changed();
    }

    /// Account SLA instances met, cancelled or opened by event `i` of the
    /// timeline, contact `m`'s: any contact of the account counts.
    pub(super) fn account_sla_event(&mut self, m: usize, i: usize, now: Instant) {
        if !self.has_account_slas() {
            return;
        }
        let slas = &self.policy.ir().slas;
        let check = self.check;
        let view = View::new(self, Who::Contact(m), now);
        let hit = |ts: &[SlaTrigger]| {
            ts.iter()
                .any(|t| matches!(t, SlaTrigger::Event(p) if view.matches(i, *p)))
        };
        let decisions: Vec<(usize, bool, bool)> = self
            .account_slas
            .iter()
            .enumerate()
            .filter(|(_, x)| x.met_at.is_none() && x.cancelled_at.is_none())
            .map(|(k, x)| {
                let s = &slas[x.sla];
                (k, hit(&s.cancelled), x.opened_in != check && hit(&s.met))
            })
            .collect();
        let starting: Vec<SlaId> = slas
            .enumerate()
            .filter(|(_, s)| s.entity == Entity::Account && hit(&s.starts))
            .map(|(id, _)| id)
            .collect();
        for (k, cancel, met) in decisions {
            if let Some(inst) = self.account_slas.get_mut(k) {
                if cancel {
                    inst.cancelled_at = Some(now);
                } else if met {
                    inst.met_at = Some(now);
                }
            }
        }
        for id in starting {
            let marks = self.marks(Who::Account, now, MarkOn::Sla(id));
            self.open_account_sla(id, now, marks);
        }
        self.changed();
    }

    fn open_account_sla(&mut self, id: SlaId, now: Instant, marks: Marks) {
        let within = self.policy.ir().slas[id].within;
        self.account_slas.push(SlaInstance {
            sla: id,
            started: now,
            due: self.calendar.add(now, within),
            met_at: None,
            cancelled_at: None,
            opened_in: self.check,
            marks,
        });
    }
}
