//! docs/language.md stands alone: every keyword of the grammar and every
//! function of the checker's tables has an entry, and every policy
//! example in it parses.

use detente::check::expr::{CONTACT_FUNCS, METRIC_FUNCS};

use crate::root;

fn language() -> String {
    std::fs::read_to_string(root().join("docs/language.md")).unwrap()
}

/// The text of the section `## NAME`, up to the next `## `.
fn section(text: &str, name: &str) -> String {
    let start = text
        .find(&format!("\n## {name}\n"))
        .unwrap_or_else(|| panic!("docs/language.md has no `## {name}`"));
    let rest = &text[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |e| e + 3);
    rest[..end].to_string()
}

/// Every keyword the grammar defines (`kw_NAME = @{ "NAME" ~ ... }`).
fn grammar_keywords() -> Vec<String> {
    let grammar = std::fs::read_to_string(root().join("grammar/detente.pest")).unwrap();
    grammar
        .lines()
        .filter(|l| l.starts_with("kw_"))
        .filter_map(|l| l.split('"').nth(1).map(str::to_string))
        .collect()
}

#[test]
fn every_keyword_of_the_grammar_has_an_entry() {
    let keywords = section(&language(), "Keywords");
    // An entry is its `- ` line and the indented lines that go on with it.
    let mut entries: Vec<String> = Vec::new();
    for line in keywords.lines() {
        if let Some(e) = line.strip_prefix("- ") {
            entries.push(e.to_string());
        } else if line.starts_with("  ")
            && let Some(last) = entries.last_mut()
        {
            last.push(' ');
            last.push_str(line.trim());
        }
    }
    let words = grammar_keywords();
    assert!(
        words.len() >= 70,
        "{} keywords read from the grammar",
        words.len()
    );
    let missing: Vec<&String> = words
        .iter()
        .filter(|w| {
            let quoted = format!("`{w}`");
            // An entry names the keyword before its colon.
            !entries.iter().any(|e| {
                e.split_once(": ")
                    .is_some_and(|(names, _)| names.contains(&quoted))
            })
        })
        .collect();
    assert!(
        missing.is_empty(),
        "no entry in `## Keywords` for {missing:?}"
    );
}

#[test]
fn every_function_has_an_entry_with_an_example() {
    let functions = section(&language(), "Functions");
    let mut missing = Vec::new();
    for f in CONTACT_FUNCS.iter().chain(METRIC_FUNCS) {
        // An entry starts with the function in bold, then its arguments.
        let entry = functions
            .lines()
            .position(|l| l.contains(&format!("**`{f}(")))
            .map(|i| {
                functions
                    .lines()
                    .skip(i)
                    .take_while(|l| !l.is_empty())
                    .take(12)
                    .collect::<Vec<_>>()
                    .join(" ")
            });
        match entry {
            // Says what it returns and shows it used.
            Some(e) if e.contains('→') && e.matches('`').count() >= 4 => {}
            _ => missing.push(*f),
        }
    }
    assert!(
        missing.is_empty(),
        "no entry in `## Functions` for {missing:?}"
    );
}

/// The fenced examples that are whole definitions parse as written.
#[test]
fn every_policy_example_in_the_reference_parses() {
    let definitions = doc_examples();
    assert!(
        definitions.len() >= 7,
        "{} examples found",
        definitions.len()
    );
    for block in definitions {
        if let Err(errors) = detente::syntax::parse(&block) {
            panic!("this example does not parse: {errors:?}\n{block}");
        }
    }
}

