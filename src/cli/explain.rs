//! `detente explain CONTACT`: one contact's story and what is missing for
//! the next stage.

use detente::eval::explain;

use super::Exit;
use super::inputs::{DataArgs, resolve};

#[derive(clap::Args)]
pub struct Args {
    /// The contact's id.
    contact: String,
    #[command(flatten)]
    data: DataArgs,
    /// Tell the story up to this time (default: the latest time in the data).
    #[arg(long)]
    as_of: Option<String>,
    /// Output: the story as text, or JSON for other tools.
    #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
    output: Output,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Output {
    /// The story and what it takes to move on, in plain English.
    Text,
    /// `{contact, as_of, journey, story, exits}`: the journey in the shape
    /// `classify` prints, the story lines and every way out with its reasons.
    Json,
}

pub fn run(args: Args) -> Exit {
    let inputs = match resolve(&args.data) {
        Ok(i) => i,
        Err(e) => return e,
    };
    let as_of = match inputs.as_of(args.as_of.as_deref()) {
        Ok(a) => a,
        Err(e) => return e,
    };
    let histories = match inputs.load() {
        Ok(h) => h,
        Err(e) => return e,
    };
    eprint!("{}", super::reports::rejected_note(&histories, "the story"));
    match explain(&inputs.policy, &histories, as_of, &args.contact) {
        Some((journey, exits, as_of)) => {
            match args.output {
                Output::Text => out!(
                    "{}",
                    detente::report::explain::render(&inputs.policy, &journey, &exits, as_of)
                ),
                Output::Json => outln!(
                    "{}",
                    serde_json::to_string_pretty(&detente::report::explain::json(
                        &inputs.policy,
                        &journey,
                        &exits,
                        as_of
                    ))
                    .unwrap_or_default()
                ),
            }
            Exit::Ok
        }
        None => {
            let mut near: Vec<&str> = histories
                .contacts
                .iter()
                .map(|c| c.id.as_str())
                .filter(|id| strsim::jaro_winkler(id, &args.contact) > 0.85)
                .collect();
            near.sort();
            near.dedup();
            near.truncate(3);
            eprintln!(
                "error: no contact `{}` in the data{}",
                args.contact,
                if near.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; did you mean {}?",
                        near.iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
            );
            Exit::Problems
        }
    }
}
