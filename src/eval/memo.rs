//! Values worked out once per state of the replay and instant.
//!
//! At one check instant the same score, criteria or role is read many
//! times: by each transition tried, by the account's group conditions for
//! every member, by the timer search. The replay's state changes only at
//! known points (an event applied, a contact created, a move, an SLA
//! opened, met or cancelled), each of which calls `Run::changed`; between
//! two of them, at the instant being checked, a value is worked out once.
//! The timer search's look at the next event's instant has a memo of its
//! own; views at any other instant (the search probing in between) and
//! views inside an event pattern do not use one.

use crate::data::time::Instant;
use crate::ir::Duration;

use super::value::Truth;

/// One table of remembered values, by subject (members, then the
/// account) and item (score, criteria, role). A cell is current when it
/// carries the memo's generation, so forgetting everything is one
/// increment, whatever the size of the account.
#[derive(Debug, Default)]
pub struct Table<T: Copy> {
    width: usize,
    cells: Vec<(u64, T)>,
}

impl<T: Copy + Default> Table<T> {
    fn get(&self, generation: u64, row: usize, col: usize) -> Option<T> {
        let (g, v) = self.cells.get(row * self.width + col)?;
        (*g == generation).then_some(*v)
    }

    fn set(&mut self, generation: u64, shape: (usize, usize), row: usize, col: usize, v: T) {
        let (rows, width) = shape;
        if self.cells.len() != rows * width {
            self.width = width;
            // Generation 0 is never current: the memo starts at 1.
            self.cells = vec![(0, T::default()); rows * width];
        }
        if let Some(cell) = self.cells.get_mut(row * self.width + col) {
            *cell = (generation, v);
        }
    }
}

/// The values remembered: scores and criteria by score and criteria
/// index, roles by role index, engagement in one column.
#[derive(Debug)]
pub struct Memo {
    generation: u64,
    pub scores: Table<f64>,
    pub criteria: Table<Truth>,
    pub roles: Table<bool>,
    pub engaged: Table<bool>,
}

/// Picks one of the memo's tables.
pub type Pick<T> = fn(&mut Memo) -> &mut Table<T>;

impl Default for Memo {
    fn default() -> Memo {
        Memo {
            generation: 1,
            scores: Table::default(),
            criteria: Table::default(),
            roles: Table::default(),
            engaged: Table::default(),
        }
    }
}

impl Memo {
    pub fn forget(&mut self) {
        self.generation += 1;
    }

    /// The value in `pick`'s table at (`row`, `col`), if still current.
    pub fn recall<T: Copy + Default>(
        &mut self,
        pick: Pick<T>,
        row: usize,
        col: usize,
    ) -> Option<T> {
        let generation = self.generation;
        pick(self).get(generation, row, col)
    }

    /// Remembers `v` at (`row`, `col`) of `pick`'s table, which has
    /// `shape` (rows, columns).
    pub fn keep<T: Copy + Default>(
        &mut self,
        pick: Pick<T>,
        shape: (usize, usize),
        row: usize,
        col: usize,
        v: T,
    ) {
        let generation = self.generation;
        pick(self).set(generation, shape, row, col, v);
    }
}

/// Calendar sums already worked out. The same start and duration come up
/// at every check of a stay (`after 30d`, `time_in_stage >= 14d`,
/// `within 14d`), and calendar days and business time need time zone
/// arithmetic; a small direct-mapped table keeps the recent ones.
#[derive(Debug)]
pub struct Added {
    slots: Vec<Option<(Instant, Duration, Instant)>>,
}

const ADDED_SLOTS: usize = 64;

impl Default for Added {
    fn default() -> Added {
        Added {
            slots: vec![None; ADDED_SLOTS],
        }
    }
}

impl Added {
    /// The slot of `at` plus `d`: Fibonacci hashing of the start, the
    /// length and its unit.
    fn slot(at: Instant, d: Duration) -> usize {
        let (kind, n) = match d {
            Duration::Minutes(n) => (0u64, n),
            Duration::Days(n) => (1, n),
            Duration::BusinessHours(n) => (2, n),
            Duration::BusinessDays(n) => (3, n),
        };
        let key = (at as u64) ^ (n as u64).rotate_left(32) ^ (kind << 62);
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58) as usize % ADDED_SLOTS
    }

    /// `at` plus `d`, if worked out recently.
    pub fn recall(&self, at: Instant, d: Duration) -> Option<Instant> {
        match self.slots.get(Self::slot(at, d)).copied().flatten() {
            Some((a, b, sum)) if a == at && b == d => Some(sum),
            _ => None,
        }
    }

    /// Remembers that `at` plus `d` is `sum`.
    pub fn keep(&mut self, at: Instant, d: Duration, sum: Instant) {
        if let Some(s) = self.slots.get_mut(Self::slot(at, d)) {
            *s = Some((at, d, sum));
        }
    }
}

/// A member's next timer as last worked out.
#[derive(Debug, Clone, Copy)]
pub struct Timer {
    /// The earliest timer found, if any.
    pub due: Option<Instant>,
    /// How far the search looked: with nothing found, a later horizon
    /// needs a new search.
    pub searched_to: Instant,
    /// The member was checked (or changed) since: search again.
    pub stale: bool,
}

impl Default for Timer {
    fn default() -> Timer {
        Timer {
            due: None,
            searched_to: i64::MIN,
            stale: true,
        }
    }
}

/// The soonest instant of one condition about a member (a buying-group
/// role, `engaged`) in (`after`, `until`], as last searched. When the
/// condition does not read the group, the instants it may change at
/// depend on the member alone (its events, fields, stage, SLAs) and the
/// account's fields, so the answer stands until the member is checked
/// again or the account is updated.
#[derive(Debug, Clone, Copy)]
pub struct ConditionTimer {
    /// The role's index, or the number of roles for `engaged`, times
    /// the ways a condition is wanted, plus this way's (`collect_for`).
    pub key: usize,
    pub best: Option<Instant>,
    pub after: Instant,
    pub until: Instant,
}

impl ConditionTimer {
    /// The answer for (`after`, `until`], if this one gives it: a later
    /// start sees the same soonest instant while it is still ahead, and
    /// nothing found up to `until` means nothing up to an earlier one.
    pub fn answer(&self, after: Instant, until: Instant) -> Option<Option<Instant>> {
        if after < self.after {
            return None;
        }
        match self.best {
            Some(t) if t > after && t <= self.until => Some((t <= until).then_some(t)),
            None if until <= self.until => Some(None),
            _ => None,
        }
    }
}
