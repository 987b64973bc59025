//! Model-quality metrics: ROC and precision-recall curves with their areas, confusion matrices
//! and the scores derived from them, and regression errors.
//!
//! Each function follows scikit-learn (1.9) so that values agree with it to the last bits in the
//! common cases: curves come from the same cumulative sums over scores in descending order (ties
//! in input order where weights make the order matter), averages are summed in numpy's pairwise
//! order ([`crate::stats::chisq::sum`]), and undefined ratios are 0 as with `zero_division=0`.
//! The ROC area and average precision are summed over the distinct scores with compensation
//! instead of over a curve (a few ulps from scikit-learn's pairwise sum of rounded rates).
//! Where scikit-learn warns and returns NaN (one class only), these kernels return an error.
//!
//! Speed (unweighted, the common case): the scores of each class are radix-sorted on their own,
//! in parallel, and merged in one branch-free pass; the sort is most of the time
//! (`benches/METRICS.md`).
pub mod draws;

use std::cmp::Reverse;

use crate::error::{check_counts, check_same_len, Result, StatsError};
use crate::sort::{key, sorted_keys, value_bits};
use crate::stats::chisq::sum;

/// Cumulative false- and true-positive weights at each distinct score, scores descending:
/// scikit-learn's `confusion_matrix_at_thresholds` (formerly `_binary_clf_curve`).
#[derive(Debug, Clone, PartialEq)]
pub struct ThresholdCounts {
    pub fps: Vec<f64>,
    pub tps: Vec<f64>,
    pub thresholds: Vec<f64>,
}

/// ROC curve: false- and true-positive rates at decreasing thresholds (the first is `+inf`).
#[derive(Debug, Clone, PartialEq)]
pub struct RocCurve {
    pub fpr: Vec<f64>,
    pub tpr: Vec<f64>,
    pub thresholds: Vec<f64>,
}

/// Precision-recall curve: precision and recall at increasing thresholds, then the point
/// (precision 1, recall 0) that has no threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct PrCurve {
    pub precision: Vec<f64>,
    pub recall: Vec<f64>,
    pub thresholds: Vec<f64>,
}

fn check_binary_inputs(y_true: &[bool], score: &[f64], weights: Option<&[f64]>) -> Result<()> {
    check_same_len("y_true", y_true.len(), "y_score", score.len())?;
    if let Some(w) = weights {
        check_same_len("y_true", y_true.len(), "sample_weight", w.len())?;
        check_counts("sample_weight", w)?;
    }
    if y_true.is_empty() {
        return Err(StatsError::Empty { arg: "y_true" });
    }
    // a fold, not `position`: it vectorises; the index is looked up only on failure
    if !score.iter().fold(true, |ok, v| ok & v.is_finite()) {
        let i = score.iter().position(|v| !v.is_finite()).unwrap_or(0);
        return Err(StatsError::InvalidArgument(format!("`y_score` must be finite, got {} at index {i}", score[i])));
    }
    let (has_pos, has_neg) = match weights {
        None => {
            let n_pos = count_true(y_true);
            (n_pos > 0, n_pos < y_true.len())
        }
        Some(w) => (
            y_true.iter().zip(w).any(|(&y, &w)| y && w > 0.0),
            y_true.iter().zip(w).any(|(&y, &w)| !y && w > 0.0),
        ),
    };
    if !(has_pos && has_neg) {
        let missing = if has_pos { "negative (0)" } else { "positive (1)" };
        return Err(StatsError::InvalidArgument(format!(
            "`y_true` holds no {missing} sample{}: ROC and precision-recall metrics need both classes",
            if weights.is_some() { " with non-zero weight" } else { "" }
        )));
    }
    Ok(())
}

fn count_true(y: &[bool]) -> usize {
    y.iter().map(|&b| b as usize).sum()
}

/// Which way [`Thresholds::rows`] walks the distinct scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Walk {
    Descending,
    Ascending,
}

/// The samples of a binary problem sorted by score, to be walked one distinct score at a time:
/// the rows of scikit-learn's `confusion_matrix_at_thresholds`.
struct Thresholds {
    sorted: Sorted,
    walk: Walk,
    /// (Weighted) numbers of positives and negatives: the counts at the lowest score, summed in
    /// the same order as scikit-learn's `tps[-1]` and `fps[-1]`.
    positives: f64,
    negatives: f64,
}

enum Sorted {
    /// Without weights the counts are integers, so the order within ties does not matter: the
    /// [`key`]s of each class sorted on their own, bit-flipped for a descending walk so that the
    /// walk is always along ascending `u64`s.
    Unweighted { pos: Vec<u64>, neg: Vec<u64> },
    /// With weights the running sums depend on the order, so follow scikit-learn's (scores
    /// descending, ties in input order, zero weights left out): the rows, in walk order.
    Weighted { rows: Vec<(f64, f64, f64)> },
}

