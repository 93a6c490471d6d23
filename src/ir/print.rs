//! The IR written out one definition and one node per line, names beside
//! ids: what the snapshot tests of the shipped policies record, so a
//! change to lowering shows up as a reviewable diff.

use std::fmt::{self, Display, Formatter, Write};

use super::*;

impl Display for Ir {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(f, "policy {:?} (timezone {})", self.name, self.timezone)?;
        writeln!(f, "nodes:")?;
        for (id, node) in self.nodes.iter() {
            writeln!(
                f,
                "  {id:?} = {}  [{}]",
                self.node_text(node),
                facts(self.nodes.facts(id))
            )?;
        }
        writeln!(f, "patterns:")?;
        for p in self.nodes.patterns() {
            let pattern = &self.nodes[p];
            let cond = pattern
                .condition
                .map(|c| format!(" where {c:?}"))
                .unwrap_or_default();
            writeln!(
                f,
                "  {p:?} = {}{cond}  [{}]",
                self.event_name(pattern.event),
                facts(self.nodes.pattern_facts(p))
            )?;
        }
        writeln!(f, "figures:")?;
        for (id, figure) in self.figures.iter() {
            writeln!(f, "  {id:?} = {}", self.figure_text(figure))?;
        }
        self.definitions(f)
    }
}

fn facts(x: Facts) -> String {
    let flags = [
        (x.steady, "steady"),
        (x.time, "time"),
        (x.unplaced, "unplaced"),
        (x.group, "group"),
        (x.account_stage, "account.stage"),
        (x.account_fields, "account fields"),
    ];
    let on: Vec<&str> = flags.iter().filter(|(b, _)| *b).map(|(_, n)| *n).collect();
    on.join(", ")
}

impl Ir {
    fn definitions(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(f, "scores:")?;
        for s in &self.scores {
            let rules: Vec<String> = s
                .rules
                .iter()
                .map(|r| match r {
                    ScoreRule::Each {
                        pattern,
                        points,
                        max,
                    } => {
                        let cap = max.map(|m| format!(" max {m}")).unwrap_or_default();
                        format!("each {pattern:?} => {points}{cap}")
                    }
                    ScoreRule::When { condition, points } => format!("{condition:?} => {points}"),
                })
                .collect();
            let decay = s
                .half_life
                .map(|h| format!(" half-life {h:?}"))
                .unwrap_or_default();
            writeln!(
                f,
                "  {}{decay}: {}  [{}]",
                s.name,
                rules.join("; "),
                facts(s.facts)
            )?;
        }
        writeln!(f, "criteria:")?;
        for c in &self.criteria {
            let clauses: Vec<String> = c
                .clauses
                .iter()
                .map(|x| format!("{}: {:?}", x.label, x.condition))
                .collect();
            writeln!(
                f,
                "  {}: {}; require {:?}  [{}]",
                c.name,
                clauses.join("; "),
                c.require,
                facts(c.facts)
            )?;
        }
        writeln!(f, "roles:")?;
        for r in &self.roles {
            writeln!(f, "  {} = {:?}", r.name, r.condition)?;
        }
        if let Some(g) = &self.buying_group {
            writeln!(
                f,
                "  engaged = {:?}, qualified = {:?}",
                g.engaged, g.qualified
            )?;
        }
        writeln!(f, "transitions:")?;
        for t in &self.transitions {
            let from: Vec<&str> = t.from.iter().map(|s| self.stage_name(*s)).collect();
            let trigger = match &t.trigger {
                TriggerRule::On(p) => format!("on {p:?}"),
                TriggerRule::When(c) => format!("when {c:?}"),
                TriggerRule::After { duration, unless } => {
                    let unless = unless.map(|u| format!(" unless {u:?}")).unwrap_or_default();
                    format!("after {duration:?}{unless}")
                }
            };
            writeln!(
                f,
                "  line {}: {} -> {} {trigger}",
                t.line,
                from.join("|"),
                self.stage_name(t.to)
            )?;
        }
        writeln!(f, "metrics:")?;
        for m in &self.metrics {
            let rate = if m.rate { " (a rate)" } else { "" };
            writeln!(f, "  {} = {:?}{rate}", m.name, m.figure)?;
        }
        writeln!(f, "incentives:")?;
        for i in &self.incentives {
            writeln!(
                f,
                "  {}: target {:?}, payout {:?}",
                i.name, i.target, i.payout
            )?;
        }
        let filters: Vec<String> = self.filters.iter().map(|p| format!("{p:?}")).collect();
        writeln!(f, "metric filters: {}", filters.join(", "))?;
        let dims: Vec<&str> = self.dimensions.iter().map(|d| d.text.as_str()).collect();
        writeln!(f, "dimensions: {}", dims.join(", "))
    }

