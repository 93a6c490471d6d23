//! `detente serve`: the real server on an ephemeral port, called with a
//! real HTTP client (ureq).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use serde_json::{Value as Json, json};

use crate::root;

struct Server {
    child: Child,
    base: String,
    log: Receiver<String>,
}

impl Server {
    fn start(policy: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_detente"))
            .args(["serve", "--listen", "127.0.0.1:0", "--reload-ms", "100"])
            .arg("--policy")
            .arg(policy)
            .args(extra)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, log) = channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let first = log.recv_timeout(Duration::from_secs(30)).unwrap();
        let addr = first
            .split("listening on ")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .unwrap_or_else(|| panic!("no address in: {first}"))
            .to_string();
        Server {
            child,
            base: addr,
            log,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// (status, body) whatever the status.
    fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        token: Option<&str>,
    ) -> (u16, String) {
        let mut req = ureq::request(method, &self.url(path));
        if let Some(t) = token {
            req = req.set("Authorization", &format!("Bearer {t}"));
        }
        let res = match body {
            Some(b) => req.set("Content-Type", "application/json").send_string(b),
            None => req.call(),
        };
        match res {
            Ok(r) => (r.status(), r.into_string().unwrap()),
            Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap()),
            Err(e) => panic!("{method} {path}: {e}"),
        }
    }

    fn json(&self, method: &str, path: &str, body: Option<&Json>) -> (u16, Json) {
        let (code, text) = self.call(method, path, body.map(|b| b.to_string()).as_deref(), None);
        (
            code,
            serde_json::from_str(&text).unwrap_or(Json::String(text)),
        )
    }

    /// Waits for a log line containing `what`.
    fn wait_log(&self, what: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut seen = Vec::new();
        while Instant::now() < deadline {
            if let Ok(line) = self.log.recv_timeout(Duration::from_millis(200)) {
                if line.contains(what) {
                    return line;
                }
                seen.push(line);
            }
        }
        panic!("no log line with {what:?}; saw: {seen:#?}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn policy_copy() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("acme.detente");
    std::fs::copy(root().join("policies/acme.detente"), &path).unwrap();
    (dir, path)
}

fn vp() -> Json {
    // Fit 40 (20 title + 5 director + 15 for 500 employees) and a demo
    // request: lead and mql at once.
    json!({"id": "c-1", "email": "vp@big.example", "title": "VP Sales", "seniority": "director",
           "consent_given_on": "2026-03-01",
           "account": {"id": "a-1", "domain": "big.example", "employees": 500},
           "events": [{"at": "2026-03-02T09:00:00Z", "type": "form_submit", "form": "demo"}]})
}

#[test]
fn classify_explain_and_policy_answer_with_the_engines_json() {
    let (_dir, policy) = policy_copy();
    let s = Server::start(&policy, &[]);
    let (code, health) = s.json("GET", "/healthz", None);
    assert_eq!(code, 200);
    assert_eq!(health["status"], "ok");

    let (code, body) = s.json("POST", "/v1/classify", Some(&json!({"contacts": [vp()]})));
    assert_eq!(code, 200, "{body}");
    let j = &body["journeys"][0];
    assert_eq!(
        (j["contact"].as_str(), j["stage"].as_str()),
        (Some("c-1"), Some("mql"))
    );
    assert_eq!(j["since"], "2026-03-02T09:00:00Z");
    assert_eq!(j["policy"]["hash"], health["policy"]["hash"]);

    let (code, body) = s.json(
        "POST",
        "/v1/explain",
        Some(&json!({"contact": "c-1", "as_of": "2026-03-04", "contacts": [vp()]})),
    );
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["journey"]["stage"], "mql");
    assert!(body["story"][2].as_str().unwrap().contains("mql"), "{body}");

    let (code, body) = s.json("GET", "/v1/policy", None);
    assert_eq!(code, 200);
    assert_eq!(body["version"], 3);
    let contact = &body["lifecycles"][0];
    assert_eq!(contact["stages"][0]["name"], "subscriber");
    assert!(
        contact["transitions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["from"] == "any" && t["to"] == "disqualified")
    );

    let (code, text) = s.call("GET", "/openapi.json", None, None);
    assert_eq!(code, 200);
    assert_eq!(
        text,
        std::fs::read_to_string(root().join("docs/openapi.json")).unwrap()
    );
    let doc: Json = serde_json::from_str(&text).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/v1/classify",
        "/v1/explain",
        "/v1/policy",
        "/healthz",
        "/metrics",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from the OpenAPI document"
        );
    }
}

