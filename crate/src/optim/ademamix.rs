//! AdEMAMix: m₁ ← (1−β₁)g + β₁m₁;  m₂ ← (1−β₃)g + β₃m₂;  ν ← (1−β₂)g² + β₂ν;
//! θ ← θ − γ((m₁/(1−β₁ᵗ) + α·m₂) / (√(ν/(1−β₂ᵗ) + ε_root) + ε) + λθ).  Source: optax.contrib.ademamix (`scale_by_ademamix`), optax 0.2.8.
use super::{
    check_betas, lr_field, non_negative, optax_bias_correction, optax_learning_rate, persist, unit_interval,
    OptimError, Options, TensorRule,
};

pub struct Ademamix;

#[derive(Clone, Debug)]
pub struct Config {
    pub learning_rate: f64,
    pub b1: f64,
    pub b2: f64,
    /// Decay of the slow EMA m₂.
    pub b3: f64,
    /// Weight of the slow EMA in the update.
    pub alpha: f64,
    pub eps: f64,
    pub eps_root: f64,
    pub weight_decay: f64,
}

/// The fast EMA `m1`, the slow EMA `m2`, the second moment `nu` and the step count.
pub struct State {
    count: u64,
    m1: Vec<f32>,
    m2: Vec<f32>,
    nu: Vec<f32>,
}

persist!(State { count, m1, m2, nu });

impl TensorRule for Ademamix {
    const NAME: &'static str = "ademamix";
    const OPTIONS: &'static [&'static str] =
        &["learning_rate", "lr", "b1", "b2", "b3", "alpha", "eps", "eps_root", "weight_decay"];
    type Config = Config;
    type State = State;

    fn config(o: &Options) -> Result<Config, OptimError> {
        let config = Config {
            learning_rate: optax_learning_rate(o, None)?,
            b1: o.num("b1", 0.9)?,
            b2: o.num("b2", 0.999)?,
            b3: o.num("b3", 0.9999)?,
            alpha: o.num("alpha", 5.0)?,
            eps: o.num("eps", 1e-8)?,
            eps_root: o.num("eps_root", 0.0)?,
            weight_decay: o.num("weight_decay", 0.0)?,
        };
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
