//! Chi-square family of tests on counts: Cressie-Read power divergence (Pearson's chi-square,
//! the G-test and the other named members) for one sample against expected frequencies, and
//! the test of independence on an N-way contingency table.
//!
//! The kernels follow scipy operation by operation (same term formulas, sums in numpy's
//! pairwise order) so that statistics agree with `scipy.stats` to the last bits in the common
//! cases; p-values come from [`crate::special::chi2_sf`].
use crate::error::{check_counts, check_same_len, Result, StatsError};
use crate::special::chi2_sf;
use crate::PARALLEL_MIN_LEN;

/// scipy's names for the power-divergence exponent `lambda_`.
pub const LAMBDA_NAMES: [(&str, f64); 6] = [
    ("pearson", 1.0),
    ("log-likelihood", 0.0),
    ("freeman-tukey", -0.5),
    ("mod-log-likelihood", -1.0),
    ("neyman", -2.0),
    ("cressie-read", 2.0 / 3.0),
];

/// The exponent named `name` (see [`LAMBDA_NAMES`]), or an error listing the valid names.
pub fn lambda_by_name(name: &str) -> Result<f64> {
    LAMBDA_NAMES.iter().find(|(n, _)| *n == name).map(|&(_, l)| l).ok_or_else(|| {
        let names: Vec<String> = LAMBDA_NAMES.iter().map(|(n, _)| format!("{n:?}")).collect();
        StatsError::InvalidArgument(format!("invalid lambda_ {name:?}; valid names are {}", names.join(", ")))
    })
}

/// Relative tolerance with which the sums of observed and expected frequencies must agree:
/// `sqrt(eps)` for float64, as scipy (1.11+).
pub const SUM_RTOL: f64 = 1.490_116_119_384_765_6e-8;

/// Block length and unroll width of numpy's pairwise summation.
const PW_BLOCK: usize = 128;
const PW_UNROLL: usize = 8;

/// `N` sums over `start..start + n`, each in exactly the order of `numpy.sum` on a contiguous
/// float64 array: halves split at a multiple of 8 down to blocks of at most 128, each block
/// summed by `block(start, len)` (see [`block_sum`]). Sums then match numpy bit for bit, and
/// their rounding error grows like `log n`, not `n`. Several sums share one pass over memory;
/// the halves of long inputs run in parallel, which does not change the order.
pub(crate) fn pairwise_sum<const N: usize, B>(start: usize, n: usize, block: &B) -> [f64; N]
where
    B: Fn(usize, usize) -> [f64; N] + Sync,
{
    if n <= PW_BLOCK {
        return block(start, n);
    }
    let mut n2 = n / 2;
    n2 -= n2 % PW_UNROLL;
    let (lo, hi) = if n >= PARALLEL_MIN_LEN {
        rayon::join(|| pairwise_sum(start, n2, block), || pairwise_sum(start + n2, n - n2, block))
    } else {
        (pairwise_sum(start, n2, block), pairwise_sum(start + n2, n - n2, block))
    };
    std::array::from_fn(|i| lo[i] + hi[i])
}

/// numpy's sum of one block `f(o_0, e_0), ..., f(o_{n-1}, e_{n-1})`, `n <= 128`: 8 running
/// sums combined as `((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))`, then the rest one by
/// one (below 8 values, one by one from 0). Walking fixed chunks of 8 lets the loop vectorise
/// (an indexed loop measured 1.6x slower). `e` may be `o` again when `f` needs one input.
#[inline(always)]
pub(crate) fn block_sum<F: Fn(f64, f64) -> f64>(o: &[f64], e: &[f64], f: F) -> f64 {
    let (o_chunks, e_chunks) = (o.chunks_exact(PW_UNROLL), e.chunks_exact(PW_UNROLL));
    let (o_rest, e_rest) = (o_chunks.remainder(), e_chunks.remainder());
    let mut r = [0.0f64; PW_UNROLL];
    for (k, (oc, ec)) in o_chunks.zip(e_chunks).enumerate() {
        for j in 0..PW_UNROLL {
            let v = f(oc[j], ec[j]);
            r[j] = if k == 0 { v } else { r[j] + v };
        }
    }
    let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (&a, &b) in o_rest.iter().zip(e_rest) {
        res += f(a, b);
    }
    res
}

