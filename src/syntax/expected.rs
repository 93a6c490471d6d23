//! Turns pest's "expected rule X, Y" into words a sales VP can act on.

use pest::error::{Error, ErrorVariant, InputLocation};

use super::construct::{Block, Place};
use super::error::SyntaxError;
use super::parser::Rule;
use crate::span::Span;

/// What a rule means to someone writing a policy. Rules that all mean "an
/// expression" collapse into one phrase.
fn word(rule: Rule) -> Option<&'static str> {
    use Rule::*;
    Some(match rule {
        ident | day_name => "a name",
        field_name => "a field name",
        string | string_inner => "a quoted string",
        number | signed_number => "a number",
        clock => "a time such as `09:00`",
        expr | name_or_call | neg_op | postfix | paren | list | money | percent | quantity
        | business_duration | boolean | not_op | kw_not | kw_true | kw_false | minus => {
            "a condition or value"
        }
        cmp_op | kw_in | kw_contains | kw_starts_with | kw_ends_with | kw_matches | is_test
        | kw_is => "a comparison such as `==` or `>=`",
        add_op | mul_op | plus | star | slash => "an operator",
        kw_or | kw_and | or_op | and_op => "`and` or `or`",
        member | dot => "`.`",
        kw_policy | kw_contact | kw_account | kw_deal | kw_event | kw_touchpoint | kw_score
        | kw_criteria | kw_buying_group | kw_lifecycle | kw_sla | kw_metric | kw_incentive
        | policy_block | schema_block | event_decl | touchpoint_decl | score_decl
        | criteria_decl | buying_group | lifecycle | sla_decl | metric_decl | incentive_decl
        | single_item | file => {
            "a definition (`policy`, `contact`, `account`, `deal`, `event`, `touchpoint`, `score`, `criteria`, `buying_group`, `lifecycle`, `sla`, `metric` or `incentive`)"
        }
        kw_version
        | kw_effective
        | kw_timezone
        | kw_currency
        | kw_teams
        | kw_business_hours
        | kw_holidays
        | kw_fiscal_year_starts
        | set_version
        | set_effective
        | set_timezone
        | set_currency
        | set_business_hours
        | set_holidays
        | set_fiscal_year => {
            "a setting (`version`, `effective`, `timezone`, `currency`, `teams`, `business_hours`, `holidays` or `fiscal_year_starts`)"
        }
        kw_stage | stage_decl => "`stage`",
        transition => "a transition such as `lead -> mql on form_submit`",
        from_stage | any_stage | kw_any => "a stage name or `any`",
        trigger_on | trigger_when | trigger_after | kw_on | kw_when | kw_after => {
            "a trigger (`on EVENT`, `when CONDITION` or `after DURATION`)"
        }
        attr_initial | attr_final | attr_detour | kw_initial | kw_final | kw_detour => {
            "a stage attribute (`initial`, `final`, `detour`, `owner TEAM` or a description)"
        }
        kw_owner | owner_stmt => "`owner`",
        kw_decay | decay_stmt => "`decay`",
        kw_range | range_stmt => "`range`",
        kw_each | each_rule => "`each`",
        cond_rule => "a rule such as `CONDITION => +10`",
        kw_require | require_stmt => "`require`",
        clause => "a clause such as `budget: contact.budget_confirmed`",
        require_all | kw_all => "`all`",
        require_n_of_m => "`N of M`",
        kw_role | role_decl => "`role`",
        kw_engaged | engaged_decl => "`engaged`",
        kw_qualified | qualified_decl => "`qualified`",
        kw_starts | sla_starts => "`starts`",
        kw_met | sla_met => "`met`",
        kw_cancelled | sla_cancelled => "`cancelled`",
        kw_within | sla_within => "`within`",
        sla_trigger => "`on`",
        on_entering | kw_entering => "`entering`",
        on_leaving | kw_leaving => "`leaving`",
        kw_period | inc_period => "`period`",
        kw_target | inc_target => "`target`",
        kw_payout | inc_payout => "`payout`",
        kw_split | inc_split => "`split`",
        kw_per | inc_per => "`per`",
        kw_for | score_for => "`for account`",
        criteria_for => "`for deal`",
        kw_assignee | sla_assignee => "`assignee`",
        kw_roles | roles_decl => "`roles`",
        entered_field => "`.` and a field",
        kw_lagged | inc_lagged => "`lagged`",
        metric_by => "`by`",
        dimension => "a field to cut by, such as `contact.office`",
        teams_stmt => "`teams`",
        kw_where => "`where`",
        kw_by => "`by`",
        kw_as => "`as`",
        kw_unless => "`unless`",
        kw_max => "`max`",
        kw_of => "`of`",
        kw_half_life => "`half_life`",
        kw_business | business_unit => "`business hours` or `business days`",
        kw_missing | kw_present => "`missing` or `present`",
        kw_entered => "`entered`",
        stage_ref | lifecycle_stage | stage_arg => "a stage such as `mql` or `account:qualified`",
        optional_mark => "`?`",
        field_decl => "a field such as `email: text`",
        enum_type | type_name => {
            "a type (`text`, `number`, `money`, `bool`, `date`, `timestamp`, `duration`) or a list of values such as `\"a\" | \"b\"`"
        }
        hours_span | day_range => "days such as `mon-fri`",
        time_range => "opening hours such as `09:00-17:30`",
        lbrace => "`{`",
        rbrace => "`}`",
        lparen => "`(`",
        rparen => "`)`",
        lbracket => "`[`",
        rbracket => "`]`",
        comma => "`,`",
        colon => "`:`",
        dotdot => "`..`",
        dash => "`-`",
        pipe => "`|`",
        arrow => "`->`",
        fat_arrow => "`=>`",
        equals => "`=`",
        EOI => "the end of the file",
        _ => return None,
    })
}

