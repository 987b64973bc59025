//! Two-sample tests and distances.
pub mod distance;
pub mod fdr;
pub mod ks;
pub mod kstwo;
pub mod ndcg;
pub mod wasserstein;
// Further families (ks, chisq, kll) are added below, one file each.
pub mod chisq;
