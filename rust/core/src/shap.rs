//! KernelSHAP's coalition algebra (Lundberg & Lee 2017), batched over rows: the coalitions to
//! evaluate and their Shapley-kernel weights ([`plan_coalitions`]), the synthetic rows a model is
//! evaluated on ([`synthesize`]), and the constrained weighted least squares that turns the
//! model's outputs into Shapley values ([`solve`]). The model itself is called by the caller
//! (Python), in batches, once per coalition and background row.
//!
//! Coalitions: the empty and the full coalition are never evaluated as such (their values are
//! E[f] and f(x), which the caller evaluates once). When `num_samples >= 2^M - 2` every other
//! coalition is enumerated and the result is exact. Otherwise, as in `shap.KernelExplainer`,
//! coalition sizes whose share of the kernel weight the budget covers are enumerated, smallest
//! sizes (and their complements) first; the budget left is spread over the remaining sizes in
//! proportion to their kernel mass, and each size is sampled as *pairs* (a coalition and its
//! complement), uniformly and without repeats. A sampled coalition of size `s` weighs the
//! size's kernel mass divided by the number of coalitions drawn of that size (a stratified
//! estimate of the full least-squares problem), so no coalition is evaluated twice.
//!
//! Solve: with `Z` the coalition masks, `W` their weights, `ybar(S)` the background-weighted
//! mean of the model over synthetic rows of coalition `S`, minimise `sum_S W_S (ybar(S) - E[f] -
//! z_S . phi)^2` subject to `sum(phi) = f(x) - E[f]`, through the KKT system
//! `[[Z'WZ, 1], [1', 0]] [phi; l] = [Z'W(ybar - E[f]); f(x) - E[f]]`. The matrix is the same
//! for every row and output, so it is factored once.
use std::collections::HashSet;

use rayon::prelude::*;

use crate::error::{check_size, try_filled, Result, StatsError};

/// Most features KernelSHAP accepts.
pub const MAX_FEATURES: usize = 4096;
/// Most coalitions one plan may hold.
pub const MAX_SAMPLES: usize = 10_000_000;

/// The coalitions to evaluate: `masks` is `n x m` row-major (1 = the feature comes from the
/// explained row, 0 = from the background), `weights` their kernel weights.
#[derive(Debug, Clone, PartialEq)]
pub struct Coalitions {
    pub m: usize,
    pub masks: Vec<u8>,
    pub weights: Vec<f64>,
    /// Every coalition is enumerated: the result is exact (the Shapley values of the game).
    pub exact: bool,
}

