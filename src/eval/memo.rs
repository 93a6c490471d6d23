//! Values worked out once per state of the replay and instant.
//!
//! At one check instant the same score, criteria or role is read many
//! times: by each transition tried, by the account's group conditions for
//! every member, by the timer search. The replay's state changes only at
//! known points (an event applied, a contact created, a move, an SLA
//! opened, met or cancelled), each of which calls [`Run::changed`]; between
//! two of them, at the instant being checked, a value is worked out once.
//! The timer search's look at the next event's instant has a memo of its
//! own; views at any other instant (the search probing in between) and
//! views inside an event pattern do not use one.

use crate::data::time::Instant;
use crate::ir::Duration;

use super::state::Run;
use super::view::Truth;

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

impl Run<'_> {
    /// The replay's state changed: nothing remembered still holds.
    pub fn changed(&mut self) {
        self.memo.get_mut().forget();
        self.memo_ahead.get_mut().forget();
        self.memo_end.get_mut().forget();
    }

    /// A new check instant: remembered values were for another.
    pub fn at_instant(&mut self, now: Instant) {
        self.instant = now;
        self.changed();
    }

    /// The timer search looks as far as `horizon` (the next event): values
    /// there are remembered too, as every member's decaying scores are
    /// compared there.
    pub fn look_ahead_to(&mut self, horizon: Instant) {
        if self.horizon != horizon {
            self.horizon = horizon;
            self.memo_ahead.get_mut().forget();
        }
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

impl Run<'_> {
    /// `at` plus `d` in the policy's calendar.
    pub fn add_time(&self, at: Instant, d: Duration) -> Instant {
        if let Duration::Minutes(m) = d {
            return at.saturating_add(m.saturating_mul(60_000));
        }
        let (kind, n) = match d {
            Duration::Minutes(n) => (0u64, n),
            Duration::Days(n) => (1, n),
            Duration::BusinessHours(n) => (2, n),
            Duration::BusinessDays(n) => (3, n),
        };
        // Fibonacci hashing of the start, the length and its unit.
        let key = (at as u64) ^ (n as u64).rotate_left(32) ^ (kind << 62);
        let slot = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58) as usize % ADDED_SLOTS;
        let known = self.added.borrow().slots.get(slot).copied().flatten();
        if let Some((a, b, sum)) = known
            && a == at
            && b == d
        {
            return sum;
        }
        let sum = self.calendar.add(at, d);
        if let Some(s) = self.added.borrow_mut().slots.get_mut(slot) {
            *s = Some((at, d, sum));
        }
        sum
    }
}