/// The editor grammars move with the language: every keyword of the pest
/// grammar is highlighted by the TextMate grammar and appears in its test
/// fixtures (editors/vscode/tests, run by `npm test` in CI), and every
/// function of the checker is highlighted as one.
#[test]
fn the_textmate_grammar_knows_every_keyword_and_function() {
    let grammar =
        std::fs::read_to_string(root().join("editors/vscode/syntaxes/detente.tmLanguage.json"))
            .unwrap();
    let json: serde_json::Value = serde_json::from_str(&grammar).unwrap();
    assert_eq!(json["scopeName"], "source.detente");
    // Every word the grammar's regular expressions name.
    let named: std::collections::BTreeSet<String> = grammar
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map(str::to_string)
        .collect();
    let fixtures: String = ["definitions", "rules", "figures"]
        .iter()
        .map(|f| {
            let text =
                std::fs::read_to_string(root().join(format!("editors/vscode/tests/{f}.detente")))
                    .unwrap();
            // What the editor grammar is tested on is the language itself.
            if let Err(e) = detente::syntax::parse(&text) {
                panic!("editors/vscode/tests/{f}.detente does not parse: {e:?}");
            }
            text
        })
        .collect();
    // The fixtures' source lines (assertion lines are comments).
    let code: std::collections::BTreeSet<String> = fixtures
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .flat_map(|l| {
            l.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    let mut missing = Vec::new();
    for kw in grammar_keywords() {
        if !named.contains(&kw) {
            missing.push(format!("`{kw}` is not in the TextMate grammar"));
        }
        if !code.contains(&kw) {
            missing.push(format!("`{kw}` is in no fixture of editors/vscode/tests"));
        }
    }
    for f in CONTACT_FUNCS.iter().chain(METRIC_FUNCS) {
        if !named.contains(*f) {
            missing.push(format!("the function `{f}` is not in the TextMate grammar"));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

/// The fenced examples of docs/language.md that are whole definitions.
fn doc_examples() -> Vec<String> {
    let text = language();
    let mut blocks = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            match current.take() {
                Some(b) => blocks.push(b.join("\n")),
                None => current = Some(Vec::new()),
            }
        } else if let Some(b) = current.as_mut() {
            b.push(trimmed);
        }
    }
    blocks
        .into_iter()
        .filter(|b| {
            let first = b.split_whitespace().next().unwrap_or("");
            detente::syntax::ITEM_KEYWORDS.contains(&first)
        })
        .collect()
}

/// The tree-sitter grammar (editors/tree-sitter-detente) follows the
/// language: the committed parser is what its grammar.js generates, its
/// corpus and highlight queries pass `tree-sitter test`, and it parses
/// every shipped policy, the editor fixtures and every example of the
/// reference with no error node. CI installs the tree-sitter CLI; a
/// machine without it skips, CI fails.
#[test]
fn the_tree_sitter_grammar_parses_every_policy_and_example() {
    use std::process::Command;
    let have = Command::new("tree-sitter")
        .arg("--version")
        .output()
        .is_ok();
    if !have {
        assert!(
            std::env::var_os("CI").is_none(),
            "tree-sitter is missing on CI"
        );
        eprintln!("skipped: no tree-sitter CLI (cargo install tree-sitter-cli)");
        return;
    }
    let grammar = root().join("editors/tree-sitter-detente");
    let run = |dir: &std::path::Path, args: &[&str]| {
        let out = Command::new("tree-sitter")
            .current_dir(dir)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "tree-sitter {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    // The committed parser is generated from the committed grammar.
    let fresh = tempfile::tempdir().unwrap();
    for f in ["grammar.js", "tree-sitter.json"] {
        std::fs::copy(grammar.join(f), fresh.path().join(f)).unwrap();
    }
    run(fresh.path(), &["generate"]);
    let generated = std::fs::read_to_string(fresh.path().join("src/parser.c")).unwrap();
    let committed = std::fs::read_to_string(grammar.join("src/parser.c")).unwrap();
    assert!(
        generated == committed,
        "editors/tree-sitter-detente/src is stale: run `tree-sitter generate` there"
    );
    run(&grammar, &["test"]);
    let examples = tempfile::tempdir().unwrap();
    let mut files: Vec<std::path::PathBuf> = crate::detente_files("policies");
    for f in ["definitions", "rules", "figures"] {
        files.push(root().join(format!("editors/vscode/tests/{f}.detente")));
    }
    for (i, example) in doc_examples().iter().enumerate() {
        let path = examples.path().join(format!("example-{i}.detente"));
        std::fs::write(&path, example).unwrap();
        files.push(path);
    }
    assert!(files.len() >= 12, "{} files", files.len());
    for file in files {
        let path = file.to_string_lossy().to_string();
        run(&grammar, &["parse", "--quiet", &path]);
    }
}
