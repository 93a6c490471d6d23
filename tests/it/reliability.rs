//! Bad input is contained: values that check or load clean never panic
//! later, and a policy cannot overflow the parser's stack. Each case is a
//! regression test of the "Reliability" issue; each failed (a panic, an
//! abort, a silent wrong figure) before its fix.

#![allow(
    clippy::indexing_slicing,
    reason = "JSON is read by key; a missing key reads as null and fails the assertion"
)]

use serde_json::{Value as Json, json};

use crate::{detente, stdout};

fn check(source: &str) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.detente");
    std::fs::write(&path, source).unwrap();
    let out = detente().arg("check").arg(&path).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned() + &stdout(&out),
    )
}

/// A string ending in a backslash at the end of a line, then 20,000
/// brackets: the nesting cap holds (E004), no stack overflow (exit 134).
#[test]
fn a_backslash_before_a_line_break_cannot_smuggle_deep_nesting_past_the_cap() {
    let source = format!(
        "policy \"x\" {{\n  timezone \"UTC\\\n{}\n",
        "(".repeat(20_000)
    );
    let (code, out) = check(&source);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("E004") && out.contains("E005"), "{out}");
}

const TINY: &str = r#"policy "Tiny" {
  timezone "UTC"
  currency "USD"
  teams sales
}

contact {
  expected_cycle: duration?
}

event deal_won { amount: money }

lifecycle contact {
  stage lead initial owner sales
  stage won final owner sales

  lead -> won on deal_won
}
"#;

/// Durations past 100 years are refused by check (E053), not a panic in
/// the replay's date arithmetic (exit 101).
#[test]
fn a_duration_past_the_range_is_refused_by_check() {
    let policy = TINY.replace(
        "  lead -> won on deal_won\n",
        "  lead -> won on deal_won\n  lead -> won after 200000000000d\n",
    );
    let (code, out) = check(&policy);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("E053") && out.contains("at most 100 years"),
        "{out}"
    );
    let money = format!("{TINY}metric big = count(deal_won) * $2000000000000000\n");
    let (code, out) = check(&money);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("E054"), "{out}");
}

/// A duration or an amount past the range in the data is a bad value on
/// its line, and the stream goes on answering the next lines.
#[test]
fn values_past_the_range_in_data_are_bad_rows_and_the_stream_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("p.detente");
    std::fs::write(&policy, TINY).unwrap();
    let lines = [
        json!({"id": "c-1", "expected_cycle": "200000000000d"}),
        json!({"id": "c-2", "events": [{"at": "2026-01-02", "type": "deal_won",
            "amount": "79228162514264337593543950335"}]}),
        json!({"id": "c-3", "events": [{"at": "2026-01-02", "type": "deal_won", "amount": "1000"}]}),
    ]
    .map(|l| l.to_string())
    .join("\n");
    let out = detente()
        .args(["classify", "--stdin", "--policy"])
        .arg(&policy)
        .write_stdin(lines)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let answers: Vec<Json> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answers.len(), 3, "{answers:?}");
    let text = |j: &Json| j.to_string();
    assert!(text(&answers[0]).contains("out of range"), "{}", answers[0]);
    assert!(text(&answers[1]).contains("out of range"), "{}", answers[1]);
    assert_eq!(answers[2]["stage"], "won", "{}", answers[2]);
}

/// Money arithmetic past what an exact decimal holds is "no data" with the
/// reason, not a panic in `report`.
#[test]
fn money_arithmetic_past_the_decimal_range_is_no_data_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("p.detente");
    std::fs::write(
        &policy,
        format!(
            "{TINY}metric bookings = sum(deal_won.amount)\nmetric huge = bookings * 1_000_000_000_000_000 * 1_000_000_000_000_000\n"
        ),
    )
    .unwrap();
    let events = dir.path().join("events.csv");
    std::fs::write(
        &events,
        "contact,at,type,amount\nc1,2026-01-02,deal_won,1000000000000000\nc2,2026-01-03,deal_won,1000000000000000\n",
    )
    .unwrap();
    let out = detente()
        .args(["report", "-o", "json", "--policy"])
        .arg(&policy)
        .arg("--events")
        .arg(&events)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let r: Json = serde_json::from_str(&stdout(&out)).unwrap();
    let metric = |name: &str| {
        r["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["metric"] == name)
            .unwrap()["values"][0]
            .clone()
    };
    assert_eq!(metric("bookings")["value"], "2000000000000000.00");
    assert_eq!(metric("huge")["value"], Json::Null);
    assert!(
        metric("huge")["no_data"]
            .as_str()
            .unwrap()
            .contains("too large")
    );
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

/// A truncated `.csv.gz` or `.jsonl.gz`, or a folder named like a data
/// file, stops the command with exit 2 and the file and line; before, the
/// CSV lost half its rows with exit 0 and the JSON Lines looped until it
/// ran out of memory.
#[test]
fn an_unreadable_file_stops_the_command_naming_where() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("p.detente");
    std::fs::write(&policy, TINY).unwrap();
    let mut csv = b"contact,at,type,amount\n".to_vec();
    let mut jsonl = Vec::new();
    for i in 0..30_000 {
        csv.extend(format!("c{i},2026-01-02,deal_won,{i}\n").as_bytes());
        jsonl.extend(
            format!("{{\"contact\":\"c{i}\",\"at\":\"2026-01-02\",\"type\":\"deal_won\",\"amount\":{i}}}\n")
                .as_bytes(),
        );
    }
    let folder = dir.path().join("folder.jsonl");
    std::fs::create_dir(&folder).unwrap();
    for (name, text) in [("events.csv.gz", csv), ("events.jsonl.gz", jsonl)] {
        let gz = gzip(&text);
        let path = dir.path().join(name);
        std::fs::write(&path, gz.get(..gz.len() / 2).unwrap()).unwrap();
        for command in ["classify", "report", "validate"] {
            let out = detente()
                .args([command, "--policy"])
                .arg(&policy)
                .arg("--events")
                .arg(&path)
                .timeout(std::time::Duration::from_secs(60))
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{command} {name}: {err}");
            assert!(err.contains(name) && err.contains("past line"), "{err}");
        }
    }
    let out = detente()
        .args(["classify", "--policy"])
        .arg(&policy)
        .arg("--events")
        .arg(&folder)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is a folder"));
}

