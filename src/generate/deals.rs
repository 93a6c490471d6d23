//! Deal exports in the two shapes revenue teams hand over, for
//! `examples/deals/`: one row per deal with a separate teams file (agent,
//! product, account, stage, engage and close dates, value, as a CRM's
//! "opportunities" report writes it), and Salesforce's objects
//! (Opportunity, OpportunityHistory, OpportunityContactRole).
//!
//! Dates and amounts are written as US exports write them (`1/17/2025`,
//! `"1,234.00"`), so reading them exercises the manifest's formats. The
//! same seed gives byte-identical files.

use std::fmt::Write as _;

use chrono::{Duration, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Which export to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DealShape {
    /// `sales_pipeline.csv` and `sales_teams.csv`.
    Pipeline,
    /// `Opportunity.csv`, `OpportunityHistory.csv`,
    /// `OpportunityContactRole.csv` and `Contact.csv`.
    Salesforce,
}

/// The files of one export, by name, with their text.
pub type DealFiles = Vec<(&'static str, String)>;

const AGENTS: [(&str, &str, &str); 12] = [
    ("Anna Snelling", "Dustin Brinkmann", "Central"),
    ("Cecily Lampkin", "Dustin Brinkmann", "Central"),
    ("Versie Hillebrand", "Dustin Brinkmann", "Central"),
    ("Moses Frase", "Melvin Marxen", "Central"),
    ("Jonathan Berthelot", "Melvin Marxen", "Central"),
    ("Corliss Cosme", "Rocco Neubert", "East"),
    ("Garret Kinder", "Rocco Neubert", "East"),
    ("Rosalina Dieter", "Celia Rouche", "East"),
    ("Daniell Hammack", "Celia Rouche", "East"),
    ("Markita Hansen", "Summer Sewald", "West"),
    ("Vicki Laflamme", "Summer Sewald", "West"),
    ("Hayden Neloms", "Cara Losch", "West"),
];

const PRODUCTS: [(&str, u32); 5] = [
    ("GTX Basic", 550),
    ("GTX Pro", 4_821),
    ("MG Special", 55),
    ("MG Advanced", 3_393),
    ("GTK 500", 26_768),
];

const ACCOUNTS: [&str; 24] = [
    "Acme Corporation",
    "Betasoloin",
    "Bioholding",
    "Cancity",
    "Codehow",
    "Condax",
    "Domzoom",
    "Dontechi",
    "Finhigh",
    "Funholding",
    "Genco Pura Olive Oil",
    "Goodsilron",
    "Hottechi",
    "Isdom",
    "Kan-code",
    "Konex",
    "Lexiqvolax",
    "Mathtouch",
    "Nam-zim",
    "Opentech",
    "Plexzap",
    "Rangreen",
    "Sonron",
    "Zotware",
];

/// Where a generated deal ended up, as the export says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Prospecting,
    Engaging,
    Won,
    Lost,
}

/// One generated deal.
struct GenDeal {
    id: String,
    agent: usize,
    product: usize,
    account: Option<usize>,
    outcome: Outcome,
    created: NaiveDate,
    engaged: Option<NaiveDate>,
    closed: Option<NaiveDate>,
    value: Option<u32>,
    source: &'static str,
}

/// `deals` deals opened between `from` and `to`, from `seed`.
fn deals(seed: u64, count: usize, from: NaiveDate, to: NaiveDate) -> Vec<GenDeal> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let span = (to - from).num_days().max(1);
    let mut out = Vec::with_capacity(count);
    for n in 0..count {
        let created = from + Duration::days(rng.random_range(0..span));
        let roll: f64 = rng.random();
        // Deals opened late have had less time to close.
        let age = (to - created).num_days();
        let outcome = if roll < 0.08 {
            Outcome::Prospecting
        } else if roll < 0.20 || age < 20 {
            Outcome::Engaging
        } else if roll < 0.64 {
            Outcome::Won
        } else {
            Outcome::Lost
        };
        let engaged = (outcome != Outcome::Prospecting)
            .then(|| created + Duration::days(rng.random_range(0..6)))
            .filter(|d| *d <= to);
        let outcome = if engaged.is_none() {
            Outcome::Prospecting
        } else {
            outcome
        };
        // Most deals close within five months; a few drag on past six.
        let cycle = if rng.random_bool(0.05) {
            rng.random_range(150..260)
        } else {
            rng.random_range(4..140)
        };
        let closed = match (outcome, engaged) {
            (Outcome::Won | Outcome::Lost, Some(e)) => {
                Some(e + Duration::days(cycle)).filter(|c| *c <= to)
            }
            _ => None,
        };
        let outcome = match (outcome, closed) {
            (Outcome::Won | Outcome::Lost, None) => Outcome::Engaging,
            (o, _) => o,
        };
        let product = rng.random_range(0..PRODUCTS.len());
        let price = PRODUCTS.get(product).map_or(100, |p| p.1);
        let value = match outcome {
            Outcome::Won => Some(price * rng.random_range(85..112) / 100),
            Outcome::Lost => Some(0),
            _ => None,
        };
        let account = (!(outcome == Outcome::Prospecting && rng.random_bool(0.5)))
            .then(|| rng.random_range(0..ACCOUNTS.len()));
        let source = match rng.random_range(0..10) {
            0..=3 => "Web",
            4..=7 => "Outbound",
            _ => "Partner Referral",
        };
        out.push(GenDeal {
            id: format!("006{:07}", n + 1),
            agent: rng.random_range(0..AGENTS.len()),
            product,
            account,
            outcome,
            created,
            engaged,
            closed,
            value,
            source,
        });
    }
    out
}

