//! Counting kernels: histograms over explicit or equal-width edges, category counts.
//!
//! Histogram semantics match `numpy.histogram`: bins are half-open `[e[i], e[i+1])` except the
//! last, which is closed; values outside `[e[0], e[last]]` are not counted. NaN is never counted
//! (it is reported as missing by the caller); infinities count when an edge is infinite.
use rayon::prelude::*;

use crate::error::{check_size, try_filled, Result, StatsError};
use crate::PARALLEL_MIN_LEN;

const CHUNK: usize = 1 << 16;

/// Largest number of bins (and buckets, categories) a caller may ask for: 2^24 = 16,777,216
/// (128 MiB of counts). numpy has no such bound; ours turns an absurd request into an error
/// instead of an allocation the machine cannot back (with overcommit it would "succeed").
pub const MAX_BINS: usize = 1 << 24;

fn too_many_bins(n: usize, lo: f64, hi: f64) -> StatsError {
    StatsError::InvalidArgument(format!(
        "Too many bins for data range: cannot create {n} finite-sized bins over [{lo:e}, {hi:e}] (numpy raises too)"
    ))
}

fn check_bins(n: usize) -> Result<()> {
    if n == 0 {
        return Err(StatsError::InvalidArgument("`bins` must be at least 1".into()));
    }
    check_size("bins", n, MAX_BINS)
}

/// Edges of `n` equal-width bins over `[lo, hi]`, computed as `numpy.linspace(lo, hi, n + 1)`
/// (`i * step + lo`, or `i / n * delta + lo` when the step underflows to 0; the last edge set
/// to `hi`), so that counts match numpy bit for bit. When `hi - lo` overflows (numpy then
/// makes NaN and inf edges and raises), the edges are computed from halves and stay finite.
/// Edges that do not increase strictly are an error, as in numpy ("Too many bins").
pub fn uniform_edges(lo: f64, hi: f64, n: usize) -> Result<Vec<f64>> {
    check_bins(n)?;
    if !(lo.is_finite() && hi.is_finite()) || lo > hi {
        return Err(StatsError::InvalidArgument(format!(
            "histogram range must be finite with lo <= hi, got [{lo:e}, {hi:e}]"
        )));
    }
    let (lo, hi) = if lo == hi { (lo - 0.5, hi + 0.5) } else { (lo, hi) };
    let mut edges = try_filled("bins", n + 1, 0.0f64)?;
    let (nf, delta) = (n as f64, hi - lo);
    let step = delta / nf;
    if !delta.is_finite() {
        let half_step = hi / (2.0 * nf) - lo / (2.0 * nf);
        edges.iter_mut().enumerate().for_each(|(i, e)| *e = (lo / 2.0 + i as f64 * half_step) * 2.0);
    } else if step == 0.0 {
        edges.iter_mut().enumerate().for_each(|(i, e)| *e = i as f64 / nf * delta + lo);
    } else {
        edges.iter_mut().enumerate().for_each(|(i, e)| *e = i as f64 * step + lo);
    }
    edges[n] = hi;
    if edges.windows(2).any(|w| !(w[0] < w[1])) {
        return Err(too_many_bins(n, lo, hi));
    }
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

/// Counts of one chunk into `nbins + 1` slots (the last slot collects values out of range).
/// With few bins, four interleaved count arrays keep repeated bins from serialising the
/// increments; with many, one array (four would cost more memory than they save time).
fn count_chunk<F: Fn(f64) -> usize>(x: &[f64], nbins: usize, index: F) -> Result<Vec<u64>> {
    let slots = nbins + 1;
    if slots > 1 << 12 {
        let mut c = try_filled("bins", slots, 0u64)?;
        x.iter().for_each(|&v| c[index(v)] += 1);
        c.truncate(nbins);
        return Ok(c);
    }
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
    Ok((0..nbins).map(|i| c[i] + c[slots + i] + c[2 * slots + i] + c[3 * slots + i]).collect())
}

/// Length of the chunks counted in parallel: at least 8 values per slot, so that the per-chunk
/// count arrays never take more memory than the data they count.
fn chunk_len(slots: usize) -> usize {
    CHUNK.max(slots.saturating_mul(8))
}

fn count_parallel<F: Fn(f64) -> usize + Sync>(x: &[f64], nbins: usize, index: F) -> Result<Vec<u64>> {
    let chunk = chunk_len(nbins + 1);
    if x.len() < PARALLEL_MIN_LEN.max(2 * chunk) {
        return count_chunk(x, nbins, &index);
    }
    x.par_chunks(chunk).map(|c| count_chunk(c, nbins, &index)).try_reduce(
        || vec![0u64; nbins],
        |mut a, b| {
            a.iter_mut().zip(b).for_each(|(s, v)| *s += v);
            Ok(a)
        },
    )
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
        return count_parallel(x, nbins, |v| if v >= first && v <= last { grid.bin(v) } else { nbins });
    }
    count_parallel(x, nbins, |v| {
        if v >= first && v <= last {
            (count_le(edges, v) - 1).min(nbins - 1)
        } else {
            nbins
        }
    })
}

