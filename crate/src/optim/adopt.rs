//! ADOPT: u ← clip(g / max(√v, ε), ±t^¼);  m ← (1−β₁)u + β₁m (m ← 0, v ← g² at t = 0);  v ← (1−β₂)g² + β₂v;
//! θ ← θ − γ·m (nesterov: γ·((1−β₁)u + β₁m)).  Source: optax.contrib.adopt (`scale_by_adopt`), optax 0.2.8.
use super::{
    check_betas, lr_field, maximum, non_negative, options, persist, Float32State, NotYet, OptimError, TensorRule,
};

pub struct Adopt;

options! {
    /// Options of optax.contrib.adopt: Adam with the gradient normalized by the previous second moment.
    pub struct Config as Adopt {
        learning_rate: optax = None,
        /// Exponential decay rate β₁ of the first moment (the gradient's running average).
        b1: f64 = 0.9,
        /// Exponential decay rate β₂ of the second moment (the squared gradient's running average).
        b2: f64 = 0.9999,
        /// Floor of √v in the normalization.
        eps: f64 = 1e-6,
        /// optax's dtype of the first moment. Default null (float32, also "float32"); others are not supported yet.
        mu_dtype: Float32State = Float32State,
        /// Use Nesterov momentum.
        nesterov: bool = false,
        /// Clip the normalized gradient to ±t^¼, the paper's stabilization.
        use_clipping: bool = true,
        /// optax's clipping bound as a function of the step t. Default null (t^¼); functions are not supported yet.
        clip_value_fn: NotYet = NotYet,
    }
}

/// `mu` (m), `nu` (v) and optax's `count` (steps taken before this one).
pub struct State {
    count: u64,
    mu: Vec<f32>,
    nu: Vec<f32>,
}

persist!(State { count, mu, nu });

impl TensorRule for Adopt {
    const NAME: &'static str = "adopt";
    type Options = Config;
    type Config = Config;
    type State = State;

    fn config(config: Config) -> Result<Config, OptimError> {
        check_betas((config.b1, config.b2))?;
        non_negative(config.eps, "Invalid epsilon value")?;
        Ok(config)
    }
    lr_field!(learning_rate);
    fn init(_c: &Config, shape: &[usize]) -> Result<State, OptimError> {
        let len = shape.iter().product();
        Ok(State { count: 0, mu: vec![0.0; len], nu: vec![0.0; len] })
    }
    fn update(c: &Config, s: &mut State, param: &mut [f32], grad: &[f32], _shape: &[usize]) {
        // optax's `jnp.where(count > 0, b, 0 or 1)` makes the betas f32 arrays, so 1 − β is an f32 op.
        let first = s.count == 0;
        let b1 = if first { 1.0 } else { c.b1 as f32 };
        let b2 = if first { 0.0 } else { c.b2 as f32 };
        let clip = if c.use_clipping { (s.count as f32).powf(0.25) } else { f32::INFINITY };
        let (eps, neg_lr) = (c.eps as f32, -c.learning_rate as f32);
        for ((p, &g), (m, v)) in param.iter_mut().zip(grad).zip(s.mu.iter_mut().zip(s.nu.iter_mut())) {
            let normalised = (g / maximum(v.sqrt(), eps)).clamp(-clip, clip);
            *v = (1.0 - b2) * (g * g) + b2 * *v;
            *m = (1.0 - b1) * normalised + b1 * *m;
            let direction = if c.nesterov { (1.0 - b1) * normalised + b1 * *m } else { *m };
            *p += neg_lr * direction;
        }
        s.count += 1;
    }
}