#[test]
fn bad_requests_get_4xx_with_the_problems_never_5xx() {
    let (_dir, policy) = policy_copy();
    let s = Server::start(&policy, &["--max-body", "4KB"]);
    let (code, body) = s.json("POST", "/v1/classify", None);
    assert_eq!(code, 400, "{body}");
    let (code, text) = s.call("POST", "/v1/classify", Some("{\"contacts\": [}"), None);
    assert_eq!(code, 400);
    assert!(text.contains("not valid JSON"), "{text}");
    let (code, body) = s.json(
        "POST",
        "/v1/classify",
        Some(&json!({"contacts": [{"id": "c-1", "title": "x", "events": [{"at": "soon", "type": "form_submit", "form": "demo"}]}]})),
    );
    assert_eq!(code, 400);
    let places: Vec<&str> = body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["at"].as_str().unwrap())
        .collect();
    assert_eq!(places, ["contacts[0]", "contacts[0].events[0]"], "{body}");
    let codes: Vec<&str> = body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap_or("none"))
        .collect();
    // The contact lacks the `email` acme requires; `soon` is no time.
    assert_eq!(codes, ["D014", "D013"], "{body}");
    let (code, body) = s.json("POST", "/v1/classify", Some(&json!({"contacts": "all"})));
    assert_eq!(
        (code, body["error"].as_str()),
        (400, Some("`contacts` should be a list of objects"))
    );
    let (code, body) = s.json(
        "POST",
        "/v1/classify",
        Some(&json!({"contacts": [vp()], "extra": 1})),
    );
    assert_eq!(code, 400, "{body}");
    let big = json!({"contacts": [vp()], "as_of": "x".repeat(5000)}).to_string();
    let (code, text) = s.call("POST", "/v1/classify", Some(&big), None);
    assert_eq!(code, 413);
    assert!(text.contains("--max-body"), "{text}");
    let (code, _) = s.json(
        "POST",
        "/v1/explain",
        Some(&json!({"contact": "c-9", "contacts": [vp()]})),
    );
    assert_eq!(code, 404);
    let (code, _) = s.json("GET", "/v1/classify", None);
    assert_eq!(code, 405);
    let (code, body) = s.json("GET", "/nowhere", None);
    assert_eq!(code, 404);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("POST /v1/classify")
    );
    // Still serving, and the counters saw every answer, none a 5xx.
    assert_eq!(s.json("GET", "/healthz", None).0, 200);
    let (_, metrics) = s.call("GET", "/metrics", None, None);
    assert!(
        metrics.contains("detente_requests_total{endpoint=\"/v1/classify\",status=\"400\"} 5"),
        "{metrics}"
    );
    assert!(
        metrics.contains("detente_requests_total{endpoint=\"/v1/classify\",status=\"413\"} 1"),
        "{metrics}"
    );
    assert!(!metrics.contains("status=\"5"), "{metrics}");
}

#[test]
fn a_token_guards_everything_but_healthz() {
    let (dir, policy) = policy_copy();
    let token = dir.path().join("token");
    std::fs::write(&token, "s3cret\n").unwrap();
    let s = Server::start(&policy, &["--token-file", token.to_str().unwrap()]);
    let body = json!({"contacts": [vp()]}).to_string();
    assert_eq!(s.call("POST", "/v1/classify", Some(&body), None).0, 401);
    assert_eq!(
        s.call("POST", "/v1/classify", Some(&body), Some("wrong")).0,
        401
    );
    assert_eq!(
        s.call("POST", "/v1/classify", Some(&body), Some("s3cret"))
            .0,
        200
    );
    assert_eq!(s.call("GET", "/metrics", None, None).0, 401);
    assert_eq!(s.call("GET", "/healthz", None, None).0, 200);
}

