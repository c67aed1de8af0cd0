//! LAMB: m, v as Adam;  u ← m̂/(√(v̂ + ε_root) + ε) + λθ;  θ ← θ − γ·(‖θ‖/‖u‖)·u (ratio 1 if a norm is 0).
//! Source: optax.lamb = scale_by_adam → add_decayed_weights → scale_by_trust_ratio → scale_by_learning_rate (0.2.8).
use super::{
    check_beta_list, l2_norm, lr_field, non_negative, optax_bias_correction, optax_learning_rate, persist, OptimError,
    Options, TensorRule,
};

pub struct Lamb;

#[derive(Clone, Debug)]
pub struct Config {
    pub learning_rate: f64,
    pub b1: f64,
    pub b2: f64,
    pub eps: f64,
    pub eps_root: f64,
    pub weight_decay: f64,
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
    const OPTIONS: &'static [&'static str] = &["learning_rate", "lr", "b1", "b2", "eps", "eps_root", "weight_decay"];
    type Config = Config;
    type State = State;

    fn config(o: &Options) -> Result<Config, OptimError> {
        let config = Config {
            learning_rate: optax_learning_rate(o, None)?,
            b1: o.num("b1", 0.9)?,
            b2: o.num("b2", 0.999)?,
            eps: o.num("eps", 1e-6)?,
            eps_root: o.num("eps_root", 0.0)?,
            weight_decay: o.num("weight_decay", 0.0)?,
        };
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