/// `metric wins by marketing = ...` or `per rep`: `by` and `per` cut by
/// a field, not a team or a bare name; say so, and where a team goes.
fn cut_by_a_name(source: &str, offset: usize, words: &[&str]) -> Option<String> {
    if words != ["`.`"] {
        return None;
    }
    let before = source.get(..offset)?.trim_end();
    let name_start = before.rfind(|c: char| !(c.is_alphanumeric() || c == '_'))? + 1;
    let name = before.get(name_start..)?;
    let keyword = before.get(..name_start)?.trim_end();
    let last = keyword.split_whitespace().last()?;
    let word = ["by", "per"].into_iter().find(|k| *k == last)?;
    Some(format!(
        "`{word}` takes a field whose values are the segments: write `{word} contact.{name}`, `{word} account.{name}` or (in a metric) `{word} event.{name}`; a team's share is `share(TOUCHPOINT by TEAM)`"
    ))
}

/// Instead of more than six alternatives: the condition could go on, or
/// the line end and the next be one of the construct's (`takes`).
fn long_list(words: &[&str], takes: &str) -> String {
    let goes_on = words
        .iter()
        .any(|w| w.contains("comparison") || w.contains("`and` or `or`") || *w == "an operator");
    if goes_on {
        format!(
            "more of the condition (`and`, `or`, a comparison such as `>=`, an operator) or, on a new line, {takes}"
        )
    } else {
        takes.to_string()
    }
}

/// `sales` alone on a line of a block that has an owner: the team named
/// in the policy's `teams`, without `owner` before it.
fn owner_without_keyword(source: &str, place: &Place, found: &str) -> Option<String> {
    let owned = matches!(
        place.block,
        Block::Score | Block::Criteria | Block::Sla | Block::Lifecycle
    );
    if !owned || !place.statement.is_empty() || found.is_empty() {
        return None;
    }
    let teams = source
        .lines()
        .map(str::trim_start)
        .find_map(|l| l.strip_prefix("teams "))?;
    let is_team = teams
        .split(|c: char| c == ',' || c.is_whitespace() || c == '}')
        .any(|t| t == found);
    is_team.then(|| format!("did you mean `owner {found}`?"))
}

