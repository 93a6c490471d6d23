//! `detente test`: runs the policy tests (`policies/tests/*.toml`), prints
//! a pass/fail line per case with what differed, and the coverage of
//! transitions, clauses and SLAs by the cases and, optionally, by real data.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use detente::Policy;
use detente::data::manifest::Manifest;
use detente::diagnostic::render_graphical;
use detente::eval::evaluate;
use detente::testing::coverage::{Coverage, Gaps};
use detente::testing::{CaseResult, Mismatch, parse, run_case};

use super::Exit;
use super::inputs::{DataFiles, load_sources, manifest, sources};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    /// JUnit XML, for CI test tabs.
    Junit,
}

#[derive(clap::Args)]
pub struct Args {
    /// Test files or folders (default: the tests/ folder next to the
    /// manifest's policy, else policies/tests).
    paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Also measure coverage on real records: the manifest's data (for the
    /// manifest's policy only), or the files given with --contacts,
    /// --accounts and --events.
    #[arg(long)]
    data: bool,
    /// Contacts for data coverage (implies --data).
    #[arg(long)]
    contacts: Vec<PathBuf>,
    /// Accounts for data coverage (implies --data).
    #[arg(long)]
    accounts: Vec<PathBuf>,
    /// Events for data coverage (implies --data).
    #[arg(long)]
    events: Vec<PathBuf>,
}

/// One test file's results.
struct FileRun {
    file: String,
    policy: String,
    results: Result<Vec<CaseResult>, String>,
}

pub fn run(args: Args) -> Exit {
    let manifest = Manifest::find().ok().flatten();
    let paths = if args.paths.is_empty() {
        let dir = manifest
            .as_ref()
            .and_then(|m| m.policy.as_ref())
            .and_then(|p| p.parent().map(|d| d.join("tests")))
            .unwrap_or_else(|| PathBuf::from("policies/tests"));
        vec![dir]
    } else {
        args.paths.clone()
    };
    let files = match test_files(&paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Usage;
        }
    };
    let mut policies: BTreeMap<PathBuf, Result<Policy, String>> = BTreeMap::new();
    let mut coverage: BTreeMap<PathBuf, Coverage> = BTreeMap::new();
    let mut runs = Vec::new();
    for file in &files {
        let (policy_path, results) = run_file(file, &mut policies);
        if let (Some(p), Ok(results)) = (&policy_path, &results)
            && let Some(Ok(policy)) = policies.get(p)
        {
            let cov = coverage
                .entry(p.clone())
                .or_insert_with(|| Coverage::new(policy));
            for r in results {
                if let Some(ev) = &r.evaluation {
                    cov.add(policy, ev);
                }
            }
        }
        runs.push(FileRun {
            file: file.display().to_string(),
            policy: policy_path
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            results,
        });
    }
    let failed = runs
        .iter()
        .map(|r| match &r.results {
            Ok(cases) => cases.iter().filter(|c| !c.passed()).count(),
            Err(_) => 1,
        })
        .sum::<usize>();
    match args.format {
        Format::Text => {
            out!("{}", text(&runs));
            for (path, cov) in &coverage {
                if let Some(Ok(policy)) = policies.get(path) {
                    out!(
                        "{}",
                        coverage_text(
                            &format!("coverage by the cases of {}", path.display()),
                            policy,
                            cov
                        )
                    );
                }
            }
        }
        Format::Junit => out!("{}", junit(&runs)),
    }
    let with_data = args.data
        || !args.contacts.is_empty()
        || !args.accounts.is_empty()
        || !args.events.is_empty();
    if with_data {
        // The manifest's data belongs to the manifest's policy: replaying
        // it through another policy only buries the answer under rejected
        // rows. Without a manifest the files given apply to every policy.
        let owner = manifest
            .as_ref()
            .and_then(|m| m.policy.as_ref())
            .and_then(|p| p.canonicalize().ok());
        for (path, policy) in &policies {
            let Ok(policy) = policy else { continue };
            if let Some(owner) = &owner
                && path.canonicalize().ok().as_ref() != Some(owner)
            {
                continue;
            }
            match data_coverage(policy, &args) {
                Ok(cov) => {
                    let title = format!("coverage by real records, for {}", path.display());
                    match args.format {
                        Format::Text => out!("{}", coverage_text(&title, policy, &cov)),
                        Format::Junit => eprint!("{}", coverage_text(&title, policy, &cov)),
                    }
                }
                Err(e) => return e,
            }
        }
    }
    if failed > 0 { Exit::Problems } else { Exit::Ok }
}

fn test_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| format!("cannot read folder `{}`: {e}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|x| x == "toml"))
                .collect();
            if found.is_empty() {
                return Err(format!("no policy tests (*.toml) in `{}`", p.display()));
            }
            found.sort();
            out.extend(found);
        } else if p.exists() {
            out.push(p.clone());
        } else {
            return Err(format!(
                "`{}` does not exist: pass test files or folders, or put tests in policies/tests/",
                p.display()
            ));
        }
    }
    Ok(out)
}

/// The policy a test file tests: its `policy` key, relative to the file,
/// else `../STEM.detente`.
fn run_file(
    file: &Path,
    policies: &mut BTreeMap<PathBuf, Result<Policy, String>>,
) -> (Option<PathBuf>, Result<Vec<CaseResult>, String>) {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => return (None, Err(format!("cannot read: {e}"))),
    };
    let cases = match parse(&text) {
        Ok(c) => c,
        Err(e) => return (None, Err(e.to_string().trim_end().to_string())),
    };
    let dir = file.parent().unwrap_or(Path::new("."));
    let policy_path = match &cases.policy {
        Some(p) => dir.join(p),
        None => {
            let stem = file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            dir.join("..").join(format!("{stem}.detente"))
        }
    };
    let policy_path = clean(&policy_path);
    let policy = policies
        .entry(policy_path.clone())
        .or_insert_with(|| compile(&policy_path));
    let results = match policy {
        Ok(p) => {
            if cases.cases.is_empty() {
                Err("no cases: add [[case]] tables".to_string())
            } else {
                Ok(cases.cases.iter().map(|c| run_case(p, c)).collect())
            }
        }
        Err(e) => Err(e.clone()),
    };
    (Some(policy_path), results)
}

