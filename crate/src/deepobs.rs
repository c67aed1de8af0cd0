//! DeepOBS's noisy quadratic (`quadratic_deep`), built as DeepOBS builds it with numpy's RandomState: the Hessian
//! Q = Rᵀ·diag(λ)·R, 90 eigenvalues from U(0, 1) and 10 from U(30, 60) (the spectrum reported for deep networks),
//! R a Haar-random rotation by Diaconis and Shahshahani's subgroup algorithm, all from one RandomState(42); the data
//! N(0, 0.6²) rows of 100 values, RandomState(42) for the training set and RandomState(43) for the test set.
//! Source: deepobs/pytorch/testproblems/quadratic_deep.py and deepobs/pytorch/datasets/quadratic.py.
use crate::numpy_random::RandomState;

/// The quadratic's dimension (θ has this many values).
pub const DIM: usize = 100;
/// Rows of each data set.
pub const ROWS: usize = 1000;
/// Standard deviation of the data around 0.
pub const NOISE: f64 = 0.6;

/// A rotation in SO(d) drawn uniformly (DeepOBS's `random_rotation`), row-major d × d.
fn random_rotation(rng: &mut RandomState, d: usize) -> Vec<f64> {
    let t = 2.0 * std::f64::consts::PI * rng.uniform(0.0, 1.0);
    let mut rotation = vec![t.cos(), t.sin(), -t.sin(), t.cos()];
    for k in 2..d {
        let n = k + 1;
        let mut v: Vec<f64> = (0..n).map(|_| rng.standard_normal()).collect();
        let norm = v.iter().map(|a| a * a).sum::<f64>().sqrt();
        v.iter_mut().for_each(|a| *a /= norm);
        // x = (e₁ − v) / ‖e₁ − v‖: the reflection that maps the sphere's point v to e₁.
        let mut x: Vec<f64> = v.iter().enumerate().map(|(i, &a)| f64::from(u8::from(i == 0)) - a).collect();
        let x_norm = x.iter().map(|a| a * a).sum::<f64>().sqrt();
        x.iter_mut().for_each(|a| *a /= x_norm);
        // The previous rotation embedded in the lower-right block of an n × n identity.
        let mut embedded = vec![0.0; n * n];
        embedded[0] = 1.0;
        for i in 1..n {
            embedded[i * n + 1..(i + 1) * n].copy_from_slice(&rotation[(i - 1) * k..i * k]);
        }
        let x_embedded: Vec<f64> = (0..n).map(|j| (0..n).map(|i| x[i] * embedded[i * n + j]).sum()).collect();
        rotation = (0..n * n).map(|ij| embedded[ij] - 2.0 * x[ij / n] * x_embedded[ij % n]).collect();
    }
    rotation.iter().map(|a| -a).collect()
}

/// The Hessian of `quadratic_deep`, row-major `DIM × DIM`, in float64 as numpy computes it.
pub fn deep_hessian() -> Vec<f64> {
    let mut rng = RandomState::new(42);
    let eigenvalues: Vec<f64> =
        (0..DIM).map(|i| if i < 90 { rng.uniform(0.0, 1.0) } else { rng.uniform(30.0, 60.0) }).collect();
    let r = random_rotation(&mut rng, DIM);
    (0..DIM * DIM)
        .map(|ij| {
            let (i, j) = (ij / DIM, ij % DIM);
            (0..DIM).map(|k| r[k * DIM + i] * (eigenvalues[k] * r[k * DIM + j])).sum()
        })
        .collect()
}

/// The training (`test: false`, RandomState(42)) or test (RandomState(43)) data: `ROWS × DIM` float32 values.
pub fn quadratic_data(test: bool) -> Vec<f32> {
    let mut rng = RandomState::new(if test { 43 } else { 42 });
    (0..ROWS * DIM).map(|_| rng.normal(0.0, NOISE) as f32).collect()
}
