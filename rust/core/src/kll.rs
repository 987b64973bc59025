//! KLL quantile sketch (Karnin, Lang & Liberty, "Optimal Quantile Approximation in Streams",
//! FOCS 2016, arXiv:1603.05346) in the layout SageMaker Model Monitor / Deequ 2.0.2 write:
//! compactor level `h` holds items of weight `2^h`, and the sketch is described by `k` (sketch
//! size) and `c` (shrinking factor), `{"parameters": {"c": 0.64, "k": 2048.0}, "data": [[..], ..]}`.
//!
//! Scheme (ours; the JSON form does not depend on it):
//! - Level capacities shrink geometrically from the top: with `H` levels, level `h` holds at most
//!   `max(8, 2*ceil(k * c^(H-1-h) / 2))` items (the KLL paper's rule). Deequ 2.0.2 instead
//!   shrinks from the bottom (`capacity(h) = 2*(ceil(k*c^h/2)+1)`); a sketch it wrote loads here
//!   unchanged and is re-compacted by our rule on the next update.
//! - Lazy compaction (as in DataSketches): items are appended to level 0 until a stack of levels
//!   holds as many items as the sum of the capacities; then the lowest level at or over its
//!   capacity is sorted and halved (every other item, starting at a random offset, moves up).
//! - Blocks: the values of each block of consecutive stream positions are sketched in a separate
//!   stack of levels (the "stage") that is merged into the main stack when the block is complete.
//!   Blocks grow with the stream: the block starting at position `s` is `max(256, k, s / 8)`
//!   long, so about 8 merges happen per doubling of `n`. Merging compacts larger buffers than
//!   streaming does and averages independent block errors. Mean max rank error on 10^6 uniform
//!   values (10-20 seeds): k = 2048, 0.00046 with blocks, 0.00068 streaming alone, 0.00070 for
//!   DataSketches; k = 200, 0.0043, 0.0069 and 0.0070.
//! - Queries, `levels` and `num_retained` see a snapshot in which a copy of the main stack has
//!   absorbed the stage, so a sketch never shows more than its nominal size (about `k/(1-c)`
//!   items, 2.8k for c = 0.64; DataSketches holds about 3k). The binary form keeps both stacks, so
//!   a reloaded sketch continues exactly.
//! - Whole blocks inside one `update` are sketched in parallel. Block boundaries are stream
//!   positions, so the result depends neither on the number of threads nor on how the input is
//!   split into `update` calls.
//! - Offsets are drawn in pairs per level: a random bit for one compaction, its complement for the
//!   next (the REQ sketch does the same). A compaction moves the rank of a query by `±2^h` or 0,
//!   so paired opposite offsets cancel when both compactions err, which halves the variance of
//!   the error compared to independent bits; each pair still has mean zero.
//! - The random bits come from a SplitMix64 generator held in the sketch, so the same input and
//!   seed give the same sketch, byte for byte; merging is deterministic too.
//!
//! Only finite values are sketched: NaN, +inf and -inf are counted (`nan`, `pos_inf`, `neg_inf`)
//! and left out, like SageMaker's statistics, whose min/max are of finite values and whose JSON
//! cannot hold infinities. `n`, `min` and `max` are exact.
//!
//! Error: [`KllSketch::normalized_rank_error`] returns DataSketches' empirical 99th-percentile
//! fits for KLL, `2.296 / k^0.9723` (single-sided: `rank`, `quantile`, `cdf`) and
//! `2.446 / k^0.9433` (double-sided: `pmf`), and 0 while the sketch is exact (nothing compacted).
//! Measured errors are below those fits and below DataSketches' own at the same `k`
//! (tests/stats/test_kll.py).
use std::sync::OnceLock;

use rayon::prelude::*;

use crate::error::{Result, StatsError};

/// SageMaker's / Deequ's sketch size.
pub const DEFAULT_K: u32 = 2048;
/// SageMaker's / Deequ's shrinking factor.
pub const DEFAULT_C: f64 = 0.64;
pub const MIN_K: u32 = 8;
pub const MAX_K: u32 = 1 << 16;
/// The smallest capacity of a level (DataSketches' `m`).
const MIN_WIDTH: usize = 8;
/// Weights are `2^h` in a u64 total.
const MAX_LEVELS: usize = 64;

/// Block schedule (see the module documentation), chosen by measurement at k = 64, 200, 2048 and
/// n = 5e3..1e6 (fixed blocks of 2^12..2^18 and growing blocks with divisors 4, 8, 16 tried).
const BLOCK_DIVISOR: u64 = 8;
const MIN_BLOCK: u64 = 256;
/// Blocks sketched per parallel batch (bounds memory; does not change the result).
const PAR_BATCH: usize = 64;

const MAGIC: &[u8; 4] = b"DLKL";
const FORMAT_VERSION: u16 = 1;

fn invalid(msg: impl Into<String>) -> StatsError {
    StatsError::InvalidArgument(msg.into())
}

/// One step of SplitMix64 (Steele, Lea & Flood 2014): advance `state`, return a mixed output.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Items are stored as u64 keys whose unsigned order is the order of the finite values (sorting
/// integers is about twice as fast as sorting floats with `total_cmp`). `-0.0` is stored as
/// `+0.0`, so key order and IEEE order agree and equal keys are equal bits: a sorted level does
/// not depend on the sort algorithm.
#[inline(always)]
fn key(v: f64) -> u64 {
    crate::sort::key(v)
}

/// The exponent bits of an f64: all set for NaN and infinities.
const EXPONENT: u64 = 0x7FF0_0000_0000_0000;