/// `numpy.sum` of a contiguous slice (see [`pairwise_sum`]).
pub(crate) fn sum(x: &[f64]) -> f64 {
    let [total] = pairwise_sum(0, x.len(), &|s, n| {
        let x = &x[s..s + n];
        [block_sum(x, x, |v, _| v)]
    });
    total
}

/// `x ln y` with `0 ln y = 0` (unless `y` is NaN), as `scipy.special.xlogy`.
fn xlogy(x: f64, y: f64) -> f64 {
    if x == 0.0 && !y.is_nan() {
        0.0
    } else {
        x * y.ln()
    }
}

/// What one pass over the cells yields: the statistic and, with given expected frequencies,
/// the two totals for scipy's sum check and whether all inputs were valid.
struct Pass {
    statistic: f64,
    obs_total: f64,
    exp_total: f64,
    valid: bool,
}

/// One pass computing `Σ term(o_i, e_i)` (with `e_i = mean` when `f_exp` is `None`) and, given
/// `f_exp`, `Σ o_i`, `Σ e_i` and the validity of both, all in numpy's summation order: the
/// block of at most 128 cells is read from memory once.
fn one_pass<T: Fn(f64, f64) -> f64 + Sync>(f_obs: &[f64], f_exp: Option<&[f64]>, mean: f64, term: T) -> Pass {
    match f_exp {
        None => {
            let [statistic] = pairwise_sum(0, f_obs.len(), &|s, n| {
                let o = &f_obs[s..s + n];
                [block_sum(o, o, |v, _| term(v, mean))]
            });
            Pass { statistic, obs_total: f64::NAN, exp_total: f64::NAN, valid: true }
        }
        Some(f_exp) => {
            let [statistic, obs_total, exp_total, invalid_blocks] = pairwise_sum(0, f_obs.len(), &|s, n| {
                let (o, e) = (&f_obs[s..s + n], &f_exp[s..s + n]);
                let valid = all_finite_at_least(o, false) && all_finite_at_least(e, true);
                [
                    block_sum(o, e, &term),
                    block_sum(o, o, |v, _| v),
                    block_sum(e, e, |v, _| v),
                    f64::from(u8::from(!valid)),
                ]
            });
            Pass { statistic, obs_total, exp_total, valid: invalid_blocks == 0.0 }
        }
    }
}

/// [`one_pass`] with scipy's term formulas and special cases (and numpy's: `r**2` is `r*r`,
/// `r**0.5` is `sqrt(r)`), one monomorphic loop per case.
fn power_divergence_pass(f_obs: &[f64], f_exp: Option<&[f64]>, mean: f64, lambda: f64) -> Pass {
    let scale = 0.5 * lambda * (lambda + 1.0);
    if lambda == 1.0 {
        one_pass(f_obs, f_exp, mean, |o, e| {
            let d = o - e;
            d * d / e
        })
    } else if lambda == 0.0 {
        one_pass(f_obs, f_exp, mean, |o, e| 2.0 * xlogy(o, o / e))
    } else if lambda == -1.0 {
        one_pass(f_obs, f_exp, mean, |o, e| 2.0 * xlogy(e, e / o))
    } else if lambda == 2.0 {
        one_pass(f_obs, f_exp, mean, |o, e| {
            let r = o / e;
            o * (r * r - 1.0) / scale
        })
    } else if lambda == 0.5 {
        one_pass(f_obs, f_exp, mean, |o, e| o * ((o / e).sqrt() - 1.0) / scale)
    } else {
        one_pass(f_obs, f_exp, mean, |o, e| o * ((o / e).powf(lambda) - 1.0) / scale)
    }
}