impl Coalitions {
    pub fn len(&self) -> usize {
        self.weights.len()
    }

    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A uniform integer in `[0, n)` (n >= 1), by rejection (no modulo bias).
fn below(state: &mut u64, n: u64) -> u64 {
    let zone = u64::MAX - (u64::MAX % n);
    loop {
        let r = splitmix64(state);
        if r < zone {
            return r % n;
        }
    }
}

/// `C(n, k)` as a float (exact up to 2^53, then rounded).
pub fn binomial(n: usize, k: usize) -> f64 {
    if k > n {
        return 0.0;
    }
    let k = k.min(n - k);
    let mut c = 1.0f64;
    for i in 0..k {
        c = c * (n - i) as f64 / (i + 1) as f64;
    }
    c.round()
}

/// The Shapley kernel weight of one coalition of size `s` among `m` features:
/// `(m - 1) / (C(m, s) s (m - s))`; infinite for the empty and full coalitions.
pub fn kernel_weight(m: usize, s: usize) -> f64 {
    if s == 0 || s >= m {
        return f64::INFINITY;
    }
    (m - 1) as f64 / (binomial(m, s) * s as f64 * (m - s) as f64)
}

/// The kernel mass of all coalitions of size `s`: `(m - 1) / (s (m - s))`.
fn size_mass(m: usize, s: usize) -> f64 {
    (m - 1) as f64 / (s as f64 * (m - s) as f64)
}

/// The coalitions for `m` features and a budget of `num_samples` model evaluations per
/// background row (besides the empty and full coalitions), seeded by `seed`.
pub fn plan_coalitions(m: usize, num_samples: usize, seed: u64) -> Result<Coalitions> {
    if m == 0 {
        return Err(StatsError::InvalidArgument("KernelSHAP needs at least one feature".into()));
    }
    check_size("num_features", m, MAX_FEATURES)?;
    check_size("num_samples", num_samples, MAX_SAMPLES)?;
    if m == 1 {
        return Ok(Coalitions { m, masks: vec![], weights: vec![], exact: true });
    }
    let total = if m < 63 { (1u64 << m) - 2 } else { u64::MAX };
    if (num_samples as u64) >= total {
        let n = total as usize;
        let mut masks = try_filled("num_samples", n * m, 0u8)?;
        let mut weights = Vec::with_capacity(n);
        for (i, code) in (1..=total).enumerate() {
            let row = &mut masks[i * m..(i + 1) * m];
            for (j, cell) in row.iter_mut().enumerate() {
                *cell = ((code >> j) & 1) as u8;
            }
            weights.push(kernel_weight(m, code.count_ones() as usize));
        }
        return Ok(Coalitions { m, masks, weights, exact: true });
    }
    if num_samples < 2 {
        return Err(StatsError::InvalidArgument(format!(
            "`num_samples` must be at least 2 for {m} features (sampled coalitions come in pairs), got {num_samples}"
        )));
    }
    let mut masks: Vec<u8> = Vec::new();
    masks.try_reserve_exact(num_samples * m).map_err(|_| StatsError::OutOfMemory { arg: "num_samples", bytes: num_samples * m })?;
    let mut weights: Vec<f64> = Vec::with_capacity(num_samples);
    // sizes p = 1..=half, each with its complement m - p (the middle size, m even, is its own)
    let half = m / 2;
    let mass = |p: usize| if 2 * p == m { size_mass(m, p) } else { 2.0 * size_mass(m, p) };
    let mut budget = num_samples as f64;
    let mut first_sampled = 1;
    for p in 1..=half {
        let remaining: f64 = (p..=half).map(mass).sum();
        let count = if 2 * p == m { binomial(m, p) } else { 2.0 * binomial(m, p) };
        if budget * mass(p) / remaining + 1e-8 >= count {
            enumerate_size(m, p, &mut masks, &mut weights);
            if 2 * p != m {
                enumerate_size(m, m - p, &mut masks, &mut weights);
            }
            budget -= count;
            first_sampled = p + 1;
        } else {
            break;
        }
    }
    if first_sampled <= half {
        let pairs = (budget / 2.0).floor() as usize;
        let sizes: Vec<usize> = (first_sampled..=half).collect();
        let total_mass: f64 = sizes.iter().map(|&p| mass(p)).sum();
        // largest-remainder allocation of the pair draws, capped at the pairs each size has
        let ideal: Vec<f64> = sizes.iter().map(|&p| pairs as f64 * mass(p) / total_mass).collect();
        let mut alloc: Vec<usize> = ideal.iter().map(|v| v.floor() as usize).collect();
        let mut left = pairs.saturating_sub(alloc.iter().sum());
        let mut order: Vec<usize> = (0..sizes.len()).collect();
        order.sort_by(|&a, &b| (ideal[b] - ideal[b].floor()).total_cmp(&(ideal[a] - ideal[a].floor())));
        for &i in order.iter() {
            if left == 0 {
                break;
            }
            alloc[i] += 1;
            left -= 1;
        }
        let mut rng = seed ^ 0x5DEE_CE66_D1CE_5EED;
        for (i, &p) in sizes.iter().enumerate() {
            let cap = if 2 * p == m { binomial(m, p) / 2.0 } else { binomial(m, p) };
            let want = (alloc[i] as f64).min(cap) as usize;
            if want == 0 {
                continue;
            }
            let drawn = sample_pairs(m, p, want, &mut rng, &mut masks);
            if drawn == 0 {
                continue;
            }
            // each drawn pair adds one coalition of size p and one of size m - p
            let w = size_mass(m, p) / (if 2 * p == m { 2 * drawn } else { drawn }) as f64;
            weights.extend(std::iter::repeat_n(w, 2 * drawn));
        }
    }
    Ok(Coalitions { m, masks, weights, exact: false })
}

/// Append every coalition of size `s` (lexicographic) with its kernel weight.
fn enumerate_size(m: usize, s: usize, masks: &mut Vec<u8>, weights: &mut Vec<f64>) {
    let w = kernel_weight(m, s);
    let mut idx: Vec<usize> = (0..s).collect();
    loop {
        let start = masks.len();
        masks.resize(start + m, 0);
        for &j in &idx {
            masks[start + j] = 1;
        }
        weights.push(w);
        // next combination
        let mut i = s;
        loop {
            if i == 0 {
                return;
            }
            i -= 1;
            if idx[i] < m - s + i {
                idx[i] += 1;
                for k in i + 1..s {
                    idx[k] = idx[k - 1] + 1;
                }
                break;
            }
            if i == 0 {
                return;
            }
        }
    }
}

/// Draw up to `want` distinct pairs (a coalition of size `p` and its complement), uniformly;
/// returns how many were drawn (fewer only when repeated rejections exhaust the attempts).
fn sample_pairs(m: usize, p: usize, want: usize, rng: &mut u64, masks: &mut Vec<u8>) -> usize {
    let words = m.div_ceil(64);
    let mut seen: HashSet<Vec<u64>> = HashSet::with_capacity(want);
    let mut perm: Vec<usize> = (0..m).collect();
    let mut drawn = 0;
    let mut attempts = 0usize;
    let max_attempts = 50 * want + 1000;
    while drawn < want && attempts < max_attempts {
        attempts += 1;
        for i in 0..p {
            let j = i + below(rng, (m - i) as u64) as usize;
            perm.swap(i, j);
        }
        let mut key = vec![0u64; words];
        for &j in &perm[..p] {
            key[j / 64] |= 1 << (j % 64);
        }
        if 2 * p == m && key[0] & 1 == 0 {
            // the middle size: a coalition and its complement are one pair; key by the one holding feature 0
            for (w, k) in key.iter_mut().enumerate() {
                let bits = if (w + 1) * 64 <= m { u64::MAX } else { (1u64 << (m - w * 64)) - 1 };
                *k = !*k & bits;
            }
        }
        if !seen.insert(key.clone()) {
            continue;
        }
        let start = masks.len();
        masks.resize(start + m, 0);
        masks.resize(start + 2 * m, 1);
        for &j in &perm[..p] {
            masks[start + j] = 1;
            masks[start + m + j] = 0;
        }
        drawn += 1;
    }
    drawn
}

/// The synthetic rows for `rows` (`n_rows x m`): for each row, coalition and background row, the
/// background row with the coalition's features taken from the row. Returns
/// `n_rows x n_coal x n_bg x m` values, row-major, followed by the rows themselves when
/// `append_rows` (so one model call also gives f(x)).
pub fn synthesize(rows: &[f64], background: &[f64], m: usize, masks: &[u8], append_rows: bool) -> Result<Vec<f64>> {
    let total = synthesized_len(rows.len(), background.len(), m, masks.len(), append_rows)?;
    let mut out = try_filled("rows", total, 0.0f64)?;
    synthesize_into(&mut out, rows, background, m, masks, append_rows)?;
    Ok(out)
}

/// The number of values [`synthesize`] returns for these inputs (checked: multiples of `m`, a
/// background, no overflow).
pub fn synthesized_len(rows: usize, background: usize, m: usize, masks: usize, append_rows: bool) -> Result<usize> {
    if m == 0 {
        return Err(StatsError::InvalidArgument("KernelSHAP needs at least one feature".into()));
    }
    for (arg, len) in [("rows", rows), ("background", background), ("masks", masks)] {
        if len % m != 0 {
            return Err(StatsError::InvalidArgument(format!("`{arg}` must hold a multiple of {m} values (one per feature), got {len}")));
        }
    }
    if background == 0 {
        return Err(StatsError::Empty { arg: "background" });
    }
    let per_row = (masks / m) * (background / m) * m;
    let synth = (rows / m).checked_mul(per_row).ok_or(StatsError::OutOfMemory { arg: "rows", bytes: usize::MAX })?;
    synth.checked_add(if append_rows { rows } else { 0 }).ok_or(StatsError::OutOfMemory { arg: "rows", bytes: usize::MAX })
}

/// [`synthesize`] into a buffer the caller keeps (its first [`synthesized_len`] values), so that
/// batch after batch reuses the same memory instead of faulting in fresh pages.
pub fn synthesize_into(out: &mut [f64], rows: &[f64], background: &[f64], m: usize, masks: &[u8], append_rows: bool) -> Result<()> {
    let total = synthesized_len(rows.len(), background.len(), m, masks.len(), append_rows)?;
    if out.len() < total {
        return Err(StatsError::InvalidArgument(format!("the output buffer holds {} values, {total} are needed", out.len())));
    }
    let (n_bg, per_row) = (background.len() / m, (masks.len() / m) * (background.len() / m) * m);
    let synth = (rows.len() / m) * per_row;
    if append_rows {
        out[synth..total].copy_from_slice(rows);
    }
    if per_row == 0 {
        return Ok(());
    }
    // one block per (row, coalition) is the unit of parallel work, so that a batch of a few rows
    // still spreads over every thread
    let block_len = n_bg * m;
    let n_coal = masks.len() / m;
    let fill = |(i, block): (usize, &mut [f64])| {
        let (r, c) = (i / n_coal, i % n_coal);
        let x = &rows[r * m..(r + 1) * m];
        let mask = &masks[c * m..(c + 1) * m];
        for (dst, src) in block.chunks_exact_mut(m).zip(background.chunks_exact(m)) {
            for j in 0..m {
                dst[j] = if mask[j] != 0 { x[j] } else { src[j] };
            }
        }
    };
    if synth >= crate::PARALLEL_MIN_LEN {
        out[..synth].par_chunks_mut(block_len).with_min_len((crate::PARALLEL_MIN_LEN / block_len).max(1)).enumerate().for_each(fill);
    } else {
        out[..synth].chunks_mut(block_len).enumerate().for_each(fill);
    }
    Ok(())
}

/// LU factorisation with partial pivoting of an `n x n` matrix (in place); `None` if singular.
fn lu(a: &mut [f64], n: usize) -> Option<Vec<usize>> {
    let mut piv: Vec<usize> = (0..n).collect();
    let scale = a.iter().fold(0.0f64, |s, v| s.max(v.abs())).max(f64::MIN_POSITIVE);
    for k in 0..n {
        let (mut best, mut arg) = (0.0, k);
        for i in k..n {
            let v = a[i * n + k].abs();
            if v > best {
                best = v;
                arg = i;
            }
        }
        if best <= scale * 1e-13 {
            return None;
        }
        if arg != k {
            for j in 0..n {
                a.swap(k * n + j, arg * n + j);
            }
            piv.swap(k, arg);
        }
        for i in k + 1..n {
            let f = a[i * n + k] / a[k * n + k];
            a[i * n + k] = f;
            for j in k + 1..n {
                a[i * n + j] -= f * a[k * n + j];
            }
        }
    }
    Some(piv)
}

fn lu_solve(lu: &[f64], piv: &[usize], n: usize, b: &[f64], x: &mut [f64]) {
    for i in 0..n {
        let mut s = b[piv[i]];
        for j in 0..i {
            s -= lu[i * n + j] * x[j];
        }
        x[i] = s;
    }
    for i in (0..n).rev() {
        let mut s = x[i];
        for j in i + 1..n {
            s -= lu[i * n + j] * x[j];
        }
        x[i] = s / lu[i * n + i];
    }
}

/// `sum(w[i] * y[i])` with four running sums (independent additions keep the pipeline full).
fn weighted_sum(y: &[f64], w: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let (yc, wc) = (y.chunks_exact(4), w.chunks_exact(4));
    let (yr, wr) = (yc.remainder(), wc.remainder());
    for (a, b) in yc.zip(wc) {
        for i in 0..4 {
            acc[i] += a[i] * b[i];
        }
    }
    let tail: f64 = yr.iter().zip(wr).map(|(a, b)| a * b).sum();
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// Shapley values from the model's outputs. `y` holds the outputs on [`synthesize`]'s rows
/// (`n_rows x n_coal x n_bg x n_out`), `fx` the outputs on the rows (`n_rows x n_out`),
/// `expected` E[f] over the background (`n_out`), `bg_weights` the background rows' weights
/// (empty: equal). Returns `n_rows x m x n_out` values; each row's values sum to
/// `f(x) - E[f]` (the efficiency constraint).
#[allow(clippy::too_many_arguments)]
pub fn solve(
    coalitions: &Coalitions,
    y: &[f64],
    n_bg: usize,
    bg_weights: &[f64],
    fx: &[f64],
    expected: &[f64],
) -> Result<Vec<f64>> {
    let m = coalitions.m;
    let n_coal = coalitions.len();
    let n_out = expected.len();
    if n_out == 0 {
        return Err(StatsError::Empty { arg: "expected" });
    }
    if fx.len() % n_out != 0 {
        return Err(StatsError::InvalidArgument(format!("`fx` must hold {n_out} outputs per row, got {} values", fx.len())));
    }
    let n_rows = fx.len() / n_out;
    let want = n_rows.saturating_mul(n_coal).saturating_mul(n_bg).saturating_mul(n_out);
    if y.len() != want {
        return Err(StatsError::InvalidArgument(format!(
            "`y` must hold rows x coalitions x background x outputs = {n_rows} x {n_coal} x {n_bg} x {n_out} values, got {}",
            y.len()
        )));
    }
    if coalitions.masks.len() != n_coal * m {
        return Err(StatsError::InvalidArgument("coalition masks and weights disagree".into()));
    }
    let bw: Vec<f64> = if bg_weights.is_empty() {
        vec![1.0; n_bg]
    } else {
        crate::error::check_same_len("bg_weights", bg_weights.len(), "background", n_bg)?;
        crate::error::check_counts("bg_weights", bg_weights)?;
        bg_weights.to_vec()
    };
    let bsum: f64 = bw.iter().sum();
    if n_bg == 0 || bsum <= 0.0 {
        return Err(StatsError::InvalidArgument("`bg_weights` must have a positive sum".into()));
    }
    let bw: Vec<f64> = bw.iter().map(|w| w / bsum).collect();
    let mut out = try_filled("rows", n_rows * m * n_out, 0.0f64)?;
    // v * 0 is 0 for a finite value and NaN otherwise: one sum that vectorises tells whether
    // every score is finite
    let finite = |vals: &[f64]| vals.iter().fold(0.0f64, |acc, &v| acc + v * 0.0) == 0.0;
    if !(finite(y) && finite(fx) && finite(expected)) {
        return Err(StatsError::InvalidArgument("the model returned a non-finite score (NaN or infinity)".into()));
    }
    if m == 1 {
        for r in 0..n_rows {
            for o in 0..n_out {
                out[r * n_out + o] = fx[r * n_out + o] - expected[o];
            }
        }
        return Ok(out);
    }
    // KKT matrix, factored once
    let k = m + 1;
    let mut a = vec![0.0f64; k * k];
    for (mask, &w) in coalitions.masks.chunks_exact(m).zip(&coalitions.weights) {
        for i in 0..m {
            if mask[i] == 0 {
                continue;
            }
            for j in 0..m {
                if mask[j] != 0 {
                    a[i * k + j] += w;
                }
            }
        }
    }
    let wscale = a.iter().fold(0.0f64, |s, v| s.max(v.abs())).max(1.0);
    for i in 0..m {
        a[i * k + m] = wscale;
        a[m * k + i] = wscale;
    }
    let mut fact = a.clone();
    let piv = match lu(&mut fact, k) {
        Some(p) => p,
        None => {
            // too few coalitions for a unique solution: the minimum-norm-like ridge fallback
            fact = a;
            for i in 0..m {
                fact[i * k + i] += 1e-8 * wscale;
            }
            lu(&mut fact, k).ok_or_else(|| StatsError::InvalidArgument("KernelSHAP's least squares is singular: raise num_samples".into()))?
        }
    };
    let solve_row = |(r, dst): (usize, &mut [f64])| {
        let mut ybar = vec![0.0f64; n_coal * n_out];
        let rows_y = &y[r * n_coal * n_bg * n_out..(r + 1) * n_coal * n_bg * n_out];
        for (c, block) in rows_y.chunks_exact(n_bg * n_out).enumerate() {
            if n_out == 1 {
                ybar[c] = weighted_sum(block, &bw);
            } else {
                for (b, &wb) in bw.iter().enumerate() {
                    for o in 0..n_out {
                        ybar[c * n_out + o] += wb * block[b * n_out + o];
                    }
                }
            }
        }
        let mut rhs = vec![0.0f64; k];
        let mut x = vec![0.0f64; k];
        for o in 0..n_out {
            rhs.iter_mut().for_each(|v| *v = 0.0);
            for (c, (mask, &w)) in coalitions.masks.chunks_exact(m).zip(&coalitions.weights).enumerate() {
                let d = w * (ybar[c * n_out + o] - expected[o]);
                for j in 0..m {
                    if mask[j] != 0 {
                        rhs[j] += d;
                    }
                }
            }
            rhs[m] = (fx[r * n_out + o] - expected[o]) * wscale;
            lu_solve(&fact, &piv, k, &rhs, &mut x);
            for j in 0..m {
                dst[j * n_out + o] = x[j];
            }
        }
    };
    // a row's work is its coalitions x background outputs (a few ns each): rows are spread over
    // the threads only when each thread gets enough of it to pay for the hand-off
    let per_row = (n_coal * n_bg * n_out).max(1);
    let min_rows = (4 * crate::PARALLEL_MIN_LEN).div_ceil(per_row);
    if n_rows >= 2 * min_rows {
        out.par_chunks_mut(m * n_out).with_min_len(min_rows).enumerate().for_each(solve_row);
    } else {
        out.chunks_mut(m * n_out).enumerate().for_each(solve_row);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn linear(w: &[f64], rows: &[f64]) -> Vec<f64> {
        rows.chunks_exact(w.len()).map(|r| r.iter().zip(w).map(|(a, b)| a * b).sum()).collect()
    }

    fn explain(m: usize, budget: usize, w: &[f64], x: &[f64], bg: &[f64]) -> (Coalitions, Vec<f64>) {
        let plan = plan_coalitions(m, budget, 7).unwrap();
        let syn = synthesize(x, bg, m, &plan.masks, false).unwrap();
        let y = linear(w, &syn);
        let fx = linear(w, x);
        let fb = linear(w, bg);
        let ef = [fb.iter().sum::<f64>() / fb.len() as f64];
        let phi = solve(&plan, &y, bg.len() / m, &[], &fx, &ef).unwrap();
        (plan, phi)
    }

    #[test]
    fn weights_and_binomials() {
        assert_eq!(binomial(10, 3), 120.0);
        assert!((kernel_weight(4, 1) - 3.0 / (4.0 * 3.0)).abs() < 1e-15);
        assert!(kernel_weight(4, 0).is_infinite());
    }

    #[test]
    fn full_enumeration_is_exact_on_linear_models() {
        let m = 5;
        let w = [1.0, -2.0, 0.5, 3.0, 0.0];
        let x = [1.0, 2.0, 3.0, 4.0, 5.0, -1.0, 0.0, 2.0, 1.0, 1.0];
        let bg = [0.0, 1.0, 0.5, 2.0, 3.0, 1.0, 0.0, 1.5, -1.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0];
        let (plan, phi) = explain(m, 1000, &w, &x, &bg);
        assert!(plan.exact);
        assert_eq!(plan.len(), 30);
        for r in 0..2 {
            for j in 0..m {
                let mean: f64 = (0..3).map(|b| bg[b * m + j]).sum::<f64>() / 3.0;
                assert!((phi[r * m + j] - w[j] * (x[r * m + j] - mean)).abs() < 1e-9, "row {r} feature {j}");
            }
        }
    }

    #[test]
    fn sampled_plans_have_no_repeats_and_pairs() {
        for (m, budget) in [(10, 200), (11, 100), (12, 500), (20, 64), (70, 40)] {
            let plan = plan_coalitions(m, budget, 3).unwrap();
            assert!(!plan.exact);
            assert!(plan.len() <= budget, "{m} {budget}");
            assert!(plan.len() + 2 * m >= budget, "{m} {budget}: {}", plan.len());
            let set: HashSet<&[u8]> = plan.masks.chunks_exact(m).collect();
            assert_eq!(set.len(), plan.len(), "repeats for m={m}");
            for mask in plan.masks.chunks_exact(m) {
                let s: usize = mask.iter().map(|&v| v as usize).sum();
                assert!(s > 0 && s < m);
                let comp: Vec<u8> = mask.iter().map(|v| 1 - v).collect();
                assert!(set.contains(comp.as_slice()), "complement missing");
            }
            assert!(plan.weights.iter().all(|w| w.is_finite() && *w > 0.0));
            // same seed, same plan
            assert_eq!(plan, plan_coalitions(m, budget, 3).unwrap());
        }
    }

    #[test]
    fn sampled_linear_models_are_still_exact() {
        // a linear (additive) game is fitted exactly by any full-rank coalition set
        let m = 12;
        let w: Vec<f64> = (0..m).map(|j| j as f64 - 4.0).collect();
        let x: Vec<f64> = (0..m).map(|j| (j * j) as f64 * 0.1).collect();
        let bg: Vec<f64> = (0..3 * m).map(|i| (i % 7) as f64).collect();
        let (plan, phi) = explain(m, 300, &w, &x, &bg);
        assert!(!plan.exact);
        for j in 0..m {
            let mean: f64 = (0..3).map(|b| bg[b * m + j]).sum::<f64>() / 3.0;
            assert!((phi[j] - w[j] * (x[j] - mean)).abs() < 1e-8);
        }
    }

    #[test]
    fn efficiency_holds_on_a_nonlinear_game() {
        let m = 6;
        let plan = plan_coalitions(m, 20, 1).unwrap();
        let x = [1.0, 2.0, 3.0, 0.5, -1.0, 2.0];
        let bg = [0.0; 6];
        let syn = synthesize(&x, &bg, m, &plan.masks, false).unwrap();
        let f = |r: &[f64]| r[0] * r[1] + r[2].powi(2) - r[3] * r[4] * r[5];
        let y: Vec<f64> = syn.chunks_exact(m).map(f).collect();
        let fx = [f(&x)];
        let ef = [f(&bg)];
        let phi = solve(&plan, &y, 1, &[], &fx, &ef).unwrap();
        assert!((phi.iter().sum::<f64>() - (fx[0] - ef[0])).abs() < 1e-9);
    }

    #[test]
    fn bad_inputs_are_errors_not_panics() {
        assert!(plan_coalitions(0, 10, 0).is_err());
        assert!(plan_coalitions(20, 1, 0).is_err());
        assert!(synthesize(&[1.0, 2.0, 3.0], &[0.0, 0.0], 2, &[1, 0], false).is_err());
        assert!(synthesize(&[1.0, 2.0], &[], 2, &[1, 0], true).is_err());
        let with_rows = synthesize(&[1.0, 2.0], &[5.0, 6.0], 2, &[1, 0], true).unwrap();
        assert_eq!(with_rows, vec![1.0, 6.0, 1.0, 2.0]);
        let plan = plan_coalitions(3, 100, 0).unwrap();
        assert!(solve(&plan, &[1.0], 1, &[], &[1.0], &[0.0]).is_err());
        let y = vec![f64::NAN; plan.len()];
        assert!(solve(&plan, &y, 1, &[], &[1.0], &[0.0]).is_err());
        for bad in [f64::INFINITY, f64::NEG_INFINITY, f64::NAN] {
            let mut y = vec![0.5; plan.len()];
            y[plan.len() / 2] = bad;
            assert!(solve(&plan, &y, 1, &[], &[1.0], &[0.0]).is_err());
            assert!(solve(&plan, &vec![0.5; plan.len()], 1, &[], &[bad], &[0.0]).is_err());
        }
        assert!(solve(&plan, &vec![1e300; plan.len()], 1, &[], &[1e300], &[0.0]).is_ok());
        assert!(solve(&plan, &vec![0.0; plan.len()], 1, &[-1.0], &[1.0], &[0.0]).is_err());
        let single = plan_coalitions(1, 10, 0).unwrap();
        assert_eq!(solve(&single, &[], 2, &[], &[3.0], &[1.0]).unwrap(), vec![2.0]);
    }
}
