//! Counting kernels: histograms over explicit or equal-width edges, category counts.
//!
//! Histogram semantics match `numpy.histogram`: bins are half-open `[e[i], e[i+1])` except the
//! last, which is closed; values outside `[e[0], e[last]]` are not counted. NaN is never counted
//! (it is reported as missing by the caller); infinities count when an edge is infinite.
use rayon::prelude::*;

use crate::error::{Result, StatsError};
use crate::PARALLEL_MIN_LEN;

const CHUNK: usize = 1 << 16;

/// Edges of `n` equal-width bins over `[lo, hi]`, computed as `numpy.linspace(lo, hi, n + 1)`
/// (`start + i * step`, last edge set to `hi`), so that counts match numpy bit for bit.
pub fn uniform_edges(lo: f64, hi: f64, n: usize) -> Result<Vec<f64>> {
    if n == 0 {
        return Err(StatsError::InvalidArgument("`bins` must be at least 1".into()));
    }
    if !(lo.is_finite() && hi.is_finite()) || lo > hi {
        return Err(StatsError::InvalidArgument(format!(
            "histogram range must be finite with lo <= hi, got [{lo}, {hi}]"
        )));
    }
    let (lo, hi) = if lo == hi { (lo - 0.5, hi + 0.5) } else { (lo, hi) };
    let step = (hi - lo) / n as f64;
    let mut edges: Vec<f64> = (0..=n).map(|i| i as f64 * step + lo).collect();
    edges[n] = hi;
    Ok(edges)
}

fn check_edges(edges: &[f64]) -> Result<()> {
    if edges.len() < 2 {
        return Err(StatsError::InvalidArgument(format!(
            "`edges` needs at least 2 values (one bin), got {}",
            edges.len()
        )));
    }
    if let Some(i) = edges.iter().position(|e| e.is_nan()) {
        return Err(StatsError::InvalidArgument(format!("`edges` holds NaN at index {i}")));
    }
    if let Some(i) = edges.windows(2).position(|w| w[0] > w[1]) {
        return Err(StatsError::InvalidArgument(format!(
            "`edges` must increase monotonically, but edges[{i}] = {} > edges[{}] = {}",
            edges[i],
            i + 1,
            edges[i + 1]
        )));
    }
    Ok(())
}

/// Number of edges `<= x`, by a branch-free binary search (`edges` is short and sits in L1).
#[inline(always)]
fn count_le(edges: &[f64], x: f64) -> usize {
    let mut base = 0usize;
    let mut n = edges.len();
    while n > 1 {
        let half = n / 2;
        base = if edges[base + half] <= x { base + half } else { base };
        n -= half;
    }
    base + (edges[base] <= x) as usize
}

/// Counts of one chunk into `nbins + 1` slots (the last slot collects values out of range),
/// using four interleaved count arrays so that repeated bins do not serialise the increments.
fn count_chunk<F: Fn(f64) -> usize>(x: &[f64], nbins: usize, index: F) -> Vec<u64> {
    let slots = nbins + 1;
    let mut c = vec![0u64; slots * 4];
    let mut quads = x.chunks_exact(4);
    for q in &mut quads {
        c[index(q[0])] += 1;
        c[slots + index(q[1])] += 1;
        c[2 * slots + index(q[2])] += 1;
        c[3 * slots + index(q[3])] += 1;
    }
    for &v in quads.remainder() {
        c[index(v)] += 1;
    }
    (0..nbins).map(|i| c[i] + c[slots + i] + c[2 * slots + i] + c[3 * slots + i]).collect()
}

fn count_parallel<F: Fn(f64) -> usize + Sync>(x: &[f64], nbins: usize, index: F) -> Vec<u64> {
    if x.len() < PARALLEL_MIN_LEN {
        return count_chunk(x, nbins, &index);
    }
    x.par_chunks(CHUNK)
        .map(|c| count_chunk(c, nbins, &index))
        .reduce(|| vec![0u64; nbins], |mut a, b| {
            a.iter_mut().zip(b).for_each(|(s, v)| *s += v);
            a
        })
}

