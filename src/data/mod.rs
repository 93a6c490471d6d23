//! Contact histories from CRM exports: CSV or JSON Lines (optionally
//! gzip), mapped by a manifest, validated against the policy's schema.
//! Bad rows are reported with file, line, column and reason; nothing is
//! dropped silently.

mod ahead;
pub mod codes;
mod contact_book;
mod deal_book;
mod deals;
pub mod formats;
mod grouped;
mod latest;
mod load;
pub mod lookup;
pub mod manifest;
#[cfg(feature = "parquet")]
mod parquet;
mod reader;
mod regroup;
pub mod request;
mod request_direct;
mod request_json;
mod row;
pub mod row_filter;
mod seen;
pub mod shard;
pub mod source;
pub mod time;
mod unzip;
mod values;

pub use ahead::load_grouped_ahead;
pub use codes::{DataError, RowCode};
pub use grouped::{Batch, Group, Order, load_grouped, load_grouped_in, load_grouped_seen};
pub use latest::latest_time;
pub use load::{
    Account, Contact, Counts, Deal, DealContact, Event, EventKind, Histories, Origin, RecordKind,
    RowProblem, Severity, SkipReason, Skipped, Source, load,
};
pub use values::read_value;
