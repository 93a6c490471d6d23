//! One account's story: its people, their marketing activity, and what
//! sales made of the hand-raisers. The story is told with plausible human
//! behaviour (quick and slow reps, rejected leads, deals that go dark), not
//! by reading the policy, so the policy's verdicts on it are a real test.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeZone, Weekday};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{Value as Json, json};

use super::people::{self, Job, one, weighted};
use crate::data::time::{Instant, local};
use crate::eval::calendar::Calendar;
use crate::ir::Duration;

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

/// When an event happened: an exact instant, or a date as CRMs store close
/// dates.
#[derive(Debug, Clone, Copy)]
pub enum When {
    At(Instant),
    Date(NaiveDate),
}

#[derive(Debug, Clone)]
pub struct GenEvent {
    pub id: String,
    pub contact: String,
    pub at: When,
    /// For ordering the output.
    pub sort: Instant,
    pub ty: &'static str,
    pub fields: Vec<(&'static str, Json)>,
    pub opportunity: Option<String>,
}

#[derive(Debug, Clone)]
pub struct GenContact {
    pub id: String,
    pub account: Option<String>,
    pub created_at: Instant,
    pub email: String,
    pub title: &'static str,
    pub department: Option<&'static str>,
    pub seniority: &'static str,
    pub consent_given_on: Option<NaiveDate>,
    pub last_enriched_at: Option<Instant>,
    pub owner: Option<&'static str>,
}

#[derive(Debug, Clone)]
pub struct GenAccount {
    pub id: String,
    pub domain: String,
    pub employees: u32,
    pub industry: &'static str,
    pub region: &'static str,
    pub annual_revenue: Option<u64>,
}

#[derive(Debug, Default)]
pub struct Story {
    pub account: Option<GenAccount>,
    pub contacts: Vec<GenContact>,
    pub events: Vec<GenEvent>,
}

/// The period and the business calendar every story shares.
pub struct World<'a> {
    pub calendar: &'a Calendar,
    pub start: Instant,
    pub end: Instant,
}

#[derive(Clone, Copy, PartialEq)]
enum Intent {
    Hot,
    Warm,
    Cold,
}

/// What the account as a whole has been through so far.
struct Deals {
    open_until: Instant,
    won: bool,
    count: usize,
}

struct Teller<'w> {
    rng: ChaCha8Rng,
    world: &'w World<'w>,
    prefix: String,
    seq: usize,
    story: Story,
}

/// Tells the story of account number `index` (or of a lone sign-up with no
/// account), using its own random stream so stories do not depend on each
/// other.
pub fn tell(world: &World<'_>, rng: ChaCha8Rng, index: usize) -> Story {
    let mut t = Teller {
        rng,
        world,
        prefix: format!("{index:05}"),
        seq: 0,
        story: Story::default(),
    };
    if t.rng.random_bool(0.04) {
        t.lone_signup();
    } else {
        t.account(index);
    }
    let mut story = t.story;
    story
        .events
        .sort_by(|a, b| a.sort.cmp(&b.sort).then(a.id.cmp(&b.id)));
    story
}

