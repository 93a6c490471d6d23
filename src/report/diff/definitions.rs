//! Definitions added, removed or changed between two policy texts.
//!
//! Each top-level definition is printed alone in the canonical layout
//! (`detente fmt`) without comments or blank lines, so re-indenting,
//! re-ordering definitions or editing a comment is not a change; only what
//! the policy means is compared.

use serde::Serialize;
use similar::{ChangeTag, TextDiff};

use crate::syntax::ast::{Item, PolicyFile};
use crate::syntax::{parse, print};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Added,
    Removed,
    Changed,
}

#[derive(Debug, Clone, Serialize)]
pub struct DefinitionChange {
    /// The keyword: `criteria`, `lifecycle`, `metric`...; `policy` for the
    /// settings block, `fields` for a contact or account schema.
    pub kind: String,
    pub name: String,
    pub change: Change,
    /// The changed lines with one line of context: `- ` old, `+ ` new,
    /// `  ` unchanged (empty for an added or removed definition).
    pub lines: Vec<String>,
}

struct Definition {
    kind: &'static str,
    name: String,
    text: String,
}

fn definitions(source: &str) -> Vec<Definition> {
    // Both sides compiled before they were compared, so they parse.
    let Ok(file) = parse(source) else {
        return Vec::new();
    };
    file.items
        .iter()
        .map(|item| {
            let (kind, name) = key(item);
            let alone = PolicyFile {
                items: vec![item.clone()],
                comments: Vec::new(),
            };
            let text = print::print(&alone, source)
                .lines()
                .map(str::trim_end)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join("\n");
            Definition { kind, name, text }
        })
        .collect()
}

fn key(item: &Item) -> (&'static str, String) {
    match item {
        Item::Settings(_) => ("policy", String::new()),
        Item::Schema(s) => ("fields", s.entity.keyword().to_string()),
        Item::Event(x) => ("event", x.name.name.clone()),
        Item::Touchpoint(x) => ("touchpoint", x.name.name.clone()),
        Item::Score(x) => ("score", x.name.name.clone()),
        Item::Criteria(x) => ("criteria", x.name.name.clone()),
        Item::BuyingGroup(_) => ("buying_group", String::new()),
        Item::Lifecycle(x) => ("lifecycle", x.kind.name.clone()),
        Item::Sla(x) => ("sla", x.name.name.clone()),
        Item::Metric(x) => ("metric", x.name.name.clone()),
        Item::Incentive(x) => ("incentive", x.name.name.clone()),
    }
}

/// The new policy's definitions in its order (added or changed), then the
/// old policy's removed ones in its order.
pub fn compare(old: &str, new: &str) -> Vec<DefinitionChange> {
    let (old, new) = (definitions(old), definitions(new));
    let find = |defs: &[Definition], d: &Definition| -> Option<usize> {
        defs.iter()
            .position(|x| x.kind == d.kind && x.name == d.name)
    };
    let mut out = Vec::new();
    for d in &new {
        match find(&old, d).and_then(|i| old.get(i)) {
            None => out.push(DefinitionChange {
                kind: d.kind.into(),
                name: d.name.clone(),
                change: Change::Added,
                lines: Vec::new(),
            }),
            Some(o) if o.text != d.text => out.push(DefinitionChange {
                kind: d.kind.into(),
                name: d.name.clone(),
                change: Change::Changed,
                lines: line_diff(&o.text, &d.text),
            }),
            Some(_) => {}
        }
    }
    for o in &old {
        if find(&new, o).is_none() {
            out.push(DefinitionChange {
                kind: o.kind.into(),
                name: o.name.clone(),
                change: Change::Removed,
                lines: Vec::new(),
            });
        }
    }
    out
}

fn line_diff(old: &str, new: &str) -> Vec<String> {
    let diff = TextDiff::from_lines(old, new);
    let mut out = Vec::new();
    for (i, group) in diff.grouped_ops(1).iter().enumerate() {
        if i > 0 {
            out.push("  …".to_string());
        }
        for op in group {
            for change in diff.iter_changes(op) {
                let sign = match change.tag() {
                    ChangeTag::Delete => "- ",
                    ChangeTag::Insert => "+ ",
                    ChangeTag::Equal => "  ",
                };
                out.push(format!("{sign}{}", change.value().trim_end()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = r#"
policy "p" { version 1 }
# a comment
metric mqls = count(entered mql)
metric wins = count(entered customer)
criteria mql {
  fit: fit >= 30
  engaged: engagement >= 40
  require all
}
"#;

    #[test]
    fn only_meaning_counts_as_a_change() {
        // Comments, spacing and order are not changes; the threshold is.
        let new = r#"
policy "p" { version 1 }
criteria mql {
  fit:     fit >= 35
  engaged: engagement >= 40

  require all
}
metric mqls   =   count(entered mql)
metric sals = count(entered sal)
"#;
        let changes = compare(OLD, new);
        let summary: Vec<(String, String, Change)> = changes
            .iter()
            .map(|c| (c.kind.clone(), c.name.clone(), c.change))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("criteria".into(), "mql".into(), Change::Changed),
                ("metric".into(), "sals".into(), Change::Added),
                ("metric".into(), "wins".into(), Change::Removed),
            ]
        );
        let lines = &changes.first().map(|c| c.lines.clone()).unwrap_or_default();
        assert!(
            lines.contains(&"-   fit:     fit >= 30".to_string()),
            "{lines:?}"
        );
        assert!(
            lines.contains(&"+   fit:     fit >= 35".to_string()),
            "{lines:?}"
        );
    }
}