#[test]
fn the_policy_reloads_on_change_and_a_broken_change_keeps_the_running_one() {
    let (_dir, policy) = policy_copy();
    let s = Server::start(&policy, &[]);
    let hash = |s: &Server| s.json("GET", "/v1/policy", None).1["hash"].clone();
    let before = hash(&s);
    let text = std::fs::read_to_string(&policy).unwrap();
    std::fs::write(&policy, text.replace("  version 3", "  version 4")).unwrap();
    s.wait_log("reloaded");
    assert_eq!(s.json("GET", "/v1/policy", None).1["version"], 4);
    let after = hash(&s);
    assert_ne!(before, after);

    std::fs::write(&policy, text.replace("lead -> mql ", "lead -> mqll ")).unwrap();
    s.wait_log("is refused");
    s.wait_log("mqll");
    assert_eq!(
        hash(&s),
        after,
        "a broken policy must not replace the running one"
    );
    let (code, _) = s.json("POST", "/v1/classify", Some(&json!({"contacts": [vp()]})));
    assert_eq!(code, 200);
    let (_, metrics) = s.call("GET", "/metrics", None, None);
    assert!(
        metrics.contains("detente_policy_reloads_total{result=\"failed\"} 1"),
        "{metrics}"
    );
    for family in [
        "detente_build_info{version=",
        "detente_policy_info{name=",
        "detente_requests_total{endpoint=\"/v1/classify\",status=\"200\"}",
        "process_resident_memory_bytes",
        "process_open_fds",
    ] {
        assert!(metrics.contains(family), "{family} missing from {metrics}");
    }
}

#[test]
fn sigterm_stops_the_server_gracefully() {
    let (_dir, policy) = policy_copy();
    let mut s = Server::start(&policy, &[]);
    assert_eq!(s.json("GET", "/healthz", None).0, 200);
    let ok = Command::new("kill")
        .args(["-TERM", &s.child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
    s.wait_log("stopped");
    let status = s.child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn a_second_server_on_a_port_in_use_fails_instead_of_sharing_it() {
    let (_dir, policy) = policy_copy();
    let s = Server::start(&policy, &["--threads", "2"]);
    let addr = s.base.trim_start_matches("http://").to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_detente"))
        .args(["serve", "--listen", &addr, "--policy"])
        .arg(&policy)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("cannot listen on {addr}")), "{err}");
    // The first server still answers every request, on either thread.
    for _ in 0..20 {
        assert_eq!(s.json("GET", "/healthz", None).0, 200);
    }
}

/// The Python client (standard library only) classifies the example data
/// through the API, one request per account, and finds every contact in
/// the stage the command line puts it in. Skipped, saying so, on a
/// machine without python3.
#[test]
fn the_python_client_classifies_the_example_data_as_the_cli_does() {
    if Command::new("python3").arg("--version").output().is_err() {
        eprintln!("skipped: no python3 on this machine");
        return;
    }
    let as_of = "2026-10-31T23:50:28Z";
    let cli = Command::new(env!("CARGO_BIN_EXE_detente"))
        .args(["classify", "-o", "jsonl", "--as-of", as_of])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(cli.status.success());
    let mut expected = std::collections::BTreeMap::<String, u64>::new();
    for line in String::from_utf8_lossy(&cli.stdout).lines() {
        let j: Json = serde_json::from_str(line).unwrap();
        *expected
            .entry(j["stage"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    let s = Server::start(&root().join("policies/acme.detente"), &[]);
    let client = Command::new("python3")
        .arg(root().join("examples/clients/python/classify.py"))
        .args(["--url", &s.base, "--as-of", as_of])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&client.stdout);
    assert!(
        client.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&client.stderr)
    );
    assert!(
        out.starts_with("2674 contacts classified in 500 requests (0 failed)"),
        "{out}"
    );
    let got: std::collections::BTreeMap<String, u64> = out
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            Some((w.next()?.to_string(), w.next()?.parse().ok()?))
        })
        .collect();
    assert_eq!(got, expected);
}

