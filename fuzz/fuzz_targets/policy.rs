//! Any bytes as a policy: parse, check and compile never panic or
//! overflow the stack; a policy that compiles can be replayed on nothing;
//! what the language server reads of half-typed text (the definitions
//! that parse, their outline, each name's place) never panics either.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        let _ = detente::syntax::parse_bytes(bytes);
        return;
    };
    let (file, _) = detente::Policy::check_edited("policy", text);
    let outline = detente::syntax::outline::outline(&file, text);
    for s in detente::syntax::outline::all(&outline) {
        assert!(s.name_span.end as usize <= text.len());
    }
    for offset in [0, text.len() / 2, text.len()] {
        let _ = detente::syntax::construct::Place::at(text, offset);
    }
    if let Ok(policy) = detente::Policy::compile(text) {
        let empty = detente::data::Histories::default();
        let _ = policy.evaluate(&empty, Some(0));
    }
});
