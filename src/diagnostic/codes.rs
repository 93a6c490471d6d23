//! The registry of diagnostic codes. `docs/diagnostics.md` documents each
//! one with an example and the fix; a test keeps the two in step, and
//! another makes sure every code has a fixture under `tests/fixtures/`.

/// (code, what it means).
pub const CODES: &[(&str, &str)] = &[
    ("E001", "syntax error"),
    ("E002", "unknown escape in a string"),
    ("E003", "the file is not UTF-8"),
    ("E004", "nesting too deep"),
    ("E005", "unclosed string"),
    ("E006", "expression too long"),
    ("E010", "a name defined twice"),
    ("E011", "unknown name"),
    ("E012", "unknown field"),
    ("E013", "unknown type"),
    ("E014", "a stage name two lifecycles share"),
    ("E020", "values that cannot be compared"),
    ("E021", "a value of the wrong type"),
    ("E022", "values in different units"),
    ("E023", "wrong arguments to a function"),
    ("E024", "something used where it has no meaning"),
    ("E025", "not one of a field's values"),
    ("E026", "time read where the replay cannot time its change"),
    ("E030", "no initial stage"),
    ("E031", "two initial stages"),
    ("E032", "a transition out of a final stage"),
    (
        "E033",
        "a loop of `when` moves that can spin at one instant",
    ),
    ("E034", "a lifecycle that is not contact, account or deal"),
    ("E035", "no lifecycle"),
    ("E040", "a circular definition"),
    ("E041", "an impossible `require`"),
    (
        "E042",
        "a metric or incentive that cannot be cut by its field",
    ),
    ("E043", "deals and contacts reading each other's stages"),
    ("E050", "invalid regular expression"),
    ("E051", "unknown timezone"),
    ("E052", "invalid date"),
    ("E053", "invalid duration"),
    ("E054", "invalid value"),
    ("E060", "`group.*` with no buying group"),
    ("E061", "an owner or team that is not declared"),
    ("E062", "a reserved name"),
    ("E063", "a required statement is missing"),
    ("E064", "a statement given twice"),
    ("W001", "a stage that can never be reached"),
    ("W002", "a stage with no way out"),
    ("W003", "a transition that can never fire"),
    ("W004", "a condition that can never be true"),
    ("W005", "a definition nothing uses"),
    ("W006", "a stage without an owning team"),
    ("W007", "an SLA that can never start"),
    ("W008", "a percentage compared with a score"),
    ("W009", "a whole number compared with a rate"),
    ("W010", "money written in another currency's sign"),
];

/// What a stable code (`E011`, `W003`) is about, in a few words.
pub fn describe(code: &str) -> Option<&'static str> {
    CODES.iter().find(|(c, _)| *c == code).map(|(_, d)| *d)
}
