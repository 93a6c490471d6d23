//! Détente: the sales and marketing agreement as an executable policy.
//!
//! ```
//! let source = r#"
//! policy "Tiny" { teams marketing, sales }
//! event form_submit { form: text }
//! lifecycle contact {
//!   stage subscriber initial owner marketing
//!   stage lead final
//!   subscriber -> lead on form_submit
//! }
//! "#;
//! let policy = detente::Policy::compile(source).expect("a valid policy");
//! assert_eq!(policy.name(), "Tiny");
//! ```

// The pest parser generated without pest's `std` feature names `alloc::`.
extern crate alloc;

pub mod check;
pub mod compile;
pub mod data;
pub mod diagnostic;
pub mod eval;
pub mod generate;
pub mod names;
pub mod report;
pub mod span;
pub mod syntax;
pub mod testing;

pub use compile::Policy;
pub use diagnostic::{Diagnostics, Problem};

impl Policy {
    /// Parses, checks and compiles a policy. Warnings do not stop it; they
    /// are available from [`Policy::warnings`].
    pub fn compile(source: &str) -> Result<Policy, Diagnostics> {
        Policy::compile_named("policy.detente", source)
    }
}
