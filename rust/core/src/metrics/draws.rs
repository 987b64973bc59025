//! Scalar metrics of many draws over the same rows: a draw is a row of weights (bootstrap
//! multiplicities, 0/1 subsample masks) or, for simulated labels, a row of labels. The
//! model-quality bootstrap, SageMaker's subsample standard deviation and CBPE's simulations all
//! call these kernels once for all their draws; draws run in parallel, each summed in one fixed
//! order, so results do not depend on the thread count.
//!
//! The formulas are those of `driftline.metrics` written as weighted sums, operation by operation
//! as the former numpy code (`numpy.sum`'s pairwise order for totals): with integer weights
//! (bootstrap multiplicities, 0/1 masks) every count is exact and the classification results
//! equal it bit for bit; with fractional weights, and for regression, they differ from it by
//! summation order only (the cells are summed as four interleaved partial counts, numpy's matrix
//! products go through BLAS, whose order is its own).
use rayon::prelude::*;

use crate::error::{check_counts, check_same_len, Result, StatsError};
use crate::stats::chisq::{block_sum, pairwise_sum, sum};

/// Per-draw values of named metrics: `values[m * draws + d]` is metric `names[m]` of draw `d`.
#[derive(Debug, Clone, PartialEq)]
pub struct DrawMetrics {
    pub names: Vec<&'static str>,
    pub draws: usize,
    pub values: Vec<f64>,
}

impl DrawMetrics {
    /// Transpose per-draw rows (each `names.len()` long) into metric-major values.
    fn from_rows(names: Vec<&'static str>, rows: Vec<Vec<f64>>) -> DrawMetrics {
        let (m, draws) = (names.len(), rows.len());
        let mut values = vec![0.0; m * draws];
        for (d, row) in rows.iter().enumerate() {
            for (k, v) in row.iter().enumerate() {
                values[k * draws + d] = *v;
            }
        }
        DrawMetrics { names, draws, values }
    }

    /// The draws of metric `name`, if computed.
    pub fn get(&self, name: &str) -> Option<&[f64]> {
        let k = self.names.iter().position(|n| *n == name)?;
        Some(&self.values[k * self.draws..(k + 1) * self.draws])
    }
}

/// `a / b` where `b > 0`, else 0 (the former `_div`).
fn div(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        0.0
    }
}

/// F-beta from precision and recall, 0 where `beta² p + r` is not positive.
fn fbeta(p: f64, r: f64, beta: f64) -> f64 {
    let b2 = beta * beta;
    let den = b2 * p + r;
    if den > 0.0 {
        (1.0 + b2) * p * r / den
    } else {
        0.0
    }
}

const BETAS: [f64; 3] = [0.5, 1.0, 2.0];

/// Check a `draws x n` weight matrix: the right size, finite and non-negative.
fn check_weights(weights: &[f64], draws: usize, n: usize) -> Result<()> {
    if draws.checked_mul(n) != Some(weights.len()) {
        return Err(StatsError::InvalidArgument(format!(
            "`weights` must hold draws x n = {draws} x {n} values, got {}",
            weights.len()
        )));
    }
    check_counts("weights", weights)
}

fn check_codes(arg: &'static str, codes: &[u32], n_classes: usize) -> Result<()> {
    match codes.iter().position(|&c| c as usize >= n_classes) {
        Some(i) => Err(StatsError::InvalidArgument(format!(
            "`{arg}` must hold class codes below n_classes = {n_classes}, got {} at index {i}",
            codes[i]
        ))),
        None => Ok(()),
    }
}