/// `policies/tests/../acme.detente` → `policies/acme.detente`, for messages.
fn clean(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir if out.file_name().is_some_and(|n| n != "..") => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn compile(path: &Path) -> Result<Policy, String> {
    let source = match super::files::read_policy(path) {
        Ok(Ok(s)) => s,
        Ok(Err(d)) => return Err(render_graphical(&d, false)),
        Err(e) => {
            return Err(format!(
                "{e} (a test file names its policy with `policy = \"../acme.detente\"`, or is named like it)"
            ));
        }
    };
    Policy::compile_named(&super::files::display(path), &source).map_err(|d| {
        format!(
            "the policy does not check:\n{}",
            render_graphical(&d, false)
        )
    })
}

fn text(runs: &[FileRun]) -> String {
    let mut out = String::new();
    let (mut passed, mut failed) = (0, 0);
    for r in runs {
        let _ = writeln!(
            out,
            "{} ({})",
            r.file,
            if r.policy.is_empty() { "?" } else { &r.policy }
        );
        match &r.results {
            Err(e) => {
                failed += 1;
                let _ = writeln!(out, "  ERROR {}", indent(e, 8));
            }
            Ok(cases) => {
                for c in cases {
                    if c.passed() {
                        passed += 1;
                        let _ = writeln!(out, "  pass  {}", c.name);
                    } else {
                        failed += 1;
                        let _ = writeln!(out, "  FAIL  {}", c.name);
                        for m in &c.mismatches {
                            out.push_str(&mismatch_text(m));
                        }
                    }
                }
            }
        }
    }
    let _ = writeln!(
        out,
        "\n{} {}: {passed} passed, {failed} failed\n",
        passed + failed,
        if passed + failed == 1 {
            "case"
        } else {
            "cases"
        }
    );
    out
}

fn mismatch_text(m: &Mismatch) -> String {
    match &m.expected {
        None => format!("        {}: {}\n", m.what, m.actual),
        Some(e) => format!(
            "        {}\n          expected: {e}\n          actual:   {}\n",
            m.what, m.actual
        ),
    }
}

fn indent(s: &str, n: usize) -> String {
    s.lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                l.to_string()
            } else {
                format!("{}{l}", " ".repeat(n))
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn coverage_text(title: &str, policy: &Policy, cov: &Coverage) -> String {
    let mut out = format!("{title}:\n");
    let line = |out: &mut String, name: &str, verb: &str, g: Gaps| {
        let _ = writeln!(out, "  {name:<12}{} of {} {verb}", g.covered, g.total);
        for m in g.missed {
            let _ = writeln!(out, "    - {m}");
        }
    };
    line(&mut out, "transitions", "fired", cov.transitions(policy));
    line(&mut out, "clauses", "held", cov.clauses(policy));
    line(&mut out, "SLAs", "both met and missed", cov.slas(policy));
    out.push('\n');
    out
}

/// Coverage of `policy` (already compiled from its file) by the data
/// files given, else the manifest's.
fn data_coverage(policy: &Policy, args: &Args) -> Result<Coverage, Exit> {
    let files = DataFiles {
        contacts: args.contacts.clone(),
        accounts: args.accounts.clone(),
        events: args.events.clone(),
        format: None,
    };
    let manifest = manifest(None)?;
    let sources = sources(&files, manifest.as_ref())?;
    let histories = load_sources(policy, &sources)?;
    let t = histories.total();
    eprintln!(
        "data: rows read {}, accepted {}, rejected {}, duplicates {}{}",
        t.read,
        t.accepted,
        t.rejected,
        t.duplicates,
        super::reports::skipped_suffix(&t)
    );
    let ev = evaluate(policy, &histories, None);
    let mut cov = Coverage::new(policy);
    cov.add(policy, &ev);
    Ok(cov)
}

fn junit(runs: &[FileRun]) -> String {
    let mut out =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"detente\">\n");
    for r in runs {
        let cases: Vec<(String, Option<(String, String)>)> = match &r.results {
            Err(e) => vec![(
                "(file)".into(),
                Some((e.lines().next().unwrap_or("").to_string(), e.clone())),
            )],
            Ok(cs) => cs
                .iter()
                .map(|c| {
                    let failure = c.mismatches.first().map(|first| {
                        let message = match &first.expected {
                            Some(e) => {
                                format!("{}: expected {e}, actual {}", first.what, first.actual)
                            }
                            None => format!("{}: {}", first.what, first.actual),
                        };
                        (
                            message,
                            c.mismatches.iter().map(mismatch_text).collect::<String>(),
                        )
                    });
                    (c.name.clone(), failure)
                })
                .collect(),
        };
        let failures = cases.iter().filter(|c| c.1.is_some()).count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\">",
            xml(&r.file),
            cases.len()
        );
        for (name, failure) in cases {
            match failure {
                None => {
                    let _ = writeln!(
                        out,
                        "    <testcase name=\"{}\" classname=\"{}\"/>",
                        xml(&name),
                        xml(&r.policy)
                    );
                }
                Some((first, f)) => {
                    let _ = writeln!(
                        out,
                        "    <testcase name=\"{}\" classname=\"{}\">\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                        xml(&name),
                        xml(&r.policy),
                        xml(&first),
                        xml(&f)
                    );
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
