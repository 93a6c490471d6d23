//! The `where` of an aggregate: what a metric counts, filtered by the
//! fields in force when each counted fact happened. Events read their
//! own fields, `contact.FIELD` and `account.FIELD`; stage entries and SLA
//! instances read `contact.FIELD` and `account.FIELD` (an account's
//! stage entries only `account.FIELD`: an account has many contacts).

use super::expr::{Ctx, Place};
use super::model::*;
use super::types::Ty;
use super::{CheckError, Checker};
use crate::span::Span;
use crate::syntax::ast::{self, Arg, Entity};

impl Checker<'_> {
    /// `count(entered S [where C])`.
    pub(super) fn count_entered(
        &mut self,
        stage: &ast::StageRef,
        condition: Option<&ast::Expr>,
    ) -> Option<Expr> {
        let s = self.stage_ref(stage, None)?;
        let filter = self.entry_filter(s, condition)?;
        Some(Expr::CountEntered(s, filter))
    }

    /// A condition on entries into `stage`, registered for the replay.
    /// `Some(None)` when there is no condition; `None` when it is wrong.
    pub(super) fn entry_filter(
        &mut self,
        stage: StageId,
        condition: Option<&ast::Expr>,
    ) -> Option<Option<FilterId>> {
        let Some(c) = condition else {
            return Some(None);
        };
        let lifecycle = self.stages.get(stage.index()).map(|s| s.lifecycle);
        let place = if lifecycle == Some(Entity::Deal) {
            Place::DealFilter
        } else {
            Place::EventFilter
        };
        let x = self.condition(c, Ctx::new(place));
        let account = lifecycle == Some(Entity::Account);
        if account && reads_contact(&x) {
            self.diag(CheckError::NotAllowedHere {
                what: "`contact.FIELD`".into(),
                place: "in the `where` of an account stage",
                span: c.span,
                help: Some(
                    "an account has many contacts: filter its stage entries on `account.FIELD`"
                        .into(),
                ),
            });
            return None;
        }
        Some(self.filter(Filter::Entry(stage, x)))
    }

    /// `sum(T.f where C)` and the other aggregates of an event's field.
    pub(super) fn field_where(
        &mut self,
        event: &ast::Ident,
        condition: &ast::Expr,
    ) -> Option<(EventTypeId, Option<FilterId>)> {
        let ev = self.event_type(event)?;
        let p = self.pattern(event, Some(condition), Ctx::new(Place::EventFilter))?;
        Some((ev, self.event_filter(&p)))
    }

    /// `attainment(sla [where C])`: C is read at each instance's start.
    pub(super) fn attainment(&mut self, args: &[Arg], span: Span) -> (Expr, Ty) {
        let rate = Ty::Num(Unit::NONE);
        if let [
            Arg::Pattern {
                name,
                condition: Some(c),
                within: None,
                ..
            },
        ] = args
        {
            let Some(sla) = self.sla(name) else {
                return (Expr::Const(Value::Number(0.0)), Ty::Unknown);
            };
            let place = if self.sla_on_deals(sla) {
                Place::DealFilter
            } else {
                Place::EventFilter
            };
            let x = self.condition(c, Ctx::new(place));
            if self.sla_on_accounts(sla) && reads_contact(&x) {
                self.diag(CheckError::NotAllowedHere {
                    what: "`contact.FIELD`".into(),
                    place: "in the `where` of an SLA on account stages",
                    span: c.span,
                    help: Some(
                        "an account has many contacts: filter its instances on `account.FIELD`"
                            .into(),
                    ),
                });
                return (Expr::Const(Value::Number(0.0)), Ty::Unknown);
            }
            return (
                Expr::Attainment(sla, self.filter(Filter::Sla(sla, x))),
                rate,
            );
        }
        match self
            .single_name("attainment", args, span)
            .and_then(|s| self.sla(s))
        {
            Some(id) => (Expr::Attainment(id, None), rate),
            None => (Expr::Const(Value::Number(0.0)), Ty::Unknown),
        }
    }
}

/// Does the condition read a contact's field?
fn reads_contact(e: &Expr) -> bool {
    matches!(e, Expr::ContactField(_)) || e.children().into_iter().any(reads_contact)
}
