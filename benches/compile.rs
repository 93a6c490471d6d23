//! Parse + check + compile of a generated 5,000-line policy.
//!
//! Run: `cargo bench --bench compile`
#![expect(clippy::expect_used, reason = "a benchmark of a valid policy")]

use criterion::{Criterion, criterion_group, criterion_main};
use std::fmt::Write;

/// A valid policy of about `lines` lines: events, touchpoints, scores,
/// criteria, a long lifecycle, SLAs and metrics, all referring to each other.
fn generate(lines: usize) -> String {
    let n = lines / 25;
    let mut s = String::new();
    s.push_str(
        "policy \"Generated\" {\n  timezone \"Europe/London\"\n  teams marketing, sales\n}\n\n",
    );
    s.push_str(
        "contact {\n  title: text\n  budget: money?\n}\n\naccount {\n  employees: number\n}\n\n",
    );
    for i in 0..n {
        let _ = writeln!(
            s,
            "event e{i} {{ kind: \"a\" | \"b\" | \"c\", amount: money }}"
        );
    }
    for i in 0..n {
        let _ = writeln!(
            s,
            "touchpoint t{i} = e{i} where kind == \"a\" and amount >= $1k by marketing"
        );
    }
    for i in 0..n {
        let _ = writeln!(
            s,
            "\nscore s{i} {{\n  owner marketing\n  decay half_life 30d"
        );
        for j in 0..6 {
            let _ = writeln!(s, "  each t{} => +{} max 40", (i + j) % n, j + 1);
        }
        let _ = writeln!(
            s,
            "  contact.title matches \"(?i)vp{i}\" => +5\n  account.employees >= {} => +3\n}}",
            100 + i
        );
    }
    for i in 0..n {
        let _ = writeln!(
            s,
            "\ncriteria c{i} {{\n  owner shared\n  a: s{i} >= 10\n  b: seen(t{i} within 30d)\n  c: count(e{} where kind != \"c\") >= 2\n  require 2 of 3\n}}",
            (i + 1) % n
        );
    }
    s.push_str("\nlifecycle contact {\n  stage st0 initial owner marketing\n");
    for i in 1..n {
        let _ = writeln!(s, "  stage st{i} owner sales");
    }
    s.push_str("  stage done final\n  stage lost final detour\n\n  any -> lost when contact.title == \"competitor\"\n");
    for i in 0..n {
        let next = if i + 1 < n {
            format!("st{}", i + 1)
        } else {
            "done".into()
        };
        let _ = writeln!(s, "  st{i} -> {next} when c{i}");
        let _ = writeln!(s, "  st{i} -> {next} on e{i} where kind == \"b\"");
    }
    s.push_str("}\n");
    for i in 0..n / 4 {
        let _ = writeln!(
            s,
            "\nsla follow{i} {{\n  owner sales\n  starts on entering st{i}\n  met on t{i} or on leaving st{i}\n  within 16 business hours\n}}"
        );
    }
    for i in 0..n {
        let _ = writeln!(
            s,
            "metric m{i} = conversion(st{} -> done) * avg(e{i}.amount)",
            i % n
        );
    }
    s
}

fn bench(c: &mut Criterion) {
    let source = generate(5_000);
    let lines = source.lines().count();
    assert!(lines >= 5_000, "generated {lines} lines");
    let policy = detente::Policy::compile(&source).expect("the generated policy is valid");
    assert_eq!(policy.warnings().problems.len(), 0, "{}", policy.warnings());
    c.bench_function(&format!("parse+check+compile {lines}-line policy"), |b| {
        b.iter(|| detente::Policy::compile(std::hint::black_box(&source)))
    });
    let acme = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/policies/acme.detente"
    ))
    .expect("policies/acme.detente");
    c.bench_function("parse+check+compile policies/acme.detente", |b| {
        b.iter(|| detente::Policy::compile(std::hint::black_box(&acme)))
    });
}

/// What `detente lsp` does on each keystroke: the outline (from the
/// definitions that parse) and the diagnostics of `check`. Target: at most
/// 10 ms for a 1,000-line policy, whole or half-typed.
fn language_server(c: &mut Criterion) {
    let source = generate(875);
    let lines = source.lines().count();
    assert!((1_000..1_050).contains(&lines), "generated {lines} lines");
    // What `src/cli/lsp/analysis.rs` does on each change.
    let recheck = |text: &str| {
        let (file, problems) = detente::Policy::check_edited("policy", text);
        (
            detente::syntax::outline::outline(&file, text).len(),
            problems.len(),
        )
    };
    assert_eq!(recheck(&source).1, 0);
    c.bench_function(
        &format!("language server re-check, {lines}-line policy"),
        |b| b.iter(|| recheck(std::hint::black_box(&source))),
    );
    // Half-typed: a transition cut short in the middle of the lifecycle.
    let half = source.replacen("  stage done final", "  st0 -> \n  stage done final", 1);
    assert!(recheck(&half).1 > 0, "the half-typed policy has an error");
    c.bench_function(
        &format!("language server re-check, {lines}-line policy, half-typed"),
        |b| b.iter(|| recheck(std::hint::black_box(&half))),
    );
}

criterion_group!(benches, bench, language_server);
criterion_main!(benches);
