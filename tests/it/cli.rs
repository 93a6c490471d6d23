//! Golden end-to-end tests: the real `detente` binary on files in `tests/`.

use crate::{detente, root, stdout};

#[test]
fn check_policies_prints_only_a_success_line() {
    let out = detente().args(["check", "policies/"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "checked 2 policy files: no problems found\n");
}

#[test]
fn check_defaults_to_the_policies_folder() {
    let out = detente().arg("check").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn errors_exit_1_with_the_report() {
    let out = detente()
        .args(["check", "tests/fixtures/check/E011-unknown-stage.detente"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn warnings_pass_unless_denied() {
    let file = "tests/fixtures/check/W005-unused-score.detente";
    let out = detente().args(["check", file]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).ends_with("checked 1 policy file: 0 errors, 1 warning\n"));
    let out = detente()
        .args(["check", "--deny", "warnings", file])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_missing_file_is_a_usage_error() {
    let out = detente().args(["check", "nope.detente"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "error: `nope.detente` does not exist\n"
    );
    let out = detente()
        .args(["check", "--format", "yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn json_format_is_one_object_per_line() {
    let out = detente()
        .args([
            "check",
            "--format",
            "json",
            "tests/fixtures/check/E001-several-errors.detente",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    for l in &lines {
        assert_eq!(l["code"], "E001");
        assert_eq!(l["severity"], "error");
        assert_eq!(
            l["file"],
            "tests/fixtures/check/E001-several-errors.detente"
        );
    }
    let places: Vec<(u64, u64)> = lines
        .iter()
        .map(|l| (l["line"].as_u64().unwrap(), l["column"].as_u64().unwrap()))
        .collect();
    assert_eq!(places, [(6, 27), (10, 27), (15, 11)]);
}

#[test]
fn sarif_is_valid_2_1_0_with_one_result_per_diagnostic() {
    let out = detente()
        .args([
            "check",
            "--format",
            "sarif",
            "tests/fixtures/check/E011-unknown-stage.detente",
            "tests/fixtures/check/W006-stage-without-owner.detente",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "detente");
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["ruleId"], "E011");
    assert_eq!(results[0]["level"], "error");
    assert_eq!(results[1]["ruleId"], "W006");
    assert_eq!(results[1]["level"], "warning");
    let region = &results[0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 12);
    // Every result's rule is in the rule list at the index it names.
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for r in results {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
    }
}

#[test]
fn fmt_check_reports_without_writing_and_fmt_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("messy.detente");
    let messy = "policy \"Messy\" { teams marketing }\nevent form_submit {form:text}\n# keep me\nlifecycle contact { stage lead initial owner marketing\nstage won final\nlead->won on form_submit # and me\n}\n";
    std::fs::write(&path, messy).unwrap();
    let out = detente()
        .args(["fmt", "--check"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), messy);
    let out = detente().arg("fmt").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let formatted = std::fs::read_to_string(&path).unwrap();
    insta::assert_snapshot!(formatted);
    let out = detente()
        .args(["fmt", "--check"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn fmt_refuses_a_file_with_syntax_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.detente");
    std::fs::write(&path, "policy \"Broken\" {\n").unwrap();
    let out = detente().arg("fmt").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "policy \"Broken\" {\n"
    );
}

#[test]
fn graph_dot_and_mermaid() {
    let dot = detente()
        .args(["graph", "policies/acme.detente", "--lifecycle", "account"])
        .output()
        .unwrap();
    assert_eq!(dot.status.code(), Some(0));
    insta::assert_snapshot!("graph_dot_account", stdout(&dot));
    let mermaid = detente()
        .args([
            "graph",
            "--format",
            "mermaid",
            "policies/product-led.detente",
        ])
        .output()
        .unwrap();
    assert_eq!(mermaid.status.code(), Some(0));
    insta::assert_snapshot!("graph_mermaid_product_led", stdout(&mermaid));
}

#[test]
fn graph_of_a_broken_policy_explains_why() {
    let out = detente()
        .args(["graph", "tests/fixtures/check/E011-unknown-event.detente"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("did you mean `form_submit`?")
    );
}

fn validate_fixture(extra: &[&str]) -> std::process::Output {
    let mut c = detente();
    c.args([
        "validate",
        "--policy",
        "policies/acme.detente",
        "--contacts",
        "tests/fixtures/data/contacts.csv",
        "--accounts",
        "tests/fixtures/data/accounts.csv",
        "--events",
        "tests/fixtures/data/events.jsonl",
    ]);
    c.args(extra);
    c.output().unwrap()
}

#[test]
fn validate_reports_every_bad_row_with_place_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    let rejects = dir.path().join("rejects.csv");
    let out = validate_fixture(&["--rejects", rejects.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!(stdout(&out));
    // Every problem is in the rejects file, with the row as written.
    let mut r = csv::Reader::from_path(&rejects).unwrap();
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(rows.len(), 15);
    // The code says what kind of problem it is (docs/diagnostics.md):
    // `yesterday` is a value that does not fit a time.
    assert_eq!(&rows[0][4], "D013");
    assert_eq!(&rows[0][5][..11], "`yesterday`");
    assert_eq!(
        &rows[0][6],
        "c-3,a-2,yesterday,cy@other.example,Engineer,IT,ic,no,,rep-2,"
    );
}

#[test]
fn validate_strict_fails_after_reporting_everything() {
    let out = validate_fixture(&["--strict"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out).matches("rejected[").count(), 13);
}

#[test]
fn validate_reads_the_olist_export_through_its_manifest() {
    // The real Olist data is read in place from the shared folder.
    let olist = root().join("../shared/data/olist-marketing-funnel");
    if !olist.exists() {
        eprintln!("skipped: {} is not present", olist.display());
        return;
    }
    let out = detente()
        .current_dir(root().join("examples/olist"))
        .arg("validate")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    // Columns: read, accepted, rejected, duplicates, skipped.
    let row = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .map(|l| l.split_whitespace().skip(1).collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    };
    assert_eq!(row("contacts"), "8000 8000 0 0 0", "{text}");
    assert!(row("events") == "9684 9684 0 0 0", "{text}");
    // The one deal won before its first contact is reported, not dropped.
    assert!(
        text.contains("olist_closed_deals_dataset.csv:669: warning"),
        "{text}"
    );
}

/// `detente classify | head`: the reader closes the pipe after a few
/// bytes. The command stops quietly with success, as `head` expects, and
/// never panics (`print!` would). Both the whole classify and `--stream`.
#[test]
fn a_reader_that_closes_the_pipe_early_ends_the_command_quietly() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let bin = assert_cmd::cargo::cargo_bin("detente");
    for args in [
        &["classify"][..],
        &["classify", "--stream", "-o", "jsonl"][..],
    ] {
        let mut child = Command::new(&bin)
            .args(args)
            .current_dir(crate::root())
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 64];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap();
        // The pipe's read end is closed here, with most of the output unread.
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("cannot write"), "{args:?}: {stderr}");
        assert!(out.status.success(), "{args:?}: {:?} {stderr}", out.status);
    }
}

/// The library example (`examples/describe_policy.rs`) describes acme's
/// lifecycles, and prints the diagnostics of a policy that does not
/// compile, exiting 1.
#[test]
fn the_library_example_describes_a_policy_or_its_problems() {
    let out = crate::example("describe_policy")
        .arg("policies/acme.detente")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    insta::assert_snapshot!(stdout(&out));
    let out = crate::example("describe_policy")
        .arg("tests/fixtures/check/E011-unknown-stage.detente")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("E011-unknown-stage.detente") && stderr.contains("E011"),
        "{stderr}"
    );
}

/// Each bad row of the shipped bad-events file gets the code of its
/// problem, worked out from the file by hand: line 2 `2026-13-45` and
/// line 3 year 99999 are not times, line 4 `lots` is no amount, line 5
/// `maybe` is not an outcome (D013); line 6 has no contact and line 7 no
/// url (D014); line 8's `tweet` is no event type (D016, a warning); line
/// 9 has a column too many (D011); line 10 is not UTF-8 (D012).
#[test]
fn every_bad_row_is_reported_with_its_code() {
    let out = detente()
        .args(["validate", "--events", "examples/data/bad-events.csv"])
        .output()
        .unwrap();
    let text = stdout(&out);
    let codes: Vec<(u32, &str)> = text
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("examples/data/bad-events.csv:")?;
            let (line, rest) = rest.split_once(": ")?;
            let code = rest.split_once('[')?.1.split_once(']')?.0;
            Some((line.parse().ok()?, code))
        })
        .collect();
    assert_eq!(
        codes,
        [
            (2, "D013"),
            (3, "D013"),
            (4, "D013"),
            (5, "D013"),
            (6, "D014"),
            (7, "D014"),
            (8, "D016"),
            (9, "D011"),
            (10, "D012"),
        ],
        "{text}"
    );
}

/// Editors and pre-commit hooks pipe a policy through: `check -` reads
/// standard input and names it `<stdin>`; `fmt -` writes the canonical
/// layout to standard output and nothing else, and leaves diagnostics
/// on standard error.
#[test]
fn check_and_fmt_read_standard_input() {
    let messy = "policy \"Messy\" { teams marketing }\nevent form_submit {form:text}\nlifecycle contact { stage lead initial owner marketing\nstage won final\nlead->won on form_submit\n}\n";
    let out = detente()
        .args(["check", "-"])
        .write_stdin(messy)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(stdout(&out), "checked 1 policy file: no problems found\n");

    let out = detente()
        .args(["fmt", "-"])
        .write_stdin(messy)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let formatted = stdout(&out);
    let path = root().join("policies/acme.detente");
    let canonical = std::fs::read_to_string(&path).unwrap();
    assert!(
        formatted.starts_with("policy \"Messy\" {\n  teams marketing\n}\n"),
        "{formatted}"
    );
    // The output is canonical: through `fmt -` again, unchanged; and a
    // canonical policy comes back byte for byte.
    let again = detente()
        .args(["fmt", "-"])
        .write_stdin(formatted.clone())
        .output()
        .unwrap();
    assert_eq!(stdout(&again), formatted);
    let same = detente()
        .args(["fmt", "-"])
        .write_stdin(canonical.clone())
        .output()
        .unwrap();
    assert_eq!(stdout(&same), canonical);

    // A broken policy: its diagnostic on standard error, nothing on
    // standard output, exit 1.
    let out = detente()
        .args(["fmt", "-"])
        .write_stdin("policy \"Broken\" {\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("<stdin>:2:1") && err.contains("E001"), "{err}");
    let out = detente()
        .args(["check", "-"])
        .write_stdin("policy \"Broken\" {\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("<stdin>:2:1"), "{}", stdout(&out));

    let out = detente().args(["check", "-", "-"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// `fmt --check --diff` shows each change as a unified diff, writes
/// nothing and exits 1; on a formatted file it prints no diff.
#[test]
fn fmt_check_diff_shows_the_change() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("messy.detente");
    let messy = "policy \"Messy\" { teams marketing }\nevent form_submit { form: text }\n\nlifecycle contact {\n  stage lead initial owner marketing\n  stage won final\n  lead->won on form_submit\n}\n";
    std::fs::write(&path, messy).unwrap();
    let out = detente()
        .args(["fmt", "--check", "--diff"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), messy);
    let name = path.display().to_string();
    let said = stdout(&out);
    let want = format!(
        "--- {name}\n+++ {name} (formatted)\n@@ -1,8 +1,11 @@\n-policy \"Messy\" {{ teams marketing }}\n+policy \"Messy\" {{\n+  teams marketing\n+}}\n+\n event form_submit {{ form: text }}\n \n lifecycle contact {{\n   stage lead initial owner marketing\n-  stage won final\n-  lead->won on form_submit\n+  stage won  final\n+  lead -> won on form_submit\n }}\n1 of 1 policy file need formatting: run `detente fmt`\n"
    );
    assert_eq!(said, want);
    let out = detente()
        .args(["fmt", "--check", "--diff", "policies"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "2 policy files already formatted\n");
}

/// `completions SHELL` prints a script that completes the commands, and
/// `man` the manual page, the main one or a command's.
#[test]
fn completions_and_the_manual_page() {
    for (shell, marker) in [
        ("bash", "complete -F _detente"),
        ("zsh", "#compdef detente"),
        ("fish", "complete -c detente"),
    ] {
        let out = detente().args(["completions", shell]).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        let script = stdout(&out);
        assert!(script.contains(marker), "{shell}: {script}");
        assert!(
            script.contains("classify") && script.contains("as-of"),
            "{shell}"
        );
    }
    let out = detente().args(["man"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let page = stdout(&out);
    assert!(page.contains(".TH detente 1"), "{page}");
    assert!(page.contains("detente\\-report(1)"), "{page}");
    let out = detente().args(["man", "fmt"]).output().unwrap();
    let page = stdout(&out);
    assert!(page.contains(".TH detente-fmt 1"), "{page}");
    assert!(page.contains("\\-\\-diff"), "{page}");
    let out = detente().args(["man", "nope"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