impl Thresholds {
    /// Sort the samples. `y_true` is true for positives, `score` holds finite values, `weights`
    /// finite non-negative values. Errors when either class has no (weighted) sample.
    fn new(y_true: &[bool], score: &[f64], weights: Option<&[f64]>, walk: Walk) -> Result<Thresholds> {
        check_binary_inputs(y_true, score, weights)?;
        Ok(match weights {
            None => {
                let n_pos = count_true(y_true);
                let flip = if walk == Walk::Descending { u64::MAX } else { 0 };
                // Branch-free split (the labels of a useful model are unpredictable): each key is
                // written to both buffers and only its own class's cursor moves, so each needs one
                // spare slot.
                let mut pos = crate::sort::zeroed_keys(n_pos + 1);
                let mut neg = crate::sort::zeroed_keys(y_true.len() - n_pos + 1);
                let (mut i, mut j) = (0, 0);
                for (&y, &s) in y_true.iter().zip(score) {
                    let k = key(s) ^ flip;
                    pos[i] = k;
                    neg[j] = k;
                    i += y as usize;
                    j += !y as usize;
                }
                pos.truncate(i);
                neg.truncate(j);
                let (pos, neg) = rayon::join(|| sorted_keys(pos), || sorted_keys(neg));
                let (positives, negatives) = (pos.len() as f64, neg.len() as f64);
                Thresholds { sorted: Sorted::Unweighted { pos, neg }, walk, positives, negatives }
            }
            Some(w) => {
                let mut order: Vec<(Reverse<u64>, u32)> =
                    (0..score.len()).filter(|&i| w[i] != 0.0).map(|i| (Reverse(key(score[i])), i as u32)).collect();
                order.sort_unstable();
                let mut rows = Vec::new();
                let (mut tp, mut fp) = (0.0f64, 0.0f64);
                for (at, &(Reverse(k), i)) in order.iter().enumerate() {
                    let w = w[i as usize];
                    if y_true[i as usize] {
                        tp += w;
                    } else {
                        fp += w;
                    }
                    if order.get(at + 1).is_none_or(|next| next.0 .0 != k) {
                        rows.push((tp, fp, f64::from_bits(value_bits(k))));
                    }
                }
                if walk == Walk::Ascending {
                    rows.reverse();
                }
                Thresholds { sorted: Sorted::Weighted { rows }, walk, positives: tp, negatives: fp }
            }
        })
    }

    /// At least the number of [`Thresholds::rows`]: one per distinct score.
    fn max_rows(&self) -> usize {
        match &self.sorted {
            Sorted::Weighted { rows } => rows.len(),
            Sorted::Unweighted { pos, neg } => pos.len() + neg.len(),
        }
    }

    /// `(tp, fp, threshold)` at each distinct score, in walk order: the (weighted) numbers of
    /// positives and negatives with score `>= threshold`. An iterator rather than a callback, so
    /// that the consumers' loops keep their state in registers.
    fn rows(&self) -> Rows<'_> {
        let current = match &self.sorted {
            Sorted::Unweighted { pos, neg } => pos[0].min(neg[0]),
            Sorted::Weighted { .. } => 0,
        };
        Rows { thresholds: self, i: 0, j: 0, current, below: (0, 0) }
    }
}

/// Iterator of [`Thresholds::rows`]: for weighted rows `i` is the next row; otherwise a merge of
/// the two sorted classes, `i` and `j` the keys taken from each, `current` the key of the run
/// being taken (`u64::MAX` when done: no key is, flipped or not) and `below` the keys of each
/// class before that run.
struct Rows<'t> {
    thresholds: &'t Thresholds,
    i: usize,
    j: usize,
    current: u64,
    below: (usize, usize),
}

impl Iterator for Rows<'_> {
    type Item = (f64, f64, f64);

    #[inline(always)]
    fn next(&mut self) -> Option<(f64, f64, f64)> {
        let (pos, neg) = match &self.thresholds.sorted {
            Sorted::Weighted { rows } => {
                self.i += 1;
                return rows.get(self.i - 1).copied();
            }
            Sorted::Unweighted { pos, neg } => (pos, neg),
        };
        while self.current != u64::MAX {
            // an exhausted class reads as `u64::MAX`, after every key
            let p = pos.get(self.i).copied().unwrap_or(u64::MAX);
            let q = neg.get(self.j).copied().unwrap_or(u64::MAX);
            let k = p.min(q);
            let run = (self.current, self.i, self.j);
            // which class comes next is data, so that choice is branch-free
            let take_pos = (p <= q) as usize;
            self.i += take_pos;
            self.j += 1 - take_pos;
            if k != run.0 {
                self.current = k;
                let (k, tp, fp) = match self.thresholds.walk {
                    Walk::Descending => (!run.0, run.1, run.2),
                    // the counts at or above a score are the totals less those below it
                    Walk::Ascending => (run.0, pos.len() - self.below.0, neg.len() - self.below.1),
                };
                self.below = (run.1, run.2);
                return Some((tp as f64, fp as f64, f64::from_bits(value_bits(k))));
            }
        }
        None
    }
}

