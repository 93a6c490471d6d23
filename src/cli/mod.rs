//! Command-line parsing and the exit-code contract shared by every
//! subcommand: 0 success, 1 problems found, 2 usage or I/O error, 3 a
//! `diff` gate failed.

/// `print!` for a command's output, which ends the program quietly when
/// the reader has gone away (`detente classify | head`): `print!` panics
/// on a closed pipe. Any other failure to write (a full disk) is an I/O
/// error, exit code 2.
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::write_out(format_args!($($arg)*)) };
}

/// `println!` as [`out!`] is `print!`.
macro_rules! outln {
    ($($arg:tt)*) => { $crate::cli::write_out(format_args!("{}\n", format_args!($($arg)*))) };
}

mod atomic;
mod check;
mod classify;
mod diff;
mod diffed;
mod explain;
mod files;
mod fmt;
mod generate;
mod graph;
mod grouped;
mod inputs;
mod lsp;
mod merge;
mod report;
mod reports;
#[cfg(feature = "serve")]
mod serve;
mod stream;
mod test;
mod validate;

use clap::{Parser, Subcommand};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything is fine.
    Ok,
    /// The command ran and found problems (errors in a policy, a file
    /// that needs formatting).
    Problems,
    /// The command could not run: bad flags, unreadable files.
    Usage,
    /// `detente diff`: a gate failed.
    GateFailed,
    /// Stopped by Ctrl-C or SIGTERM (the shell's 128 + SIGINT).
    Interrupted,
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(match e {
            Exit::Ok => 0,
            Exit::Problems => 1,
            Exit::Usage => 2,
            Exit::GateFailed => 3,
            Exit::Interrupted => 130,
        })
    }
}

#[derive(Parser)]
#[command(
    name = "detente",
    version,
    about = "The sales and marketing agreement, as an executable policy",
    long_about = "Détente checks, formats and draws revenue policies written in the Détente language (*.detente files)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check policy files for errors and warnings.
    Check(check::Args),
    /// Rewrite policy files in the canonical layout.
    Fmt(fmt::Args),
    /// Draw a policy's lifecycles as Graphviz DOT or Mermaid.
    Graph(graph::Args),
    /// Read contact histories against the policy's schema and report every bad row.
    Validate(validate::Args),
    /// Replay contact histories through the policy and print each journey.
    Classify(classify::Args),
    /// Tell one contact's story and what is missing for the next stage.
    Explain(explain::Args),
    /// Funnel, velocity, touchpoints, attribution, SLAs, metrics and incentives.
    Report(report::Args),
    /// Replay two versions of a policy on the same data and compare them.
    Diff(diff::Args),
    /// Combine the partial reports of parts of the data into one report or diff.
    Merge(merge::Args),
    /// Run the policy tests (policies/tests/*.toml) and report coverage.
    Test(test::Args),
    /// Serve the engine as an HTTP JSON API (classify, explain, policy).
    #[cfg(feature = "serve")]
    Serve(serve::Args),
    /// Write deterministic example histories for the acme policy.
    Generate(generate::Args),
    /// Run the language server for editors (LSP over stdio).
    Lsp(lsp::Args),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(CompletionsArgs),
    /// Print the manual page (roff): `detente man > detente.1`, `detente man check > detente-check.1`.
    Man(ManArgs),
}

#[derive(clap::Args)]
struct ManArgs {
    /// A command's own page (`detente-check(1)`); the main page without it.
    command: Option<String>,
}

#[derive(clap::Args)]
struct CompletionsArgs {
    /// The shell to complete in.
    shell: clap_complete::Shell,
}

pub fn run() -> std::process::ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                Exit::Usage
            } else {
                Exit::Ok
            }
            .into();
        }
    };
    match cli.command {
        Command::Check(a) => check::run(a),
        Command::Fmt(a) => fmt::run(a),
        Command::Graph(a) => graph::run(a),
        Command::Validate(a) => validate::run(a),
        Command::Classify(a) => classify::run(a),
        Command::Generate(a) => generate::run(a),
        Command::Test(a) => test::run(a),
        Command::Explain(a) => explain::run(a),
        Command::Report(a) => report::run(a),
        Command::Diff(a) => diff::run(a),
        Command::Merge(a) => merge::run(a),
        #[cfg(feature = "serve")]
        Command::Serve(a) => serve::run(a),
        Command::Completions(a) => {
            let mut command = <Cli as clap::CommandFactory>::command();
            let mut text = Vec::new();
            clap_complete::generate(a.shell, &mut command, "detente", &mut text);
            out!("{}", String::from_utf8_lossy(&text));
            Exit::Ok
        }
        Command::Man(a) => man(a),
        Command::Lsp(a) => lsp::run(a),
    }
    .into()
}

/// The manual page of `detente`, or of one of its commands
/// (`detente-check(1)`, as the main page lists them).
fn man(args: ManArgs) -> Exit {
    let command = <Cli as clap::CommandFactory>::command();
    let page = match &args.command {
        None => command,
        Some(name) => match command.find_subcommand(name) {
            Some(sub) => sub
                .clone()
                .name(format!("detente-{name}"))
                .version(env!("CARGO_PKG_VERSION")),
            None => {
                let names: Vec<&str> = command.get_subcommands().map(|c| c.get_name()).collect();
                eprintln!(
                    "error: `{name}` is not a command; the commands are {}",
                    names.join(", ")
                );
                return Exit::Usage;
            }
        },
    };
    let mut text = Vec::new();
    if let Err(e) = clap_mangen::Man::new(page).render(&mut text) {
        eprintln!("error: cannot write the manual page: {e}");
        return Exit::Usage;
    }
    out!("{}", String::from_utf8_lossy(&text));
    Exit::Ok
}

/// Colour only for a terminal, and never when NO_COLOR is set.
pub fn use_color() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}

/// Runs `f` on a pool of `threads` threads, or on rayon's default pool.
pub fn with_threads<T: Send>(
    threads: Option<usize>,
    f: impl FnOnce() -> T + Send,
) -> Result<T, Exit> {
    Ok(match thread_pool(threads)? {
        Some(pool) => pool.install(f),
        None => f(),
    })
}

/// A pool of `threads` threads (`None`: rayon's default pool), for work
/// run in several steps on the same threads.
pub fn thread_pool(threads: Option<usize>) -> Result<Option<rayon::ThreadPool>, Exit> {
    match threads {
        None => Ok(None),
        Some(0) => {
            eprintln!("error: --threads must be at least 1");
            Err(Exit::Usage)
        }
        Some(n) => match rayon::ThreadPoolBuilder::new().num_threads(n).build() {
            Ok(pool) => Ok(Some(pool)),
            Err(e) => {
                eprintln!("error: cannot start {n} threads: {e}");
                Err(Exit::Usage)
            }
        },
    }
}

/// Writes a command's output to stdout (see [`out!`]).
pub fn write_out(text: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_fmt(text).and_then(|()| stdout.flush()) {
        stop_if_reader_gone(&e);
        eprintln!("error: cannot write the output: {e}");
        std::process::exit(2);
    }
}

/// Ends the program quietly, with success, when writing failed because
/// the reader has what it wanted and closed the pipe (`| head`).
pub fn stop_if_reader_gone(e: &std::io::Error) {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
}
