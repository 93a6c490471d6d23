//! The sentences for the replay's problems (R0xx): journeys, the report
//! and the command line write them from the engine's typed problems.

use crate::data::time::format_instant;
use crate::eval::Runtime;
use crate::ir::Ir;

/// What happened and what it means, in plain English.
pub fn runtime_message(ir: &Ir, p: &Runtime) -> String {
    match p {
        Runtime::Chain { at, stages, entity } => {
            let names: Vec<&str> = stages.iter().map(|s| ir.stage_name(*s)).collect();
            format!(
                "moves kept chaining at {}: {}; replay stopped for this {}",
                format_instant(*at),
                names.join(" -> "),
                entity.keyword()
            )
        }
        Runtime::MergeIntoUnknown { into, .. } => format!(
            "merge into unknown contact `{into}` was ignored (no contact or event has that id)"
        ),
        Runtime::MergeReversed { from, into, at } => format!(
            "merge of `{from}` into `{into}` at {} reverses an earlier merge the other way; both are treated as `{into}`",
            format_instant(*at)
        ),
    }
}
