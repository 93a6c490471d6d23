//! The canonical layout of a policy (`detente fmt`).
//!
//! Every statement goes on its own line, blocks indent by two spaces, and
//! runs of similar lines are aligned the way the design writes them (`=>`
//! in scores, triggers in lifecycles). Comments stay where they were
//! relative to the statements around them: a comment on its own line stays
//! above the statement that follows it, a comment at the end of a line
//! stays at the end of that statement's line. At most one blank line is
//! kept between statements.

use super::ast::*;
use crate::span::Span;

const INDENT: &str = "  ";
const MAX_WIDTH: usize = 100;
/// Keys wider than this are not padded for alignment, so one long name
/// does not push a whole block far to the right.
const MAX_ALIGN: usize = 60;

/// What laying out a policy canonically comes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    /// It is laid out so already.
    Same,
    /// The canonical text.
    Changed(String),
    /// The canonical text would read as something else: never use it
    /// (a formatter bug to report).
    Unsafe,
}

/// The canonical layout of `file`, parsed from `source`, checked to mean
/// what the source means: what `detente fmt` and an editor write.
pub fn layout(file: &PolicyFile, source: &str) -> Layout {
    let formatted = print(file, source);
    if super::parse(&formatted).ok().map(|f| f.items).as_ref() != Some(&file.items) {
        Layout::Unsafe
    } else if formatted == source {
        Layout::Same
    } else {
        Layout::Changed(formatted)
    }
}

/// Prints `file` in canonical layout; `source` is the text it was parsed
/// from (needed to place comments and blank lines).
pub fn print(file: &PolicyFile, source: &str) -> String {
    let mut p = Printer {
        out: String::new(),
        source,
        comments: file.comments.clone(),
        next_comment: 0,
        align: (0, 0),
    };
    p.file(file);
    p.out
}

/// One printed line: its text and the source span it stands for.
struct Line {
    text: String,
    span: Span,
}

struct Printer<'a> {
    out: String,
    source: &'a str,
    comments: Vec<Comment>,
    next_comment: usize,
    /// Column widths for the current run of one-line items: name, pattern.
    align: (usize, usize),
}

