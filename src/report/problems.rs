//! The sentences for the replay's problems (R0xx): journeys, the report
//! and the command line write them from the engine's typed problems.

use crate::data::time::format_instant;
use crate::eval::Runtime;
use crate::ir::Ir;

use super::words::expr_text;

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
        Runtime::Calculation { node, at, by_zero } => format!(
            "`{}` has no value at {}: {}; the condition reading it was taken as unknown (guard it, e.g. `contact.employees > 0 and ...`)",
            expr_text(ir, *node),
            format_instant(*at),
            if *by_zero {
                "it divides by zero"
            } else {
                "its result is too large to compute with"
            }
        ),
        Runtime::MergeReversed { from, into, at } => format!(
            "merge of `{from}` into `{into}` at {} reverses an earlier merge the other way; both are treated as `{into}`",
            format_instant(*at)
        ),
    }
}
