//! Yogi: m ← (1−β₁)g + β₁m;  v ← v − (1−β₂)·sign(v − g²)·g²;  θ ← θ − γ·m̂/(√v̂ + ε), m, v start at 1e-6.
//! Source: optax.yogi = scale_by_yogi → scale_by_learning_rate (optax 0.2.8).
use super::{
    check_beta_list, lr_field, non_negative, optax_bias_correction, options, persist, sign, OptimError, TensorRule,
};

pub struct Yogi;

options! {
    /// Options of optax.yogi: Adam with an additive, sign-controlled second-moment update.
    pub struct Config as Yogi {
        learning_rate: optax = None,
        /// Exponential decay rate β₁ of the first moment (the gradient's running average).
        b1: f64 = 0.9,
        /// Exponential decay rate β₂ of the second moment (the squared gradient's running average).
        b2: f64 = 0.999,
        /// Term added to the denominator, outside the square root, for numerical stability.
        eps: f64 = 0.001,
    }
}

/// `scale_by_yogi`'s `initial_accumulator_value`, which optax.yogi leaves at its default.
const INITIAL_ACCUMULATOR: f32 = 1e-6;

/// The count, `mu` (m) and `nu` (v).
pub struct State {
    count: u64,
    mu: Vec<f32>,
    nu: Vec<f32>,
}

persist!(State { count, mu, nu });

impl TensorRule for Yogi {
    const NAME: &'static str = "yogi";
    type Options = Config;
    type Config = Config;
    type State = State;

    fn config(config: Config) -> Result<Config, OptimError> {
        check_beta_list(&[config.b1, config.b2])?;
        non_negative(config.eps, "Invalid epsilon value")?;
        Ok(config)
    }
    lr_field!(learning_rate);
    fn init(_c: &Config, shape: &[usize]) -> Result<State, OptimError> {
        let len = shape.iter().product();
        Ok(State { count: 0, mu: vec![INITIAL_ACCUMULATOR; len], nu: vec![INITIAL_ACCUMULATOR; len] })
    }
    fn update(c: &Config, s: &mut State, param: &mut [f32], grad: &[f32], _shape: &[usize]) {
        s.count += 1;
        let (b1, one_minus_b1, one_minus_b2) = (c.b1 as f32, (1.0 - c.b1) as f32, (1.0 - c.b2) as f32);
        let (correction1, correction2) = (optax_bias_correction(c.b1, s.count), optax_bias_correction(c.b2, s.count));
        let (eps, neg_lr) = (c.eps as f32, -c.learning_rate as f32);
        for ((p, &g), (m, v)) in param.iter_mut().zip(grad).zip(s.mu.iter_mut().zip(s.nu.iter_mut())) {
            let square = g * g;
            *m = one_minus_b1 * g + b1 * *m;
            *v -= one_minus_b2 * sign(*v - square) * square;
            *p += neg_lr * ((*m / correction1) / ((*v / correction2).sqrt() + eps));
        }
    }
}
