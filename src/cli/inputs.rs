//! The policy and data a command works on: from flags, else from
//! `detente.toml` in the current folder (so every command runs without
//! flags in a project with a manifest).

use std::path::PathBuf;

use detente::Policy;
use detente::data::manifest::Manifest;
use detente::data::time::{DateOnly, Instant, parse_instant};
use detente::data::{Histories, RecordKind, Source, load, source::FileFormat};
use detente::diagnostic::render_graphical;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DataFormat {
    Csv,
    Jsonl,
}

#[derive(clap::Args, Debug, Clone)]
pub struct DataArgs {
    /// The manifest to read (default: ./detente.toml when it exists).
    #[arg(long)]
    pub manifest: Option<PathBuf>,
    /// The policy file (default: the manifest's [policy] path).
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// Contacts files (replace the manifest's).
    #[arg(long)]
    pub contacts: Vec<PathBuf>,
    /// Accounts files (replace the manifest's).
    #[arg(long)]
    pub accounts: Vec<PathBuf>,
    /// Events files (replace the manifest's).
    #[arg(long)]
    pub events: Vec<PathBuf>,
    /// Read the data files as this format whatever their names say.
    #[arg(long, value_enum)]
    pub format: Option<DataFormat>,
}

pub struct Inputs {
    pub policy: Policy,
    pub sources: Vec<Source>,
}

impl Inputs {
    /// Reads every source; a file that cannot be opened is a usage error
    /// (printed here). Bad rows are in the result, not errors.
    pub fn load(&self) -> Result<Histories, super::Exit> {
        load(&self.policy, &self.sources).map_err(|e| {
            eprintln!("error: {e}");
            super::Exit::Usage
        })
    }

    /// `--as-of` read in the policy's timezone; a date alone means the end
    /// of that day.
    pub fn as_of(&self, text: Option<&str>) -> Result<Option<Instant>, super::Exit> {
        self.instant("--as-of", text, DateOnly::End)
    }

    /// A time given with `flag`, read in the policy's timezone; a date
    /// alone means the start or the end of that day as `date_only` says.
    pub fn instant(
        &self,
        flag: &str,
        text: Option<&str>,
        date_only: DateOnly,
    ) -> Result<Option<Instant>, super::Exit> {
        let Some(t) = text else { return Ok(None) };
        parse_instant(t, self.policy.model().timezone, date_only)
            .map(|(i, _)| Some(i))
            .map_err(|e| {
                eprintln!("error: {flag}: {e}");
                super::Exit::Usage
            })
    }
}

/// Resolves and compiles; errors are printed here, ready for an exit code.
pub fn resolve(args: &DataArgs) -> Result<Inputs, super::Exit> {
    let manifest = match &args.manifest {
        Some(p) => Manifest::read(p).map(Some),
        None => Manifest::find(),
    }
    .map_err(|e| {
        eprintln!("error: {e}");
        super::Exit::Usage
    })?;
    let policy_path = args
        .policy
        .clone()
        .or_else(|| manifest.as_ref().and_then(|m| m.policy.clone()))
        .ok_or_else(|| {
            eprintln!("error: no policy: pass --policy FILE, or run where a detente.toml names one in [policy] path");
            super::Exit::Usage
        })?;
    let source = match super::files::read_policy(&policy_path) {
        Ok(Ok(s)) => s,
        Ok(Err(d)) => {
            eprint!("{}", render_graphical(&d, false));
            return Err(super::Exit::Problems);
        }
        Err(e) => {
            eprintln!("error: {e}");
            return Err(super::Exit::Usage);
        }
    };
    let policy =
        Policy::compile_named(&super::files::display(&policy_path), &source).map_err(|d| {
            eprint!("{}", render_graphical(&d, super::use_color()));
            super::Exit::Problems
        })?;
    let from_flags =
        !(args.contacts.is_empty() && args.accounts.is_empty() && args.events.is_empty());
    let format = args.format.map(|f| match f {
        DataFormat::Csv => FileFormat::Csv,
        DataFormat::Jsonl => FileFormat::JsonLines,
    });
    let mut sources: Vec<Source> = if from_flags {
        let mut v = Vec::new();
        for (kind, paths) in [
            (RecordKind::Contacts, &args.contacts),
            (RecordKind::Accounts, &args.accounts),
            (RecordKind::Events, &args.events),
        ] {
            v.extend(paths.iter().map(|p| Source::new(kind, p.clone())));
        }
        v
    } else {
        manifest.map(|m| m.sources).unwrap_or_default()
    };
    if sources.is_empty() {
        eprintln!(
            "error: no data: pass --events FILE (and --contacts, --accounts), or list them in detente.toml [data]"
        );
        return Err(super::Exit::Usage);
    }
    if let Some(f) = format {
        for s in &mut sources {
            s.format = Some(f);
        }
    }
    Ok(Inputs { policy, sources })
}
