//! Contact histories from CRM exports (issue #3: in progress).

pub mod time;
