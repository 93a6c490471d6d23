//! Journeys and reports as Parquet, for data teams' tools (Spark,
//! DuckDB, pandas, BI): journeys with typed columns (`since` a UTC
//! timestamp, scores doubles, criteria booleans with null for unknown),
//! and each report section as a table of its own, the columns those of
//! the section's JSON (docs/reports.md), nested where the JSON nests.
//!
//! The library makes the bytes; the command line writes the files.

use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Float64Builder, StringBuilder, TimestampMillisecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;

use crate::compile::Policy;
use crate::ir::Entity;

use super::journey::flat::{self, ColumnKind};

/// How every file is written: zstd, which every Parquet reader of the
/// last years reads, at its default level.
pub fn properties() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .build()
}

/// The schema of `lifecycle`'s journey rows.
pub fn journey_schema(policy: &Policy, lifecycle: Entity) -> SchemaRef {
    let fields: Vec<Field> = flat::kinds(policy, lifecycle)
        .into_iter()
        .map(|(name, kind)| {
            let t = match kind {
                ColumnKind::Time => DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
                ColumnKind::Number => DataType::Float64,
                ColumnKind::Verdict => DataType::Boolean,
                _ => DataType::Utf8,
            };
            // Only an id of the row's own subject is always there.
            Field::new(name, t, true)
        })
        .collect();
    Arc::new(Schema::new(fields))
}

/// Rows of cells (as [`flat::rows`] writes them) as a record batch of
/// `schema`: an empty cell is a null, `unknown` a null verdict.
pub fn journey_batch(
    schema: &SchemaRef,
    rows: &[Vec<String>],
) -> Result<RecordBatch, ParquetError> {
    let columns: Vec<ArrayRef> = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(i, field)| column(field.data_type(), rows, i))
        .collect();
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}

fn column(t: &DataType, rows: &[Vec<String>], i: usize) -> ArrayRef {
    let cells = rows
        .iter()
        .map(|r| r.get(i).map(String::as_str).filter(|c| !c.is_empty()));
    match t {
        DataType::Timestamp(..) => {
            let mut b = TimestampMillisecondBuilder::with_capacity(rows.len());
            for c in cells {
                let at = c.and_then(|c| chrono::DateTime::parse_from_rfc3339(c).ok());
                b.append_option(at.map(|d| d.timestamp_millis()));
            }
            Arc::new(b.finish().with_timezone("UTC"))
        }
        DataType::Float64 => {
            let mut b = Float64Builder::with_capacity(rows.len());
            for c in cells {
                b.append_option(c.and_then(|c| c.parse::<f64>().ok()));
            }
            Arc::new(b.finish())
        }
        DataType::Boolean => {
            let mut b = BooleanBuilder::with_capacity(rows.len());
            for c in cells {
                b.append_option(match c {
                    Some("true") => Some(true),
                    Some("false") => Some(false),
                    _ => None,
                });
            }
            Arc::new(b.finish())
        }
        _ => {
            let mut b = StringBuilder::with_capacity(rows.len(), rows.len() * 16);
            for c in cells {
                b.append_option(c);
            }
            Arc::new(b.finish())
        }
    }
}

/// A whole file of `batches` of `schema`.
pub fn file(schema: &SchemaRef, batches: &[RecordBatch]) -> Result<Vec<u8>, ParquetError> {
    let mut out = Vec::new();
    let mut w = ArrowWriter::try_new(&mut out, schema.clone(), Some(properties()))?;
    for b in batches {
        w.write(b)?;
    }
    w.close()?;
    Ok(out)
}

/// `lifecycle`'s journeys as a Parquet file.
pub fn journeys(
    e: &crate::eval::Evaluation,
    policy: &Policy,
    lifecycle: Entity,
) -> Result<Vec<u8>, ParquetError> {
    let schema = journey_schema(policy, lifecycle);
    let batch = journey_batch(&schema, &flat::rows(e, policy, lifecycle))?;
    file(&schema, &[batch])
}

/// Each section of a report as (name, Parquet file): a list section
/// has a row per item, any other one row. A section with no rows has no
/// file (a table needs columns to have a schema).
pub fn report_sections(
    report: &super::build::Report,
) -> Result<Vec<(String, Vec<u8>)>, ParquetError> {
    let json = serde_json::to_value(report).map_err(|e| ParquetError::General(e.to_string()))?;
    let mut out = Vec::new();
    let Some(sections) = json.as_object() else {
        return Ok(out);
    };
    for (name, value) in sections {
        let rows: Vec<serde_json::Value> = match value {
            // A list of plain values (the periods' names) is a table of
            // one column, `value`.
            serde_json::Value::Array(items) => items
                .iter()
                .map(|v| match v {
                    serde_json::Value::Object(_) => v.clone(),
                    _ => serde_json::json!({ "value": v }),
                })
                .collect(),
            serde_json::Value::Object(_) => vec![value.clone()],
            // A scalar (the as-of time, the period, the counts) is in
            // report.json, which the command line writes beside them.
            _ => continue,
        };
        if rows.is_empty() {
            continue;
        }
        out.push((name.clone(), table(&rows)?));
    }
    Ok(out)
}

/// JSON objects as one Parquet table, the schema inferred from them.
fn table(rows: &[serde_json::Value]) -> Result<Vec<u8>, ParquetError> {
    let schema = arrow_json::reader::infer_json_schema_from_iterator(rows.iter().map(Ok))?;
    let schema = Arc::new(schema);
    // A field that is a number in one row and text in another (a
    // figure, or "n/a") is inferred as text, and the numbers written as
    // text.
    let mut decoder = arrow_json::ReaderBuilder::new(schema.clone())
        .with_coerce_primitive(true)
        .build_decoder()?;
    decoder.serialize(rows)?;
    let batch = decoder.flush()?;
    file(&schema, &batch.into_iter().collect::<Vec<_>>())
}