impl Printer<'_> {
    fn file(&mut self, file: &PolicyFile) {
        // Runs of one-line events or touchpoints with no blank line
        // between them are aligned as a table.
        let mut runs: Vec<usize> = Vec::new();
        let mut run = 0usize;
        for (i, item) in file.items.iter().enumerate() {
            let joined = i > 0
                && file.items.get(i - 1).is_some_and(|prev| {
                    same_kind_single_line(prev, item)
                        && !self.blank_between(prev.span().end, item.span().start)
                });
            if !joined {
                run = i;
            }
            runs.push(run);
        }
        let widths: Vec<(usize, usize)> = (0..file.items.len())
            .map(|i| {
                let members = file
                    .items
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| runs.get(*j) == runs.get(i))
                    .map(|(_, it)| it);
                let mut name_w = 0;
                let mut pattern_w = 0;
                for it in members {
                    match it {
                        Item::Event(e) => name_w = name_w.max(e.name.name.chars().count()),
                        Item::Metric(m) if m.description.is_none() => {
                            name_w = name_w.max(m.name.name.chars().count())
                        }
                        Item::Touchpoint(t) => {
                            name_w = name_w.max(t.name.name.chars().count());
                            pattern_w = pattern_w.max(pattern(&t.pattern).chars().count());
                        }
                        _ => {}
                    }
                }
                (name_w.min(MAX_ALIGN), pattern_w.min(MAX_ALIGN))
            })
            .collect();
        let mut prev: Option<&Item> = None;
        for (i, item) in file.items.iter().enumerate() {
            // A blank line before every item that does not continue a run.
            if prev.is_some() && runs.get(i) == Some(&i) {
                self.out.push('\n');
            }
            self.leading_comments(item.span().start, "");
            self.align = widths.get(i).copied().unwrap_or((0, 0));
            self.item(item);
            prev = Some(item);
        }
        // Comments after the last definition.
        let rest: Vec<Comment> = self
            .comments
            .get(self.next_comment..)
            .unwrap_or(&[])
            .to_vec();
        if !rest.is_empty() && !file.items.is_empty() {
            self.out.push('\n');
        }
        for c in rest {
            self.out.push_str(&format!("#{}\n", c.text));
        }
        self.next_comment = self.comments.len();
    }

    fn blank_between(&self, from: u32, to: u32) -> bool {
        self.source
            .get(from as usize..to as usize)
            .is_some_and(|s| s.matches('\n').count() >= 2)
    }

    /// Own-line comments that come before `before`, at `indent`.
    fn leading_comments(&mut self, before: u32, indent: &str) {
        while let Some(c) = self.comments.get(self.next_comment).cloned() {
            if c.span.start >= before {
                break;
            }
            self.out.push_str(&format!("{indent}#{}\n", c.text));
            self.next_comment += 1;
            // Keep one blank line after a comment if the source had one.
            let next = self
                .comments
                .get(self.next_comment)
                .map_or(before, |n| n.span.start.min(before));
            if self.blank_between(c.span.end, next) {
                self.out.push('\n');
            }
        }
    }

    /// A comment on the same source line right after `end`.
    fn trailing_comment(&mut self, end: u32) -> Option<String> {
        let c = self.comments.get(self.next_comment)?;
        let between = self.source.get(end as usize..c.span.start as usize)?;
        if between.contains('\n') {
            return None;
        }
        self.next_comment += 1;
        Some(format!("#{}", c.text))
    }

    /// Prints block lines with comments and single blank lines kept.
    fn lines(&mut self, lines: Vec<Line>, indent: &str, block_end: u32) {
        let mut prev_end: Option<u32> = None;
        for line in lines {
            if let Some(pe) = prev_end {
                let first_comment_start = self
                    .comments
                    .get(self.next_comment)
                    .map(|c| c.span.start)
                    .filter(|s| *s < line.span.start)
                    .unwrap_or(line.span.start);
                if self.blank_between(pe, first_comment_start) {
                    self.out.push('\n');
                }
            }
            self.leading_comments(line.span.start, indent);
            self.out.push_str(indent);
            self.out.push_str(&line.text);
            if let Some(c) = self.trailing_comment(line.span.end) {
                self.out.push_str("  ");
                self.out.push_str(&c);
            }
            self.out.push('\n');
            prev_end = Some(line.span.end);
        }
        self.leading_comments(block_end, indent);
    }

    /// `head {`, the lines, `}`; `span` is the whole item.
    fn block(&mut self, head: String, lines: Vec<Line>, span: Span) {
        self.out.push_str(&head);
        self.out.push_str(" {");
        // A comment right after `{` stays there.
        let brace = self
            .source
            .get(span.start as usize..span.end as usize)
            .and_then(|s| s.find('{'))
            .map_or(span.start, |i| span.start + i as u32 + 1);
        if let Some(c) = self.trailing_comment(brace) {
            self.out.push_str("  ");
            self.out.push_str(&c);
        }
        self.out.push('\n');
        self.lines(lines, INDENT, span.end.saturating_sub(1));
        self.out.push('}');
        if let Some(c) = self.trailing_comment(span.end) {
            self.out.push_str("  ");
            self.out.push_str(&c);
        }
        self.out.push('\n');
    }

    fn single(&mut self, text: String, span: Span) {
        self.out.push_str(&text);
        if let Some(c) = self.trailing_comment(span.end) {
            self.out.push_str("  ");
            self.out.push_str(&c);
        }
        self.out.push('\n');
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Settings(s) => {
                let lines = s
                    .settings
                    .iter()
                    .map(|x| Line {
                        text: setting(x),
                        span: x.span,
                    })
                    .collect();
                self.block(format!("policy {}", string(&s.name.value)), lines, s.span);
            }
            Item::Schema(s) => {
                let mut lines: Vec<Line> = s
                    .fields
                    .iter()
                    .map(|f| Line {
                        text: field(f),
                        span: f.span,
                    })
                    .collect();
                if let (Some(first), Some(last)) = (s.roles.first(), s.roles.last()) {
                    let names: Vec<&str> = s.roles.iter().map(|r| r.name.as_str()).collect();
                    lines.push(Line {
                        text: format!("roles {}", names.join(", ")),
                        span: first.span.to(last.span),
                    });
                }
                self.block(s.entity.keyword().to_string(), lines, s.span);
            }
            Item::Event(e) => {
                let one_line = event_one_line(e, self.align.0);
                if one_line.len() <= MAX_WIDTH && !self.has_comment_inside(e.span) {
                    self.single(one_line, e.span);
                } else {
                    let lines = e
                        .fields
                        .iter()
                        .map(|f| Line {
                            text: field(f),
                            span: f.span,
                        })
                        .collect();
                    self.block(format!("event {}", e.name.name), lines, e.span);
                }
            }
            Item::Touchpoint(t) => self.single(touchpoint(t, self.align), t.span),
            Item::Score(s) => self.score(s),
            Item::Criteria(c) => self.criteria(c),
            Item::BuyingGroup(g) => self.buying_group(g),
            Item::Lifecycle(l) => self.lifecycle(l),
            Item::Sla(s) => {
                let lines = s
                    .stmts
                    .iter()
                    .map(|st| Line {
                        text: match &st.kind {
                            SlaStmtKind::Owner(t) => format!("owner {}", t.name),
                            SlaStmtKind::Assignee(d) => format!("assignee {}", d.text()),
                            SlaStmtKind::Starts(ts) => format!("starts {}", sla_triggers(ts)),
                            SlaStmtKind::Met(ts) => format!("met {}", sla_triggers(ts)),
                            SlaStmtKind::Cancelled(ts) => format!("cancelled {}", sla_triggers(ts)),
                            SlaStmtKind::Within(d) => format!("within {}", expr(d)),
                        },
                        span: st.span,
                    })
                    .collect();
                self.block(
                    format!("sla {}{}", s.name.name, desc(&s.description)),
                    lines,
                    s.span,
                );
            }
            Item::Metric(m) => {
                let name = if m.description.is_none() {
                    pad(&m.name.name, self.align.0)
                } else {
                    m.name.name.clone()
                };
                let by =
                    m.by.as_ref()
                        .map_or_else(String::new, |d| format!(" by {}", d.text()));
                let head = format!("metric {name}{}{by} =", desc(&m.description));
                let body = expr(&m.expr);
                if head.len() + 1 + body.len() <= MAX_WIDTH {
                    self.single(format!("{head} {body}"), m.span);
                } else {
                    self.single(format!("{head}\n{INDENT}{body}"), m.span);
                }
            }
            Item::Incentive(i) => {
                let lines = i
                    .stmts
                    .iter()
                    .map(|st| Line {
                        text: match &st.kind {
                            IncentiveStmtKind::Teams(ts) => format!("teams {}", idents(ts)),
                            IncentiveStmtKind::Period(p) => format!("period {}", p.name),
                            IncentiveStmtKind::Target(e) => format!("target {}", expr(e)),
                            IncentiveStmtKind::Payout(e) => format!("payout {}", expr(e)),
                            IncentiveStmtKind::Split => "split".to_string(),
                            IncentiveStmtKind::Per(d) => format!("per {}", d.text()),
                            IncentiveStmtKind::Lagged { count, unit } => {
                                format!("lagged {} {}", count.raw, unit.name)
                            }
                        },
                        span: st.span,
                    })
                    .collect();
                self.block(
                    format!("incentive {}{}", i.name.name, desc(&i.description)),
                    lines,
                    i.span,
                );
            }
        }
    }

    /// A score: its rules aligned on `=>`.
    fn score(&mut self, s: &ScoreDecl) {
        let head = format!(
            "score {}{}{}",
            s.name.name,
            desc(&s.description),
            if s.for_account { " for account" } else { "" }
        );
        let keys: Vec<Option<String>> = s
            .stmts
            .iter()
            .map(|st| match &st.kind {
                ScoreStmtKind::Each { pattern: p, .. } => Some(format!("each {}", pattern(p))),
                ScoreStmtKind::When { condition, .. } => Some(expr(condition)),
                _ => None,
            })
            .collect();
        let width = align_width(keys.iter().flatten());
        let lines = s
            .stmts
            .iter()
            .zip(keys)
            .map(|(st, key)| {
                let text = match (&st.kind, key) {
                    (ScoreStmtKind::Owner(t), _) => format!("owner {}", t.name),
                    (ScoreStmtKind::Decay(d), _) => format!("decay half_life {}", expr(d)),
                    (ScoreStmtKind::Range(a, b), _) => {
                        format!("range {}..{}", a.raw, b.raw)
                    }
                    (ScoreStmtKind::Each { points, max, .. }, Some(k)) => {
                        let cap = max
                            .as_ref()
                            .map(|m| format!(" max {}", m.raw))
                            .unwrap_or_default();
                        format!("{} => {}{cap}", pad(&k, width), points.raw)
                    }
                    (ScoreStmtKind::When { points, .. }, Some(k)) => {
                        format!("{} => {}", pad(&k, width), points.raw)
                    }
                    _ => String::new(),
                };
                Line {
                    text,
                    span: st.span,
                }
            })
            .collect();
        self.block(head, lines, s.span);
    }

    /// A criteria: its clauses aligned after the labels.
    fn criteria(&mut self, c: &CriteriaDecl) {
        let head = format!(
            "criteria {}{}{}",
            c.name.name,
            desc(&c.description),
            if c.for_deal { " for deal" } else { "" }
        );
        let width = align_width(c.stmts.iter().filter_map(|st| match &st.kind {
            CriteriaStmtKind::Clause { label, .. } => Some(format!("{}:", label.name)),
            _ => None,
        }));
        let lines = c
            .stmts
            .iter()
            .map(|st| Line {
                text: match &st.kind {
                    CriteriaStmtKind::Owner(t) => format!("owner {}", t.name),
                    CriteriaStmtKind::Clause { label, condition } => {
                        format!(
                            "{} {}",
                            pad(&format!("{}:", label.name), width),
                            expr(condition)
                        )
                    }
                    CriteriaStmtKind::Require(r) => format!("require {}", require(r)),
                },
                span: st.span,
            })
            .collect();
        self.block(head, lines, c.span);
    }

    /// The buying group: roles aligned on `=`.
    fn buying_group(&mut self, g: &BuyingGroupDecl) {
        let key = |k: &GroupStmtKind| match k {
            GroupStmtKind::Role { name, .. } => format!("role {}", name.name),
            GroupStmtKind::Engaged(_) => "engaged".to_string(),
            GroupStmtKind::Qualified(_) => "qualified".to_string(),
        };
        let width = align_width(g.stmts.iter().map(|s| key(&s.kind)));
        let lines = g
            .stmts
            .iter()
            .map(|s| {
                let value = match &s.kind {
                    GroupStmtKind::Role { condition, .. } => condition,
                    GroupStmtKind::Engaged(e) | GroupStmtKind::Qualified(e) => e,
                };
                Line {
                    text: format!("{} = {}", pad(&key(&s.kind), width), expr(value)),
                    span: s.span,
                }
            })
            .collect();
        self.block("buying_group".to_string(), lines, g.span);
    }

    /// A lifecycle: stages and transitions each aligned.
    fn lifecycle(&mut self, l: &LifecycleDecl) {
        let stage_width = align_width(l.stmts.iter().filter_map(|s| match s {
            LifecycleStmt::Stage(st) => Some(st.name.name.clone()),
            _ => None,
        }));
        let arrow = |t: &TransitionDecl| {
            format!(
                "{} -> {}",
                t.from.as_ref().map_or("any", |f| f.name.as_str()),
                t.to.name
            )
        };
        let trans_width = align_width(l.stmts.iter().filter_map(|s| match s {
            LifecycleStmt::Transition(t) => Some(arrow(t)),
            _ => None,
        }));
        let lines = l
            .stmts
            .iter()
            .map(|s| Line {
                text: match s {
                    LifecycleStmt::Stage(st) => {
                        let attrs: Vec<String> = st.attrs.iter().map(stage_attr).collect();
                        if attrs.is_empty() {
                            format!("stage {}", st.name.name)
                        } else {
                            format!(
                                "stage {} {}",
                                pad(&st.name.name, stage_width),
                                attrs.join(" ")
                            )
                        }
                    }
                    LifecycleStmt::Transition(t) => {
                        let label = t
                            .label
                            .as_ref()
                            .map(|l| format!(" as {}", string(&l.value)))
                            .unwrap_or_default();
                        format!(
                            "{} {}{label}",
                            pad(&arrow(t), trans_width),
                            trigger(&t.trigger)
                        )
                    }
                },
                span: s.span(),
            })
            .collect();
        self.block(format!("lifecycle {}", l.kind.name), lines, l.span);
    }

    fn has_comment_inside(&self, span: Span) -> bool {
        self.comments
            .get(self.next_comment..)
            .unwrap_or(&[])
            .iter()
            .any(|c| c.span.start > span.start && c.span.start < span.end)
    }
}