/// Neumaier's compensated sum: error O(ε) whatever the number of terms, streaming.
#[derive(Default)]
struct CompensatedSum {
    sum: f64,
    c: f64,
}

impl CompensatedSum {
    #[inline(always)]
    fn add(&mut self, v: f64) {
        let t = self.sum + v;
        self.c += if self.sum.abs() >= v.abs() { (self.sum - t) + v } else { (v - t) + self.sum };
        self.sum = t;
    }

    fn value(&self) -> f64 {
        self.sum + self.c
    }
}

/// The counts behind every binary curve, scores descending. `y_true` is true for positives,
/// `score` holds finite values, `weights` finite non-negative values (zero-weight samples are
/// left out, as scikit-learn does). Errors when either class has no (weighted) sample: every
/// curve is undefined then.
pub fn threshold_counts(y_true: &[bool], score: &[f64], weights: Option<&[f64]>) -> Result<ThresholdCounts> {
    let mut out = ThresholdCounts { fps: Vec::new(), tps: Vec::new(), thresholds: Vec::new() };
    for (tp, fp, threshold) in Thresholds::new(y_true, score, weights, Walk::Descending)?.rows() {
        out.tps.push(tp);
        out.fps.push(fp);
        out.thresholds.push(threshold);
    }
    Ok(out)
}

/// ROC curve as `sklearn.metrics.roc_curve(y_true, score, sample_weight=weights)` (with
/// `drop_intermediate=True`): points on a straight line between their neighbours are dropped,
/// then the curve starts at (0, 0) with threshold `+inf`. [`RocCurvePoints`] writes the same
/// curve into memory the caller provides.
pub fn roc_curve(y_true: &[bool], score: &[f64], weights: Option<&[f64]>) -> Result<RocCurve> {
    let points = RocCurvePoints::new(y_true, score, weights)?;
    let room = || vec![0.0; points.max_len()];
    let mut curve = RocCurve { fpr: room(), tpr: room(), thresholds: room() };
    let len = points.write(&mut curve.fpr, &mut curve.tpr, &mut curve.thresholds);
    for v in [&mut curve.fpr, &mut curve.tpr, &mut curve.thresholds] {
        v.truncate(len);
        v.shrink_to_fit(); // in place: frees the room the dropped points left unused
    }
    Ok(curve)
}

/// The ROC curve of [`roc_curve`] in two steps, so that a caller can allocate the output itself
/// (numpy's allocator asks for transparent huge pages; fresh 4 KiB pages cost more than the
/// walk): [`RocCurvePoints::new`] sorts, [`RocCurvePoints::write`] fills slices of at least
/// [`RocCurvePoints::max_len`] values from the start and returns how many it wrote. An upper
/// bound rather than the exact length: counting the points would be a second walk.
pub struct RocCurvePoints {
    thresholds: Thresholds,
}

impl RocCurvePoints {
    pub fn new(y_true: &[bool], score: &[f64], weights: Option<&[f64]>) -> Result<RocCurvePoints> {
        Ok(RocCurvePoints { thresholds: Thresholds::new(y_true, score, weights, Walk::Descending)? })
    }

    /// At most this many points: `(0, 0)` and one per distinct score.
    pub fn max_len(&self) -> usize {
        self.thresholds.max_rows() + 1
    }

    /// Write the false- and true-positive rates and the thresholds (each slice holding at least
    /// [`RocCurvePoints::max_len`] values) in one walk; returns the number of points.
    pub fn write(&self, fpr: &mut [f64], tpr: &mut [f64], thresholds: &mut [f64]) -> usize {
        let room = self.max_len();
        assert!(fpr.len() >= room && tpr.len() >= room && thresholds.len() >= room, "ROC output shorter than max_len");
        let (negatives, positives) = (self.thresholds.negatives, self.thresholds.positives);
        roc_walk(&self.thresholds, |at, (fp, tp, threshold)| {
            fpr[at] = fp / negatives;
            tpr[at] = tp / positives;
            thresholds[at] = threshold;
        })
    }
}

