//! The `detente` command. Only dispatches; each subcommand lives in
//! `src/cli/`.

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