/// Whether every value is finite and `>= 0` (`> 0` when `positive`), by a scan that vectorises
/// (`v * 0` is NaN exactly for NaN and ±inf): the common all-valid case costs one fast pass,
/// and the caller's slow path finds the offending value otherwise.
fn all_finite_at_least(x: &[f64], positive: bool) -> bool {
    let mut lo = [f64::INFINITY; PW_UNROLL];
    let mut nonfinite = [0.0f64; PW_UNROLL];
    let chunks = x.chunks_exact(PW_UNROLL);
    let rest = chunks.remainder();
    for c in chunks {
        for j in 0..PW_UNROLL {
            lo[j] = if c[j] < lo[j] { c[j] } else { lo[j] };
            nonfinite[j] += c[j] * 0.0;
        }
    }
    let in_range = |v: f64| if positive { v > 0.0 } else { v >= 0.0 };
    lo.iter().all(|&v| in_range(v))
        && nonfinite.iter().all(|&v| v == 0.0)
        && rest.iter().all(|&v| in_range(v) && v < f64::INFINITY)
}

/// Power-divergence statistic `2 / (λ (λ + 1)) Σ o_i ((o_i / e_i)^λ - 1)` (the limits at
/// `λ = 0`: `2 Σ o ln(o/e)`, the G-test, and at `λ = -1`: `2 Σ e ln(e/o)`), and its p-value
/// from the chi-square distribution with `k - 1 - ddof` degrees of freedom. Matches
/// `scipy.stats.power_divergence(f_obs, f_exp, ddof, lambda_=lambda)` for 1-D inputs.
///
/// `f_exp = None` means equally likely categories (every expected count is the mean of
/// `f_obs`). Given `f_exp`, its sum must agree with the sum of `f_obs` to a relative tolerance
/// of [`SUM_RTOL`] (scipy raises otherwise, and so does this). Unlike scipy, which returns inf
/// or NaN with a warning, a zero expected frequency is an error that names it, and negative or
/// non-finite counts are errors. A p-value is NaN when the degrees of freedom are negative (or
/// zero with a zero statistic), as in scipy; a statistic rounded slightly below zero gets p = 1
/// (scipy gives NaN there).
pub fn power_divergence(f_obs: &[f64], f_exp: Option<&[f64]>, ddof: i64, lambda: f64) -> Result<(f64, f64)> {
    // Every power-divergence statistic is homogeneous of degree 1 in (f_obs, f_exp): frequencies
    // beyond 2^500 (whose sums and squares overflow) or below 2^-500 (which underflow) are
    // divided by a power of two, exactly, and the statistic multiplied back. Ordinary
    // frequencies take the unscaled path and stay bit for bit equal to scipy. Where scaling
    // down would turn a tiny expected frequency into 0, or gives no finite statistic, scipy's
    // unscaled arithmetic decides.
    let big = f_obs.iter().chain(f_exp.into_iter().flatten()).fold(0.0f64, |m, &v| if v.is_finite() { m.max(v.abs()) } else { m });
    if big == 0.0 || (big >= 2f64.powi(-500) && big <= 2f64.powi(500)) {
        return power_divergence_unscaled(f_obs, f_exp, ddof, lambda);
    }
    check_counts("f_obs", f_obs)?;
    if let Some(e) = f_exp {
        check_counts("f_exp", e)?;
    }
    let scale = crate::pow2_at_most(big);
    let inv = 1.0 / scale;
    let obs: Vec<f64> = f_obs.iter().map(|v| v * inv).collect();
    let exp: Option<Vec<f64>> = f_exp.map(|e| e.iter().map(|v| v * inv).collect());
    let underflow = f_exp.zip(exp.as_deref()).is_some_and(|(o, s)| o.iter().zip(s).any(|(&o, &s)| o != 0.0 && s == 0.0));
    if !underflow {
        if let Ok((scaled, _)) = power_divergence_unscaled(&obs, exp.as_deref(), ddof, lambda) {
            let statistic = scaled * scale;
            // inf: the true statistic overflows (or rounds to just below f64::MAX)
            if !statistic.is_nan() {
                let dof = (f_obs.len() as f64 - 1.0) - ddof as f64;
                let p = if statistic < 0.0 && dof > 0.0 { 1.0 } else { chi2_sf(statistic, dof) };
                return Ok((statistic, p));
            }
        }
    }
    power_divergence_unscaled(f_obs, f_exp, ddof, lambda)
}

