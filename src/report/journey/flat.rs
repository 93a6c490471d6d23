//! Journeys flattened to one row each: `classify -o csv` and `-o table`,
//! and the Python package's data frames, so all three have the same
//! columns and cells.

use crate::compile::Policy;
use crate::eval::{Evaluation, Journey};
use crate::ir::Entity;

use super::{AccountJourneyView, JourneyView, Rounded, Tri};

/// The columns of `lifecycle`'s rows: the ids, `stage`, `since`,
/// `highest`, then each score (contacts) and each criteria of the
/// lifecycle (contacts and deals), in declared order.
pub fn columns(policy: &Policy, lifecycle: Entity) -> Vec<String> {
    let m = policy.ir();
    let mut cols: Vec<String> = match lifecycle {
        Entity::Contact => vec!["contact".into(), "account".into()],
        Entity::Account => vec!["account".into()],
        Entity::Deal => vec!["deal".into(), "account".into()],
    };
    cols.extend(["stage", "since", "highest"].map(String::from));
    if lifecycle == Entity::Contact {
        cols.extend(m.scores.iter().map(|s| s.name.clone()));
    }
    if lifecycle != Entity::Account {
        cols.extend(
            m.criteria
                .iter()
                .filter(|c| c.entity == lifecycle)
                .map(|c| c.name.clone()),
        );
    }
    cols
}

/// What a column of the rows holds, for tools that type it (Parquet,
/// data frames).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ColumnKind {
    /// A contact's, account's or deal's id.
    Id,
    /// A stage's name (`stage`, `highest`).
    Stage,
    /// An instant (`since`), written as `2026-03-04T11:20:00Z`.
    Time,
    /// A score: a number, or empty when it is none.
    Number,
    /// A criteria's verdict: `true`, `false` or `unknown`.
    Verdict,
}

impl ColumnKind {
    /// As the Python package names it.
    pub fn as_str(self) -> &'static str {
        match self {
            ColumnKind::Id => "id",
            ColumnKind::Stage => "stage",
            ColumnKind::Time => "time",
            ColumnKind::Number => "number",
            ColumnKind::Verdict => "verdict",
        }
    }
}

/// Each of [`columns`] with what it holds.
pub fn kinds(policy: &Policy, lifecycle: Entity) -> Vec<(String, ColumnKind)> {
    let ids = if lifecycle == Entity::Account { 1 } else { 2 };
    let scores = if lifecycle == Entity::Contact {
        policy.ir().scores.len()
    } else {
        0
    };
    columns(policy, lifecycle)
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            let kind = match i {
                i if i < ids => ColumnKind::Id,
                i if i == ids + 1 => ColumnKind::Time,
                i if i < ids + 3 => ColumnKind::Stage,
                i if i < ids + 3 + scores => ColumnKind::Number,
                _ => ColumnKind::Verdict,
            };
            (name, kind)
        })
        .collect()
}

/// One row of cells per journey of `lifecycle`, under [`columns`]: a
/// score as the JSON writes it (an empty cell when it is no number), a
/// criteria's verdict as `true`, `false` or `unknown`.
pub fn rows(e: &Evaluation, policy: &Policy, lifecycle: Entity) -> Vec<Vec<String>> {
    match lifecycle {
        Entity::Contact => e
            .journeys
            .iter()
            .map(|j| person_row(policy, j, Entity::Contact))
            .collect(),
        Entity::Deal => e
            .deals
            .iter()
            .map(|d| person_row(policy, d, Entity::Deal))
            .collect(),
        Entity::Account => e
            .accounts
            .iter()
            .map(|account| {
                let a = AccountJourneyView::new(policy, account);
                vec![
                    account.account.clone(),
                    a.stage().to_string(),
                    a.since(),
                    a.highest().unwrap_or_default().to_string(),
                ]
            })
            .collect(),
    }
}

/// The rows as CSV text, with the header.
pub fn csv(e: &Evaluation, policy: &Policy, lifecycle: Entity) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(columns(policy, lifecycle));
    for r in rows(e, policy, lifecycle) {
        let _ = w.write_record(r);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// A contact's or a deal's row (a deal's journey has a contact's shape).
fn person_row(policy: &Policy, journey: &Journey, entity: Entity) -> Vec<String> {
    let j = JourneyView::new(policy, journey);
    let mut r = vec![
        journey.contact.clone(),
        journey.account.clone().unwrap_or_default(),
        j.stage().to_string(),
        j.since(),
        j.highest().unwrap_or_default().to_string(),
    ];
    if entity == Entity::Contact {
        r.extend(j.scores().map(|(_, v)| number(v)));
    }
    r.extend(
        policy
            .ir()
            .criteria
            .iter()
            .zip(&journey.criteria)
            .filter(|(c, _)| c.entity == entity)
            .map(|(_, x)| Tri(x.met).as_str().to_string()),
    );
    r
}

/// As the JSON writes it; a score that is no number is an empty cell.
fn number(v: Rounded) -> String {
    if v.value().is_finite() {
        v.to_string()
    } else {
        String::new()
    }
}
