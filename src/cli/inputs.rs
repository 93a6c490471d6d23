//! The policy and data a command works on: from flags, else from
//! `detente.toml` in the current folder (so every command runs without
//! flags in a project with a manifest).

use std::path::{Path, PathBuf};

use detente::Policy;
use detente::data::manifest::Manifest;
use detente::data::time::{DateOnly, Instant, parse_instant};
use detente::data::{Histories, RecordKind, Source, load, source::FileFormat};
use detente::diagnostic::render_graphical;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DataFormat {
    Csv,
    Jsonl,
    Parquet,
}

#[derive(clap::Args, Debug, Clone)]
pub struct DataArgs {
    /// The manifest to read (default: ./detente.toml when it exists).
    #[arg(long)]
    pub manifest: Option<PathBuf>,
    /// The policy file (default: the manifest's [policy] path).
    #[arg(long)]
    pub policy: Option<PathBuf>,
    #[command(flatten)]
    pub files: DataFiles,
}

/// The data files, when not the manifest's.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct DataFiles {
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
    /// The policy as the user named it, and its text (a partial report
    /// carries both).
    pub label: String,
    pub source: String,
}

impl Inputs {
    /// Reads every source; a file that cannot be opened is a usage error
    /// (printed here). Bad rows are in the result, not errors.
    pub fn load(&self) -> Result<Histories, super::Exit> {
        load_sources(&self.policy, &self.sources)
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
        instant(&self.policy, flag, text, date_only)
    }
}

/// Reads every source for `policy`; a file that cannot be opened is a
/// usage error (printed here).
pub fn load_sources(policy: &Policy, sources: &[Source]) -> Result<Histories, super::Exit> {
    load(policy, sources).map_err(|e| {
        eprintln!("error[{}]: {e}", e.code());
        super::Exit::Usage
    })
}

/// A time given with `flag`, read in `policy`'s timezone; a date alone
/// means the start or the end of that day as `date_only` says.
pub fn instant(
    policy: &Policy,
    flag: &str,
    text: Option<&str>,
    date_only: DateOnly,
) -> Result<Option<Instant>, super::Exit> {
    let Some(t) = text else { return Ok(None) };
    parse_instant(t, policy.ir().timezone, date_only)
        .map(|(i, _)| Some(i))
        .map_err(|e| {
            eprintln!("error: {flag}: {e}");
            super::Exit::Usage
        })
}

/// The manifest named with `--manifest`, else ./detente.toml if any.
pub fn manifest(path: Option<&Path>) -> Result<Option<Manifest>, super::Exit> {
    match path {
        Some(p) => Manifest::read(p).map(Some),
        None => Manifest::find(),
    }
    .map_err(|e| {
        eprintln!("error[{}]: {e}", e.code());
        super::Exit::Usage
    })
}

/// Compiles policy text; diagnostics are printed here.
pub fn compile(name: &str, source: &str) -> Result<Policy, super::Exit> {
    Policy::compile_named(name, source).map_err(|d| {
        eprint!("{}", render_graphical(&d, super::use_color()));
        super::Exit::Problems
    })
}

/// Reads a policy file's text; a file that is not UTF-8 gets its
/// diagnostic printed here.
pub fn read_policy(path: &Path) -> Result<String, super::Exit> {
    match super::files::read_policy(path) {
        Ok(Ok(s)) => Ok(s),
        Ok(Err(d)) => {
            eprint!("{}", render_graphical(&d, false));
            Err(super::Exit::Problems)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Err(super::Exit::Usage)
        }
    }
}

/// The policy alone (for commands whose data comes another way), from
/// `--policy` or the manifest; errors are printed here.
pub fn policy(args: &DataArgs) -> Result<Policy, super::Exit> {
    let manifest = manifest(args.manifest.as_deref())?;
    policy_of(args, manifest.as_ref()).map(|(_, _, policy)| policy)
}

/// The policy's label, text and compiled form.
fn policy_of(
    args: &DataArgs,
    manifest: Option<&Manifest>,
) -> Result<(String, String, Policy), super::Exit> {
    let path = policy_path(args.policy.as_deref(), manifest)?;
    read_and_compile(&path).map(|(source, policy)| (super::files::display(&path), source, policy))
}

/// `--policy`, else the manifest's `[policy] path`; neither is an error.
pub fn policy_path(
    flag: Option<&Path>,
    manifest: Option<&Manifest>,
) -> Result<PathBuf, super::Exit> {
    flag.map(Path::to_path_buf)
        .or_else(|| manifest.and_then(|m| m.policy.clone()))
        .ok_or_else(|| {
            eprintln!("error: no policy: pass --policy FILE, or run where a detente.toml names one in [policy] path");
            super::Exit::Usage
        })
}

/// A policy file's text and the policy compiled from it.
pub fn read_and_compile(path: &Path) -> Result<(String, Policy), super::Exit> {
    let source = read_policy(path)?;
    let policy = compile(&super::files::display(path), &source)?;
    Ok((source, policy))
}

/// Resolves and compiles; errors are printed here, ready for an exit code.
pub fn resolve(args: &DataArgs) -> Result<Inputs, super::Exit> {
    let manifest = manifest(args.manifest.as_deref())?;
    let (label, source, policy) = policy_of(args, manifest.as_ref())?;
    let sources = sources(&args.files, manifest.as_ref())?;
    Ok(Inputs {
        policy,
        sources,
        label,
        source,
    })
}

/// The data files from flags, else from the manifest; none is an error.
pub fn sources(files: &DataFiles, manifest: Option<&Manifest>) -> Result<Vec<Source>, super::Exit> {
    let from_flags =
        !(files.contacts.is_empty() && files.accounts.is_empty() && files.events.is_empty());
    let format = files.format.map(|f| match f {
        DataFormat::Csv => FileFormat::Csv,
        DataFormat::Jsonl => FileFormat::JsonLines,
        DataFormat::Parquet => FileFormat::Parquet,
    });
    let mut sources: Vec<Source> = if from_flags {
        let mut v = Vec::new();
        for (kind, paths) in [
            (RecordKind::Contacts, &files.contacts),
            (RecordKind::Accounts, &files.accounts),
            (RecordKind::Events, &files.events),
        ] {
            v.extend(paths.iter().map(|p| Source::new(kind, p.clone())));
        }
        v
    } else {
        manifest.map(|m| m.sources.clone()).unwrap_or_default()
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
    Ok(sources)
}
