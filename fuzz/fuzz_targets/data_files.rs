//! Any bytes as a data file, CSV or JSON Lines, plain or gzip: loading
//! never panics or loops; every row read is accepted, rejected, a
//! duplicate or skipped (also under a row filter and column formats);
//! what loads replays.
#![no_main]

use std::io::Write;

use detente::data::formats::ColumnFormat;
use detente::data::row_filter::RowFilter;
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
    let (name, kind) = match which % 8 {
        0 => ("events.csv", RecordKind::Events),
        1 => ("events.jsonl", RecordKind::Events),
        2 => ("contacts.csv", RecordKind::Contacts),
        3 => ("accounts.jsonl", RecordKind::Accounts),
        4 => ("events.csv.gz", RecordKind::Events),
        5 => ("deals.csv", RecordKind::Deals),
        6 => ("deal_contacts.csv", RecordKind::DealContacts),
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
    let mut source = Source::new(kind, &path);
    // Some of the time, the manifest's row filter and column formats too.
    if which & 0x40 != 0 {
        let when = r#"type not in ["page_view"] or at is empty"#;
        if let Ok(f) = RowFilter::parse(when) {
            source.when = Some((when.to_string(), f));
        }
        for (col, format) in [("at", "%m/%d/%Y %I:%M %p"), ("amount", "1,234.00")] {
            if let Ok(f) = ColumnFormat::parse(format) {
                source.formats.insert(col.to_string(), f);
            }
        }
    }
    let Ok(h) = load(policy(), &[source]) else {
        return;
    };
    let t = h.total();
    assert_eq!(t.read, t.accepted + t.rejected + t.duplicates + t.skipped);
    let _ = policy().evaluate(&h, None);
});
