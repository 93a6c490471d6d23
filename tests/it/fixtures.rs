//! One fixture per diagnostic code under `tests/fixtures/check/`, each
//! rendered as a user sees it and snapshotted.

use detente::diagnostic::{
    Diagnostics, Problem, codes::CODES, render_graphical, render_json_lines,
};
use detente::{Policy, syntax};

use crate::{relative, root};

/// What `detente check` reports for a file: syntax, UTF-8 and check
/// problems alike.
fn diagnose(path: &std::path::Path) -> Diagnostics {
    let bytes = std::fs::read(path).unwrap();
    let name = relative(path);
    match syntax::decode(&bytes) {
        Err(e) => Diagnostics::new(
            &name,
            &String::from_utf8_lossy(&bytes),
            vec![Problem::from(e)],
        ),
        Ok(source) => match Policy::compile_named(&name, source) {
            Ok(p) => p.warnings().clone(),
            Err(d) => d,
        },
    }
}

#[test]
fn every_fixture_reports_its_code() {
    insta::glob!(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures"),
        "check/*.detente",
        |path| {
            let file = path.file_name().unwrap().to_string_lossy().to_string();
            let code = file.get(..4).unwrap();
            let d = diagnose(path);
            let codes: Vec<String> = d.problems.iter().map(Problem::code_str).collect();
            assert!(
                codes.iter().any(|c| c == code),
                "{file} should report {code}, reported {codes:?}"
            );
            // One mistake, one diagnostic: fixtures have exactly one mistake
            // unless their name says "several".
            if !file.contains("several") {
                assert_eq!(codes.len(), 1, "{file} reported {codes:?}");
            }
            insta::assert_snapshot!(render_graphical(&d, false));
        }
    );
}

#[test]
fn diagnostics_as_json_lines() {
    let d = diagnose(&root().join("tests/fixtures/check/E011-unknown-stage.detente"));
    let out = render_json_lines(&d);
    for line in out.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["code"], "E011");
    }
    insta::assert_snapshot!(out);
}

#[test]
fn every_code_has_a_fixture() {
    let names: Vec<String> = std::fs::read_dir(root().join("tests/fixtures/check"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    for (code, _) in CODES {
        assert!(
            names.iter().any(|n| n.starts_with(code)),
            "no fixture for {code} in tests/fixtures/check"
        );
    }
}

#[test]
fn every_code_is_documented() {
    let doc = std::fs::read_to_string(root().join("docs/diagnostics.md")).unwrap();
    for (code, _) in CODES {
        assert!(
            doc.contains(&format!("| {code} |")),
            "docs/diagnostics.md has no row for {code}"
        );
    }
}

/// Every data (D0xx), replay (R0xx) and merge (M0xx) code the library can give is in
/// docs/diagnostics.md, and every one documented there is given
/// somewhere: a code cannot be used without its row, nor documented and
/// dead.
#[test]
fn data_and_replay_codes_are_used_and_documented() {
    let doc = std::fs::read_to_string(root().join("docs/diagnostics.md")).unwrap();
    let code_re = regex::Regex::new(r#""([DRM]0\d\d)""#).unwrap();
    let mut used = std::collections::BTreeSet::new();
    // The Python package gives D007 (a data frame's column no cell can
    // hold), which only a data frame can have.
    for file in [
        "src/data/codes.rs",
        "src/eval/problem.rs",
        "src/report/partial.rs",
        "src/report/merge.rs",
        "python/detente/_frames.py",
    ] {
        let text = std::fs::read_to_string(root().join(file)).unwrap();
        for c in code_re.captures_iter(&text) {
            used.insert(c[1].to_string());
        }
    }
    let row_re = regex::Regex::new(r"(?m)^\| ([DRM]0\d\d) \|").unwrap();
    let documented: std::collections::BTreeSet<String> = row_re
        .captures_iter(&doc)
        .map(|c| c[1].to_string())
        .collect();
    assert!(used.len() >= 20, "{used:?}");
    assert_eq!(
        used, documented,
        "codes given (left) and documented (right)"
    );
    // And each code is given where a problem is made, not only declared.
    let sources = ["src/data", "src/eval"]
        .iter()
        .flat_map(|d| crate::layers::sources(&root().join(d)))
        .map(|(_, text)| text)
        .collect::<String>();
    for variant in [
        "RowCode::Header",
        "RowCode::Shape",
        "RowCode::Encoding",
        "RowCode::Value",
        "RowCode::Missing",
        "RowCode::Stage",
        "RowCode::EventType",
        "RowCode::EmptyUpdate",
        "RowCode::Repeated",
        "RowCode::BeforeCreation",
        "RowCode::Unfollowed",
        "DataError::UnknownFormat {",
        "DataError::Unreadable {",
        "DataError::CutShort {",
        "DataError::Manifest {",
        "DataError::NotGrouped {",
        "Runtime::Chain {",
        "Runtime::MergeIntoUnknown {",
        "Runtime::MergeReversed {",
        "Runtime::Calculation {",
    ] {
        let made = sources.matches(variant).count();
        assert!(made >= 2, "{variant} is declared but never given");
    }
}