/// The weights of each draw over the `n` rows.
#[derive(Debug, Clone, Copy)]
pub enum Weights<'a> {
    /// A `draws x n` matrix (row-major) of finite, non-negative weights.
    Matrix(&'a [f64]),
    /// Bootstrap resamples: `draws x m` row indices in `0..n`. A draw's weights are its
    /// multiplicities, counted into one buffer per thread: no `draws x n` matrix is written.
    Resamples(&'a [i64]),
}

impl Weights<'_> {
    fn check(&self, draws: usize, n: usize) -> Result<()> {
        match self {
            Weights::Matrix(w) => check_weights(w, draws, n),
            Weights::Resamples(idx) => check_indices(idx, draws, n),
        }
    }

    /// `f` of each draw's weights, draws in parallel, results in draw order.
    fn map<F: Fn(&[f64]) -> Vec<f64> + Sync>(&self, draws: usize, n: usize, f: F) -> Vec<Vec<f64>> {
        match *self {
            Weights::Matrix(w) => rows_of(w, draws, n).par_iter().map(|w| f(w)).collect(),
            Weights::Resamples(idx) => {
                let m = idx.len().checked_div(draws).unwrap_or(0);
                (0..draws)
                    .into_par_iter()
                    .map_init(
                        || vec![0.0; n],
                        |counts, d| {
                            counts.fill(0.0);
                            for &i in &idx[d * m..(d + 1) * m] {
                                counts[i as usize] += 1.0;
                            }
                            f(counts)
                        },
                    )
                    .collect()
            }
        }
    }
}

fn check_indices(indices: &[i64], draws: usize, n: usize) -> Result<()> {
    if (draws == 0 && !indices.is_empty()) || (draws > 0 && indices.len() % draws != 0) {
        return Err(StatsError::InvalidArgument(format!(
            "`resamples` must hold {draws} rows of equal length, got {} values",
            indices.len()
        )));
    }
    match indices.iter().position(|&v| v < 0 || v as u64 >= n as u64) {
        Some(i) => Err(StatsError::InvalidArgument(format!("`resamples` must lie in [0, {n}), got {} at index {i}", indices[i]))),
        None => Ok(()),
    }
}

/// Rows of each draw in turn; one row per draw of a `draws x n` matrix, or nothing when `n` is 0.
fn rows_of<T: Sync>(matrix: &[T], draws: usize, n: usize) -> Vec<&[T]> {
    if n == 0 {
        vec![&matrix[..0]; draws]
    } else {
        matrix.chunks_exact(n).collect()
    }
}

/// Area under the ROC curve from the positive and negative weight of each distinct score
/// (ascending): `Σ_g pos_g (below_g + neg_g / 2) / (Σ pos · Σ neg)`, ties counted half, as the
/// Mann-Whitney U; NaN without positive or negative weight. Exact for integer weights below 2^53.
fn grouped_auc(pos_g: &[f64], neg_g: &[f64]) -> f64 {
    let pn = sum(pos_g) * sum(neg_g);
    if pn.is_nan() || pn <= 0.0 {
        return f64::NAN;
    }
    let mut cum = 0.0;
    let mid: Vec<f64> = neg_g
        .iter()
        .map(|&v| {
            cum += v;
            (cum - v) + 0.5 * v
        })
        .collect();
    let [u] = pairwise_sum(0, pos_g.len(), &|s, n| [block_sum(&pos_g[s..s + n], &mid[s..s + n], |a, b| a * b)]);
    u / pn
}

