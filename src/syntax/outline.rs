//! Every name a policy defines, with where: the outline an editor shows,
//! and what go-to-definition, find-references, hover and completion read.
//! Data only; the words people read are the language server's.

use super::ast::{
    CriteriaStmtKind, Entity, FieldDecl, GroupStmtKind, Ident, IncentiveStmtKind, Item,
    LifecycleStmt, PolicyFile, ScoreStmtKind, SlaStmtKind, StageAttrKind,
};
use crate::span::Span;

/// What kind of thing a name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SymbolKind {
    Policy,
    /// The fields of the contact, account or deal schema.
    Schema(Entity),
    /// A field of a schema (`contact.title`).
    Field(Entity),
    Event,
    /// A field of an event (`form` of `form_submit`).
    EventField,
    Touchpoint,
    Score,
    Criteria,
    /// A labelled clause of a criteria.
    Clause,
    /// A buying-group role (`role boss = ...`).
    Role,
    /// A part a contact plays in a deal (`roles champion` in the schema).
    DealRole,
    BuyingGroup,
    Lifecycle(Entity),
    Stage(Entity),
    Sla,
    Metric,
    Incentive,
}

/// One definition.
#[derive(Debug, Clone)]
pub struct Symbol {
    pub kind: SymbolKind,
    pub name: String,
    /// The name where it is defined.
    pub name_span: Span,
    /// The whole definition.
    pub span: Span,
    /// Its description string, if it has one.
    pub description: Option<String>,
    /// The team that owns it (`owner sales`), if it says.
    pub owner: Option<String>,
    /// What it is as written: a field's `title: text?`, a stage's
    /// attributes.
    pub detail: Option<String>,
    /// What it contains: a schema's fields, a lifecycle's stages, a
    /// criteria's clauses.
    pub children: Vec<Symbol>,
}

impl Symbol {
    fn new(kind: SymbolKind, name: &Ident, span: Span) -> Symbol {
        Symbol {
            kind,
            name: name.name.clone(),
            name_span: name.span,
            span,
            description: None,
            owner: None,
            detail: None,
            children: Vec::new(),
        }
    }
}

/// The outline of a parsed policy, in source order.
pub fn outline(file: &PolicyFile, source: &str) -> Vec<Symbol> {
    file.items.iter().filter_map(|i| item(i, source)).collect()
}

/// Every definition, children included, flattened.
pub fn all(symbols: &[Symbol]) -> Vec<&Symbol> {
    let mut out = Vec::new();
    let mut stack: Vec<&Symbol> = symbols.iter().rev().collect();
    while let Some(s) = stack.pop() {
        out.push(s);
        stack.extend(s.children.iter().rev());
    }
    out
}

fn text(source: &str, span: Span) -> Option<String> {
    source
        .get(span.start as usize..span.end as usize)
        .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
}

fn fields(entity: Option<Entity>, decls: &[FieldDecl], source: &str) -> Vec<Symbol> {
    decls
        .iter()
        .map(|f| {
            let kind = entity.map_or(SymbolKind::EventField, SymbolKind::Field);
            Symbol {
                detail: text(source, f.span),
                ..Symbol::new(kind, &f.name, f.span)
            }
        })
        .collect()
}

