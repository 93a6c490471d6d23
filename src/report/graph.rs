//! The compiled state machines as Graphviz DOT or Mermaid: stages coloured
//! by owning team, transitions labelled with their triggers.

use crate::compile::Policy;
use crate::ir::Entity;
use crate::ir::{Ir, SHARED_TEAM, Stage, StageId, TeamId, Transition};

/// Colour-blind-safe fills, one per declared team in declaration order.
const PALETTE: &[&str] = &[
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7",
];
const SHARED_FILL: &str = "#bab0ac";
const UNOWNED_FILL: &str = "#ffffff";

fn fill(team: Option<TeamId>) -> &'static str {
    match team {
        None => UNOWNED_FILL,
        Some(t) if t == SHARED_TEAM => SHARED_FILL,
        Some(t) => PALETTE
            .get((t.index() - 1) % PALETTE.len())
            .copied()
            .unwrap_or(UNOWNED_FILL),
    }
}

fn edge_label(t: &Transition) -> String {
    match &t.label {
        Some(l) => format!("{}\n({l})", t.text),
        None => t.text.clone(),
    }
}

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn stage(m: &Ir, id: StageId) -> &Stage {
    &m.stages[id]
}

/// Graphviz DOT for the chosen lifecycles (all when `only` is `None`).
pub fn dot(policy: &Policy, only: Option<Entity>) -> String {
    let m = policy.ir();
    let mut out = String::new();
    out.push_str(&format!("digraph \"{}\" {{\n", dot_escape(&m.name)));
    out.push_str("  rankdir=LR;\n  fontname=\"Helvetica\";\n");
    out.push_str("  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\"];\n");
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=10];\n");
    for lc in m
        .lifecycles
        .iter()
        .filter(|l| only.is_none_or(|e| e == l.entity))
    {
        let k = lc.entity.keyword();
        out.push_str(&format!(
            "  subgraph cluster_{k} {{\n    label=\"{k} lifecycle\";\n"
        ));
        out.push_str(&format!("    \"{k}.start\" [shape=point, label=\"\"];\n"));
        for sid in &lc.stages {
            let s = stage(m, *sid);
            let mut style = String::from("rounded,filled");
            if s.detour {
                style.push_str(",dashed");
            }
            let owner = s
                .owner
                .map(|t| &m.teams[t])
                .map(|t| format!("\\n{}", t))
                .unwrap_or_default();
            out.push_str(&format!(
                "    \"{k}.{}\" [label=\"{}{owner}\", fillcolor=\"{}\", style=\"{style}\"{}];\n",
                s.name,
                dot_escape(&s.name),
                fill(s.owner),
                if s.is_final { ", peripheries=2" } else { "" }
            ));
        }
        if let Some(init) = lc.initial.map(|i| stage(m, i)) {
            out.push_str(&format!("    \"{k}.start\" -> \"{k}.{}\";\n", init.name));
        }
        for tid in &lc.transitions {
            let t = &m.transitions[*tid];
            let to = stage(m, t.to);
            let label = dot_escape(&edge_label(t));
            if t.from_any {
                out.push_str(&format!(
                    "    \"{k}.any:{}\" [shape=plaintext, style=\"\", label=\"any stage\"];\n",
                    t.line
                ));
                out.push_str(&format!(
                    "    \"{k}.any:{}\" -> \"{k}.{}\" [label=\"{label}\", style=dashed];\n",
                    t.line, to.name
                ));
                continue;
            }
            for f in &t.from {
                let from = stage(m, *f);
                out.push_str(&format!(
                    "    \"{k}.{}\" -> \"{k}.{}\" [label=\"{label}\"];\n",
                    from.name, to.name
                ));
            }
        }
        out.push_str("  }\n");
    }
    // A legend of team colours.
    out.push_str("  subgraph cluster_legend {\n    label=\"owning team\";\n");
    for (id, t) in m.teams.enumerate() {
        out.push_str(&format!(
            "    \"team.{}\" [label=\"{}\", fillcolor=\"{}\"];\n",
            t,
            dot_escape(t),
            fill(Some(id))
        ));
    }
    out.push_str("  }\n}\n");
    out
}

fn mermaid_text(s: &str) -> String {
    s.replace('"', "'").replace(':', "#58;").replace('\n', " ")
}

/// A Mermaid state diagram for the chosen lifecycles.
pub fn mermaid(policy: &Policy, only: Option<Entity>) -> String {
    let m = policy.ir();
    let mut out = String::from("stateDiagram-v2\n  direction LR\n");
    let mut classes: Vec<(String, Vec<String>)> = Vec::new();
    for lc in m
        .lifecycles
        .iter()
        .filter(|l| only.is_none_or(|e| e == l.entity))
    {
        let k = lc.entity.keyword();
        out.push_str(&format!("  state \"{k} lifecycle\" as {k}_lifecycle {{\n"));
        for sid in &lc.stages {
            let s = stage(m, *sid);
            out.push_str(&format!(
                "    state \"{}\" as {k}_{}\n",
                mermaid_text(&s.name),
                s.name
            ));
            let class = s
                .owner
                .map(|t| &m.teams[t])
                .map_or("unowned".to_string(), |t| format!("team_{}", t));
            match classes.iter_mut().find(|(c, _)| *c == class) {
                Some((_, members)) => members.push(format!("{k}_{}", s.name)),
                None => classes.push((class, vec![format!("{k}_{}", s.name)])),
            }
        }
        if let Some(init) = lc.initial.map(|i| stage(m, i)) {
            out.push_str(&format!("    [*] --> {k}_{}\n", init.name));
        }
        for tid in &lc.transitions {
            let t = &m.transitions[*tid];
            let to = stage(m, t.to);
            let label = mermaid_text(&edge_label(t));
            if t.from_any {
                out.push_str(&format!("    state \"any stage\" as {k}_any_{}\n", t.line));
                out.push_str(&format!(
                    "    {k}_any_{} --> {k}_{} : {label}\n",
                    t.line, to.name
                ));
                continue;
            }
            for f in &t.from {
                let from = stage(m, *f);
                out.push_str(&format!(
                    "    {k}_{} --> {k}_{} : {label}\n",
                    from.name, to.name
                ));
            }
        }
        for sid in &lc.stages {
            let s = stage(m, *sid);
            if s.is_final {
                out.push_str(&format!("    {k}_{} --> [*]\n", s.name));
            }
        }
        out.push_str("  }\n");
    }
    for (id, t) in m.teams.enumerate() {
        out.push_str(&format!(
            "  classDef team_{} fill:{},color:#000\n",
            t,
            fill(Some(id))
        ));
    }
    out.push_str(&format!(
        "  classDef unowned fill:{UNOWNED_FILL},color:#000\n"
    ));
    for (class, members) in classes {
        out.push_str(&format!("  class {} {class}\n", members.join(",")));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn palette_is_stable_per_team_order() {
        use super::*;
        assert_eq!(fill(TeamId::from_index(1)), "#4e79a7");
        assert_eq!(fill(Some(SHARED_TEAM)), SHARED_FILL);
        assert_eq!(fill(None), UNOWNED_FILL);
    }
}