fn power_divergence_unscaled(f_obs: &[f64], f_exp: Option<&[f64]>, ddof: i64, lambda: f64) -> Result<(f64, f64)> {
    if !lambda.is_finite() {
        return Err(StatsError::InvalidArgument(format!("lambda_ must be a finite number, got {lambda}")));
    }
    if f_obs.is_empty() {
        return Err(StatsError::Empty { arg: "f_obs" });
    }
    let k = f_obs.len();
    let pass = match f_exp {
        None => {
            if !all_finite_at_least(f_obs, false) {
                check_counts("f_obs", f_obs)?;
            }
            let mean = sum(f_obs) / k as f64;
            if mean == 0.0 {
                return Err(StatsError::InvalidArgument(
                    "`f_obs` sums to zero, so the expected frequencies are all zero and the statistic is undefined"
                        .into(),
                ));
            }
            power_divergence_pass(f_obs, None, mean, lambda)
        }
        Some(f_exp) => {
            check_same_len("f_obs", k, "f_exp", f_exp.len())?;
            let pass = power_divergence_pass(f_obs, Some(f_exp), f64::NAN, lambda);
            if !pass.valid {
                check_counts("f_obs", f_obs)?;
                check_expected(f_exp)?;
            }
            check_sums_agree(pass.obs_total, pass.exp_total)?;
            pass
        }
    };
    let dof = (k as f64 - 1.0) - ddof as f64;
    // The statistic is >= 0 in exact arithmetic; one rounded slightly below 0 (possible for
    // lambdas other than 0 and 1) lies left of the support, where the survival function is 1, as
    // `scipy.stats.chi2.sf` (which scipy's power_divergence calls) returns.
    let p = if pass.statistic < 0.0 && dof > 0.0 { 1.0 } else { chi2_sf(pass.statistic, dof) };
    Ok((pass.statistic, p))
}

/// Pearson's chi-square test, [`power_divergence`] with `λ = 1`; matches `scipy.stats.chisquare`.
pub fn chisquare(f_obs: &[f64], f_exp: Option<&[f64]>, ddof: i64) -> Result<(f64, f64)> {
    power_divergence(f_obs, f_exp, ddof, 1.0)
}

/// The G-test (log-likelihood ratio), [`power_divergence`] with `λ = 0`.
pub fn g_test(f_obs: &[f64], f_exp: Option<&[f64]>, ddof: i64) -> Result<(f64, f64)> {
    power_divergence(f_obs, f_exp, ddof, 0.0)
}

fn check_expected(f_exp: &[f64]) -> Result<()> {
    check_counts("f_exp", f_exp)?;
    if let Some(i) = f_exp.iter().position(|&e| e == 0.0) {
        return Err(StatsError::InvalidArgument(format!(
            "`f_exp` is zero at index {i}: the statistic is undefined there (scipy returns inf or nan)"
        )));
    }
    Ok(())
}

/// scipy's check: `|Σo - Σe| / min(Σo, Σe) <= sqrt(eps)` (a NaN ratio, both sums zero, passes).
fn check_sums_agree(so: f64, se: f64) -> Result<()> {
    let rel = (so - se).abs() / so.min(se);
    if rel > SUM_RTOL {
        return Err(StatsError::InvalidArgument(format!(
            "the sum of the observed frequencies ({so}) must agree with the sum of the expected \
             frequencies ({se}) to a relative tolerance of {SUM_RTOL:e}, but their relative difference is {rel:e}"
        )));
    }
    Ok(())
}

