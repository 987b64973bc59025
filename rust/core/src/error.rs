//! One error type for all kernels. The Python binding maps each variant to a class in
//! `driftline.errors`; messages name the argument so a user can find the bad input.
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum StatsError {
    /// An input that must hold at least one (finite, non-missing) value holds none.
    Empty { arg: &'static str },
    /// Two inputs that must have the same length do not.
    LengthMismatch { left: &'static str, right: &'static str, left_len: usize, right_len: usize },
    /// A count or weight is negative or not finite.
    InvalidCount { arg: &'static str, index: usize, value: f64 },
    /// Any other invalid argument value (bad edges, unknown option, corrupt bytes, ...).
    InvalidArgument(String),
    /// An allocation sized by `arg` failed (the Python binding raises a `MemoryError`).
    OutOfMemory { arg: &'static str, bytes: usize },
}

pub type Result<T> = std::result::Result<T, StatsError>;

impl fmt::Display for StatsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StatsError::Empty { arg } => write!(f, "`{arg}` is empty (no non-missing values)"),
            StatsError::LengthMismatch { left, right, left_len, right_len } => write!(
                f,
                "`{left}` and `{right}` must have the same length, got {left_len} and {right_len}"
            ),
            StatsError::InvalidCount { arg, index, value } => write!(
                f,
                "`{arg}` must hold finite non-negative values, got {value} at index {index}"
            ),
            StatsError::InvalidArgument(msg) => f.write_str(msg),
            StatsError::OutOfMemory { arg, bytes } => {
                write!(f, "cannot allocate {bytes} bytes for `{arg}` (out of memory); use a smaller `{arg}`")
            }
        }
    }
}

impl std::error::Error for StatsError {}

/// Check that counts or weights are finite and non-negative.
pub fn check_counts(arg: &'static str, values: &[f64]) -> Result<()> {
    match values.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
        Some(index) => Err(StatsError::InvalidCount { arg, index, value: values[index] }),
        None => Ok(()),
    }
}

/// Check that two inputs have the same length.
pub fn check_same_len(left: &'static str, a: usize, right: &'static str, b: usize) -> Result<()> {
    if a != b {
        return Err(StatsError::LengthMismatch { left, right, left_len: a, right_len: b });
    }
    Ok(())
}

/// `n` copies of `value`, or [`StatsError::OutOfMemory`] naming `arg` when the allocation fails
/// (`vec![value; n]` would abort the process instead).
pub fn try_filled<T: Clone>(arg: &'static str, n: usize, value: T) -> Result<Vec<T>> {
    let mut v = Vec::new();
    v.try_reserve_exact(n)
        .map_err(|_| StatsError::OutOfMemory { arg, bytes: n.saturating_mul(std::mem::size_of::<T>()) })?;
    v.resize(n, value);
    Ok(v)
}

/// Check a size argument against its documented upper bound before anything is allocated:
/// with Linux overcommit a huge allocation can "succeed" and fail only when it is touched.
pub fn check_size(arg: &'static str, n: usize, max: usize) -> Result<()> {
    if n > max {
        return Err(StatsError::InvalidArgument(format!("`{arg}` must be at most {max}, got {n}")));
    }
    Ok(())
}