    fn event_name(&self, e: EventRef) -> String {
        match e {
            EventRef::Event(x) => self.events[x].name.clone(),
            EventRef::Touchpoint(t) => format!("touchpoint {}", self.touchpoints[t].name),
        }
    }

    fn field_name(fields: &Table<FieldId, Field>, id: FieldId) -> &str {
        fields[id].name.as_str()
    }

    fn node_text(&self, node: &Node) -> String {
        match node {
            Node::Const(v) => format!("{v:?}"),
            Node::ContactField(x) => {
                format!("contact.{}", Self::field_name(&self.contact_fields, *x))
            }
            Node::AccountField(x) => {
                format!("account.{}", Self::field_name(&self.account_fields, *x))
            }
            Node::DealField(x) => {
                format!("deal.{}", Self::field_name(&self.deal_fields, *x))
            }
            Node::DealHas(r) => format!(
                "deal.has({})",
                self.deal_roles.get(*r).map_or("?", String::as_str)
            ),
            Node::Linked { stage, ever } => format!(
                "linked.{}({})",
                if *ever { "entered" } else { "in" },
                self.stage_name(*stage)
            ),
            Node::Score(s) => format!("score {}", self.scores[*s].name.clone()),
            Node::Criteria(c) => format!("criteria {}", self.criteria[*c].name.clone()),
            Node::Timed(t) => {
                let time = match t.time {
                    TimeSide::TimeInStage => "time_in_stage".to_string(),
                    TimeSide::DaysSince(p) => format!("days_since({p:?})"),
                    TimeSide::Decay(s) => format!("decaying {}", self.scores[s].name.clone()),
                };
                let (l, r) = if t.time_left {
                    (time, format!("{:?}", t.bound))
                } else {
                    (format!("{:?}", t.bound), time)
                };
                format!("Timed({l} {:?} {r})", t.op)
            }
            Node::Matches(x, re) => format!("Matches({x:?}, {:?})", re.as_str()),
            Node::StageEntered(s) | Node::GroupIn(s) => {
                let mut out = String::new();
                let _ = write!(out, "{node:?}");
                format!("{out} ({})", self.stage_name(*s))
            }
            other => format!("{other:?}"),
        }
    }

    fn figure_text(&self, figure: &Figure) -> String {
        match figure {
            Figure::CountEntered(s, w) => {
                format!("count(entered {}{})", self.stage_name(*s), where_of(*w))
            }
            Figure::Conversion(a, b, w) => format!(
                "conversion({} -> {}{})",
                self.stage_name(*a),
                self.stage_name(*b),
                where_of(*w)
            ),
            Figure::StageDays(agg, a, b, w) => format!(
                "{agg:?} days({} -> {}{})",
                self.stage_name(*a),
                self.stage_name(*b),
                where_of(*w)
            ),
            Figure::CountEvents(e, filter) => {
                let filter = filter.map(|x| format!(" where {x:?}")).unwrap_or_default();
                format!("count({}{filter})", self.event_name(*e))
            }
            other => format!("{other:?}"),
        }
    }
}

fn where_of(filter: Option<FilterId>) -> String {
    filter.map(|x| format!(" where {x:?}")).unwrap_or_default()
}
