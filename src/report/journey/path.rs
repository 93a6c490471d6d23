//! A journey's path as docs/engine.md writes it: each stage entered and
//! what moved the contact or account there, with the names read from the
//! policy.

use crate::data::time::format_instant;
use crate::eval::StepFact;
use crate::eval::state::Cause;
use crate::ir::*;

/// One stage entered: `{"stage", "entered", "trigger", "label"}`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct PathStep {
    /// The stage's name.
    pub stage: String,
    /// When, as `2026-03-04T11:20:00Z`.
    pub entered: String,
    /// What moved it there; none for the stage it started in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger: Option<Trigger>,
    /// The transition's `as "..."` label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The CRM gave the moment as a date only.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub date_precision: bool,
}

/// What moved a contact or account into a stage, by `kind`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
#[non_exhaustive]
pub enum Trigger {
    /// It was in the stage in the CRM's snapshot.
    Snapshot,
    /// An `on` transition: the event, its time, the transition's line.
    On {
        /// The event type's name.
        event: Option<String>,
        /// When it happened.
        at: String,
        /// The transition's line in the policy.
        line: usize,
    },
    /// A `when` transition whose condition came to hold.
    When {
        /// The criteria, when the condition is one criteria.
        #[serde(skip_serializing_if = "Option::is_none")]
        criteria: Option<String>,
        /// Else the condition as written.
        #[serde(skip_serializing_if = "Option::is_none")]
        condition: Option<String>,
        /// What made the instant: a touchpoint,
        #[serde(skip_serializing_if = "Option::is_none")]
        touchpoint: Option<String>,
        /// else an event type,
        #[serde(skip_serializing_if = "Option::is_none")]
        event: Option<String>,
        /// else a contact added to the CRM (its id);
        #[serde(skip_serializing_if = "Option::is_none")]
        created: Option<String>,
        /// and the colleague whose it was, when not the contact's own;
        #[serde(skip_serializing_if = "Option::is_none")]
        by: Option<String>,
        /// else a move of a linked subject: `"contacts"` (one of a deal's
        /// contacts) or `"deals"` (one of a contact's deals).
        #[serde(skip_serializing_if = "Option::is_none")]
        linked: Option<&'static str>,
        /// The transition's line in the policy.
        line: usize,
    },
    /// An `after` transition: the time spent in the stage before.
    After {
        /// The duration as written (`30d`).
        duration: String,
        /// The transition's line in the policy.
        line: usize,
    },
    /// A move by hand in the CRM (`set_stage`).
    Manual,
}

/// One stage entered, with the names read from `ir`.
pub fn path_step(ir: &Ir, step: &StepFact) -> PathStep {
    let transition = match &step.cause {
        Cause::On { transition, .. }
        | Cause::When { transition, .. }
        | Cause::After { transition } => Some(&ir.transitions[*transition]),
        _ => None,
    };
    let trigger = match (&step.cause, transition) {
        (Cause::Start, _) => None,
        (Cause::Snapshot, _) => Some(Trigger::Snapshot),
        (Cause::Manual { .. }, _) => Some(Trigger::Manual),
        (Cause::On { .. }, Some(tr)) => Some(Trigger::On {
            event: step.event.map(|e| e.name(ir).to_string()),
            at: format_instant(step.entered),
            line: tr.line,
        }),
        (Cause::When { .. }, Some(tr)) => Some(when_trigger(ir, tr, step)),
        (Cause::After { .. }, Some(tr)) => Some(Trigger::After {
            duration: tr.text.trim_start_matches("after ").to_string(),
            line: tr.line,
        }),
        _ => None,
    };
    PathStep {
        stage: ir.stage_name(step.stage).to_string(),
        entered: format_instant(step.entered),
        trigger,
        label: transition.and_then(|tr| tr.label.clone()),
        date_precision: step.date_precision,
    }
}

fn when_trigger(ir: &Ir, tr: &Transition, step: &StepFact) -> Trigger {
    let criteria = match &tr.trigger {
        TriggerRule::When(c) => match &ir.nodes[*c] {
            Node::Criteria(c) => Some(ir.criteria[*c].name.clone()),
            _ => None,
        },
        _ => None,
    };
    let condition = criteria
        .is_none()
        .then(|| tr.text.trim_start_matches("when ").to_string());
    // What made this check instant: the touchpoint when it is one, else
    // the event, else a contact's creation; and whose it was when a
    // colleague's activity moved this contact.
    let tip = &step.tipped;
    let touchpoint = tip.touchpoint.map(|tp| ir.touchpoints[tp].name.clone());
    let event = step
        .event
        .filter(|_| tip.touchpoint.is_none())
        .map(|e| e.name(ir).to_string());
    let created = tip
        .created
        .clone()
        .filter(|_| tip.touchpoint.is_none() && tip.event.is_none());
    let linked = tip.linked.then(|| {
        if ir.stages[step.stage].lifecycle == crate::ir::Entity::Deal {
            "contacts"
        } else {
            "deals"
        }
    });
    Trigger::When {
        criteria,
        condition,
        touchpoint,
        event,
        created,
        by: tip.by.clone(),
        linked,
        line: tr.line,
    }
}
