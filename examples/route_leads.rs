//! Embeds the engine in another program: a lead router that reads
//! contacts (one JSON object per line, each with its events, as
//! `detente classify --stdin` takes them), classifies each with the
//! library, and says which team should act on it now.
//!
//! Run: `cargo run --example route_leads -- policies/acme.detente < contacts.jsonl`

use std::io::{BufRead, Write};
use std::process::ExitCode;

use detente::data::request::Request;
use detente::eval::classify::classify;
use detente::report::journey::JourneyView;
use detente::{Lifecycle, Policy};

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: route_leads POLICY_FILE < contacts.jsonl");
        return ExitCode::from(2);
    };
    let source = match std::fs::read_to_string(&path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            return ExitCode::from(2);
        }
    };
    // Compile once; classify many times.
    let policy = match Policy::compile_named(&path, &source) {
        Ok(p) => p,
        Err(diagnostics) => {
            eprint!("{diagnostics}");
            return ExitCode::from(1);
        }
    };
    let mut out = std::io::stdout().lock();
    for (n, line) in std::io::stdin().lock().lines().enumerate() {
        let Ok(line) = line else { break };
        if line.trim().is_empty() {
            continue;
        }
        let request = Request::from_slice_for(&policy, line.as_bytes()).map_err(|e| e.to_string());
        let result = request.and_then(|r| {
            classify(&policy, r, None).map_err(|e| {
                let first = e
                    .problems
                    .first()
                    .map(|p| format!(" ({}: {})", p.at, p.reason));
                format!("{}{}", e.error, first.unwrap_or_default())
            })
        });
        match result {
            Ok(classified) => {
                for journey in &classified.journeys {
                    // The journey holds ids; its view reads the names from
                    // the policy it was worked out with.
                    let j = JourneyView::new(&policy, journey);
                    // The stage's owner is the team that acts on it now.
                    let owner = policy
                        .stage_owner(Lifecycle::Contact, j.stage())
                        .unwrap_or("nobody");
                    // Flushed per line: a caller may wait for each answer.
                    let written = writeln!(
                        out,
                        "{}: {} since {} → {owner}",
                        journey.contact,
                        j.stage(),
                        j.since()
                    )
                    .and_then(|()| out.flush());
                    match written {
                        Ok(()) => {}
                        // The reader stopped early (`| head`): not an error.
                        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                            return ExitCode::SUCCESS;
                        }
                        Err(e) => {
                            eprintln!("cannot write: {e}");
                            return ExitCode::from(2);
                        }
                    }
                }
            }
            Err(e) => eprintln!("line {}: {e}", n + 1),
        }
    }
    ExitCode::SUCCESS
}
