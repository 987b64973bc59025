//! driftline-core: the statistics kernels of driftline, in pure Rust (no Python).
//!
//! Every kernel takes plain slices and returns plain values or a [`StatsError`]; none panics on
//! user data. Missing values: kernels over raw samples ignore NaN (the binding turns nulls into
//! NaN first) and report how many they saw where that matters; infinities are ordinary values.
pub mod distinct;
pub mod error;
pub mod hist;
pub mod isotonic;
pub mod kll;
pub mod metrics;
pub mod moments;
pub mod sort;
pub mod special;
pub mod stats;

pub use error::{Result, StatsError};

/// Inputs at least this long are split across the rayon pool.
pub const PARALLEL_MIN_LEN: usize = 1 << 16;