fn value(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

/// End of the block that starts at stream position `start`.
fn block_end(k: u32, start: u64) -> u64 {
    start.saturating_add((k as u64).max(MIN_BLOCK).max(start / BLOCK_DIVISOR))
}

/// (index, start, end) of the block holding stream position `pos`.
fn locate_block(k: u32, pos: u64) -> (u64, u64, u64) {
    let (mut index, mut start) = (0u64, 0u64);
    loop {
        let end = block_end(k, start);
        if pos < end || end == start {
            return (index, start, end);
        }
        index += 1;
        start = end;
    }
}

/// The generator state of the stage that sketches block `block` of a sketch seeded with `seed`.
fn block_seed(seed: u64, block: u64) -> u64 {
    let mut s = seed ^ 0x5EED_B10C_0000_0000 ^ block.wrapping_mul(0xD1B5_4A32_D192_ED03);
    splitmix64(&mut s)
}

/// Below this length level 0 is sorted by comparison; from it on, by radix.
const RADIX_LEVEL0: usize = 256;

thread_local! {
    /// The radix sort's second buffer, kept per thread (level 0 is sorted once per compaction).
    static SCRATCH: std::cell::RefCell<Vec<u64>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Sort level 0's keys. Keys between the smallest and the largest share every bit above the
/// highest bit in which those two differ, so only the digits below it can vary: an LSD radix sort
/// on the (at most) three 8-bit digits from there down orders the keys by a 17-24-bit prefix, and
/// the runs that tie on it (rare for a column of real numbers) are finished by a comparison sort.
/// The order of `u64` keys is total, so the result is what `sort_unstable` gives, about twice as
/// fast at level 0's sizes (a few thousand keys).
fn sort_level0(buf: &mut Vec<u64>) {
    let len = buf.len();
    if len < RADIX_LEVEL0 {
        buf.sort_unstable();
        return;
    }
    let (lo, hi) = buf
        .iter()
        .fold((u64::MAX, 0u64), |(lo, hi), &k| (lo.min(k), hi.max(k)));
    if lo == hi {
        return;
    }
    let top = (63 - (lo ^ hi).leading_zeros()) / 8; // the highest digit that varies
    let low = top.saturating_sub(2);
    let digits = (top - low + 1) as usize;
    let mut counts = [[0u32; 256]; 3];
    for &k in buf.iter() {
        for (d, c) in counts[..digits].iter_mut().enumerate() {
            c[((k >> (8 * (low + d as u32))) & 0xFF) as usize] += 1;
        }
    }
    SCRATCH.with(|cell| {
        let mut other = cell.borrow_mut();
        other.clear();
        other.resize(len, 0);
        let mut in_buf = true;
        for (d, c) in counts[..digits].iter().enumerate() {
            if c.iter().any(|&n| n as usize == len) {
                continue; // every key has the same digit here
            }
            let mut offsets = [0u32; 256];
            let mut total = 0u32;
            for (o, &n) in offsets.iter_mut().zip(c.iter()) {
                *o = total;
                total += n;
            }
            let shift = 8 * (low + d as u32);
            if in_buf {
                scatter_digit(buf, &mut other, &mut offsets, shift);
            } else {
                scatter_digit(&other, buf, &mut offsets, shift);
            }
            in_buf = !in_buf;
        }
        if !in_buf {
            std::mem::swap(buf, &mut *other); // the sorted keys are in the scratch buffer
        }
    });
    if low > 0 {
        // sorted on the bits from `8 * low` up; finish the runs that tie on them
        let shift = 8 * low;
        let mut i = 0;
        while i + 1 < len {
            if buf[i] >> shift != buf[i + 1] >> shift {
                i += 1;
                continue;
            }
            let mut j = i + 2;
            while j < len && buf[j] >> shift == buf[i] >> shift {
                j += 1;
            }
            buf[i..j].sort_unstable();
            i = j;
        }
    }
}

#[inline(always)]
fn scatter_digit(src: &[u64], dst: &mut [u64], offsets: &mut [u32; 256], shift: u32) {
    for &k in src {
        let d = ((k >> shift) & 0xFF) as usize;
        dst[offsets[d] as usize] = k;
        offsets[d] += 1;
    }
}

/// Merge the sorted `src` into the sorted `dst`, in place from the back (branch-free loop).
fn merge_sorted_into(dst: &mut Vec<u64>, src: &[u64]) {
    let a = dst.len();
    dst.resize(a + src.len(), 0);
    let (mut i, mut j) = (a, src.len());
    let out = dst.as_mut_slice();
    while i > 0 && j > 0 {
        // SAFETY: 0 < i <= a, 0 < j <= src.len(), and i + j - 1 < a + src.len() == out.len()
        let (x, y) = unsafe { (*out.get_unchecked(i - 1), *src.get_unchecked(j - 1)) };
        let take_dst = x > y;
        unsafe { *out.get_unchecked_mut(i + j - 1) = if take_dst { x } else { y } };
        i -= take_dst as usize;
        j -= (!take_dst) as usize;
    }
    out[..j].copy_from_slice(&src[..j]);
}

/// Level capacities by depth below the top level, from `k * c^depth` by repeated IEEE
/// multiplication (no `powf`, so the same on every platform).
fn capacities(k: u32, c: f64) -> Vec<usize> {
    let mut x = k as f64;
    (0..MAX_LEVELS)
        .map(|_| {
            let cap = (2.0 * (x / 2.0).ceil()) as usize;
            x *= c;
            cap.max(MIN_WIDTH)
        })
        .collect()
}

fn check_params(k: u32, c: f64) -> Result<()> {
    if !(MIN_K..=MAX_K).contains(&k) {
        return Err(invalid(format!("KLL `k` must be in [{MIN_K}, {MAX_K}], got {k}")));
    }
    if !(c > 0.5 && c <= 1.0) {
        return Err(invalid(format!("KLL shrinking factor `c` must be in (0.5, 1], got {c}")));
    }
    Ok(())
}

/// Retained items in ascending order with their cumulative weights: the sketch's step CDF.
#[derive(Debug, Clone)]
struct SortedView {
    items: Vec<f64>,
    /// `cum[i]` = total weight of `items[..=i]`.
    cum: Vec<u64>,
}

impl SortedView {
    /// Total weight of the items `<= x` (inclusive) or `< x`.
    fn weight_at(&self, x: f64, inclusive: bool) -> u64 {
        let idx = if inclusive {
            self.items.partition_point(|&v| v <= x)
        } else {
            self.items.partition_point(|&v| v < x)
        };
        if idx == 0 {
            0
        } else {
            self.cum[idx - 1]
        }
    }
}

/// Exact counts of what an update saw.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Tally {
    /// Finite values (= total weight of the retained items).
    n: u64,
    nan: u64,
    pos_inf: u64,
    neg_inf: u64,
    /// Smallest / largest finite value; NaN while `n == 0`.
    min: f64,
    max: f64,
}

impl Tally {
    fn new() -> Self {
        Tally { n: 0, nan: 0, pos_inf: 0, neg_inf: 0, min: f64::NAN, max: f64::NAN }
    }

    fn add(&mut self, o: &Tally) {
        self.n += o.n;
        self.nan += o.nan;
        self.pos_inf += o.pos_inf;
        self.neg_inf += o.neg_inf;
        self.min = self.min.min(o.min);
        self.max = self.max.max(o.max);
    }
}

/// A stack of compactor levels with its own random generator. `caps` (capacity by depth below
/// the top level) is passed in by the owning sketch.
#[derive(Debug, Clone, PartialEq)]
struct Compactors {
    /// `levels[h]` holds the keys of items of weight `2^h`; level 0 is unsorted, higher levels
    /// ascending.
    levels: Vec<Vec<u64>>,
    /// Per level: 0 = draw a new bit at the next compaction; 1 or 2 = the next offset is 0 or 1.
    pending: Vec<u8>,
    rng: u64,
    retained: usize,
    capacity: usize,
}

impl Compactors {
    fn new(rng: u64, caps: &[usize]) -> Self {
        let mut c = Compactors { levels: vec![Vec::new()], pending: vec![0], rng, retained: 0, capacity: 0 };
        c.capacity = c.total_capacity(caps);
        c
    }

    fn cap(&self, caps: &[usize], h: usize) -> usize {
        let depth = self.levels.len() - 1 - h;
        caps[depth.min(MAX_LEVELS - 1)]
    }

    fn total_capacity(&self, caps: &[usize]) -> usize {
        (0..self.levels.len()).map(|h| self.cap(caps, h)).sum()
    }

    /// Total weight of the items, or None on overflow.
    fn weight(&self) -> Option<u64> {
        self.levels.iter().enumerate().try_fold(0u64, |acc, (h, l)| {
            (l.len() as u64).checked_mul(1u64 << h).and_then(|w| acc.checked_add(w))
        })
    }

    fn is_estimation_mode(&self) -> bool {
        self.levels.iter().skip(1).any(|l| !l.is_empty())
    }

    fn add_level(&mut self, caps: &[usize]) {
        self.levels.push(Vec::new());
        self.pending.push(0);
        self.capacity = self.total_capacity(caps);
    }

    /// Append `values` to level 0, compacting whenever the stack is full. NaN and infinities are
    /// counted in `tally`, not kept. The state after each value does not depend on how the input
    /// is split into calls.
    fn ingest(&mut self, caps: &[usize], values: &[f64], tally: &mut Tally) {
        let mut rest = values;
        while !rest.is_empty() {
            if self.retained >= self.capacity {
                if !self.compact_once(caps) {
                    break;
                }
                continue;
            }
            let room = self.capacity - self.retained;
            let (chunk, tail) = rest.split_at(room.min(rest.len()));
            rest = tail;
            let level0 = &mut self.levels[0];
            let start = level0.len();
            // One branch-free pass converts the chunk and finds its key range; a chunk with a
            // non-finite value (rare) is redone value by value.
            let (mut lo, mut hi, mut bad) = (u64::MAX, 0u64, false);
            level0.extend(chunk.iter().map(|&v| {
                let k = key(v);
                bad |= v.to_bits() & EXPONENT == EXPONENT; // NaN or infinite
                lo = lo.min(k);
                hi = hi.max(k);
                k
            }));
            if bad {
                level0.truncate(start);
                (lo, hi) = (u64::MAX, 0);
                for &v in chunk {
                    if v.is_finite() {
                        let k = key(v);
                        lo = lo.min(k);
                        hi = hi.max(k);
                        level0.push(k);
                    } else if v.is_nan() {
                        tally.nan += 1;
                    } else if v > 0.0 {
                        tally.pos_inf += 1;
                    } else {
                        tally.neg_inf += 1;
                    }
                }
            }
            let finite = level0.len() - start;
            if finite > 0 {
                tally.min = tally.min.min(value(lo));
                tally.max = tally.max.max(value(hi));
                tally.n += finite as u64;
                self.retained += finite;
            }
        }
    }

    /// The offset (0 or 1) of the next compaction of level `h`: a fresh random bit, then its
    /// complement.
    fn next_offset(&mut self, h: usize) -> usize {
        match self.pending[h] {
            1 => {
                self.pending[h] = 0;
                0
            }
            2 => {
                self.pending[h] = 0;
                1
            }
            _ => {
                let bit = (splitmix64(&mut self.rng) >> 63) as usize;
                self.pending[h] = if bit == 0 { 2 } else { 1 };
                bit
            }
        }
    }

    /// Halve the lowest level at or over its capacity. Returns false if nothing could be done.
    fn compact_once(&mut self, caps: &[usize]) -> bool {
        let Some(h) = (0..self.levels.len())
            .find(|&h| self.levels[h].len() >= self.cap(caps, h))
            .or_else(|| (0..self.levels.len()).find(|&h| self.levels[h].len() >= 2))
        else {
            return false;
        };
        if h + 1 >= MAX_LEVELS {
            return false;
        }
        if h + 1 == self.levels.len() {
            self.add_level(caps);
        }
        let offset = self.next_offset(h);
        let mut buf = std::mem::take(&mut self.levels[h]);
        if h == 0 {
            sort_level0(&mut buf);
        }
        // An odd item (the smallest) stays behind; the rest, pairwise, send one item up.
        let odd = buf.len() % 2;
        let kept = buf.first().copied();
        let half = (buf.len() - odd) / 2;
        for i in 0..half {
            buf[i] = buf[odd + offset + 2 * i];
        }
        merge_sorted_into(&mut self.levels[h + 1], &buf[..half]);
        buf.clear();
        if odd == 1 {
            if let Some(v) = kept {
                buf.push(v);
            }
        }
        self.levels[h] = buf;
        self.retained -= half;
        true
    }

    fn settle(&mut self, caps: &[usize]) {
        while self.retained >= self.capacity {
            if !self.compact_once(caps) {
                break;
            }
        }
    }

    /// Add the items of `others` level by level, then compact until the stack fits.
    fn absorb(&mut self, caps: &[usize], others: &[&Compactors]) {
        if others.iter().all(|o| o.retained == 0) {
            return;
        }
        for other in others {
            while self.levels.len() < other.levels.len() {
                self.add_level(caps);
            }
            for (h, src) in other.levels.iter().enumerate() {
                if h == 0 {
                    self.levels[0].extend_from_slice(src);
                } else {
                    merge_sorted_into(&mut self.levels[h], src);
                }
            }
            self.retained += other.retained;
        }
        self.settle(caps);
    }

    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.rng.to_le_bytes());
        out.extend_from_slice(&(self.levels.len() as u32).to_le_bytes());
        for (level, &p) in self.levels.iter().zip(&self.pending) {
            out.push(p);
            out.extend_from_slice(&(level.len() as u32).to_le_bytes());
            for &k in level {
                out.extend_from_slice(&value(k).to_le_bytes());
            }
        }
    }

    fn read(r: &mut Reader<'_>, caps: &[usize]) -> Result<Self> {
        let rng = r.u64().ok_or_else(truncated)?;
        let num_levels = r.u32().ok_or_else(truncated)? as usize;
        if num_levels == 0 || num_levels > MAX_LEVELS {
            return Err(corrupt("bad number of levels"));
        }
        let mut c = Compactors { levels: Vec::new(), pending: Vec::new(), rng, retained: 0, capacity: 0 };
        for h in 0..num_levels {
            let p = r.u8().ok_or_else(truncated)?;
            if p > 2 {
                return Err(corrupt("bad pending offset"));
            }
            let len = r.u32().ok_or_else(truncated)? as usize;
            if len > r.remaining() / 8 {
                return Err(truncated());
            }
            let values: Vec<f64> = (0..len).filter_map(|_| r.f64()).collect();
            if values.iter().any(|v| !v.is_finite() || v.to_bits() == (-0.0f64).to_bits()) {
                return Err(corrupt("non-finite or negative-zero item"));
            }
            let level: Vec<u64> = values.into_iter().map(key).collect();
            if h > 0 && level.windows(2).any(|w| w[0] > w[1]) {
                return Err(corrupt("unsorted level"));
            }
            c.retained += level.len();
            c.levels.push(level);
            c.pending.push(p);
        }
        c.capacity = c.total_capacity(caps);
        Ok(c)
    }
}

