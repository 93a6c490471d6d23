//! Deal rows and the contacts each deal names, read against the deal
//! schema, and what the whole load says about them: a row naming a deal
//! the deal files do not have (D021), a contact row naming a role the
//! schema does not declare or a contact the data does not have (D022).

use std::collections::{HashMap, HashSet};

use super::codes::RowCode;
use super::load::{
    Account, Deal, DealContact, Event, Histories, Origin, RecordKind, RowError, RowProblem,
    Severity, err, fields,
};
use super::reader::{Fixed, RowReader, Schema};
use crate::ir::Ir;

pub(super) fn deal(model: &Ir, r: &RowReader<'_>, origin: Origin) -> Result<Deal, RowError> {
    let col = |name| r.columns.named(name);
    Ok(Deal {
        id: r.required(col(Fixed::Id))?,
        account: r.text(col(Fixed::Account)),
        created_at: r
            .instant(col(Fixed::CreatedAt), model.timezone, r.source.date_only)?
            .map(|(i, _)| i),
        fields: fields(r, model, Schema::Deal)?,
        origin,
    })
}

pub(super) fn deal_contact(
    model: &Ir,
    r: &RowReader<'_>,
    origin: Origin,
) -> Result<DealContact, RowError> {
    let col = |name| r.columns.named(name);
    let role = match r.text(col(Fixed::Role)) {
        None => None,
        Some(name) => match model.deal_roles.iter().position(|x| *x == name) {
            Some(i) => Some(i),
            None => {
                let hint =
                    crate::names::closest(&name, model.deal_roles.iter().map(String::as_str))
                        .map(|c| format!("did you mean `{c}`? "))
                        .unwrap_or_default();
                return Err(err(
                    RowCode::DealContact,
                    r.their_name(col(Fixed::Role)),
                    format!(
                        "`{name}` is not a role of the deal schema ({}); {hint}declare it in `deal {{ roles ... }}` or map the export's value to ours in the manifest's `values`",
                        if model.deal_roles.is_empty() {
                            "it declares none".to_string()
                        } else {
                            model.deal_roles.join(", ")
                        }
                    ),
                ));
            }
        },
    };
    Ok(DealContact {
        deal: r.required(col(Fixed::Deal))?,
        contact: r.required(col(Fixed::Contact))?,
        role,
        origin,
    })
}

/// When deal files were read, an event naming a deal they do not have is
/// rejected (D021: nothing says whose account it is or what its fields
/// are), and a deal naming an account the account files do not have is
/// kept with a warning (its account fields are missing).
pub(super) fn reject_unknown_deals(h: &mut Histories) {
    if h.deals.is_empty() {
        return;
    }
    let deals: HashSet<&str> = h.deals.iter().map(|d| d.id.as_str()).collect();
    let mut problems = Vec::new();
    let mut kept = Vec::with_capacity(h.events.len());
    for e in std::mem::take(&mut h.events) {
        match unknown_deal(&deals, &e, &h.files) {
            Some(p) => problems.push(p),
            None => kept.push(e),
        }
    }
    h.events = kept;
    set_aside_events(h, problems);
    let rows = std::mem::take(&mut h.deal_contacts);
    let checked = check_deal_rows(
        (&h.deals, &h.accounts, &h.files),
        rows,
        &contact_accounts(h),
    );
    checked.apply(h);
}

/// Events counted as accepted and then set aside (`problems`, one each):
/// counted as rejected instead, their problems said.
pub(super) fn set_aside_events(h: &mut Histories, mut problems: Vec<RowProblem>) {
    let n = problems.len() as u64;
    if let Some(c) = h.counts.get_mut(&RecordKind::Events) {
        c.accepted = c.accepted.saturating_sub(n);
        c.rejected += n;
    }
    h.problems.append(&mut problems);
}

/// The problem of an event naming a deal not in `deals` (D021), if it does.
pub(super) fn unknown_deal(
    deals: &HashSet<&str>,
    e: &Event,
    files: &[String],
) -> Option<RowProblem> {
    let d = e.deal.as_deref().filter(|d| !deals.contains(d))?;
    Some(RowProblem {
        code: RowCode::UnknownDeal,
        file: files
            .get(e.origin.file as usize)
            .cloned()
            .unwrap_or_default(),
        line: e.origin.line,
        column: Some("deal".into()),
        reason: format!(
            "deal `{d}` is not in the deal files, so the event was set aside (add the deal's row, or check the id)"
        ),
        severity: Severity::Error,
        raw: String::new(),
    })
}

/// Every contact the data has, from its row or its events, with the
/// account the replay places it in: its row's, else that of its first
/// event naming one.
fn contact_accounts(h: &Histories) -> HashMap<&str, Option<&str>> {
    let mut account: HashMap<&str, Option<&str>> = h
        .contacts
        .iter()
        .map(|c| (c.id.as_str(), c.account.as_deref()))
        .collect();
    for e in &h.events {
        if let Some(c) = e.contact.as_deref() {
            let slot = account.entry(c).or_insert(None);
            if slot.is_none() {
                *slot = e.account.as_deref();
            }
        }
    }
    account
}