/// Scalar classification metrics of each draw of `weights` (`draws x n`, row-major) over class
/// codes `y_true`, `y_pred` in `0..n_classes`. With `positive` (the positive class's code) the
/// binary metrics: recall, precision, accuracy, the four rates (NaN over no rows), F0.5/F1/F2
/// and the best constant classifier's, and `auc` when `score_group` gives each row's distinct
/// score index (ascending scores). Without it the multiclass support-weighted metrics.
pub fn classification_draws(
    y_true: &[u32],
    y_pred: &[u32],
    n_classes: usize,
    weights: Weights<'_>,
    draws: usize,
    positive: Option<usize>,
    score_group: Option<&[u32]>,
) -> Result<DrawMetrics> {
    let n = y_true.len();
    check_same_len("y_true", n, "y_pred", y_pred.len())?;
    weights.check(draws, n)?;
    if n_classes == 0 || n_classes > 1 << 16 {
        return Err(StatsError::InvalidArgument(format!("`n_classes` must be in [1, 65536], got {n_classes}")));
    }
    check_codes("y_true", y_true, n_classes)?;
    check_codes("y_pred", y_pred, n_classes)?;
    if let Some(p) = positive {
        if p >= n_classes {
            return Err(StatsError::InvalidArgument(format!("`positive` must be below n_classes = {n_classes}, got {p}")));
        }
    } else if score_group.is_some() {
        return Err(StatsError::InvalidArgument("`score_group` needs `positive` (the AUC is binary)".into()));
    }
    if let Some(g) = score_group {
        check_same_len("y_true", n, "score_group", g.len())?;
    }
    let k = n_classes;
    let cells: Vec<usize> = y_true.iter().zip(y_pred).map(|(&t, &p)| t as usize * k + p as usize).collect();
    let groups = score_group.map_or(0, |g| g.iter().max().map_or(0, |&m| m as usize + 1));
    // each row's slot among 2 x groups sums: its score group's positive or negative weight
    let slots: Option<Vec<usize>> = match (positive, score_group) {
        (Some(pos), Some(g)) => Some(g.iter().zip(y_true).map(|(&gi, &t)| 2 * gi as usize + usize::from(t as usize != pos)).collect()),
        _ => None,
    };
    let per_draw = |w: &[f64]| -> Vec<f64> {
        let cm = weighted_counts(&cells, w, k * k);
        let by_group = slots.as_ref().map_or_else(Vec::new, |slots| weighted_counts(slots, w, 2 * groups));
        match positive {
            None => multiclass(&cm, k),
            Some(pos) => {
                let mut out = binary(&cm, k, pos);
                if slots.is_some() {
                    let pos_g: Vec<f64> = by_group.iter().step_by(2).copied().collect();
                    let neg_g: Vec<f64> = by_group.iter().skip(1).step_by(2).copied().collect();
                    out.push(grouped_auc(&pos_g, &neg_g));
                }
                out
            }
        }
    };
    let values = weights.map(draws, n, per_draw);
    let names = match positive {
        None => MULTICLASS.to_vec(),
        Some(_) => {
            let mut names = BINARY.to_vec();
            if score_group.is_some() {
                names.push("auc");
            }
            names
        }
    };
    Ok(DrawMetrics::from_rows(names, values))
}

/// `numpy.bincount(index, weights=w, minlength=len)`, summed as four interleaved partial counts
/// (rows `4j`, `4j+1`, ...) added at the end: consecutive rows rarely wait on the same memory
/// cell (4x the speed of one running sum per cell). Exact, hence equal to numpy, for integer
/// weights; fractional weights differ by summation order only.
fn weighted_counts(index: &[usize], w: &[f64], len: usize) -> Vec<f64> {
    let mut part = vec![0.0; 4 * len];
    let (ic, wc) = (index.chunks_exact(4), w.chunks_exact(4));
    let (ir, wr) = (ic.remainder(), wc.remainder());
    for (i, w) in ic.zip(wc) {
        for j in 0..4 {
            part[j * len + i[j]] += w[j];
        }
    }
    for (&i, &w) in ir.iter().zip(wr) {
        part[i] += w;
    }
    let (a, rest) = part.split_at(len);
    let (b, rest) = rest.split_at(len);
    let (c, d) = rest.split_at(len);
    (0..len).map(|x| ((a[x] + b[x]) + c[x]) + d[x]).collect()
}

const BINARY: [&str; 16] = [
    "recall",
    "precision",
    "accuracy",
    "true_positive_rate",
    "true_negative_rate",
    "false_positive_rate",
    "false_negative_rate",
    "f0_5",
    "f1",
    "f2",
    "recall_best_constant_classifier",
    "precision_best_constant_classifier",
    "accuracy_best_constant_classifier",
    "f0_5_best_constant_classifier",
    "f1_best_constant_classifier",
    "f2_best_constant_classifier",
];

