//! Two-sample tests and distances.
pub mod distance;
// Further families (ks, chisq, kll) are added below, one file each.
