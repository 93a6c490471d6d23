//! SLA instances: what opens, meets and cancels them, shared by a
//! contact's (on its moves and events) and an account's (SLAs on account
//! stages: one instance per account, moved by the account and met by any
//! of its contacts' events).

use crate::data::time::Instant;
use crate::ir::*;

use super::marks::MarkOn;
use super::state::{Marks, Run, SlaInstance};
use super::view::{View, Who};

/// Whether a move from `from` to `to` hits one of the triggers.
fn moved_hits(ts: &[SlaTrigger], from: Option<StageId>, to: StageId) -> bool {
    ts.iter().any(|t| match t {
        SlaTrigger::Entering(s) => *s == to,
        SlaTrigger::Leaving(s) => Some(*s) == from,
        SlaTrigger::Event(_) => false,
    })
}

/// The instances still open.
fn open(instances: &[SlaInstance]) -> impl Iterator<Item = (usize, &SlaInstance)> {
    instances
        .iter()
        .enumerate()
        .filter(|(_, i)| i.met_at.is_none() && i.cancelled_at.is_none())
}

/// Meets or cancels the open instances a move from `from` to `to` hits.
/// An instance is not met by the check that opened it.
pub(super) fn close_on_move(
    instances: &mut [SlaInstance],
    slas: &Table<SlaId, Sla>,
    (from, to): (Option<StageId>, StageId),
    now: Instant,
    check: u64,
) {
    let decisions: Vec<(usize, bool, bool)> = open(instances)
        .map(|(k, x)| {
            let s = &slas[x.sla];
            let met = x.opened_in != check && moved_hits(&s.met, from, to);
            (k, moved_hits(&s.cancelled, from, to), met)
        })
        .collect();
    apply_decisions(instances, &decisions, now);
}

/// What an event does to each open instance: (instance, cancelled, met),
/// with `hit` saying whether the event hits a list of triggers.
pub(super) fn event_decisions(
    instances: &[SlaInstance],
    slas: &Table<SlaId, Sla>,
    hit: impl Fn(&[SlaTrigger]) -> bool,
    check: u64,
) -> impl Iterator<Item = (usize, bool, bool)> {
    open(instances)
        .map(|(k, x)| {
            let s = &slas[x.sla];
            (k, hit(&s.cancelled), x.opened_in != check && hit(&s.met))
        })
        .collect::<Vec<_>>()
        .into_iter()
}

/// Applies what a move or an event decided: cancelled wins over met.
pub(super) fn apply_decisions(
    instances: &mut [SlaInstance],
    decisions: &[(usize, bool, bool)],
    now: Instant,
) {
    for &(k, cancel, met) in decisions {
        if let Some(inst) = instances.get_mut(k) {
            if cancel {
                inst.cancelled_at = Some(now);
            } else if met {
                inst.met_at = Some(now);
            }
        }
    }
}

impl Run<'_> {
    /// A new instance of `id`, started now by this check.
    pub(super) fn open_sla(&self, id: SlaId, now: Instant, marks: Marks) -> SlaInstance {
        SlaInstance {
            sla: id,
            started: now,
            due: self.calendar.add(now, self.policy.ir().slas[id].within),
            met_at: None,
            cancelled_at: None,
            opened_in: self.check,
            marks,
        }
    }

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
        close_on_move(&mut self.account_slas, slas, (from, to), now, self.check);
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
        self.open_account_slas(starting, now);
    }

    /// Account SLA instances met, cancelled or opened by event `i` of the
    /// timeline, `who`'s: any contact of the account counts, and an event
    /// of one of its deals that names no contact (the account's own).
    pub(super) fn account_sla_event(&mut self, who: Who, i: usize, now: Instant) {
        if !self.has_account_slas() {
            return;
        }
        let slas = &self.policy.ir().slas;
        let view = View::new(self, who, now);
        let hit = |ts: &[SlaTrigger]| {
            ts.iter()
                .any(|t| matches!(t, SlaTrigger::Event(p) if view.matches(i, *p)))
        };
        let decisions: Vec<(usize, bool, bool)> =
            event_decisions(&self.account_slas, slas, hit, self.check).collect();
        let starting: Vec<SlaId> = slas
            .enumerate()
            .filter(|(_, s)| s.entity == Entity::Account && hit(&s.starts))
            .map(|(id, _)| id)
            .collect();
        apply_decisions(&mut self.account_slas, &decisions, now);
        self.open_account_slas(starting, now);
    }

    fn open_account_slas(&mut self, ids: Vec<SlaId>, now: Instant) {
        for id in ids {
            let marks = self.marks(Who::Account, now, MarkOn::Sla(id));
            let inst = self.open_sla(id, now, marks);
            self.account_slas.push(inst);
        }
        self.changed();
    }
}
