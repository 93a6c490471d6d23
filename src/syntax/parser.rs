//! pest pairs → syntax tree. pest's `Pair`s never leave this module.

use pest::Parser as _;
use pest::iterators::{Pair, Pairs};

use super::ast::*;
use super::error::SyntaxError;
use super::expected;
use crate::span::Span;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/detente.pest"]
pub struct PolicyParser;

/// Deeper operator chains than this are rejected: the checker and evaluator
/// walk expressions recursively.
pub const MAX_EXPR_DEPTH: usize = 200;

/// Parses a whole file. On failure, returns every syntax error found by
/// re-parsing one top-level definition at a time.
pub fn parse_items(source: &str) -> Result<Vec<Item>, Vec<SyntaxError>> {
    match PolicyParser::parse(Rule::file, source) {
        Ok(pairs) => {
            let mut b = Builder {
                errors: Vec::new(),
                base: 0,
            };
            let items = b.items(pairs);
            if b.errors.is_empty() {
                Ok(items)
            } else {
                Err(b.errors)
            }
        }
        Err(_) => Err(parse_each(source).errors),
    }
}

/// One top-level definition at a time: what parses, and every syntax
/// error. For text being typed, where the whole-file parse would fail
/// and be done again here: one parse either way.
pub struct Recovered {
    /// The definitions that parse, in order, with spans into the source.
    pub items: Vec<Item>,
    pub errors: Vec<SyntaxError>,
}

/// Words that begin a top-level definition; a syntax error skips to the next
/// line that starts with one of them, so one mistake is reported once and
/// mistakes in later definitions are still found.
pub const ITEM_KEYWORDS: &[&str] = &[
    "policy",
    "contact",
    "account",
    "deal",
    "event",
    "touchpoint",
    "score",
    "criteria",
    "buying_group",
    "lifecycle",
    "sla",
    "metric",
    "incentive",
];

const MAX_SYNTAX_ERRORS: usize = 50;

/// Parses `source` one definition at a time (see [`Recovered`]): how a
/// file with syntax errors is read, so that every error in it is found.
pub fn parse_each(source: &str) -> Recovered {
    let mut errors = Vec::new();
    let mut items = Vec::new();
    let mut pos = skip_trivia(source, 0);
    while pos < source.len() && errors.len() < MAX_SYNTAX_ERRORS {
        let rest = source.get(pos..).unwrap_or("");
        match PolicyParser::parse(Rule::single_item, rest) {
            Ok(pairs) => {
                let end = pairs
                    .clone()
                    .last()
                    .map_or(rest.len(), |p| p.as_span().end());
                // Spans of this sub-parse start at `pos` in the source.
                let mut b = Builder {
                    errors: Vec::new(),
                    base: pos,
                };
                items.extend(b.items(pairs));
                errors.append(&mut b.errors);
                pos = skip_trivia(source, pos + end.max(1));
            }
            Err(e) => {
                errors.push(expected::describe(source, pos, &e));
                match next_item_start(source, pos) {
                    Some(next) => pos = next,
                    None => break,
                }
            }
        }
    }
    Recovered { items, errors }
}

fn skip_trivia(source: &str, mut pos: usize) -> usize {
    let bytes = source.as_bytes();
    while let Some(&b) = bytes.get(pos) {
        if b.is_ascii_whitespace() {
            pos += 1;
        } else if b == b'#' {
            while let Some(&c) = bytes.get(pos) {
                if c == b'\n' {
                    break;
                }
                pos += 1;
            }
        } else {
            break;
        }
    }
    pos
}

fn next_item_start(source: &str, after: usize) -> Option<usize> {
    let mut offset = 0usize;
    for line in source.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        if start <= after {
            continue;
        }
        let word: String = line
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let rest = line.get(word.len()..).unwrap_or("");
        let after_word = rest.trim_start();
        // `contact {` or `score fit {` starts a definition; `contact.level
        // >= 5 => +10` and `deal:won` do not.
        let spaced = rest.starts_with(|c: char| c.is_whitespace() || c == '{');
        if ITEM_KEYWORDS.contains(&word.as_str()) && spaced && !after_word.starts_with(':') {
            return Some(start);
        }
    }
    None
}

struct Builder {
    errors: Vec<SyntaxError>,
    /// Where the text pest parsed starts in the source: spans are shifted
    /// by it (a definition parsed on its own during error recovery).
    base: usize,
}

/// A pair's span without the whitespace and comments pest's implicit
/// skipping leaves at its end (after an optional part that was absent), so
/// a comment at the end of a line belongs to that line's statement only.
fn span_of(pair: &Pair<'_, Rule>) -> Span {
    let s = pair.as_span();
    let text = pair.as_str();
    let mut end = text.trim_end().len();
    // Most pairs hold no comment at all (memchr-fast to find out).
    if !text.contains('#') {
        return Span::new(s.start(), s.start() + end);
    }
    loop {
        let head = text.get(..end).unwrap_or("");
        let line_start = head.rfind('\n').map_or(0, |i| i + 1);
        match comment_start(head.get(line_start..).unwrap_or("")) {
            Some(i) => end = head.get(..line_start + i).unwrap_or("").trim_end().len(),
            None => break,
        }
    }
    Span::new(s.start(), s.start() + end)
}