/// A uniform grid over the finite edges `[lo, hi]` that maps a value to a bin in O(1): each cell
/// stores the bin of its left end, and a short walk against the real edges corrects the guess
/// (cells with several edges, floating-point rounding of the cell index, and values beyond the
/// finite edges, which clamp to the first or last cell and walk into an open outer bin).
struct EdgeGrid<'a> {
    edges: &'a [f64],
    first: f64,
    scale: f64,
    start: Vec<u32>,
}

impl<'a> EdgeGrid<'a> {
    /// `None` when fewer than two distinct finite edges exist (no grid can cover them).
    fn new(edges: &'a [f64]) -> Option<Self> {
        let nbins = edges.len() - 1;
        let lo = edges.iter().position(|e| e.is_finite())?;
        let hi = edges.iter().rposition(|e| e.is_finite())?;
        let (first, last) = (edges[lo], edges[hi]);
        if first >= last || nbins >= u32::MAX as usize {
            return None;
        }
        let cells = (32 * (hi - lo)).clamp(1024, 1 << 14);
        let scale = cells as f64 / (last - first);
        if !scale.is_finite() {
            return None;
        }
        let width = (last - first) / cells as f64;
        let start = (0..cells)
            .map(|c| (count_le(edges, first + c as f64 * width).max(1) - 1).min(nbins - 1) as u32)
            .collect();
        Some(EdgeGrid { edges, first, scale, start })
    }

    #[inline(always)]
    fn bin(&self, v: f64) -> usize {
        let e = self.edges;
        let nbins = e.len() - 1;
        // `as usize` saturates: values below the grid (and -inf) land in cell 0
        let cell = (((v - self.first) * self.scale) as usize).min(self.start.len() - 1);
        let mut b = self.start[cell] as usize;
        while b > 0 && v < e[b] {
            b -= 1;
        }
        while b + 1 < nbins && v >= e[b + 1] {
            b += 1;
        }
        b
    }
}

/// Up to this many bins, [`count_small`] beats the grid: a handful of vectorised comparisons
/// per value and no data-dependent branch (quantile bins of random data mispredict the walks).
const SMALL_BINS: usize = 16;
const SMALL_BLOCK: usize = 256;

/// Histogram with few edges, branch-free: a value's bin is the number of inner edges at or
/// below it (`numpy.searchsorted(edges, v, "right") - 1`, the last bin closed), computed for a
/// block of values one edge at a time so that the compiler vectorises the comparisons.
fn count_small(x: &[f64], edges: &[f64]) -> Vec<u64> {
    let nbins = edges.len() - 1;
    let (first, last) = (edges[0], edges[nbins]);
    let inner = &edges[1..nbins];
    let one = |c: &[f64]| -> Vec<u64> {
        let slots = nbins + 1;
        let mut counts = vec![0u64; 4 * slots];
        let mut idx = [0u64; SMALL_BLOCK];
        for block in c.chunks(SMALL_BLOCK) {
            let idx = &mut idx[..block.len()];
            for (i, &v) in idx.iter_mut().zip(block) {
                // out of range (or NaN): the spill slot, which no inner edge count can reach
                *i = if v >= first && v <= last { 0 } else { slots as u64 };
            }
            for &e in inner {
                for (i, &v) in idx.iter_mut().zip(block) {
                    *i += (v >= e) as u64;
                }
            }
            let mut quads = idx.chunks_exact(4);
            for q in &mut quads {
                counts[(q[0] as usize).min(nbins)] += 1;
                counts[slots + (q[1] as usize).min(nbins)] += 1;
                counts[2 * slots + (q[2] as usize).min(nbins)] += 1;
                counts[3 * slots + (q[3] as usize).min(nbins)] += 1;
            }
            for &i in quads.remainder() {
                counts[(i as usize).min(nbins)] += 1;
            }
        }
        (0..nbins).map(|i| counts[i] + counts[slots + i] + counts[2 * slots + i] + counts[3 * slots + i]).collect()
    };
    if x.len() < PARALLEL_MIN_LEN {
        return one(x);
    }
    x.par_chunks(CHUNK).map(one).reduce(|| vec![0u64; nbins], |mut a, b| {
        a.iter_mut().zip(b).for_each(|(s, v)| *s += v);
        a
    })
}

