//! The words the path sections count moves by: an event's type, what
//! tipped a `when`, a transition's label, an event's `reason`.

use crate::eval::StepFact;

use super::super::context::Ctx;

pub(super) fn event_name(ctx: &Ctx, ev: usize) -> String {
    ctx.events
        .get(ev)
        .map(|e| e.of.name(ctx.model).to_string())
        .unwrap_or_default()
}

/// What tipped a `when` move: its touchpoint, else its event, else an
/// arrival, else time.
pub(super) fn tipped_by(ctx: &Ctx, step: &StepFact) -> String {
    let t = &step.tipped;
    if let Some(tp) = t.touchpoint {
        ctx.model.touchpoints[tp].name.clone()
    } else if let Some(ev) = t.event {
        event_name(ctx, ev)
    } else if t.created.is_some() {
        "created".into()
    } else {
        "time".into()
    }
}

/// The transition's label, else its trigger as written.
pub(super) fn label_of(ctx: &Ctx, t: crate::ir::TransitionId) -> String {
    let tr = &ctx.model.transitions[t];
    tr.label.clone().unwrap_or_else(|| tr.text.clone())
}

/// The text of the event's `reason` field, when its type has one.
pub(super) fn reason_of(ctx: &Ctx, ev: usize) -> Option<String> {
    let e = ctx.events.get(ev)?;
    let crate::eval::EventOf::Event(ty) = e.of else {
        return None;
    };
    let et = &ctx.model.events[ty];
    let (f, _) = et.fields.enumerate().find(|(_, f)| f.name == "reason")?;
    match e.field(f) {
        Some(crate::ir::Value::Text(t)) if !t.is_empty() => Some(t.clone()),
        _ => None,
    }
}
