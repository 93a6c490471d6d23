//! What the editor offers where the cursor is: the names that may stand
//! there, by what the text before the cursor is in the middle of.

use lsp_types::{CompletionItem, CompletionItemKind};

use detente::Lifecycle as Entity;
use detente::syntax::outline::{self, Symbol, SymbolKind};

use super::help::FUNCTIONS;
use super::navigate::{Qualifier, qualifier};

fn item(label: &str, kind: CompletionItemKind, detail: Option<String>) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail,
        ..CompletionItem::default()
    }
}

/// What may be written at the end of `before`, the text of the document
/// `text` up to the cursor.
pub fn complete(text: &str, before: &str, symbols: &[Symbol]) -> Vec<CompletionItem> {
    let all = outline::all(symbols);
    let named = |want: &dyn Fn(SymbolKind) -> bool, kind: CompletionItemKind| {
        all.iter()
            .filter(|s| want(s.kind))
            .map(|s| item(&s.name, kind, s.detail.clone()))
            .collect::<Vec<_>>()
    };
    // Drop the name being typed: what stands before it decides.
    let trimmed = before.trim_end_matches(|c: char| c.is_alphanumeric() || c == '_');
    let facts = |xs: &[&str]| {
        xs.iter()
            .map(|x| item(x, CompletionItemKind::PROPERTY, None))
            .collect::<Vec<_>>()
    };
    // `contact.` and `account:`, read as go-to-definition reads them.
    match qualifier(before, trimmed.len()) {
        Qualifier::Field(e) => {
            let mut out = named(&|k| k == SymbolKind::Field(e), CompletionItemKind::FIELD);
            out.extend(facts(match e {
                Entity::Contact => &["deals"],
                Entity::Account => &["stage"],
                Entity::Deal => &["has", "contacts"],
                _ => &[],
            }));
            return out;
        }
        Qualifier::Stage(e) => {
            return named(
                &|k| k == SymbolKind::Stage(e),
                CompletionItemKind::ENUM_MEMBER,
            );
        }
        Qualifier::EventField | Qualifier::Plain => {}
    }
    if trimmed.ends_with("group.") {
        return facts(&["has", "count", "engaged", "size", "in", "qualified"]);
    }
    if trimmed.ends_with("contact.deals.") || trimmed.ends_with("deal.contacts.") {
        return facts(&["in", "entered"]);
    }
    let last = trimmed.trim_end();
    let stages = [
        "->",
        "entering",
        "leaving",
        "stage_entered(",
        "entered",
        ".in(",
        ".entered(",
    ];
    if stages.iter().any(|s| last.ends_with(s)) {
        let mut out = named(
            &|k| matches!(k, SymbolKind::Stage(_)),
            CompletionItemKind::ENUM_MEMBER,
        );
        // The lifecycle being written does not parse yet, so its stages
        // are not in the outline: read them off its `stage NAME` lines.
        for name in declared_stages(text) {
            if !out.iter().any(|i| i.label == name) {
                out.push(item(&name, CompletionItemKind::ENUM_MEMBER, None));
            }
        }
        return out;
    }
    let events = ["on", "each", "seen(", "count(", "last(", "days_since(", "="];
    if events.iter().any(|s| last.ends_with(s)) && !last.ends_with("==") {
        return named(
            &|k| matches!(k, SymbolKind::Event | SymbolKind::Touchpoint),
            CompletionItemKind::EVENT,
        );
    }
    if last.ends_with("breached(") || last.ends_with("attainment(") {
        return named(&|k| k == SymbolKind::Sla, CompletionItemKind::CONSTANT);
    }
    anywhere(before, &named)
}

/// The names of every `stage NAME` line in the text.
fn declared_stages(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.trim_start().strip_prefix("stage "))
        .filter_map(|rest| {
            let name: String = rest
                .trim_start()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            (!name.is_empty()).then_some(name)
        })
        .collect()
}

/// The definitions of the kinds `want` accepts, offered as `kind`.
type Named<'a> =
    dyn Fn(&dyn Fn(SymbolKind) -> bool, CompletionItemKind) -> Vec<CompletionItem> + 'a;

/// Functions and the names a condition or figure may read.
fn anywhere(before: &str, named: &Named<'_>) -> Vec<CompletionItem> {
    let place = detente::syntax::construct::Place::at(before, before.len());
    let in_metric = matches!(place.block, detente::syntax::construct::Block::Incentive)
        || place.statement.starts_with("metric");
    let mut out: Vec<CompletionItem> = FUNCTIONS
        .iter()
        .filter(|f| if in_metric { f.metric } else { f.condition })
        .map(|f| {
            item(
                f.name,
                CompletionItemKind::FUNCTION,
                Some(f.signature.to_string()),
            )
        })
        .collect();
    if in_metric {
        out.extend(named(
            &|k| k == SymbolKind::Metric,
            CompletionItemKind::VARIABLE,
        ));
    } else {
        out.extend(named(
            &|k| matches!(k, SymbolKind::Score | SymbolKind::Criteria),
            CompletionItemKind::VARIABLE,
        ));
        out.push(item("time_in_stage", CompletionItemKind::PROPERTY, None));
    }
    for word in ["contact", "account", "deal", "group"] {
        out.push(item(word, CompletionItemKind::MODULE, None));
    }
    out
}
