//! Diagnostics of the check phase: errors E010–E069, warnings W001–W009.
//! Every code is listed in `docs/diagnostics.md`.

use miette::Diagnostic;
use thiserror::Error;

use crate::span::Span;

#[derive(Debug, Clone, Error, Diagnostic)]
pub enum CheckError {
    // ---------------------------------------------------------------- names
    #[error("{kind} `{name}` is defined twice")]
    #[diagnostic(
        code(detente::E010),
        help("each {kind} needs its own name: rename or remove one of them")
    )]
    Duplicate {
        kind: &'static str,
        name: String,
        #[label("defined again here")]
        span: Span,
        #[label("first defined here")]
        first: Span,
    },

    #[error("unknown {kind} `{name}`")]
    #[diagnostic(code(detente::E011))]
    Unknown {
        kind: &'static str,
        name: String,
        #[label("not a known {kind}")]
        span: Span,
        #[help]
        help: Option<String>,
    },

    #[error("{owner} has no field `{name}`")]
    #[diagnostic(code(detente::E012))]
    UnknownField {
        owner: String,
        name: String,
        #[label("no such field")]
        span: Span,
        #[help]
        help: Option<String>,
    },

    #[error("unknown type `{name}`")]
    #[diagnostic(code(detente::E013))]
    UnknownType {
        name: String,
        #[label("not a type")]
        span: Span,
        #[help]
        help: Option<String>,
    },

    #[error("`{name}` is a stage of both the {first} and the {second} lifecycle")]
    #[diagnostic(code(detente::E014))]
    AmbiguousStage {
        name: String,
        first: &'static str,
        second: &'static str,
        #[label("which lifecycle's `{name}`?")]
        span: Span,
        #[help]
        help: Option<String>,
    },

    #[error(
        "{written} is a stage of the {lifecycle} lifecycle, but {place} takes a stage of the {wanted} lifecycle"
    )]
    #[diagnostic(code(detente::E024))]
    WrongLifecycle {
        written: String,
        lifecycle: &'static str,
        wanted: &'static str,
        place: String,
        #[label("not a stage of the {wanted} lifecycle")]
        span: Span,
        #[help]
        help: Option<String>,
    },

    // ---------------------------------------------------------------- types
    #[error("`{op}` cannot compare {left} with {right}")]
    #[diagnostic(code(detente::E020))]
    TypeMismatch {
        op: String,
        left: String,
        right: String,
        #[label("this is {left}")]
        left_span: Span,
        #[label("this is {right}")]
        right_span: Span,
        #[help]
        help: Option<String>,
    },

    #[error("expected {expected}, found {found}")]
    #[diagnostic(code(detente::E021))]
    WrongType {
        expected: String,
        found: String,
        #[label("this is {found}")]
        span: Span,
        #[help]
        help: Option<String>,
    },

    #[error("cannot {verb} {left} and {right}")]
    #[diagnostic(
        code(detente::E022),
        help("both sides must be in the same unit (money with money, days with days)")
    )]
    UnitMismatch {
        verb: &'static str,
        left: String,
        right: String,
        #[label("{left}")]
        left_span: Span,
        #[label("{right}")]
        right_span: Span,
    },

    #[error("`{func}` {problem}")]
    #[diagnostic(code(detente::E023))]
    BadArguments {
        func: String,
        problem: String,
        #[label("{label}")]
        span: Span,
        label: String,
        #[help]
        help: Option<String>,
    },

    #[error("{what} cannot be used {place}")]
    #[diagnostic(code(detente::E024))]
    NotAllowedHere {
        what: String,
        place: &'static str,
        #[label("not allowed here")]
        span: Span,
        #[help]
        help: Option<String>,
    },

    #[error("`{value}` is not one of the values of {field}")]
    #[diagnostic(code(detente::E025))]
    NotAnEnumValue {
        value: String,
        field: String,
        #[label("not a possible value")]
        span: Span,
        #[help]
        help: Option<String>,
    },

    // ---------------------------------------------------------------- lifecycles
    #[error("the {lifecycle} lifecycle has no initial stage")]
    #[diagnostic(
        code(detente::E030),
        help(
            "mark the stage every {lifecycle} starts in with `initial`, e.g. `stage subscriber initial`"
        )
    )]
    NoInitialStage {
        lifecycle: String,
        #[label("no stage here is marked `initial`")]
        span: Span,
    },

    #[error("the {lifecycle} lifecycle has two initial stages, `{first_name}` and `{second_name}`")]
    #[diagnostic(
        code(detente::E031),
        help("every {lifecycle} starts in one stage: remove `initial` from one of them")
    )]
    TwoInitialStages {
        lifecycle: String,
        first_name: String,
        second_name: String,
        #[label("second initial stage")]
        span: Span,
        #[label("first initial stage")]
        first: Span,
    },

    #[error("`{stage}` is a final stage, so no transition can leave it")]
    #[diagnostic(
        code(detente::E032),
        help(
            "remove this transition, or remove `final` from `{stage}` if contacts can move on from it"
        )
    )]
    TransitionFromFinal {
        stage: String,
        #[label("leaves a final stage")]
        span: Span,
        #[label("declared final here")]
        stage_span: Span,
    },

    #[error(
        "these `when` transitions form a loop that could repeat forever at one instant: {cycle}"
    )]
    #[diagnostic(
        code(detente::E033),
        help("make one of them wait, e.g. add `and time_in_stage >= 14d` to its condition")
    )]
    InstantCycle {
        cycle: String,
        #[label("this transition is part of the loop")]
        span: Span,
    },

    #[error("a lifecycle is for `contact` or `account`, not `{name}`")]
    #[diagnostic(code(detente::E034))]
    LifecycleKind {
        name: String,
        #[label("unknown lifecycle")]
        span: Span,
        #[help]
        help: Option<String>,
    },

    #[error("the policy has no lifecycle")]
    #[diagnostic(
        code(detente::E035),
        help("add `lifecycle contact {{ ... }}` with the stages a contact moves through")
    )]
    NoLifecycle {
        #[label("this policy")]
        span: Span,
    },

    // ---------------------------------------------------------------- definitions
    #[error("{kind} `{name}` is defined in terms of itself: {cycle}")]
    #[diagnostic(
        code(detente::E040),
        help("break the loop: one of these definitions must stand on its own")
    )]
    Circular {
        kind: &'static str,
        name: String,
        cycle: String,
        #[label("part of the loop")]
        span: Span,
    },

    #[error(
        "deals read their contacts' stages and contacts read their deals': neither could be worked out first"
    )]
    #[diagnostic(code(detente::E043))]
    LinksBothWays {
        #[label("a contact reads its deals here")]
        span: Span,
        #[label("a deal reads its contacts here")]
        deals: Span,
        #[help]
        help: Option<String>,
    },

    #[error("{problem}")]
    #[diagnostic(code(detente::E042))]
    Segments {
        problem: String,
        #[label("{label}")]
        span: Span,
        label: String,
        #[help]
        help: Option<String>,
    },

    #[error("{problem}")]
    #[diagnostic(code(detente::E041))]
    BadRequire {
        problem: String,
        #[label("{label}")]
        span: Span,
        label: String,
        #[help]
        help: Option<String>,
    },

    // ---------------------------------------------------------------- values
    #[error("invalid regular expression: {reason}")]
    #[diagnostic(
        code(detente::E050),
        help(
            "patterns use the syntax of Rust's `regex` crate; inside the quotes, write every backslash twice"
        )
    )]
    InvalidRegex {
        reason: String,
        #[label("this pattern")]
        span: Span,
    },

    #[error("unknown timezone `{name}`")]
    #[diagnostic(code(detente::E051))]
    InvalidTimezone {
        name: String,
        #[label("not an IANA timezone name")]
        span: Span,
        #[help]
        help: Option<String>,
    },

    #[error("`{value}` is not a valid date")]
    #[diagnostic(
        code(detente::E052),
        help("write dates as YYYY-MM-DD, e.g. \"2026-04-01\"")
    )]
    InvalidDate {
        value: String,
        #[label("not a date")]
        span: Span,
    },

    #[error("`{text}` is not a valid duration")]
    #[diagnostic(code(detente::E053))]
    InvalidDuration {
        text: String,
        #[label("{reason}")]
        span: Span,
        reason: String,
        #[help]
        help: Option<String>,
    },

    #[error("`{value}` is not a valid {what}")]
    #[diagnostic(code(detente::E054))]
    InvalidValue {
        what: &'static str,
        value: String,
        #[label("{reason}")]
        span: Span,
        reason: String,
        #[help]
        help: Option<String>,
    },

    // ---------------------------------------------------------------- policy-wide rules
    #[error("`group.{fact}` needs a `buying_group` definition")]
    #[diagnostic(
        code(detente::E060),
        help("add `buying_group {{ role ... }}` to say who in an account matters")
    )]
    NoBuyingGroup {
        fact: String,
        #[label("uses the buying group")]
        span: Span,
    },

    #[error("`{name}` is not a team of this policy")]
    #[diagnostic(code(detente::E061))]
    UnknownTeam {
        name: String,
        #[label("not a declared team")]
        span: Span,
        #[help]
        help: Option<String>,
    },

    #[error("`{name}` is a reserved {kind} name")]
    #[diagnostic(code(detente::E062))]
    Reserved {
        kind: &'static str,
        name: String,
        #[label("reserved")]
        span: Span,
        #[help]
        help: Option<String>,
    },

    #[error("{item} is missing {what}")]
    #[diagnostic(code(detente::E063))]
    Missing {
        item: String,
        what: String,
        #[label("add {what} here")]
        span: Span,
        #[help]
        help: Option<String>,
    },

    #[error("{what} is given twice")]
    #[diagnostic(code(detente::E064), help("keep one of them"))]
    Repeated {
        what: String,
        #[label("given again here")]
        span: Span,
        #[label("first given here")]
        first: Span,
    },

    // ---------------------------------------------------------------- warnings
    #[error("stage `{stage}` can never be reached")]
    #[diagnostic(
        code(detente::W001),
        severity(Warning),
        help(
            "add a transition into `{stage}`, or remove the stage (only a manual `set_stage` could reach it)"
        )
    )]
    UnreachableStage {
        stage: String,
        #[label("no path from the initial stage leads here")]
        span: Span,
    },

    #[error("stage `{stage}` has no way out")]
    #[diagnostic(
        code(detente::W002),
        severity(Warning),
        help(
            "add a transition out of `{stage}`, or mark it `final` if contacts are meant to stay"
        )
    )]
    NoWayOut {
        stage: String,
        #[label("contacts that get here stay forever")]
        span: Span,
    },

    #[error("this transition can never fire")]
    #[diagnostic(
        code(detente::W003),
        severity(Warning),
        help(
            "transitions are tried in the order written: move this one above the earlier one, or make the earlier one more specific"
        )
    )]
    Shadowed {
        #[label("never fires")]
        span: Span,
        #[label("because this earlier transition always wins first")]
        earlier: Span,
    },

    #[error("{what} can never be true")]
    #[diagnostic(code(detente::W004), severity(Warning))]
    NeverTrue {
        what: String,
        #[label("{reason}")]
        span: Span,
        reason: String,
        #[help]
        help: Option<String>,
    },

    #[error("{kind} `{name}` is never used")]
    #[diagnostic(
        code(detente::W005),
        severity(Warning),
        help("use it in a criteria, transition or rule, or remove it")
    )]
    Unused {
        kind: &'static str,
        name: String,
        #[label("defined here")]
        span: Span,
    },

    #[error("stage `{stage}` has no owning team")]
    #[diagnostic(
        code(detente::W006),
        severity(Warning),
        help(
            "say which team works this stage, e.g. `owner marketing`, so reports credit and chase the right team"
        )
    )]
    NoOwner {
        stage: String,
        #[label("no `owner`")]
        span: Span,
    },

    #[error(
        "{what} changes as time passes, but here nothing can tell when this condition starts to hold"
    )]
    #[diagnostic(code(detente::E026))]
    Untimed {
        what: String,
        #[label("{label}")]
        span: Span,
        label: String,
        #[help]
        help: String,
    },

    #[error("`{written}` is the number {fraction}, but score `{score}` runs from {range}")]
    #[diagnostic(
        code(detente::W008),
        severity(Warning),
        help(
            "scores are points, not percentages: write `{points}` to compare with {points} points"
        )
    )]
    PercentOfScore {
        written: String,
        fraction: String,
        score: String,
        range: String,
        points: String,
        #[label("read as a fraction")]
        span: Span,
    },

    #[error("`{written}` is written in {symbol}, but the policy's currency is {currency}")]
    #[diagnostic(
        code(detente::W010),
        severity(Warning),
        help(
            "every amount is in the policy's currency ({currency}); write `{fixed}` so readers are not misled"
        )
    )]
    CurrencySymbol {
        written: String,
        symbol: char,
        currency: String,
        fixed: String,
        #[label("read as {currency}")]
        span: Span,
    },

    #[error("`{written}` compared with a rate, which is never above 1")]
    #[diagnostic(
        code(detente::W009),
        severity(Warning),
        help(
            "rates (`conversion`, `attainment`, `share`) are fractions: write `{written}%` for {written} percent"
        )
    )]
    WholeAgainstRate {
        written: String,
        #[label("a whole number, not a percentage")]
        span: Span,
    },

    #[error("SLA `{sla}` can never start: stage `{stage}` is unreachable")]
    #[diagnostic(
        code(detente::W007),
        severity(Warning),
        help("add a transition into `{stage}`, or start the SLA on a stage contacts reach")
    )]
    SlaNeverStarts {
        sla: String,
        stage: String,
        #[label("starts here")]
        span: Span,
    },
}