/// Histogram over explicit, monotonically increasing edges (`numpy.histogram(x, bins=edges)`).
pub fn histogram_edges(x: &[f64], edges: &[f64]) -> Result<Vec<u64>> {
    check_edges(edges)?;
    let nbins = edges.len() - 1;
    let (first, last) = (edges[0], edges[nbins]);
    if nbins <= SMALL_BINS {
        return Ok(count_small(x, edges));
    }
    // NaN and values out of range go to the spill slot `nbins`; x == last lands in the last,
    // closed bin because the walks never step past bin nbins - 1.
    if let Some(grid) = EdgeGrid::new(edges) {
        return Ok(count_parallel(x, nbins, |v| if v >= first && v <= last { grid.bin(v) } else { nbins }));
    }
    Ok(count_parallel(x, nbins, |v| {
        if v >= first && v <= last {
            (count_le(edges, v) - 1).min(nbins - 1)
        } else {
            nbins
        }
    }))
}

/// Histogram with `nbins` equal-width bins over `[lo, hi]`
/// (`numpy.histogram(x, bins=nbins, range=(lo, hi))`), returning counts and edges.
pub fn histogram_uniform(x: &[f64], nbins: usize, lo: f64, hi: f64) -> Result<(Vec<u64>, Vec<f64>)> {
    let edges = uniform_edges(lo, hi, nbins)?;
    let (first, last) = (edges[0], edges[nbins]);
    let scale = nbins as f64 / (last - first);
    let e = &edges;
    let counts = count_parallel(x, nbins, |v| {
        if !(v >= first && v <= last) {
            return nbins;
        }
        // numpy's fast path: a float index, then a one-step correction against the real edges.
        let mut i = (((v - first) * scale) as usize).min(nbins - 1);
        if v < e[i] {
            i -= 1;
        } else if i + 1 < nbins && v >= e[i + 1] {
            i += 1;
        }
        i
    });
    Ok((counts, edges))
}

/// Smallest and largest non-NaN value, or `None` when there is none.
pub fn min_max(x: &[f64]) -> Option<(f64, f64)> {
    let fold = |c: &[f64]| {
        c.iter().fold((f64::INFINITY, f64::NEG_INFINITY, false), |(lo, hi, any), &v| {
            if v.is_nan() {
                (lo, hi, any)
            } else {
                (lo.min(v), hi.max(v), true)
            }
        })
    };
    let (lo, hi, any) = if x.len() < PARALLEL_MIN_LEN {
        fold(x)
    } else {
        x.par_chunks(CHUNK).map(fold).reduce(
            || (f64::INFINITY, f64::NEG_INFINITY, false),
            |a, b| (a.0.min(b.0), a.1.max(b.1), a.2 || b.2),
        )
    };
    any.then_some((lo, hi))
}