fn corrupt(what: &str) -> StatsError {
    invalid(format!("corrupt KLL sketch bytes: {what}"))
}

fn truncated() -> StatsError {
    corrupt("truncated")
}

/// A KLL sketch of the finite values of a numeric column. See the module documentation.
#[derive(Debug, Clone)]
pub struct KllSketch {
    k: u32,
    c: f64,
    /// Capacity by depth below the top level (derived from `k`, `c`).
    caps: Vec<usize>,
    seed: u64,
    /// Values (finite or not) passed to `update` so far: the stream position.
    pos: u64,
    /// Index, first and one-past-last position of the current block (derived from `pos`).
    block: u64,
    block_start: u64,
    block_end: u64,
    tally: Tally,
    /// Everything up to the last completed block, plus merged and loaded sketches.
    main: Compactors,
    /// The values of the current, incomplete block.
    stage: Compactors,
    snapshot: OnceLock<Snapshot>,
}

/// What queries see: the main stack after absorbing the stage, and its sorted view.
#[derive(Debug, Clone)]
struct Snapshot {
    stack: Compactors,
    view: SortedView,
}

impl KllSketch {
    /// An empty sketch; `k` in [8, 65536], `c` in (0.5, 1].
    pub fn new(k: u32, c: f64, seed: u64) -> Result<Self> {
        check_params(k, c)?;
        Ok(Self::empty(k, c, seed))
    }

