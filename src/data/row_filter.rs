//! A source's row filter, `when = 'deal_stage in ["Won", "Lost"]'`: which
//! rows of an export are read, written over the export's own column names
//! and values (before the manifest's value mappings). A row it turns away
//! is counted as skipped, with the filter as its reason, never rejected.
//!
//! The language (grammar/row_filter.pest, docs/data.md): tests `COLUMN ==
//! "value"`, `!=`, `in [..]`, `not in [..]`, `is empty`, `is not empty`,
//! joined by `and`, `or`, `not` and brackets.

use pest::Parser as _;
use pest::iterators::Pair;

use super::source::Row;
use grammar::{FilterParser, Rule};

mod grammar {
    // What pest derives is private to this module, and undocumented.
    #![allow(missing_docs)]
    #[derive(pest_derive::Parser)]
    #[grammar = "../grammar/row_filter.pest"]
    pub(super) struct FilterParser;
}

/// A parsed row filter.
#[derive(Debug, Clone, PartialEq)]
pub enum RowFilter {
    /// Every one holds.
    All(Vec<RowFilter>),
    /// At least one holds.
    Any(Vec<RowFilter>),
    /// It does not hold.
    Not(Box<RowFilter>),
    /// The column's text (trimmed) is one of these (an empty cell is "").
    In {
        /// The export's column name.
        column: String,
        /// The values it may have.
        values: Vec<String>,
    },
}

/// A filter that does not parse: where and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot read the row filter `{text}` at character {at}: {expected}")]
pub struct FilterSyntax {
    /// The filter as written.
    pub text: String,
    /// 1-based character position of the problem.
    pub at: usize,
    /// What would have been understood there.
    pub expected: String,
}

impl RowFilter {
    /// Parses `text`.
    pub fn parse(text: &str) -> Result<RowFilter, FilterSyntax> {
        let mut pairs = FilterParser::parse(Rule::filter, text).map_err(|e| {
            let at = match e.location {
                pest::error::InputLocation::Pos(p) => p,
                pest::error::InputLocation::Span((p, _)) => p,
            };
            FilterSyntax {
                text: text.to_string(),
                at: text.get(..at).map_or(at, |s| s.chars().count()) + 1,
                expected: "write tests like `Stage == \"Won\"`, `Stage in [\"Won\", \"Lost\"]`, `Close Date is not empty`, joined by `and`, `or`, `not` (quote a column name with spaces in back-quotes)".into(),
            }
        })?;
        let or_expr = pairs
            .next()
            .and_then(|f| f.into_inner().next())
            .ok_or_else(|| FilterSyntax {
                text: text.to_string(),
                at: 1,
                expected: "a filter".into(),
            })?;
        Ok(build(or_expr))
    }

    /// The export's columns it reads, in the order written.
    pub fn columns(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_columns(&mut out);
        out
    }

    fn collect_columns<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            RowFilter::All(v) | RowFilter::Any(v) => v.iter().for_each(|f| f.collect_columns(out)),
            RowFilter::Not(f) => f.collect_columns(out),
            RowFilter::In { column, .. } => {
                if !out.contains(&column.as_str()) {
                    out.push(column);
                }
            }
        }
    }

    /// Whether `row` passes.
    pub fn passes(&self, row: &Row) -> bool {
        match self {
            RowFilter::All(v) => v.iter().all(|f| f.passes(row)),
            RowFilter::Any(v) => v.iter().any(|f| f.passes(row)),
            RowFilter::Not(f) => !f.passes(row),
            RowFilter::In { column, values } => {
                // The last cell of a repeated name, as the rest of the
                // reading takes it.
                let cell = row.last_named(column);
                let text = cell.as_ref().map(|c| c.text()).unwrap_or_default();
                values.iter().any(|v| v == text.trim())
            }
        }
    }
}

fn build(pair: Pair<'_, Rule>) -> RowFilter {
    let rule = pair.as_rule();
    let mut inner: Vec<Pair<'_, Rule>> = pair
        .into_inner()
        .filter(|p| !matches!(p.as_rule(), Rule::kw_or | Rule::kw_and | Rule::kw_not))
        .collect();
    match rule {
        Rule::or_expr | Rule::and_expr if inner.len() == 1 => {
            inner.pop().map_or(RowFilter::All(Vec::new()), build)
        }
        Rule::or_expr => RowFilter::Any(inner.into_iter().map(build).collect()),
        Rule::and_expr => RowFilter::All(inner.into_iter().map(build).collect()),
        Rule::negation => RowFilter::Not(Box::new(
            inner.pop().map_or(RowFilter::All(Vec::new()), build),
        )),
        Rule::unary => inner.pop().map_or(RowFilter::All(Vec::new()), build),
        Rule::test => test(inner),
        _ => RowFilter::All(Vec::new()),
    }
}