/// Histogram with `nbins` equal-width bins over `[lo, hi]`
/// (`numpy.histogram(x, bins=nbins, range=(lo, hi))`), returning counts and edges.
pub fn histogram_uniform(x: &[f64], nbins: usize, lo: f64, hi: f64) -> Result<(Vec<u64>, Vec<f64>)> {
    let edges = uniform_edges(lo, hi, nbins)?;
    let (first, last) = (edges[0], edges[nbins]);
    let scale = nbins as f64 / (last - first);
    if !(last - first).is_finite() || !scale.is_finite() {
        // the float index below would overflow (a range wider than f64::MAX, or a subnormal
        // one); the edges themselves are finite and increasing: search them
        let counts = histogram_edges(x, &edges)?;
        return Ok((counts, edges));
    }
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
    })?;
    Ok((counts, edges))
}

/// Where the range of a float32 histogram comes from: numpy's arithmetic differs between them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RangeOf {
    /// The smallest and largest value of the (float32) data: numpy works in float32 throughout.
    Data,
    /// A `range` given as Python floats: numpy computes the edges in float64 and rounds them.
    Given,
}

/// `numpy.histogram(x, bins=nbins)` for float32 data, bit for bit: `x` holds float32 values
/// (widened exactly), and numpy computes float32 edges and each value's bin in float32 with a
/// one-step correction against those edges (`numpy/lib/_histograms_impl.py`, numpy 2.x, NEP 50
/// promotion). Returns the counts and the float32 edges widened to f64.
pub fn histogram_uniform_f32(x: &[f64], nbins: usize, lo: f64, hi: f64, range: RangeOf) -> Result<(Vec<u64>, Vec<f64>)> {
    check_bins(nbins)?;
    if !(lo.is_finite() && hi.is_finite()) || lo > hi {
        return Err(StatsError::InvalidArgument(format!(
            "histogram range must be finite with lo <= hi, got [{lo:e}, {hi:e}]"
        )));
    }
    let mut edges = try_filled("bins", nbins + 1, 0.0f32)?;
    let (first, last, denom) = match range {
        RangeOf::Given => {
            let (lo, hi) = if lo == hi { (lo - 0.5, hi + 0.5) } else { (lo, hi) };
            let f64_edges = uniform_edges_unchecked(lo, hi, nbins);
            edges.iter_mut().zip(f64_edges).for_each(|(e, v)| *e = v as f32);
            edges[nbins] = hi as f32;
            (lo as f32, hi as f32, (hi - lo) as f32)
        }
        RangeOf::Data => {
            let (mut lo, mut hi) = (lo as f32, hi as f32);
            if lo == hi {
                lo -= 0.5;
                hi += 0.5;
            }
            let (nf, delta) = (nbins as f32, hi - lo);
            let step = delta / nf;
            if step == 0.0 {
                edges.iter_mut().enumerate().for_each(|(i, e)| *e = i as f32 / nf * delta + lo);
            } else {
                edges.iter_mut().enumerate().for_each(|(i, e)| *e = i as f32 * step + lo);
            }
            edges[nbins] = hi;
            (lo, hi, delta)
        }
    };
    // numpy raises on non-increasing edges; NaN or infinite ones (an overflowing float32
    // range) would give it garbage or an IndexError, so they are an error here too.
    if edges.iter().any(|e| !e.is_finite()) || edges.windows(2).any(|w| !(w[0] < w[1])) {
        return Err(too_many_bins(nbins, lo, hi));
    }
    let nf = nbins as f32;
    let e = &edges;
    let counts = count_parallel(x, nbins, |v| {
        let v = v as f32;
        if !(v >= first && v <= last) {
            return nbins;
        }
        let mut i = ((((v - first) / denom) * nf) as usize).min(nbins - 1);
        if v < e[i] {
            i = i.saturating_sub(1);
        }
        if i != nbins - 1 && v >= e[i + 1] {
            i += 1;
        }
        i
    })?;
    Ok((counts, edges.into_iter().map(f64::from).collect()))
}

