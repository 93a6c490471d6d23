//! What the writer was in the middle of when the parser stopped: the
//! block around the error and the statement in it. A long list of
//! alternatives ("expected `and` or `or`, `half_life`, a comparison, an
//! operator, ...") is what a grammar sees; a person needs what the
//! construct they are writing takes, and for the usual slips, what to
//! write instead.

/// The block the error is in, by the keyword that opened it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Block {
    TopLevel,
    Policy,
    Schema,
    Event,
    Score,
    Criteria,
    BuyingGroup,
    Lifecycle,
    Sla,
    Incentive,
    /// A block this module has nothing particular to say about.
    Other,
}

/// Where in the source the error is: its block, and its statement from
/// the statement's first word up to the error.
pub struct Place<'s> {
    pub block: Block,
    /// Where the statement starts in the source.
    pub start: usize,
    /// From the start of the statement (its line, or just after the
    /// block's `{`) to the error, trimmed.
    pub statement: &'s str,
}

impl<'s> Place<'s> {
    pub fn at(source: &'s str, offset: usize) -> Place<'s> {
        let before = source.get(..offset).unwrap_or("");
        let block = enclosing_block(before);
        let mut start = before.rfind('\n').map_or(0, |i| i + 1);
        // `score s { owner marketing`: the statement starts after the `{`.
        if let Some(brace) = before.get(start..).and_then(|l| l.rfind('{')) {
            start += brace + 1;
        }
        let line = before.get(start..).unwrap_or("");
        let statement = line.trim();
        Place {
            block,
            start: start + (line.len() - line.trim_start().len()),
            statement,
        }
    }

    /// The statement's first word: `decay`, `payout`, `starts`, a stage.
    pub fn keyword(&self) -> &'s str {
        let end = self
            .statement
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(self.statement.len());
        self.statement.get(..end).unwrap_or("")
    }
}

/// The block whose `{` is open at the end of `before`: braces are counted
/// back, skipping strings and comments.
fn enclosing_block(before: &str) -> Block {
    let mut depth = 0usize;
    let mut open = None;
    let code: Vec<(usize, char)> = code_chars(before);
    for &(i, c) in code.iter().rev() {
        match c {
            '}' => depth += 1,
            '{' if depth == 0 => {
                open = Some(i);
                break;
            }
            '{' => depth -= 1,
            _ => {}
        }
    }
    let Some(open) = open else {
        return Block::TopLevel;
    };
    let head = before.get(..open).unwrap_or("");
    let line = head.rsplit('\n').next().unwrap_or("").trim_start();
    let first = line
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .next()
        .unwrap_or("");
    match first {
        "policy" => Block::Policy,
        "contact" | "account" | "deal" => Block::Schema,
        "event" => Block::Event,
        "score" => Block::Score,
        "criteria" => Block::Criteria,
        "buying_group" => Block::BuyingGroup,
        "lifecycle" => Block::Lifecycle,
        "sla" => Block::Sla,
        "incentive" => Block::Incentive,
        _ => Block::Other,
    }
}

/// What a character of policy text is part of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lexeme {
    Code,
    /// From a `"` to the next unescaped `"`, or to the end of the line
    /// (strings never span lines).
    String,
    /// From a `#` outside a string to the end of the line.
    Comment,
}

/// Each character of `text`, with its byte offset and what it is part of.
pub fn lexemes(text: &str) -> impl Iterator<Item = (usize, char, Lexeme)> + '_ {
    let mut state = Lexeme::Code;
    let mut escaped = false;
    text.char_indices().map(move |(i, c)| {
        let here = match state {
            Lexeme::Code => {
                state = match c {
                    '"' => Lexeme::String,
                    '#' => Lexeme::Comment,
                    _ => Lexeme::Code,
                };
                state
            }
            Lexeme::Comment if c == '\n' => {
                state = Lexeme::Code;
                Lexeme::Code
            }
            Lexeme::Comment => Lexeme::Comment,
            Lexeme::String if c == '\n' => {
                state = Lexeme::Code;
                escaped = false;
                Lexeme::Code
            }
            Lexeme::String => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    state = Lexeme::Code;
                }
                Lexeme::String
            }
        };
        (i, c, here)
    })
}

/// The characters of `text` that are code, with their byte offsets: not
/// in strings (quotes included) or comments.
pub fn code_chars(text: &str) -> Vec<(usize, char)> {
    lexemes(text)
        .filter(|(_, _, l)| *l == Lexeme::Code)
        .map(|(i, c, _)| (i, c))
        .collect()
}

impl Block {
    /// What a statement of this block may be, for "expected ..." when the
    /// grammar's own list would be long.
    pub fn statements(self) -> Option<&'static str> {
        Some(match self {
            Block::TopLevel => {
                "a definition (`policy`, `contact`, `account`, `deal`, `event`, `touchpoint`, `score`, `criteria`, `buying_group`, `lifecycle`, `sla`, `metric` or `incentive`)"
            }
            Block::Policy => {
                "a setting of the policy block (`version`, `effective`, `timezone`, `currency`, `teams`, `business_hours`, `holidays`, `fiscal_year_starts`) or `}`"
            }
            Block::Schema => "a field such as `title: text?` or `}`",
            Block::Event => "a field such as `page: text?` or `}`",
            Block::Score => {
                "a line of the score: `owner TEAM`, `decay half_life 14d`, `range 0..100`, a rule such as `each visit => +5` or `contact.level >= 5 => +10`, or `}`"
            }
            Block::Criteria => {
                "a line of the criteria: `owner TEAM`, a clause such as `budget: contact.budget >= $10k`, `require all` or `require 2 of 3`, or `}`"
            }
            Block::BuyingGroup => {
                "a line of the buying group: `role NAME = CONDITION`, `engaged = CONDITION`, `qualified = CONDITION`, or `}`"
            }
            Block::Lifecycle => {
                "a line of the lifecycle: `stage NAME ...`, a transition such as `lead -> mql on form_submit`, or `}`"
            }
            Block::Sla => {
                "a line of the SLA: `owner TEAM`, `starts on ...`, `met on ...`, `within 2d`, `cancelled on ...`, `assignee contact.FIELD`, or `}`"
            }
            Block::Incentive => {
                "a line of the incentive: `teams`, `period`, `target`, `payout`, `split`, `per`, `lagged`, or `}`"
            }
            Block::Other => return None,
        })
    }
}
