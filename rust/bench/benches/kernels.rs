//! criterion benchmarks of driftline-core's main kernels, each with `Throughput::Bytes` of the
//! input it reads, beside a plain memory pass (a sum) over the same bytes: each kernel's distance
//! from reading its input once. Data are seeded and fixed. Results and the command:
//! benches/KERNELS.md.
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use driftline_core::hist::histogram_uniform;
use driftline_core::kll::KllSketch;
use driftline_core::metrics::draws::{classification_draws, multiplicities, regression_draws, Weights};
use driftline_core::moments::Moments;
use driftline_core::stats::ks::{ks_2samp, Alternative, KsMethod};

/// A fixed sequence of uniforms in [0, 1) (splitmix64), so runs compare.
fn uniforms(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
        })
        .collect()
}

/// Roughly normal values: the sum of four uniforms, centred.
fn normals(n: usize, seed: u64) -> Vec<f64> {
    let u = uniforms(4 * n, seed);
    u.chunks_exact(4).map(|c| (c.iter().sum::<f64>() - 2.0) * 1.7).collect()
}

const N: usize = 1_000_000;

fn one_column(c: &mut Criterion) {
    let x = normals(N, 1);
    let mut g = c.benchmark_group("column-1e6-f64");
    g.throughput(Throughput::Bytes((N * 8) as u64));
    g.bench_function("memory-pass-sum", |b| b.iter(|| black_box(&x).iter().sum::<f64>()));
    g.bench_function("histogram-uniform-20", |b| b.iter(|| histogram_uniform(black_box(&x), 20, -8.0, 8.0).unwrap()));
    g.bench_function("moments", |b| b.iter(|| Moments::of(black_box(&x), 0)));
    g.bench_function("kll-update-k200", |b| {
        b.iter(|| {
            let mut s = KllSketch::with_seed(7);
            s.update(black_box(&x));
            s
        })
    });
    g.finish();

    let y = normals(N, 2);
    let mut g = c.benchmark_group("ks-2x1e6-f64");
    g.throughput(Throughput::Bytes((2 * N * 8) as u64));
    g.bench_function("memory-pass-sum", |b| b.iter(|| black_box(&x).iter().sum::<f64>() + black_box(&y).iter().sum::<f64>()));
    g.bench_function("ks_2samp-asymp", |b| {
        b.iter(|| ks_2samp(black_box(&x), black_box(&y), Alternative::TwoSided, KsMethod::Asymp).unwrap())
    });
    g.finish();
}

fn draws(c: &mut Criterion) {
    // the bootstrap's chunk: 40 resamples of 10^5 rows, weights read once per draw
    let (n, d) = (100_000usize, 40usize);
    let u = uniforms(n * (d + 3), 3);
    let truth: Vec<u32> = u[..n].iter().map(|&v| u32::from(v < 0.3)).collect();
    let pred: Vec<u32> = truth.iter().zip(&u[n..2 * n]).map(|(&t, &v)| if v < 0.8 { t } else { 1 - t }).collect();
    let group: Vec<u32> = u[2 * n..3 * n].iter().map(|&v| (v * 1000.0) as u32).collect();
    let indices: Vec<i64> = u[3 * n..].iter().map(|&v| (v * n as f64) as i64).collect();
    let mut weights = vec![0.0; d * n];
    multiplicities(&indices, d, n, &mut weights).unwrap();
    let y = normals(n, 4);
    let f: Vec<f64> = y.iter().zip(&u[..n]).map(|(a, b)| a + b - 0.5).collect();

    let mut g = c.benchmark_group("draws-40x1e5");
    g.throughput(Throughput::Bytes((d * n * 8) as u64));
    g.bench_function("memory-pass-sum", |b| b.iter(|| black_box(&weights).iter().sum::<f64>()));
    g.bench_function("multiplicities", |b| {
        b.iter(|| {
            let mut out = vec![0.0; d * n];
            multiplicities(black_box(&indices), d, n, &mut out).unwrap();
            out
        })
    });
    for (name, groups) in [("binary", None), ("binary+auc", Some(&group[..]))] {
        g.bench_with_input(BenchmarkId::new("classification_draws", name), &groups, |b, groups| {
            b.iter(|| classification_draws(&truth, &pred, 2, Weights::Matrix(black_box(&weights)), d, Some(1), *groups).unwrap())
        });
    }
    let classes: Vec<u32> = u[..n].iter().map(|&v| (v * 5.0) as u32).collect();
    g.bench_function(BenchmarkId::new("classification_draws", "multiclass-5"), |b| {
        b.iter(|| classification_draws(&classes, &classes, 5, Weights::Matrix(black_box(&weights)), d, None, None).unwrap())
    });
    g.bench_function("regression_draws", |b| b.iter(|| regression_draws(&y, &f, Weights::Matrix(black_box(&weights)), d).unwrap()));
    // the bootstrap's path: the same draws from their row indices, no weight matrix
    g.bench_function(BenchmarkId::new("classification_draws", "binary+auc-from-resamples"), |b| {
        b.iter(|| classification_draws(&truth, &pred, 2, Weights::Resamples(black_box(&indices)), d, Some(1), Some(&group)).unwrap())
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(3));
    targets = one_column, draws
}
criterion_main!(benches);
