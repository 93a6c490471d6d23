//! Any bytes as a policy: parse, check and compile never panic or
//! overflow the stack; a policy that compiles can be replayed on nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        let _ = detente::syntax::parse_bytes(bytes);
        return;
    };
    if let Ok(policy) = detente::Policy::compile(text) {
        let empty = detente::data::Histories::default();
        let _ = policy.evaluate(&empty, Some(0));
    }
});