impl Teller<'_> {
    fn id(&mut self) -> String {
        self.seq += 1;
        format!("e-{}-{:03}", self.prefix, self.seq)
    }

    fn emit(
        &mut self,
        contact: &str,
        at: When,
        ty: &'static str,
        fields: Vec<(&'static str, Json)>,
    ) {
        self.emit_deal(contact, at, ty, fields, None);
    }

    fn emit_deal(
        &mut self,
        contact: &str,
        at: When,
        ty: &'static str,
        fields: Vec<(&'static str, Json)>,
        opportunity: Option<String>,
    ) {
        let sort = match at {
            When::At(i) => i,
            When::Date(d) => self.day_start(d) + DAY - 1000,
        };
        if sort >= self.world.end {
            return;
        }
        let id = self.id();
        self.story.events.push(GenEvent {
            id,
            contact: contact.to_string(),
            at,
            sort,
            ty,
            fields,
            opportunity,
        });
    }

    // --- time -------------------------------------------------------------

    fn tz(&self) -> chrono_tz::Tz {
        self.world.calendar.tz
    }

    fn date_of(&self, at: Instant) -> NaiveDate {
        DateTime::from_timestamp_millis(at)
            .map(|d| self.tz().from_utc_datetime(&d.naive_utc()).date_naive())
            .unwrap_or_default()
    }

    fn day_start(&self, d: NaiveDate) -> Instant {
        local(d.and_time(NaiveTime::MIN), self.tz()).unwrap_or(self.world.start)
    }

    /// An exponential wait with the given mean, in milliseconds.
    fn wait(&mut self, mean_days: f64) -> i64 {
        let u: f64 = self.rng.random_range(0.0..1.0);
        (-mean_days * (1.0 - u).ln() * DAY as f64) as i64
    }

    /// Some time on the same local day as `at` when people browse: mostly
    /// working hours, some evenings.
    fn browsing_time(&mut self, at: Instant) -> Instant {
        let day = self.date_of(at);
        let hour = *weighted(
            &mut self.rng,
            &[
                (8, 2),
                (9, 4),
                (10, 6),
                (11, 6),
                (13, 5),
                (14, 6),
                (15, 5),
                (16, 4),
                (19, 2),
                (21, 2),
            ],
        )
        .unwrap_or(&10);
        let minute = self.rng.random_range(0..60);
        let t =
            NaiveTime::from_hms_opt(hour, minute, self.rng.random_range(0..60)).unwrap_or_default();
        local(day.and_time(t), self.tz()).unwrap_or(at).max(at)
    }

    /// `hours` business hours after `at`, plus a few minutes.
    fn work_after(&mut self, at: Instant, hours: f64) -> Instant {
        let whole = hours.max(0.0).floor() as i64;
        let t = self.world.calendar.add(at, Duration::BusinessHours(whole));
        let t = self.world.calendar.next_opening(t);
        t + self.rng.random_range(1..50) * 60_000
    }

    /// A working moment about `days` calendar days after `at`.
    fn workday_after(&mut self, at: Instant, days: std::ops::Range<i64>) -> Instant {
        let days = self.rng.random_range(days);
        let date = self.date_of(at + days * DAY);
        let date = match date.weekday() {
            Weekday::Sat => date + chrono::Duration::days(2),
            Weekday::Sun => date + chrono::Duration::days(1),
            _ => date,
        };
        let t = NaiveTime::from_hms_opt(
            self.rng.random_range(9..17),
            self.rng.random_range(0..60),
            0,
        )
        .unwrap_or_default();
        let at2 = local(date.and_time(t), self.tz()).unwrap_or(at);
        self.world.calendar.next_opening(at2.max(at))
    }

    // --- people -----------------------------------------------------------

    fn lone_signup(&mut self) {
        let span = self.world.end - self.world.start;
        let created = self.world.start + self.rng.random_range(0..span.max(1) * 9 / 10);
        let first = one(&mut self.rng, people::FIRST).to_lowercase();
        let last = one(&mut self.rng, people::LAST).to_lowercase();
        let c = GenContact {
            id: format!("c-{}-01", self.prefix),
            account: None,
            created_at: created,
            email: format!("{first}.{last}{}@gmail.com", self.rng.random_range(1..99)),
            title: "Consultant",
            department: None,
            seniority: "ic",
            consent_given_on: Some(self.date_of(created)),
            last_enriched_at: None,
            owner: None,
        };
        let mut deals = Deals {
            open_until: 0,
            won: false,
            count: 0,
        };
        self.live(&c, 0.8, Intent::Cold, 0, &mut deals);
        self.story.contacts.push(c);
    }

    fn account(&mut self, index: usize) {
        let intent = *weighted(
            &mut self.rng,
            &[(Intent::Hot, 25), (Intent::Warm, 40), (Intent::Cold, 35)],
        )
        .unwrap_or(&Intent::Cold);
        let (_, domain) = people::company(&mut self.rng, index);
        let employees = (self.rng.random_range(2.0f64..10.5).exp()) as u32 + 3;
        let industry = *weighted(&mut self.rng, people::INDUSTRIES).unwrap_or(&"software");
        let region = *weighted(&mut self.rng, people::REGIONS).unwrap_or(&"emea");
        let annual_revenue = self
            .rng
            .random_bool(0.7)
            .then(|| u64::from(employees) * self.rng.random_range(60..250) * 1_000);
        let account = GenAccount {
            id: format!("a-{}", self.prefix),
            domain: domain.clone(),
            employees,
            industry,
            region,
            annual_revenue,
        };
        let span = self.world.end - self.world.start;
        let start = self.world.start + self.rng.random_range(0..span.max(1) * 8 / 10);
        let people = match intent {
            Intent::Hot => self.rng.random_range(4..=14),
            Intent::Warm => self.rng.random_range(2..=9),
            Intent::Cold => self.rng.random_range(1..=5),
        };
        let rep = self.rng.random_range(0..people::REPS.len());
        // Hot accounts usually have someone who signs.
        let buyer_at = (intent == Intent::Hot && self.rng.random_bool(0.6))
            .then(|| self.rng.random_range(0..people));
        let mut contacts = Vec::new();
        for k in 0..people {
            let created = start + self.wait(25.0);
            if created >= self.world.end - 2 * DAY {
                continue;
            }
            let job = if buyer_at == Some(k) {
                people::JOBS
                    .iter()
                    .find(|j| j.title == "CFO")
                    .unwrap_or(people::pick_job(&mut self.rng))
            } else {
                people::pick_job(&mut self.rng)
            };
            contacts.push(self.person(k + 1, created, job, &account, rep));
        }
        contacts.sort_by_key(|c| c.created_at);
        let mut deals = Deals {
            open_until: 0,
            won: false,
            count: 0,
        };
        for c in &contacts {
            let interest = match intent {
                Intent::Hot => 2.6,
                Intent::Warm => 1.3,
                Intent::Cold => 0.5,
            } * self.rng.random_range(0.5..1.5);
            let fit = policy_fit(c, &account);
            self.live(c, interest, intent, fit, &mut deals);
            if self.rng.random_bool(0.015) {
                self.duplicate(c);
            }
        }
        self.story.contacts.extend(contacts);
        self.story.account = Some(account);
    }

    fn person(
        &mut self,
        k: usize,
        created: Instant,
        job: &'static Job,
        account: &GenAccount,
        rep: usize,
    ) -> GenContact {
        let first = one(&mut self.rng, people::FIRST).to_lowercase();
        let last = one(&mut self.rng, people::LAST).to_lowercase();
        let email = if self.rng.random_bool(0.04) {
            format!("{first}.{last}@gmail.com")
        } else if self.rng.random_bool(0.01) {
            format!("{first}.{last}@rival.example")
        } else {
            format!("{first}.{last}@{}", account.domain)
        };
        GenContact {
            id: format!("c-{}-{k:02}", self.prefix),
            account: Some(account.id.clone()),
            created_at: created,
            email,
            title: job.title,
            department: job.department,
            seniority: job.seniority,
            consent_given_on: self.rng.random_bool(0.8).then(|| self.date_of(created)),
            last_enriched_at: self.rng.random_bool(0.5).then(|| created + self.wait(10.0)),
            owner: people::REPS.get(rep).copied(),
        }
    }

    /// A duplicate record of `c` made later, with a little activity, then
    /// merged into `c` in the CRM.
    fn duplicate(&mut self, c: &GenContact) {
        let dup = GenContact {
            id: format!("{}-dup", c.id),
            created_at: c.created_at + self.wait(20.0) + HOUR,
            consent_given_on: None,
            last_enriched_at: None,
            ..c.clone()
        };
        let mut t = dup.created_at;
        for _ in 0..self.rng.random_range(1..=3) {
            let gap = self.wait(2.0);
            t = self.browsing_time(t + gap);
            let url = one(&mut self.rng, people::BLOG).to_string();
            self.emit(&dup.id, When::At(t), "page_view", vec![("url", json!(url))]);
        }
        let merged = t + self.wait(3.0) + HOUR;
        self.emit(
            &dup.id,
            When::At(merged),
            "merge",
            vec![("into", json!(c.id))],
        );
        self.story.contacts.push(dup);
    }

    // --- a contact's life ------------------------------------------------

    /// Marketing activity from creation to the end of the period, with
    /// sales stepping in when the contact raises a hand.
    fn live(
        &mut self,
        c: &GenContact,
        mut interest: f64,
        intent: Intent,
        fit: i32,
        deals: &mut Deals,
    ) {
        let id = c.id.clone();
        let start = c.created_at;
        if self.rng.random_bool(0.7) {
            self.emit(
                &id,
                When::At(start),
                "form_submit",
                vec![("form", json!("newsletter"))],
            );
        } else {
            self.emit(&id, When::At(start), "page_view", vec![("url", json!("/"))]);
        }
        if self.rng.random_bool(0.02) && c.account.is_some() {
            // Sales found this one themselves.
            let at = self.workday_after(start, 1..10);
            self.opportunity(&id, at, intent, deals);
            return;
        }
        let mut promoted_at = self.rng.random_bool(0.06).then(|| start + self.wait(120.0));
        let mut consent_at = (c.consent_given_on.is_none() && self.rng.random_bool(0.4))
            .then(|| start + self.wait(60.0));
        let mut consented = c.consent_given_on.is_some();
        let mut engagement = 0.0f64;
        let mut last = start;
        let mut pricing: Vec<Instant> = Vec::new();
        let mut busy_until = start;
        let mut nurture = false;
        let mut t = start;
        for _ in 0..60 {
            t += self.wait(30.0 / interest.max(0.05));
            if t >= self.world.end {
                break;
            }
            let s = self.browsing_time(t);
            engagement *= 0.5f64.powf((s - last) as f64 / (30.0 * DAY as f64));
            last = s;
            if let Some(p) = promoted_at.filter(|p| *p <= s)
                && let Some((title, seniority)) = people::promotion(c.title)
            {
                self.emit(
                    &id,
                    When::At(p.max(start)),
                    "update",
                    vec![("title", json!(title)), ("seniority", json!(seniority))],
                );
                promoted_at = None;
            }
            if let Some(at) = consent_at.filter(|a| *a <= s) {
                let day = self.date_of(at);
                self.emit(
                    &id,
                    When::At(at.max(start)),
                    "update",
                    vec![("consent_given_on", json!(day.to_string()))],
                );
                consent_at = None;
                consented = true;
            }
            if self.rng.random_bool(0.3) {
                let month = self.date_of(s).format("%y%m");
                let campaign = if nurture {
                    format!("nurture-{month}")
                } else {
                    format!("newsletter-{month}")
                };
                self.emit(
                    &id,
                    When::At(s),
                    "email_click",
                    vec![("campaign", json!(campaign))],
                );
                engagement += if nurture { 4.0 } else { 0.0 };
            }
            let pages = self.rng.random_range(1..=3);
            for p in 0..pages {
                let url = self.url(interest, c.department == Some("IT"));
                if url.contains("/pricing") {
                    pricing.push(s);
                    engagement += 10.0;
                }
                engagement += 1.0;
                self.emit(
                    &id,
                    When::At(s + p * 90_000),
                    "page_view",
                    vec![("url", json!(url))],
                );
            }
            if self.rng.random_bool(0.07) {
                let form = one(&mut self.rng, people::CONTENT);
                self.emit(
                    &id,
                    When::At(s + 10 * 60_000),
                    "form_submit",
                    vec![("form", json!(form))],
                );
                engagement += 8.0;
            }
            if self.rng.random_bool(0.035) {
                let name = one(&mut self.rng, people::WEBINARS);
                self.emit(
                    &id,
                    When::At(s + 20 * 60_000),
                    "webinar",
                    vec![("name", json!(name))],
                );
                engagement += 12.0;
            }
            interest *= 0.985;
            if s < busy_until || deals.won && c.account.is_some() {
                continue;
            }
            let demo = self.rng.random_bool((0.03 * interest).min(0.5));
            if demo {
                self.emit(
                    &id,
                    When::At(s + 15 * 60_000),
                    "form_submit",
                    vec![("form", json!("demo"))],
                );
                engagement += 30.0;
            }
            let burst = pricing.iter().filter(|p| s - **p <= 7 * DAY).count() >= 3;
            // Sales works the CRM's MQL list (a good fit with consent and
            // enough engagement) and hand-raisers, and misses a few.
            let mql = fit >= 30 && engagement >= 40.0 && consented;
            let raised = (demo || burst) && fit >= 20;
            if (mql || raised) && self.rng.random_bool(0.9) {
                let outcome = self.sales(c, s + 20 * 60_000, intent, fit >= 30, deals);
                busy_until = outcome.busy_until;
                interest *= outcome.interest;
                nurture = outcome.nurture;
                engagement = 0.0;
                pricing.clear();
            }
        }
    }

    fn url(&mut self, interest: f64, technical: bool) -> String {
        let pricing = (1.0 + interest * 2.0) as u32;
        let docs = if technical { 4 } else { 1 };
        match weighted(
            &mut self.rng,
            &[(0, 2), (1, 5), (2, 2), (3, pricing), (4, 1), (5, docs)],
        ) {
            Some(0) => "/".into(),
            Some(1) => one(&mut self.rng, people::BLOG).into(),
            Some(2) => "/product".into(),
            Some(3) => {
                if self.rng.random_bool(0.3) {
                    "/pricing?plan=enterprise".into()
                } else {
                    "/pricing".into()
                }
            }
            Some(4) => one(&mut self.rng, people::CUSTOMERS).into(),
            _ => one(&mut self.rng, people::DOCS).into(),
        }
    }
}

/// How a sales episode ended, for the contact's marketing life.
struct Outcome {
    busy_until: Instant,
    interest: f64,
    nurture: bool,
}

impl Teller<'_> {
    fn speed(&self, c: &GenContact) -> f64 {
        c.owner
            .and_then(|o| people::REPS.iter().position(|r| *r == o))
            .and_then(|i| people::REP_SPEED.get(i))
            .copied()
            .unwrap_or(1.5)
    }

    /// Sales follows up a hand-raiser: calls, feedback, meetings, and
    /// maybe a deal.
    fn sales(
        &mut self,
        c: &GenContact,
        raised: Instant,
        intent: Intent,
        fit: bool,
        deals: &mut Deals,
    ) -> Outcome {
        let id = c.id.clone();
        let speed = self.speed(c);
        let ignored = Outcome {
            busy_until: raised + 35 * DAY,
            interest: 0.7,
            nurture: false,
        };
        if self.rng.random_bool(0.06) {
            return ignored;
        }
        let delay = (self.wait(0.25) as f64 / HOUR as f64 * speed).min(80.0);
        let mut call = self.work_after(raised, delay);
        let mut connected = false;
        for _ in 0..3 {
            let outcome = *weighted(
                &mut self.rng,
                &[("connected", 55), ("voicemail", 30), ("no_answer", 15)],
            )
            .unwrap_or(&"voicemail");
            self.emit(
                &id,
                When::At(call),
                "sales_call",
                vec![("outcome", json!(outcome))],
            );
            if outcome == "connected" {
                connected = true;
                break;
            }
            let gap = self.rng.random_range(4.0..20.0);
            call = self.work_after(call, gap);
        }
        if self.rng.random_bool(0.08) {
            return ignored;
        }
        let wait = self.rng.random_range(1.0..30.0) * speed;
        let feedback = self.work_after(raised, wait);
        let competitor = c.email.ends_with("@rival.example");
        let accept = !competitor && self.rng.random_bool(if fit { 0.78 } else { 0.35 });
        if !accept {
            let reason = one(&mut self.rng, people::REJECT_REASONS);
            self.emit(
                &id,
                When::At(feedback),
                "sales_feedback",
                vec![("verdict", json!("reject")), ("reason", json!(reason))],
            );
            if self.rng.random_bool(0.6) {
                let later = feedback + self.wait(4.0) + HOUR;
                let at = self.browsing_time(later);
                let month = self.date_of(at).format("%y%m");
                self.emit(
                    &id,
                    When::At(at),
                    "email_click",
                    vec![("campaign", json!(format!("nurture-{month}")))],
                );
            }
            return Outcome {
                busy_until: feedback + 20 * DAY,
                interest: 0.6,
                nurture: true,
            };
        }
        self.emit(
            &id,
            When::At(feedback),
            "sales_feedback",
            vec![("verdict", json!("accept"))],
        );
        if !connected {
            let gap = self.rng.random_range(8.0..40.0);
            let at = self.work_after(feedback, gap);
            self.emit(
                &id,
                When::At(at),
                "sales_call",
                vec![("outcome", json!("connected"))],
            );
        }
        let mut meeting = self.workday_after(feedback, 3..12);
        let mut held = self.rng.random_bool(0.8);
        self.emit(
            &id,
            When::At(meeting),
            "meeting",
            vec![("outcome", json!(if held { "held" } else { "no_show" }))],
        );
        if !held && self.rng.random_bool(0.6) {
            meeting = self.workday_after(meeting, 2..7);
            held = true;
            self.emit(
                &id,
                When::At(meeting),
                "meeting",
                vec![("outcome", json!("held"))],
            );
        }
        if !held {
            return Outcome {
                busy_until: meeting + 40 * DAY,
                interest: 0.7,
                nurture: false,
            };
        }
        self.discovery(&id, meeting);
        let chance = match intent {
            Intent::Hot => 0.65,
            Intent::Warm => 0.4,
            Intent::Cold => 0.25,
        };
        if c.account.is_some()
            && deals.open_until <= meeting
            && !deals.won
            && self.rng.random_bool(chance)
        {
            let at = self.workday_after(meeting, 2..21);
            let until = self.opportunity(&id, at, intent, deals);
            return Outcome {
                busy_until: until + 30 * DAY,
                interest: 0.4,
                nurture: false,
            };
        }
        Outcome {
            busy_until: meeting + 45 * DAY,
            interest: 0.8,
            nurture: false,
        }
    }

    /// What the held meeting found out (budget, timeline), written as an
    /// update an hour later.
    fn discovery(&mut self, id: &str, meeting: Instant) {
        let mut facts = Vec::new();
        if self.rng.random_bool(0.55) {
            facts.push(("budget_confirmed", json!(true)));
        }
        if self.rng.random_bool(0.3) {
            facts.push(("budget", json!(self.rng.random_range(5..120) * 1_000)));
        }
        if self.rng.random_bool(0.6) {
            let days = *weighted(
                &mut self.rng,
                &[(30, 2), (60, 3), (90, 4), (120, 2), (180, 2), (270, 1)],
            )
            .unwrap_or(&90);
            facts.push(("timeline_days", json!(days)));
        }
        if !facts.is_empty() {
            self.emit(id, When::At(meeting + HOUR), "update", facts);
        }
    }

    /// An opportunity and how it ends; returns when the account is free of
    /// it.
    fn opportunity(&mut self, id: &str, at: Instant, intent: Intent, deals: &mut Deals) -> Instant {
        deals.count += 1;
        let opp = format!("o-{}-{}", self.prefix, deals.count);
        let amount = self.rng.random_range(8..200) * 500;
        self.emit_deal(
            id,
            When::At(at),
            "opportunity_created",
            vec![("amount", json!(amount))],
            Some(opp.clone()),
        );
        let close = at + self.wait(45.0) + 10 * DAY;
        let won_chance = if intent == Intent::Hot { 0.45 } else { 0.3 };
        let roll: f64 = self.rng.random_range(0.0..1.0);
        let day = self.date_of(close);
        if roll < won_chance {
            self.emit_deal(
                id,
                When::Date(day),
                "deal_won",
                vec![("amount", json!(amount))],
                Some(opp),
            );
            if close < self.world.end {
                deals.won = true;
            }
            let kickoff = self.world.calendar.add(
                self.day_start(day) + DAY,
                Duration::BusinessDays(self.rng.random_range(0..8)),
            );
            let kickoff =
                self.world.calendar.next_opening(kickoff) + self.rng.random_range(30..300) * 60_000;
            self.emit(
                id,
                When::At(kickoff),
                "meeting",
                vec![("outcome", json!("held"))],
            );
            if self.rng.random_bool(0.2) {
                let gone = close + self.wait(120.0) + 30 * DAY;
                self.emit(id, When::At(gone), "churned", vec![]);
            }
        } else if roll < won_chance + 0.37 {
            let reason = one(&mut self.rng, people::LOST_REASONS);
            self.emit_deal(
                id,
                When::Date(day),
                "deal_lost",
                vec![("reason", json!(reason))],
                Some(opp),
            );
        } else {
            // Went dark: nobody closed it.
            deals.open_until = self.world.end;
            return self.world.end;
        }
        deals.open_until = close;
        close
    }
}

/// The acme policy's `fit` score as a rep would guess it from the CRM
/// record, so sales reacts to roughly the leads the policy calls MQLs.
fn policy_fit(c: &GenContact, a: &GenAccount) -> i32 {
    let title = c.title.to_lowercase();
    let mut fit = 0;
    if title
        .split_whitespace()
        .any(|w| matches!(w, "vp" | "director" | "head" | "chief"))
    {
        fit += 20;
    }
    if matches!(c.seniority, "director" | "executive") {
        fit += 5;
    }
    if a.employees >= 200 {
        fit += 15;
    }
    if matches!(a.industry, "software" | "fintech") {
        fit += 10;
    }
    if a.annual_revenue.is_some_and(|r| r >= 10_000_000) {
        fit += 10;
    }
    if c.email.ends_with("@gmail.com") {
        fit -= 50;
    }
    fit
}