/// Where a `#` comment starts in one line, ignoring `#` inside strings.
fn comment_start(line: &str) -> Option<usize> {
    super::construct::lexemes(line)
        .find(|(_, _, l)| *l == super::construct::Lexeme::Comment)
        .map(|(i, _, _)| i)
}

/// Punctuation and keywords that carry no meaning beyond the rule they sit
/// in; the builder skips them.
fn is_noise(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::lbrace
            | Rule::rbrace
            | Rule::lparen
            | Rule::rparen
            | Rule::lbracket
            | Rule::rbracket
            | Rule::comma
            | Rule::colon
            | Rule::dot
            | Rule::dotdot
            | Rule::dash
            | Rule::pipe
            | Rule::arrow
            | Rule::fat_arrow
            | Rule::equals
            | Rule::EOI
    ) || is_keyword_rule(rule)
}

fn is_keyword_rule(rule: Rule) -> bool {
    use Rule::*;
    // Every `kw_` rule of the grammar.
    matches!(
        rule,
        kw_policy
            | kw_version
            | kw_effective
            | kw_timezone
            | kw_currency
            | kw_teams
            | kw_business_hours
            | kw_holidays
            | kw_fiscal_year_starts
            | kw_contact
            | kw_account
            | kw_deal
            | kw_roles
            | kw_event
            | kw_touchpoint
            | kw_by
            | kw_where
            | kw_score
            | kw_owner
            | kw_decay
            | kw_half_life
            | kw_range
            | kw_each
            | kw_max
            | kw_criteria
            | kw_require
            | kw_all
            | kw_any
            | kw_of
            | kw_buying_group
            | kw_role
            | kw_engaged
            | kw_qualified
            | kw_lifecycle
            | kw_stage
            | kw_initial
            | kw_final
            | kw_detour
            | kw_as
            | kw_on
            | kw_when
            | kw_after
            | kw_unless
            | kw_sla
            | kw_starts
            | kw_met
            | kw_cancelled
            | kw_entering
            | kw_leaving
            | kw_within
            | kw_metric
            | kw_incentive
            | kw_period
            | kw_target
            | kw_payout
            | kw_split
            | kw_per
            | kw_for
            | kw_assignee
            | kw_lagged
            | kw_or
            | kw_and
            | kw_not
            | kw_is
            | kw_missing
            | kw_present
            | kw_in
            | kw_contains
            | kw_starts_with
            | kw_ends_with
            | kw_matches
            | kw_entered
            | kw_business
            | kw_true
            | kw_false
    )
}

/// The meaningful children of a pair.
fn kids<'i>(pair: Pair<'i, Rule>) -> impl Iterator<Item = Pair<'i, Rule>> {
    pair.into_inner().filter(|p| !is_noise(p.as_rule()))
}

impl Builder {
    /// The pair's span in the source.
    fn span_of(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = span_of(pair);
        Span::new(s.start as usize + self.base, s.end as usize + self.base)
    }