    /// A sketch with SageMaker's parameters (k = 2048, c = 0.64).
    pub fn with_seed(seed: u64) -> Self {
        Self::empty(DEFAULT_K, DEFAULT_C, seed)
    }

    fn empty(k: u32, c: f64, seed: u64) -> Self {
        let caps = capacities(k, c);
        KllSketch {
            k,
            c,
            main: Compactors::new(seed, &caps),
            stage: Compactors::new(block_seed(seed, 0), &caps),
            caps,
            seed,
            pos: 0,
            block: 0,
            block_start: 0,
            block_end: block_end(k, 0),
            tally: Tally::new(),
            snapshot: OnceLock::new(),
        }
    }

    // ---- accessors ----

    pub fn k(&self) -> u32 {
        self.k
    }
    pub fn c(&self) -> f64 {
        self.c
    }
    pub fn seed(&self) -> u64 {
        self.seed
    }
    /// Number of finite values sketched.
    pub fn n(&self) -> u64 {
        self.tally.n
    }
    pub fn nan_count(&self) -> u64 {
        self.tally.nan
    }
    pub fn pos_inf_count(&self) -> u64 {
        self.tally.pos_inf
    }
    pub fn neg_inf_count(&self) -> u64 {
        self.tally.neg_inf
    }
    /// Exact smallest finite value, NaN when empty.
    pub fn min(&self) -> f64 {
        self.tally.min
    }
    /// Exact largest finite value, NaN when empty.
    pub fn max(&self) -> f64 {
        self.tally.max
    }
    pub fn is_empty(&self) -> bool {
        self.tally.n == 0
    }
    pub fn num_retained(&self) -> usize {
        self.snapshot().stack.retained
    }
    pub fn num_levels(&self) -> usize {
        self.snapshot().stack.levels.len()
    }
    /// True once some items stand for more than one value (the sketch is no longer exact).
    pub fn is_estimation_mode(&self) -> bool {
        self.snapshot().stack.is_estimation_mode()
    }

    /// The items by level, lowest (weight 1) first: the `data` of the SageMaker form. Level 0
    /// keeps arrival order; higher levels are ascending.
    pub fn levels(&self) -> Vec<Vec<f64>> {
        self.snapshot().stack.levels.iter().map(|l| l.iter().map(|&k| value(k)).collect()).collect()
    }

    fn invalidate(&mut self) {
        self.snapshot = OnceLock::new();
    }

    fn snapshot(&self) -> &Snapshot {
        self.snapshot.get_or_init(|| {
            let mut stack = self.main.clone();
            stack.absorb(&self.caps, &[&self.stage]);
            let mut pairs: Vec<(u64, u64)> = Vec::with_capacity(stack.retained);
            for (h, level) in stack.levels.iter().enumerate() {
                pairs.extend(level.iter().map(|&k| (k, 1u64 << h)));
            }
            pairs.sort_unstable();
            let mut total = 0u64;
            let (items, cum) = pairs
                .into_iter()
                .map(|(k, w)| {
                    total += w;
                    (value(k), total)
                })
                .unzip();
            Snapshot { stack, view: SortedView { items, cum } }
        })
    }

    // ---- updates ----

    /// Add values; NaN and infinities are counted, not sketched.
    pub fn update(&mut self, values: &[f64]) {
        if values.is_empty() {
            return;
        }
        self.invalidate();
        let mut rest = values;
        let left_in_block = (self.block_end - self.pos).min(usize::MAX as u64) as usize;
        if self.pos > self.block_start || rest.len() < left_in_block {
            let take = left_in_block.min(rest.len());
            self.stage.ingest(&self.caps, &rest[..take], &mut self.tally);
            self.advance(take);
            rest = &rest[take..];
        }
        // Whole blocks: sketched in parallel, merged in order.
        let mut blocks: Vec<(u64, usize, usize)> = Vec::new();
        let (mut start, mut offset) = (self.block_start, 0usize);
        while !rest.is_empty() {
            let len = (block_end(self.k, start) - start).min(usize::MAX as u64) as usize;
            if rest.len() - offset < len {
                break;
            }
            blocks.push((self.block + blocks.len() as u64, offset, offset + len));
            start += len as u64;
            offset += len;
        }
        let (caps, seed) = (&self.caps, self.seed);
        for batch in blocks.chunks(PAR_BATCH) {
            let parts: Vec<(Compactors, Tally)> = batch
                .par_iter()
                .map(|&(index, from, to)| {
                    let mut part = Compactors::new(block_seed(seed, index), caps);
                    let mut tally = Tally::new();
                    part.ingest(caps, &rest[from..to], &mut tally);
                    (part, tally)
                })
                .collect();
            for (part, tally) in &parts {
                self.main.absorb(caps, &[part]);
                self.tally.add(tally);
            }
        }
        if !blocks.is_empty() {
            self.pos += offset as u64;
            self.block += blocks.len() as u64;
            self.block_start = self.pos;
            self.block_end = block_end(self.k, self.pos);
            self.stage = Compactors::new(block_seed(seed, self.block), caps);
            rest = &rest[offset..];
        }
        if !rest.is_empty() {
            self.stage.ingest(&self.caps, rest, &mut self.tally);
            self.advance(rest.len());
        }
    }

    /// Move the stream position on; at a block end, merge the stage into the main stack.
    fn advance(&mut self, by: usize) {
        self.pos += by as u64;
        if self.pos == self.block_end {
            self.block += 1;
            self.block_start = self.pos;
            self.block_end = block_end(self.k, self.pos);
            let next = Compactors::new(block_seed(self.seed, self.block), &self.caps);
            let done = std::mem::replace(&mut self.stage, next);
            self.main.absorb(&self.caps, &[&done]);
        }
    }

    /// Merge `other` into `self`: the result sketches the union of both inputs. Both must have
    /// the same `k` and `c`. Deterministic: `self`'s generator makes the new random bits.
    pub fn merge(&mut self, other: &KllSketch) -> Result<()> {
        if self.k != other.k || self.c.to_bits() != other.c.to_bits() {
            return Err(invalid(format!(
                "cannot merge KLL sketches with different parameters (k={}, c={} and k={}, c={})",
                self.k, self.c, other.k, other.c
            )));
        }
        if self.tally.n.checked_add(other.tally.n).is_none() {
            return Err(invalid("merged KLL sketch would hold more than 2^64 values"));
        }
        self.invalidate();
        self.tally.add(&other.tally);
        self.main.absorb(&self.caps, &[&other.main, &other.stage]);
        Ok(())
    }

    // ---- queries ----

    fn view(&self) -> Result<&SortedView> {
        if self.tally.n == 0 {
            return Err(StatsError::Empty { arg: "sketch" });
        }
        Ok(&self.snapshot().view)
    }

    /// Normalised rank of `x`: the fraction of the sketched weight `<= x` (`inclusive`) or
    /// `< x`. Matches DataSketches' `get_rank(x, inclusive)`.
    pub fn rank(&self, x: f64, inclusive: bool) -> Result<f64> {
        if x.is_nan() {
            return Err(invalid("cannot take the rank of NaN"));
        }
        let view = self.view()?;
        Ok(view.weight_at(x, inclusive) as f64 / self.tally.n as f64)
    }

    pub fn ranks(&self, xs: &[f64], inclusive: bool) -> Result<Vec<f64>> {
        if xs.iter().any(|x| x.is_nan()) {
            return Err(invalid("cannot take the rank of NaN"));
        }
        let view = self.view()?;
        let n = self.tally.n as f64;
        Ok(xs.iter().map(|&x| view.weight_at(x, inclusive) as f64 / n).collect())
    }

