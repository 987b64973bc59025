//! `driftline._core`: thin PyO3 bindings over driftline-core. One file per family of kernels;
//! each converts arguments, releases the GIL around the kernel and maps errors (errors.rs).
use pyo3::prelude::*;

mod abtest;
mod battery;
mod chisq;
mod convert;
mod distance;
mod errors;
mod fdr;
mod hist;
mod isotonic;
mod kll;
mod ks;
mod metrics;
mod moments;
mod ndcg;
mod sampling;
mod shap;
mod wasserstein;

#[pymodule(gil_used = false)]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    errors::register(m)?;
    hist::register(m)?;
    moments::register(m)?;
    distance::register(m)?;
    ks::register(m)?;
    metrics::register(m)?;
    kll::register(m)?;
    chisq::register(m)?;
    ndcg::register(m)?;
    sampling::register(m)?;
    shap::register(m)?;
    fdr::register(m)?;
    wasserstein::register(m)?;
    isotonic::register(m)?;
    abtest::register(m)?;
    battery::register(m)?;
    Ok(())
}
