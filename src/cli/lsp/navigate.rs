//! What a name in the text refers to: go to definition, find references.
//! Names are resolved by what stands before them: `contact.title` is a
//! contact field, `account:qualified` an account stage, `last(x).rating`
//! an event field, and a bare name any definition of that name (a stage,
//! an event, a score...).

use detente::Lifecycle as Entity;
use detente::syntax::outline::{self, Symbol, SymbolKind};

use super::text::{word_at, words};

/// What stands before a name, and so what it can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Qualifier {
    /// `contact.`, `account.`, `deal.`: a field of that schema.
    Field(Entity),
    /// `contact:`, `account:`, `deal:`: a stage of that lifecycle.
    Stage(Entity),
    /// Any other `.`: a field of an event (`last(demo).rating`).
    EventField,
    /// Nothing: a definition's own name.
    Plain,
}

/// The qualifier of the name starting at `start`.
pub fn qualifier(text: &str, start: usize) -> Qualifier {
    let before = text.get(..start).unwrap_or("");
    let Some(sign) = before.chars().last() else {
        return Qualifier::Plain;
    };
    if sign != '.' && sign != ':' {
        return Qualifier::Plain;
    }
    let head = before.get(..before.len() - 1).unwrap_or("");
    let word_start = head
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || *c == '_')
        .last()
        .map_or(head.len(), |(i, _)| i);
    let word = head.get(word_start..).unwrap_or("");
    // `contact.deals.in`: a fact of the contact, not a field.
    let chained = head.get(..word_start).is_some_and(|h| h.ends_with('.'));
    match (sign, Entity::from_keyword(word)) {
        ('.', Some(e)) if !chained => Qualifier::Field(e),
        (':', Some(e)) => Qualifier::Stage(e),
        ('.', _) => Qualifier::EventField,
        _ => Qualifier::Plain,
    }
}

/// Whether a definition of `kind` can be what a name qualified so means.
fn fits(kind: SymbolKind, q: Qualifier) -> bool {
    match q {
        Qualifier::Field(e) => kind == SymbolKind::Field(e),
        Qualifier::Stage(e) => kind == SymbolKind::Stage(e),
        Qualifier::EventField => kind == SymbolKind::EventField,
        Qualifier::Plain => !matches!(
            kind,
            SymbolKind::Field(_)
                | SymbolKind::Schema(_)
                | SymbolKind::Policy
                | SymbolKind::Lifecycle(_)
                | SymbolKind::BuyingGroup
        ),
    }
}

/// The name at `offset` and the definitions it may mean.
pub fn resolve<'d>(
    text: &str,
    symbols: &'d [Symbol],
    offset: usize,
) -> Option<(String, Qualifier, Vec<&'d Symbol>)> {
    let (start, end) = word_at(text, offset)?;
    let name = text.get(start..end)?.to_string();
    let q = qualifier(text, start);
    let found: Vec<&Symbol> = outline::all(symbols)
        .into_iter()
        .filter(|s| s.name == name && fits(s.kind, q))
        .collect();
    Some((name, q, found))
}

/// Every place the definitions `targets` (all named `name`) are named:
/// their definitions and each use whose qualifier fits one of them.
pub fn references(text: &str, name: &str, targets: &[&Symbol]) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = words(text)
        .into_iter()
        .filter(|(s, e)| text.get(*s..*e) == Some(name))
        .filter(|(s, _)| {
            let q = qualifier(text, *s);
            // A stage may be named `contact:mql` or `mql`, an event's
            // field `last(x).f` or bare in its own `where`: `fits` says.
            targets.iter().any(|t| fits(t.kind, q))
        })
        .collect();
    for t in targets {
        let def = (t.name_span.start as usize, t.name_span.end as usize);
        if !out.contains(&def) {
            out.push(def);
        }
    }
    out.sort_unstable();
    out
}
