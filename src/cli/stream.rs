//! `detente classify --stdin`: JSON Lines in, JSON Lines out, one line at
//! a time, so memory stays bounded by the longest line however long the
//! stream. A line is one contact with its events (its journey comes out)
//! or a request `{"contacts": [...], "accounts": [...]}` (`{"journeys":
//! [...]}` comes out). A line that cannot be classified gives
//! `{"line": N, "error": ..., "problems": [...]}` and the stream goes on.

use std::io::{BufRead, Write};

use detente::Policy;
use detente::data::request::{Request, RequestError, Unreadable};
use detente::data::time::Instant;
use detente::eval::classify::classify;
use detente::report::journey::{ClassifiedJson, JourneyView};
use serde_json::{Value as Json, json};

use super::Exit;

/// Counts for the closing summary on stderr.
#[derive(Default)]
struct Tally {
    /// Records: lines that are not blank.
    lines: u64,
    classified: u64,
    errors: u64,
}

/// `{"line": N, "error", "problems"?}`: the error as the server sends it,
/// with where it was.
fn error_line(line: u64, e: &RequestError) -> Json {
    let mut v = json!({"line": line});
    if let (Some(o), Ok(Json::Object(err))) = (v.as_object_mut(), serde_json::to_value(e)) {
        o.extend(err);
    }
    v
}

/// One input line's output: the answer written as JSON (straight from the
/// journeys, not through a `serde_json::Value`), or the error object.
fn answer(policy: &Policy, text: &str, line: u64, as_of: Option<Instant>) -> Result<String, Json> {
    let request = Request::from_slice_for(policy, text.as_bytes()).map_err(|e| match e {
        Unreadable::Json(e) => {
            // serde_json ends its message with the position; say it once.
            let message = e.to_string();
            let what = message.split(" at line ").next().unwrap_or(&message);
            json!({"line": line, "error": format!("not valid JSON at column {}: {what}", e.column())})
        }
        Unreadable::Request(e) => error_line(line, &e),
        other => error_line(line, &other.into_request_error()),
    })?;
    let single = request.is_single_contact();
    let id = request.first_contact_id().map(str::to_string);
    let classified = classify(policy, request, as_of).map_err(|e| error_line(line, &e))?;
    for w in &classified.warnings {
        eprintln!(
            "warning: line {line}: {}{}: {}",
            w.at,
            w.field
                .as_ref()
                .map(|f| format!(" `{f}`"))
                .unwrap_or_default(),
            w.reason
        );
    }
    if single {
        // The contact's own journey; one merged into another (by a `merge`
        // event) has none, and gets the one it was merged into.
        let j = classified
            .journeys
            .iter()
            .find(|j| Some(&j.contact) == id.as_ref())
            .or(classified.journeys.first());
        return serde_json::to_string(&j.map(|j| JourneyView::new(policy, j)))
            .map_err(|e| json!({"line": line, "error": e.to_string()}));
    }
    serde_json::to_string(&ClassifiedJson(policy, &classified))
        .map_err(|e| json!({"line": line, "error": e.to_string()}))
}

/// Reads `input` to its end. A line longer than `max_line` bytes is
/// skipped to its end and answered with an error, never held whole.
pub fn run(policy: &Policy, as_of: Option<Instant>, max_line: usize) -> Exit {
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut tally = Tally::default();
    let mut buf: Vec<u8> = Vec::new();
    // Physical line numbers, blank lines included, as an editor counts.
    let mut line = 0u64;
    loop {
        buf.clear();
        let (read, too_long) = match read_line(&mut input, &mut buf, max_line) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: reading standard input: {e}");
                return Exit::Usage;
            }
        };
        if read == 0 {
            break;
        }
        line += 1;
        let text = String::from_utf8_lossy(&buf);
        let text = text.trim();
        if text.is_empty() && !too_long {
            // Blank lines are not records; answer nothing, like a file.
            continue;
        }
        tally.lines += 1;
        let result = if too_long {
            Err(
                json!({"line": line, "error": format!("the line is longer than {max_line} bytes (--max-line-bytes): split the account's history, or raise the limit")}),
            )
        } else if std::str::from_utf8(&buf).is_err() {
            Err(json!({"line": line, "error": "the line is not valid UTF-8"}))
        } else {
            answer(policy, text, line, as_of)
        };
        let v = match result {
            Ok(v) => {
                tally.classified += 1;
                v
            }
            Err(v) => {
                tally.errors += 1;
                v.to_string()
            }
        };
        // Flushed per line: the caller may be waiting for this answer
        // before it sends the next contact.
        if let Err(e) = writeln!(out, "{v}").and_then(|()| out.flush()) {
            // The reader went away (a closed pipe): stop quietly. Any
            // other failure (a full disk) loses answers: say so.
            super::stop_if_reader_gone(&e);
            eprintln!("error: cannot write the output: {e}");
            return Exit::Usage;
        }
    }
    eprintln!(
        "lines {}, classified {}, errors {}",
        tally.lines, tally.classified, tally.errors
    );
    Exit::Ok
}

/// Reads up to and including the next `\n` into `buf`, keeping at most
/// `max` bytes; returns the bytes consumed and whether the line was cut.
fn read_line(
    input: &mut impl BufRead,
    buf: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<(usize, bool)> {
    let mut consumed = 0;
    let mut too_long = false;
    loop {
        let available = input.fill_buf()?;
        if available.is_empty() {
            return Ok((consumed, too_long));
        }
        let (chunk, done) = match available.iter().position(|b| *b == b'\n') {
            Some(i) => (available.get(..=i).unwrap_or(available), true),
            None => (available, false),
        };
        let n = chunk.len();
        if !too_long {
            if buf.len() + n > max.saturating_add(1) {
                too_long = true;
                buf.clear();
            } else {
                buf.extend_from_slice(chunk);
            }
        }
        input.consume(n);
        consumed += n;
        if done {
            return Ok((consumed, too_long));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::read_line;

    #[test]
    fn long_lines_are_skipped_whole_and_the_next_one_is_read() {
        let data = b"{\"a\":1}\nxxxxxxxxxxxxxxxxxxxxxxxx\n{\"b\":2}";
        let mut input = std::io::BufReader::with_capacity(4, &data[..]);
        let mut buf = Vec::new();
        let mut lines = Vec::new();
        loop {
            buf.clear();
            let (n, long) = read_line(&mut input, &mut buf, 10).unwrap_or((0, false));
            if n == 0 {
                break;
            }
            lines.push((String::from_utf8_lossy(&buf).trim().to_string(), long));
        }
        assert_eq!(
            lines,
            vec![
                ("{\"a\":1}".to_string(), false),
                (String::new(), true),
                ("{\"b\":2}".to_string(), false)
            ]
        );
    }
}