/// Category counts from integer codes (Polars categorical physical codes, Arrow dictionary
/// indices): `counts[c]` for `c` in `0..n_categories`, plus the number of codes equal to
/// `null_code` (missing). Any other code outside the range is an error naming its position.
pub fn count_codes<T>(codes: &[T], n_categories: usize, null_code: Option<T>) -> Result<(Vec<u64>, u64)>
where
    T: Copy + PartialEq + TryInto<usize> + Send + Sync + std::fmt::Display,
{
    let one = |c: &[T], offset: usize| -> Result<(Vec<u64>, u64)> {
        let mut counts = vec![0u64; n_categories];
        let mut nulls = 0u64;
        for (i, &code) in c.iter().enumerate() {
            if Some(code) == null_code {
                nulls += 1;
                continue;
            }
            match code.try_into() {
                Ok(k) if k < n_categories => counts[k] += 1,
                _ => {
                    return Err(StatsError::InvalidArgument(format!(
                        "`codes` holds {code} at index {}, outside the {n_categories} categories",
                        offset + i
                    )))
                }
            }
        }
        Ok((counts, nulls))
    };
    if codes.len() < PARALLEL_MIN_LEN {
        return one(codes, 0);
    }
    let parts: Vec<Result<(Vec<u64>, u64)>> =
        codes.par_chunks(CHUNK).enumerate().map(|(k, c)| one(c, k * CHUNK)).collect();
    let mut counts = vec![0u64; n_categories];
    let mut nulls = 0;
    for p in parts {
        let (c, n) = p?;
        counts.iter_mut().zip(c).for_each(|(s, v)| *s += v);
        nulls += n;
    }
    Ok((counts, nulls))
}