/// A second row for an account is a counted duplicate with a warning, and
/// the first row is the one used: a1's 500 employees, not 45.
#[test]
fn a_repeated_account_row_is_a_duplicate_and_the_first_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("p.detente");
    std::fs::write(
        &policy,
        TINY.replacen(
            "contact {\n",
            "account {\n  employees: number\n}\n\ncontact {\n",
            1,
        )
        .replace(
            "event deal_won",
            "score size {\n  owner sales\n  account.employees >= 200 => +60\n}\n\nevent deal_won",
        )
        .replace(
            "lead -> won on deal_won",
            "lead -> won on deal_won where size >= 60",
        ),
    )
    .unwrap();
    let accounts = dir.path().join("accounts.csv");
    std::fs::write(&accounts, "id,employees\na1,500\na2,10\na1,45\n").unwrap();
    let contacts = dir.path().join("contacts.csv");
    std::fs::write(&contacts, "id,account\nc1,a1\n").unwrap();
    let events = dir.path().join("events.csv");
    std::fs::write(
        &events,
        "contact,at,type,amount\nc1,2026-01-02,deal_won,10\n",
    )
    .unwrap();
    let out = detente()
        .args(["classify", "-o", "jsonl", "--policy"])
        .arg(&policy)
        .arg("--accounts")
        .arg(&accounts)
        .arg("--contacts")
        .arg(&contacts)
        .arg("--events")
        .arg(&events)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("accounts.csv:4")
            && err.contains("already read at")
            && err.contains("duplicates 1"),
        "{err}"
    );
    let j: Json = serde_json::from_str(stdout(&out).lines().next().unwrap()).unwrap();
    assert_eq!(j["scores"]["size"], 60, "{j}");
    assert_eq!(j["stage"], "won");
}

/// A pattern whose automaton is over the size limit is refused by check
/// (E050); before, it checked clean and silently matched nothing.
#[test]
fn a_regex_too_large_to_build_is_refused_by_check() {
    let policy = TINY.replace(
        "event deal_won { amount: money }",
        "event deal_won { amount: money, note: text? }\n\ntouchpoint big_note = deal_won where note matches \"(\\\\w{100}){100}\" by sales",
    );
    let (code, out) = check(&policy);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("E050") && out.contains("MiB"), "{out}");
}

/// `git:REV:PATH` never passes an option to git: a revision starting with
/// `-` is a usage error, and no file is written.
#[test]
fn a_git_revision_that_looks_like_an_option_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("written");
    let spec = format!("git:--output={}:x", target.display());
    let out = detente()
        .args(["diff", &spec, "policies/acme.detente"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a git revision"));
    assert!(!target.exists());
}

/// Ctrl-C during `classify --stream` stops after the batch being written:
/// every line of the output is whole, a summary says how many journeys
/// were written, and the exit code is 130 (before: a cut-off last line
/// and the shell's default).
#[cfg(unix)]
#[test]
fn an_interrupted_stream_ends_with_whole_lines_and_exit_130() {
    let dir = tempfile::tempdir().unwrap();
    detente()
        .args(["generate", "--accounts", "1200", "--no-gzip", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let out_path = dir.path().join("out.jsonl");
    let bin = assert_cmd::cargo::cargo_bin("detente");
    let child = std::process::Command::new(bin)
        .current_dir(crate::root())
        .args([
            "classify",
            "--stream",
            "--batch-events",
            "50",
            "-o",
            "jsonl",
        ])
        .args(["--as-of", "2027-01-01", "--policy", "policies/acme.detente"])
        .arg("--contacts")
        .arg(dir.path().join("contacts.csv"))
        .arg("--accounts")
        .arg(dir.path().join("accounts.csv"))
        .arg("--events")
        .arg(dir.path().join("events.jsonl"))
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Interrupt once journeys are coming out.
    let started = std::time::Instant::now();
    while std::fs::metadata(&out_path).map(|m| m.len()).unwrap_or(0) == 0 {
        assert!(started.elapsed().as_secs() < 120, "no output");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    let text = std::fs::read_to_string(&out_path).unwrap();
    assert!(text.ends_with('\n'));
    let lines = text.lines().count();
    for line in text.lines() {
        serde_json::from_str::<Json>(line).unwrap();
    }
    assert!(
        err.contains(&format!("interrupted: {lines} journey")),
        "{err}"
    );
}
