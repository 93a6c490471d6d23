//! The formatter: a policy that parses prints to text that parses to the
//! same tree (spans aside), and printing that again changes nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let Ok(file) = detente::syntax::parse(text) else {
        return;
    };
    let printed = detente::syntax::print::print(&file, text);
    let again = match detente::syntax::parse(&printed) {
        Ok(f) => f,
        Err(e) => panic!("the formatted policy does not parse: {e:?}\n{printed}"),
    };
    assert_eq!(
        again.items, file.items,
        "formatting changed the policy:\n{printed}"
    );
    assert_eq!(
        detente::syntax::print::print(&again, &printed),
        printed,
        "not idempotent"
    );
});
