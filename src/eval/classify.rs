//! Classifying a [`Request`] (a `classify --stdin` line, an API body): the
//! rows are read, replayed, and the journeys returned, or an error that
//! names every bad row.

use serde::Serialize;

use super::{AccountJourney, Journey, evaluate};
use crate::compile::Policy;
use crate::data::request::{Request, RequestError, RequestProblem};
use crate::data::time::{Instant, format_instant};

/// The journeys of one request.
#[derive(Debug, Clone, Serialize)]
pub struct Classified {
    pub as_of: String,
    /// One per contact, in id order.
    pub journeys: Vec<Journey>,
    /// One per account with an account lifecycle, in id order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<AccountJourney>,
    /// Rows left out as a file's would be (events of types the policy
    /// does not declare).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<RequestProblem>,
}

/// Replays `request` up to its own `as_of`, else `as_of`, else the latest
/// time in it.
pub fn classify(
    policy: &Policy,
    request: &Request,
    as_of: Option<Instant>,
) -> Result<Classified, RequestError> {
    let own = request.as_of(policy)?;
    let (histories, warnings) = request.histories(policy)?;
    let ev = evaluate(policy, &histories, own.or(as_of));
    Ok(Classified {
        as_of: format_instant(ev.as_of),
        journeys: ev.journeys,
        accounts: ev.accounts,
        warnings,
    })
}
