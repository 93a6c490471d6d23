//! `expect.metrics` and `expect.payouts`: a case's metrics and incentive
//! payouts over its whole history, per segment and per payee.

use serde_json::Value as Json;

use super::Expect;
use super::compare::Mismatch;
use crate::compile::Policy;
use crate::data::Histories;
use crate::eval::Evaluation;
use crate::report::context::{Ctx, Options};
use crate::report::metrics::{MetricRow, over_span};

pub fn compare(
    policy: &Policy,
    histories: &Histories,
    ev: &Evaluation,
    expect: &Expect,
) -> Vec<Mismatch> {
    if expect.metrics.is_empty() && expect.payouts.is_empty() {
        return Vec::new();
    }
    let replayed = crate::report::Replayed::whole(policy, histories, ev.clone());
    let ctx = Ctx::new(policy, &replayed, &Options::default());
    let (metrics, incentives) = over_span(&ctx, "the case");
    let mut out = Vec::new();
    for (name, want) in &expect.metrics {
        let what = format!("metrics.{name}");
        let Some(row) = metrics.iter().find(|m| &m.metric == name) else {
            out.push(Mismatch::problem(
                &what,
                format!("the policy has no metric `{name}`"),
            ));
            continue;
        };
        out.extend(metric(&what, row, want));
    }
    for (name, want) in &expect.payouts {
        let what = format!("payouts.{name}");
        let Some(row) = incentives.iter().find(|i| &i.incentive == name) else {
            out.push(Mismatch::problem(
                &what,
                format!("the policy has no incentive `{name}`"),
            ));
            continue;
        };
        let got: Vec<(String, Json)> = if row.payees.is_empty() && row.per.is_none() {
            vec![(String::new(), Json::String(row.payout.clone()))]
        } else {
            row.payees
                .iter()
                .map(|p| (label(&p.payee), Json::String(p.payout.clone())))
                .collect()
        };
        out.extend(table(&what, &got, want));
    }
    out
}

/// A metric: its total, or its segments.
fn metric(what: &str, row: &MetricRow, want: &toml::Value) -> Vec<Mismatch> {
    let Some(cell) = row.values.first() else {
        return vec![Mismatch::problem(what, "no value".into())];
    };
    let mut got = vec![(String::new(), cell.value.clone())];
    got.extend(
        cell.segments
            .iter()
            .map(|s| (label(&s.segment), s.value.clone())),
    );
    table(what, &got, want)
}

/// Compares `(key, value)` pairs (the key `""` is the total) with a value
/// (the total) or a table (`total` and segments or payees).
fn table(what: &str, got: &[(String, Json)], want: &toml::Value) -> Vec<Mismatch> {
    let find = |k: &str| got.iter().find(|(g, _)| g == k).map(|(_, v)| v.clone());
    let mut out = Vec::new();
    let wanted: Vec<(String, &toml::Value)> = match want {
        toml::Value::Table(t) => t
            .iter()
            .map(|(k, v)| {
                (
                    if k == "total" {
                        String::new()
                    } else {
                        k.clone()
                    },
                    v,
                )
            })
            .collect(),
        other => vec![(String::new(), other)],
    };
    for (key, v) in wanted {
        let actual = find(&key).unwrap_or(Json::Null);
        if !same(&actual, v) {
            let at = if key.is_empty() {
                what.to_string()
            } else {
                format!("{what}.{key}")
            };
            out.push(Mismatch {
                what: at,
                expected: Some(toml_text(v)),
                actual: json_text(&actual),
            });
        }
    }
    out
}

fn label(v: &Json) -> String {
    match v {
        Json::Null => crate::report::metrics::segment::NONE_LABEL.to_string(),
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Equal to two decimals (money to the cent, rates as the report rounds).
fn same(actual: &Json, want: &toml::Value) -> bool {
    let a = match actual {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => s.parse().ok(),
        _ => None,
    };
    let w = match want {
        toml::Value::Integer(i) => Some(*i as f64),
        toml::Value::Float(f) => Some(*f),
        toml::Value::String(s) => s
            .trim_start_matches(['$', '€', '£'])
            .replace([',', '_'], "")
            .parse()
            .ok(),
        _ => None,
    };
    match (a, w) {
        (Some(a), Some(w)) => (a - w).abs() < 0.005,
        (None, None) => actual.is_null(),
        _ => false,
    }
}

fn toml_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn json_text(v: &Json) -> String {
    match v {
        Json::Null => "no data".into(),
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}
