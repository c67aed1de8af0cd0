//! Lion: u ← sign((1−β₁)g + β₁m) + λθ;  m ← (1−β₂)g + β₂m;  θ ← θ − γu.
//! Source: optax.lion = scale_by_lion → add_decayed_weights → scale_by_learning_rate (optax 0.2.8).
use super::{
    check_beta_list, lr_field, non_negative, options, persist, sign, Float32State, NotYet, OptimError, TensorRule,
};

pub struct Lion;

options! {
    /// Options of optax.lion: the sign of an interpolated momentum.
    pub struct Config as Lion {
        learning_rate: optax = None,
        /// Rate β₁ of the interpolation between the momentum and the gradient whose sign is the update.
        b1: f64 = 0.9,
        /// Decay rate β₂ of the momentum.
        b2: f64 = 0.99,
        /// optax's dtype of the first moment. Default null (float32, also "float32"); others are not supported yet.
        mu_dtype: Float32State = Float32State,
        /// Weight decay λ: λθ is added to the update (and scaled by the learning rate).
        weight_decay: f64 = 0.001,
        /// optax's mask of the tensors weight decay applies to. Default null (all); masks are not supported yet:
        /// give the others a param group with weight_decay 0.
        mask: NotYet = NotYet,
    }
}

/// The momentum `mu` of `scale_by_lion`.
pub struct State {
    mu: Vec<f32>,
}

persist!(State { mu });

impl TensorRule for Lion {
    const NAME: &'static str = "lion";
    type Options = Config;
    type Config = Config;
    type State = State;

    fn config(config: Config) -> Result<Config, OptimError> {
        check_beta_list(&[config.b1, config.b2])?;
        non_negative(config.weight_decay, "Invalid weight_decay value")?;
        Ok(config)
    }
    lr_field!(learning_rate);
    fn init(_c: &Config, shape: &[usize]) -> Result<State, OptimError> {
        Ok(State { mu: vec![0.0; shape.iter().product()] })
    }
    fn update(c: &Config, s: &mut State, param: &mut [f32], grad: &[f32], _shape: &[usize]) {
        let (b1, one_minus_b1) = (c.b1 as f32, (1.0 - c.b1) as f32);
        let (b2, one_minus_b2) = (c.b2 as f32, (1.0 - c.b2) as f32);
        let (weight_decay, neg_lr) = (c.weight_decay as f32, -c.learning_rate as f32);
        for ((p, &g), m) in param.iter_mut().zip(grad).zip(s.mu.iter_mut()) {
            let direction = sign(one_minus_b1 * g + b1 * *m);
            // optax skips add_decayed_weights when weight_decay is exactly 0.
            let update = if c.weight_decay == 0.0 { direction } else { direction + weight_decay * *p };
            *m = one_minus_b2 * g + b2 * *m;
            *p += neg_lr * update;
        }
    }
}