/// Result of [`chi2_contingency`]; field names as `scipy.stats.chi2_contingency`.
#[derive(Debug, Clone, PartialEq)]
pub struct Contingency {
    pub statistic: f64,
    pub pvalue: f64,
    pub dof: usize,
    /// Expected frequencies under independence, same shape (C order) as the table.
    pub expected_freq: Vec<f64>,
}

/// Test of independence of the variables of an N-way contingency table (`observed` in C order,
/// `shape` its dimensions); matches `scipy.stats.chi2_contingency(observed, correction, lambda_)`.
///
/// Expected frequencies are the product of the margins divided by `total^(ndim - 1)`;
/// `dof = size - Σ shape + ndim - 1`. With `dof == 0` the statistic is 0 and the p-value 1.
/// With `dof == 1` and `correction`, Yates' correction moves each observed count towards its
/// expected one by `min(0.5, |o - e|)`. The statistic is [`power_divergence`] with `lambda`.
/// An expected frequency of zero (a row, column or slice with no counts) is an error naming it,
/// as scipy raises.
pub fn chi2_contingency(observed: &[f64], shape: &[usize], correction: bool, lambda: f64) -> Result<Contingency> {
    let size = shape.iter().try_fold(1usize, |acc, &n| acc.checked_mul(n));
    if shape.is_empty() || size != Some(observed.len()) {
        return Err(StatsError::InvalidArgument(format!(
            "`observed` must be a table with at least one dimension whose shape {shape:?} matches its {} values",
            observed.len()
        )));
    }
    if !all_finite_at_least(observed, false) {
        check_counts("observed", observed)?;
    }
    if observed.is_empty() {
        return Err(StatsError::Empty { arg: "observed" });
    }
    let margins: Vec<Vec<f64>> = (0..shape.len()).map(|axis| margin(observed, shape, axis)).collect();
    let total = sum(observed);
    if total.is_infinite() {
        return Err(StatsError::InvalidArgument("the total of `observed` overflows float64".into()));
    }
    let expected = expected_freq(&margins, total);
    // A zero total gives 0/0 = NaN everywhere (the same case as an empty row); tiny or huge
    // counts in 3+ dimensions can make the product of margins or total^(ndim-1) leave float64.
    if let Some(flat) = expected.iter().position(|&e| e == 0.0 || !e.is_finite()) {
        return Err(zero_expected(flat, shape, &margins));
    }
    let dof = observed.len() + shape.len() - 1 - shape.iter().sum::<usize>();
    if dof == 0 {
        return Ok(Contingency { statistic: 0.0, pvalue: 1.0, dof, expected_freq: expected });
    }
    let ddof = (observed.len() - 1 - dof) as i64;
    let (statistic, pvalue) = if dof == 1 && correction {
        let corrected: Vec<f64> = observed
            .iter()
            .zip(&expected)
            .map(|(&o, &e)| {
                let d = e - o;
                if d == 0.0 {
                    o
                } else {
                    o + d.abs().min(0.5).copysign(d)
                }
            })
            .collect();
        power_divergence(&corrected, Some(&expected), ddof, lambda)?
    } else {
        power_divergence(observed, Some(&expected), ddof, lambda)?
    };
    Ok(Contingency { statistic, pvalue, dof, expected_freq: expected })
}

/// The sums of `table` over every axis but `axis`, in numpy's order
/// (`scipy.stats.contingency.margins`: one axis at a time, in increasing order).
fn margin(table: &[f64], shape: &[usize], axis: usize) -> Vec<f64> {
    let mut shape = shape.to_vec();
    let mut reduced: Option<Vec<f64>> = None;
    for j in 0..shape.len() {
        if j != axis && shape[j] != 1 {
            reduced = Some(sum_axis(reduced.as_deref().unwrap_or(table), &shape, j));
            shape[j] = 1;
        }
    }
    reduced.unwrap_or_else(|| table.to_vec())
}