    fn quantile_in(&self, view: &SortedView, q: f64, inclusive: bool) -> Result<f64> {
        if !(0.0..=1.0).contains(&q) {
            return Err(invalid(format!("quantile rank must be in [0, 1], got {q}")));
        }
        if q == 0.0 {
            return Ok(self.tally.min);
        }
        if q == 1.0 {
            return Ok(self.tally.max);
        }
        let total = self.tally.n as f64;
        let idx = if inclusive {
            let w = (q * total).ceil() as u64;
            view.cum.partition_point(|&c| c < w)
        } else {
            let w = (q * total) as u64;
            view.cum.partition_point(|&c| c <= w)
        };
        Ok(view.items.get(idx).copied().unwrap_or(self.tally.max))
    }

    /// The retained item at normalised rank `q`, as DataSketches' `get_quantile(q, inclusive)`:
    /// inclusive, the smallest item whose cumulative weight is `>= ceil(q*n)`; exclusive, the
    /// smallest whose cumulative weight is `> floor(q*n)`. `q = 0` and `q = 1` give the exact
    /// min and max.
    pub fn quantile(&self, q: f64, inclusive: bool) -> Result<f64> {
        let view = self.view()?;
        self.quantile_in(view, q, inclusive)
    }

    pub fn quantiles(&self, qs: &[f64], inclusive: bool) -> Result<Vec<f64>> {
        let view = self.view()?;
        qs.iter().map(|&q| self.quantile_in(view, q, inclusive)).collect()
    }

    fn check_splits(splits: &[f64]) -> Result<()> {
        if splits.iter().any(|v| v.is_nan()) {
            return Err(invalid("split points must not be NaN"));
        }
        if splits.windows(2).any(|w| w[0] >= w[1]) {
            return Err(invalid("split points must be unique and increasing"));
        }
        Ok(())
    }

    /// DataSketches' `get_cdf`: the normalised ranks of the `m` split points followed by 1.
    pub fn cdf(&self, splits: &[f64], inclusive: bool) -> Result<Vec<f64>> {
        Self::check_splits(splits)?;
        let mut out = self.ranks(splits, inclusive)?;
        out.push(1.0);
        Ok(out)
    }

    /// DataSketches' `get_pmf`: the mass of the `m + 1` intervals the split points make.
    pub fn pmf(&self, splits: &[f64], inclusive: bool) -> Result<Vec<f64>> {
        let cdf = self.cdf(splits, inclusive)?;
        let mut prev = 0.0;
        Ok(cdf
            .into_iter()
            .map(|c| {
                let m = c - prev;
                prev = c;
                m
            })
            .collect())
    }

    /// Bound on the normalised rank error at the 99% level: DataSketches' KLL fits,
    /// `2.296 / k^0.9723` single-sided (rank, quantile, cdf) or `2.446 / k^0.9433` double-sided
    /// (`pmf = true`); 0 while the sketch is exact.
    pub fn normalized_rank_error(&self, pmf: bool) -> f64 {
        if !self.is_estimation_mode() {
            return 0.0;
        }
        normalized_rank_error_for_k(self.k, pmf)
    }

    /// SageMaker's `distribution.kll.buckets`, exactly as Deequ 2.0.2's `KLLSketch`
    /// `computeMetricFrom`: `n_buckets` equal-width buckets between the exact min and max,
    /// `lo_i = min + (max - min) * i / B`, count = `rankExclusive(hi) - rankExclusive(lo)`, and
    /// `rank(hi) - rankExclusive(lo)` for the last bucket (upper bound inclusive). Counts are
    /// weights of retained items. As in Deequ, the last upper bound can round to just below
    /// `max`. When `(max - min) * B` overflows, the bounds are computed from halves instead
    /// (where Deequ would give inf or NaN).
    pub fn buckets(&self, n_buckets: usize) -> Result<Vec<(f64, f64, u64)>> {
        if n_buckets == 0 {
            return Err(invalid("`n_buckets` must be at least 1"));
        }
        crate::error::check_size("n_buckets", n_buckets, crate::hist::MAX_BINS)?;
        let view = self.view()?;
        let (start, end) = (self.tally.min, self.tally.max);
        let nb = n_buckets as f64;
        let width = end - start;
        let bound = |i: usize| -> f64 {
            if (width * nb).is_finite() {
                start + width * (i as f64) / nb
            } else {
                // clamped: rounding of the halves could step past `end`, and past f64::MAX to inf;
                // the outer bounds are `start` and `end` themselves (halving rounds subnormals)
                if i == 0 { start } else if i == n_buckets { end } else { ((start / 2.0 + (end / 2.0 - start / 2.0) / nb * (i as f64)) * 2.0).clamp(start, end) }
            }
        };
        Ok((0..n_buckets)
            .map(|i| {
                let (lo, hi) = (bound(i), bound(i + 1));
                let upper = view.weight_at(hi, i == n_buckets - 1);
                let lower = view.weight_at(lo, false);
                (lo, hi, upper.saturating_sub(lower))
            })
            .collect())
    }

    // ---- SageMaker form ----

