//! The shipped policy the data and request targets read with.

use std::sync::OnceLock;

use detente::Policy;

/// `policies/acme.detente`, compiled once.
pub fn policy() -> &'static Policy {
    static P: OnceLock<Policy> = OnceLock::new();
    P.get_or_init(|| {
        let text = include_str!("../../policies/acme.detente");
        match Policy::compile(text) {
            Ok(p) => p,
            Err(e) => panic!("{e}"),
        }
    })
}