/// Sum a C-order array over `axis`, keeping it with length 1. Like numpy: when the axis is the
/// innermost one of length > 1, each output is a pairwise sum; otherwise rows are added one
/// after another.
fn sum_axis(data: &[f64], shape: &[usize], axis: usize) -> Vec<f64> {
    let len = shape[axis];
    let inner: usize = shape[axis + 1..].iter().product();
    let outer: usize = shape[..axis].iter().product();
    if inner == 1 {
        return (0..outer).map(|o| sum(&data[o * len..(o + 1) * len])).collect();
    }
    let mut out = vec![0.0; outer * inner];
    for o in 0..outer {
        let acc = &mut out[o * inner..(o + 1) * inner];
        for l in 0..len {
            let row = &data[(o * len + l) * inner..(o * len + l + 1) * inner];
            for (a, v) in acc.iter_mut().zip(row) {
                *a += v;
            }
        }
    }
    out
}

/// `Π_k margin_k[i_k] / total^(ndim - 1)` for every cell in C order, multiplied left to right
/// and then divided, as scipy's `expected_freq` (`reduce(np.multiply, margins) / total**(d-1)`).
fn expected_freq(margins: &[Vec<f64>], total: f64) -> Vec<f64> {
    let denom = total.powf(margins.len().saturating_sub(1) as f64); // numpy: C pow(), not repeated products
    let Some((last, init)) = margins.split_last() else { return Vec::new() };
    let mut prefix: Option<Vec<f64>> = None;
    for m in init {
        prefix = Some(match prefix {
            None => m.clone(),
            Some(p) => p.iter().flat_map(|&a| m.iter().map(move |&b| a * b)).collect(),
        });
    }
    match prefix {
        None => last.iter().map(|&v| v / denom).collect(),
        Some(p) => {
            let mut out = Vec::with_capacity(p.len() * last.len());
            for &a in &p {
                out.extend(last.iter().map(|&b| a * b / denom));
            }
            out
        }
    }
}

