//! Parquet in and out: the example data written as Parquet (typed
//! columns, several codecs, a Hive-partitioned folder) gives the journeys
//! its CSV and JSON Lines give; `classify -o parquet` and `report -o
//! parquet` write typed tables that read back as the CSV and JSON
//! outputs; bad Parquet is refused with its code.

#![allow(
    clippy::indexing_slicing,
    reason = "JSON documents and rows the test itself made are indexed by known keys"
)]

use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;

use arrow_array::builder::{BooleanBuilder, Int64Builder, StringBuilder, TimestampSecondBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use crate::{detente, root};

fn write(path: &Path, batch: &RecordBatch, compression: Compression) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let props = WriterProperties::builder()
        .set_compression(compression)
        .build();
    let mut w = ArrowWriter::try_new(
        std::fs::File::create(path).unwrap(),
        batch.schema(),
        Some(props),
    )
    .unwrap();
    w.write(batch).unwrap();
    w.close().unwrap();
}

/// A CSV file as a batch: every column text, but those `typed` says.
fn csv_batch(path: &Path, typed: &[(&str, DataType)]) -> RecordBatch {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    let mut fields = Vec::new();
    let mut columns: Vec<ArrayRef> = Vec::new();
    for (i, name) in header.iter().enumerate() {
        let cells = rows.iter().map(|r| r.get(i).filter(|c| !c.is_empty()));
        let t = typed
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.clone())
            .unwrap_or(DataType::Utf8);
        let column: ArrayRef = match &t {
            DataType::Timestamp(..) => {
                let mut b = TimestampSecondBuilder::new();
                for c in cells {
                    b.append_option(
                        c.map(|c| chrono::DateTime::parse_from_rfc3339(c).unwrap().timestamp()),
                    );
                }
                Arc::new(b.finish().with_timezone("UTC"))
            }
            DataType::Int64 => {
                let mut b = Int64Builder::new();
                for c in cells {
                    b.append_option(c.map(|c| c.parse().unwrap()));
                }
                Arc::new(b.finish())
            }
            DataType::Boolean => {
                let mut b = BooleanBuilder::new();
                for c in cells {
                    b.append_option(c.map(|c| c == "true"));
                }
                Arc::new(b.finish())
            }
            _ => {
                let mut b = StringBuilder::new();
                for c in cells {
                    b.append_option(c);
                }
                Arc::new(b.finish())
            }
        };
        let t = match t {
            DataType::Timestamp(u, _) => DataType::Timestamp(u, Some("UTC".into())),
            t => t,
        };
        fields.push(Field::new(name, t, true));
        columns.push(column);
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap()
}

/// JSON lines as a batch, the types inferred (numbers, booleans, text).
fn json_batch(lines: &[String], schema: Option<Arc<Schema>>) -> RecordBatch {
    let values: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let schema = schema.unwrap_or_else(|| {
        Arc::new(
            arrow_json::reader::infer_json_schema_from_iterator(values.iter().map(Ok)).unwrap(),
        )
    });
    let mut d = arrow_json::ReaderBuilder::new(schema)
        .build_decoder()
        .unwrap();
    d.serialize(&values).unwrap();
    d.flush().unwrap().unwrap()
}

fn event_lines() -> Vec<String> {
    let gz = std::fs::File::open(root().join("examples/data/events.jsonl.gz")).unwrap();
    std::io::BufReader::new(flate2::read::GzDecoder::new(gz))
        .lines()
        .map(Result::unwrap)
        .filter(|l| !l.trim().is_empty())
        .collect()
}

fn manifest(dir: &Path, events: &str) -> std::path::PathBuf {
    let text = format!(
        "[policy]\npath = {:?}\n\n[data]\ncontacts = \"contacts.parquet\"\naccounts = \"accounts.parquet\"\nevents = \"{events}\"\n\n[data.date_only]\ndeal_won = \"end\"\ndeal_lost = \"end\"\n",
        root().join("policies/acme.detente")
    );
    let path = dir.join(format!("{}.toml", events.replace(['/', '.'], "-")));
    std::fs::write(&path, text).unwrap();
    path
}