const MULTICLASS: [&str; 12] = [
    "accuracy",
    "weighted_recall",
    "weighted_precision",
    "weighted_f0_5",
    "weighted_f1",
    "weighted_f2",
    "accuracy_best_constant_classifier",
    "weighted_recall_best_constant_classifier",
    "weighted_precision_best_constant_classifier",
    "weighted_f0_5_best_constant_classifier",
    "weighted_f1_best_constant_classifier",
    "weighted_f2_best_constant_classifier",
];

/// Row sums (true counts per class) and column sums (predicted counts per class) of a `k x k`
/// matrix in numpy's orders (`sum(axis=2)` pairwise per row, `sum(axis=1)` row after row).
fn margins(cm: &[f64], k: usize) -> (Vec<f64>, Vec<f64>) {
    let support: Vec<f64> = cm.chunks_exact(k).map(sum).collect();
    let mut predicted = cm[..k].to_vec();
    for row in cm.chunks_exact(k).skip(1) {
        for (p, v) in predicted.iter_mut().zip(row) {
            *p += v;
        }
    }
    (support, predicted)
}

fn binary(cm: &[f64], k: usize, pos: usize) -> Vec<f64> {
    let total = sum(cm);
    let (support, predicted) = margins(cm, k);
    let diagonal: Vec<f64> = (0..k).map(|j| cm[j * k + j]).collect();
    let accuracy = div(sum(&diagonal), total);
    let tp = cm[pos * k + pos];
    let fn_ = support[pos] - tp;
    let fp = predicted[pos] - tp;
    let tn = total - tp - fn_ - fp;
    let (rec, prec) = (div(tp, tp + fn_), div(tp, tp + fp));
    // rates over no rows are NaN (as driftline.metrics); recall and precision keep zero_division=0
    let tpr = if tp + fn_ > 0.0 { tp / (tp + fn_) } else { f64::NAN };
    let fpr = if fp + tn > 0.0 { fp / (fp + tn) } else { f64::NAN };
    let p_share = div(tp + fn_, total);
    let ones = if tp + fn_ > 0.0 { 1.0 } else { 0.0 };
    let mut out = vec![rec, prec, accuracy, tpr, 1.0 - fpr, fpr, 1.0 - tpr];
    out.extend(BETAS.map(|b| fbeta(prec, rec, b)));
    out.extend([ones, p_share, p_share]);
    out.extend(BETAS.map(|b| fbeta(p_share, ones, b)));
    out
}

fn multiclass(cm: &[f64], k: usize) -> Vec<f64> {
    let total = sum(cm);
    let (support, predicted) = margins(cm, k);
    let tp: Vec<f64> = (0..k).map(|j| cm[j * k + j]).collect();
    let accuracy = div(sum(&tp), total);
    let prec: Vec<f64> = tp.iter().zip(&predicted).map(|(&t, &p)| div(t, p)).collect();
    let rec: Vec<f64> = tp.iter().zip(&support).map(|(&t, &s)| div(t, s)).collect();
    let share: Vec<f64> = support.iter().map(|&s| div(s, total)).collect();
    let weighted = |f: &dyn Fn(usize) -> f64| sum(&(0..k).map(|j| share[j] * f(j)).collect::<Vec<f64>>());
    let mut out = vec![accuracy, weighted(&|j| rec[j]), weighted(&|j| prec[j])];
    out.extend(BETAS.map(|b| weighted(&|j| fbeta(prec[j], rec[j], b))));
    // always the most frequent true label (the first on ties)
    let m = (0..k).fold(0, |m, j| if support[j] > support[m] { j } else { m });
    let top = div(support[m], total);
    out.extend([top, top, top * top]);
    out.extend(BETAS.map(|b| top * fbeta(top, 1.0, b)));
    out
}