/// The error for a zero expected frequency at flat position `flat`: names the empty
/// row/column/slice, or says the product underflowed.
fn zero_expected(flat: usize, shape: &[usize], margins: &[Vec<f64>]) -> StatsError {
    let mut index = vec![0usize; shape.len()];
    let mut rest = flat;
    for d in (0..shape.len()).rev() {
        index[d] = rest % shape[d];
        rest /= shape[d];
    }
    let empty = (0..shape.len()).find(|&axis| margins[axis][index[axis]] == 0.0);
    let what = match (empty, shape.len()) {
        (Some(0), 2) => format!("row {} of `observed` has no counts", index[0]),
        (Some(1), 2) => format!("column {} of `observed` has no counts", index[1]),
        (Some(axis), _) => format!("index {} along axis {axis} of `observed` has no counts", index[axis]),
        (None, _) => {
            return StatsError::InvalidArgument(format!(
                "the expected frequency at {index:?} is not representable in float64 (its margins' product \
                 underflows or overflows: counts too small or too large)"
            ))
        }
    };
    StatsError::InvalidArgument(format!(
        "{what}, so the expected frequency at {index:?} is zero and the test is undefined"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_sum_is_exact_on_integers() {
        let x: Vec<f64> = (0..300_001).map(|i| (i % 97) as f64).collect();
        let exact: f64 = x.iter().sum();
        assert_eq!(sum(&x), exact);
        assert_eq!(sum(&[]), 0.0);
    }

    #[test]
    fn pairwise_sum_follows_numpys_blocks() {
        // 1e16 + 1 + 1 + ... : the order of additions decides the result, so this pins it.
        let mut x = vec![1.0; 300];
        x[0] = 1e16;
        // numpy: halves of 144 and 156; the first block's 8 running sums get 1e16 + 17 ones...
        let expected = {
            let block = |v: &[f64]| -> f64 {
                let mut r = [0.0; 8];
                r.copy_from_slice(&v[..8]);
                let end = v.len() - v.len() % 8;
                for i in (8..end).step_by(8) {
                    for j in 0..8 {
                        r[j] += v[i + j];
                    }
                }
                let mut s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
                for &t in &v[end..] {
                    s += t;
                }
                s
            };
            (block(&x[..72]) + block(&x[72..144])) + (block(&x[144..216]) + block(&x[216..]))
        };
        assert_eq!(sum(&x), expected);
        assert_ne!(sum(&x), x.iter().sum::<f64>());
    }

    #[test]
    fn validity_scan_agrees_with_check_counts() {
        for bad in [-1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -1e-300] {
            for pos in [0, 5, 8, 13, 16] {
                let mut x = vec![1.0; 17];
                x[pos] = bad;
                assert!(!all_finite_at_least(&x, false), "{bad} at {pos}");
                assert!(check_counts("x", &x).is_err());
            }
        }
        let mut x = vec![1.0; 17];
        x[9] = -0.0;
        assert!(all_finite_at_least(&x, false));
        assert!(!all_finite_at_least(&x, true));
        x[9] = 0.0;
        assert!(!all_finite_at_least(&x, true));
        x[9] = f64::from_bits(1);
        assert!(all_finite_at_least(&x, true));
    }

    #[test]
    fn pearson_by_hand() {
        // (16-14.67)^2/14.67... computed directly: the mean is 88/6.
        let o = [16.0, 18.0, 16.0, 14.0, 12.0, 12.0];
        let (stat, p) = chisquare(&o, None, 0).unwrap();
        let mean = 88.0 / 6.0;
        let direct: f64 = o.iter().map(|v| (v - mean) * (v - mean) / mean).sum();
        assert!((stat - direct).abs() < 1e-12);
        assert!((p - chi2_sf(direct, 5.0)).abs() < 1e-15);
        // ddof lowers the degrees of freedom
        let (_, p1) = chisquare(&o, None, 1).unwrap();
        assert!((p1 - chi2_sf(direct, 4.0)).abs() < 1e-15);
    }

    #[test]
    fn named_lambdas_are_the_limits_of_cressie_read() {
        let o = [5.0, 9.0, 13.0, 3.0];
        let e = [7.0, 8.0, 10.0, 5.0];
        for (name, lambda) in LAMBDA_NAMES {
            let (named, _) = power_divergence(&o, Some(&e), 0, lambda_by_name(name).unwrap()).unwrap();
            let (near, _) = power_divergence(&o, Some(&e), 0, lambda + 1e-7).unwrap();
            assert!((named - near).abs() < 1e-5 * named.abs(), "{name}: {named} vs {near}");
        }
        assert!(lambda_by_name("chi2").is_err());
    }

    #[test]
    fn g_test_by_hand() {
        let o = [10.0, 20.0, 30.0];
        let e = [20.0, 20.0, 20.0];
        let (g, _) = g_test(&o, Some(&e), 0).unwrap();
        let direct = 2.0 * (10.0 * 0.5f64.ln() + 30.0 * 1.5f64.ln());
        assert!((g - direct).abs() < 1e-12);
    }

    #[test]
    fn power_divergence_rejects_bad_input() {
        assert!(matches!(chisquare(&[1.0, -1.0], None, 0), Err(StatsError::InvalidCount { index: 1, .. })));
        assert!(matches!(chisquare(&[1.0, f64::NAN], None, 0), Err(StatsError::InvalidCount { .. })));
        assert!(matches!(chisquare(&[], None, 0), Err(StatsError::Empty { .. })));
        assert!(matches!(chisquare(&[1.0, 2.0], Some(&[3.0]), 0), Err(StatsError::LengthMismatch { .. })));
        assert!(matches!(chisquare(&[1.0, 2.0], Some(&[3.0, 0.0]), 0), Err(StatsError::InvalidArgument(_))));
        assert!(matches!(chisquare(&[1.0, 2.0], Some(&[1.0, 3.0]), 0), Err(StatsError::InvalidArgument(_))));
        assert!(matches!(chisquare(&[0.0, 0.0], None, 0), Err(StatsError::InvalidArgument(_))));
        // within sqrt(eps) the sums agree
        assert!(chisquare(&[1.0, 2.0], Some(&[1.0, 2.0 + 1e-9]), 0).is_ok());
    }

    #[test]
    fn contingency_2x2_with_and_without_yates() {
        let t = [12.0, 5.0, 7.0, 9.0];
        let r = chi2_contingency(&t, &[2, 2], false, 1.0).unwrap();
        let n = 33.0;
        let (a, b, c, d) = (12.0, 5.0, 7.0, 9.0);
        let direct = n * (a * d - b * c) * (a * d - b * c) / ((a + b) * (c + d) * (a + c) * (b + d));
        assert!((r.statistic - direct).abs() < 1e-12 * direct);
        assert_eq!(r.dof, 1);
        let y = chi2_contingency(&t, &[2, 2], true, 1.0).unwrap();
        let adj = (a * d - b * c).abs() - n / 2.0;
        let yates = n * adj * adj / ((a + b) * (c + d) * (a + c) * (b + d));
        assert!((y.statistic - yates).abs() < 1e-12 * yates);
    }

    #[test]
    fn contingency_degenerate_and_errors() {
        let r = chi2_contingency(&[1.0, 2.0, 3.0], &[1, 3], true, 1.0).unwrap();
        assert_eq!((r.statistic, r.pvalue, r.dof), (0.0, 1.0, 0));
        assert_eq!(r.expected_freq, vec![1.0, 2.0, 3.0]);
        let err = chi2_contingency(&[1.0, 0.0, 2.0, 0.0], &[2, 2], true, 1.0).unwrap_err();
        assert!(err.to_string().contains("column 1"), "{err}");
        let err = chi2_contingency(&[0.0, 0.0, 2.0, 3.0], &[2, 2], true, 1.0).unwrap_err();
        assert!(err.to_string().contains("row 0"), "{err}");
        assert!(chi2_contingency(&[1.0, 2.0, 3.0], &[2, 2], true, 1.0).is_err());
        assert!(chi2_contingency(&[], &[0, 2], true, 1.0).is_err());
        assert!(matches!(
            chi2_contingency(&[1.0, -2.0, 3.0, 4.0], &[2, 2], true, 1.0),
            Err(StatsError::InvalidCount { .. })
        ));
    }

    #[test]
    fn contingency_three_way_expected_has_the_margins() {
        let t: Vec<f64> = (1..=24).map(|v| v as f64).collect();
        let r = chi2_contingency(&t, &[2, 3, 4], true, 1.0).unwrap();
        assert_eq!(r.dof, 24 - 9 + 2);
        let total: f64 = t.iter().sum();
        assert!((r.expected_freq.iter().sum::<f64>() - total).abs() < 1e-9 * total);
        // margins along axis 0 are preserved
        let m0 = margin(&r.expected_freq, &[2, 3, 4], 0);
        let t0 = margin(&t, &[2, 3, 4], 0);
        for (a, b) in m0.iter().zip(&t0) {
            assert!((a - b).abs() < 1e-9 * b);
        }
    }

    #[test]
    fn extreme_frequencies_are_scaled() {
        let m = f64::MAX;
        // [M, M]: expected M each, statistic 0 (unscaled, the sum overflows to a NaN statistic)
        assert_eq!(chisquare(&[m, m], None, 0).unwrap(), (0.0, 1.0));
        let (s, _) = chisquare(&[1e308, 1.5e308, 0.5e308], None, 0).unwrap();
        assert!((s - 0.5e308).abs() <= 1e-14 * 0.5e308, "{s}");
        let (s, _) = chisquare(&[5e-324, 1.5e-323], None, 0).unwrap();
        assert_eq!(s, 5e-324);
        // tiny beside huge: the tiny one vanishes from the scaled sums, as it should
        let (s, _) = chisquare(&[m, 1e-300], None, 0).unwrap();
        assert!((s - m).abs() <= 1e-15 * m, "{s}");
        // a tiny expected frequency would vanish: scipy's arithmetic, whose inf is right here
        assert_eq!(chisquare(&[m, 1e-300], Some(&[1e-300, m]), 0).unwrap().0, f64::INFINITY);
    }
}
