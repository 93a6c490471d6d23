//! `detente lsp` driven as an editor drives it: JSON-RPC over its stdin
//! and stdout. Diagnostics as `check` gives them, hover, definitions,
//! references, completion, formatting, the outline, and no crash on
//! half-typed text.

#![allow(
    clippy::indexing_slicing,
    clippy::expect_used,
    reason = "a test client: JSON is read by key (a missing key reads as null and fails the assertion), and a server that does not answer fails the test"
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use serde_json::{Value, json};

struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    next_id: i64,
}

impl Client {
    fn start() -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_detente"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, incoming) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        length = n.parse().unwrap();
                    }
                }
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                if tx.send(serde_json::from_slice(&body).unwrap()).is_err() {
                    return;
                }
            }
        });
        let mut c = Client {
            child,
            stdin,
            incoming,
            next_id: 1,
        };
        let init = c.request(
            "initialize",
            json!({"capabilities": {"general": {"positionEncodings": ["utf-16"]}}}),
        );
        assert_eq!(init["capabilities"]["positionEncoding"], "utf-16", "{init}");
        c.notify("initialized", json!({}));
        c
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn next(&mut self) -> Value {
        self.incoming
            .recv_timeout(Duration::from_secs(20))
            .expect("the server answers within 20 s")
    }

    /// The response to a request (notifications before it are dropped).
    fn request_raw(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let m = self.next();
            if m["id"] == json!(id) {
                return m;
            }
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let m = self.request_raw(method, params);
        assert!(m.get("error").is_none(), "{method}: {m}");
        m["result"].clone()
    }

    /// The next diagnostics published.
    fn diagnostics(&mut self) -> Vec<Value> {
        loop {
            let m = self.next();
            if m["method"] == "textDocument/publishDiagnostics" {
                return m["params"]["diagnostics"].as_array().unwrap().clone();
            }
        }
    }

    fn open(&mut self, text: &str) -> Vec<Value> {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": URI, "languageId": "detente", "version": 1, "text": text}}),
        );
        self.diagnostics()
    }

    fn change(&mut self, version: i32, text: &str) -> Vec<Value> {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": URI, "version": version}, "contentChanges": [{"text": text}]}),
        );
        self.diagnostics()
    }

    fn at(&mut self, method: &str, line: u32, character: u32) -> Value {
        let mut params = json!({
            "textDocument": {"uri": URI},
            "position": {"line": line, "character": character},
        });
        if method == "textDocument/references" {
            params["context"] = json!({"includeDeclaration": true});
        }
        self.request(method, params)
    }

    /// The labels completion offers at a place.
    fn completion(&mut self, line: u32, character: u32) -> Vec<String> {
        let items = self.at("textDocument/completion", line, character);
        items
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["label"].as_str().unwrap().to_string())
            .collect()
    }

    fn stop(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let status = self.child.wait().unwrap();
        assert!(status.success(), "{status:?}");
    }
}

const URI: &str = "file:///work/policies/test.detente";

const POLICY: &str = r#"policy "LSP" {
  timezone "UTC"
  teams marketing, sales
}

# Détente: a comment before the code moves UTF-16 columns.
contact { title: text? }
event demo_request { rating: number? }

score fit "How well they match" {
  owner marketing
  contact.title contains "VP" => +30
}

lifecycle contact {
  stage lead initial owner marketing
  stage mql owner marketing
  stage won final owner sales
  lead -> mql when fit >= 30 and seen(demo_request)
  mql -> won on demo_request where rating >= 4
}
"#;