/// The example data as Parquet in `dir`: contacts with a timestamp and
/// a boolean column (snappy), accounts with integers (zstd), events with
/// the types JSON gives (gzip), and the events again partitioned by type.
fn example_as_parquet(dir: &Path) {
    let data = root().join("examples/data");
    let contacts = csv_batch(
        &data.join("contacts.csv"),
        &[
            ("created_at", DataType::Timestamp(TimeUnit::Second, None)),
            ("budget_confirmed", DataType::Boolean),
        ],
    );
    write(
        &dir.join("contacts.parquet"),
        &contacts,
        Compression::SNAPPY,
    );
    let accounts = csv_batch(
        &data.join("accounts.csv"),
        &[("employees", DataType::Int64)],
    );
    write(
        &dir.join("accounts.parquet"),
        &accounts,
        Compression::ZSTD(Default::default()),
    );
    let lines = event_lines();
    let events = json_batch(&lines, None);
    write(
        &dir.join("events.parquet"),
        &events,
        Compression::GZIP(Default::default()),
    );
    // Hive-style: type=form_submit/part-0.parquet, without the column.
    let schema = events.schema();
    let without_type = Arc::new(Schema::new(
        schema
            .fields()
            .iter()
            .filter(|f| f.name() != "type")
            .cloned()
            .collect::<Vec<_>>(),
    ));
    let mut by_type: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for l in &lines {
        let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
        let t = v["type"].as_str().unwrap().to_string();
        v.as_object_mut().unwrap().remove("type");
        by_type.entry(t).or_default().push(v.to_string());
    }
    for (t, ls) in by_type {
        let batch = json_batch(&ls, Some(without_type.clone()));
        write(
            &dir.join(format!("events/type={t}/part-0.parquet")),
            &batch,
            Compression::SNAPPY,
        );
    }
}

/// `detente ARGS PATH`.
fn run(args: &[&str], path: impl AsRef<std::ffi::OsStr>) -> std::process::Output {
    detente().args(args).arg(path).output().unwrap()
}

