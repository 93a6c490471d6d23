//! "Did you mean ...?" suggestions.

/// The known name closest to `unknown`, if one is close enough that a typo
/// is the likely explanation.
pub fn closest<'a>(unknown: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = unknown.to_lowercase();
    known
        .into_iter()
        .filter(|k| *k != unknown)
        .map(|k| {
            let score = strsim::jaro_winkler(&lower, &k.to_lowercase());
            (score, k)
        })
        .filter(|(score, k)| {
            *score >= 0.8 || strsim::damerau_levenshtein(&lower, &k.to_lowercase()) <= 2
        })
        // Highest similarity wins; ties go to the alphabetically first name
        // so suggestions are deterministic.
        .max_by(|(a, ka), (b, kb)| a.total_cmp(b).then_with(|| kb.cmp(ka)))
        .map(|(_, k)| k)
}

/// Up to three nearest names, best first, for "known names are ..." help.
pub fn nearest<'a>(unknown: &str, known: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let lower = unknown.to_lowercase();
    let mut scored: Vec<(f64, &str)> = known
        .into_iter()
        .map(|k| (strsim::jaro_winkler(&lower, &k.to_lowercase()), k))
        .collect();
    scored.sort_by(|(a, ka), (b, kb)| b.total_cmp(a).then_with(|| ka.cmp(kb)));
    scored.into_iter().take(3).map(|(_, k)| k).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_typos_only() {
        let known = ["mql", "sql", "sal", "lead", "customer"];
        assert_eq!(closest("cusomer", known), Some("customer"));
        assert_eq!(closest("leed", known), Some("lead"));
        assert_eq!(closest("zzzzzzzz", known), None);
    }
}