fn item(item: &Item, source: &str) -> Option<Symbol> {
    Some(match item {
        Item::Settings(s) => Symbol {
            kind: SymbolKind::Policy,
            name: s.name.value.clone(),
            name_span: s.name.span,
            span: s.span,
            description: None,
            owner: None,
            detail: None,
            children: Vec::new(),
        },
        Item::Schema(s) => {
            let name = Ident {
                name: s.entity.keyword().to_string(),
                span: Span::new(s.span.start as usize, s.span.start as usize),
            };
            let mut children = fields(Some(s.entity), &s.fields, source);
            children.extend(
                s.roles
                    .iter()
                    .map(|r| Symbol::new(SymbolKind::DealRole, r, r.span)),
            );
            Symbol {
                children,
                ..Symbol::new(SymbolKind::Schema(s.entity), &name, s.span)
            }
        }
        Item::Event(e) => Symbol {
            children: fields(None, &e.fields, source),
            ..Symbol::new(SymbolKind::Event, &e.name, e.span)
        },
        Item::Touchpoint(t) => Symbol {
            owner: Some(t.team.name.clone()),
            detail: text(source, t.pattern.span),
            ..Symbol::new(SymbolKind::Touchpoint, &t.name, t.span)
        },
        Item::Score(s) => Symbol {
            description: s.description.as_ref().map(|d| d.value.clone()),
            owner: s.stmts.iter().find_map(|x| match &x.kind {
                ScoreStmtKind::Owner(o) => Some(o.name.clone()),
                _ => None,
            }),
            detail: s.for_account.then(|| "for account".to_string()),
            ..Symbol::new(SymbolKind::Score, &s.name, s.span)
        },
        Item::Criteria(c) => criteria(c, source),
        Item::BuyingGroup(g) => buying_group(g),
        Item::Lifecycle(l) => lifecycle(l, source)?,
        Item::Sla(s) => Symbol {
            description: s.description.as_ref().map(|d| d.value.clone()),
            owner: s.stmts.iter().find_map(|x| match &x.kind {
                SlaStmtKind::Owner(o) => Some(o.name.clone()),
                _ => None,
            }),
            ..Symbol::new(SymbolKind::Sla, &s.name, s.span)
        },
        Item::Metric(m) => Symbol {
            description: m.description.as_ref().map(|d| d.value.clone()),
            detail: text(source, m.expr.span),
            ..Symbol::new(SymbolKind::Metric, &m.name, m.span)
        },
        Item::Incentive(i) => Symbol {
            description: i.description.as_ref().map(|d| d.value.clone()),
            owner: i.stmts.iter().find_map(|x| match &x.kind {
                IncentiveStmtKind::Teams(t) => Some(
                    t.iter()
                        .map(|t| t.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                _ => None,
            }),
            ..Symbol::new(SymbolKind::Incentive, &i.name, i.span)
        },
    })
}

fn criteria(c: &super::ast::CriteriaDecl, source: &str) -> Symbol {
    let children = c
        .stmts
        .iter()
        .filter_map(|x| match &x.kind {
            CriteriaStmtKind::Clause { label, condition } => Some(Symbol {
                detail: text(source, condition.span),
                ..Symbol::new(SymbolKind::Clause, label, x.span)
            }),
            _ => None,
        })
        .collect();
    Symbol {
        description: c.description.as_ref().map(|d| d.value.clone()),
        owner: c.stmts.iter().find_map(|x| match &x.kind {
            CriteriaStmtKind::Owner(o) => Some(o.name.clone()),
            _ => None,
        }),
        detail: c.for_deal.then(|| "for deal".to_string()),
        children,
        ..Symbol::new(SymbolKind::Criteria, &c.name, c.span)
    }
}

fn buying_group(g: &super::ast::BuyingGroupDecl) -> Symbol {
    let name = Ident {
        name: "buying_group".into(),
        span: Span::new(g.span.start as usize, g.span.start as usize + 12),
    };
    let children = g
        .stmts
        .iter()
        .filter_map(|x| match &x.kind {
            GroupStmtKind::Role { name, .. } => Some(Symbol::new(SymbolKind::Role, name, x.span)),
            _ => None,
        })
        .collect();
    Symbol {
        children,
        ..Symbol::new(SymbolKind::BuyingGroup, &name, g.span)
    }
}

fn lifecycle(l: &super::ast::LifecycleDecl, source: &str) -> Option<Symbol> {
    let entity = Entity::from_keyword(&l.kind.name)?;
    let children = l
        .stmts
        .iter()
        .filter_map(|x| match x {
            LifecycleStmt::Stage(s) => Some(Symbol {
                description: s.attrs.iter().find_map(|a| match &a.kind {
                    StageAttrKind::Description(d) => Some(d.value.clone()),
                    _ => None,
                }),
                owner: s.attrs.iter().find_map(|a| match &a.kind {
                    StageAttrKind::Owner(o) => Some(o.name.clone()),
                    _ => None,
                }),
                detail: text(source, s.span),
                ..Symbol::new(SymbolKind::Stage(entity), &s.name, s.span)
            }),
            LifecycleStmt::Transition(_) => None,
        })
        .collect();
    Some(Symbol {
        children,
        ..Symbol::new(SymbolKind::Lifecycle(entity), &l.kind, l.span)
    })
}