/// The points scikit-learn's `drop_intermediate=True` keeps: `put(at, (fp, tp, threshold))` for
/// each candidate at output index `at`, where a later candidate at the same index replaces a
/// dropped one (no branch on the data). Returns the number of points kept.
#[inline(always)]
fn roc_walk(thresholds: &Thresholds, mut put: impl FnMut(usize, (f64, f64, f64))) -> usize {
    put(0, (0.0, 0.0, f64::INFINITY));
    // scikit-learn keeps the ends and the points where `diff(fps, 2)` or `diff(tps, 2)` is not 0
    // (same roundings); a point is decided when the next one arrives.
    let bends = |a: f64, b: f64, c: f64| (c - b) - (b - a) != 0.0;
    let (mut before, mut last, mut seen, mut at) = ((0.0, 0.0), (0.0, 0.0, 0.0), 0usize, 1usize);
    for (tp, fp, threshold) in thresholds.rows() {
        if seen > 0 {
            let keep = (seen == 1) | bends(before.0, last.0, fp) | bends(before.1, last.1, tp);
            put(at, last);
            at += keep as usize;
        }
        (before, last, seen) = ((last.0, last.1), (fp, tp, threshold), seen + 1);
    }
    put(at, last);
    at + 1
}

/// Area under the ROC curve, as `sklearn.metrics.roc_auc_score` for binary `y_true`: the
/// trapezoid rule over the ROC curve (ties in score give the diagonal, i.e. count one half),
/// `Σ (fp_i - fp_{i-1}) (tp_i + tp_{i-1}) / (2 P N)` over the distinct scores, summed with
/// compensation and no curve built. Without weights every term is an integer, so the area is the
/// Mann-Whitney count rounded once; scikit-learn's sum of rounded rates is within a few ulps.
pub fn roc_auc(y_true: &[bool], score: &[f64], weights: Option<&[f64]>) -> Result<f64> {
    let thresholds = Thresholds::new(y_true, score, weights, Walk::Descending)?;
    let (mut area, mut prev) = (CompensatedSum::default(), (0.0, 0.0));
    for (tp, fp, _) in thresholds.rows() {
        area.add((fp - prev.0) * (tp + prev.1));
        prev = (fp, tp);
    }
    Ok(area.value() / (2.0 * thresholds.negatives * thresholds.positives))
}

/// Precision-recall curve as `sklearn.metrics.precision_recall_curve` (`drop_intermediate=False`):
/// one point per distinct score, thresholds ascending, then (precision 1, recall 0).
/// [`PrCurvePoints`] writes the same curve into memory the caller provides.
pub fn precision_recall_curve(y_true: &[bool], score: &[f64], weights: Option<&[f64]>) -> Result<PrCurve> {
    let points = PrCurvePoints::new(y_true, score, weights)?;
    let room = || vec![0.0; points.max_len()];
    let mut curve = PrCurve { precision: room(), recall: room(), thresholds: room() };
    let len = points.write(&mut curve.precision, &mut curve.recall, &mut curve.thresholds);
    for (v, len) in [(&mut curve.precision, len), (&mut curve.recall, len), (&mut curve.thresholds, len - 1)] {
        v.truncate(len);
        v.shrink_to_fit(); // in place: frees the room that ties left unused
    }
    Ok(curve)
}

/// The precision-recall curve of [`precision_recall_curve`] in two steps, as [`RocCurvePoints`]:
/// [`PrCurvePoints::new`] sorts, [`PrCurvePoints::write`] fills slices of at least
/// [`PrCurvePoints::max_len`] values and returns the number of points `len` (precision and
/// recall hold `len` values, the thresholds one fewer).
pub struct PrCurvePoints {
    thresholds: Thresholds,
}

impl PrCurvePoints {
    pub fn new(y_true: &[bool], score: &[f64], weights: Option<&[f64]>) -> Result<PrCurvePoints> {
        Ok(PrCurvePoints { thresholds: Thresholds::new(y_true, score, weights, Walk::Ascending)? })
    }

    /// At most this many points: one per distinct score and (precision 1, recall 0).
    pub fn max_len(&self) -> usize {
        self.thresholds.max_rows() + 1
    }

    /// Write precision, recall and the thresholds (each slice holding at least
    /// [`PrCurvePoints::max_len`] values) in one walk; returns the number of points.
    pub fn write(&self, precision: &mut [f64], recall: &mut [f64], thresholds: &mut [f64]) -> usize {
        let room = self.max_len();
        assert!(precision.len() >= room && recall.len() >= room && thresholds.len() >= room, "PR output shorter than max_len");
        let positives = self.thresholds.positives;
        let mut len = 0;
        for (((p, r), t), (tp, fp, threshold)) in precision.iter_mut().zip(recall.iter_mut()).zip(thresholds.iter_mut()).zip(self.thresholds.rows()) {
            let predicted = tp + fp;
            *p = if predicted != 0.0 { tp / predicted } else { 0.0 };
            *r = tp / positives;
            *t = threshold;
            len += 1;
        }
        (precision[len], recall[len]) = (1.0, 0.0);
        len + 1
    }
}