/// `mae`, `mse`, `rmse` and `r2` of each draw of `weights` (`draws x n`, row-major): weighted
/// means of the errors, and `r2 = 1 - Σw e² / (Σw y² - W ȳ²)` (1 for a perfect fit of constant
/// truth, else 0, where the denominator is not positive). The five weighted sums of a draw are
/// taken in one pass over its weights, in numpy's pairwise order.
pub fn regression_draws(y_true: &[f64], y_pred: &[f64], weights: Weights<'_>, draws: usize) -> Result<DrawMetrics> {
    let n = y_true.len();
    check_same_len("y_true", n, "y_pred", y_pred.len())?;
    weights.check(draws, n)?;
    let err: Vec<f64> = y_true.iter().zip(y_pred).map(|(y, f)| y - f).collect();
    let values = weights.map(draws, n, |w| {
            let [tot, s_abs, s_sq, s_y, s_yy] = pairwise_sum(0, n, &|s, len| {
                let (w, e, y) = (&w[s..s + len], &err[s..s + len], &y_true[s..s + len]);
                [
                    block_sum(w, w, |a, _| a),
                    block_sum(w, e, |a, b| a * b.abs()),
                    block_sum(w, e, |a, b| a * (b * b)),
                    block_sum(w, y, |a, b| a * b),
                    block_sum(w, y, |a, b| a * (b * b)),
                ]
            });
            let (mae, mse, mean) = (div(s_abs, tot), div(s_sq, tot), div(s_y, tot));
            let ss_tot = (s_yy - tot * mean * mean).max(0.0);
            let r2 = if ss_tot > 0.0 {
                1.0 - s_sq / ss_tot
            } else if s_sq == 0.0 {
                1.0
            } else {
                0.0
            };
            vec![mae, mse, mse.sqrt(), r2]
    });
    Ok(DrawMetrics::from_rows(vec!["mae", "mse", "rmse", "r2"], values))
}

/// For CBPE's simulations: each row of `labels` (`draws x n`, row-major) is one draw of the
/// true labels against the fixed predictions `y_pred`. Returns per draw the cells `tp`, `fp`,
/// `fn`, `tn` and `roc_auc`, the ROC area of the scores whose distinct-value index (ascending)
/// `score_group` gives: `(Σ_pos rank − n1 (n1 + 1) / 2) / (n1 n0)` with tied scores given their
/// average rank (the tie-corrected Mann-Whitney U; NaN when a draw has one class only). Ranks
/// are doubled to integers, so every sum is exact and the AUC is rounded once; a draw is one
/// sequential pass over its labels.
pub fn label_draws(labels: &[bool], y_pred: &[bool], score_group: &[u32], draws: usize) -> Result<DrawMetrics> {
    let n = y_pred.len();
    check_same_len("y_pred", n, "score_group", score_group.len())?;
    if draws.checked_mul(n) != Some(labels.len()) {
        return Err(StatsError::InvalidArgument(format!(
            "`labels` must hold draws x n = {draws} x {n} values, got {}",
            labels.len()
        )));
    }
    if n >= 1 << 31 {
        // 2 Σ ranks must fit in a u64
        return Err(StatsError::InvalidArgument(format!("at most 2^31 - 1 rows per draw, got {n}")));
    }
    // twice each row's average rank: 2 (first position of its group) + (group size) + 1
    let groups = score_group.iter().max().map_or(0, |&m| m as usize + 1);
    let mut size = vec![0u64; groups];
    for &g in score_group {
        size[g as usize] += 1;
    }
    let mut first = 0u64;
    let doubled_rank: Vec<u64> = size
        .iter()
        .map(|&c| {
            let r = 2 * first + c + 1;
            first += c;
            r
        })
        .collect();
    let rank2: Vec<u64> = score_group.iter().map(|&g| doubled_rank[g as usize]).collect();
    let n_pred = y_pred.iter().filter(|&&p| p).count() as f64;
    let rows = rows_of(labels, draws, n);
    let values: Vec<Vec<f64>> = rows
        .par_iter()
        .map(|row| {
            let (mut n1, mut tp, mut rank_sum2) = (0u64, 0u64, 0u64);
            for ((&y, &p), &r) in row.iter().zip(y_pred).zip(&rank2) {
                let y = u64::from(y);
                n1 += y;
                tp += y & u64::from(p);
                rank_sum2 += y * r;
            }
            let n0 = n as u64 - n1;
            let auc = if n1 > 0 && n0 > 0 {
                // 2U = 2 Σ ranks - n1 (n1 + 1), exact; U and n1 n0 are exact below 2^53
                let u2 = rank_sum2 - n1 * (n1 + 1);
                (u2 as f64 / 2.0) / (n1 as f64 * n0 as f64)
            } else {
                f64::NAN
            };
            let (tp, n1) = (tp as f64, n1 as f64);
            let (fp, fn_) = (n_pred - tp, n1 - tp);
            let tn = n as f64 - n_pred - fn_;
            vec![tp, fp, fn_, tn, auc]
        })
        .collect();
    Ok(DrawMetrics::from_rows(vec!["tp", "fp", "fn", "tn", "roc_auc"], values))
}

