//! Sets of Kubernetes versions, and the k8s-openapi version macros (`k8s_if_ge_1_34!`, ...)
//! that compile code only for some of them.

use std::fmt;

use super::VERSIONS;

/// A set of the versions in [`VERSIONS`], one bit per index.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Versions(u8);

impl Versions {
    /// Every version.
    pub fn all() -> Self {
        Self((1 << VERSIONS.len()) - 1)
    }

    /// The version at `index` in [`VERSIONS`].
    pub fn one(index: usize) -> Self {
        Self(1 << index)
    }

    pub fn contains(self, index: usize) -> bool {
        self.0 & (1 << index) != 0
    }

    pub fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// Whether every version of `self` is in `other`.
    pub fn is_subset(self, other: Self) -> bool {
        self.0 & !other.0 == 0
    }

    /// Ranges of indexes that hold every version of `self` and none of `context` outside
    /// it; versions outside `context` don't matter (the code around is not compiled there),
    /// so ranges stretch over them to need fewer macros.
    pub fn ranges_within(self, context: Self) -> Vec<(usize, usize)> {
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        let mut open: Option<(usize, usize)> = None;
        for index in 0..VERSIONS.len() {
            let wanted = self.contains(index);
            let excluded = context.contains(index) && !wanted;
            match (&mut open, wanted, excluded) {
                (Some((_, end)), true, _) => *end = index,
                (None, true, _) => open = Some((index, index)),
                (Some(range), _, true) => {
                    ranges.push(*range);
                    open = None;
                }
                _ => {}
            }
        }
        ranges.extend(open);
        // Stretch each range over neighbours that don't matter.
        let not_excluded = |i: usize| !context.contains(i) || self.contains(i);
        for (start, end) in &mut ranges {
            while *start > 0 && not_excluded(*start - 1) {
                *start -= 1;
            }
            while *end + 1 < VERSIONS.len() && not_excluded(*end + 1) {
                *end += 1;
            }
        }
        ranges
    }
}

/// The macros that compile code for exactly the versions of one range, outermost first:
/// none for every version, `k8s_if_1_35`, `k8s_if_ge_1_34`, `k8s_if_le_1_35`, or a
/// `ge` around an `le`.
pub fn macros((start, end): (usize, usize)) -> Vec<String> {
    let minor = |i: usize| VERSIONS[i].0;
    let last = VERSIONS.len() - 1;
    match (start, end) {
        (0, e) if e == last => vec![],
        (s, e) if s == e => vec![format!("k8s_if_1_{}", minor(s))],
        (0, e) => vec![format!("k8s_if_le_1_{}", minor(e))],
        (s, e) if e == last => vec![format!("k8s_if_ge_1_{}", minor(s))],
        (s, e) => vec![
            format!("k8s_if_ge_1_{}", minor(s)),
            format!("k8s_if_le_1_{}", minor(e)),
        ],
    }
}

impl fmt::Display for Versions {
    /// `1.34–1.37`-style, for reports.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = (0..VERSIONS.len())
            .filter(|&i| self.contains(i))
            .map(|i| format!("1.{}", VERSIONS[i].0))
            .collect();
        f.write_str(&names.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(indexes: &[usize]) -> Versions {
        indexes
            .iter()
            .fold(Versions::default(), |s, &i| s.union(Versions::one(i)))
    }

    #[test]
    fn ranges_pick_the_fewest_macros() {
        let all = Versions::all();
        assert_eq!(set(&[1, 2, 3, 4]).ranges_within(all), [(1, 4)]);
        assert_eq!(macros((1, 4)), ["k8s_if_ge_1_34"]);
        assert_eq!(macros((2, 2)), ["k8s_if_1_35"]);
        assert_eq!(macros((0, 2)), ["k8s_if_le_1_35"]);
        assert_eq!(macros((1, 2)), ["k8s_if_ge_1_34", "k8s_if_le_1_35"]);
        assert!(macros((0, 4)).is_empty());
        assert_eq!(set(&[0, 4]).ranges_within(all), [(0, 0), (4, 4)]);
    }

    #[test]
    fn versions_outside_the_context_stretch_ranges() {
        // A field of a type that exists from 1.36 on, added in 1.37: `ge_1_37` whatever
        // came before.
        let context = set(&[3, 4]);
        assert_eq!(set(&[4]).ranges_within(context), [(4, 4)]);
        // The field is in both versions of a 1.36+ type: no macro needed.
        assert_eq!(set(&[3, 4]).ranges_within(context), [(0, 4)]);
        // Only in 1.36 of a 1.36+ type.
        assert_eq!(set(&[3]).ranges_within(context), [(0, 3)]);
        assert_eq!(macros((0, 3)), ["k8s_if_le_1_36"]);
        assert_eq!(set(&[2, 3]).to_string(), "1.35, 1.36");
    }
}