fn classify_csv(args: &[&str]) -> String {
    let out = detente()
        .arg("classify")
        .args(["-o", "csv"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn parquet_inputs_give_the_journeys_of_the_csv_and_json_files() {
    let dir = tempfile::tempdir().unwrap();
    example_as_parquet(dir.path());
    let expected = classify_csv(&[]);
    assert_eq!(expected.lines().count(), 2675);
    let from_file = classify_csv(&[
        "--manifest",
        manifest(dir.path(), "events.parquet").to_str().unwrap(),
    ]);
    assert_eq!(from_file, expected);
    let from_folder = classify_csv(&[
        "--manifest",
        manifest(dir.path(), "events").to_str().unwrap(),
    ]);
    assert_eq!(from_folder, expected);
}

/// A Parquet file's rows as CSV-like text cells, by Arrow's display.
fn read_back(path: &Path) -> (Vec<String>, Vec<Vec<String>>, Schema) {
    use arrow_cast::display::{ArrayFormatter, FormatOptions};
    let file = std::fs::File::open(path).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let mut rows = Vec::new();
    let mut schema = None;
    for batch in reader {
        let batch = batch.unwrap();
        schema = Some(batch.schema().as_ref().clone());
        let options = FormatOptions::default().with_null("");
        // Arrow's display of a zone by name needs chrono-tz; a UTC
        // instant is its number of milliseconds, written here.
        let columns: Vec<ArrayRef> = batch
            .columns()
            .iter()
            .map(|c| match c.data_type() {
                DataType::Timestamp(TimeUnit::Millisecond, Some(_)) => {
                    let ms = arrow_cast::cast(c, &DataType::Int64).unwrap();
                    let ms = ms
                        .as_any()
                        .downcast_ref::<arrow_array::Int64Array>()
                        .unwrap();
                    let text: arrow_array::StringArray = ms
                        .iter()
                        .map(|v| {
                            v.map(|v| {
                                chrono::DateTime::from_timestamp_millis(v)
                                    .unwrap()
                                    .format("%Y-%m-%dT%H:%M:%SZ")
                                    .to_string()
                            })
                        })
                        .collect();
                    Arc::new(text) as ArrayRef
                }
                _ => c.clone(),
            })
            .collect();
        let f: Vec<ArrayFormatter> = columns
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &options).unwrap())
            .collect();
        for i in 0..batch.num_rows() {
            rows.push(f.iter().map(|f| f.value(i).to_string()).collect());
        }
    }
    let schema = schema.unwrap();
    let names = schema.fields().iter().map(|f| f.name().clone()).collect();
    (names, rows, schema)
}

#[test]
fn classify_writes_typed_journeys_that_read_back_as_its_csv() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        &["classify", "-o", "parquet", "--out-dir"],
        dir.path().join("out"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (names, rows, schema) = read_back(&dir.path().join("out/contacts.parquet"));
    let csv = classify_csv(&[]);
    let mut lines = csv.lines();
    assert_eq!(lines.next().unwrap(), names.join(","));
    assert_eq!(
        schema.field_with_name("since").unwrap().data_type(),
        &DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()))
    );
    assert_eq!(
        schema.field_with_name("fit").unwrap().data_type(),
        &DataType::Float64
    );
    assert_eq!(
        schema.field_with_name("mql").unwrap().data_type(),
        &DataType::Boolean
    );
    let mut n = 0;
    for (row, line) in rows.iter().zip(lines) {
        let cells: Vec<&str> = line.split(',').collect();
        for ((got, want), name) in row.iter().zip(&cells).zip(&names) {
            let same = match schema.field_with_name(name).unwrap().data_type() {
                DataType::Timestamp(..) => got == want,
                DataType::Float64 => {
                    want.is_empty() && got.is_empty()
                        || got.parse::<f64>().unwrap() == want.parse::<f64>().unwrap()
                }
                // An unknown verdict is a null.
                DataType::Boolean => got == want || (got.is_empty() && *want == "unknown"),
                _ => got == want,
            };
            assert!(same, "{name}: {got:?} against {want:?} in {line}");
        }
        n += 1;
    }
    assert_eq!(n, 2674);
    // A format that prints takes no --out-dir, and parquet needs one.
    let both = detente()
        .args(["classify", "-o", "csv", "--out-dir", "x"])
        .output()
        .unwrap();
    assert_eq!(both.status.code(), Some(2));
    let neither = detente()
        .args(["classify", "-o", "parquet"])
        .output()
        .unwrap();
    assert_eq!(neither.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&neither.stderr).contains("needs --out-dir DIR"));
}

#[test]
fn report_writes_each_section_as_a_table_of_its_json() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["report", "-o", "parquet", "--out-dir"], dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
            .unwrap();
    let json = detente().args(["report", "-o", "json"]).output().unwrap();
    let printed: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report, printed);
    for section in ["funnel", "triggers", "slas", "metrics", "calibration"] {
        let (names, rows, _) = read_back(&dir.path().join(format!("{section}.parquet")));
        let items = report[section].as_array().unwrap();
        assert_eq!(rows.len(), items.len(), "{section}");
        assert!(!items.is_empty(), "{section}");
        let keys: Vec<&String> = items[0].as_object().unwrap().keys().collect();
        for k in keys {
            assert!(names.contains(k), "{section}: {k} in {names:?}");
        }
    }
    // The funnel's counts, cell by cell.
    let (names, rows, _) = read_back(&dir.path().join("funnel.parquet"));
    let entered = names.iter().position(|n| n == "entered").unwrap();
    for (row, item) in rows.iter().zip(report["funnel"].as_array().unwrap()) {
        assert_eq!(row[entered], item["entered"].to_string());
    }
}