/// CBPE's labels under drawn calibration curves: `labels[d, i] = uniforms[d, i] < p_d(i)` with
/// `p_d(i) = rates[d, lower_i] (1 - frac_i) + rates[d, upper_i] frac_i`, row `d` of `rates`
/// (`draws x levels`) being draw `d`'s curve and `lower`, `upper`, `frac` each row's
/// interpolation between two curve points (the numpy expression it replaces, operation by
/// operation). `out` is `draws x n`; draws run in parallel.
pub fn curve_labels(uniforms: &[f64], rates: &[f64], lower: &[u32], upper: &[u32], frac: &[f64], out: &mut [bool]) -> Result<()> {
    let n = frac.len();
    check_same_len("lower", lower.len(), "frac", n)?;
    check_same_len("upper", upper.len(), "frac", n)?;
    check_same_len("uniforms", uniforms.len(), "out", out.len())?;
    if n == 0 || uniforms.is_empty() {
        return Ok(());
    }
    let draws = uniforms.len() / n;
    if draws * n != uniforms.len() || draws == 0 || rates.len() % draws != 0 {
        return Err(StatsError::InvalidArgument(format!(
            "`uniforms` ({} values) and `rates` ({} values) must hold the same number of rows, of {n} and of the curve's points",
            uniforms.len(),
            rates.len()
        )));
    }
    let levels = rates.len() / draws;
    if let Some(i) = lower.iter().chain(upper).position(|&v| v as usize >= levels) {
        return Err(StatsError::InvalidArgument(format!("`lower` and `upper` must index the {levels} curve points, got one at position {i}")));
    }
    let keep: Vec<f64> = frac.iter().map(|f| 1.0 - f).collect();
    out.par_chunks_exact_mut(n)
        .zip(uniforms.par_chunks_exact(n))
        .zip(rates.par_chunks_exact(levels))
        .for_each(|((labels, u), curve)| {
            for i in 0..n {
                let p = curve[lower[i] as usize] * keep[i] + curve[upper[i] as usize] * frac[i];
                labels[i] = u[i] < p;
            }
        });
    Ok(())
}