fn test(parts: Vec<Pair<'_, Rule>>) -> RowFilter {
    let mut parts = parts.into_iter();
    let column = parts.next().map(column_name).unwrap_or_default();
    let Some(how) = parts.next() else {
        return RowFilter::All(Vec::new());
    };
    let is = |values: Vec<String>| RowFilter::In {
        column: column.clone(),
        values,
    };
    match how.as_rule() {
        Rule::is_empty => is(vec![String::new()]),
        Rule::is_not_empty => RowFilter::Not(Box::new(is(vec![String::new()]))),
        Rule::in_list => is(list(how)),
        Rule::not_in_list => RowFilter::Not(Box::new(is(list(how)))),
        Rule::compare => {
            let mut it = how.into_inner();
            let negated = it.next().is_some_and(|op| op.as_str() == "!=");
            let value = it.next().map(value_text).unwrap_or_default();
            if negated {
                RowFilter::Not(Box::new(is(vec![value])))
            } else {
                is(vec![value])
            }
        }
        _ => RowFilter::All(Vec::new()),
    }
}

fn column_name(p: Pair<'_, Rule>) -> String {
    p.as_str().trim_matches('`').to_string()
}

fn list(p: Pair<'_, Rule>) -> Vec<String> {
    p.into_inner()
        .filter(|x| x.as_rule() == Rule::list)
        .flat_map(|l| l.into_inner().map(value_text))
        .collect()
}

fn value_text(p: Pair<'_, Rule>) -> String {
    match p.into_inner().next() {
        Some(t) => t.as_str().trim().to_string(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;
    use crate::data::source::Cell;

    fn row(cells: &[(&str, &str)]) -> Row {
        let cells = cells
            .iter()
            .map(|(k, v)| ((*k).into(), Cell::Text(v.to_string())))
            .collect();
        Row::named(2, cells, String::new())
    }

    #[test]
    fn the_forms_a_manifest_writes() {
        let won = row(&[("deal_stage", "Won"), ("close_date", "2024-01-02")]);
        let open = row(&[("deal_stage", "Engaging"), ("close_date", "")]);
        let cases = [
            (r#"deal_stage in ["Won", "Lost"]"#, true, false),
            (r#"deal_stage not in ["Won", "Lost"]"#, false, true),
            (r#"deal_stage == "Won""#, true, false),
            ("deal_stage = Won", true, false),
            (r#"deal_stage != 'Won'"#, false, true),
            ("close_date is empty", false, true),
            ("close_date is not empty", true, false),
            (
                r#"not (deal_stage == "Won" or close_date is empty)"#,
                false,
                false,
            ),
            (
                r#"deal_stage == "Engaging" and close_date is empty"#,
                false,
                true,
            ),
            ("`deal_stage` in []", false, false),
        ];
        for (text, w, o) in cases {
            let f = RowFilter::parse(text).unwrap();
            assert_eq!((f.passes(&won), f.passes(&open)), (w, o), "{text}");
        }
    }

    #[test]
    fn a_column_with_spaces_is_back_quoted() {
        let f = RowFilter::parse("`Deal Stage` == \"Closed Won\"").unwrap();
        assert!(f.passes(&row(&[("Deal Stage", "Closed Won")])));
        assert_eq!(f.columns(), vec!["Deal Stage"]);
    }

    proptest::proptest! {
        /// Whatever a manifest says, reading the filter never panics, and
        /// one that parses reads any row.
        #[test]
        fn any_text_parses_or_says_where(text in "\\PC{0,60}") {
            if let Ok(f) = RowFilter::parse(&text) {
                let _ = f.passes(&row(&[("a", "x"), ("b", "")]));
            } else if let Err(e) = RowFilter::parse(&text) {
                proptest::prop_assert!(e.at >= 1 && e.at <= text.chars().count() + 1);
            }
        }
    }

    #[test]
    fn mistakes_say_where() {
        let e = RowFilter::parse("deal_stage in Won").unwrap_err();
        assert_eq!(e.at, 15, "{e}");
        assert!(RowFilter::parse("").is_err());
        assert!(RowFilter::parse("a == \"x\" and").is_err());
    }
}
