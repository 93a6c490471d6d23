//! The requests the server answers: hover, go to definition, find
//! references, completion, formatting and the document's outline.

use std::collections::HashMap;

use lsp_server::Request;
use lsp_types::request::{
    Completion, DocumentSymbolRequest, Formatting, GotoDefinition, HoverRequest, References,
    Request as _,
};
use lsp_types::{
    CompletionParams, DocumentFormattingParams, DocumentSymbol, DocumentSymbolParams,
    GotoDefinitionParams, Hover, HoverContents, HoverParams, Location, MarkupContent, MarkupKind,
    ReferenceParams, SymbolKind as LspKind, TextEdit, Uri,
};
use serde_json::Value;

use detente::syntax::outline::{Symbol, SymbolKind};
use detente::syntax::print::Layout;

use super::analysis::Document;
use super::help::{self, FUNCTIONS};
use super::navigate;
use super::text::word_at;

type Answer = Result<Option<Value>, String>;

pub fn handle(docs: &HashMap<String, Document>, req: Request) -> Answer {
    let json = |v: Result<Value, serde_json::Error>| v.map(Some).map_err(|e| e.to_string());
    match req.method.as_str() {
        HoverRequest::METHOD => {
            let p: HoverParams = params(req)?;
            let tp = p.text_document_position_params;
            json(serde_json::to_value(hover(
                doc(docs, &tp.text_document.uri)?,
                tp.position,
            )))
        }
        GotoDefinition::METHOD => {
            let p: GotoDefinitionParams = params(req)?;
            let tp = p.text_document_position_params;
            let d = doc(docs, &tp.text_document.uri)?;
            json(serde_json::to_value(definition(d, tp.position)))
        }
        References::METHOD => {
            let p: ReferenceParams = params(req)?;
            let tp = p.text_document_position;
            json(serde_json::to_value(references(
                doc(docs, &tp.text_document.uri)?,
                tp.position,
            )))
        }
        Completion::METHOD => {
            let p: CompletionParams = params(req)?;
            let tp = p.text_document_position;
            let d = doc(docs, &tp.text_document.uri)?;
            let offset = d.lines.offset(&d.text, tp.position);
            let before = d.text.get(..offset).unwrap_or("");
            let mut known = d.symbols.clone();
            known.extend(d.remembered.iter().cloned());
            json(serde_json::to_value(super::complete::complete(
                &d.text, before, &known,
            )))
        }
        Formatting::METHOD => {
            let p: DocumentFormattingParams = params(req)?;
            json(serde_json::to_value(format(doc(
                docs,
                &p.text_document.uri,
            )?)))
        }
        DocumentSymbolRequest::METHOD => {
            let p: DocumentSymbolParams = params(req)?;
            let d = doc(docs, &p.text_document.uri)?;
            let symbols: Vec<DocumentSymbol> = d.symbols.iter().map(|s| symbol(d, s)).collect();
            json(serde_json::to_value(symbols))
        }
        _ => Ok(None),
    }
}

fn params<P: serde::de::DeserializeOwned>(req: Request) -> Result<P, String> {
    serde_json::from_value(req.params).map_err(|e| format!("bad parameters: {e}"))
}

fn doc<'d>(docs: &'d HashMap<String, Document>, uri: &Uri) -> Result<&'d Document, String> {
    docs.get(uri.as_str())
        .ok_or_else(|| format!("`{}` is not open", uri.as_str()))
}

fn hover(d: &Document, at: lsp_types::Position) -> Option<Hover> {
    let offset = d.lines.offset(&d.text, at);
    let (start, end) = word_at(&d.text, offset)?;
    let word = d.text.get(start..end)?;
    let called = d
        .text
        .get(end..)
        .is_some_and(|r| r.trim_start().starts_with('('));
    let text = match FUNCTIONS.iter().find(|f| f.name == word) {
        Some(f) if called => help::describe_function(f),
        _ if word == "time_in_stage" => "```detente\ntime_in_stage\n```\n\nHow long since the subject entered its current stage: a duration, compared with a duration (`time_in_stage >= 14d`).".to_string(),
        _ => {
            let (_, _, found) = navigate::resolve(&d.text, &d.symbols, offset)?;
            if found.is_empty() {
                return None;
            }
            found
                .iter()
                .map(|s| help::describe(s))
                .collect::<Vec<_>>()
                .join("\n\n---\n\n")
        }
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: text,
        }),
        range: Some(d.lines.range(&d.text, start, end)),
    })
}