    /// A sketch from SageMaker's / Deequ's `sketch` object: `k`, `c` and one list of items per
    /// level (level `h` weighs `2^h`; items in any order). `min` / `max` are the exact extremes
    /// when known (SageMaker's `numerical_statistics.min/max`); otherwise those of the items.
    pub fn from_levels(
        k: u32,
        c: f64,
        levels: Vec<Vec<f64>>,
        seed: u64,
        min: Option<f64>,
        max: Option<f64>,
    ) -> Result<Self> {
        let mut s = KllSketch::new(k, c, seed)?;
        if levels.len() > MAX_LEVELS {
            return Err(invalid(format!("a KLL sketch has at most {MAX_LEVELS} levels, got {}", levels.len())));
        }
        let (mut lo, mut hi) = (f64::NAN, f64::NAN);
        for (h, level) in levels.iter().enumerate() {
            if let Some(v) = level.iter().find(|v| !v.is_finite()) {
                return Err(invalid(format!("KLL sketch level {h} holds a non-finite item ({v})")));
            }
            for &v in level {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
        let mut main = Compactors::new(seed, &s.caps);
        main.levels = levels.iter().map(|l| l.iter().map(|&v| key(v)).collect()).collect();
        if main.levels.is_empty() {
            main.levels.push(Vec::new());
        }
        for level in main.levels.iter_mut().skip(1) {
            level.sort_unstable();
        }
        main.pending = vec![0; main.levels.len()];
        main.retained = main.levels.iter().map(Vec::len).sum();
        main.capacity = main.total_capacity(&s.caps);
        let n = main.weight().ok_or_else(|| invalid("KLL sketch weighs more than 2^64 values"))?;
        let check = |name: &str, given: Option<f64>, item: f64, bounds: bool| -> Result<()> {
            match given {
                Some(_) if n == 0 => Err(invalid(format!("`{name}` given for an empty KLL sketch"))),
                Some(g) if !(g.is_finite() && bounds) => Err(invalid(format!(
                    "`{name}` = {g} is not a finite bound of the sketch's items (their {name} is {item})"
                ))),
                _ => Ok(()),
            }
        };
        check("min", min, lo, min.is_some_and(|g| g <= lo))?;
        check("max", max, hi, max.is_some_and(|g| g >= hi))?;
        s.main = main;
        s.tally.n = n;
        s.tally.min = min.unwrap_or(lo) + 0.0;
        s.tally.max = max.unwrap_or(hi) + 0.0;
        Ok(s)
    }

    // ---- binary form ----

    /// Versioned little-endian binary form holding the whole state (parameters, seed, stream
    /// position, counts, min/max, both stacks of levels with their generators and pending
    /// offsets) and an FNV-1a checksum.
    pub fn to_bytes(&self) -> Vec<u8> {
        let items = self.main.retained + self.stage.retained;
        let mut out = Vec::with_capacity(128 + (self.main.levels.len() + self.stage.levels.len()) * 5 + items * 8);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&self.k.to_le_bytes());
        out.extend_from_slice(&self.c.to_le_bytes());
        let t = &self.tally;
        for v in [self.seed, self.pos, t.n, t.nan, t.pos_inf, t.neg_inf] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&t.min.to_le_bytes());
        out.extend_from_slice(&t.max.to_le_bytes());
        self.main.write(&mut out);
        self.stage.write(&mut out);
        let sum = fnv1a(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        out
    }

    /// Read [`KllSketch::to_bytes`]'s form; anything malformed is an error, never a panic.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        if bytes.len() < 4 + 2 + 8 || &bytes[..4] != MAGIC {
            return Err(corrupt("not a driftline KLL sketch (bad magic)"));
        }
        let (body, tail) = bytes.split_at(bytes.len() - 8);
        let mut r = Reader { buf: body, pos: 4 };
        let version = r.u16().ok_or_else(truncated)?;
        if version != FORMAT_VERSION {
            return Err(invalid(format!(
                "KLL sketch bytes have format version {version}; this driftline reads version {FORMAT_VERSION}"
            )));
        }
        let stored = u64::from_le_bytes(tail.try_into().map_err(|_| truncated())?);
        if stored != fnv1a(body) {
            return Err(corrupt("checksum mismatch"));
        }
        let k = r.u32().ok_or_else(truncated)?;
        let c = r.f64().ok_or_else(truncated)?;
        check_params(k, c).map_err(|e| corrupt(&e.to_string()))?;
        let mut s = KllSketch::new(k, c, 0)?;
        s.seed = r.u64().ok_or_else(truncated)?;
        s.pos = r.u64().ok_or_else(truncated)?;
        let t = &mut s.tally;
        t.n = r.u64().ok_or_else(truncated)?;
        t.nan = r.u64().ok_or_else(truncated)?;
        t.pos_inf = r.u64().ok_or_else(truncated)?;
        t.neg_inf = r.u64().ok_or_else(truncated)?;
        t.min = r.f64().ok_or_else(truncated)?;
        t.max = r.f64().ok_or_else(truncated)?;
        s.main = Compactors::read(&mut r, &s.caps)?;
        s.stage = Compactors::read(&mut r, &s.caps)?;
        if r.remaining() != 0 {
            return Err(corrupt("trailing bytes"));
        }
        let (wm, ws) = (s.main.weight(), s.stage.weight());
        let total = wm.zip(ws).and_then(|(a, b)| a.checked_add(b));
        if total != Some(s.tally.n) {
            return Err(corrupt("item weights do not add up to n"));
        }
        (s.block, s.block_start, s.block_end) = locate_block(k, s.pos);
        if ws.unwrap_or(0) > s.pos - s.block_start {
            return Err(corrupt("stage holds more values than its block has seen"));
        }
        let (min, max) = (s.tally.min, s.tally.max);
        if s.tally.n == 0 {
            if !(min.is_nan() && max.is_nan()) {
                return Err(corrupt("min/max set on an empty sketch"));
            }
        } else {
            let outside = |stack: &Compactors| stack.levels.iter().flatten().any(|&k| !(value(k) >= min && value(k) <= max));
            if !(min.is_finite() && max.is_finite()) || outside(&s.main) || outside(&s.stage) {
                return Err(corrupt("items outside [min, max]"));
            }
        }
        Ok(s)
    }
}

/// DataSketches' KLL error fits for a given `k` (see [`KllSketch::normalized_rank_error`]).
pub fn normalized_rank_error_for_k(k: u32, pmf: bool) -> f64 {
    if pmf {
        2.446 / (k as f64).powf(0.9433)
    } else {
        2.296 / (k as f64).powf(0.9723)
    }
}