/// Bootstrap multiplicities: row `d` of `out` (`draws x n`, zeroed by the caller) counts how
/// often each of the `n` rows was drawn in row `d` of `indices` (`draws x m`, each in `0..n`):
/// the weights [`Weights::Resamples`] stands for, as a matrix.
pub fn multiplicities(indices: &[i64], draws: usize, n: usize, out: &mut [f64]) -> Result<()> {
    check_indices(indices, draws, n)?;
    check_same_len("out", out.len(), "draws x n", draws * n)?;
    let m = indices.len().checked_div(draws).unwrap_or(0);
    if n > 0 && m > 0 {
        out.par_chunks_exact_mut(n).zip(indices.par_chunks_exact(m)).for_each(|(counts, drawn)| {
            for &i in drawn {
                counts[i as usize] += 1.0;
            }
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a.is_nan() && b.is_nan()) || (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1e-300)
    }

    #[test]
    fn unit_weights_match_the_single_sample_metrics() {
        let t = [0u32, 1, 1, 0, 1, 2, 2, 0];
        let p = [0u32, 1, 0, 0, 2, 2, 1, 1];
        let cm = crate::metrics::confusion_matrix(&t, &p, 3).unwrap();
        let acc = crate::metrics::accuracy(&cm, 3).unwrap();
        let r = classification_draws(&t, &p, 3, Weights::Matrix(&[1.0; 8]), 1, None, None).unwrap();
        assert!(close(r.get("accuracy").unwrap()[0], acc));
        let weighted = crate::metrics::precision_recall_fscore_average(&cm, 3, 1.0, crate::metrics::Average::Weighted).unwrap();
        assert!(close(r.get("weighted_f1").unwrap()[0], weighted.fscore[0]));
        assert!(close(r.get("weighted_recall").unwrap()[0], weighted.recall[0]));
    }

    #[test]
    fn binary_auc_and_rates() {
        // scores 0.1, 0.4, 0.35, 0.8 (groups 0, 2, 1, 3); truth 0, 0, 1, 1 -> AUC 0.75
        let t = [0u32, 0, 1, 1];
        let p = [0u32, 1, 0, 1];
        let g = [0u32, 2, 1, 3];
        let r = classification_draws(&t, &p, 2, Weights::Matrix(&[1.0, 1.0, 1.0, 1.0, 0.0, 2.0, 0.0, 1.0]), 2, Some(1), Some(&g)).unwrap();
        assert_eq!(r.get("auc").unwrap(), &[0.75, 1.0]);
        assert_eq!(r.get("true_positive_rate").unwrap(), &[0.5, 1.0]);
        assert_eq!(r.get("false_positive_rate").unwrap(), &[0.5, 1.0]);
        // a draw without negatives: rates over no rows are NaN, AUC undefined
        let r = classification_draws(&t, &p, 2, Weights::Matrix(&[0.0, 0.0, 1.0, 1.0]), 1, Some(1), Some(&g)).unwrap();
        assert!(r.get("false_positive_rate").unwrap()[0].is_nan());
        assert!(r.get("auc").unwrap()[0].is_nan());
        assert_eq!(r.get("recall").unwrap()[0], 0.5);
    }

    #[test]
    fn regression_matches_the_single_sample_metrics() {
        let y = [1.0, 2.5, -3.0, 4.0, 0.5];
        let f = [1.5, 2.0, -2.0, 3.0, 0.5];
        let one = crate::metrics::regression_metrics(&y, &f).unwrap();
        let r = regression_draws(&y, &f, Weights::Matrix(&[1.0; 5]), 1).unwrap();
        for (name, v) in [("mae", one.mae), ("mse", one.mse), ("rmse", one.rmse), ("r2", one.r2)] {
            assert!(close(r.get(name).unwrap()[0], v), "{name}");
        }
        // all weight on one row: constant truth, imperfect fit
        let r = regression_draws(&y, &f, Weights::Matrix(&[1.0, 0.0, 0.0, 0.0, 0.0]), 1).unwrap();
        assert_eq!(r.get("r2").unwrap()[0], 0.0);
    }

    #[test]
    fn label_draws_give_the_mann_whitney_auc() {
        let pred = [false, true, true, false];
        let g = [0u32, 1, 1, 2];
        let r = label_draws(&[true, false, true, false, false, false, false, false], &pred, &g, 2).unwrap();
        // draw 0: positives at groups 0, 1; negatives at 1, 2 -> U = 0 + 0.5 = 0.5 of 4
        assert_eq!(r.get("roc_auc").unwrap()[0], 0.125);
        assert!(r.get("roc_auc").unwrap()[1].is_nan());
        assert_eq!(r.get("tp").unwrap(), &[1.0, 0.0]);
        assert_eq!(r.get("tn").unwrap(), &[1.0, 2.0]);
    }

    #[test]
    fn resamples_equal_their_multiplicities() {
        let (t, p) = ([0u32, 1, 1, 0, 1], [0u32, 1, 0, 0, 1]);
        let idx = [0i64, 0, 2, 4, 1, 3, 3, 3, 1, 2];
        let mut w = vec![0.0; 10];
        multiplicities(&idx, 2, 5, &mut w).unwrap();
        let a = classification_draws(&t, &p, 2, Weights::Matrix(&w), 2, Some(1), Some(&[0, 1, 1, 2, 0])).unwrap();
        let b = classification_draws(&t, &p, 2, Weights::Resamples(&idx), 2, Some(1), Some(&[0, 1, 1, 2, 0])).unwrap();
        assert_eq!(format!("{a:?}"), format!("{b:?}")); // NaN-aware equality
        let y = [1.0, 2.0, 0.5, 3.0, -1.0];
        assert_eq!(regression_draws(&y, &y, Weights::Matrix(&w), 2).unwrap(), regression_draws(&y, &y, Weights::Resamples(&idx), 2).unwrap());
        assert!(regression_draws(&y, &y, Weights::Resamples(&[0, 5]), 1).is_err());
    }

    #[test]
    fn multiplicities_count_each_draw() {
        let mut got = vec![0.0; 6];
        multiplicities(&[0, 0, 2, 1, 1, 1], 2, 3, &mut got).unwrap();
        assert_eq!(got, vec![2.0, 0.0, 1.0, 0.0, 3.0, 0.0]);
        assert!(multiplicities(&[0, 3], 1, 3, &mut got[..3]).is_err());
        assert!(multiplicities(&[0, -1], 1, 3, &mut got[..3]).is_err());
        assert!(multiplicities(&[0, 1], 1, 3, &mut got).is_err());
    }

    #[test]
    fn curve_labels_interpolate_each_draws_curve() {
        let mut out = [false; 4];
        // two draws, curves (0.2, 0.6) and (0.9, 1.0); rows at 1/4 and 1/2 of the way
        curve_labels(&[0.25, 0.45, 0.9, 0.96], &[0.2, 0.6, 0.9, 1.0], &[0, 0], &[1, 1], &[0.25, 0.5], &mut out).unwrap();
        assert_eq!(out, [LT_03, false, true, false]);
        assert!(curve_labels(&[0.1, 0.1], &[0.2], &[0, 1], &[0, 0], &[0.0, 0.0], &mut out[..2]).is_err());
    }
    const LT_03: bool = 0.25 < 0.2 * 0.75 + 0.6 * 0.25;

    #[test]
    fn bad_inputs_are_errors() {
        assert!(classification_draws(&[0, 3], &[0, 1], 2, Weights::Matrix(&[1.0, 1.0]), 1, None, None).is_err());
        assert!(classification_draws(&[0, 1], &[0, 1], 2, Weights::Matrix(&[1.0]), 1, None, None).is_err());
        assert!(classification_draws(&[0, 1], &[0, 1], 2, Weights::Matrix(&[1.0, -1.0]), 1, None, None).is_err());
        assert!(regression_draws(&[0.0], &[0.0], Weights::Matrix(&[f64::NAN]), 1).is_err());
        assert!(label_draws(&[true], &[true, false], &[0, 0], 1).is_err());
    }
}
