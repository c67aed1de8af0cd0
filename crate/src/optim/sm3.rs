//! SM3: ν ← g² + min_a μ_a[i_a];  u ← g/√(ν + ε) (0 where ν = 0);  m ← (1−β)u + βm;  θ ← θ − γm;  μ_a[j] ← max ν over i_a = j.
//! Source: optax.sm3 = chain(`scale_by_sm3(b1=momentum)`, `scale(-learning_rate)`), optax 0.2.8 (ε = 1e-8, b2 = 1).
use super::{lr_field, maximum, options, persist, unit_interval, OptimError, TensorRule};

pub struct Sm3;

options! {
    /// Options of optax.sm3: memory-efficient adaptive steps from row and column maxima.
    pub struct Config as Sm3 {
        learning_rate: optax = None,
        /// Decay rate β of the running average of the update.
        momentum: f64 = 0.9,
    }
}

/// optax's fixed ε of `scale_by_sm3`, added to ν under the square root.
const EPS: f32 = 1e-8;

/// One accumulator μ_a per axis (a vector of that axis' length, like optax's `mu`), and the momentum.
/// A 0-D tensor is handled as shape [1]; a 1-D tensor's single μ is then ν itself, as in optax.
pub struct State {
    dims: Vec<usize>,
    /// Where axis a's μ starts in `accumulators`.
    offsets: Vec<usize>,
    accumulators: Vec<f32>,
    /// The next step's μ, built while the current one is still read.
    next_accumulators: Vec<f32>,
    /// The multi-index of the element being updated (row-major walk).
    index: Vec<usize>,
    momentum: Vec<f32>,
}

persist!(State { accumulators, momentum });

/// jnp.minimum: NaN if either is NaN.
#[inline(always)]
fn minimum(a: f32, b: f32) -> f32 {
    if a < b || a.is_nan() {
        a
    } else {
        b
    }
}

impl TensorRule for Sm3 {
    const NAME: &'static str = "sm3";
    type Options = Config;
    type Config = Config;
    type State = State;

    fn config(config: Config) -> Result<Config, OptimError> {
        unit_interval(config.momentum, "Invalid momentum value")?;
        Ok(config)
    }
    lr_field!(learning_rate);
    fn init(_c: &Config, shape: &[usize]) -> Result<State, OptimError> {
        let dims = if shape.is_empty() { vec![1] } else { shape.to_vec() };
        let offsets: Vec<usize> = dims.iter().scan(0, |start, &d| Some(std::mem::replace(start, *start + d))).collect();
        let accumulator_len = dims.iter().sum();
        Ok(State {
            index: vec![0; dims.len()],
            offsets,
            accumulators: vec![0.0; accumulator_len],
            next_accumulators: vec![0.0; accumulator_len],
            momentum: vec![0.0; dims.iter().product()],
            dims,
        })
    }
    fn update(c: &Config, s: &mut State, param: &mut [f32], grad: &[f32], _shape: &[usize]) {
        let neg_lr = -c.learning_rate as f32;
        let (beta, one_minus_beta) = (c.momentum as f32, (1.0 - c.momentum) as f32);
        s.next_accumulators.fill(f32::NEG_INFINITY);
        s.index.fill(0);
        for ((p, &g), m) in param.iter_mut().zip(grad).zip(s.momentum.iter_mut()) {
            // optax: `functools.reduce(jnp.minimum, v)` over the axes, then `1.0 * g**2 + 1.0 * min`.
            let mut floor = s.accumulators[s.offsets[0] + s.index[0]];
            for axis in 1..s.dims.len() {
                floor = minimum(floor, s.accumulators[s.offsets[axis] + s.index[axis]]);
            }
            let nu = g * g + floor;
            let inv_sqrt = if nu > 0.0 { 1.0 / (nu + EPS).sqrt() } else { 0.0 };
            *m = one_minus_beta * (g * inv_sqrt) + beta * *m;
            *p += neg_lr * *m;
            for axis in 0..s.dims.len() {
                let slot = &mut s.next_accumulators[s.offsets[axis] + s.index[axis]];
                *slot = maximum(nu, *slot);
            }
            // Row-major successor of the multi-index.
            for axis in (0..s.dims.len()).rev() {
                s.index[axis] += 1;
                if s.index[axis] < s.dims[axis] {
                    break;
                }
                s.index[axis] = 0;
            }
        }
        std::mem::swap(&mut s.accumulators, &mut s.next_accumulators);
    }
}