/// Average precision as `sklearn.metrics.average_precision_score` for binary `y_true`: the step
/// sum `Σ_n (R_n - R_{n-1}) P_n` over the precision-recall curve (no interpolation), computed as
/// `Σ (tp_n - tp_{n-1}) P_n / P` over the distinct scores with compensation, no curve built.
pub fn average_precision(y_true: &[bool], score: &[f64], weights: Option<&[f64]>) -> Result<f64> {
    let thresholds = Thresholds::new(y_true, score, weights, Walk::Descending)?;
    let (mut steps, mut tp_prev) = (CompensatedSum::default(), 0.0);
    for (tp, fp, _) in thresholds.rows() {
        // no branch on `tp != tp_prev`: it would be mispredicted; a zero step adds exactly 0
        steps.add((tp - tp_prev) * (tp / (tp + fp)));
        tp_prev = tp;
    }
    Ok(steps.value() / thresholds.positives)
}

/// Confusion matrix of integer class codes `0..n_classes`, row-major: entry `(i, j)` counts the
/// samples of true class `i` predicted as class `j` (`sklearn.metrics.confusion_matrix`).
pub fn confusion_matrix(y_true: &[u32], y_pred: &[u32], n_classes: usize) -> Result<Vec<u64>> {
    check_same_len("y_true", y_true.len(), "y_pred", y_pred.len())?;
    if n_classes == 0 {
        return Err(StatsError::InvalidArgument("`n_classes` must be at least 1".into()));
    }
    let cells = n_classes.checked_mul(n_classes).filter(|&c| c <= 1 << 28).ok_or_else(|| {
        StatsError::InvalidArgument(format!("{n_classes} classes give a confusion matrix too large to hold"))
    })?;
    let mut cm = crate::error::try_filled("n_classes", cells, 0u64)?;
    for (i, (&t, &p)) in y_true.iter().zip(y_pred).enumerate() {
        let (t, p) = (t as usize, p as usize);
        if t >= n_classes || p >= n_classes {
            let (arg, v) = if t >= n_classes { ("y_true", t) } else { ("y_pred", p) };
            return Err(StatsError::InvalidArgument(format!(
                "`{arg}` holds class code {v} at index {i}, but there are only {n_classes} classes"
            )));
        }
        cm[t * n_classes + p] += 1;
    }
    Ok(cm)
}

/// How per-class scores are combined (`average` in scikit-learn).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Average {
    /// Scores of the pooled counts over all classes.
    Micro,
    /// Unweighted mean of the per-class scores.
    Macro,
    /// Mean of the per-class scores weighted by their support (number of true samples).
    Weighted,
}

impl Average {
    pub fn by_name(name: &str) -> Result<Average> {
        match name {
            "micro" => Ok(Average::Micro),
            "macro" => Ok(Average::Macro),
            "weighted" => Ok(Average::Weighted),
            _ => Err(StatsError::InvalidArgument(format!(
                "average must be None, \"micro\", \"macro\" or \"weighted\", got {name:?}"
            ))),
        }
    }
}

/// Precision, recall and F-beta score per class (or one averaged value), with the support.
#[derive(Debug, Clone, PartialEq)]
pub struct PrfScores {
    pub precision: Vec<f64>,
    pub recall: Vec<f64>,
    pub fscore: Vec<f64>,
    pub support: Vec<f64>,
}

/// `num / den`, or 0 where `den` is 0 (`zero_division=0`).
fn ratio(num: f64, den: f64) -> f64 {
    if den == 0.0 {
        0.0
    } else {
        num / den
    }
}

fn check_matrix(cm: &[u64], n_classes: usize) -> Result<()> {
    if n_classes == 0 || n_classes.checked_mul(n_classes) != Some(cm.len()) {
        return Err(StatsError::InvalidArgument(format!(
            "a confusion matrix of {n_classes} classes must hold {n_classes}² cells, got {}",
            cm.len()
        )));
    }
    Ok(())
}

/// Per-class precision, recall, F-beta and support from a confusion matrix (rows: true class),
/// as `sklearn.metrics.precision_recall_fscore_support(average=None, zero_division=0)`:
/// `F = (1 + β²) tp / ((1 + β²) tp + β² fn + fp)`.
pub fn precision_recall_fscore(cm: &[u64], n_classes: usize, beta: f64) -> Result<PrfScores> {
    check_matrix(cm, n_classes)?;
    if !(beta.is_finite() && beta > 0.0) {
        return Err(StatsError::InvalidArgument(format!("beta must be finite and positive, got {beta}")));
    }
    let k = n_classes;
    let tp: Vec<f64> = (0..k).map(|i| cm[i * k + i] as f64).collect();
    let true_sum: Vec<f64> = (0..k).map(|i| cm[i * k..(i + 1) * k].iter().sum::<u64>() as f64).collect();
    let pred_sum: Vec<f64> = (0..k).map(|j| (0..k).map(|i| cm[i * k + j]).sum::<u64>() as f64).collect();
    Ok(scores(&tp, &true_sum, &pred_sum, beta))
}

