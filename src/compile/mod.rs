//! Checked policy → the frozen, evaluable [`Policy`]: each lifecycle a
//! petgraph state machine with its transitions in the order they are
//! tried, score bounds for explanations, and a content hash so every
//! decision can be traced to the exact rules.

use sha2::{Digest, Sha256};

use crate::check::model::Model;
use crate::check::{self, CheckError};
use crate::diagnostic::{Diagnostics, Problem};
use crate::ir::*;
use crate::syntax;

mod lower;
mod placed;
mod steady;
mod watch;
pub(crate) use steady::Steady;
pub use watch::Watch;

/// One lifecycle as a state machine.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StateMachine {
    /// Whose lifecycle: contacts' or accounts'.
    pub entity: Entity,
    /// For each stage of the policy (by `StageId`), the transitions that
    /// leave it, in the order they are tried.
    exits: Vec<Vec<TransitionId>>,
}

impl StateMachine {
    /// Transitions out of `stage`, in the order written (which is the
    /// order they are tried).
    pub fn exits(&self, stage: StageId) -> &[TransitionId] {
        self.exits.get(stage.index()).map_or(&[], Vec::as_slice)
    }
}

/// A compiled policy, ready to evaluate.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Policy {
    ir: Ir,
    machines: Vec<StateMachine>,
    score_bounds: Vec<(f64, f64)>,
    /// What each stage's ways out watch, by stage index.
    watches: Vec<Watch>,
    /// Which colleague conditions (roles, then `engaged`) read only their
    /// own member (see `watch::own_conditions`).
    own_conditions: Vec<bool>,
    /// Which values read only fields (see `steady`).
    steady: Steady,
    /// Every change with time alone of a transition's condition has a
    /// timer placed at its instant (see `placed`).
    every_change_placed: bool,
    /// The policy timezone's offsets, filled as conversions need them and
    /// shared by every replay with this policy.
    zone: std::sync::Arc<crate::zone::Zone>,
    hash: String,
    /// Warnings found while checking; a policy with errors never compiles.
    warnings: Diagnostics,
}

impl Policy {
    /// Parses, checks and compiles policy source text. `name` is how the
    /// source is named in diagnostics (usually its path).
    pub fn compile_named(name: &str, source: &str) -> Result<Policy, Diagnostics> {
        let diagnostics = |problems: Vec<Problem>| Diagnostics {
            name: name.to_string(),
            source: source.to_string(),
            problems,
        };
        let file = syntax::parse(source)
            .map_err(|errs| diagnostics(errs.into_iter().map(Problem::from).collect()))?;
        Policy::compile_parsed(name, source, &file)
    }

    /// What an editor needs of text being typed, from one parse: the
    /// definitions that parse (the outline of a half-typed file) and the
    /// problems [`Policy::compile_named`] would give.
    pub fn check_edited(name: &str, source: &str) -> (syntax::ast::PolicyFile, Vec<Problem>) {
        let edited = syntax::parse_edited(source);
        let problems = if edited.errors.is_empty() {
            match Policy::compile_parsed(name, source, &edited.file) {
                Ok(policy) => policy.warnings().problems.clone(),
                Err(d) => d.problems,
            }
        } else {
            edited.errors.into_iter().map(Problem::from).collect()
        };
        (edited.file, problems)
    }

    /// [`Policy::compile_named`] of text already parsed into `file`.
    fn compile_parsed(
        name: &str,
        source: &str,
        file: &syntax::ast::PolicyFile,
    ) -> Result<Policy, Diagnostics> {
        let diagnostics = |problems: Vec<Problem>| Diagnostics {
            name: name.to_string(),
            source: source.to_string(),
            problems,
        };
        let checked = check::check(file, source);
        let mut problems: Vec<Problem> =
            checked.diagnostics.into_iter().map(Problem::from).collect();
        let Some(model) = checked.model else {
            return Err(diagnostics(problems));
        };
        match lower::lower(&model) {
            Ok(ir) => Ok(Policy::from_ir(ir, &model, source, diagnostics(problems))),
            Err(e) => {
                problems.push(Problem::from(CheckError::from(e)));
                Err(diagnostics(problems))
            }
        }
    }

