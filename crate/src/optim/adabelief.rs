//! AdaBelief: m ← (1−β₁)g + β₁m;  s ← (1−β₂)(g−m)² + β₂s + ε_root;  θ ← θ − γ·m̂/(√ŝ + ε), ˆ = bias-corrected.
//! Source: optax.adabelief = scale_by_belief (nesterov too) → scale_by_learning_rate (optax 0.2.8).
use super::{
    check_beta_list, lr_field, non_negative, optax_bias_correction, options, persist, NotYet, OptimError, TensorRule,
};

pub struct AdaBelief;

options! {
    /// Options of optax.adabelief: Adam dividing by the variance of the gradient around its average (the belief).
    pub struct Config as AdaBelief {
        learning_rate: optax = None,
        /// Exponential decay rate β₁ of the first moment (the gradient's running average).
        b1: f64 = 0.9,
        /// Exponential decay rate β₂ of the belief s, the running average of (g − m)².
        b2: f64 = 0.999,
        /// Term added to the denominator, outside the square root, for numerical stability.
        eps: f64 = 1e-16,
        /// Term added to the second moment inside the square root.
        eps_root: f64 = 1e-16,
        /// Weight decay of optax after 0.2.8. Default null (none); values are not supported yet.
        weight_decay: NotYet = NotYet,
        /// Its mask (optax after 0.2.8). Default null; masks are not supported yet.
        weight_decay_mask: NotYet = NotYet,
        /// Use Nesterov momentum.
        nesterov: bool = false,
    }
}

/// `scale_by_belief`'s count, `mu` (m) and `nu` (s, ε_root included).
pub struct State {
    count: u64,
    mu: Vec<f32>,
    nu: Vec<f32>,
}

persist!(State { count, mu, nu });

impl TensorRule for AdaBelief {
    const NAME: &'static str = "adabelief";
    type Options = Config;
    type Config = Config;
    type State = State;

    fn config(config: Config) -> Result<Config, OptimError> {
        check_beta_list(&[config.b1, config.b2])?;
        non_negative(config.eps, "Invalid epsilon value")?;
        non_negative(config.eps_root, "Invalid eps_root value")?;
        Ok(config)
    }
    lr_field!(learning_rate);
    fn init(_c: &Config, shape: &[usize]) -> Result<State, OptimError> {
        let len = shape.iter().product();
        Ok(State { count: 0, mu: vec![0.0; len], nu: vec![0.0; len] })
    }
    fn update(c: &Config, s: &mut State, param: &mut [f32], grad: &[f32], _shape: &[usize]) {
        s.count += 1;
        let (b1, one_minus_b1) = (c.b1 as f32, (1.0 - c.b1) as f32);
        let (b2, one_minus_b2) = (c.b2 as f32, (1.0 - c.b2) as f32);
        let (correction1, correction2) = (optax_bias_correction(c.b1, s.count), optax_bias_correction(c.b2, s.count));
        let next_correction1 = optax_bias_correction(c.b1, s.count + 1);
        let (eps, eps_root, neg_lr) = (c.eps as f32, c.eps_root as f32, -c.learning_rate as f32);
        for ((p, &g), (m, v)) in param.iter_mut().zip(grad).zip(s.mu.iter_mut().zip(s.nu.iter_mut())) {
            *m = one_minus_b1 * g + b1 * *m;
            let prediction_error = g - *m;
            *v = (one_minus_b2 * (prediction_error * prediction_error) + b2 * *v) + eps_root;
            let m_hat = if c.nesterov {
                b1 * (*m / next_correction1) + one_minus_b1 * (g / correction1)
            } else {
                *m / correction1
            };
            *p += neg_lr * (m_hat / ((*v / correction2).sqrt() + eps));
        }
    }
}