/// A reload goes through the startup path exactly: invalid UTF-8 is
/// refused (it was decoded lossily and served), so is a policy whose own
/// tests fail (tests/NAME.toml beside it), and /readyz fails until a good
/// change is served.
#[test]
fn a_reload_is_refused_as_startup_would_refuse_it_and_readyz_says_so() {
    let (dir, policy) = policy_copy();
    std::fs::create_dir(dir.path().join("tests")).unwrap();
    std::fs::copy(
        root().join("policies/tests/acme.toml"),
        dir.path().join("tests/acme.toml"),
    )
    .unwrap();
    let s = Server::start(&policy, &[]);
    assert_eq!(s.json("GET", "/readyz", None).0, 200);
    let text = std::fs::read_to_string(&policy).unwrap();
    let hash = |s: &Server| s.json("GET", "/v1/policy", None).1["hash"].clone();
    let served = hash(&s);

    let mut bytes = text.replace("  version 3", "  version 4").into_bytes();
    bytes.extend(b"# caf\xe9\n");
    std::fs::write(&policy, &bytes).unwrap();
    s.wait_log("is refused");
    s.wait_log("E003");
    assert_eq!(hash(&s), served);
    let (code, body) = s.json("GET", "/readyz", None);
    assert_eq!(code, 503, "{body}");
    assert!(body["reason"].as_str().unwrap().contains("E003"), "{body}");

    // Checks clean, but fails its own tests: a demo request no longer
    // makes an MQL.
    std::fs::write(&policy, text.replace("fit >= 30", "fit >= 59")).unwrap();
    s.wait_log("tests");
    assert_eq!(hash(&s), served);
    assert_eq!(s.json("GET", "/readyz", None).0, 503);

    // The refused change undone: the file is what is served, so ready.
    std::fs::write(&policy, &text).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while s.json("GET", "/readyz", None).0 != 200 {
        assert!(
            Instant::now() < deadline,
            "/readyz stayed 503 after the change was undone"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    std::fs::write(&policy, text.replace("  version 3", "  version 4")).unwrap();
    s.wait_log("reloaded");
    assert_eq!(s.json("GET", "/readyz", None).0, 200);
    assert_eq!(s.json("GET", "/v1/policy", None).1["version"], 4);
}

/// Every 4xx is JSON (405 was empty); `bearer` in any case is the bearer
/// scheme; a body declared as something other than JSON is 415.
#[test]
fn method_token_case_and_content_type_answers() {
    let (dir, policy) = policy_copy();
    let token = dir.path().join("token");
    std::fs::write(&token, "s3cret\n").unwrap();
    let s = Server::start(&policy, &["--token-file", token.to_str().unwrap()]);
    let body = json!({"contacts": [vp()]}).to_string();
    let post = |content_type: &str, auth: &str| match ureq::post(&s.url("/v1/classify"))
        .set("Authorization", auth)
        .set("Content-Type", content_type)
        .send_string(&body)
    {
        Ok(r) => (r.status(), r.into_string().unwrap()),
        Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap()),
        Err(e) => panic!("{e}"),
    };
    assert_eq!(post("application/json", "bearer s3cret").0, 200);
    assert_eq!(
        post("application/json; charset=utf-8", "BEARER s3cret").0,
        200
    );
    let (code, text) = post("text/plain", "Bearer s3cret");
    assert_eq!(code, 415);
    assert!(text.contains("application/json"), "{text}");
    let (code, text) = s.call("GET", "/v1/classify", None, Some("s3cret"));
    assert_eq!(code, 405);
    let j: Json = serde_json::from_str(&text).unwrap();
    assert!(j["error"].as_str().unwrap().contains("POST"), "{j}");
    assert_eq!(j["code"], "A008");
    let (_, text) = post("text/plain", "Bearer s3cret");
    assert_eq!(serde_json::from_str::<Json>(&text).unwrap()["code"], "A011");
}

/// A raw connection to the server, for clients that misbehave.
fn raw(s: &Server) -> std::net::TcpStream {
    let addr = s.base.trim_start_matches("http://");
    let c = std::net::TcpStream::connect(addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    c
}

/// What the server sends before it closes `c` (empty when it just closes).
fn read_to_close(mut c: std::net::TcpStream) -> String {
    use std::io::Read;
    let mut out = Vec::new();
    let _ = c.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// A connection that never sends a whole head, new or idle after a
/// request, is closed at the header timeout (before: kept for as long as
/// the client liked, and 550 of them starved /healthz).
#[test]
fn silent_and_idle_connections_are_closed_at_the_header_timeout() {
    use std::io::Write;
    let (_dir, policy) = policy_copy();
    let s = Server::start(&policy, &["--header-timeout", "1"]);
    let started = Instant::now();
    let mut half = raw(&s);
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    read_to_close(half);
    let mut idle = raw(&s);
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let answered = read_to_close(idle);
    assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
}

/// With every connection slot held by silent clients, a new client waits
/// for a slot (the silent ones time out) instead of the server running
/// out of file descriptors; it is then answered.
#[test]
fn the_connection_limit_queues_new_clients_until_a_slot_frees() {
    let (_dir, policy) = policy_copy();
    let s = Server::start(
        &policy,
        &[
            "--max-connections",
            "2",
            "--header-timeout",
            "2",
            "--threads",
            "1",
        ],
    );
    let silent: Vec<_> = (0..2).map(|_| raw(&s)).collect();
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    assert_eq!(s.json("GET", "/healthz", None).0, 200);
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(1000) && waited < Duration::from_secs(10),
        "{waited:?}"
    );
    drop(silent);
}

/// A body sent too slowly gets 408 at the request timeout; SIGTERM with a
/// slow client still connected stops the server by the drain deadline
/// (before: it waited 38 s for slow clients).
#[test]
fn a_slow_body_gets_408_and_shutdown_keeps_its_drain_deadline() {
    use std::io::Write;
    let (_dir, policy) = policy_copy();
    let s = Server::start(&policy, &["--request-timeout", "1"]);
    let mut slow = raw(&s);
    slow.write_all(
        b"POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"con",
    )
    .unwrap();
    let answer = read_to_close(slow);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"error\""), "{answer}");

    let (_dir2, policy2) = policy_copy();
    let mut s = Server::start(&policy2, &["--request-timeout", "60", "--drain", "1"]);
    let mut stuck = raw(&s);
    stuck
        .write_all(b"POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    Command::new("kill")
        .args(["-TERM", &s.child.id().to_string()])
        .status()
        .unwrap();
    let status = s.child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
    drop(stuck);
}

/// Every answer carries an `X-Request-Id` (the client's, or one made);
/// `--access-log` logs each request as a JSON line with it; `--cors`
/// answers an allowed origin's preflight without the token and marks its
/// answers, and says nothing to other origins.
#[test]
fn request_ids_access_log_and_opt_in_cors() {
    let (dir, policy) = policy_copy();
    let token = dir.path().join("token");
    std::fs::write(&token, "s3cret\n").unwrap();
    let s = Server::start(
        &policy,
        &[
            "--token-file",
            token.to_str().unwrap(),
            "--access-log",
            "--log-format",
            "json",
            "--cors",
            "https://app.example",
        ],
    );
    let r = ureq::get(&s.url("/healthz"))
        .set("X-Request-Id", "abc-123")
        .call()
        .unwrap();
    assert_eq!(r.header("x-request-id"), Some("abc-123"));
    let line = s.wait_log("abc-123");
    // --log-format json: one object per line, the access log's fields flat.
    let logged: Json = serde_json::from_str(&line).unwrap();
    assert_eq!(logged["target"], "access");
    assert_eq!(
        (logged["path"].as_str(), logged["status"].as_u64()),
        (Some("/healthz"), Some(200))
    );
    let made = ureq::get(&s.url("/healthz")).call().unwrap();
    assert!(made.header("x-request-id").is_some_and(|v| !v.is_empty()));

    let preflight = ureq::request("OPTIONS", &s.url("/v1/classify"))
        .set("Origin", "https://app.example")
        .set("Access-Control-Request-Method", "POST")
        .call()
        .unwrap();
    assert_eq!(preflight.status(), 204);
    assert_eq!(
        preflight.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    let body = json!({"contacts": [vp()]}).to_string();
    let allowed = ureq::post(&s.url("/v1/classify"))
        .set("Origin", "https://app.example")
        .set("Authorization", "Bearer s3cret")
        .set("Content-Type", "application/json")
        .send_string(&body)
        .unwrap();
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    let other = ureq::post(&s.url("/v1/classify"))
        .set("Origin", "https://evil.example")
        .set("Authorization", "Bearer s3cret")
        .set("Content-Type", "application/json")
        .send_string(&body)
        .unwrap();
    assert_eq!(other.header("access-control-allow-origin"), None);
}

/// Headers over the limit get 431 with the JSON body every error has
/// (before: hyper's 431 with an empty body): 150 headers, and one cookie
/// of 70 KiB, each against the documented 100 headers and 64 KiB.
#[test]
fn oversized_headers_get_431_with_a_json_body() {
    use std::io::Write;
    let (_dir, policy) = policy_copy();
    let s = Server::start(&policy, &[]);
    let many: String = (0..150).map(|i| format!("X-Extra-{i}: {i}\r\n")).collect();
    let big = format!("Cookie: {}\r\n", "a".repeat(70 * 1024));
    for extra in [many, big] {
        let mut c = raw(&s);
        c.write_all(
            format!("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{extra}\r\n")
                .as_bytes(),
        )
        .unwrap();
        let answer = read_to_close(c);
        assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
        let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
        let body: Json = serde_json::from_str(body).unwrap();
        assert_eq!(body["code"], "A014", "{body}");
        assert!(body["error"].as_str().unwrap().contains("too large"));
    }
}
