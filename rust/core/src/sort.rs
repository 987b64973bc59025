//! Sorting raw samples, the first step of every exact two-sample statistic on raw data (KS,
//! Wasserstein, energy distance, Cramér-von Mises, ...).
//!
//! Large inputs use an LSD radix sort on an order-preserving `u64` image of each `f64` (sign bit
//! set for non-negative values, all bits flipped for negative ones): passes of 8 bits, each a
//! counting scatter, skipping digits that every key shares (small integers, for example, share
//! their low mantissa bytes). From 2^16 values on, only the 5 most significant varying digits
//! get passes and the runs that tie on them are finished by a comparison sort (short runs for
//! smooth data: one scan instead of up to 3 more passes). Small inputs use
//! `sort_unstable_by(f64::total_cmp)`.
//!
//! Measured on the 2-core EPYC VM (single thread, normal data): 12-14 ns per value at 10^6 and
//! 21-23 ns at 10^7, against 53 and 69 ns for `numpy.sort` and 30 ns for `sort_unstable_by`.
//! 8-bit digits beat 11-bit ones from ~10^6 values on: 2048 write streams per scatter thrash
//! the cache and TLB, 256 do not.
//!
//! `-0.0` is replaced by `0.0` so that the two zeros, which compare equal as numbers, also sort
//! and compare as one value: the KS CDF walk, like numpy's `searchsorted`, must treat them as tied.

/// Below this length the comparison sort is faster than the radix sort's fixed cost.
const RADIX_MIN_LEN: usize = 2048;
const RADIX_BITS: u32 = 8;
const BUCKETS: usize = 1 << RADIX_BITS;
const PASSES: usize = 64usize.div_ceil(RADIX_BITS as usize);
/// Large inputs are radix-sorted on this many leading varying digits (40 bits: below 10^8 values
/// of a smooth distribution few share them), the rest by sorting the runs that tie on them.
const TOP_DIGITS: usize = 5;
const TOP_MIN_LEN: usize = 1 << 16;

/// Order-preserving key of a non-NaN `x`: `key(x) < key(y)` iff `x < y`; `-0.0` and `0.0` get
/// the same key, and every key is below `u64::MAX` (free for use as a sentinel).
#[inline(always)]
pub fn key(x: f64) -> u64 {
    // `x + 0.0` turns -0.0 into +0.0 (round-to-nearest) and leaves every other value alone.
    let bits = (x + 0.0).to_bits();
    bits ^ (((bits as i64 >> 63) as u64) | (1 << 63))
}

/// Bits of the value whose key is `k` (inverse of [`key`]).
#[inline(always)]
pub fn value_bits(k: u64) -> u64 {
    k ^ (((k >> 63).wrapping_sub(1)) | (1 << 63))
}

/// The non-NaN values of `x` in ascending order (with `-0.0` written as `0.0`), and the number of
/// NaN values left out. Infinities are ordinary values.
pub fn sorted_without_nan(x: &[f64]) -> (Vec<f64>, usize) {
    if x.len() < RADIX_MIN_LEN {
        let mut v: Vec<f64> = x.iter().filter(|v| !v.is_nan()).map(|v| v + 0.0).collect();
        let nan = x.len() - v.len();
        v.sort_unstable_by(f64::total_cmp);
        return (v, nan);
    }
    let (bits, nan) = radix_sort(x, value_bits);
    // Same size and alignment: this map-collect reuses the allocation in place.
    (bits.into_iter().map(f64::from_bits).collect(), nan)
}

/// The [`key`]s of the non-NaN values of `x`, ascending, and the number of NaN values left out:
/// [`sorted_without_nan`] without decoding, for walks that compare integers rather than floats.
pub fn sorted_keys_without_nan(x: &[f64]) -> (Vec<u64>, usize) {
    if x.len() < RADIX_MIN_LEN {
        let mut v: Vec<u64> = x.iter().filter(|v| !v.is_nan()).map(|&v| key(v)).collect();
        let nan = x.len() - v.len();
        v.sort_unstable();
        return (v, nan);
    }
    radix_sort(x, |k| k)
}

/// `keys` in ascending order: the radix sort of [`sorted_keys_without_nan`] on keys that are
/// already computed (e.g. split by class first), sorting in place for short inputs.
pub fn sorted_keys(mut keys: Vec<u64>) -> Vec<u64> {
    if keys.len() < RADIX_MIN_LEN {
        keys.sort_unstable();
        return keys;
    }
    let mut counts = [[0usize; BUCKETS]; PASSES];
    for &k in &keys {
        count_digits(&mut counts, k);
    }
    radix_sort_keys(keys, &counts, |k| k)
}

