//! Frequent items by Misra-Gries (Misra & Gries 1982; mergeable as in Agarwal et al., "Mergeable
//! Summaries", 2012): at most `cap` counters. When more are held, the `cap` largest stay, each
//! lowered by the largest count dropped (the `(cap+1)`-th), and counters that reach zero go. Every
//! item's true count is then at most its counter plus the total subtracted, which is at most
//! `n / (cap + 1)` over a stream of `n` items; counts stay exact while nothing was cut.

/// The cut of counters `counts` (one per item, the items in their sorted order) to at most
/// `cap`: the indices of the items kept, in descending count with ties in index order (so the
/// result is deterministic), and the amount subtracted from each kept counter (0 when
/// `counts.len() <= cap`, and then every index is kept).
pub fn misra_gries_cut(counts: &[u64], cap: usize) -> (Vec<usize>, u64) {
    if counts.len() <= cap {
        return ((0..counts.len()).collect(), 0);
    }
    let mut idx: Vec<usize> = (0..counts.len()).collect();
    let by = |&i: &usize| (std::cmp::Reverse(counts[i]), i);
    // the cap+1 largest first (selection, then sorting only those)
    idx.select_nth_unstable_by_key(cap, by);
    let cut = counts[idx[cap]];
    idx.truncate(cap);
    idx.sort_unstable_by_key(by);
    idx.retain(|&i| counts[i] > cut);
    (idx, cut)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule written out: sort everything, keep the first `cap` above the `(cap+1)`-th count.
    fn reference(counts: &[u64], cap: usize) -> (Vec<usize>, u64) {
        let mut idx: Vec<usize> = (0..counts.len()).collect();
        idx.sort_by_key(|&i| std::cmp::Reverse(counts[i])); // stable: ties in index order
        if counts.len() <= cap {
            return ((0..counts.len()).collect(), 0);
        }
        let cut = counts[idx[cap]];
        (idx[..cap].iter().copied().filter(|&i| counts[i] > cut).collect(), cut)
    }

    #[test]
    fn equals_the_sorted_rule() {
        let mut s = 11u64;
        let mut next = |m: u64| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (s >> 33) % m
        };
        for &(n, cap, m) in &[(0usize, 3usize, 5u64), (3, 3, 5), (4, 3, 5), (50, 10, 3), (1000, 100, 1000), (1000, 999, 2), (7, 1, 1)] {
            let counts: Vec<u64> = (0..n).map(|_| 1 + next(m)).collect();
            assert_eq!(misra_gries_cut(&counts, cap), reference(&counts, cap), "n={n} cap={cap}");
        }
        // all tied: the cut removes everything (every count equals the (cap+1)-th)
        assert_eq!(misra_gries_cut(&[2, 2, 2], 2), (vec![], 2));
        assert_eq!(misra_gries_cut(&[5, 1, 3], 2), (vec![0, 2], 1));
        assert_eq!(misra_gries_cut(&[1, 3, 3, 2], 2), (vec![1, 2], 2));
    }
}