    fn ident(&self, pair: Pair<'_, Rule>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span_of(&pair),
        }
    }

    /// `contact.owner` after `by` or `per`.
    fn dimension(&self, pair: Pair<'_, Rule>) -> Option<Dimension> {
        let span = self.span_of(&pair);
        let mut k = kids(pair);
        Some(Dimension {
            owner: self.ident(k.next()?),
            field: self.ident(k.next()?),
            span,
        })
    }

    /// `mql` or `account:qualified` (a `stage_ref` or a `lifecycle_stage`).
    fn stage_ref(&self, pair: Pair<'_, Rule>) -> Option<StageRef> {
        let span = self.span_of(&pair);
        let inner = match pair.as_rule() {
            Rule::stage_ref => pair.into_inner().next()?,
            _ => pair,
        };
        Some(match inner.as_rule() {
            Rule::lifecycle_stage => {
                let mut k = inner.into_inner();
                let lifecycle = self.ident(k.next()?);
                StageRef {
                    lifecycle: Some(lifecycle),
                    stage: self.ident(k.next()?),
                    span,
                }
            }
            _ => StageRef {
                lifecycle: None,
                stage: self.ident(inner),
                span,
            },
        })
    }

    fn number(&self, pair: Pair<'_, Rule>) -> NumberLit {
        NumberLit {
            raw: pair.as_str().to_string(),
            span: self.span_of(&pair),
        }
    }

    /// The definitions of a `file` or `single_item` parse. One with an
    /// error inside (a bad escape) is reported, not kept; one that cannot
    /// be built is never dropped without saying so.
    fn items(&mut self, pairs: Pairs<'_, Rule>) -> Vec<Item> {
        let mut items = Vec::new();
        for parsed in pairs {
            for pair in kids(parsed) {
                let span = self.span_of(&pair);
                let errors_before = self.errors.len();
                match self.item(pair) {
                    Some(item) if self.errors.len() == errors_before => items.push(item),
                    None if self.errors.len() == errors_before => {
                        self.internal(span, "a complete definition")
                    }
                    _ => {}
                }
            }
        }
        items
    }

    fn internal(&mut self, span: Span, what: &str) {
        self.errors.push(SyntaxError::Unexpected {
            expected: what.to_string(),
            found: "something else".to_string(),
            span,
            label: "here".to_string(),
            help: None,
        });
    }

    fn item(&mut self, pair: Pair<'_, Rule>) -> Option<Item> {
        let span = self.span_of(&pair);
        Some(match pair.as_rule() {
            Rule::policy_block => Item::Settings(self.settings(pair)?),
            Rule::schema_block => Item::Schema(self.schema(pair)?),
            Rule::event_decl => {
                let mut k = kids(pair);
                let name = self.ident(k.next()?);
                let fields = k.filter_map(|f| self.field(f)).collect();
                Item::Event(EventDecl { name, fields, span })
            }
            Rule::touchpoint_decl => {
                let mut k = kids(pair);
                let name = self.ident(k.next()?);
                let pattern = self.pattern(k.next()?)?;
                let team = self.ident(k.next()?);
                Item::Touchpoint(TouchpointDecl {
                    name,
                    pattern,
                    team,
                    span,
                })
            }
            Rule::score_decl => Item::Score(self.score(pair)?),
            Rule::criteria_decl => Item::Criteria(self.criteria(pair)?),
            Rule::buying_group => Item::BuyingGroup(self.buying_group(pair)?),
            Rule::lifecycle => Item::Lifecycle(self.lifecycle(pair)?),
            Rule::sla_decl => Item::Sla(self.sla(pair)?),
            Rule::metric_decl => {
                let (name, description, k) = self.head(pair)?;
                let mut k = k.peekable();
                let by = match k.peek() {
                    Some(p) if p.as_rule() == Rule::metric_by => {
                        self.dimension(kids(k.next()?).next()?)
                    }
                    _ => None,
                };
                let expr = self.expr(k.next()?)?;
                Item::Metric(MetricDecl {
                    name,
                    description,
                    by,
                    expr,
                    span,
                })
            }
            Rule::incentive_decl => Item::Incentive(self.incentive(pair)?),
            _ => {
                self.internal(span, "a definition");
                return None;
            }
        })
    }

    /// `NAME ["description"]` at the start of scores, criteria, SLAs,
    /// metrics and incentives.
    fn head<'i>(
        &mut self,
        pair: Pair<'i, Rule>,
    ) -> Option<(Ident, Option<StringLit>, std::vec::IntoIter<Pair<'i, Rule>>)> {
        let mut k = kids(pair).peekable();
        let name = self.ident(k.next()?);
        let description = match k.peek() {
            Some(p) if p.as_rule() == Rule::string => {
                let p = k.next()?;
                Some(self.string(p))
            }
            _ => None,
        };
        Some((name, description, k.collect::<Vec<_>>().into_iter()))
    }

    fn string(&mut self, pair: Pair<'_, Rule>) -> StringLit {
        let span = self.span_of(&pair);
        let raw = pair
            .into_inner()
            .next()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default();
        let mut value = String::with_capacity(raw.len());
        let mut chars = raw.char_indices();
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                value.push(c);
                continue;
            }
            match chars.next() {
                Some((_, '"')) => value.push('"'),
                Some((_, '\\')) => value.push('\\'),
                Some((j, other)) => {
                    // +1 for the opening quote.
                    let start = span.start as usize + 1 + i;
                    let end = span.start as usize + 1 + j + other.len_utf8();
                    self.errors.push(SyntaxError::InvalidEscape {
                        escape: format!("\\{other}"),
                        span: Span::new(start, end),
                    });
                    value.push(other);
                }
                None => value.push('\\'),
            }
        }
        StringLit { value, span }
    }

    fn settings(&mut self, pair: Pair<'_, Rule>) -> Option<Settings> {
        let span = self.span_of(&pair);
        let mut k = kids(pair);
        let name = self.string(k.next()?);
        let mut settings = Vec::new();
        for s in k {
            let sspan = self.span_of(&s);
            let rule = s.as_rule();
            let mut inner = kids(s);
            let kind = match rule {
                Rule::set_version => SettingKind::Version(self.number(inner.next()?)),
                Rule::set_effective => SettingKind::Effective(self.string(inner.next()?)),
                Rule::set_timezone => SettingKind::Timezone(self.string(inner.next()?)),
                Rule::set_currency => SettingKind::Currency(self.string(inner.next()?)),
                Rule::teams_stmt => SettingKind::Teams(inner.map(|x| self.ident(x)).collect()),
                Rule::set_holidays => {
                    SettingKind::Holidays(inner.map(|p| self.string(p)).collect())
                }
                Rule::set_fiscal_year => SettingKind::FiscalYearStarts(self.ident(inner.next()?)),
                Rule::set_business_hours => {
                    let mut spans = Vec::new();
                    for h in inner {
                        let hspan = self.span_of(&h);
                        let mut hk = kids(h);
                        let mut days = kids(hk.next()?);
                        let first_day = self.ident(days.next()?);
                        let last_day = days.next().map(|x| self.ident(x));
                        let mut times = kids(hk.next()?);
                        let opens = self.ident(times.next()?);
                        let closes = self.ident(times.next()?);
                        spans.push(HoursSpan {
                            first_day,
                            last_day,
                            opens,
                            closes,
                            span: hspan,
                        });
                    }
                    SettingKind::BusinessHours(spans)
                }
                _ => {
                    self.internal(sspan, "a setting");
                    continue;
                }
            };
            settings.push(Setting { kind, span: sspan });
        }
        Some(Settings {
            name,
            settings,
            span,
        })
    }

    fn schema(&mut self, pair: Pair<'_, Rule>) -> Option<Schema> {
        let span = self.span_of(&pair);
        let mut inner = pair.into_inner();
        let entity = match inner.next()?.as_rule() {
            Rule::kw_account => Entity::Account,
            Rule::kw_deal => Entity::Deal,
            _ => Entity::Contact,
        };
        let mut fields = Vec::new();
        let mut roles = Vec::new();
        for p in inner {
            match p.as_rule() {
                Rule::field_decl => fields.extend(self.field(p)),
                Rule::roles_decl => roles.extend(kids(p).map(|x| self.ident(x))),
                _ => {}
            }
        }
        Some(Schema {
            entity,
            fields,
            roles,
            span,
        })
    }

    fn field(&mut self, pair: Pair<'_, Rule>) -> Option<FieldDecl> {
        let span = self.span_of(&pair);
        let mut k = kids(pair);
        let name = self.ident(k.next()?);
        let ty_pair = k.next()?;
        let ty = match ty_pair.as_rule() {
            Rule::enum_type => {
                let tspan = self.span_of(&ty_pair);
                TypeExpr::Enum(kids(ty_pair).map(|s| self.string(s)).collect(), tspan)
            }
            _ => TypeExpr::Named(self.ident(kids(ty_pair).next()?)),
        };
        let mut optional = false;
        let mut default = None;
        for rest in k {
            match rest.as_rule() {
                Rule::optional_mark => optional = true,
                _ => default = Some(self.literal_expr(rest)?),
            }
        }
        Some(FieldDecl {
            name,
            ty,
            optional,
            default,
            span,
        })
    }

    fn pattern(&mut self, pair: Pair<'_, Rule>) -> Option<Pattern> {
        let span = self.span_of(&pair);
        let mut k = kids(pair);
        let event = self.ident(k.next()?);
        let condition = match k.next() {
            Some(c) => Some(self.expr(c)?),
            None => None,
        };
        Some(Pattern {
            event,
            condition,
            span,
        })
    }

    fn score(&mut self, pair: Pair<'_, Rule>) -> Option<ScoreDecl> {
        let span = self.span_of(&pair);
        let (name, description, k) = self.head(pair)?;
        let mut stmts = Vec::new();
        let mut for_account = false;
        for s in k {
            if s.as_rule() == Rule::score_for {
                for_account = true;
                continue;
            }
            let sspan = self.span_of(&s);
            let rule = s.as_rule();
            let mut inner = kids(s);
            let kind = match rule {
                Rule::owner_stmt => ScoreStmtKind::Owner(self.ident(inner.next()?)),
                Rule::decay_stmt => ScoreStmtKind::Decay(self.literal_expr(inner.next()?)?),
                Rule::range_stmt => {
                    ScoreStmtKind::Range(self.number(inner.next()?), self.number(inner.next()?))
                }
                Rule::each_rule => ScoreStmtKind::Each {
                    pattern: self.pattern(inner.next()?)?,
                    points: self.number(inner.next()?),
                    max: inner.next().map(|x| self.number(x)),
                },
                Rule::cond_rule => ScoreStmtKind::When {
                    condition: self.expr(inner.next()?)?,
                    points: self.number(inner.next()?),
                },
                _ => {
                    self.internal(sspan, "a score rule");
                    continue;
                }
            };
            stmts.push(ScoreStmt { kind, span: sspan });
        }
        Some(ScoreDecl {
            name,
            for_account,
            description,
            stmts,
            span,
        })
    }

    fn criteria(&mut self, pair: Pair<'_, Rule>) -> Option<CriteriaDecl> {
        let span = self.span_of(&pair);
        let (name, description, k) = self.head(pair)?;
        let mut stmts = Vec::new();
        let mut for_deal = false;
        for s in k {
            if s.as_rule() == Rule::criteria_for {
                for_deal = true;
                continue;
            }
            let sspan = self.span_of(&s);
            let rule = s.as_rule();
            let mut inner = kids(s);
            let kind = match rule {
                Rule::owner_stmt => CriteriaStmtKind::Owner(self.ident(inner.next()?)),
                Rule::clause => CriteriaStmtKind::Clause {
                    label: self.ident(inner.next()?),
                    condition: self.expr(inner.next()?)?,
                },
                Rule::require_stmt => {
                    let r = inner.next()?;
                    CriteriaStmtKind::Require(match r.as_rule() {
                        Rule::require_all => Require::All,
                        Rule::require_any => Require::Any,
                        Rule::require_n_of_m => {
                            let mut n = kids(r);
                            Require::NOfM(self.number(n.next()?), self.number(n.next()?))
                        }
                        _ => Require::Expr(self.expr(r)?),
                    })
                }
                _ => {
                    self.internal(sspan, "a clause");
                    continue;
                }
            };
            stmts.push(CriteriaStmt { kind, span: sspan });
        }
        Some(CriteriaDecl {
            name,
            description,
            for_deal,
            stmts,
            span,
        })
    }

    fn buying_group(&mut self, pair: Pair<'_, Rule>) -> Option<BuyingGroupDecl> {
        let span = self.span_of(&pair);
        let mut stmts = Vec::new();
        for s in kids(pair) {
            let sspan = self.span_of(&s);
            let rule = s.as_rule();
            let mut inner = kids(s);
            let kind = match rule {
                Rule::role_decl => GroupStmtKind::Role {
                    name: self.ident(inner.next()?),
                    condition: self.expr(inner.next()?)?,
                },
                Rule::engaged_decl => GroupStmtKind::Engaged(self.expr(inner.next()?)?),
                Rule::qualified_decl => GroupStmtKind::Qualified(self.expr(inner.next()?)?),
                _ => continue,
            };
            stmts.push(GroupStmt { kind, span: sspan });
        }
        Some(BuyingGroupDecl { stmts, span })
    }

    fn lifecycle(&mut self, pair: Pair<'_, Rule>) -> Option<LifecycleDecl> {
        let span = self.span_of(&pair);
        let mut k = kids(pair);
        let kind = self.ident(k.next()?);
        let mut stmts = Vec::new();
        for s in k {
            let sspan = self.span_of(&s);
            match s.as_rule() {
                Rule::stage_decl => {
                    let mut inner = kids(s);
                    let name = self.ident(inner.next()?);
                    let mut attrs = Vec::new();
                    for a in inner {
                        let aspan = self.span_of(&a);
                        let kind = match a.as_rule() {
                            Rule::attr_initial => StageAttrKind::Initial,
                            Rule::attr_final => StageAttrKind::Final,
                            Rule::attr_detour => StageAttrKind::Detour,
                            Rule::owner_stmt => StageAttrKind::Owner(self.ident(kids(a).next()?)),
                            _ => StageAttrKind::Description(self.string(a)),
                        };
                        attrs.push(StageAttr { kind, span: aspan });
                    }
                    stmts.push(LifecycleStmt::Stage(StageDecl {
                        name,
                        attrs,
                        span: sspan,
                    }));
                }
                Rule::transition => {
                    let mut inner = kids(s);
                    let from_pair = inner.next()?;
                    let from_span = self.span_of(&from_pair);
                    let from = match from_pair.into_inner().next() {
                        Some(p) if p.as_rule() == Rule::ident => Some(self.ident(p)),
                        _ => None,
                    };
                    let to = self.ident(inner.next()?);
                    let trig = inner.next()?;
                    let tspan = self.span_of(&trig);
                    let trule = trig.as_rule();
                    let mut tk = kids(trig);
                    let kind = match trule {
                        Rule::trigger_on => TriggerKind::On(self.pattern(tk.next()?)?),
                        Rule::trigger_when => TriggerKind::When(self.expr(tk.next()?)?),
                        _ => TriggerKind::After {
                            duration: self.literal_expr(tk.next()?)?,
                            unless: match tk.next() {
                                Some(u) => Some(self.expr(u)?),
                                None => None,
                            },
                        },
                    };
                    let label = inner.next().map(|l| self.string(l));
                    stmts.push(LifecycleStmt::Transition(TransitionDecl {
                        from,
                        from_span,
                        to,
                        trigger: Trigger { kind, span: tspan },
                        label,
                        span: sspan,
                    }));
                }
                _ => {}
            }
        }
        Some(LifecycleDecl { kind, stmts, span })
    }

    fn sla(&mut self, pair: Pair<'_, Rule>) -> Option<SlaDecl> {
        let span = self.span_of(&pair);
        let (name, description, k) = self.head(pair)?;
        let mut stmts = Vec::new();
        for s in k {
            let sspan = self.span_of(&s);
            let rule = s.as_rule();
            let kind = match rule {
                Rule::owner_stmt => SlaStmtKind::Owner(self.ident(kids(s).next()?)),
                Rule::sla_assignee => SlaStmtKind::Assignee(self.dimension(kids(s).next()?)?),
                Rule::sla_within => SlaStmtKind::Within(self.literal_expr(kids(s).next()?)?),
                Rule::sla_starts | Rule::sla_met | Rule::sla_cancelled => {
                    let mut triggers = Vec::new();
                    for t in kids(s) {
                        let tspan = self.span_of(&t);
                        let inner = kids(t).next()?;
                        let kind = match inner.as_rule() {
                            Rule::on_entering => {
                                SlaTriggerKind::Entering(self.stage_ref(kids(inner).next()?)?)
                            }
                            Rule::on_leaving => {
                                SlaTriggerKind::Leaving(self.stage_ref(kids(inner).next()?)?)
                            }
                            _ => SlaTriggerKind::Event(self.pattern(inner)?),
                        };
                        triggers.push(SlaTrigger { kind, span: tspan });
                    }
                    match rule {
                        Rule::sla_starts => SlaStmtKind::Starts(triggers),
                        Rule::sla_met => SlaStmtKind::Met(triggers),
                        _ => SlaStmtKind::Cancelled(triggers),
                    }
                }
                _ => continue,
            };
            stmts.push(SlaStmt { kind, span: sspan });
        }
        Some(SlaDecl {
            name,
            description,
            stmts,
            span,
        })
    }

    fn incentive(&mut self, pair: Pair<'_, Rule>) -> Option<IncentiveDecl> {
        let span = self.span_of(&pair);
        let (name, description, k) = self.head(pair)?;
        let mut stmts = Vec::new();
        for s in k {
            let sspan = self.span_of(&s);
            let rule = s.as_rule();
            let mut inner = kids(s);
            let kind = match rule {
                Rule::teams_stmt => {
                    IncentiveStmtKind::Teams(inner.map(|x| self.ident(x)).collect())
                }
                Rule::inc_period => IncentiveStmtKind::Period(self.ident(inner.next()?)),
                Rule::inc_target => IncentiveStmtKind::Target(self.expr(inner.next()?)?),
                Rule::inc_payout => IncentiveStmtKind::Payout(self.expr(inner.next()?)?),
                Rule::inc_split => IncentiveStmtKind::Split,
                Rule::inc_per => IncentiveStmtKind::Per(self.dimension(inner.next()?)?),
                Rule::inc_lagged => IncentiveStmtKind::Lagged {
                    count: self.number(inner.next()?),
                    unit: self.ident(inner.next()?),
                },
                _ => continue,
            };
            stmts.push(IncentiveStmt { kind, span: sspan });
        }
        Some(IncentiveDecl {
            name,
            description,
            stmts,
            span,
        })
    }

    // -------------------------------------------------------------- expressions

    fn expr(&mut self, pair: Pair<'_, Rule>) -> Option<Expr> {
        let e = self.expr_inner(pair)?;
        self.guard(e)
    }

    fn expr_inner(&mut self, pair: Pair<'_, Rule>) -> Option<Expr> {
        let span = self.span_of(&pair);
        match pair.as_rule() {
            Rule::expr => self.climb(pair),
            Rule::postfix => {
                let mut k = kids(pair);
                let mut e = self.expr_inner(k.next()?)?;
                for m in k {
                    let mspan = self.span_of(&m);
                    let mut mk = kids(m);
                    let name = self.ident(mk.next()?);
                    let args = match mk.next() {
                        Some(a) => Some(self.args(a)?),
                        None => None,
                    };
                    e = Expr {
                        span: e.span.to(mspan),
                        kind: ExprKind::Member {
                            base: Box::new(e),
                            name,
                            args,
                        },
                    };
                }
                self.guard(e)
            }
            Rule::name_or_call => {
                let mut k = kids(pair);
                let id = self.ident(k.next()?);
                match k.next() {
                    Some(a) => {
                        let args = self.args(a)?;
                        self.guard(Expr {
                            span,
                            kind: ExprKind::Call { func: id, args },
                        })
                    }
                    None => Some(Expr {
                        span,
                        kind: ExprKind::Name(id),
                    }),
                }
            }
            Rule::paren => {
                let inner = self.expr_inner(kids(pair).next()?)?;
                let inner = self.guard(inner)?;
                Some(Expr {
                    span,
                    kind: ExprKind::Paren(Box::new(inner)),
                })
            }
            Rule::list => {
                let mut items = Vec::new();
                for p in kids(pair) {
                    items.push(self.expr_inner(p)?);
                }
                self.guard(Expr {
                    span,
                    kind: ExprKind::List(items),
                })
            }
            _ => self.literal_expr(pair),
        }
    }

    fn too_long(&mut self, span: Span, depth: usize) {
        self.errors
            .push(SyntaxError::ExpressionTooLong { span, depth });
    }

    /// Stops building a tree that is already too deep, so that neither the
    /// rest of the build nor dropping it can exhaust the stack.
    fn guard(&mut self, e: Expr) -> Option<Expr> {
        let d = depth(&e);
        if d > MAX_EXPR_DEPTH {
            self.too_long(e.span, d);
            return None;
        }
        Some(e)
    }

    /// An expression from its flat run of operands and operators, by
    /// precedence climbing. The operator count is capped first, so the
    /// recursion here is bounded.
    fn climb(&mut self, pair: Pair<'_, Rule>) -> Option<Expr> {
        let span = self.span_of(&pair);
        let mut toks = Vec::new();
        for p in pair.into_inner() {
            let pspan = self.span_of(&p);
            let tok = match p.as_rule() {
                Rule::not_op => Tok::Not(pspan),
                Rule::neg_op => Tok::Neg(pspan),
                Rule::is_test => Tok::Is(
                    p.into_inner().any(|x| x.as_rule() == Rule::kw_missing),
                    pspan,
                ),
                Rule::or_op => Tok::Infix(BinOp::Or, pspan),
                Rule::and_op => Tok::Infix(BinOp::And, pspan),
                Rule::add_op | Rule::mul_op | Rule::cmp_op => {
                    let text = p.as_str();
                    let op = match text {
                        "+" => BinOp::Add,
                        "-" => BinOp::Sub,
                        "*" => BinOp::Mul,
                        "/" => BinOp::Div,
                        "==" => BinOp::Eq,
                        "!=" => BinOp::Ne,
                        "<=" => BinOp::Le,
                        ">=" => BinOp::Ge,
                        "<" => BinOp::Lt,
                        ">" => BinOp::Gt,
                        "in" => BinOp::In,
                        "contains" => BinOp::Contains,
                        "starts_with" => BinOp::StartsWith,
                        "ends_with" => BinOp::EndsWith,
                        "matches" => BinOp::Matches,
                        // `not` and `in` with any whitespace between.
                        _ => BinOp::NotIn,
                    };
                    Tok::Infix(op, pspan)
                }
                _ => Tok::Operand(p),
            };
            toks.push(tok);
        }
        let operators = toks
            .iter()
            .filter(|t| !matches!(t, Tok::Operand(_)))
            .count();
        if operators > MAX_EXPR_DEPTH {
            self.too_long(span, operators);
            return None;
        }
        let mut pos = 0;
        let e = self.climb_expr(&toks, &mut pos, 0)?;
        self.guard(e)
    }

    fn climb_expr(&mut self, toks: &[Tok<'_>], pos: &mut usize, min_prec: u8) -> Option<Expr> {
        // `is missing` binds like a comparison.
        const IS_PREC: u8 = 4;
        let mut lhs = self.climb_unary(toks, pos)?;
        loop {
            match toks.get(*pos) {
                Some(Tok::Is(missing, ispan)) if IS_PREC >= min_prec => {
                    *pos += 1;
                    lhs = Expr {
                        span: lhs.span.to(*ispan),
                        kind: ExprKind::Is {
                            expr: Box::new(lhs),
                            missing: *missing,
                        },
                    };
                }
                Some(Tok::Infix(op, ospan)) if op.precedence() >= min_prec => {
                    if op.is_comparison() && is_comparison(&lhs) {
                        self.errors.push(SyntaxError::Unexpected {
                            expected: "`and` or `or`".into(),
                            found: format!("`{}`", op.symbol()),
                            span: *ospan,
                            label: "a second comparison".into(),
                            help: Some("comparisons do not chain: write `a < b and b < c`".into()),
                        });
                        return None;
                    }
                    *pos += 1;
                    let rhs = self.climb_expr(toks, pos, op.precedence() + 1)?;
                    lhs = Expr {
                        span: lhs.span.to(rhs.span),
                        kind: ExprKind::Binary {
                            op: *op,
                            lhs: Box::new(lhs),
                            rhs: Box::new(rhs),
                        },
                    };
                }
                _ => return Some(lhs),
            }
        }
    }

    fn climb_unary(&mut self, toks: &[Tok<'_>], pos: &mut usize) -> Option<Expr> {
        // `not` binds looser than comparisons: `not a == b` is `not (a == b)`.
        const NOT_PREC: u8 = 3;
        let tok = toks.get(*pos)?;
        *pos += 1;
        match tok {
            Tok::Not(nspan) => {
                let e = self.climb_expr(toks, pos, NOT_PREC)?;
                Some(Expr {
                    span: nspan.to(e.span),
                    kind: ExprKind::Unary {
                        op: UnaryOp::Not,
                        expr: Box::new(e),
                    },
                })
            }
            Tok::Neg(nspan) => {
                let e = self.climb_unary(toks, pos)?;
                Some(Expr {
                    span: nspan.to(e.span),
                    kind: ExprKind::Unary {
                        op: UnaryOp::Neg,
                        expr: Box::new(e),
                    },
                })
            }
            Tok::Operand(p) => self.expr_inner(p.clone()),
            Tok::Is(_, span) | Tok::Infix(_, span) => {
                self.internal(*span, "a value");
                None
            }
        }
    }

    fn args(&mut self, pair: Pair<'_, Rule>) -> Option<Vec<Arg>> {
        let mut args = Vec::new();
        for a in kids(pair) {
            let span = self.span_of(&a);
            let arg = match a.as_rule() {
                Rule::arrow_arg => {
                    let mut k = kids(a);
                    let from = self.stage_ref(k.next()?)?;
                    let to = self.stage_ref(k.next()?)?;
                    let condition = match k.next() {
                        Some(c) => Some(self.expr(c)?),
                        None => None,
                    };
                    Arg::Arrow {
                        from,
                        to,
                        condition,
                        span,
                    }
                }
                Rule::entered_arg => {
                    let mut k = kids(a).peekable();
                    let stage = self.stage_ref(k.next()?)?;
                    let field = match k.peek() {
                        Some(f) if f.as_rule() == Rule::entered_field => {
                            k.next().and_then(|f| kids(f).next()).map(|x| self.ident(x))
                        }
                        _ => None,
                    };
                    let condition = match k.next() {
                        Some(c) => Some(self.expr(c)?),
                        None => None,
                    };
                    Arg::Entered {
                        stage,
                        field,
                        condition,
                        span,
                    }
                }
                Rule::field_arg => {
                    let mut k = kids(a);
                    Arg::Field {
                        event: self.ident(k.next()?),
                        field: self.ident(k.next()?),
                        condition: self.expr(k.next()?)?,
                        span,
                    }
                }
                Rule::stage_arg => Arg::Stage(self.stage_ref(kids(a).next()?)?),
                Rule::by_arg => {
                    let mut k = kids(a);
                    Arg::By {
                        name: self.ident(k.next()?),
                        team: self.ident(k.next()?),
                        span,
                    }
                }
                Rule::pattern_arg => {
                    // `where` and `within` are told apart by their keyword.
                    let mut inner = a.into_inner();
                    let name = self.ident(inner.next()?);
                    let mut condition = None;
                    let mut within = None;
                    let mut next_is_within = false;
                    for p in inner {
                        match p.as_rule() {
                            Rule::kw_where => next_is_within = false,
                            Rule::kw_within => next_is_within = true,
                            Rule::expr => {
                                let e = self.expr_inner(p)?;
                                if next_is_within {
                                    within = Some(e);
                                } else {
                                    condition = Some(e);
                                }
                            }
                            _ => {}
                        }
                    }
                    Arg::Pattern {
                        name,
                        condition,
                        within,
                        span,
                    }
                }
                _ => Arg::Expr(self.expr_inner(a)?),
            };
            args.push(arg);
        }
        Some(args)
    }

    fn literal_expr(&mut self, pair: Pair<'_, Rule>) -> Option<Expr> {
        let span = self.span_of(&pair);
        let text = pair.as_str();
        let lit = match pair.as_rule() {
            Rule::string => Literal::String(self.string(pair).value),
            Rule::boolean => Literal::Bool(text == "true"),
            Rule::percent => Literal::Percent(text.trim_end_matches('%').to_string()),
            Rule::money => Literal::Money(text.to_string()),
            Rule::quantity | Rule::number | Rule::signed_number => {
                let split = text
                    .find(|c: char| c.is_ascii_alphabetic())
                    .unwrap_or(text.len());
                let (number, unit) = text.split_at(split);
                if unit.is_empty() {
                    Literal::Number(number.to_string())
                } else {
                    Literal::Quantity {
                        number: number.to_string(),
                        unit: unit.to_string(),
                    }
                }
            }
            Rule::business_duration => {
                let mut k = kids(pair);
                let number = k.next()?.as_str().to_string();
                let unit_word = k.next()?.as_str().to_string();
                let unit = if unit_word.starts_with("hour") {
                    BusinessUnit::Hours
                } else {
                    BusinessUnit::Days
                };
                Literal::BusinessDuration {
                    number,
                    unit,
                    unit_word,
                }
            }
            _ => {
                self.internal(span, "a value");
                return None;
            }
        };
        Some(Expr {
            kind: ExprKind::Literal(lit),
            span,
        })
    }
}

/// One element of an expression's flat run.
enum Tok<'i> {
    Not(Span),
    Neg(Span),
    Is(bool, Span),
    Infix(BinOp, Span),
    Operand(Pair<'i, Rule>),
}

/// An unparenthesised comparison, which another comparison cannot follow.
fn is_comparison(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Binary { op, .. } => op.is_comparison(),
        ExprKind::Is { .. } => true,
        _ => false,
    }
}