/// Add the 8-bit digits of `k` to the per-pass histograms.
#[inline(always)]
fn count_digits(counts: &mut [[usize; BUCKETS]; PASSES], k: u64) {
    for (p, c) in counts.iter_mut().enumerate() {
        c[((k >> (p as u32 * RADIX_BITS)) as usize) & (BUCKETS - 1)] += 1;
    }
}

/// `len` zero keys, on transparent huge pages where Linux allows them (in `madvise` mode they
/// must be asked for, as numpy does for its large arrays): the first write to a fresh 4 KiB page
/// costs ~1.5 µs on the benchmark VM, and a sort of 10^7 keys scatters into 80 MB of them.
pub(crate) fn zeroed_keys(len: usize) -> Vec<u64> {
    let mut keys = vec![0u64; len]; // calloc: fresh pages, not touched yet
    #[cfg(target_os = "linux")]
    if len >= 1 << 19 {
        let (start, end) = (keys.as_mut_ptr() as usize, keys.as_mut_ptr() as usize + len * 8);
        let (start, end) = (start.next_multiple_of(4096), end & !4095);
        // SAFETY: an advice on pages of `keys` only, which changes no contents; failure is harmless
        unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE) };
    }
    keys
}

/// LSD radix sort of the keys of the non-NaN values of `x`; the last pass writes `out(key)`.
fn radix_sort(x: &[f64], out: impl Fn(u64) -> u64) -> (Vec<u64>, usize) {
    let mut keys: Vec<u64> = Vec::with_capacity(x.len());
    // On the stack with constant bounds, so the per-digit increments are unrolled.
    let mut counts = [[0usize; BUCKETS]; PASSES];
    for &v in x {
        if v.is_nan() {
            continue;
        }
        let k = key(v);
        keys.push(k);
        count_digits(&mut counts, k);
    }
    let nan = x.len() - keys.len();
    (radix_sort_keys(keys, &counts, out), nan)
}

/// LSD radix sort of `keys` whose digit histograms are `counts`; the last pass writes `out(key)`.
fn radix_sort_keys(mut keys: Vec<u64>, counts: &[[usize; BUCKETS]; PASSES], out: impl Fn(u64) -> u64) -> Vec<u64> {
    let len = keys.len();
    // A digit shared by every key needs no pass (e.g. the low mantissa bytes of small integers).
    let mut moving: Vec<usize> = (0..PASSES).filter(|&p| !counts[p].contains(&len)).collect();
    // Large inputs: sort on the TOP_DIGITS most significant varying digits only, then finish the
    // (short) runs that share them; fewer passes over memory than a full LSD sort.
    let finish_shift = if moving.len() > TOP_DIGITS && len >= TOP_MIN_LEN {
        moving.drain(..moving.len() - TOP_DIGITS);
        Some(moving[0] as u32 * RADIX_BITS)
    } else {
        None
    };
    if !moving.is_empty() {
        let mut other = zeroed_keys(len);
        for (step, &p) in moving.iter().enumerate() {
            let mut offsets = [0usize; BUCKETS];
            let mut total = 0;
            for (o, &k) in offsets.iter_mut().zip(counts[p].iter()) {
                *o = total;
                total += k;
            }
            let shift = p as u32 * RADIX_BITS;
            if step + 1 == moving.len() && finish_shift.is_none() {
                scatter(&keys, &mut other, &mut offsets, shift, &out);
            } else {
                scatter(&keys, &mut other, &mut offsets, shift, |k| k);
            }
            std::mem::swap(&mut keys, &mut other);
        }
    }
    match finish_shift {
        Some(shift) => finish_runs(&mut keys, shift, out),
        None if moving.is_empty() => keys.iter_mut().for_each(|k| *k = out(*k)),
        None => {}
    }
    keys
}

/// Sort each run of keys that agree above bit `shift` (the input is sorted on those bits), and
/// write `out(key)`.
fn finish_runs(keys: &mut [u64], shift: u32, out: impl Fn(u64) -> u64) {
    let mut i = 0;
    while i < keys.len() {
        let high = keys[i] >> shift;
        let mut j = i + 1;
        while j < keys.len() && keys[j] >> shift == high {
            j += 1;
        }
        let run = &mut keys[i..j];
        if run.len() > 1 {
            run.sort_unstable();
        }
        run.iter_mut().for_each(|k| *k = out(*k));
        i = j;
    }
}