    fn from_ir(ir: Ir, model: &Model, source: &str, warnings: Diagnostics) -> Policy {
        let machines = ir
            .lifecycles
            .iter()
            .map(|lc| {
                let mut exits = vec![Vec::new(); ir.stages.len()];
                for t in &lc.transitions {
                    for f in &ir.transitions[*t].from {
                        if let Some(e) = exits.get_mut(f.index()) {
                            e.push(*t);
                        }
                    }
                }
                StateMachine {
                    entity: lc.entity,
                    exits,
                }
            })
            .collect::<Vec<_>>();
        let watches = watch::watches(&ir, &machines);
        let own_conditions = watch::own_conditions(&ir);
        let steady = steady::steady(&ir);
        let every_change_placed = placed::every_change_placed(&ir);
        let score_bounds = model.scores.iter().map(check::score_bounds).collect();
        let digest = Sha256::digest(source.as_bytes());
        let hash = format!(
            "sha256:{}",
            digest
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        let zone = std::sync::Arc::new(crate::zone::Zone::new(ir.timezone));
        Policy {
            ir,
            machines,
            score_bounds,
            watches,
            own_conditions,
            steady,
            every_change_placed,
            zone,
            hash,
            warnings,
        }
    }

    /// The compiled policy: every definition, with names resolved to
    /// typed ids and conditions lowered to nodes (used by the command
    /// line; not a stable API).
    #[doc(hidden)]
    pub fn ir(&self) -> &Ir {
        &self.ir
    }

    /// The policy's name, from `policy "..." { }`.
    pub fn name(&self) -> &str {
        &self.ir.name
    }

    /// The name of the team that owns `stage` of the contact or account
    /// lifecycle (`owner ...` on the stage), or `None` when the stage has
    /// no owner or the lifecycle has no such stage: the team that acts on
    /// a contact in that stage, e.g. to route a lead.
    ///
    /// ```
    /// use detente::{Lifecycle, Policy};
    /// let policy = Policy::compile(r#"
    /// policy "Tiny" { teams marketing, sales }
    /// event form_submit { }
    /// lifecycle contact {
    ///   stage lead initial owner marketing
    ///   stage sql final owner sales
    ///   lead -> sql on form_submit
    /// }
    /// "#).expect("a valid policy");
    /// assert_eq!(policy.stage_owner(Lifecycle::Contact, "sql"), Some("sales"));
    /// assert_eq!(policy.stage_owner(Lifecycle::Account, "sql"), None);
    /// ```
    pub fn stage_owner(&self, lifecycle: Entity, stage: &str) -> Option<&str> {
        let id = self.ir.stage_id(lifecycle, stage)?;
        let team = self.ir.stages[id].owner?;
        Some(self.ir.teams[team].as_str())
    }

    /// The policy's `version`, if it declares one.
    pub fn version(&self) -> Option<u64> {
        self.ir.version
    }

    /// `sha256:` and the hex digest of the exact source text.
    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// The state machine of the contact or the account lifecycle, if the
    /// policy has it.
    pub fn machine(&self, entity: Entity) -> Option<&StateMachine> {
        self.machines.iter().find(|m| m.entity == entity)
    }

    /// Every lifecycle's state machine, in the order written.
    pub fn machines(&self) -> &[StateMachine] {
        &self.machines
    }

    /// The lowest and highest value a score can reach.
    pub fn score_bounds(&self, score: ScoreId) -> Option<(f64, f64)> {
        self.score_bounds.get(score.index()).copied()
    }

    /// What a stage's ways out read beyond the contact (see `watch`); the
    /// most watchful answer for an unknown stage.
    pub fn watch(&self, stage: StageId) -> Watch {
        self.watches.get(stage.index()).copied().unwrap_or(Watch {
            always: true,
            account_fields: true,
            account_stage: true,
        })
    }

    /// Whether the `i`th buying-group role (or, at the number of roles,
    /// `engaged`) reads only its own member, not the group or the
    /// account's stage.
    pub fn reads_only_own_member(&self, i: usize) -> bool {
        self.own_conditions.get(i).copied().unwrap_or(false)
    }

    /// Which scores, criteria and buying-group conditions read only
    /// fields, and so change only when a field does.
    pub(crate) fn steady(&self) -> &Steady {
        &self.steady
    }

    /// Whether every change with time alone of every transition's
    /// condition has a timer placed at its instant (see `placed`): then
    /// the replay searches only the timers that can make a move.
    pub(crate) fn every_change_placed(&self) -> bool {
        self.every_change_placed
    }

    /// The policy timezone's offsets (shared: a replay holds it for its
    /// calendar).
    pub(crate) fn zone(&self) -> &std::sync::Arc<crate::zone::Zone> {
        &self.zone
    }

    /// The warnings found while checking (a policy with errors does not
    /// compile).
    pub fn warnings(&self) -> &Diagnostics {
        &self.warnings
    }
}

/// Only here so `CheckError` is reachable from the compiled policy's docs.
pub type Warning = CheckError;