fn location(d: &Document, start: usize, end: usize) -> Location {
    Location::new(d.uri.clone(), d.lines.range(&d.text, start, end))
}

fn definition(d: &Document, at: lsp_types::Position) -> Vec<Location> {
    let offset = d.lines.offset(&d.text, at);
    let Some((_, _, found)) = navigate::resolve(&d.text, &d.symbols, offset) else {
        return Vec::new();
    };
    found
        .iter()
        .map(|s| location(d, s.name_span.start as usize, s.name_span.end as usize))
        .collect()
}

fn references(d: &Document, at: lsp_types::Position) -> Vec<Location> {
    let offset = d.lines.offset(&d.text, at);
    let Some((name, _, found)) = navigate::resolve(&d.text, &d.symbols, offset) else {
        return Vec::new();
    };
    if found.is_empty() {
        return Vec::new();
    }
    navigate::references(&d.text, &name, &found)
        .into_iter()
        .map(|(s, e)| location(d, s, e))
        .collect()
}

/// The whole document in the canonical layout, when it parses and the
/// layout means the same (as `detente fmt` checks).
fn format(d: &Document) -> Vec<TextEdit> {
    let Ok(file) = detente::syntax::parse(&d.text) else {
        return Vec::new();
    };
    match detente::syntax::print::layout(&file, &d.text) {
        Layout::Changed(formatted) => vec![TextEdit::new(
            d.lines.range(&d.text, 0, d.text.len()),
            formatted,
        )],
        Layout::Same | Layout::Unsafe => Vec::new(),
    }
}

#[allow(
    deprecated,
    reason = "DocumentSymbol's `deprecated` field must still be set"
)]
fn symbol(d: &Document, s: &Symbol) -> DocumentSymbol {
    let kind = match s.kind {
        SymbolKind::Policy => LspKind::NAMESPACE,
        SymbolKind::Schema(_) => LspKind::STRUCT,
        SymbolKind::Field(_) | SymbolKind::EventField => LspKind::FIELD,
        SymbolKind::Event => LspKind::EVENT,
        SymbolKind::Touchpoint => LspKind::INTERFACE,
        SymbolKind::Score => LspKind::NUMBER,
        SymbolKind::Criteria | SymbolKind::Clause => LspKind::BOOLEAN,
        SymbolKind::Role | SymbolKind::DealRole => LspKind::PROPERTY,
        SymbolKind::BuyingGroup => LspKind::OBJECT,
        SymbolKind::Lifecycle(_) => LspKind::ENUM,
        SymbolKind::Stage(_) => LspKind::ENUM_MEMBER,
        SymbolKind::Sla => LspKind::CONSTANT,
        SymbolKind::Metric => LspKind::FUNCTION,
        SymbolKind::Incentive => LspKind::KEY,
    };
    let range = d
        .lines
        .range(&d.text, s.span.start as usize, s.span.end as usize);
    let mut selection = d.lines.range(
        &d.text,
        s.name_span.start as usize,
        s.name_span.end as usize,
    );
    // The selection must lie within the range.
    if selection.start < range.start || selection.end > range.end {
        selection = range;
    }
    DocumentSymbol {
        name: if s.name.is_empty() {
            "(unnamed)".into()
        } else {
            s.name.clone()
        },
        detail: s.detail.clone(),
        kind,
        tags: None,
        deprecated: None,
        range,
        selection_range: selection,
        children: (!s.children.is_empty())
            .then(|| s.children.iter().map(|c| symbol(d, c)).collect()),
    }
}