fn us_date(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%-m/%-d/%Y").to_string())
        .unwrap_or_default()
}

fn us_amount(v: Option<u32>) -> String {
    match v {
        None => String::new(),
        Some(v) if v >= 1000 => format!("\"{},{:03}.00\"", v / 1000, v % 1000),
        Some(v) => format!("{v}.00"),
    }
}

/// The files of `shape` for `count` deals opened from `from` to `to`.
pub fn deal_exports(
    shape: DealShape,
    seed: u64,
    count: usize,
    from: NaiveDate,
    to: NaiveDate,
) -> DealFiles {
    let deals = deals(seed, count, from, to);
    match shape {
        DealShape::Pipeline => pipeline(&deals),
        DealShape::Salesforce => salesforce(&deals, seed),
    }
}

fn pipeline(deals: &[GenDeal]) -> DealFiles {
    let mut rows = String::from(
        "opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value\n",
    );
    for d in deals {
        let stage = match d.outcome {
            Outcome::Prospecting => "Prospecting",
            Outcome::Engaging => "Engaging",
            Outcome::Won => "Won",
            Outcome::Lost => "Lost",
        };
        let _ = writeln!(
            rows,
            "{},{},{},{},{stage},{},{},{}",
            d.id,
            AGENTS.get(d.agent).map_or("", |a| a.0),
            PRODUCTS.get(d.product).map_or("", |p| p.0),
            d.account
                .and_then(|a| ACCOUNTS.get(a))
                .copied()
                .unwrap_or_default(),
            us_date(d.engaged),
            us_date(d.closed),
            us_amount(d.value),
        );
    }
    let mut teams = String::from("sales_agent,manager,regional_office\n");
    for (agent, manager, office) in AGENTS {
        let _ = writeln!(teams, "{agent},{manager},{office}");
    }
    vec![("sales_pipeline.csv", rows), ("sales_teams.csv", teams)]
}

/// Salesforce's objects: each deal's row, its stage history (one row per
/// stage change, in no particular order), and its contacts' roles.
fn salesforce(deals: &[GenDeal], seed: u64) -> DealFiles {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5A1E5);
    let mut opps = String::from(
        "Id,AccountId,OwnerId,Name,Amount,LeadSource,CreatedDate,StageName,CloseDate\n",
    );
    let mut history = String::from("Id,OpportunityId,CreatedDate,StageName,Amount\n");
    let mut roles = String::from("Id,OpportunityId,ContactId,Role,IsPrimary\n");
    let mut contacts = String::from("Id,AccountId,Title,CreatedDate,MQLDate\n");
    let mut changes: Vec<String> = Vec::new();
    let mut contact_n = 0usize;
    for d in deals {
        let stage = match d.outcome {
            Outcome::Prospecting => "Prospecting",
            Outcome::Engaging => "Needs Analysis",
            Outcome::Won => "Closed Won",
            Outcome::Lost => "Closed Lost",
        };
        let account = d.account.map(|a| format!("001{a:05}")).unwrap_or_default();
        let _ = writeln!(
            opps,
            "{},{account},{},{} {},{},{},{},{stage},{}",
            d.id,
            AGENTS.get(d.agent).map_or("", |a| a.0),
            PRODUCTS.get(d.product).map_or("", |p| p.0),
            d.id,
            us_amount(d.value),
            d.source,
            us_date(Some(d.created)),
            us_date(d.closed.or(d.engaged)),
        );
        let mut step = |at: NaiveDate, name: &str, amount: Option<u32>| {
            changes.push(format!(
                "{},{},{name},{}",
                d.id,
                us_date(Some(at)),
                us_amount(amount)
            ));
        };
        step(d.created, "Prospecting", None);
        if let Some(e) = d.engaged {
            step(e, "Needs Analysis", None);
        }
        if let Some(c) = d.closed {
            step(c, stage, d.value);
        }
        if let Some(a) = d.account {
            for role in ["Economic Buyer", "Technical Evaluator", "Business User"] {
                if rng.random_bool(0.55) {
                    contact_n += 1;
                    let id = format!("003{contact_n:06}");
                    let created = d.created - Duration::days(rng.random_range(0..60));
                    // Most contacts become marketing-qualified, some
                    // before the deal opens and some after.
                    let mql = rng
                        .random_bool(0.6)
                        .then(|| created + Duration::days(rng.random_range(0..90)));
                    let _ = writeln!(
                        contacts,
                        "{id},001{a:05},{role},{},{}",
                        us_date(Some(created)),
                        us_date(mql)
                    );
                    let _ = writeln!(roles, "00K{contact_n:06},{},{id},{role},false", d.id);
                }
            }
        }
    }
    // Exports list history by its own id, not by deal or time: read in
    // any order.
    changes.sort_by_key(|r| r.chars().rev().collect::<String>());
    for (i, c) in changes.iter().enumerate() {
        let _ = writeln!(history, "008{i:06},{c}");
    }
    vec![
        ("Opportunity.csv", opps),
        ("OpportunityHistory.csv", history),
        ("OpportunityContactRole.csv", roles),
        ("Contact.csv", contacts),
    ]
}
