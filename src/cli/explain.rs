//! `detente explain ID`: one contact's or account's story and what is
//! missing for the next stage. `--contact` or `--account` settles an id
//! that is both.

use detente::eval::explain;

use super::Exit;
use super::inputs::{DataArgs, resolve};

#[derive(clap::Args)]
pub struct Args {
    /// The contact's or account's id.
    id: String,
    /// The id is a contact's (when it is an account's too).
    #[arg(long, conflicts_with = "account")]
    contact: bool,
    /// The id is an account's (when it is a contact's too).
    #[arg(long = "account", conflicts_with = "deal")]
    account: bool,
    /// The id is a deal's.
    #[arg(long = "deal", conflicts_with = "contact")]
    deal: bool,
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
    eprint!(
        "{}",
        super::reports::rejected_note(histories.total().rejected, "the story")
    );
    let is_account = histories.accounts.iter().any(|a| a.id == args.id)
        || histories
            .contacts
            .iter()
            .any(|c| c.account.as_deref() == Some(args.id.as_str()));
    let is_contact = histories.contacts.iter().any(|c| c.id == args.id)
        || histories
            .events
            .iter()
            .any(|e| e.contact.as_deref() == Some(args.id.as_str()));
    let is_deal = histories.deals.iter().any(|d| d.id == args.id);
    if args.deal || (is_deal && !is_contact && !is_account && !args.account && !args.contact) {
        return deal(&inputs.policy, &histories, as_of, &args.id, args.output);
    }
    if is_account && is_contact && !args.account && !args.contact {
        eprintln!(
            "error: `{0}` is both a contact and an account: say which with `--contact` or `--account` (detente explain {0} --account)",
            args.id
        );
        return Exit::Usage;
    }
    if args.account || (is_account && !is_contact) {
        return account(&inputs.policy, &histories, as_of, &args.id, args.output);
    }
    match explain(&inputs.policy, &histories, as_of, &args.id) {
        Some((journey, exits, as_of)) => {
            story(&inputs.policy, &journey, &exits, as_of, args.output)
        }
        None => {
            let mut near: Vec<&str> = histories
                .contacts
                .iter()
                .map(|c| c.id.as_str())
                .filter(|id| strsim::jaro_winkler(id, &args.id) > 0.85)
                .collect();
            near.sort();
            near.dedup();
            near.truncate(3);
            eprintln!(
                "error: no contact `{}` in the data{}",
                args.id,
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

/// `detente explain DEAL --deal`: the deal's story and what it takes to
/// move on, in the words of a contact's.
fn deal(
    policy: &detente::Policy,
    histories: &detente::data::Histories,
    as_of: Option<detente::data::time::Instant>,
    id: &str,
    output: Output,
) -> Exit {
    let Some((journey, exits, as_of)) = detente::eval::explain_deal(policy, histories, as_of, id)
    else {
        let why = if policy.machine(detente::ir::Entity::Deal).is_none() {
            "the policy has no deal lifecycle"
        } else {
            "no deal has that id in the deal files"
        };
        eprintln!("error: deal `{id}` has no journey: {why}");
        return Exit::Problems;
    };
    story(policy, &journey, &exits, as_of, output)
}

/// A contact's or a deal's story, as text or JSON.
fn story(
    policy: &detente::Policy,
    journey: &detente::eval::Journey,
    exits: &[detente::eval::explain::Exit],
    as_of: detente::data::time::Instant,
    output: Output,
) -> Exit {
    match output {
        Output::Text => out!(
            "{}",
            detente::report::explain::render(policy, journey, exits, as_of)
        ),
        Output::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&detente::report::explain::json(
                policy, journey, exits, as_of
            ))
            .unwrap_or_default()
        ),
    }
    Exit::Ok
}

/// `detente explain ACCOUNT`.
fn account(
    policy: &detente::Policy,
    histories: &detente::data::Histories,
    as_of: Option<detente::data::time::Instant>,
    id: &str,
    output: Output,
) -> Exit {
    let Some((a, exits, as_of, journeys)) =
        detente::eval::explain_account(policy, histories, as_of, id)
    else {
        let why = if policy.machine(detente::ir::Entity::Account).is_none() {
            "the policy has no account lifecycle"
        } else {
            "none of its contacts has a journey at that time"
        };
        eprintln!("error: account `{id}` has no journey: {why}");
        return Exit::Problems;
    };
    match output {
        Output::Text => out!(
            "{}",
            detente::report::explain_account::render(policy, &a, &exits, as_of, &journeys)
        ),
        Output::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&detente::report::explain_account::json(
                policy, &a, &exits, as_of, &journeys
            ))
            .unwrap_or_default()
        ),
    }
    Exit::Ok
}