fn scores(tp: &[f64], true_sum: &[f64], pred_sum: &[f64], beta: f64) -> PrfScores {
    let b2 = beta * beta;
    let zip3 = || tp.iter().zip(true_sum).zip(pred_sum);
    PrfScores {
        precision: zip3().map(|((&t, _), &p)| ratio(t, p)).collect(),
        recall: zip3().map(|((&t, &s), _)| ratio(t, s)).collect(),
        fscore: zip3().map(|((&t, &s), &p)| ratio((1.0 + b2) * t, b2 * s + p)).collect(),
        support: true_sum.to_vec(),
    }
}

/// [`precision_recall_fscore`] combined over classes as scikit-learn's `average=` does:
/// returns one-element vectors (and the total support).
pub fn precision_recall_fscore_average(cm: &[u64], n_classes: usize, beta: f64, average: Average) -> Result<PrfScores> {
    let per_class = precision_recall_fscore(cm, n_classes, beta)?;
    let total: f64 = sum(&per_class.support);
    let one = |p: f64, r: f64, f: f64| PrfScores { precision: vec![p], recall: vec![r], fscore: vec![f], support: vec![total] };
    Ok(match average {
        Average::Micro => {
            let k = n_classes;
            let tp: Vec<f64> = (0..k).map(|i| cm[i * k + i] as f64).collect();
            // pooled: true and predicted totals are both the number of samples
            let s = scores(&[sum(&tp)], &[total], &[total], beta);
            one(s.precision[0], s.recall[0], s.fscore[0])
        }
        Average::Macro => {
            let mean = |v: &[f64]| sum(v) / v.len() as f64;
            one(mean(&per_class.precision), mean(&per_class.recall), mean(&per_class.fscore))
        }
        Average::Weighted => {
            // numpy.average(v, weights=support): sum(v * w) / sum(w)
            let w = &per_class.support;
            let avg = |v: &[f64]| {
                let prod: Vec<f64> = v.iter().zip(w).map(|(a, b)| a * b).collect();
                ratio(sum(&prod), total)
            };
            one(avg(&per_class.precision), avg(&per_class.recall), avg(&per_class.fscore))
        }
    })
}

/// Accuracy from a confusion matrix: the trace over the total (0 for an empty matrix).
pub fn accuracy(cm: &[u64], n_classes: usize) -> Result<f64> {
    check_matrix(cm, n_classes)?;
    let correct: u64 = (0..n_classes).map(|i| cm[i * n_classes + i]).sum();
    Ok(ratio(correct as f64, cm.iter().sum::<u64>() as f64))
}

/// The confusion matrix of the classifier that always predicts class `class`, with the same
/// true classes as `cm` (for SageMaker's `*_best_constant_classifier` metrics).
pub fn constant_prediction_matrix(cm: &[u64], n_classes: usize, class: usize) -> Result<Vec<u64>> {
    check_matrix(cm, n_classes)?;
    if class >= n_classes {
        return Err(StatsError::InvalidArgument(format!("class {class} is not below n_classes = {n_classes}")));
    }
    let mut out = vec![0u64; cm.len()];
    for i in 0..n_classes {
        out[i * n_classes + class] = cm[i * n_classes..(i + 1) * n_classes].iter().sum();
    }
    Ok(out)
}

/// Regression errors of predictions against true values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RegressionMetrics {
    pub mae: f64,
    pub mse: f64,
    pub rmse: f64,
    pub r2: f64,
}

