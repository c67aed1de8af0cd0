//! AdEMAMix: m₁ ← (1−β₁)g + β₁m₁;  m₂ ← (1−β₃)g + β₃m₂;  ν ← (1−β₂)g² + β₂ν;
//! θ ← θ − γ((m₁/(1−β₁ᵗ) + α·m₂) / (√(ν/(1−β₂ᵗ) + ε_root) + ε) + λθ).  Source: optax.contrib.ademamix (`scale_by_ademamix`), optax 0.2.8.
use super::{
    check_betas, lr_field, non_negative, optax_bias_correction, options, persist, unit_interval, Float32State, NotYet,
    OptimError, TensorRule,
};

pub struct AdEMAMix;

options! {
    /// Options of optax.contrib.ademamix: Adam plus a slow gradient average weighted by α.
    pub struct Config as AdEMAMix {
        learning_rate: optax = None,
        /// Exponential decay rate β₁ of the fast gradient average.
        b1: f64 = 0.9,
        /// Exponential decay rate β₂ of the second moment (the squared gradient's running average).
        b2: f64 = 0.999,
        /// Exponential decay rate β₃ of the slow gradient average.
        b3: f64 = 0.9999,
        /// Weight α of the slow average in the update.
        alpha: f64 = 5.0,
        /// Term added to the denominator, outside the square root, for numerical stability.
        eps: f64 = 1e-8,
        /// Term added to the second moment inside the square root.
        eps_root: f64 = 0.0,
        /// optax's dtype of the first moment. Default null (float32, also "float32"); others are not supported yet.
        mu_dtype: Float32State = Float32State,
        /// Weight decay λ: λθ is added to the update (and scaled by the learning rate).
        weight_decay: f64 = 0.0,
        /// optax's mask of the tensors weight decay applies to. Default null (all); masks are not supported yet:
        /// give the others a param group with weight_decay 0.
        mask: NotYet = NotYet,
    }
}

/// The fast EMA `m1`, the slow EMA `m2`, the second moment `nu` and the step count.
pub struct State {
    count: u64,
    m1: Vec<f32>,
    m2: Vec<f32>,
    nu: Vec<f32>,
}

persist!(State { count, m1, m2, nu });

impl TensorRule for AdEMAMix {
    const NAME: &'static str = "ademamix";
    type Options = Config;
    type Config = Config;
    type State = State;

    fn config(config: Config) -> Result<Config, OptimError> {
        check_betas((config.b1, config.b2))?;
        unit_interval(config.b3, "Invalid b3 value")?;
        non_negative(config.alpha, "Invalid alpha value")?;
        non_negative(config.eps, "Invalid epsilon value")?;
        non_negative(config.eps_root, "Invalid eps_root value")?;
        non_negative(config.weight_decay, "Invalid weight_decay value")?;
        Ok(config)
    }
    lr_field!(learning_rate);
    fn init(_c: &Config, shape: &[usize]) -> Result<State, OptimError> {
        let len = shape.iter().product();
        Ok(State { count: 0, m1: vec![0.0; len], m2: vec![0.0; len], nu: vec![0.0; len] })
    }
    fn update(c: &Config, s: &mut State, param: &mut [f32], grad: &[f32], _shape: &[usize]) {
        s.count += 1;
        let (b1, b2, b3) = (c.b1 as f32, c.b2 as f32, c.b3 as f32);
        let (one_minus_b1, one_minus_b2, one_minus_b3) =
            ((1.0 - c.b1) as f32, (1.0 - c.b2) as f32, (1.0 - c.b3) as f32);
        let (correction1, correction2) = (optax_bias_correction(c.b1, s.count), optax_bias_correction(c.b2, s.count));
        let (alpha, eps, eps_root) = (c.alpha as f32, c.eps as f32, c.eps_root as f32);
        let (weight_decay, neg_lr) = (c.weight_decay as f32, -c.learning_rate as f32);
        let moments = s.m1.iter_mut().zip(s.m2.iter_mut()).zip(s.nu.iter_mut());
        for ((p, &g), ((m1, m2), nu)) in param.iter_mut().zip(grad).zip(moments) {
            *m1 = one_minus_b1 * g + b1 * *m1;
            *m2 = one_minus_b3 * g + b3 * *m2;
            *nu = one_minus_b2 * (g * g) + b2 * *nu;
            let direction = (*m1 / correction1 + alpha * *m2) / ((*nu / correction2 + eps_root).sqrt() + eps);
            // optax skips `add_decayed_weights` when the decay is 0; adding 0·θ would differ only for θ = ±inf.
            let decayed = if c.weight_decay != 0.0 { direction + weight_decay * *p } else { direction };
            *p += neg_lr * decayed;
        }
    }
}
