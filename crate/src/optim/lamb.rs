//! LAMB: m, v as Adam;  u ← m̂/(√(v̂ + ε_root) + ε) + λθ;  θ ← θ − γ·(‖θ‖/‖u‖)·u (ratio 1 if a norm is 0).
//! Source: optax.lamb = scale_by_adam → add_decayed_weights → scale_by_trust_ratio → scale_by_learning_rate (0.2.8).
use super::{
    check_beta_list, l2_norm, lr_field, non_negative, optax_bias_correction, options, persist, NotYet, OptimError,
    TensorRule,
};

pub struct Lamb;

options! {
    /// Options of optax.lamb: Adam with a layer-wise trust ratio ‖θ‖/‖u‖.
    pub struct Config as Lamb {
        learning_rate: optax = None,
        /// Exponential decay rate β₁ of the first moment (the gradient's running average).
        b1: f64 = 0.9,
        /// Exponential decay rate β₂ of the second moment (the squared gradient's running average).
        b2: f64 = 0.999,
        /// Term added to the denominator, outside the square root, for numerical stability.
        eps: f64 = 1e-6,
        /// Term added to the second moment inside the square root.
        eps_root: f64 = 0.0,
        /// Weight decay λ: λθ is added to the update before the trust ratio.
        weight_decay: f64 = 0.0,
        /// optax's mask of the tensors weight decay applies to. Default null (all); masks are not supported yet:
        /// give the others a param group with weight_decay 0.
        mask: NotYet = NotYet,
    }
}

/// `scale_by_adam`'s count, `mu` and `nu`.
pub struct State {
    count: u64,
    mu: Vec<f32>,
    nu: Vec<f32>,
}

persist!(State { count, mu, nu });

impl TensorRule for Lamb {
    const NAME: &'static str = "lamb";
    type Options = Config;
    type Config = Config;
    type State = State;

    fn config(config: Config) -> Result<Config, OptimError> {
        check_beta_list(&[config.b1, config.b2])?;
        non_negative(config.eps, "Invalid epsilon value")?;
        non_negative(config.eps_root, "Invalid eps_root value")?;
        non_negative(config.weight_decay, "Invalid weight_decay value")?;
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
        let (eps, eps_root, weight_decay) = (c.eps as f32, c.eps_root as f32, c.weight_decay as f32);
        // The Adam direction plus decay of one element, from the already updated moments.
        let direction = |m: f32, v: f32, p: f32| {
            let adam = (m / correction1) / ((v / correction2 + eps_root).sqrt() + eps);
            if c.weight_decay == 0.0 {
                adam
            } else {
                adam + weight_decay * p
            }
        };
        // First pass: moments and ‖u‖²; the trust ratio needs the whole tensor's norm before any step.
        let mut update_square_sum = 0.0f64;
        for ((&p, &g), (m, v)) in param.iter().zip(grad).zip(s.mu.iter_mut().zip(s.nu.iter_mut())) {
            *m = one_minus_b1 * g + b1 * *m;
            *v = one_minus_b2 * (g * g) + b2 * *v;
            let u = direction(*m, *v, p);
            update_square_sum += (u * u) as f64;
        }
        let (param_norm, update_norm) = (l2_norm(param), update_square_sum.sqrt() as f32);
        let trust_ratio = if param_norm == 0.0 || update_norm == 0.0 { 1.0 } else { param_norm / update_norm };
        let neg_lr = -c.learning_rate as f32;
        for ((p, &m), &v) in param.iter_mut().zip(&s.mu).zip(&s.nu) {
            *p += neg_lr * (direction(m, v, *p) * trust_ratio);
        }
    }
}