/// `numpy.linspace(lo, hi, n + 1)` in float64 for a finite `hi - lo`, without checks.
fn uniform_edges_unchecked(lo: f64, hi: f64, n: usize) -> impl Iterator<Item = f64> {
    let (nf, delta) = (n as f64, hi - lo);
    let step = delta / nf;
    (0..=n).map(move |i| if step == 0.0 { i as f64 / nf * delta + lo } else { i as f64 * step + lo })
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

/// Largest `n_categories` [`count_codes`] takes: 2^28 (2 GiB of counts); a dictionary that
/// large would already hold several GiB of strings.
pub const MAX_CATEGORIES: usize = 1 << 28;

/// Category counts from integer codes (Polars categorical physical codes, Arrow dictionary
/// indices): `counts[c]` for `c` in `0..n_categories`, plus the number of codes equal to
/// `null_code` (missing). Any other code outside the range is an error naming its position.
pub fn count_codes<T>(codes: &[T], n_categories: usize, null_code: Option<T>) -> Result<(Vec<u64>, u64)>
where
    T: Copy + PartialEq + TryInto<usize> + Send + Sync + std::fmt::Display,
{
    check_size("n_categories", n_categories, MAX_CATEGORIES)?;
    let one = |c: &[T], offset: usize| -> Result<(Vec<u64>, u64)> {
        let mut counts = try_filled("n_categories", n_categories, 0u64)?;
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
    let chunk = chunk_len(n_categories);
    if codes.len() < PARALLEL_MIN_LEN.max(2 * chunk) {
        return one(codes, 0);
    }
    let parts: Vec<Result<(Vec<u64>, u64)>> =
        codes.par_chunks(chunk).enumerate().map(|(k, c)| one(c, k * chunk)).collect();
    let mut counts = try_filled("n_categories", n_categories, 0u64)?;
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
        if off.checked_add(n).is_none_or(|end| bits.len().saturating_mul(8) < end) {
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
    fn absurd_sizes_are_errors_not_aborts() {
        assert!(matches!(histogram_uniform(&[1.0, 2.0], 1_000_000_000, 1.0, 2.0), Err(StatsError::InvalidArgument(_))));
        assert!(matches!(count_codes(&[0u32], usize::MAX, None), Err(StatsError::InvalidArgument(_))));
        assert!(matches!(try_filled("bins", usize::MAX / 2, 0u64), Err(StatsError::OutOfMemory { arg: "bins", .. })));
        // many bins over little data: one count array, no per-chunk copies
        let x: Vec<f64> = (0..300_000).map(|i| i as f64).collect();
        let (c, _) = histogram_uniform(&x, 1 << 20, 0.0, 299_999.0).unwrap();
        assert_eq!(c.iter().sum::<u64>(), 300_000);
    }

    #[test]
    fn overflowing_range_gives_finite_edges() {
        let (c, e) = histogram_uniform(&[-1.7e308, 0.0, 1.7e308], 4, -1.7e308, 1.7e308).unwrap();
        let want = [-1.7e308, -0.85e308, 0.0, 0.85e308, 1.7e308];
        assert!(e.iter().zip(want).all(|(a, b)| (a - b).abs() <= 1e-15 * b.abs()), "{e:?}");
        assert_eq!(c, vec![1, 0, 1, 1]);
        // a subnormal range: n / (hi - lo) overflows, the edges are still exact
        let u = 5e-324;
        let x: Vec<f64> = (0..=20).map(|i| i as f64 * u).collect();
        let (c, e) = histogram_uniform(&x, 4, 0.0, 20.0 * u).unwrap();
        assert_eq!((c, e), (vec![5, 5, 5, 6], vec![0.0, 5.0 * u, 10.0 * u, 15.0 * u, 20.0 * u]));
        // numpy's "Too many bins": edges that cannot increase
        assert!(histogram_uniform(&[1.0], 10, 1.0, 1.0 + f64::EPSILON).is_err());
    }

    #[test]
    fn float32_follows_numpy_float32_arithmetic() {
        // numpy.histogram(np.float32([0.1, 0.2, 0.3, 0.7]), 3) -> [2, 1, 1]
        let x: Vec<f64> = [0.1f32, 0.2, 0.3, 0.7].iter().map(|&v| v as f64).collect();
        let (c, e) = histogram_uniform_f32(&x, 3, x[0], x[3], RangeOf::Data).unwrap();
        assert_eq!(c.iter().sum::<u64>(), 4);
        assert_eq!(e[3], 0.7f32 as f64);
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
