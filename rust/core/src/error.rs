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