/// Two-sample Kolmogorov-Smirnov distance between the distributions two sketches describe:
/// `max_x |F_a(x) - F_b(x)|` over the union of their retained items, with `F` the sketch's
/// inclusive normalised rank (Deequ's `linf_simple` for KLL sketches). Returns
/// `(statistic, error_bound)`: the step CDFs change only at retained items, so the statistic is
/// the sup over all `x`, and it differs from the exact KS statistic of the sketched data by at
/// most `eps_a + eps_b` (single-sided [`KllSketch::normalized_rank_error`]), a bound that holds
/// with probability at least 98% (each fit is a 99% bound) and is 0 when both are exact.
pub fn ks_distance(a: &KllSketch, b: &KllSketch) -> Result<(f64, f64)> {
    if a.is_empty() {
        return Err(StatsError::Empty { arg: "a" });
    }
    if b.is_empty() {
        return Err(StatsError::Empty { arg: "b" });
    }
    let (va, vb) = (a.view()?, b.view()?);
    let (na, nb) = (a.n() as f64, b.n() as f64);
    let (mut i, mut j, mut d) = (0usize, 0usize, 0.0f64);
    while i < va.items.len() || j < vb.items.len() {
        let x = match (va.items.get(i), vb.items.get(j)) {
            (Some(&x), Some(&y)) => x.min(y),
            (Some(&x), None) => x,
            (None, Some(&y)) => y,
            (None, None) => break,
        };
        while i < va.items.len() && va.items[i] <= x {
            i += 1;
        }
        while j < vb.items.len() && vb.items[j] <= x {
            j += 1;
        }
        let fa = if i == 0 { 0.0 } else { va.cum[i - 1] as f64 / na };
        let fb = if j == 0 { 0.0 } else { vb.cum[j - 1] as f64 / nb };
        d = d.max((fa - fb).abs());
    }
    Ok((d, a.normalized_rank_error(false) + b.normalized_rank_error(false)))
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3))
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let end = self.pos.checked_add(N)?;
        let out: [u8; N] = self.buf.get(self.pos..end)?.try_into().ok()?;
        self.pos = end;
        Some(out)
    }
    fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take::<1>().map(|b| b[0])
    }
    fn u16(&mut self) -> Option<u16> {
        self.take().map(u16::from_le_bytes)
    }
    fn u32(&mut self) -> Option<u32> {
        self.take().map(u32::from_le_bytes)
    }
    fn u64(&mut self) -> Option<u64> {
        self.take().map(u64::from_le_bytes)
    }
    fn f64(&mut self) -> Option<f64> {
        self.take().map(f64::from_le_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic test data (SplitMix64 -> uniform [0, 1)).
    fn uniform(n: usize, seed: u64) -> Vec<f64> {
        let mut s = seed;
        (0..n).map(|_| (splitmix64(&mut s) >> 11) as f64 / (1u64 << 53) as f64).collect()
    }

    /// Level 0's radix sort gives exactly `sort_unstable`'s order on inputs that stress each of
    /// its paths: short, all equal, one varying digit, ties on the 24-bit prefix with differing low
    /// bits (long runs to finish), negatives and positives mixed, huge and tiny magnitudes.
    #[test]
    fn level0_sort_equals_sort_unstable() {
        let mut s = 7u64;
        let mut cases: Vec<Vec<u64>> = vec![
            vec![],
            vec![5; 300],
            (0..1000).map(|i| key((i % 7) as f64)).collect(),
            (0..3000)
                .map(|i| key(1e6 + (i % 13) as f64 * 1e-9))
                .collect(),
            // one exponent: keys share their top 12 bits, the 52 mantissa bits vary
            (0..5000)
                .map(|_| key(1.0 + (splitmix64(&mut s) >> 12) as f64 / (1u64 << 52) as f64))
                .collect(),
        ];
        for n in [1, 2, 255, 256, 257, 1000, 4096, 9000] {
            cases.push((0..n).map(|_| splitmix64(&mut s)).collect());
            cases.push(
                uniform(n, n as u64)
                    .iter()
                    .map(|&v| key((v - 0.5) * 1e300))
                    .collect(),
            );
            cases.push(
                uniform(n, 3 * n as u64)
                    .iter()
                    .map(|&v| key((v - 0.5) * 1e-300))
                    .collect(),
            );
            cases.push(
                (0..n)
                    .map(|i| splitmix64(&mut s) & 0xFF00_0000_0000_00FF | (i as u64 % 3))
                    .collect(),
            );
        }
        for case in cases {
            let mut want = case.clone();
            want.sort_unstable();
            let mut got = case.clone();
            sort_level0(&mut got);
            assert_eq!(got, want, "{} keys", case.len());
        }
    }

    fn exact_rank(sorted: &[f64], x: f64) -> f64 {
        sorted.partition_point(|&v| v <= x) as f64 / sorted.len() as f64
    }

    fn max_rank_error(s: &KllSketch, data: &[f64]) -> f64 {
        let mut sorted = data.to_vec();
        sorted.sort_unstable_by(f64::total_cmp);
        (1..1000)
            .map(|i| {
                let x = sorted[(i * sorted.len()) / 1000];
                (s.rank(x, true).unwrap() - exact_rank(&sorted, x)).abs()
            })
            .fold(0.0, f64::max)
    }

    #[test]
    fn blocks_grow_with_the_stream() {
        assert_eq!(locate_block(2048, 0), (0, 0, 2048));
        assert_eq!(locate_block(200, 255), (0, 0, 256));
        assert_eq!(locate_block(200, 256), (1, 256, 512));
        let (i, start, end) = locate_block(2048, 1_000_000);
        assert!(start <= 1_000_000 && 1_000_000 < end && end - start == start / 8);
        assert!(i < 60);
        let (_, start, end) = locate_block(8, u64::MAX - 1);
        assert!(start < u64::MAX && end > start);
    }

    #[test]
    fn keys_preserve_order_and_values() {
        let vals = [-f64::MAX, -1.0, -f64::MIN_POSITIVE, -5e-324, -0.0, 0.0, 5e-324, 1.0, f64::MAX];
        let keys: Vec<u64> = vals.iter().map(|&v| key(v)).collect();
        assert!(keys.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(key(-0.0), key(0.0));
        for &v in &vals {
            assert_eq!(value(key(v)).to_bits(), (v + 0.0).to_bits());
        }
        let mut s = KllSketch::with_seed(0);
        s.update(&[-0.0, 0.0, -1.0]);
        assert_eq!(s.rank(-0.0, true).unwrap(), 1.0);
        assert_eq!(s.max().to_bits(), 0.0f64.to_bits());
    }

    #[test]
    fn rejects_bad_parameters() {
        assert!(KllSketch::new(7, 0.64, 0).is_err());
        assert!(KllSketch::new(MAX_K + 1, 0.64, 0).is_err());
        assert!(KllSketch::new(200, 0.5, 0).is_err());
        assert!(KllSketch::new(200, f64::NAN, 0).is_err());
        assert!(KllSketch::new(200, 1.0, 0).is_ok());
    }

    #[test]
    fn empty_sketch_queries_fail_clearly() {
        let s = KllSketch::with_seed(0);
        assert_eq!(s.rank(1.0, true), Err(StatsError::Empty { arg: "sketch" }));
        assert!(s.quantile(0.5, true).is_err());
        assert!(s.buckets(10).is_err());
        assert!(s.min().is_nan() && s.max().is_nan());
        assert_eq!(s.normalized_rank_error(false), 0.0);
    }

    #[test]
    fn small_input_is_exact() {
        let data: Vec<f64> = (0..1000).map(|i| ((i * 7919) % 1000) as f64).collect();
        let mut s = KllSketch::with_seed(1);
        s.update(&data);
        assert!(!s.is_estimation_mode());
        assert_eq!(s.n(), 1000);
        assert_eq!(s.rank(499.0, true).unwrap(), 0.5);
        assert_eq!(s.rank(499.0, false).unwrap(), 0.499);
        assert_eq!(s.quantile(0.5, true).unwrap(), 499.0);
        assert_eq!(s.quantile(0.5, false).unwrap(), 500.0);
        assert_eq!(s.quantile(0.0, true).unwrap(), 0.0);
        assert_eq!(s.quantile(1.0, true).unwrap(), 999.0);
        assert!(s.quantile(1.5, true).is_err());
        assert!(s.rank(f64::NAN, true).is_err());
    }

    #[test]
    fn non_finite_values_are_counted_not_sketched() {
        let mut s = KllSketch::with_seed(0);
        s.update(&[1.0, f64::NAN, f64::INFINITY, 2.0, f64::NEG_INFINITY, f64::NAN]);
        assert_eq!((s.n(), s.nan_count(), s.pos_inf_count(), s.neg_inf_count()), (2, 2, 1, 1));
        assert_eq!((s.min(), s.max()), (1.0, 2.0));
        assert_eq!(s.rank(f64::INFINITY, true).unwrap(), 1.0);
    }

    #[test]
    fn rank_error_within_bound_and_weights_conserved() {
        let data = uniform(300_000, 42);
        for k in [64u32, 200, 2048] {
            let mut s = KllSketch::new(k, DEFAULT_C, 7).unwrap();
            s.update(&data);
            let total: u64 = s.levels().iter().enumerate().map(|(h, l)| (l.len() as u64) << h).sum();
            assert_eq!(total, s.n());
            assert!(s.main.retained < s.main.capacity && s.stage.retained <= s.stage.capacity);
            let err = max_rank_error(&s, &data);
            let eps = s.normalized_rank_error(false);
            assert!(err <= eps, "k={k}: max rank error {err} > bound {eps}");
        }
    }

    #[test]
    fn deterministic_for_a_seed_and_sensitive_to_it() {
        let data = uniform(1_200_000, 3); // long enough for the chunked path
        let build = |seed| {
            let mut s = KllSketch::with_seed(seed);
            s.update(&data[..1000]);
            s.update(&data[1000..]);
            s.to_bytes()
        };
        assert_eq!(build(5), build(5));
        assert_ne!(build(5), build(6));
    }

    #[test]
    fn independent_of_how_the_input_is_split() {
        let data = uniform(200_000, 8);
        let mut whole = KllSketch::new(200, DEFAULT_C, 4).unwrap();
        whole.update(&data);
        let (_, start, end) = locate_block(200, 50_000);
        let (start, end) = (start as usize, end as usize);
        for cuts in [vec![1, start, end], vec![start - 1, start + 1, 3 * end], vec![256, 512, 5000], vec![5000]] {
            let mut parts = KllSketch::new(200, DEFAULT_C, 4).unwrap();
            let mut start = 0;
            for &cut in &cuts {
                parts.update(&data[start..cut]);
                start = cut;
            }
            parts.update(&data[start..]);
            assert_eq!(parts.to_bytes(), whole.to_bytes(), "cuts {cuts:?}");
        }
    }

    #[test]
    fn merge_matches_bound() {
        let data = uniform(200_000, 11);
        let mut merged = KllSketch::new(200, DEFAULT_C, 1).unwrap();
        for (i, part) in data.chunks(10_000).enumerate() {
            let mut p = KllSketch::new(200, DEFAULT_C, 100 + i as u64).unwrap();
            p.update(part);
            merged.merge(&p).unwrap();
        }
        assert_eq!(merged.n(), 200_000);
        let err = max_rank_error(&merged, &data);
        assert!(err <= merged.normalized_rank_error(false), "{err}");
        let other = KllSketch::new(100, DEFAULT_C, 1).unwrap();
        assert!(merged.merge(&other).is_err());
    }

    #[test]
    fn bytes_round_trip_and_corruption() {
        let mut s = KllSketch::new(64, DEFAULT_C, 9).unwrap();
        s.update(&uniform(5000, 1));
        s.update(&[f64::NAN, f64::INFINITY]);
        let b = s.to_bytes();
        let t = KllSketch::from_bytes(&b).unwrap();
        assert_eq!(t.to_bytes(), b);
        // continuing both gives the same result (the generator state travels too)
        let (mut s2, mut t2) = (s.clone(), t);
        s2.update(&uniform(5000, 2));
        t2.update(&uniform(5000, 2));
        assert_eq!(s2.to_bytes(), t2.to_bytes());
        for cut in [0, 3, 10, b.len() / 2, b.len() - 1] {
            assert!(KllSketch::from_bytes(&b[..cut]).is_err());
        }
        for i in (0..b.len()).step_by(7) {
            let mut bad = b.clone();
            bad[i] ^= 0x5a;
            assert!(KllSketch::from_bytes(&bad).is_err(), "flip at {i}");
        }
        let mut future = b.clone();
        future[4] = 9;
        let msg = KllSketch::from_bytes(&future).unwrap_err().to_string();
        assert!(msg.contains("version 9"), "{msg}");
    }

    #[test]
    fn sagemaker_levels_round_trip() {
        let mut s = KllSketch::new(64, DEFAULT_C, 2).unwrap();
        s.update(&uniform(3000, 5));
        let t = KllSketch::from_levels(64, DEFAULT_C, s.levels(), 0, Some(s.min()), Some(s.max())).unwrap();
        assert_eq!(t.levels(), s.levels());
        assert_eq!((t.n(), t.min(), t.max()), (s.n(), s.min(), s.max()));
        assert_eq!(t.ranks(&[0.1, 0.5, 0.9], true).unwrap(), s.ranks(&[0.1, 0.5, 0.9], true).unwrap());
        // unsorted upper levels (Deequ writes them unsorted) are accepted
        let u = KllSketch::from_levels(2048, 0.64, vec![vec![3.0, 1.0], vec![2.0, 0.5]], 0, None, None).unwrap();
        assert_eq!((u.n(), u.min(), u.max()), (6, 0.5, 3.0));
        assert_eq!(u.rank(1.0, true).unwrap(), 3.0 / 6.0);
        assert!(KllSketch::from_levels(2048, 0.64, vec![vec![f64::NAN]], 0, None, None).is_err());
        assert!(KllSketch::from_levels(2048, 0.64, vec![vec![1.0]], 0, Some(2.0), None).is_err());
        assert!(KllSketch::from_levels(2048, 0.64, vec![vec![]; 65], 0, None, None).is_err());
    }

    #[test]
    fn buckets_follow_deequ() {
        // 24 ones, 21 twos, 55 threes: SageMaker's example has min 1, max 3 and width 0.2.
        let mut data = vec![1.0; 24];
        data.extend(vec![2.0; 21]);
        data.extend(vec![3.0; 55]);
        let mut s = KllSketch::with_seed(0);
        s.update(&data);
        let b = s.buckets(10).unwrap();
        assert_eq!(b.len(), 10);
        assert_eq!((b[0].0, b[9].1), (1.0, 3.0));
        assert_eq!(b[0].2, 24);
        assert_eq!(b[9].2, 55);
        assert_eq!(b.iter().map(|t| t.2).sum::<u64>(), 100);
        let mut wide = KllSketch::with_seed(0);
        wide.update(&[-1e308, 1e308]);
        let b = wide.buckets(4).unwrap();
        assert!(b.iter().all(|t| t.0.is_finite() && t.1.is_finite()));
        assert_eq!((b[0].0, b[3].1), (-1e308, 1e308));
        assert_eq!(b.iter().map(|t| t.2).sum::<u64>(), 2);
        // bounds from halves stay finite at the extremes of f64
        let mut s = KllSketch::with_seed(0);
        s.update(&[f64::MAX, -f64::MAX, 0.0]);
        let b = s.buckets(3).unwrap();
        assert!(b.iter().all(|t| t.0.is_finite() && t.1.is_finite()), "{b:?}");
        assert_eq!(b.iter().map(|t| t.2).sum::<u64>(), 3);
        let mut s = KllSketch::with_seed(0);
        s.update(&[-5e-324, f64::MAX]);
        assert_eq!(s.buckets(4).unwrap().iter().map(|t| t.2).sum::<u64>(), 2);
    }

    #[test]
    fn ks_distance_exact_when_small() {
        let mut a = KllSketch::with_seed(0);
        let mut b = KllSketch::with_seed(0);
        a.update(&[1.0, 2.0, 3.0, 4.0]);
        b.update(&[3.0, 4.0, 5.0, 6.0]);
        assert_eq!(ks_distance(&a, &b).unwrap(), (0.5, 0.0));
        assert_eq!(ks_distance(&a, &a).unwrap(), (0.0, 0.0));
        let e = KllSketch::with_seed(0);
        assert_eq!(ks_distance(&a, &e), Err(StatsError::Empty { arg: "b" }));
    }

    #[test]
    fn ks_distance_within_bound() {
        let x = uniform(400_000, 1);
        let y: Vec<f64> = uniform(300_000, 2).iter().map(|v| v * 1.1).collect();
        let (mut a, mut b) = (KllSketch::new(200, DEFAULT_C, 1).unwrap(), KllSketch::new(200, DEFAULT_C, 2).unwrap());
        a.update(&x);
        b.update(&y);
        let (d, bound) = ks_distance(&a, &b).unwrap();
        // exact: F_x(t) = t, F_y(t) = t / 1.1 on [0, 1.1]; sup at t = 1: 1 - 1/1.1
        let exact = 1.0 - 1.0 / 1.1;
        assert!((d - exact).abs() <= bound + 0.005, "{d} vs {exact} (bound {bound})");
    }

    #[test]
    fn cdf_and_pmf() {
        let mut s = KllSketch::with_seed(0);
        s.update(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(s.cdf(&[2.0, 3.5], true).unwrap(), vec![0.5, 0.75, 1.0]);
        assert_eq!(s.pmf(&[2.0, 3.5], true).unwrap(), vec![0.5, 0.25, 0.25]);
        assert!(s.cdf(&[2.0, 2.0], true).is_err());
        assert!(s.cdf(&[f64::NAN], true).is_err());
    }
}
