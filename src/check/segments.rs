//! Segments: `metric NAME by DIMENSION = ...` and `per DIMENSION` in an
//! incentive. A dimension is a field whose value, at each counted fact's
//! instant, names the fact's segment; it must be a field of whatever the
//! metric counts. (The `by TEAM` of `share(...)` and touchpoints names a
//! team and has nothing to do with this.)

use std::collections::HashMap;

use super::model::*;
use super::{CheckError, Checker};
use crate::span::Span;
use crate::syntax::ast::{self, Entity};

/// What one aggregate counts, for the dimension's sake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Counted {
    /// Events of this type (a touchpoint's event included).
    Event(EventTypeId),
    /// A contact's stage entries or SLA instances.
    Contact,
    /// An account's stage entries.
    Account,
    /// A deal's stage entries or SLA instances.
    Deal,
}

impl Checker<'_> {
    /// Once every metric is resolved: each metric's segments, its own
    /// `by` or the one of the metrics it uses.
    pub(super) fn segment_metrics(&mut self) {
        let mut memo = HashMap::new();
        for m in MetricId::all(self.metric_asts.len()) {
            let by = self.metric_by(m, &mut memo, 0);
            if let Some(Some(metric)) = self.metrics.get_mut(m.index()) {
                metric.by = by;
            }
        }
    }

    fn metric_by(
        &mut self,
        m: MetricId,
        memo: &mut HashMap<MetricId, Option<DimensionId>>,
        depth: usize,
    ) -> Option<DimensionId> {
        if let Some(by) = memo.get(&m) {
            return *by;
        }
        // Loops are E040; stop rather than recurse forever.
        if depth > 64 {
            return None;
        }
        let decl = self.metric_asts.get(m.index()).copied()?;
        let expr = self.metrics.get(m.index())?.as_ref()?.expr.clone();
        let mut used = Vec::new();
        used_metrics(&expr, &mut used);
        let mut inherited: Vec<(DimensionId, MetricId)> = Vec::new();
        for u in used {
            if let Some(d) = self.metric_by(u, memo, depth + 1) {
                inherited.push((d, u));
            }
        }
        let own = decl.by.as_ref().and_then(|d| {
            let counted = self.counted(&expr, 0);
            self.dimension(d, &counted)
        });
        let what = format!("metric `{}`", decl.name.name);
        let by = self.one_dimension(&what, own, &inherited, decl.name.span);
        memo.insert(m, by);
        by
    }

    /// The dimension of a metric or incentive: its own and those of the
    /// metrics it uses must agree.
    fn one_dimension(
        &mut self,
        what: &str,
        own: Option<DimensionId>,
        inherited: &[(DimensionId, MetricId)],
        span: Span,
    ) -> Option<DimensionId> {
        let mut by = own;
        for (d, from) in inherited {
            match by {
                None => by = Some(*d),
                Some(b) if b == *d => {}
                Some(b) => {
                    let name = |c: &Self, id: DimensionId| {
                        c.dimensions
                            .get(id.index())
                            .map(|x| x.text.clone())
                            .unwrap_or_default()
                    };
                    let used = self
                        .metric_asts
                        .get(from.index())
                        .map(|x| x.name.name.clone())
                        .unwrap_or_default();
                    self.diag(CheckError::Segments {
                        problem: format!(
                            "{what} combines figures cut by `{}` with `{used}`, cut by `{}`",
                            name(self, b),
                            name(self, *d)
                        ),
                        span,
                        label: "cut two ways".into(),
                        help: Some(
                            "a figure is cut one way: use metrics cut by the same field, or define the total without `by` and cut only the metric that needs it".into(),
                        ),
                    });
                    return None;
                }
            }
        }
        by
    }

    /// An incentive's `per`: its target and payout are cut by it.
    pub(super) fn incentive_per(
        &mut self,
        name: &str,
        per: &ast::Dimension,
        figures: &[&Expr],
    ) -> Option<DimensionId> {
        let mut counted = Vec::new();
        let mut used = Vec::new();
        for f in figures {
            counted.extend(self.counted(f, 0));
            used_metrics(f, &mut used);
        }
        let own = self.dimension(per, &counted)?;
        let inherited: Vec<(DimensionId, MetricId)> = used
            .into_iter()
            .filter_map(|m| Some((self.metrics.get(m.index())?.as_ref()?.by?, m)))
            .collect();
        self.one_dimension(
            &format!("incentive `{name}`"),
            Some(own),
            &inherited,
            per.span,
        )
    }

    /// An SLA's `assignee`: a contact's or account's field (an account's
    /// only, for an SLA on account stages).
    pub(super) fn sla_assignee(
        &mut self,
        d: &ast::Dimension,
        entity: Entity,
    ) -> Option<DimensionId> {
        let counted = match entity {
            Entity::Contact => Counted::Contact,
            Entity::Account => Counted::Account,
            Entity::Deal => Counted::Deal,
        };
        self.dimension(d, &[counted])
    }

    /// Without `assignee`: the contact's `owner` (the account's, for an
    /// SLA on account stages), when it has one.
    pub(super) fn default_assignee(&mut self, entity: Entity) -> Option<DimensionId> {
        let (text, read) = match entity {
            Entity::Contact => (
                "contact.owner",
                DimensionRead::Contact(self.contact_field("owner")?.0),
            ),
            Entity::Account => (
                "account.owner",
                DimensionRead::Account(self.account_field("owner")?.0),
            ),
            Entity::Deal => (
                "deal.owner",
                DimensionRead::Deal(self.deal_field("owner")?.0),
            ),
        };
        self.intern_dimension(text.to_string(), read)
    }

    /// Whose stages an SLA is on: the account's when a stage it names
    /// (`on entering account:qualified`, or a name only the account
    /// lifecycle has) is the account's. A bare name both lifecycles have
    /// is left to the triggers' check (E014).
    /// The second answer says whether a stage named decides it; when
    /// none does, a name both lifecycles have is ambiguous.
    pub(super) fn sla_entity(&self, s: &ast::SlaDecl) -> (Entity, bool) {
        // The lifecycle a stage as written decides, if it decides one.
        let decides = |r: &ast::StageRef| match &r.lifecycle {
            Some(l) if l.name == "account" => Some(Entity::Account),
            Some(l) if l.name == "deal" => Some(Entity::Deal),
            Some(_) => Some(Entity::Contact),
            None => {
                let has: Vec<Entity> = [Entity::Contact, Entity::Account, Entity::Deal]
                    .into_iter()
                    .filter(|e| self.stage_names.contains_key(&(*e, r.stage.name.clone())))
                    .collect();
                match has.as_slice() {
                    [one] => Some(*one),
                    _ => None,
                }
            }
        };
        let mut decided: Vec<Entity> = Vec::new();
        for st in &s.stmts {
            if let ast::SlaStmtKind::Starts(ts)
            | ast::SlaStmtKind::Met(ts)
            | ast::SlaStmtKind::Cancelled(ts) = &st.kind
            {
                for t in ts {
                    if let ast::SlaTriggerKind::Entering(r) | ast::SlaTriggerKind::Leaving(r) =
                        &t.kind
                    {
                        decided.extend(decides(r));
                    }
                }
            }
        }
        let entity = if decided.contains(&Entity::Account) {
            Entity::Account
        } else if decided.contains(&Entity::Deal) {
            Entity::Deal
        } else {
            Entity::Contact
        };
        (entity, !decided.is_empty())
    }

    /// Whether SLA `id` is on account stages.
    pub(super) fn sla_on_accounts(&self, id: SlaId) -> bool {
        self.sla_asts
            .get(id.index())
            .is_some_and(|s| self.sla_entity(s).0 == Entity::Account)
    }

    /// Whether SLA `id` is on deal stages.
    pub(super) fn sla_on_deals(&self, id: SlaId) -> bool {
        self.sla_asts
            .get(id.index())
            .is_some_and(|s| self.sla_entity(s).0 == Entity::Deal)
    }

    /// What the aggregates of `e` (and of the metrics it uses) count.
    fn counted(&self, e: &Expr, depth: usize) -> Vec<Counted> {
        let mut out = Vec::new();
        if depth > 64 {
            return out;
        }
        let stage = |s: StageId| match self.stages.get(s.index()).map(|x| x.lifecycle) {
            Some(Entity::Account) => Counted::Account,
            Some(Entity::Deal) => Counted::Deal,
            _ => Counted::Contact,
        };
        match e {
            Expr::CountEntered(s, _)
            | Expr::Conversion(s, ..)
            | Expr::StageDays(_, s, ..)
            | Expr::EnteredField(_, s, ..) => {
                out.push(stage(*s));
            }
            Expr::CountEvents(p, _) => out.extend(self.event_of(p.event).map(Counted::Event)),
            Expr::Share(r, _) => out.extend(self.event_of(*r).map(Counted::Event)),
            Expr::FieldAggregate(_, ev, ..) => out.push(Counted::Event(*ev)),
            Expr::Attainment(s, _) if self.sla_on_accounts(*s) => out.push(Counted::Account),
            Expr::Attainment(s, _) if self.sla_on_deals(*s) => out.push(Counted::Deal),
            Expr::Attainment(..) => out.push(Counted::Contact),
            Expr::Metric(m) => {
                if let Some(Some(x)) = self.metrics.get(m.index()) {
                    out.extend(self.counted(&x.expr, depth + 1));
                }
            }
            other => {
                for c in other.children() {
                    out.extend(self.counted(c, depth + 1));
                }
            }
        }
        out
    }

    /// `contact.F`, `account.F` or `event.F`, checked against what is
    /// counted; the same text is one dimension.
    fn dimension(&mut self, d: &ast::Dimension, counted: &[Counted]) -> Option<DimensionId> {
        let contacts = counted
            .iter()
            .any(|c| matches!(c, Counted::Contact | Counted::Event(_)));
        let accounts = counted.contains(&Counted::Account);
        let deals = counted.contains(&Counted::Deal);
        let kinds: Vec<&str> = [
            (contacts, "contacts"),
            (accounts, "accounts"),
            (deals, "deals"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect();
        if kinds.len() > 1 {
            return self.segment_error(
                d,
                &format!(
                    "this metric counts both {}, so its segments would not add up",
                    kinds.join(" and ")
                ),
                "cut a metric that counts one of them: deals (`count(entered deal:won)`), accounts (`count(entered account:qualified)`) or contacts and their events",
            );
        }
        let read = match d.owner.name.as_str() {
            "contact" if deals => {
                return self.segment_error(
                    d,
                    "this metric counts deals, and a deal has several contacts",
                    "cut it by a field of the deal or its account, e.g. `by deal.owner` or `by account.region`",
                );
            }
            "deal" if !deals => {
                return self.segment_error(
                    d,
                    "this metric does not count deals",
                    "cut a metric of deal stages (`count(entered deal:won)`) by `deal.FIELD`; cut contacts by `contact.FIELD`",
                );
            }
            "deal" => match self.deal_field(&d.field.name) {
                Some((f, _)) => DimensionRead::Deal(f),
                None => {
                    return self.unknown_dimension(d, "deal", self.field_names(Entity::Deal));
                }
            },
            "contact" if accounts => {
                return self.segment_error(
                    d,
                    "this metric counts accounts, and an account has many contacts",
                    "cut it by a field of the account, e.g. `by account.region`",
                );
            }
            "contact" => match self.contact_field(&d.field.name) {
                Some((f, _)) => DimensionRead::Contact(f),
                None => {
                    return self.unknown_dimension(d, "contact", self.field_names(Entity::Contact));
                }
            },
            "account" => match self.account_field(&d.field.name) {
                Some((f, _)) => DimensionRead::Account(f),
                None => {
                    return self.unknown_dimension(d, "account", self.field_names(Entity::Account));
                }
            },
            "event" => DimensionRead::Event(self.event_dimension(d, counted)?),
            _ => {
                return self.segment_error(
                    d,
                    &format!(
                        "`{}` is not `contact`, `account`, `deal` or `event`, whose fields a metric is cut by",
                        d.owner.name
                    ),
                    "cut by a field: `contact.FIELD`, `account.FIELD`, or `event.FIELD` (a field of every event the metric counts)",
                );
            }
        };
        self.intern_dimension(d.text(), read)
    }

    /// The dimension written `text`: one id however many figures and
    /// SLAs use it.
    pub(super) fn intern_dimension(
        &mut self,
        text: String,
        read: DimensionRead,
    ) -> Option<DimensionId> {
        if let Some(i) = self.dimensions.iter().position(|x| x.text == text) {
            return DimensionId::from_index(i);
        }
        let id = DimensionId::from_index(self.dimensions.len())?;
        self.dimensions.push(Dimension { text, read });
        Some(id)
    }

    /// `event.F`: every counted event type must have the field F.
    fn event_dimension(
        &mut self,
        d: &ast::Dimension,
        counted: &[Counted],
    ) -> Option<Vec<(EventTypeId, FieldId)>> {
        let mut out = Vec::new();
        for c in counted {
            let Counted::Event(ev) = c else {
                return self.segment_error(
                    d,
                    "this metric counts stage entries or SLA instances, which have no event fields",
                    "cut it by `contact.FIELD` or `account.FIELD`, read when each stage was entered",
                );
            };
            match self.event_field(*ev, &d.field.name) {
                Some((f, _)) => out.push((*ev, f)),
                None => {
                    let name = self
                        .events
                        .get(ev.index())
                        .map(|e| e.name.clone())
                        .unwrap_or_default();
                    return self.segment_error(
                        d,
                        &format!("this metric counts `{name}` events, which have no field `{}`", d.field.name),
                        &format!(
                            "`event.FIELD` must be a field of every event the metric counts: declare `{}` on `{name}`, or cut by `contact.FIELD`",
                            d.field.name
                        ),
                    );
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        Some(out)
    }

    fn field_names(&self, entity: Entity) -> Vec<String> {
        self.fields_of(entity)
            .iter()
            .map(|f| f.name.clone())
            .collect()
    }

    fn unknown_dimension<T>(
        &mut self,
        d: &ast::Dimension,
        owner: &str,
        known: Vec<String>,
    ) -> Option<T> {
        let help = crate::names::closest(&d.field.name, known.iter().map(String::as_str))
            .map(|c| format!("did you mean `{owner}.{c}`?"))
            .or_else(|| {
                Some(format!(
                    "declare it in `{owner} {{ }}`, or cut by one of its fields"
                ))
            });
        self.diag(CheckError::UnknownField {
            owner: owner.to_string(),
            name: d.field.name.clone(),
            span: d.field.span,
            help,
        });
        None
    }

    fn segment_error<T>(&mut self, d: &ast::Dimension, why: &str, help: &str) -> Option<T> {
        self.diag(CheckError::Segments {
            problem: format!("cannot cut by `{}`: {why}", d.text()),
            span: d.span,
            label: "cut by this".into(),
            help: Some(help.to_string()),
        });
        None
    }
}

/// The metrics `e` names directly.
fn used_metrics(e: &Expr, out: &mut Vec<MetricId>) {
    if let Expr::Metric(m) = e
        && !out.contains(m)
    {
        out.push(*m);
    }
    for c in e.children() {
        used_metrics(c, out);
    }
}
