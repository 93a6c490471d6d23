//! Diagnostics as text for people (miette's graphical report), as JSON
//! Lines for scripts, and as SARIF 2.1.0 for code-scanning annotations.

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, NamedSource, SourceCode};
use serde::Serialize;

use super::{Diagnostics, Problem};
use crate::span::{Span, line_col};

/// Lines longer than this are not shown as a snippet: a 10 MB line would
/// make a 10 MB message.
const MAX_SNIPPET_LINE: usize = 400;

struct Located<'a> {
    inner: &'a Problem,
    source: Option<&'a NamedSource<String>>,
}

impl std::fmt::Debug for Located<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.inner, f)
    }
}

impl std::fmt::Display for Located<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self.inner, f)
    }
}

impl std::error::Error for Located<'_> {}

impl Diagnostic for Located<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        self.inner.code()
    }
    fn severity(&self) -> Option<miette::Severity> {
        self.inner.severity()
    }
    fn help<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        self.inner.help()
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.map(|s| s as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        if self.source.is_some() {
            self.inner.labels()
        } else {
            None
        }
    }
}

fn line_too_long(source: &str, span: Span) -> bool {
    let start = (span.start as usize).min(source.len());
    let line_start = source
        .get(..start)
        .and_then(|s| s.rfind('\n'))
        .map_or(0, |i| i + 1);
    let line_end = source
        .get(start..)
        .and_then(|s| s.find('\n'))
        .map_or(source.len(), |i| start + i);
    line_end.saturating_sub(line_start) > MAX_SNIPPET_LINE
}

/// miette's report for every problem, in order. `color` is for terminals.
pub fn render_graphical(d: &Diagnostics, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
    let named = NamedSource::new(d.name.clone(), d.source.clone());
    let mut out = String::new();
    for p in &d.problems {
        let spans = labels(p);
        let long = spans.iter().any(|(s, _)| line_too_long(&d.source, *s));
        let located = Located {
            inner: p,
            source: (!long).then_some(&named),
        };
        let mut one = String::new();
        if handler.render_report(&mut one, &located).is_err() {
            one = format!("{p}\n");
        }
        out.push_str(&one);
        if long {
            let (line, col) = line_col(&d.source, p.span().start as usize);
            out.push_str(&format!(
                "  at {}:{line}:{col} (line too long to show)\n",
                d.name
            ));
        }
        out.push('\n');
    }
    out
}

fn labels(p: &Problem) -> Vec<(Span, String)> {
    p.labels()
        .map(|it| {
            it.map(|l| {
                (
                    Span::new(l.offset(), l.offset() + l.len()),
                    l.label().unwrap_or("").to_string(),
                )
            })
            .collect()
        })
        .unwrap_or_default()
}

#[derive(Serialize)]
struct JsonLabel {
    message: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    file: &'a str,
    code: String,
    severity: &'static str,
    message: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    labels: Vec<JsonLabel>,
    help: Option<String>,
}

fn severity(p: &Problem) -> &'static str {
    if p.is_warning() { "warning" } else { "error" }
}

fn json_label(source: &str, span: Span, message: String) -> JsonLabel {
    let (line, column) = line_col(source, span.start as usize);
    let (end_line, end_column) = line_col(source, span.end as usize);
    JsonLabel {
        message,
        line,
        column,
        end_line,
        end_column,
    }
}

/// One JSON object per line, per diagnostic.
pub fn render_json_lines(d: &Diagnostics) -> String {
    let mut out = String::new();
    for p in &d.problems {
        let main = json_label(&d.source, p.span(), String::new());
        let j = JsonDiagnostic {
            file: &d.name,
            code: p.code_str(),
            severity: severity(p),
            message: p.to_string(),
            line: main.line,
            column: main.column,
            end_line: main.end_line,
            end_column: main.end_column,
            labels: labels(p)
                .into_iter()
                .map(|(s, m)| json_label(&d.source, s, m))
                .collect(),
            help: p.help().map(|h| h.to_string()),
        };
        if let Ok(line) = serde_json::to_string(&j) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

fn region(source: &str, span: Span) -> serde_json::Value {
    let (start_line, start_column) = line_col(source, span.start as usize);
    let (end_line, end_column) = line_col(source, span.end.max(span.start) as usize);
    serde_json::json!({
        "startLine": start_line,
        "startColumn": start_column,
        "endLine": end_line,
        "endColumn": end_column.max(if end_line == start_line { start_column + 1 } else { 1 }),
    })
}

/// A SARIF 2.1.0 log with one run over all the given sources.
pub fn render_sarif(all: &[Diagnostics]) -> String {
    let rules: Vec<serde_json::Value> = super::codes::CODES
        .iter()
        .map(|(code, text)| {
            serde_json::json!({
                "id": code,
                "name": code,
                "shortDescription": { "text": text },
                "help": { "text": format!("see docs/diagnostics.md, {code}") },
            })
        })
        .collect();
    let mut results = Vec::new();
    for d in all {
        let uri = d.name.replace('\\', "/");
        for p in &d.problems {
            let code = p.code_str();
            let mut message = p.to_string();
            if let Some(h) = p.help() {
                message.push_str(&format!("\nhelp: {h}"));
            }
            let related: Vec<serde_json::Value> = labels(p)
                .into_iter()
                .enumerate()
                .map(|(i, (s, m))| {
                    serde_json::json!({
                        "id": i,
                        "message": { "text": m },
                        "physicalLocation": {
                            "artifactLocation": { "uri": uri },
                            "region": region(&d.source, s),
                        }
                    })
                })
                .collect();
            results.push(serde_json::json!({
                "ruleId": code,
                "ruleIndex": super::codes::CODES.iter().position(|(c, _)| *c == code).unwrap_or(0),
                "level": severity(p),
                "message": { "text": message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri },
                        "region": region(&d.source, p.span()),
                    }
                }],
                "relatedLocations": related,
            }));
        }
    }
    let log = serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "detente",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    serde_json::to_string_pretty(&log).unwrap_or_default() + "\n"
}
