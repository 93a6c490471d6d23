//! Marks: what the metrics' `where` filters and `by` dimensions read at
//! the instant of each fact a metric counts (a stage entry, an SLA
//! instance's start, an event), recorded as the replay passes it so the
//! report reads the fields as they were then, not as they ended.

use crate::data::time::Instant;
use crate::ir::*;

use super::state::{Marks, Run};
use super::value::V;
use super::view::{View, Who};

/// The fact being marked.
#[derive(Debug, Clone, Copy)]
pub enum MarkOn {
    /// An entry into this stage.
    Entry(StageId),
    /// The start of an instance of this SLA.
    Sla(SlaId),
}

impl Run<'_> {
    /// The marks of a fact of `who` at `now`. Nothing is allocated when
    /// the policy filters and cuts nothing.
    pub(super) fn marks(&self, who: Who, now: Instant, on: MarkOn) -> Marks {
        let model = self.policy.ir();
        let dims = matches!(on, MarkOn::Sla(_)) || model.cuts_facts;
        if model.filters.is_empty() && (!dims || model.dimensions.is_empty()) {
            return Marks::default();
        }
        let view = View::new(self, who, now);
        let filters = model
            .filters
            .enumerate()
            .filter(|(_, f)| match (f, on) {
                (Filter::Entry(s, c), MarkOn::Entry(t)) => *s == t && view.holds(*c),
                (Filter::Sla(s, c), MarkOn::Sla(t)) => *s == t && view.holds(*c),
                // Events' filters are worked out with their touchpoints.
                _ => false,
            })
            .map(|(id, _)| id)
            .collect();
        Marks {
            filters,
            dims: if dims {
                self.dimension_values(&view, who)
            } else {
                Vec::new()
            },
        }
    }

    /// Every field dimension's value for `who` now, by dimension (empty
    /// when the policy cuts nothing by a contact's or account's field).
    pub(super) fn dimension_values(&self, view: &View<'_, '_>, who: Who) -> Vec<Option<Value>> {
        let dims = &self.policy.ir().dimensions;
        if !dims
            .iter()
            .any(|d| matches!(d.read, DimensionRead::Field(..)))
        {
            return Vec::new();
        }
        dims.iter()
            .map(|d| match (&d.read, who) {
                // An account has no one contact's fields (the checker
                // refuses such a cut).
                (DimensionRead::Field(Entity::Contact, _), Who::Account) => None,
                (DimensionRead::Field(_, node), _) => owned(&view.eval(*node)),
                (DimensionRead::Event(_), _) => None,
            })
            .collect()
    }

    /// The account's first stage, entered before the replay starts: its
    /// marks read the account's fields as loaded.
    pub(super) fn mark_account_start(&mut self) {
        let Some((stage, at)) = self
            .account_life
            .as_ref()
            .and_then(|l| l.path.first())
            .map(|s| (s.stage, s.entered))
        else {
            return;
        };
        let marks = self.marks(Who::Account, at, MarkOn::Entry(stage));
        if let Some(step) = self.account_life.as_mut().and_then(|l| l.path.first_mut()) {
            step.marks = marks;
        }
        self.account_sla_moved(None, stage, at);
    }
}

/// A field's value as read, owned (a segment outlives the replay).
fn owned(v: &V<'_>) -> Option<Value> {
    Some(match v {
        V::Missing | V::Elapsed(_) | V::List(_) => return None,
        V::Bool(b) => Value::Bool(*b),
        V::Num(n) => Value::Number(*n),
        V::Money(m) => Value::Money(*m),
        V::Dur(d) => Value::Duration(*d),
        V::Text(t) => Value::Text((*t).to_string()),
        V::Date(d) => Value::Date(*d),
        V::Ts(t) => Value::Timestamp(*t),
    })
}
