//! What deals and their contacts read of each other, through the contact
//! roles a deal names (`[[data.deal_contacts]]`): `deal.has(ROLE)`,
//! `deal.contacts.in(STAGE)` and `.entered(STAGE)` about a deal, and
//! `contact.deals.in(STAGE)` and `.entered(STAGE)` about a contact.
//!
//! The replay works one side out before the other (an account's contacts,
//! then its deals, or the other way round), so a policy may have deals
//! read their contacts' stages or contacts read their deals', not both
//! (E043).

use super::expr::{Ctx, Place};
use super::model::*;
use super::types::Ty;
use super::{CheckError, Checker};
use crate::span::Span;
use crate::syntax::ast::{self, Arg, Entity, ExprKind};

impl Checker<'_> {
    /// `deal.FIELD`, `deal.has(ROLE)`, `deal.contacts.in(S)` and
    /// `contact.deals.in(S)` (and `.entered`), resolved; `None` when
    /// `base.name` is none of them.
    pub(super) fn deal_member(
        &mut self,
        base: &ast::Expr,
        name: &ast::Ident,
        args: Option<&[Arg]>,
        span: Span,
        ctx: Ctx<'_>,
    ) -> Option<(Expr, Ty)> {
        let err = || (Expr::Const(Value::Number(0.0)), Ty::Unknown);
        match &base.kind {
            ExprKind::Name(b) if b.name == "deal" && name.name == "has" => {
                Some(self.deal_has(args, span, ctx).unwrap_or_else(err))
            }
            ExprKind::Name(b) if b.name == "deal" && args.is_none() => {
                Some(self.deal_field_read(name, span, ctx))
            }
            ExprKind::Member {
                base: owner,
                name: via,
                args: None,
            } => {
                let ExprKind::Name(o) = &owner.kind else {
                    return None;
                };
                let whose = match (o.name.as_str(), via.name.as_str()) {
                    ("deal", "contacts") => Entity::Deal,
                    ("contact", "deals") => Entity::Contact,
                    _ => return None,
                };
                Some(
                    self.linked(whose, name, args, span, ctx)
                        .unwrap_or_else(err),
                )
            }
            _ => None,
        }
    }

    /// `deal.FIELD`: where a deal is the subject, or the deal stage entry
    /// a metric counts.
    fn deal_field_read(&mut self, name: &ast::Ident, span: Span, ctx: Ctx<'_>) -> (Expr, Ty) {
        if !matches!(ctx.place, Place::Deal | Place::DealFilter) {
            let help = match ctx.place {
                Place::EventFilter => {
                    "a deal's fields filter what is counted of deals: `count(entered deal:won where deal.FIELD == ...)`"
                }
                Place::Metric => {
                    "a deal's fields are summed or filtered per deal: `sum(entered deal:won .FIELD)`, or cut a metric `by deal.FIELD`"
                }
                _ => {
                    "a deal's fields are read in the deal lifecycle (`lifecycle deal { ... }`) and in what metrics count of deals"
                }
            };
            return self.not_here(&format!("`deal.{}`", name.name), span, ctx, Some(help));
        }
        match self.deal_field(&name.name) {
            Some((field, ty)) => (Expr::DealField(field), ty),
            None => self.unknown_field(
                "deal",
                name,
                self.fields_of(ast::Entity::Deal)
                    .iter()
                    .map(|f| f.name.clone())
                    .collect(),
            ),
        }
    }

    /// `deal.has(ROLE)`: the deal names a contact in that role.
    pub(super) fn deal_has(
        &mut self,
        args: Option<&[Arg]>,
        span: Span,
        ctx: Ctx<'_>,
    ) -> Option<(Expr, Ty)> {
        if !matches!(ctx.place, Place::Deal | Place::DealFilter) {
            self.link_not_here("`deal.has(...)`", span, ctx);
            return None;
        }
        let Some(args) = args else {
            self.roles_needed(span);
            return None;
        };
        let name = self.single_name("deal.has", args, span)?;
        match self.deal_roles.iter().position(|r| r.name == name.name) {
            Some(i) => Some((Expr::DealHas(i), Ty::Bool)),
            None => {
                let known: Vec<&str> = self.deal_roles.iter().map(|r| r.name.as_str()).collect();
                let help = crate::names::closest(&name.name, known.iter().copied())
                    .map(|c| format!("did you mean `{c}`?"))
                    .or_else(|| {
                        Some(if known.is_empty() {
                            "declare the roles a deal names in its schema: `deal { roles economic_buyer, champion }`".into()
                        } else {
                            format!("the deal schema's roles: {}", known.join(", "))
                        })
                    });
                self.diag(CheckError::Unknown {
                    kind: "deal role",
                    name: name.name.clone(),
                    span: name.span,
                    help,
                });
                None
            }
        }
    }

    /// `deal.contacts.in(S)`, `deal.contacts.entered(S)` (S a contact
    /// stage) and `contact.deals.in(S)`, `contact.deals.entered(S)` (S a
    /// deal stage): how many of the deal's contacts, or of the contact's
    /// deals, are in S now, or have entered it by now.
    pub(super) fn linked(
        &mut self,
        whose: Entity,
        fact: &ast::Ident,
        args: Option<&[Arg]>,
        span: Span,
        ctx: Ctx<'_>,
    ) -> Option<(Expr, Ty)> {
        let (other, written, places): (Entity, &str, &[Place]) = match whose {
            Entity::Deal => (
                Entity::Contact,
                "deal.contacts",
                &[Place::Deal, Place::DealFilter],
            ),
            _ => (Entity::Deal, "contact.deals", &[Place::Contact]),
        };
        if !places.contains(&ctx.place) {
            self.link_not_here(&format!("`{written}.{}(...)`", fact.name), span, ctx);
            return None;
        }
        let ever = match fact.name.as_str() {
            "in" => false,
            "entered" => true,
            other => {
                let help = crate::names::closest(other, ["in", "entered"])
                    .map(|c| format!("did you mean `{written}.{c}(...)`?"))
                    .or_else(|| {
                        Some(format!(
                            "write `{written}.in(STAGE)` (how many are in it now) or `{written}.entered(STAGE)` (how many have entered it)"
                        ))
                    });
                self.diag(CheckError::Unknown {
                    kind: "fact",
                    name: other.to_string(),
                    span: fact.span,
                    help,
                });
                return None;
            }
        };
        let Some(args) = args else {
            self.bad_args_here(written, span);
            return None;
        };
        let func = format!("{written}.{}", fact.name);
        let stage = match args {
            [Arg::Stage(r)] => {
                let place = format!("`{func}(...)`");
                self.stage_ref(r, Some((other, &place)))?
            }
            _ => {
                let name = self.single_name(&func, args, span)?;
                self.stage(other, name)?
            }
        };
        if whose == Entity::Deal {
            self.links.0 = self.links.0.or(Some(span));
        } else {
            self.links.1 = self.links.1.or(Some(span));
        }
        Some((Expr::Linked { stage, ever }, Ty::Num(Unit::NONE)))
    }

    /// Once every definition is resolved: deals reading their contacts'
    /// stages and contacts reading their deals' would each wait for the
    /// other (E043).
    pub(super) fn links_one_way(&mut self) {
        if let (Some(deals), Some(contacts)) = self.links {
            self.diag(CheckError::LinksBothWays {
                span: contacts,
                deals,
                help: Some("keep one direction: a deal's moves may read its contacts' stages (`deal.contacts.entered(mql)`), or a contact's its deals' (`contact.deals.in(won)`); for the other, count in a metric with a filter instead".into()),
            });
        }
    }

    fn link_not_here(&mut self, what: &str, span: Span, ctx: Ctx<'_>) {
        self.diag(CheckError::NotAllowedHere {
            what: what.to_string(),
            place: ctx.place.phrase(),
            span,
            help: Some("a deal's roles and contacts are read in the deal lifecycle and the `where` of deal stages; a contact's deals in contact conditions".into()),
        });
    }

    fn roles_needed(&mut self, span: Span) {
        self.diag(CheckError::BadArguments {
            func: "deal.has".into(),
            problem: "needs a role in parentheses".into(),
            span,
            label: "which role?".into(),
            help: Some("write e.g. `deal.has(economic_buyer)`".into()),
        });
    }

    fn bad_args_here(&mut self, written: &str, span: Span) {
        self.diag(CheckError::BadArguments {
            func: written.to_string(),
            problem: "needs `.in(STAGE)` or `.entered(STAGE)`".into(),
            span,
            label: "which stage?".into(),
            help: Some(format!("write e.g. `{written}.in(STAGE) >= 1`")),
        });
    }
}