/// Nesting depth of an expression, computed without recursion so that a
/// pathological input cannot overflow the stack while being measured.
fn depth(e: &Expr) -> usize {
    let mut max = 0;
    let mut stack = vec![(e, 1usize)];
    while let Some((e, d)) = stack.pop() {
        max = max.max(d);
        match &e.kind {
            ExprKind::Unary { expr, .. } | ExprKind::Is { expr, .. } | ExprKind::Paren(expr) => {
                stack.push((expr, d + 1))
            }
            ExprKind::Binary { lhs, rhs, .. } => {
                stack.push((lhs, d + 1));
                stack.push((rhs, d + 1));
            }
            ExprKind::Member { base, args, .. } => {
                stack.push((base, d + 1));
                for a in args.iter().flatten() {
                    push_arg(&mut stack, a, d + 1);
                }
            }
            ExprKind::Call { args, .. } => {
                for a in args {
                    push_arg(&mut stack, a, d + 1);
                }
            }
            ExprKind::List(items) => stack.extend(items.iter().map(|i| (i, d + 1))),
            ExprKind::Literal(_) | ExprKind::Name(_) => {}
        }
    }
    max
}

fn push_arg<'a>(stack: &mut Vec<(&'a Expr, usize)>, a: &'a Arg, d: usize) {
    match a {
        Arg::Expr(e) => stack.push((e, d)),
        Arg::Pattern {
            condition, within, ..
        } => {
            stack.extend(condition.iter().map(|e| (e, d)));
            stack.extend(within.iter().map(|e| (e, d)));
        }
        Arg::Arrow { condition, .. } | Arg::Entered { condition, .. } => {
            stack.extend(condition.iter().map(|e| (e, d)));
        }
        Arg::Field { condition, .. } => stack.push((condition, d)),
        _ => {}
    }
}