/// The phrase for a list of alternatives: "a, b or c".
fn join(words: &[&str]) -> String {
    match words {
        [] => "something else".to_string(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

/// The token at `offset`, for "found ...".
fn token_at(source: &str, offset: usize) -> (String, usize) {
    let rest = source.get(offset..).unwrap_or("");
    let Some(first) = rest.chars().next() else {
        return ("the end of the file".to_string(), 0);
    };
    let len = if first.is_alphanumeric() || first == '_' {
        rest.find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len())
    } else if first == '"' {
        rest.get(1..)
            .and_then(|r| r.find('"'))
            .map_or(1, |p| p + 2)
            .min(40)
    } else {
        // Two-character operators read as one token.
        let two: String = rest.chars().take(2).collect();
        if ["==", "!=", "<=", ">=", "->", "=>", ".."].contains(&two.as_str()) {
            2
        } else {
            first.len_utf8()
        }
    };
    let text = rest.get(..len).unwrap_or("");
    // A 10 MB word must not make a 10 MB message.
    let shown: String = text.chars().take(40).collect();
    let ellipsis = if shown.len() < text.len() { "..." } else { "" };
    (format!("`{shown}{ellipsis}`"), len)
}

const KEYWORDS_AS_NAMES: &[&str] = &[
    "and",
    "or",
    "not",
    "in",
    "contains",
    "starts_with",
    "ends_with",
    "matches",
    "is",
    "missing",
    "present",
    "true",
    "false",
    "where",
    "within",
    "by",
    "as",
    "on",
    "when",
    "after",
    "unless",
    "any",
    "each",
    "entered",
    "entering",
    "leaving",
    "initial",
    "final",
    "detour",
    "stage",
];

/// Describes a pest failure of a parse that started at `base` in `source`.
pub fn describe(source: &str, base: usize, error: &Error<Rule>) -> SyntaxError {
    let offset = base
        + match error.location {
            InputLocation::Pos(p) => p,
            InputLocation::Span((s, _)) => s,
        };
    let mut words: Vec<&str> = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            positives.iter().filter_map(|r| word(*r)).collect()
        }
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    // Stable, readable order: punctuation last.
    words.sort_by_key(|w| (w.starts_with('`') && w.len() <= 4, *w));
    words.dedup();
    let (found, len) = token_at(source, offset);
    let found_word = found.trim_matches('`').to_string();
    // What the writer is in the middle of, read once for every hint below.
    let place = Place::at(source, offset);
    if let Some(a) = super::advice::advise(source, offset, &found_word, &place) {
        return SyntaxError::Advice {
            message: a.message,
            span: a.span,
            label: a.label,
            help: a.help,
        };
    }
    let span = Span::new(offset, offset + len.max(1));

    // After `name:` in a schema the missing thing is a type.
    let before = source.get(..offset).unwrap_or("").trim_end();
    if before.ends_with(':') && words.contains(&"a name") && words.contains(&"a quoted string") {
        words = vec![
            "a type (`text`, `number`, `money`, `bool`, `date`, `timestamp`, `duration`) or a list of values such as `\"a\" | \"b\"`",
        ];
    }
    // A long list is the grammar's view: say what this construct takes.
    let expected = match place.block.statements() {
        Some(takes) if words.len() > 6 => long_list(&words, takes),
        _ => join(&words),
    };
    let mut help = None;
    if found_word == "=" && words.iter().any(|w| w.contains("comparison")) {
        help = Some("to compare two values write `==`; a single `=` defines a name".to_string());
    } else if KEYWORDS_AS_NAMES.contains(&found_word.as_str()) && words.contains(&"a name") {
        help = Some(format!(
            "`{found_word}` is a keyword of the language and cannot be used as a name; choose another name"
        ));
    } else if found_word.chars().all(|c| c.is_alphanumeric() || c == '_') && !found_word.is_empty()
    {
        // "did you mean" among the keywords that would have fitted here.
        let candidates: Vec<String> = words
            .iter()
            .flat_map(|w| w.split('`').skip(1).step_by(2))
            .filter(|k| k.chars().all(|c| c.is_alphanumeric() || c == '_'))
            .map(str::to_string)
            .collect();
        if let Some(best) =
            crate::names::closest(&found_word, candidates.iter().map(String::as_str))
        {
            help = Some(format!("did you mean `{best}`?"));
        }
    }
    if let Some(t) = owner_without_keyword(source, &place, &found_word) {
        help = Some(t);
    }
    if let Some(c) = cut_by_a_name(source, offset, &words) {
        help = Some(c);
    }
    // `event x { a: text` then `lifecycle contact {`: the block before
    // was never closed.
    let line_start = source
        .get(..offset)
        .and_then(|s| s.rfind('\n'))
        .map_or(0, |i| i + 1);
    let first_word: String = source
        .get(line_start..)
        .unwrap_or("")
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let right_after_first_word = source
        .get(line_start..offset)
        .is_some_and(|s| s.trim() == first_word);
    if help.is_none()
        && right_after_first_word
        && super::parser::ITEM_KEYWORDS.contains(&first_word.as_str())
    {
        help = Some(format!(
            "`{first_word}` starts a new definition: is the `}}` that closes the block above missing?"
        ));
    }
    if help.is_none() && words.contains(&"`}`") && found == "the end of the file" {
        help = Some("a `{` earlier in the file is never closed: add the missing `}`".to_string());
    }
    let label = if found == "the end of the file" {
        "the file ends here".to_string()
    } else if words.len() > 3 || expected.len() > 60 {
        "not expected here".to_string()
    } else {
        format!("expected {expected} here")
    };
    SyntaxError::Unexpected {
        expected,
        found,
        span,
        label,
        help,
    }
}
