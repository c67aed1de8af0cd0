//! Fromage: θ ← θ − (γ/√(1+γ²))·(‖θ‖/‖g‖)·g + (1/√(1+γ²) − 1)·θ, norms floored at min_norm.
//! Source: optax.fromage = scale_by_trust_ratio → scale_by_learning_rate(γ·mult) → add_decayed_weights(mult − 1) (0.2.8).
use super::{l2_norm, lr_field, non_negative, options, OptimError, TensorRule};

pub struct Fromage;

options! {
    /// Options of optax.fromage: steps scaled by ‖θ‖/‖g‖, then the weights shrunk by 1/√(1 + γ²).
    pub struct Config as Fromage {
        learning_rate: optax = None,
        /// Floor of the parameter and gradient norms.
        min_norm: f64 = 1e-6,
    }
}

/// optax's `safe_norm`: the norm, or `min_norm` when the norm does not exceed it.
fn safe_norm(values: &[f32], min_norm: f32) -> f32 {
    let norm = l2_norm(values);
    if norm <= min_norm {
        min_norm
    } else {
        norm
    }
}

impl TensorRule for Fromage {
    const NAME: &'static str = "fromage";
    type Options = Config;
    type Config = Config;
    /// Stateless.
    type State = ();

    fn config(config: Config) -> Result<Config, OptimError> {
        non_negative(config.min_norm, "Invalid min_norm value")?;
        Ok(config)
    }
    lr_field!(learning_rate);
    fn init(_c: &Config, _shape: &[usize]) -> Result<(), OptimError> {
        Ok(())
    }
    fn update(c: &Config, _s: &mut (), param: &mut [f32], grad: &[f32], _shape: &[usize]) {
        let min_norm = c.min_norm as f32;
        let (param_norm, grad_norm) = (safe_norm(param, min_norm), safe_norm(grad, min_norm));
        let trust_ratio = if param_norm == 0.0 || grad_norm == 0.0 { 1.0 } else { param_norm / grad_norm };
        // Python-side scalars of optax.fromage, rounded to f32 where they meet the tensors.
        let mult = 1.0 / (1.0 + c.learning_rate.powi(2)).sqrt();
        let (step, decay) = (-(c.learning_rate * mult) as f32, (mult - 1.0) as f32);
        for (p, &g) in param.iter_mut().zip(grad) {
            let update = step * (g * trust_ratio);
            // optax skips add_decayed_weights when mult − 1 is exactly 0 (learning rate 0).
            *p += if mult - 1.0 == 0.0 { update } else { update + decay * *p };
        }
    }
}
