//! "Did you mean" suggestions for unknown keys, by edit distance.

/// "unknown key `x` in #[kube(...)]; did you mean `y`?".
pub(crate) fn unknown_key(place: &str, key: &str, known: &[&str]) -> String {
    let mut message = format!("unknown key `{key}` in {place}");
    if let Some(suggestion) = suggest(key, known) {
        message.push_str(&format!("; did you mean `{suggestion}`?"));
    } else {
        message.push_str(&format!("; expected one of: {}", known.join(", ")));
    }
    message
}

/// The closest known key: edit distance up to a third of its length, or a key it contains.
fn suggest<'a>(key: &str, known: &[&'a str]) -> Option<&'a str> {
    let key = key.to_ascii_lowercase().replace('_', "");
    known
        .iter()
        .map(|k| (distance(&key, &k.replace('_', "")), *k))
        .filter(|(d, k)| *d <= (k.len() / 3).max(1) || key.starts_with(&k.replace('_', "")))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Levenshtein distance.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attrs::KEYS;

    #[test]
    fn suggestions_find_near_misses() {
        assert_eq!(suggest("shortnames", KEYS), Some("shortname"));
        assert_eq!(suggest("namespace", KEYS), Some("namespaced"));
        assert_eq!(suggest("print_column", KEYS), Some("printcolumn"));
        assert_eq!(suggest("grop", KEYS), Some("group"));
        assert_eq!(suggest("selectable_fields", KEYS), Some("selectable"));
        assert_eq!(suggest("xyzzy", KEYS), None);
    }

    #[test]
    fn unknown_key_lists_keys_without_a_suggestion() {
        let message = unknown_key("scale(...)", "zzz", &["a", "b"]);
        assert_eq!(
            message,
            "unknown key `zzz` in scale(...); expected one of: a, b"
        );
    }
}
