//! Any bytes as an HTTP request body: the reader never panics, and what
//! it reads classifies (or is refused with problems), as the server does.
#![no_main]

use std::sync::OnceLock;

use detente::Policy;
use detente::data::request::Request;
use detente::eval::classify::classify;
use libfuzzer_sys::fuzz_target;

fn policy() -> &'static Policy {
    static P: OnceLock<Policy> = OnceLock::new();
    P.get_or_init(|| {
        let text = include_str!("../../policies/acme.detente");
        match Policy::compile(text) {
            Ok(p) => p,
            Err(e) => panic!("{e}"),
        }
    })
}

fuzz_target!(|bytes: &[u8]| {
    if let Ok(request) = Request::from_slice_for(policy(), bytes) {
        let _ = classify(policy(), request, None);
    }
});
