//! Benchmarks only: see benches/kernels.rs and benches/KERNELS.md at the repository root.
