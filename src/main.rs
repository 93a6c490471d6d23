//! The `detente` command. Only dispatches; each subcommand lives in
//! `src/cli/`.

mod cli;

// The engine allocates many small strings and vectors per row and per
// replayed instant; mimalloc's thread-local free lists make that about a
// quarter cheaper than the system allocator (measured in BENCHMARKS.md).
// The library leaves the choice of allocator to the program embedding it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::run()
}