/// MAE, MSE, RMSE and R² as scikit-learn's `mean_absolute_error`, `mean_squared_error`,
/// `root_mean_squared_error` and `r2_score`. Sums are pairwise in numpy's order (error
/// O(ε log n), and the same roundings as scikit-learn). R² follows `force_finite=True`:
/// `1 - SS_res / SS_tot`, with 1 when `SS_res` is 0, 0 when only `SS_tot` is 0, NaN for one sample.
pub fn regression_metrics(y_true: &[f64], y_pred: &[f64]) -> Result<RegressionMetrics> {
    check_same_len("y_true", y_true.len(), "y_pred", y_pred.len())?;
    if y_true.is_empty() {
        return Err(StatsError::Empty { arg: "y_true" });
    }
    for (arg, x) in [("y_true", y_true), ("y_pred", y_pred)] {
        if let Some(i) = x.iter().position(|v| !v.is_finite()) {
            return Err(StatsError::InvalidArgument(format!("`{arg}` must be finite, got {} at index {i}", x[i])));
        }
    }
    let n = y_true.len() as f64;
    let abs: Vec<f64> = y_pred.iter().zip(y_true).map(|(p, t)| (p - t).abs()).collect();
    let sq: Vec<f64> = y_true.iter().zip(y_pred).map(|(t, p)| (t - p) * (t - p)).collect();
    let ss_res = sum(&sq);
    let mean = sum(y_true) / n;
    let dev: Vec<f64> = y_true.iter().map(|t| (t - mean) * (t - mean)).collect();
    let ss_tot = sum(&dev);
    let mse = ss_res / n;
    let r2 = if y_true.len() < 2 {
        f64::NAN // scikit-learn: not defined for one sample
    } else if ss_res == 0.0 {
        1.0
    } else if ss_tot == 0.0 {
        0.0
    } else {
        1.0 - ss_res / ss_tot
    };
    Ok(RegressionMetrics { mae: sum(&abs) / n, mse, rmse: mse.sqrt(), r2 })
}

#[cfg(test)]
mod tests {
    use super::*;

    const F: bool = false;
    const T: bool = true;

    #[test]
    fn roc_of_a_small_example() {
        // sklearn: roc_curve([0,0,1,1], [0.1,0.4,0.35,0.8]) -> fpr [0,0,.5,.5,1], tpr [0,.5,.5,1,1]
        let c = roc_curve(&[F, F, T, T], &[0.1, 0.4, 0.35, 0.8], None).unwrap();
        assert_eq!(c.fpr, vec![0.0, 0.0, 0.5, 0.5, 1.0]);
        assert_eq!(c.tpr, vec![0.0, 0.5, 0.5, 1.0, 1.0]);
        assert_eq!(c.thresholds, vec![f64::INFINITY, 0.8, 0.4, 0.35, 0.1]);
        assert_eq!(roc_auc(&[F, F, T, T], &[0.1, 0.4, 0.35, 0.8], None).unwrap(), 0.75);
    }

    #[test]
    fn ties_count_one_half_and_weights_match_repetition() {
        assert_eq!(roc_auc(&[F, T], &[0.5, 0.5], None).unwrap(), 0.5);
        let w = roc_auc(&[F, F, T, T], &[0.1, 0.4, 0.35, 0.8], Some(&[2., 1., 1., 3.])).unwrap();
        let r = roc_auc(&[F, F, F, T, T, T, T], &[0.1, 0.1, 0.4, 0.35, 0.8, 0.8, 0.8], None).unwrap();
        assert!((w - r).abs() < 1e-15);
    }

    #[test]
    fn average_precision_of_a_small_example() {
        // sklearn: average_precision_score([0,0,1,1], [0.1,0.4,0.35,0.8]) = 0.8333...
        let ap = average_precision(&[F, F, T, T], &[0.1, 0.4, 0.35, 0.8], None).unwrap();
        assert!((ap - 5.0 / 6.0).abs() < 1e-15);
        let c = precision_recall_curve(&[F, F, T, T], &[0.1, 0.4, 0.35, 0.8], None).unwrap();
        assert_eq!(c.recall, vec![1.0, 1.0, 0.5, 0.5, 0.0]);
        assert_eq!(c.thresholds, vec![0.1, 0.35, 0.4, 0.8]);
    }

    #[test]
    fn both_walks_of_sorted_classes_match_the_weighted_path() {
        // 5000 samples with ties and both zeros: radix-sorted classes merged (each way), against
        // scikit-learn's order with unit weights, whose sums are the same integers
        let n = 5000;
        let y: Vec<bool> = (0..n).map(|i| (i * 7919) % 3 == 0).collect();
        let s: Vec<f64> = (0..n).map(|i| if i % 11 == 0 { -0.0 } else { ((i * 104_729) % 97) as f64 / 10.0 - 3.0 }).collect();
        let ones = vec![1.0; n];
        assert_eq!(threshold_counts(&y, &s, None).unwrap(), threshold_counts(&y, &s, Some(&ones)).unwrap());
        assert_eq!(roc_curve(&y, &s, None).unwrap(), roc_curve(&y, &s, Some(&ones)).unwrap());
        assert_eq!(precision_recall_curve(&y, &s, None).unwrap(), precision_recall_curve(&y, &s, Some(&ones)).unwrap());
        assert!((roc_auc(&y, &s, None).unwrap() - roc_auc(&y, &s, Some(&ones)).unwrap()).abs() < 1e-15);
        let ap = average_precision(&y, &s, None).unwrap();
        assert!((ap - average_precision(&y, &s, Some(&ones)).unwrap()).abs() < 1e-15);
        let c = threshold_counts(&y, &s, None).unwrap();
        assert!(c.thresholds.windows(2).all(|w| w[0] > w[1]));
        assert_eq!((c.tps[c.tps.len() - 1], c.fps[c.fps.len() - 1]), (1667.0, 3333.0));
    }