/// One stable counting-sort pass of `src` into `dst` on the digit at `shift`, writing `out(key)`.
#[inline(always)]
fn scatter(src: &[u64], dst: &mut [u64], offsets: &mut [usize; BUCKETS], shift: u32, out: impl Fn(u64) -> u64) {
    for &k in src {
        let d = ((k >> shift) as usize) & (BUCKETS - 1);
        let o = offsets[d];
        dst[o] = out(k);
        offsets[d] = o + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(x: &[f64]) -> Vec<f64> {
        let mut v: Vec<f64> = x.iter().copied().filter(|v| !v.is_nan()).collect();
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v
    }

    /// A small deterministic generator (SplitMix64) so the tests need no dependency.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }
    }

    #[test]
    fn keys_preserve_order() {
        let vals = [f64::NEG_INFINITY, -f64::MAX, -1.5, -f64::MIN_POSITIVE, -5e-324, 0.0, 5e-324, 1.0, f64::MAX, f64::INFINITY];
        for w in vals.windows(2) {
            assert!(key(w[0]) < key(w[1]), "{} {}", w[0], w[1]);
        }
        for v in vals {
            assert_eq!(value_bits(key(v)), v.to_bits());
        }
        assert_eq!(key(-0.0), key(0.0));
    }

    #[test]
    fn sorts_like_a_comparison_sort() {
        let mut rng = Rng(7);
        for &n in &[0usize, 1, 5, 2047, 2048, 5000, 100_000] {
            // wide magnitudes, ties, zeros of both signs, infinities and NaN
            let x: Vec<f64> = (0..n)
                .map(|i| match rng.next() % 10 {
                    0 => f64::NAN,
                    1 => (rng.next() % 7) as f64 - 3.0,
                    2 => -0.0,
                    3 => f64::from_bits(rng.next()),
                    4 => if i % 2 == 0 { f64::INFINITY } else { f64::NEG_INFINITY },
                    _ => (rng.next() as f64 / u64::MAX as f64 - 0.5) * 1e6,
                })
                .collect();
            let (s, nan) = sorted_without_nan(&x);
            assert_eq!(nan, x.iter().filter(|v| v.is_nan()).count());
            let r = reference(&x);
            assert_eq!(s.len(), r.len());
            assert!(s.iter().zip(&r).all(|(a, b)| a == b), "n = {n}");
            assert!(s.iter().all(|v| v.to_bits() != (-0.0f64).to_bits()));
            let (k, nan_k) = sorted_keys_without_nan(&x);
            assert_eq!(nan_k, nan);
            assert!(k.iter().zip(&r).all(|(&k, &v)| k == key(v)), "keys, n = {n}");
            let unsorted: Vec<u64> = x.iter().filter(|v| !v.is_nan()).map(|&v| key(v)).collect();
            assert_eq!(sorted_keys(unsorted), k, "presorted keys, n = {n}");
        }
    }

    #[test]
    fn clusters_that_tie_on_the_leading_digits() {
        // Seven clusters whose members differ only in their last mantissa bits, plus values that
        // make every digit vary: the radix passes leave long runs for `finish_runs`.
        let mut rng = Rng(11);
        let x: Vec<f64> = (0..200_000)
            .map(|i| match i % 10 {
                0 => f64::from_bits(rng.next()),
                _ => (rng.next() % 7) as f64 * 1e6 + (rng.next() % 5000) as f64 * 1e-9,
            })
            .collect();
        let (s, nan) = sorted_without_nan(&x);
        let r = reference(&x);
        assert_eq!(s.len() + nan, x.len());
        assert!(s.iter().zip(&r).all(|(a, b)| a == b));
        let (k, _) = sorted_keys_without_nan(&x);
        assert!(k.iter().zip(&r).all(|(&k, &v)| k == key(v)));
        assert_eq!(sorted_keys(x.iter().filter(|v| !v.is_nan()).map(|&v| key(v)).collect()), k);
    }

    #[test]
    fn all_nan_and_constant() {
        let (s, nan) = sorted_without_nan(&vec![f64::NAN; 3000]);
        assert!(s.is_empty());
        assert_eq!(nan, 3000);
        let (s, nan) = sorted_without_nan(&vec![2.5; 3000]);
        assert_eq!((s.len(), nan), (3000, 0));
        assert!(s.iter().all(|&v| v == 2.5));
    }
}
