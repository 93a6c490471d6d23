//! Each shipped policy at every stage of the pipeline, as PRQL snapshots
//! its queries: the syntax tree (one line per definition), the IR (one
//! line per node and definition, with what each node reads), the stage
//! graph (DOT) and, for acme on the example data, the journeys of a few
//! contacts. A change to any stage shows up as a reviewable diff.

use detente::Policy;
use detente::syntax::ast::{Item, LifecycleStmt};

const SHIPPED: [(&str, &str); 3] = [
    ("acme", "policies/acme.detente"),
    ("product_led", "policies/product-led.detente"),
    ("olist", "examples/olist/olist.detente"),
];

/// One line per definition: its kind, name and size.
fn ast_summary(text: &str) -> String {
    let file = detente::syntax::parse(text).unwrap();
    let mut out = String::new();
    for item in &file.items {
        let line = match item {
            Item::Settings(s) => {
                format!("policy {:?}: {} settings", s.name.value, s.settings.len())
            }
            Item::Schema(s) => format!("{} schema: {} fields", s.entity.keyword(), s.fields.len()),
            Item::Event(e) => format!("event {}: {} fields", e.name.name, e.fields.len()),
            Item::Touchpoint(t) => format!("touchpoint {} by {}", t.name.name, t.team.name),
            Item::Score(s) => format!("score {}: {} statements", s.name.name, s.stmts.len()),
            Item::Criteria(c) => format!("criteria {}: {} statements", c.name.name, c.stmts.len()),
            Item::BuyingGroup(g) => format!("buying_group: {} statements", g.stmts.len()),
            Item::Lifecycle(l) => {
                let stages = l
                    .stmts
                    .iter()
                    .filter(|s| matches!(s, LifecycleStmt::Stage(_)))
                    .count();
                format!(
                    "lifecycle {}: {stages} stages, {} transitions",
                    l.kind.name,
                    l.stmts.len() - stages
                )
            }
            Item::Sla(s) => format!("sla {}: {} statements", s.name.name, s.stmts.len()),
            Item::Metric(m) => format!("metric {}", m.name.name),
            Item::Incentive(i) => {
                format!("incentive {}: {} statements", i.name.name, i.stmts.len())
            }
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[test]
fn each_shipped_policy_at_every_stage() {
    for (name, path) in SHIPPED {
        let text = std::fs::read_to_string(crate::root().join(path)).unwrap();
        let policy = Policy::compile(&text).unwrap();
        insta::assert_snapshot!(format!("{name}_ast"), ast_summary(&text));
        insta::assert_snapshot!(format!("{name}_ir"), policy.ir().to_string());
        insta::assert_snapshot!(
            format!("{name}_dot"),
            detente::report::graph::dot(&policy, None)
        );
    }
}

#[test]
fn acme_journeys_of_a_few_contacts() {
    let root = crate::root();
    let text = std::fs::read_to_string(root.join("policies/acme.detente")).unwrap();
    let policy = Policy::compile(&text).unwrap();
    let out = crate::detente()
        .current_dir(&root)
        .args(["classify", "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let all: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let journeys = all["journeys"].as_array().unwrap();
    // Three contacts of the first account, and one further on that
    // reached a later stage.
    let mut few: Vec<&serde_json::Value> = journeys.iter().take(3).collect();
    few.extend(journeys.iter().find(|j| j["stage"] == "customer"));
    assert_eq!(policy.name(), all["journeys"][0]["policy"]["name"]);
    insta::assert_snapshot!("acme_journeys", serde_json::to_string_pretty(&few).unwrap());
}
