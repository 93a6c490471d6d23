//! Détente: the sales and marketing agreement as an executable policy.
//!
//! A policy (the language of `docs/language.md`) is compiled once into a
//! state machine, then contact histories are replayed through it. Each
//! contact gets a [`eval::Journey`]: its stage, the path that led there
//! and why, its scores, criteria, buying group and SLAs, by id. A
//! [`json::JourneyView`] reads the names from the policy and writes the
//! same JSON `detente classify` prints.
//!
//! ```
//! use detente::Policy;
//! use detente::data::request::Request;
//!
//! let policy = Policy::compile(r#"
//! policy "Tiny" { teams marketing, sales }
//! contact { title: text }
//! event form_submit { form: text }
//! touchpoint demo_request = form_submit where form == "demo" by marketing
//! lifecycle contact {
//!   stage lead initial owner marketing
//!   stage mql final owner sales
//!   lead -> mql on demo_request
//! }
//! "#).expect("a valid policy");
//!
//! // One contact with its events, as a CRM would send it.
//! let request = Request::from_json(serde_json::json!({
//!     "id": "c-1",
//!     "title": "VP Sales",
//!     "events": [{"at": "2026-03-02T09:00:00Z", "type": "form_submit", "form": "demo"}]
//! })).expect("the request's shape");
//! let (history, _warnings) = request.histories(&policy).expect("readable rows");
//! let journeys = policy.evaluate(&history, None);
//!
//! let c1 = detente::json::JourneyView::new(&policy, &journeys.journeys[0]);
//! assert_eq!(c1.stage(), "mql");
//! assert_eq!(c1.since(), "2026-03-02T09:00:00Z");
//! let written = serde_json::to_value(c1).expect("JSON");
//! assert_eq!(written["path"][1]["trigger"]["event"], "form_submit");
//! ```
//!
//! Files are read the same way through [`data::load`] with
//! [`data::Source`]s (CSV or JSON Lines, gzip or not), and a policy that
//! does not compile gives [`Diagnostics`] that display as `detente check`
//! prints them.
//!
//! The documented modules are the API for other programs: [`compile`]
//! (the [`Policy`]), [`data`] (reading histories), [`eval`] (replaying
//! them: journeys, explanations, requests), [`json`] (journeys as
//! `classify` writes them) and [`diagnostic`]. The
//! compiler's own stages (parsing, checking) and the command line's
//! reports are public only so the `detente` binary can reach them; they
//! are left out of these pages and may change with any release.

#![deny(missing_docs)]

// The pest parser generated without pest's `std` feature names `alloc::`.
extern crate alloc;

// Documented and meant for other programs: compiling a policy, reading
// histories, replaying them, the diagnostics. Every public item of these
// is documented (`missing_docs` is denied).
pub mod compile;
pub mod data;
pub mod diagnostic;
pub mod eval;
#[doc(hidden)]
pub mod ir;

/// Journeys as `detente classify` and the API write them. The engine's
/// journeys hold ids; these views borrow the policy they were worked out
/// with and read the names of stages, scores, criteria, roles and SLAs
/// from it, so no journey carries a copy of them.
pub mod json {
    pub use crate::report::journey::{
        AccountJourneyView, AccountJourneysJson, ClassifiedJson, JourneyView, JourneysJson,
        PathStep, PolicyRef, ProblemJson, Rounded, RuntimeProblemJson, SlaJson, Tri, Trigger,
    };
}

// The compiler's and the command line's own parts: public so that the
// `detente` binary (and the tests) can reach them, hidden from the
// documentation because they may change with any release.
#[doc(hidden)]
pub mod check;
#[doc(hidden)]
pub mod generate;
#[doc(hidden)]
pub mod names;
#[doc(hidden)]
pub mod range;
#[doc(hidden)]
pub mod report;
#[doc(hidden)]
pub mod span;
#[doc(hidden)]
pub mod syntax;
#[doc(hidden)]
pub mod testing;
#[doc(hidden)]
pub mod zone;

pub use compile::Policy;
pub use diagnostic::{Diagnostics, Problem};
/// Which lifecycle: contacts' or accounts'.
pub use syntax::ast::Entity as Lifecycle;

impl Policy {
    /// Parses, checks and compiles a policy. Warnings do not stop it; they
    /// are available from [`Policy::warnings`].
    ///
    /// ```
    /// let err = detente::Policy::compile("policy \"x\" {").unwrap_err();
    /// assert!(err.to_string().contains("E001"));
    /// ```
    pub fn compile(source: &str) -> Result<Policy, Diagnostics> {
        Policy::compile_named("policy.detente", source)
    }

    /// Replays `histories` through the policy up to `as_of` (default: the
    /// latest time in the data, never the wall clock) and returns every
    /// contact's and account's journey, in id order. Accounts are replayed
    /// in parallel on rayon's pool; the result does not depend on the
    /// number of threads or the order of the rows.
    pub fn evaluate(
        &self,
        histories: &data::Histories,
        as_of: Option<data::time::Instant>,
    ) -> eval::Evaluation {
        eval::evaluate(self, histories, as_of)
    }
}
