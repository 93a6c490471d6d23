//! Classifying a [`Request`] (a `classify --stdin` line, an API body): the
//! rows are read, replayed, and the journeys returned, or an error that
//! names every bad row.

use super::{AccountJourney, Journey, RuntimeProblem, default_as_of, evaluate};
use crate::compile::Policy;
use crate::data::Histories;
use crate::data::request::{Request, RequestError, RequestProblem};
use crate::data::time::Instant;

/// The journeys of one request; `report::journey::ClassifiedJson`
/// writes them as the API answers.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Classified {
    /// The as-of time replayed to.
    pub as_of: Instant,
    /// One per contact, in id order.
    pub journeys: Vec<Journey>,
    /// One per account with an account lifecycle, in id order.
    pub accounts: Vec<AccountJourney>,
    /// Rows left out as a file's would be (events of types the policy
    /// does not declare).
    pub warnings: Vec<RequestProblem>,
    /// Contacts or accounts whose replay had to stop, and merges that
    /// could not be made.
    pub problems: Vec<RuntimeProblem>,
}

/// Replays `request` up to its own `as_of`, else `as_of`, else the latest
/// time in it. The request is consumed: its rows become the histories
/// without being copied.
pub fn classify(
    policy: &Policy,
    request: Request,
    as_of: Option<Instant>,
) -> Result<Classified, RequestError> {
    let asked = request.as_of(policy)?.or(as_of);
    let (histories, warnings) = request.into_histories(policy)?;
    let as_of = asked_or_latest(asked, &histories)?;
    let ev = evaluate(policy, &histories, Some(as_of));
    Ok(Classified {
        as_of: ev.as_of,
        journeys: ev.journeys,
        accounts: ev.accounts,
        warnings,
        problems: ev.problems,
    })
}

/// The request's own `as_of`, else `fallback`, else the latest time in
/// its rows; a request with no time at all is an error (there is nothing
/// to replay up to, and the epoch would be a made-up answer).
pub fn replay_until(
    policy: &Policy,
    request: &Request,
    histories: &Histories,
    fallback: Option<Instant>,
) -> Result<Instant, RequestError> {
    asked_or_latest(request.as_of(policy)?.or(fallback), histories)
}

fn asked_or_latest(asked: Option<Instant>, histories: &Histories) -> Result<Instant, RequestError> {
    if let Some(t) = asked {
        return Ok(t);
    }
    let has_time =
        !histories.events.is_empty() || histories.contacts.iter().any(|c| c.created_at.is_some());
    if has_time {
        Ok(default_as_of(histories))
    } else {
        Err(RequestError::no_time())
    }
}
