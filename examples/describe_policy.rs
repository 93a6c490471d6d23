//! Embeds Détente as a library: compiles a policy and describes its state
//! machines, or prints the diagnostics when it does not compile.
//!
//! Run: `cargo run --example describe_policy -- policies/acme.detente`

use std::io::Write;
use std::process::ExitCode;

use detente::Policy;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: describe_policy POLICY_FILE");
        return ExitCode::from(2);
    };
    let source = match std::fs::read_to_string(&path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            return ExitCode::from(2);
        }
    };
    let policy = match Policy::compile_named(&path, &source) {
        Ok(p) => p,
        Err(diagnostics) => {
            // `Diagnostics` displays as the same report `detente check` prints.
            eprint!("{diagnostics}");
            return ExitCode::from(1);
        }
    };
    let mut out = std::io::stdout().lock();
    match describe(&policy, &mut out) {
        Ok(()) => ExitCode::SUCCESS,
        // A reader that stopped early (`| head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cannot write the description: {e}");
            ExitCode::from(2)
        }
    }
}

/// Each lifecycle's stages with their owners, and each stage's ways out.
fn describe(policy: &Policy, out: &mut impl Write) -> std::io::Result<()> {
    let model = policy.ir();
    let version = policy
        .version()
        .map_or("no version".to_string(), |v| format!("version {v}"));
    writeln!(out, "{} ({version}, {})", policy.name(), policy.hash())?;
    for machine in policy.machines() {
        writeln!(out, "\n{} lifecycle", machine.entity.keyword())?;
        let lifecycle = model.lifecycles.iter().find(|l| l.entity == machine.entity);
        for stage_id in lifecycle.map(|l| l.stages.as_slice()).unwrap_or_default() {
            let stage = &model.stages[*stage_id];
            let owner = stage
                .owner
                .map(|t| &model.teams[t])
                .map_or("no owner", String::as_str);
            writeln!(out, "  {} ({owner})", stage.name)?;
            for t in machine.exits(*stage_id) {
                let tr = &model.transitions[*t];
                let to = model.stages[tr.to].name.as_str();
                writeln!(out, "    -> {to:<14} {}  (line {})", tr.text, tr.line)?;
            }
        }
    }
    Ok(())
}