fn same_kind_single_line(a: &Item, b: &Item) -> bool {
    matches!(
        (a, b),
        (Item::Event(_), Item::Event(_))
            | (Item::Touchpoint(_), Item::Touchpoint(_))
            | (Item::Metric(_), Item::Metric(_))
    )
}

fn align_width<S: AsRef<str>>(keys: impl Iterator<Item = S>) -> usize {
    keys.map(|k| k.as_ref().chars().count())
        .filter(|w| *w <= MAX_ALIGN)
        .max()
        .unwrap_or(0)
}

fn pad(s: &str, width: usize) -> String {
    let w = s.chars().count();
    if w >= width {
        s.to_string()
    } else {
        format!("{s}{}", " ".repeat(width - w))
    }
}

fn desc(d: &Option<StringLit>) -> String {
    d.as_ref()
        .map(|d| format!(" {}", string(&d.value)))
        .unwrap_or_default()
}

fn idents(ids: &[Ident]) -> String {
    ids.iter()
        .map(|i| i.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn setting(s: &Setting) -> String {
    match &s.kind {
        SettingKind::Version(n) => format!("version {}", n.raw),
        SettingKind::Effective(d) => format!("effective {}", string(&d.value)),
        SettingKind::Timezone(t) => format!("timezone {}", string(&t.value)),
        SettingKind::Currency(c) => format!("currency {}", string(&c.value)),
        SettingKind::Teams(ts) => format!("teams {}", idents(ts)),
        SettingKind::BusinessHours(hs) => {
            let spans: Vec<String> = hs
                .iter()
                .map(|h| {
                    let days = match &h.last_day {
                        Some(l) => format!("{}-{}", h.first_day.name, l.name),
                        None => h.first_day.name.clone(),
                    };
                    format!("{days} {}-{}", h.opens.name, h.closes.name)
                })
                .collect();
            format!("business_hours {}", spans.join(", "))
        }
        SettingKind::Holidays(ds) => {
            format!(
                "holidays {}",
                ds.iter()
                    .map(|d| string(&d.value))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        SettingKind::FiscalYearStarts(m) => format!("fiscal_year_starts {}", m.name),
    }
}

fn field(f: &FieldDecl) -> String {
    let ty = match &f.ty {
        TypeExpr::Named(t) => t.name.clone(),
        TypeExpr::Enum(vs, _) => vs
            .iter()
            .map(|v| string(&v.value))
            .collect::<Vec<_>>()
            .join(" | "),
    };
    let opt = if f.optional { "?" } else { "" };
    let default = f
        .default
        .as_ref()
        .map(|d| format!(" = {}", expr(d)))
        .unwrap_or_default();
    format!("{}: {ty}{opt}{default}", f.name.name)
}

fn event_one_line(e: &EventDecl, width: usize) -> String {
    let name = pad(&e.name.name, width);
    if e.fields.is_empty() {
        return format!("event {name} {{ }}");
    }
    let fields: Vec<String> = e.fields.iter().map(field).collect();
    format!("event {name} {{ {} }}", fields.join(", "))
}

fn touchpoint(t: &TouchpointDecl, (name_w, pattern_w): (usize, usize)) -> String {
    format!(
        "touchpoint {} = {} by {}",
        pad(&t.name.name, name_w),
        pad(&pattern(&t.pattern), pattern_w),
        t.team.name
    )
}

fn pattern(p: &Pattern) -> String {
    match &p.condition {
        Some(c) => format!("{} where {}", p.event.name, expr(c)),
        None => p.event.name.clone(),
    }
}

fn require(r: &Require) -> String {
    match r {
        Require::All => "all".into(),
        Require::Any => "any".into(),
        Require::NOfM(n, m) => format!("{} of {}", n.raw, m.raw),
        Require::Expr(e) => expr(e),
    }
}

fn stage_attr(a: &StageAttr) -> String {
    match &a.kind {
        StageAttrKind::Initial => "initial".into(),
        StageAttrKind::Final => "final".into(),
        StageAttrKind::Detour => "detour".into(),
        StageAttrKind::Owner(t) => format!("owner {}", t.name),
        StageAttrKind::Description(d) => string(&d.value),
    }
}

/// A trigger in canonical form: `on form_submit`, `after 30d`.
pub fn trigger(t: &Trigger) -> String {
    match &t.kind {
        TriggerKind::On(p) => format!("on {}", pattern(p)),
        TriggerKind::When(e) => format!("when {}", expr(e)),
        TriggerKind::After { duration, unless } => match unless {
            Some(u) => format!("after {} unless {}", expr(duration), expr(u)),
            None => format!("after {}", expr(duration)),
        },
    }
}

fn sla_triggers(ts: &[SlaTrigger]) -> String {
    ts.iter()
        .map(|t| match &t.kind {
            SlaTriggerKind::Entering(s) => format!("on entering {}", s.text()),
            SlaTriggerKind::Leaving(s) => format!("on leaving {}", s.text()),
            SlaTriggerKind::Event(p) => format!("on {}", pattern(p)),
        })
        .collect::<Vec<_>>()
        .join(" or ")
}

/// An expression on one line. Grouping is kept exactly as written
/// (parentheses are nodes of the tree), so printing never changes meaning.
pub fn expr(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Literal(l) => literal(l),
        ExprKind::Name(n) => n.name.clone(),
        ExprKind::Call { func, args } => format!("{}({})", func.name, call_args(args)),
        ExprKind::Member { base, name, args } => match args {
            Some(a) => format!("{}.{}({})", expr(base), name.name, call_args(a)),
            None => format!("{}.{}", expr(base), name.name),
        },
        ExprKind::Unary {
            op: UnaryOp::Not,
            expr: x,
        } => format!("not {}", expr(x)),
        ExprKind::Unary {
            op: UnaryOp::Neg,
            expr: x,
        } => format!("-{}", expr(x)),
        ExprKind::Binary { op, lhs, rhs } => format!("{} {} {}", expr(lhs), op.symbol(), expr(rhs)),
        ExprKind::Is { expr: x, missing } => {
            format!(
                "{} is {}",
                expr(x),
                if *missing { "missing" } else { "present" }
            )
        }
        ExprKind::List(items) => format!(
            "[{}]",
            items.iter().map(expr).collect::<Vec<_>>().join(", ")
        ),
        ExprKind::Paren(x) => format!("({})", expr(x)),
    }
}

fn call_args(args: &[Arg]) -> String {
    args.iter()
        .map(|a| match a {
            Arg::Expr(e) => expr(e),
            Arg::Pattern {
                name,
                condition,
                within,
                ..
            } => {
                let mut s = name.name.clone();
                if let Some(c) = condition {
                    s.push_str(&format!(" where {}", expr(c)));
                }
                if let Some(w) = within {
                    s.push_str(&format!(" within {}", expr(w)));
                }
                s
            }
            Arg::Arrow {
                from,
                to,
                condition,
                ..
            } => format!(
                "{} -> {}{}",
                from.text(),
                to.text(),
                where_text(condition.as_ref())
            ),
            Arg::Entered {
                stage,
                field,
                condition,
                ..
            } => format!(
                "entered {}{}{}",
                stage.text(),
                field
                    .as_ref()
                    .map(|f| format!(" .{}", f.name))
                    .unwrap_or_default(),
                where_text(condition.as_ref())
            ),
            Arg::Field {
                event,
                field,
                condition,
                ..
            } => format!(
                "{}.{}{}",
                event.name,
                field.name,
                where_text(Some(condition))
            ),
            Arg::Stage(s) => s.text(),
            Arg::By { name, team, .. } => format!("{} by {}", name.name, team.name),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn where_text(condition: Option<&Expr>) -> String {
    condition.map_or_else(String::new, |c| format!(" where {}", expr(c)))
}

fn literal(l: &Literal) -> String {
    match l {
        Literal::Number(n) => n.clone(),
        Literal::Quantity { number, unit } => format!("{number}{unit}"),
        Literal::Percent(n) => format!("{n}%"),
        Literal::Money(m) => m.clone(),
        Literal::BusinessDuration {
            number, unit_word, ..
        } => format!("{number} business {unit_word}"),
        Literal::String(s) => string(s),
        Literal::Bool(b) => b.to_string(),
    }
}