/// Counts of distinct strings held Arrow-style (`offsets` into UTF-8 `data`, optional validity
/// bitmap with a bit offset). Categories come back in order of first appearance, so the output
/// is deterministic; the second value is the number of nulls.
pub fn count_strings(
    offsets: &[i64],
    data: &[u8],
    validity: Option<(&[u8], usize)>,
) -> Result<(Vec<(String, u64)>, u64)> {
    use std::collections::HashMap;
    if offsets.is_empty() {
        return Ok((Vec::new(), 0));
    }
    let n = offsets.len() - 1;
    if let Some((bits, off)) = validity {
        if bits.len() * 8 < off + n {
            return Err(StatsError::InvalidArgument("validity bitmap is shorter than the array".into()));
        }
    }
    let mut index: HashMap<&[u8], usize> = HashMap::new();
    let mut cats: Vec<(&[u8], u64)> = Vec::new();
    let mut nulls = 0u64;
    for i in 0..n {
        if let Some((bits, off)) = validity {
            let b = off + i;
            if bits[b / 8] & (1 << (b % 8)) == 0 {
                nulls += 1;
                continue;
            }
        }
        let (s, e) = (offsets[i], offsets[i + 1]);
        if s < 0 || e < s || e as usize > data.len() {
            return Err(StatsError::InvalidArgument(format!("string offsets are corrupt at index {i}")));
        }
        let key = &data[s as usize..e as usize];
        match index.get(key) {
            Some(&k) => cats[k].1 += 1,
            None => {
                index.insert(key, cats.len());
                cats.push((key, 1));
            }
        }
    }
    let cats = cats
        .into_iter()
        .enumerate()
        .map(|(i, (k, c))| {
            std::str::from_utf8(k)
                .map(|s| (s.to_string(), c))
                .map_err(|_| StatsError::InvalidArgument(format!("category {i} is not valid UTF-8")))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((cats, nulls))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_match_numpy_semantics() {
        let x = [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, f64::NAN, -1.0, 3.0];
        assert_eq!(histogram_edges(&x, &[0.0, 1.0, 2.0, 2.5]).unwrap(), vec![2, 2, 2]);
        // duplicate edges: the empty bin stays empty, the value goes to the next bin
        assert_eq!(histogram_edges(&[1.0, 1.0], &[0.0, 1.0, 1.0, 2.0]).unwrap(), vec![0, 0, 2]);
        assert_eq!(histogram_edges(&[1.0], &[0.0, 1.0, 1.0]).unwrap(), vec![0, 1]);
        assert!(histogram_edges(&x, &[1.0]).is_err());
        assert!(histogram_edges(&x, &[1.0, 0.0]).is_err());
    }

    #[test]
    fn grid_matches_binary_search() {
        // clustered edges (many in one grid cell), duplicates, and values on every edge
        let mut edges = vec![-1.0, 0.0, 1e-9, 2e-9, 2e-9, 3e-9, 0.5, 1.0];
        edges.extend((1..50).map(|i| 1.0 + i as f64 * 1e-3));
        let mut x: Vec<f64> = (0..20_000).map(|i| -1.5 + (i as f64) * 1.3e-4).collect();
        x.extend(edges.iter().copied());
        let by_search: Vec<u64> = {
            let nbins = edges.len() - 1;
            let mut c = vec![0u64; nbins];
            for &v in &x {
                if v >= edges[0] && v <= edges[nbins] {
                    c[(count_le(&edges, v) - 1).min(nbins - 1)] += 1;
                }
            }
            c
        };
        assert!(EdgeGrid::new(&edges).is_some());
        assert_eq!(histogram_edges(&x, &edges).unwrap(), by_search);
        // infinite outer edges: the grid covers the finite ones, the open bins the rest
        assert_eq!(histogram_edges(&[-1e308, 0.0, 5.0], &[f64::NEG_INFINITY, 0.0, f64::INFINITY]).unwrap(), vec![1, 2]);
        let inf = f64::INFINITY;
        let open = [-inf, -inf, -1.0, 0.0, 0.0, 1e-9, 2.0, 2.0, inf, inf];
        let mut x2 = x.clone();
        x2.extend([-inf, inf, f64::NAN, -1.0, 2.0, 1e300, -1e300, 0.0]);
        let nbins = open.len() - 1;
        let mut want = vec![0u64; nbins];
        for &v in &x2 {
            if v >= open[0] && v <= open[nbins] {
                want[(count_le(&open, v) - 1).min(nbins - 1)] += 1;
            }
        }
        assert_eq!(histogram_edges(&x2, &open).unwrap(), want);
        // only one side open; and more bins than the branch-free path takes (the grid then
        // covers the finite edges and walks into the open ones)
        let many: Vec<f64> = (0..40).map(|i| -1.0 + i as f64 * 0.07).collect();
        let open_many = [vec![-inf], many.clone(), vec![inf, inf]].concat();
        let left_many = [vec![-inf, -inf], many.clone()].concat();
        assert!(EdgeGrid::new(&open_many).is_some() && open_many.len() - 1 > SMALL_BINS);
        for e in [vec![-inf, 0.0, 1.0, 2.0], vec![0.0, 1.0, 2.0, inf], vec![-inf, 1.0, inf], vec![-inf, 1.0, 1.0, inf], open_many, left_many] {
            let n = e.len() - 1;
            let mut want = vec![0u64; n];
            for &v in &x2 {
                if v >= e[0] && v <= e[n] {
                    want[(count_le(&e, v) - 1).min(n - 1)] += 1;
                }
            }
            assert_eq!(histogram_edges(&x2, &e).unwrap(), want, "edges {e:?}");
        }
    }

    #[test]
    fn uniform_matches_explicit_edges() {
        let x: Vec<f64> = (0..100_003).map(|i| ((i * 7919) % 1000) as f64 / 10.0).collect();
        let (c, e) = histogram_uniform(&x, 37, 0.0, 99.9).unwrap();
        assert_eq!(c, histogram_edges(&x, &e).unwrap());
        assert_eq!(c.iter().sum::<u64>(), x.len() as u64);
    }

    #[test]
    fn codes_and_strings() {
        let (c, n) = count_codes(&[0u32, 2, 2, u32::MAX], 3, Some(u32::MAX)).unwrap();
        assert_eq!((c, n), (vec![1, 0, 2], 1));
        assert!(count_codes(&[5u32], 3, None).is_err());
        let data = "aébé".as_bytes();
        let (cats, nulls) = count_strings(&[0, 1, 3, 4, 4, 6], data, Some((&[0b1_0111], 0))).unwrap();
        assert_eq!(cats, vec![("a".to_string(), 1), ("é".to_string(), 2), ("b".to_string(), 1)]);
        assert_eq!(nulls, 1);
    }
}