#[test]
fn the_language_server_answers_as_an_editor_expects() {
    let mut c = Client::start();
    assert_eq!(c.open(POLICY), Vec::<Value>::new());

    // Hover on `fit` in the transition (line 18): the score, its owner
    // and description.
    let h = c.at("textDocument/hover", 18, 20);
    let text = h["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("**score** `fit`")
            && text.contains("How well they match")
            && text.contains("owner: marketing"),
        "{text}"
    );
    // Hover on a function: its signature and what it does.
    let h = c.at("textDocument/hover", 18, 35);
    let text = h["contents"]["value"].as_str().unwrap();
    assert!(text.contains("seen(PATTERN [within DURATION])"), "{text}");

    // Go to definition of `demo_request` from the `on` trigger (line 19).
    let d = c.at("textDocument/definition", 19, 20);
    assert_eq!(
        d[0]["range"]["start"],
        json!({"line": 7, "character": 6}),
        "{d}"
    );
    // `title` in `contact.title`: the contact field.
    let d = c.at("textDocument/definition", 11, 12);
    assert_eq!(
        d[0]["range"]["start"],
        json!({"line": 6, "character": 10}),
        "{d}"
    );
    // `rating` bare in the event's `where`: the event's field.
    let d = c.at("textDocument/definition", 19, 37);
    assert_eq!(
        d[0]["range"]["start"],
        json!({"line": 7, "character": 21}),
        "{d}"
    );

    // References of the stage `mql`: its definition and both transitions.
    let r = c.at("textDocument/references", 16, 9);
    let lines: Vec<u64> = r
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["range"]["start"]["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, vec![16, 18, 19], "{r}");

    // Completion after `contact.`: the contact's fields.
    let typed = POLICY.replace("contact.title contains", "contact.");
    c.change(2, &typed);
    let labels = c.completion(11, 10);
    assert!(
        labels.iter().any(|l| l == "title") && labels.iter().any(|l| l == "deals"),
        "{labels:?}"
    );
    // After `->`: stages.
    let typed = POLICY.replace("mql -> won on", "mql -> ");
    c.change(3, &typed);
    let labels = c.completion(19, 9);
    assert!(
        labels.iter().any(|l| l == "won") && labels.iter().any(|l| l == "lead"),
        "{labels:?}"
    );

    // A half-typed file: diagnostics with the code `check` gives, the
    // outline of what still parses, and the server carries on.
    let broken = POLICY.replace(
        "stage won final owner sales",
        "stage won final owner sales\n  mql -> ",
    );
    let d = c.change(4, &broken);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["code"], "E001");
    assert_eq!(d[0]["source"], "detente");
    let outline = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": URI}}),
    );
    let names: Vec<&str> = outline
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        vec!["LSP", "contact", "demo_request", "fit"],
        "{outline}"
    );

    // A checker error: the code, the exact place (UTF-16 columns after the
    // é above), the help in the message, related places.
    let unknown = POLICY.replace(
        "fit >= 30 and seen(demo_request)",
        "contact.title == \"Président\" and seen(demo_requets)",
    );
    let d = c.change(5, &unknown);
    assert_eq!(d[0]["code"], "E011", "{d:?}");
    assert_eq!(
        d[0]["range"]["start"],
        json!({"line": 18, "character": 57}),
        "{d:?}"
    );
    assert!(
        d[0]["message"]
            .as_str()
            .unwrap()
            .contains("help: did you mean `demo_request`?"),
        "{d:?}"
    );

    // Formatting: the canonical layout, as `detente fmt` writes it.
    let messy = POLICY.replace(
        "  stage lead initial owner marketing",
        "stage   lead initial owner marketing",
    );
    c.change(6, &messy);
    let edits = c.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": URI}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    let formatted = edits[0]["newText"].as_str().unwrap();
    assert_eq!(formatted, crate::fmt_text(&messy));

    // Garbage of every kind never stops it.
    for (v, text) in [
        "",
        "{{{{",
        "policy",
        "lifecycle contact { stage",
        "\u{0}\u{1}",
        "metric m = count(",
        "\"unterminated",
    ]
    .iter()
    .enumerate()
    {
        c.change(10 + v as i32, text);
        let r = c.request_raw(
            "textDocument/hover",
            json!({"textDocument": {"uri": URI}, "position": {"line": 0, "character": 3}}),
        );
        assert!(r.get("error").is_none(), "{r}");
    }
    // A method it does not know is an error answer, not a crash.
    let r = c.request_raw("textDocument/rename", json!({"textDocument": {"uri": URI}, "position": {"line": 0, "character": 0}, "newName": "x"}));
    assert_eq!(r["error"]["code"], -32601, "{r}");
    c.stop();
}

/// A policy written from an empty file, a character at a time, as an
/// editor sends it: every change answered with diagnostics (never a
/// crash), completion offering what may stand where the cursor is, and
/// no problem left when the policy is whole.
#[test]
fn a_policy_is_written_from_an_empty_file() {
    const WRITTEN: &str = r#"policy "Typed" {
  timezone "UTC"
  teams marketing, sales
}

contact { title: text? }
event demo_request { rating: number? }

lifecycle contact {
  stage lead initial owner marketing
  stage mql owner marketing
  stage won final owner sales
  lead -> mql when contact.title contains "VP"
  mql -> won on demo_request where rating >= 4
}
"#;
    let mut c = Client::start();
    // An empty file: the policy block it needs.
    let empty = c.open("");
    assert_eq!(empty[0]["code"], "E063", "{empty:?}");
    let mut with_errors = 0;
    let mut typed = String::new();
    let mut version = 1;
    let mut offered: Vec<(String, Vec<String>)> = Vec::new();
    for ch in WRITTEN.chars() {
        typed.push(ch);
        version += 1;
        if !c.change(version, &typed).is_empty() {
            with_errors += 1;
        }
        // Where completion matters, ask for it at the cursor.
        for cue in ["lead -> ", "contact.", " on "] {
            if typed.ends_with(cue) {
                let line = typed.lines().count() as u32 - 1;
                let character = typed.lines().last().unwrap().encode_utf16().count() as u32;
                offered.push((cue.to_string(), c.completion(line, character)));
            }
        }
    }
    // Errors as you type: a half-written policy says what is missing at
    // nearly every keystroke; the whole policy has no problem left.
    assert!(
        with_errors > WRITTEN.len() / 2,
        "{with_errors} of {}",
        WRITTEN.len()
    );
    let last = c.change(version + 1, WRITTEN);
    assert_eq!(last, Vec::<Value>::new());
    let find = |cue: &str| {
        offered
            .iter()
            .filter(|(c, _)| c == cue)
            .map(|(_, labels)| labels.clone())
            .collect::<Vec<_>>()
    };
    // After `lead -> `: the stages declared above it.
    assert!(
        find("lead -> ")
            .iter()
            .any(|l| l.contains(&"mql".to_string())),
        "{offered:?}"
    );
    // After `contact.` (in the transition): the contact's fields.
    assert!(
        find("contact.")
            .iter()
            .any(|l| l.contains(&"title".to_string())),
        "{offered:?}"
    );
    // After `on `: the events.
    assert!(
        find(" on ")
            .iter()
            .any(|l| l.contains(&"demo_request".to_string())),
        "{offered:?}"
    );
    c.stop();
}
