//! Adan: d ← g − g₋₁ (0 at t=1); m, v, n ← EMAs of g, d, (g + (1−β₂)d)²;  θ ← θ − γ·[(m̂ + (1−β₂)v̂)/(√(n̂ + ε_root) + ε) + λθ].
//! Source: optax.adan = scale_by_adan → add_decayed_weights → scale_by_learning_rate (optax 0.2.8).
use super::{
    check_beta_list, lr_field, non_negative, optax_bias_correction, options, persist, NotYet, OptimError, TensorRule,
};

pub struct Adan;

options! {
    /// Options of optax.adan: adaptive Nesterov momentum from gradient differences.
    pub struct Config as Adan {
        learning_rate: optax = None,
        /// Exponential decay rate β₁ of the gradient's running average.
        b1: f64 = 0.98,
        /// Exponential decay rate β₂ of the running average of gradient differences.
        b2: f64 = 0.92,
        /// Exponential decay rate β₃ of the second moment.
        b3: f64 = 0.99,
        /// Term added to the denominator, outside the square root, for numerical stability.
        eps: f64 = 1e-8,
        /// Term added to the second moment inside the square root.
        eps_root: f64 = 1e-8,
        /// Weight decay λ: λθ is added to the update (and scaled by the learning rate).
        weight_decay: f64 = 0.0,
        /// optax's mask of the tensors weight decay applies to. Default null (all); masks are not supported yet:
        /// give the others a param group with weight_decay 0.
        mask: NotYet = NotYet,
    }
}

/// `scale_by_adan`'s step t, moments m, v, n and the previous gradient g.
pub struct State {
    t: u64,
    m: Vec<f32>,
    v: Vec<f32>,
    n: Vec<f32>,
    previous_grad: Vec<f32>,
}

persist!(State { t, m, v, n, previous_grad });

impl TensorRule for Adan {
    const NAME: &'static str = "adan";
    type Options = Config;
    type Config = Config;
    type State = State;

    fn config(config: Config) -> Result<Config, OptimError> {
        check_beta_list(&[config.b1, config.b2, config.b3])?;
        non_negative(config.eps, "Invalid epsilon value")?;
        non_negative(config.eps_root, "Invalid eps_root value")?;
        non_negative(config.weight_decay, "Invalid weight_decay value")?;
        Ok(config)
    }
    lr_field!(learning_rate);
    fn init(_c: &Config, shape: &[usize]) -> Result<State, OptimError> {
        let len = shape.iter().product();
        Ok(State { t: 0, m: vec![0.0; len], v: vec![0.0; len], n: vec![0.0; len], previous_grad: vec![0.0; len] })
    }
    fn update(c: &Config, s: &mut State, param: &mut [f32], grad: &[f32], _shape: &[usize]) {
        let first = s.t == 0;
        s.t += 1;
        let (b1, b2, b3) = (c.b1 as f32, c.b2 as f32, c.b3 as f32);
        let (one_minus_b1, one_minus_b2, one_minus_b3) =
            ((1.0 - c.b1) as f32, (1.0 - c.b2) as f32, (1.0 - c.b3) as f32);
        let corrections = [c.b1, c.b2, c.b3].map(|b| optax_bias_correction(b, s.t));
        let (eps, eps_root, weight_decay, neg_lr) =
            (c.eps as f32, c.eps_root as f32, c.weight_decay as f32, -c.learning_rate as f32);
        let moments = s.m.iter_mut().zip(s.v.iter_mut()).zip(s.n.iter_mut().zip(s.previous_grad.iter_mut()));
        for ((p, &g), ((m, v), (n, previous))) in param.iter_mut().zip(grad).zip(moments) {
            let diff = if first { 0.0 } else { g - *previous };
            *m = one_minus_b1 * g + b1 * *m;
            *v = one_minus_b2 * diff + b2 * *v;
            let sq = g + one_minus_b2 * diff;
            *n = one_minus_b3 * (sq * sq) + b3 * *n;
            *previous = g;
            let direction = (*m / corrections[0] + one_minus_b2 * (*v / corrections[1]))
                / ((*n / corrections[2] + eps_root).sqrt() + eps);
            // optax skips add_decayed_weights when weight_decay is exactly 0.
            let update = if c.weight_decay == 0.0 { direction } else { direction + weight_decay * *p };
            *p += neg_lr * update;
        }
    }
}
