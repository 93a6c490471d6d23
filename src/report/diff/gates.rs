//! Gates: the limits a CI job sets on a policy change, from flags
//! (`--fail-if-changed 5%`, `--fail-if-metric-drops win_rate=2%`) or from
//! the manifest's `[ci]` table.
//!
//! A metric's limit is written in the unit its value is shown in. For a
//! rate (a conversion, an SLA attainment, a share), shown as a percentage,
//! `2%` means two percentage points: `win_rate=2%` fails when the win rate
//! falls from 32% to below 30%. For any other metric `2%` is relative to
//! the old value (`bookings=5%`). `2pp` is always percentage points and a
//! plain number an amount in the metric's unit (`bookings=5000`,
//! `cycle_days=3`). A gate fails when the change goes *beyond* its limit:
//! exactly 5% changed passes `--fail-if-changed 5%`.

use serde::Serialize;

use super::figures::MetricDelta;
use super::figures::number as figure;
use super::stages::StageChanges;
use super::text::{percent, show};

/// Float noise from sums must not fail a gate set at exactly the change.
const EPSILON: f64 = 1e-9;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Gate {
    /// Fail when more than this share (0 to 1) of contacts change stage.
    ChangedShare(f64),
    /// Fail when more than this many contacts change stage.
    ChangedCount(usize),
    /// Fail when a metric moves the wrong way by more than the limit.
    Metric {
        metric: String,
        rises: bool,
        limit: Limit,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Limit {
    /// `2%` as 0.02: percentage points for a rate, else a share of the
    /// old value.
    Percent(f64),
    /// Percentage points of a rate: 0.02 for `2pp`.
    Points(f64),
    /// An amount in the metric's unit.
    Amount(f64),
}

pub type Gates = Vec<Gate>;

#[derive(Debug, Clone, Serialize)]
pub struct GateResult {
    /// The gate as a flag would write it.
    pub gate: String,
    pub passed: bool,
    /// What was measured against the limit, in plain English.
    pub message: String,
}

/// A gate setting that cannot be read: where it was given and what is
/// wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{place}: {reason}")]
#[non_exhaustive]
pub struct GateError {
    /// The flag or `[ci]` setting.
    pub place: String,
    /// What is wrong and what to write instead.
    pub reason: String,
}

fn bad(place: &str, reason: String) -> GateError {
    GateError {
        place: place.to_string(),
        reason,
    }
}

fn number(text: &str, what: &str) -> Result<f64, GateError> {
    let n: f64 = text
        .trim()
        .replace('_', "")
        .parse()
        .map_err(|_| bad(what, format!("`{text}` is not a number")))?;
    if !n.is_finite() || n < 0.0 {
        return Err(bad(what, format!("`{text}` should be zero or more")));
    }
    Ok(n)
}

/// `5%` (a share of contacts) or `120` (a number of contacts); `what`
/// names the flag or setting in errors.
pub fn parse_changed(text: &str, what: &str) -> Result<Gate, GateError> {
    let t = text.trim();
    if let Some(p) = t.strip_suffix('%') {
        return Ok(Gate::ChangedShare(number(p, what)? / 100.0));
    }
    let n = number(t, what)?;
    if n.fract() != 0.0 {
        return Err(bad(
            what,
            format!("`{text}` should be a share such as `5%` or a whole number of contacts"),
        ));
    }
    Ok(Gate::ChangedCount(n as usize))
}

/// `2%`, `2pp` or `5000`.
pub fn parse_limit(text: &str, what: &str) -> Result<Limit, GateError> {
    let t = text.trim();
    if let Some(p) = t.strip_suffix('%') {
        Ok(Limit::Percent(number(p, what)? / 100.0))
    } else if let Some(p) = t.strip_suffix("pp") {
        Ok(Limit::Points(number(p, what)? / 100.0))
    } else {
        number(t, what).map(Limit::Amount).map_err(|_| {
            bad(what, format!("`{text}` should be a share such as `2%`, percentage points such as `2pp`, or an amount such as `5000`"))
        })
    }
}

/// `win_rate=2%` as given to `--fail-if-metric-drops` (or `-rises`).
pub fn parse_metric(text: &str, rises: bool) -> Result<Gate, GateError> {
    let flag = if rises {
        "--fail-if-metric-rises"
    } else {
        "--fail-if-metric-drops"
    };
    let Some((metric, limit)) = text.split_once('=') else {
        return Err(bad(
            flag,
            format!("`{text}` should be METRIC=LIMIT, e.g. win_rate=2%"),
        ));
    };
    let metric = metric.trim();
    if metric.is_empty() {
        return Err(bad(flag, format!("`{text}` names no metric")));
    }
    Ok(Gate::Metric {
        metric: metric.to_string(),
        rises,
        limit: parse_limit(limit, &format!("{flag} {metric}"))?,
    })
}

/// The `[ci]` table of `detente.toml`:
///
/// ```toml
/// [ci]
/// fail_if_changed = "5%"
/// fail_if_metric_drops = { win_rate = "2%" }
/// fail_if_metric_rises = { cycle_days = "10%" }
/// ```
pub fn from_manifest(ci: &toml::Table) -> Result<Gates, GateError> {
    let mut gates = Vec::new();
    let text = |v: &toml::Value| -> Option<String> {
        match v {
            toml::Value::String(s) => Some(s.clone()),
            toml::Value::Integer(i) => Some(i.to_string()),
            toml::Value::Float(f) => Some(f.to_string()),
            _ => None,
        }
    };
    for (key, value) in ci {
        match key.as_str() {
            "fail_if_changed" => {
                let t = text(value).ok_or_else(|| {
                    bad(
                        "[ci] fail_if_changed",
                        "should be a string such as \"5%\" or a number of contacts".into(),
                    )
                })?;
                gates.push(parse_changed(&t, "[ci] fail_if_changed")?);
            }
            "fail_if_metric_drops" | "fail_if_metric_rises" => {
                let rises = key == "fail_if_metric_rises";
                let table = value.as_table().ok_or_else(|| {
                    bad(
                        &format!("[ci] {key}"),
                        "should be a table such as { win_rate = \"2%\" }".into(),
                    )
                })?;
                for (metric, limit) in table {
                    let t = text(limit).ok_or_else(|| {
                        bad(
                            &format!("[ci] {key}.{metric}"),
                            "should be a string such as \"2%\"".into(),
                        )
                    })?;
                    gates.push(Gate::Metric {
                        metric: metric.clone(),
                        rises,
                        limit: parse_limit(&t, &format!("[ci] {key}.{metric}"))?,
                    });
                }
            }
            other => {
                return Err(bad(
                    "[ci]",
                    format!(
                        "has no setting `{other}`; the settings are fail_if_changed, fail_if_metric_drops and fail_if_metric_rises"
                    ),
                ));
            }
        }
    }
    Ok(gates)
}

fn limit_text(l: Limit) -> String {
    match l {
        Limit::Percent(r) => percent(r),
        Limit::Points(p) => format!("{}pp", percent(p).trim_end_matches('%')),
        Limit::Amount(a) => format!("{a}"),
    }
}

pub fn name(g: &Gate) -> String {
    match g {
        Gate::ChangedShare(s) => format!("--fail-if-changed {}", percent(*s)),
        Gate::ChangedCount(n) => format!("--fail-if-changed {n}"),
        Gate::Metric {
            metric,
            rises,
            limit,
        } => format!(
            "--fail-if-metric-{} {metric}={}",
            if *rises { "rises" } else { "drops" },
            limit_text(*limit)
        ),
    }
}

pub fn check(gates: &[Gate], contacts: &StageChanges, metrics: &[MetricDelta]) -> Vec<GateResult> {
    gates
        .iter()
        .map(|g| {
            let (passed, message) = match g {
                Gate::ChangedShare(limit) => {
                    let share = contacts.changed_share.unwrap_or(0.0);
                    (
                        share <= limit + EPSILON,
                        format!(
                            "{} of {} contacts change stage ({}); the limit is {}",
                            contacts.changed,
                            contacts.total,
                            percent(share),
                            percent(*limit)
                        ),
                    )
                }
                Gate::ChangedCount(limit) => (
                    contacts.changed <= *limit,
                    format!(
                        "{} of {} contacts change stage; the limit is {limit}",
                        contacts.changed, contacts.total
                    ),
                ),
                Gate::Metric {
                    metric,
                    rises,
                    limit,
                } => metric_gate(metrics, metric, *rises, *limit),
            };
            GateResult {
                gate: name(g),
                passed,
                message,
            }
        })
        .collect()
}

fn metric_gate(metrics: &[MetricDelta], metric: &str, rises: bool, limit: Limit) -> (bool, String) {
    let Some(m) = metrics.iter().find(|m| m.metric == metric) else {
        let known: Vec<&str> = metrics.iter().map(|m| m.metric.as_str()).collect();
        let hint = crate::names::closest(metric, known.iter().copied())
            .map(|c| format!(" Did you mean `{c}`?"))
            .unwrap_or_default();
        return (
            false,
            format!("`{metric}` is not a metric of both policies, so it cannot be compared.{hint}"),
        );
    };
    let (old, new) = match (figure(&m.old), figure(&m.new)) {
        (Some(o), Some(n)) => (o, n),
        (Some(_), None) => {
            return (
                false,
                format!(
                    "{metric} has no data under the new policy ({})",
                    m.new_no_data.as_deref().unwrap_or("not a number")
                ),
            );
        }
        (None, _) => {
            return (
                true,
                format!(
                    "{metric} has no data under the old policy ({}), so there is nothing to compare",
                    m.old_no_data.as_deref().unwrap_or("not a number")
                ),
            );
        }
    };
    let worse = if rises { new - old } else { old - new };
    let rate = m.kind == "rate";
    let (allowed, bad_limit) = match limit {
        Limit::Percent(p) if rate => (p, false),
        Limit::Percent(r) => (r * old.abs(), false),
        Limit::Points(p) => (p, !rate),
        Limit::Amount(a) => (a, false),
    };
    if bad_limit {
        return (
            false,
            format!(
                "{metric} is not a rate, so a limit in percentage points does not apply; write it as a share (`2%`) or an amount"
            ),
        );
    }
    let passed = worse <= allowed + EPSILON;
    let word = if rises { "rise" } else { "drop" };
    let limit = match limit {
        Limit::Percent(p) | Limit::Points(p) if rate => {
            format!("{} percentage points", percent(p).trim_end_matches('%'))
        }
        Limit::Percent(_) => format!("{} of the old value", limit_text(limit)),
        _ => limit_text(limit),
    };
    let message = format!(
        "{metric}: {} → {} ({}); it may {word} by at most {limit}",
        show(&m.kind, &m.old),
        show(&m.kind, &m.new),
        super::text::change_text(m)
            .replace(" (", ", ")
            .trim_end_matches(')'),
    );
    (passed, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_read_the_way_people_write_them() {
        assert_eq!(parse_changed("5%", "x"), Ok(Gate::ChangedShare(0.05)));
        assert_eq!(parse_changed(" 120 ", "x"), Ok(Gate::ChangedCount(120)));
        assert!(parse_changed("five", "x").is_err());
        assert!(parse_changed("-1%", "x").is_err());
        assert_eq!(
            parse_metric("win_rate=2%", false),
            Ok(Gate::Metric {
                metric: "win_rate".into(),
                rises: false,
                limit: Limit::Percent(0.02)
            })
        );
        assert_eq!(parse_limit("1.5pp", "x"), Ok(Limit::Points(0.015)));
        assert_eq!(parse_limit("5_000", "x"), Ok(Limit::Amount(5000.0)));
        assert!(parse_metric("win_rate", false).is_err());
        assert_eq!(
            name(&parse_metric("win_rate=2pp", true).unwrap_or(Gate::ChangedCount(0))),
            "--fail-if-metric-rises win_rate=2pp"
        );
    }

    #[test]
    fn the_manifest_table_names_its_mistakes() {
        let ok: toml::Table = toml::from_str(
            "fail_if_changed = \"5%\"\nfail_if_metric_drops = { win_rate = \"2%\" }",
        )
        .unwrap_or_default();
        assert_eq!(from_manifest(&ok).map(|g| g.len()), Ok(2));
        let typo: toml::Table = toml::from_str("fail_if_change = \"5%\"").unwrap_or_default();
        let err = from_manifest(&typo)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("no setting `fail_if_change`"), "{err}");
    }
}
