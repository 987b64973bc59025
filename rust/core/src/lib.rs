//! driftline-core: the statistics kernels of driftline, in pure Rust (no Python).
//!
//! Every kernel takes plain slices and returns plain values or a [`StatsError`]; none panics on
//! user data. Missing values: kernels over raw samples ignore NaN (the binding turns nulls into
//! NaN first) and report how many they saw where that matters; infinities are ordinary values.
pub mod abtest;
pub mod battery;
pub mod distinct;
pub mod error;
pub mod frequent;
pub mod hist;
pub mod isotonic;
pub mod kll;
pub mod metrics;
pub mod moments;
pub mod sampling;
pub mod shap;
pub mod sort;
pub mod special;
pub mod stats;

pub use error::{Result, StatsError};

/// Inputs at least this long are split across the rayon pool.
pub const PARALLEL_MIN_LEN: usize = 1 << 16;

/// The power of two at or below the finite positive `a`, between 2^-1022 and 2^1023 (so its
/// reciprocal is finite too): dividing by it is exact, and brings `a` into [1, 2) unless `a`
/// is subnormal. Kernels scale by it where sums of extreme values would over- or underflow.
pub(crate) fn pow2_at_most(a: f64) -> f64 {
    let e = (a.log2().floor() as i64).clamp(-1022, 1023);
    f64::from_bits(((e + 1023) as u64) << 52)
}