#[test]
fn bad_parquet_is_refused_with_its_code() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("events.parquet");
    std::fs::write(&fake, "id,contact,at\n").unwrap();
    let out = run(&["validate", "--events"], &fake);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("D002") && err.contains("not a Parquet file"),
        "{err}"
    );
    // A file cut short.
    example_as_parquet(dir.path());
    let whole = std::fs::read(dir.path().join("accounts.parquet")).unwrap();
    std::fs::write(dir.path().join("cut.parquet"), &whole[..whole.len() / 2]).unwrap();
    let out = run(&["validate", "--accounts"], dir.path().join("cut.parquet"));
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A folder whose second file is not Parquet stops the load there,
    // naming the file (files are opened one at a time).
    std::fs::create_dir_all(dir.path().join("mixed")).unwrap();
    std::fs::copy(
        dir.path().join("accounts.parquet"),
        dir.path().join("mixed/a.parquet"),
    )
    .unwrap();
    std::fs::write(dir.path().join("mixed/b.parquet"), "not parquet").unwrap();
    let out = run(&["validate", "--accounts"], dir.path().join("mixed"));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("b.parquet") && err.contains("not a Parquet file"),
        "{err}"
    );
    // An empty folder is not taken for no data.
    std::fs::create_dir_all(dir.path().join("none")).unwrap();
    let out = run(
        &["validate", "--format", "parquet", "--events"],
        dir.path().join("none"),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("holds no .parquet file"));
}

#[test]
fn a_list_column_a_field_reads_rejects_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let lines = [
        r#"{"id":"e-1","contact":"c-1","at":"2026-03-02T09:00:00Z","type":"page_view","url":["/pricing"]}"#.to_string(),
        r#"{"id":"e-2","contact":"c-1","at":"2026-03-03T09:00:00Z","type":"page_view","url":["/blog"]}"#.to_string(),
    ];
    write(
        &dir.path().join("events.parquet"),
        &json_batch(&lines, None),
        Compression::SNAPPY,
    );
    let out = run(&["validate", "--events"], dir.path().join("events.parquet"));
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("D013") && text.contains("list or object"),
        "{text}"
    );
}

#[test]
fn timestamps_with_a_zone_are_instants_and_without_one_wall_clock_times() {
    use arrow_array::TimestampMillisecondArray;
    let dir = tempfile::tempdir().unwrap();
    // 2026-07-05T10:00:00Z as UTC (a zone by name and by offset, and
    // Paris, which Arrow stores as the same instant), and the same digits
    // without a zone: a wall-clock time.
    let ms = 1_783_245_600_000i64;
    let zoned = |tz: &str| -> ArrayRef {
        Arc::new(TimestampMillisecondArray::from(vec![ms]).with_timezone(tz))
    };
    for (name, created) in [
        ("utc", zoned("UTC")),
        ("offset", zoned("+00:00")),
        ("paris", zoned("Europe/Paris")),
        (
            "naive",
            Arc::new(TimestampMillisecondArray::from(vec![ms])) as ArrayRef,
        ),
    ] {
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Utf8, false),
            Field::new("email", DataType::Utf8, false),
            Field::new("title", DataType::Utf8, false),
            Field::new("created_at", created.data_type().clone(), true),
        ]));
        let batch = RecordBatch::try_new(
            schema,
            vec![
                Arc::new(arrow_array::StringArray::from(vec!["c-1"])),
                Arc::new(arrow_array::StringArray::from(vec!["ana@buyer.example"])),
                Arc::new(arrow_array::StringArray::from(vec!["CFO"])),
                created,
            ],
        )
        .unwrap();
        let contacts = dir.path().join(format!("{name}.parquet"));
        write(&contacts, &batch, Compression::SNAPPY);
        let out = run(&["classify", "-o", "json", "--contacts"], &contacts);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let since = doc["journeys"][0]["since"].as_str().unwrap().to_string();
        // acme's timezone is Europe/London: the wall-clock 10:00 there in
        // July is 09:00 UTC; every zoned column is the instant 10:00 UTC.
        let want = if name == "naive" {
            "2026-07-05T09:00:00Z"
        } else {
            "2026-07-05T10:00:00Z"
        };
        assert_eq!(since, want, "{name}");
    }
}

mod random {
    //! Any Parquet file, whole or damaged, loads without a panic, and
    //! every row it yields is accounted for.

    use super::*;
    use arrow_array::builder::{
        Date32Builder, Float64Builder, ListBuilder, TimestampMicrosecondBuilder,
    };
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Col {
        Text(Vec<Option<String>>),
        Int(Vec<Option<i64>>),
        Float(Vec<Option<f64>>),
        Bool(Vec<Option<bool>>),
        Stamp(Vec<Option<i64>>, bool),
        Date(Vec<Option<i32>>),
        List(Vec<Option<String>>),
    }

