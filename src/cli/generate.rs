//! `detente generate`: writes deterministic example histories for the acme
//! policy (contacts.csv, accounts.csv, events.jsonl.gz or events.csv.gz,
//! bad-events.csv).

use std::path::PathBuf;

use chrono::NaiveDate;
use detente::Policy;
use detente::data::manifest::Manifest;
use detente::diagnostic::render_graphical;
use detente::generate::{DealShape, Options, bad_events, deal_exports, generate};
use flate2::Compression;
use flate2::write::GzEncoder;

use super::Exit;
use super::atomic::AtomicFile;

#[derive(clap::Args)]
pub struct Args {
    /// The policy the data is for (default: the manifest's, else
    /// policies/acme.detente).
    #[arg(long)]
    policy: Option<PathBuf>,
    /// The folder to write into (created if needed).
    #[arg(long, default_value = "examples/data")]
    out: PathBuf,
    /// The same seed always gives byte-identical files.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// How many accounts (about 5.4 contacts and 140 events each).
    #[arg(long, default_value_t = 500, conflicts_with = "contacts")]
    accounts: usize,
    /// Instead of --accounts: write accounts until this many contacts
    /// (1,000,000 contacts is about 185,000 accounts and 26M events).
    #[arg(long)]
    contacts: Option<usize>,
    /// Format of the events file: jsonl (events.jsonl[.gz]) or csv
    /// (events.csv[.gz], one column per event field).
    #[arg(long, value_enum, default_value = "jsonl")]
    events_format: EventsFormat,
    /// First day of the period (YYYY-MM-DD).
    #[arg(long, default_value = "2025-10-01")]
    from: NaiveDate,
    /// Last day of the period (YYYY-MM-DD).
    #[arg(long, default_value = "2026-10-31")]
    to: NaiveDate,
    /// Write the events file uncompressed.
    #[arg(long)]
    no_gzip: bool,
    /// Instead of the acme histories, write a deal export of this shape
    /// (no policy needed): `pipeline` (sales_pipeline.csv, one row per
    /// deal, and sales_teams.csv) or `salesforce` (Opportunity,
    /// OpportunityHistory, OpportunityContactRole and Contact).
    #[arg(long, value_enum)]
    deals: Option<DealsShape>,
    /// How many deals a deal export has.
    #[arg(long, default_value_t = 800)]
    deal_count: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum DealsShape {
    Pipeline,
    Salesforce,
}

/// `detente generate --deals SHAPE`: the files of one deal export.
fn deal_export(args: &Args, shape: DealsShape) -> Exit {
    let shape = match shape {
        DealsShape::Pipeline => DealShape::Pipeline,
        DealsShape::Salesforce => DealShape::Salesforce,
    };
    let files = deal_exports(shape, args.seed, args.deal_count, args.from, args.to);
    let result = (|| -> Result<(), String> {
        std::fs::create_dir_all(&args.out)
            .map_err(|e| format!("cannot create `{}`: {e}", args.out.display()))?;
        for (name, text) in &files {
            super::atomic::write(&args.out.join(name), text.as_bytes())?;
        }
        Ok(())
    })();
    match result {
        Ok(()) => {
            let names: Vec<&str> = files.iter().map(|(n, _)| *n).collect();
            eprintln!(
                "wrote {} deals as {} to {} (seed {})",
                args.deal_count,
                names.join(", "),
                args.out.display(),
                args.seed
            );
            Exit::Ok
        }
        Err(e) => {
            eprintln!("error: {e}");
            Exit::Usage
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum EventsFormat {
    Jsonl,
    Csv,
}

pub fn run(args: Args) -> Exit {
    if let Some(shape) = args.deals {
        return deal_export(&args, shape);
    }
    let policy_path = match args.policy.clone() {
        Some(p) => p,
        None => match Manifest::find() {
            Ok(Some(m)) => m
                .policy
                .unwrap_or_else(|| PathBuf::from("policies/acme.detente")),
            Ok(None) => PathBuf::from("policies/acme.detente"),
            Err(e) => {
                eprintln!("error[{}]: {e}", e.code());
                return Exit::Usage;
            }
        },
    };
    let source = match super::files::read_policy(&policy_path) {
        Ok(Ok(s)) => s,
        Ok(Err(d)) => {
            eprint!("{}", render_graphical(&d, false));
            return Exit::Problems;
        }
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Usage;
        }
    };
    let policy = match Policy::compile_named(&super::files::display(&policy_path), &source) {
        Ok(p) => p,
        Err(d) => {
            eprint!("{}", render_graphical(&d, super::use_color()));
            return Exit::Problems;
        }
    };
    if let Err(e) = std::fs::create_dir_all(&args.out) {
        eprintln!("error: cannot create `{}`: {e}", args.out.display());
        return Exit::Usage;
    }
    let options = Options {
        seed: args.seed,
        accounts: if args.contacts.is_some() {
            usize::MAX
        } else {
            args.accounts
        },
        contacts: args.contacts,
        events_csv: args.events_format == EventsFormat::Csv,
        from: args.from,
        to: args.to,
        ..Options::default()
    };
    let events_name = match (args.events_format, args.no_gzip) {
        (EventsFormat::Jsonl, true) => "events.jsonl",
        (EventsFormat::Jsonl, false) => "events.jsonl.gz",
        (EventsFormat::Csv, true) => "events.csv",
        (EventsFormat::Csv, false) => "events.csv.gz",
    };
    let result = (|| -> Result<_, String> {
        let mut contacts = AtomicFile::create(&args.out.join("contacts.csv"))?;
        let mut accounts = AtomicFile::create(&args.out.join("accounts.csv"))?;
        let mut events_file = AtomicFile::create(&args.out.join(events_name))?;
        let summary = if args.no_gzip {
            generate(
                &policy,
                &options,
                &mut contacts,
                &mut accounts,
                &mut events_file,
            )
        } else {
            // A fixed level and no file name or time in the header keep the
            // bytes identical from run to run.
            let mut gz = GzEncoder::new(&mut events_file, Compression::new(6));
            let s = generate(&policy, &options, &mut contacts, &mut accounts, &mut gz);
            gz.try_finish().map_err(|e| e.to_string())?;
            s
        }
        .map_err(|e| e.to_string())?;
        // Every file whole, then all put in place.
        contacts.commit()?;
        accounts.commit()?;
        events_file.commit()?;
        if let Some(c) = &summary.first_contact {
            super::atomic::write(&args.out.join("bad-events.csv"), &bad_events(c))?;
        }
        Ok(summary)
    })();
    match result {
        Ok(s) => {
            eprintln!(
                "wrote {} accounts, {} contacts and {} events ({} rows repeated, as overlapping exports do) to {} (seed {})",
                s.accounts,
                s.contacts,
                s.events,
                s.duplicate_rows,
                args.out.display(),
                args.seed
            );
            Exit::Ok
        }
        Err(e) => {
            eprintln!("error: {e}");
            Exit::Usage
        }
    }
}
