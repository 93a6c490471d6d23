//! Any bytes as a data file, CSV or JSON Lines, plain or gzip: loading
//! never panics or loops; every row read is accepted, rejected or a
//! duplicate; what loads replays.
#![no_main]

use std::io::Write;

use detente::data::{RecordKind, Source, load};
use libfuzzer_sys::fuzz_target;

#[path = "acme.rs"]
mod acme;
use acme::policy;

fuzz_target!(|bytes: &[u8]| {
    let Some((&which, body)) = bytes.split_first() else {
        return;
    };
    let Ok(dir) = tempfile::tempdir() else { return };
    let (name, kind) = match which % 6 {
        0 => ("events.csv", RecordKind::Events),
        1 => ("events.jsonl", RecordKind::Events),
        2 => ("contacts.csv", RecordKind::Contacts),
        3 => ("accounts.jsonl", RecordKind::Accounts),
        4 => ("events.csv.gz", RecordKind::Events),
        _ => ("events.jsonl.gz", RecordKind::Events),
    };
    let path = dir.path().join(name);
    let data = if name.ends_with(".gz") {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        // Half the time a whole archive, half the time cut short.
        let _ = gz.write_all(body);
        let mut whole = gz.finish().unwrap_or_default();
        if which & 0x80 != 0 {
            whole.truncate(whole.len() / 2);
        }
        whole
    } else {
        body.to_vec()
    };
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let Ok(h) = load(policy(), &[Source::new(kind, &path)]) else {
        return;
    };
    let t = h.total();
    assert_eq!(t.read, t.accepted + t.rejected + t.duplicates);
    let _ = policy().evaluate(&h, None);
});