    #[test]
    fn curves_written_into_longer_slices_match_the_vec_api() {
        // the two-step API writes from the start of slices of at least max_len values (here longer,
        // with NaN beyond) and returns the length; ties make the PR curve shorter than max_len
        let n = 70_000; // over the radix sort's thresholds
        let y: Vec<bool> = (0..n).map(|i| (i * 7919) % 5 < 2).collect();
        let s: Vec<f64> = (0..n).map(|i| ((i * 104_729) % 50_021) as f64 / 997.0 - 20.0).collect();
        let room = |len: usize| vec![f64::NAN; len + 3];
        let roc = RocCurvePoints::new(&y, &s, None).unwrap();
        let (mut a, mut b, mut c) = (room(roc.max_len()), room(roc.max_len()), room(roc.max_len()));
        let len = roc.write(&mut a, &mut b, &mut c);
        let want = roc_curve(&y, &s, None).unwrap();
        assert_eq!((&a[..len], &b[..len], &c[..len]), (&want.fpr[..], &want.tpr[..], &want.thresholds[..]));
        assert!(a[len..].iter().all(|v| v.is_nan()));
        let pr = PrCurvePoints::new(&y, &s, None).unwrap();
        let (mut a, mut b, mut c) = (room(pr.max_len()), room(pr.max_len()), room(pr.max_len()));
        let len = pr.write(&mut a, &mut b, &mut c);
        assert!(len < pr.max_len());
        let want = precision_recall_curve(&y, &s, None).unwrap();
        assert_eq!((&a[..len], &b[..len], &c[..len - 1]), (&want.precision[..], &want.recall[..], &want.thresholds[..]));
        assert_eq!((a[len - 1], b[len - 1]), (1.0, 0.0));
        let ones = vec![1.0; n];
        assert_eq!(want, precision_recall_curve(&y, &s, Some(&ones)).unwrap());
        assert_eq!(roc_curve(&y, &s, None).unwrap(), roc_curve(&y, &s, Some(&ones)).unwrap());
    }

    #[test]
    #[should_panic(expected = "shorter than max_len")]
    fn short_output_slices_are_refused() {
        let roc = RocCurvePoints::new(&[F, T, T], &[0.1, 0.2, 0.3], None).unwrap();
        roc.write(&mut [0.0; 3], &mut [0.0; 4], &mut [0.0; 4]);
    }

    #[test]
    fn bad_binary_inputs_are_errors() {
        assert!(roc_auc(&[T, T], &[0.1, 0.2], None).is_err());
        assert!(roc_auc(&[F, T], &[0.1, 0.2], Some(&[1.0, 0.0])).is_err());
        let e = roc_auc(&[F, T, T], &[0.1, f64::NAN, 0.3], None).unwrap_err();
        assert!(e.to_string().contains("index 1"), "{e}");
        assert!(roc_auc(&[], &[], None).is_err());
    }

    #[test]
    fn confusion_and_scores() {
        let cm = confusion_matrix(&[0, 0, 1, 1, 2], &[0, 1, 1, 1, 0], 3).unwrap();
        assert_eq!(cm, vec![1, 1, 0, 0, 2, 0, 1, 0, 0]);
        let s = precision_recall_fscore(&cm, 3, 1.0).unwrap();
        assert_eq!(s.precision, vec![0.5, 2.0 / 3.0, 0.0]);
        assert_eq!(s.recall, vec![0.5, 1.0, 0.0]);
        assert_eq!(accuracy(&cm, 3).unwrap(), 0.6);
        let m = precision_recall_fscore_average(&cm, 3, 1.0, Average::Micro).unwrap();
        assert_eq!(m.precision, vec![0.6]);
        assert!(confusion_matrix(&[0, 3], &[0, 0], 3).unwrap_err().to_string().contains("index 1"));
    }

    #[test]
    fn r2_conventions() {
        assert_eq!(regression_metrics(&[1., 1.], &[1., 1.]).unwrap().r2, 1.0);
        assert_eq!(regression_metrics(&[1., 1.], &[1., 2.]).unwrap().r2, 0.0);
        let m = regression_metrics(&[1., 2., 3.], &[1., 2., 4.]).unwrap();
        assert_eq!((m.mae, m.mse), (1.0 / 3.0, 1.0 / 3.0));
        assert_eq!(m.r2, 0.5);
    }
}