impl CheckError {
    pub fn is_warning(&self) -> bool {
        matches!(
            miette::Diagnostic::severity(self),
            Some(miette::Severity::Warning)
        )
    }

    /// Where the diagnostic points; diagnostics are reported in this order.
    pub fn span(&self) -> Span {
        use CheckError::*;
        match self {
            Duplicate { span, .. }
            | Unknown { span, .. }
            | UnknownField { span, .. }
            | UnknownType { span, .. }
            | AmbiguousStage { span, .. }
            | Segments { span, .. }
            | LinksBothWays { span, .. }
            | WrongLifecycle { span, .. }
            | WrongType { span, .. }
            | BadArguments { span, .. }
            | NotAllowedHere { span, .. }
            | NotAnEnumValue { span, .. }
            | NoInitialStage { span, .. }
            | TwoInitialStages { span, .. }
            | TransitionFromFinal { span, .. }
            | InstantCycle { span, .. }
            | LifecycleKind { span, .. }
            | NoLifecycle { span }
            | Circular { span, .. }
            | BadRequire { span, .. }
            | InvalidRegex { span, .. }
            | InvalidTimezone { span, .. }
            | InvalidDate { span, .. }
            | InvalidDuration { span, .. }
            | InvalidValue { span, .. }
            | NoBuyingGroup { span, .. }
            | UnknownTeam { span, .. }
            | Reserved { span, .. }
            | Missing { span, .. }
            | Repeated { span, .. }
            | UnreachableStage { span, .. }
            | NoWayOut { span, .. }
            | Shadowed { span, .. }
            | NeverTrue { span, .. }
            | Unused { span, .. }
            | NoOwner { span, .. }
            | SlaNeverStarts { span, .. }
            | Untimed { span, .. }
            | PercentOfScore { span, .. }
            | WholeAgainstRate { span, .. }
            | CurrencySymbol { span, .. } => *span,
            TypeMismatch { left_span, .. } => *left_span,
            UnitMismatch { left_span, .. } => *left_span,
        }
    }
}
