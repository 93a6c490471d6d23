//! Any bytes as an HTTP request body: the reader never panics, and what
//! it reads classifies (or is refused with problems), as the server does.
#![no_main]

use detente::data::request::Request;
use detente::eval::classify::classify;
use libfuzzer_sys::fuzz_target;

#[path = "acme.rs"]
mod acme;
use acme::policy;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(request) = Request::from_slice_for(policy(), bytes) {
        let _ = classify(policy(), request, None);
    }
});
