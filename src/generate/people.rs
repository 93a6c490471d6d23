//! The cast of the generated data: companies, people, titles, pages.
//! Plain word lists; every choice is drawn from the seeded generator.

use rand::Rng;
use rand::seq::IndexedRandom;

pub const FIRST: &[&str] = &[
    "Amara", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Isla", "Jonas", "Kemi",
    "Liam", "Maya", "Nikhil", "Olga", "Pablo", "Quinn", "Rosa", "Sam", "Tariq", "Uma", "Viktor",
    "Wen", "Ximena", "Yusuf", "Zoe", "Aoife", "Bruno", "Carmen", "Dmitri", "Esther", "Felix",
];

pub const LAST: &[&str] = &[
    "Adeyemi",
    "Brennan",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Gupta",
    "Hughes",
    "Ivanova",
    "Jensen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Patel",
    "Quiroga",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Usman",
    "Varga",
    "Walsh",
    "Xu",
    "Yilmaz",
    "Zhang",
    "Murphy",
    "Novak",
];

const COMPANY_A: &[&str] = &[
    "north", "blue", "iron", "silver", "bright", "cedar", "delta", "ember", "granite", "harbor",
    "nimbus", "orbit", "quartz", "river", "summit", "vertex", "willow", "zenith", "apex", "lumen",
];
const COMPANY_B: &[&str] = &[
    "works",
    "labs",
    "logistics",
    "health",
    "bank",
    "retail",
    "systems",
    "foods",
    "energy",
    "analytics",
    "cloud",
    "motors",
    "media",
    "pay",
    "freight",
    "learning",
];

/// Industries, with how often they occur.
pub const INDUSTRIES: &[(&str, u32)] = &[
    ("software", 30),
    ("fintech", 14),
    ("manufacturing", 14),
    ("retail", 12),
    ("healthcare", 10),
    ("logistics", 8),
    ("education", 6),
];

pub const REGIONS: &[(&str, u32)] = &[("emea", 50), ("amer", 35), ("apac", 15)];

/// A job: title, seniority (the schema's enum), department (or none), and
/// how often it appears in a buying group.
pub struct Job {
    pub title: &'static str,
    pub seniority: &'static str,
    pub department: Option<&'static str>,
    pub weight: u32,
}

pub const JOBS: &[Job] = &[
    job("Software Engineer", "ic", Some("IT"), 14),
    job("Operations Analyst", "ic", Some("Operations"), 10),
    job("Marketing Executive", "ic", Some("Marketing"), 8),
    job("Finance Analyst", "ic", Some("Finance"), 6),
    job("IT Manager", "manager", Some("IT"), 9),
    job("Procurement Manager", "manager", Some("Procurement"), 6),
    job("Marketing Manager", "manager", Some("Marketing"), 7),
    job("Head of IT", "director", Some("IT"), 6),
    job("Director of Operations", "director", Some("Operations"), 5),
    job("VP Engineering", "executive", Some("IT"), 4),
    job("VP Finance", "executive", Some("Finance"), 3),
    job("CFO", "executive", Some("Finance"), 3),
    job("CEO", "executive", None, 2),
    job("Owner", "executive", None, 1),
    job("Consultant", "ic", None, 3),
];

const fn job(
    title: &'static str,
    seniority: &'static str,
    department: Option<&'static str>,
    weight: u32,
) -> Job {
    Job {
        title,
        seniority,
        department,
        weight,
    }
}

/// A job one step up, for promotions recorded as `update` events.
pub fn promotion(title: &str) -> Option<(&'static str, &'static str)> {
    match title {
        "Software Engineer" => Some(("IT Manager", "manager")),
        "IT Manager" => Some(("Head of IT", "director")),
        "Operations Analyst" => Some(("Director of Operations", "director")),
        "Marketing Executive" => Some(("Marketing Manager", "manager")),
        "Finance Analyst" => Some(("VP Finance", "executive")),
        _ => None,
    }
}