/// What the whole data says of the deal rows, given every contact it has
/// and its account (`accounts`): a deal's contact row must name a known
/// deal and contact (else it is set aside, D021 or D022), a contact and a
/// deal of different accounts are said (D022, a warning), and so is a
/// deal naming an account the account files do not have (D021, a
/// warning).
pub(super) fn check_deal_rows(
    (all_deals, account_rows, files): (&[Deal], &[Account], &[String]),
    rows: Vec<DealContact>,
    accounts: &HashMap<&str, Option<&str>>,
) -> DealRows {
    let deals: HashSet<&str> = all_deals.iter().map(|d| d.id.as_str()).collect();
    let file = |f: u32| files.get(f as usize).cloned().unwrap_or_default();
    let mut problems = Vec::new();
    let mut kept = Vec::with_capacity(rows.len());
    let mut set_aside = 0;
    for dc in rows {
        let (code, column, reason) = if !deals.contains(dc.deal.as_str()) {
            (
                RowCode::UnknownDeal,
                "deal",
                format!(
                    "deal `{}` is not in the deal files, so its contact row was set aside",
                    dc.deal
                ),
            )
        } else if !accounts.contains_key(dc.contact.as_str()) {
            (
                RowCode::DealContact,
                "contact",
                format!(
                    "contact `{}` is neither in the contact files nor in any event, so deal `{}`'s row naming it was set aside",
                    dc.contact, dc.deal
                ),
            )
        } else {
            kept.push(dc);
            continue;
        };
        set_aside += 1;
        problems.push(RowProblem {
            code,
            file: file(dc.origin.file),
            line: dc.origin.line,
            column: Some(column.into()),
            reason,
            severity: Severity::Error,
            raw: String::new(),
        });
    }
    problems.extend(links_across_accounts((all_deals, files), &kept, accounts));
    if !account_rows.is_empty() {
        let known: HashSet<&str> = account_rows.iter().map(|a| a.id.as_str()).collect();
        for d in all_deals {
            if let Some(a) = d.account.as_deref().filter(|a| !known.contains(a)) {
                problems.push(RowProblem {
                    code: RowCode::UnknownDeal,
                    file: file(d.origin.file),
                    line: d.origin.line,
                    column: Some("account".into()),
                    reason: format!(
                        "deal `{}` names account `{a}`, which is not in the account files; the deal is kept, with its account's fields missing",
                        d.id
                    ),
                    severity: Severity::Warning,
                    raw: String::new(),
                });
            }
        }
    }
    DealRows {
        kept,
        problems,
        set_aside,
    }
}

/// The deal's contact rows kept, and what was said of them.
pub(super) struct DealRows {
    kept: Vec<DealContact>,
    problems: Vec<RowProblem>,
    set_aside: u64,
}

impl DealRows {
    /// Puts the rows kept in `h`, with the problems and the counts.
    pub fn apply(self, h: &mut Histories) {
        h.deal_contacts = self.apply_counts(h);
    }

    /// Puts the problems and the counts in `h`; the rows kept.
    pub fn apply_counts(self, h: &mut Histories) -> Vec<DealContact> {
        if let Some(c) = h.counts.get_mut(&RecordKind::DealContacts) {
            c.accepted = c.accepted.saturating_sub(self.set_aside);
            c.rejected += self.set_aside;
        }
        h.problems.extend(self.problems);
        self.kept
    }
}

/// A deal and a contact it names that belong to different accounts (or
/// one to none) are replayed apart, so neither reads the other: each such
/// row is kept and said (D022, a warning). A contact's account is its
/// row's, else that of its first event naming one, as the replay places it.
fn links_across_accounts(
    (all_deals, files): (&[Deal], &[String]),
    rows: &[DealContact],
    account: &HashMap<&str, Option<&str>>,
) -> Vec<RowProblem> {
    let deals: HashMap<&str, Option<&str>> = all_deals
        .iter()
        .map(|d| (d.id.as_str(), d.account.as_deref()))
        .collect();
    let file = |f: u32| files.get(f as usize).cloned().unwrap_or_default();
    let mut out = Vec::new();
    for dc in rows {
        let theirs = account.get(dc.contact.as_str()).copied().flatten();
        let the_deals = deals.get(dc.deal.as_str()).copied().flatten();
        // A deal with no account is replayed on its own, like a contact
        // with none: only one account joins them.
        if the_deals.is_some() && theirs == the_deals {
            continue;
        }
        let whose =
            |a: Option<&str>| a.map_or("no account".to_string(), |a| format!("account `{a}`"));
        out.push(RowProblem {
            code: RowCode::DealContact,
            file: file(dc.origin.file),
            line: dc.origin.line,
            column: Some("contact".into()),
            reason: format!(
                "contact `{}` belongs to {}, deal `{}` to {}: they are replayed apart, so the deal's conditions do not see this contact, nor the contact's the deal (the row is kept; give them one account)",
                dc.contact,
                whose(theirs),
                dc.deal,
                whose(the_deals)
            ),
            severity: Severity::Warning,
            raw: String::new(),
        });
    }
    out
}