    fn col(rows: usize) -> impl Strategy<Value = Col> {
        let text = prop::option::of("[a-z0-9:T\\- ]{0,12}");
        prop_oneof![
            prop::collection::vec(text.clone(), rows).prop_map(Col::Text),
            prop::collection::vec(prop::option::of(any::<i64>()), rows).prop_map(Col::Int),
            prop::collection::vec(prop::option::of(any::<f64>()), rows).prop_map(Col::Float),
            prop::collection::vec(prop::option::of(any::<bool>()), rows).prop_map(Col::Bool),
            (
                prop::collection::vec(prop::option::of(any::<i64>()), rows),
                any::<bool>()
            )
                .prop_map(|(v, z)| Col::Stamp(v, z)),
            prop::collection::vec(prop::option::of(any::<i32>()), rows).prop_map(Col::Date),
            prop::collection::vec(text, rows).prop_map(Col::List),
        ]
    }

    fn array(c: &Col) -> ArrayRef {
        match c {
            Col::Text(v) => Arc::new(arrow_array::StringArray::from(v.clone())),
            Col::Int(v) => Arc::new(arrow_array::Int64Array::from(v.clone())),
            Col::Float(v) => {
                let mut b = Float64Builder::new();
                v.iter().for_each(|x| b.append_option(*x));
                Arc::new(b.finish())
            }
            Col::Bool(v) => Arc::new(arrow_array::BooleanArray::from(v.clone())),
            Col::Stamp(v, zoned) => {
                let mut b = TimestampMicrosecondBuilder::new();
                v.iter().for_each(|x| b.append_option(*x));
                let a = b.finish();
                Arc::new(if *zoned { a.with_timezone("UTC") } else { a })
            }
            Col::Date(v) => {
                let mut b = Date32Builder::new();
                v.iter().for_each(|x| b.append_option(*x));
                Arc::new(b.finish())
            }
            Col::List(v) => {
                let mut b = ListBuilder::new(StringBuilder::new());
                for x in v {
                    match x {
                        Some(s) => {
                            b.values().append_value(s);
                            b.append(true);
                        }
                        None => b.append(false),
                    }
                }
                Arc::new(b.finish())
            }
        }
    }

    /// Columns named as an event's, so the loader reads them.
    const NAMES: [&str; 7] = ["id", "contact", "at", "type", "url", "form", "amount"];

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        #[test]
        fn any_parquet_loads_without_a_panic_and_accounts_for_every_row(
            (rows, cols) in (0usize..20).prop_flat_map(|n| (Just(n), prop::collection::vec(col(n), 1..6))),
            damage in prop::option::of((any::<prop::sample::Index>(), any::<u8>(), any::<bool>())),
        ) {
            let fields: Vec<Field> = cols
                .iter()
                .zip(NAMES)
                .map(|(c, n)| Field::new(n, array(c).data_type().clone(), true))
                .collect();
            let columns: Vec<ArrayRef> = cols.iter().map(array).collect();
            let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap();
            prop_assert_eq!(batch.num_rows(), rows);
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("events.parquet");
            write(&path, &batch, Compression::SNAPPY);
            if let Some((at, byte, cut)) = damage {
                let mut bytes = std::fs::read(&path).unwrap();
                let i = at.index(bytes.len());
                if cut { bytes.truncate(i) } else { bytes[i] ^= byte.max(1) }
                std::fs::write(&path, bytes).unwrap();
            }
            let text = std::fs::read_to_string(root().join("policies/acme.detente")).unwrap();
            let policy = ::detente::Policy::compile(&text).unwrap();
            let source = ::detente::data::Source::new(::detente::data::RecordKind::Events, &path);
            if let Ok(h) = ::detente::data::load(&policy, &[source]) {
                for c in h.counts.values() {
                    prop_assert_eq!(c.read, c.accepted + c.rejected + c.duplicates + c.skipped);
                }
                if damage.is_none() {
                    let read: u64 = h.counts.values().map(|c| c.read).sum();
                    prop_assert_eq!(read, rows as u64);
                }
            }
        }
    }
}