pub const REPS: &[&str] = &[
    "r.okafor", "j.walsh", "m.tanaka", "s.rossi", "a.patel", "k.jensen", "d.moreau", "l.novak",
];

/// Each rep's office and manager, by the rep's place in [`REPS`]: the
/// sales org a scoreboard is cut by.
pub const REP_ORG: &[(&str, &str)] = &[
    ("London", "e.brennan"),
    ("London", "e.brennan"),
    ("London", "h.fischer"),
    ("Boston", "c.costa"),
    ("Boston", "c.costa"),
    ("Boston", "t.usman"),
    ("Singapore", "w.xu"),
    ("Singapore", "w.xu"),
];

/// The SDRs who work accounts, round-robin by account.
pub const SDRS: &[&str] = &["n.ivanova", "p.quiroga", "y.zhang"];

/// The office and manager of `rep`.
pub fn org_of(rep: &str) -> Option<(&'static str, &'static str)> {
    let i = REPS.iter().position(|r| *r == rep)?;
    REP_ORG.get(i).copied()
}

/// How fast each rep follows up, as a multiple of a typical delay: most
/// are quick, two are often late.
pub const REP_SPEED: &[f64] = &[0.4, 0.6, 0.7, 0.8, 1.0, 1.1, 2.6, 3.2];

pub const BLOG: &[&str] = &[
    "/blog/revenue-ops-checklist",
    "/blog/lead-scoring-myths",
    "/blog/sla-between-sales-and-marketing",
    "/blog/buying-groups",
    "/blog/pipeline-velocity",
    "/blog/attribution-models",
];
pub const CUSTOMERS: &[&str] = &[
    "/customers/northwind",
    "/customers/globex",
    "/customers/initech",
    "/customers/umbrella",
];
pub const DOCS: &[&str] = &[
    "/docs/getting-started",
    "/docs/integrations/salesforce",
    "/docs/api",
    "/docs/security",
];
pub const CONTENT: &[&str] = &["whitepaper", "ebook", "benchmark"];
pub const WEBINARS: &[&str] = &[
    "Aligning sales and marketing",
    "SLAs that stick",
    "Buying groups in practice",
    "Forecasting with pipeline velocity",
];
pub const LOST_REASONS: &[&str] = &[
    "price",
    "no budget",
    "chose a competitor",
    "timing",
    "no decision",
];
pub const REJECT_REASONS: &[&str] = &[
    "student",
    "too small",
    "no project",
    "wrong region",
    "already a customer of a partner",
];

/// A weighted choice; `None` only for an empty list.
pub fn weighted<'a, T>(rng: &mut impl Rng, items: &'a [(T, u32)]) -> Option<&'a T> {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    if total == 0 {
        return None;
    }
    let mut pick = rng.random_range(0..total);
    for (item, w) in items {
        if pick < *w {
            return Some(item);
        }
        pick -= w;
    }
    None
}

pub fn pick_job(rng: &mut impl Rng) -> &'static Job {
    let total: u32 = JOBS.iter().map(|j| j.weight).sum();
    let mut pick = rng.random_range(0..total.max(1));
    for j in JOBS {
        if pick < j.weight {
            return j;
        }
        pick -= j.weight;
    }
    &FALLBACK_JOB
}

const FALLBACK_JOB: Job = job("Consultant", "ic", None, 0);

pub fn one<'a>(rng: &mut impl Rng, items: &'a [&'a str]) -> &'a str {
    items.choose(rng).copied().unwrap_or("")
}

pub fn company(rng: &mut impl Rng, index: usize) -> (String, String) {
    let a = one(rng, COMPANY_A);
    let b = one(rng, COMPANY_B);
    let name = format!("{a}{b}");
    // The index keeps domains unique however the words fall.
    (name.clone(), format!("{name}-{index}.example"))
}
