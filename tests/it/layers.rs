//! The pipeline's arrows point one way: the engine and the reports read
//! the compiled IR, never the checker's model or the syntax tree, and the
//! engine's modules form layers, each importing only the ones below it.

use std::path::Path;

/// Every `.rs` file below `dir`: (path, text).
pub(crate) fn sources(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            out.push((path.display().to_string(), text));
        }
    }
    out
}

/// The code of a file outside its `#[cfg(test)]` module.
fn code(text: &str) -> &str {
    text.split("#[cfg(test)]").next().unwrap_or(text)
}

#[test]
fn eval_and_report_read_only_the_ir() {
    let root = crate::root();
    let mut wrong = Vec::new();
    for dir in ["src/eval", "src/report"] {
        for (path, text) in sources(&root.join(dir)) {
            // Comparing two policies' definitions as written works on
            // their syntax trees by design.
            if path.ends_with("report/diff/definitions.rs") {
                continue;
            }
            for needle in [
                "crate::check",
                "crate::syntax",
                "check::model",
                "syntax::ast",
            ] {
                if code(&text).contains(needle) {
                    wrong.push(format!("{path} imports {needle}"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_engine_modules_form_layers() {
    // Lowest first: each may import only those before it.
    let layers = [
        "value",
        "problem",
        "calendar",
        "memo",
        "state",
        "parts",
        "view",
        "marks",
        "account_slas",
        "timers",
        "explain",
        "replay",
        "journey",
        "links",
        "prepare",
        "mod",
        "classify",
    ];
    let root = crate::root().join("src/eval");
    let mut wrong = Vec::new();
    for (i, name) in layers.iter().enumerate() {
        let text = std::fs::read_to_string(root.join(format!("{name}.rs"))).unwrap();
        let code = code(&text);
        for (j, other) in layers.iter().enumerate() {
            let imports = if *other == "mod" {
                code.contains("use super::{") || code.contains("super::evaluate")
            } else {
                code.contains(&format!("super::{other}::"))
                    || code.contains(&format!("super::{other};"))
                    || code.contains(&format!("use {other}::"))
            };
            if imports && j >= i && other != name {
                wrong.push(format!("eval/{name}.rs imports {other}, which is above it"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Every line of code (outside `#[cfg(test)]`) of the files below `dir`
/// that `bad` picks, as `path:line: text`; files `skip` names are left out.
fn lines_where(dir: &Path, skip: impl Fn(&str) -> bool, bad: impl Fn(&str) -> bool) -> Vec<String> {
    let mut wrong = Vec::new();
    for (path, text) in sources(dir).into_iter().filter(|(p, _)| !skip(p)) {
        for (n, line) in code(&text).lines().enumerate() {
            let line = line.trim();
            if bad(line) {
                wrong.push(format!("{path}:{}: {line}", n + 1));
            }
        }
    }
    wrong
}

/// The engine returns data; the report layer and the command line write
/// the sentences (explanations, problems, journeys' names).
#[test]
fn the_engine_writes_no_sentences() {
    let wrong = lines_where(
        &crate::root().join("src/eval"),
        |_| false,
        |line| !line.starts_with("//") && line.contains("format!("),
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The library's errors are typed: no function outside the command line
/// returns `Result<_, String>` (the command line is the edge, where
/// errors become the sentences it prints).
#[test]
fn library_errors_are_typed() {
    let wrong = lines_where(
        &crate::root().join("src"),
        |path| path.contains("/src/cli/") || path.ends_with("/src/main.rs"),
        |line| line.contains(", String>") && line.contains("Result<"),
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
