//! Adadelta: g ← ±∇ + λθ;  v ← ρv + (1−ρ)g²;  Δ ← √(u+ε)/√(v+ε) · g;  u ← ρu + (1−ρ)Δ²;  θ ← θ − γΔ.
//! Source: torch.optim.Adadelta, `_single_tensor_adadelta` (torch 2.13).
use super::{js_number, lr_field, non_negative, options, persist, OptimError, TensorRule};

pub struct Adadelta;

options! {
    /// Options of torch.optim.Adadelta: steps sized by running averages of squared gradients and squared updates.
    pub struct Config as Adadelta {
        /// Coefficient γ that scales the update before it is applied.
        lr: f64 = 1.0,
        /// Coefficient ρ of the running averages of squared gradients and of squared updates.
        rho: f64 = 0.9,
        /// Term added to the denominator for numerical stability.
        eps: f64 = 1e-6,
        /// Weight decay λ (L2 penalty): λθ is added to the gradient.
        weight_decay: f64 = 0.0,
        /// Maximize the objective instead of minimizing it (the gradient's sign is flipped).
        maximize: bool = false,
    }
}

/// torch's `square_avg` (v) and `acc_delta` (u).
pub struct State {
    square_avg: Vec<f32>,
    acc_delta: Vec<f32>,
}

persist!(State { square_avg, acc_delta });

impl TensorRule for Adadelta {
    const NAME: &'static str = "adadelta";
    type Options = Config;
    type Config = Config;
    type State = State;

    fn config(config: Config) -> Result<Config, OptimError> {
        non_negative(config.lr, "Invalid learning rate")?;
        if !(0.0 <= config.rho && config.rho <= 1.0) {
            return Err(OptimError::Invalid(format!("Invalid rho value: {}", js_number(config.rho))));
        }
        non_negative(config.eps, "Invalid epsilon value")?;
        non_negative(config.weight_decay, "Invalid weight_decay value")?;
        Ok(config)
    }
    lr_field!(lr);
    fn init(_c: &Config, shape: &[usize]) -> Result<State, OptimError> {
        let len = shape.iter().product();
        Ok(State { square_avg: vec![0.0; len], acc_delta: vec![0.0; len] })
    }

    fn update(c: &Config, s: &mut State, param: &mut [f32], grad: &[f32], _shape: &[usize]) {
        let (alpha, wd, rho, eps) = (-c.lr as f32, c.weight_decay as f32, c.rho as f32, c.eps as f32);
        let one_minus_rho = (1.0 - c.rho) as f32;
        let sign = if c.maximize { -1.0f32 } else { 1.0 };
        let moments = s.square_avg.iter_mut().zip(s.acc_delta.iter_mut());
        for ((p, &g), (v, u)) in param.iter_mut().zip(grad).zip(moments) {
            let g = if wd != 0.0 { sign * g + wd * *p } else { sign * g };
            *v = *v * rho + one_minus_rho * g * g;
            let std = (*v + eps).sqrt();
            let delta = (*u + eps).sqrt() / std * g;
            *u = *u * rho + one_minus_rho * delta * delta;
            *p += alpha * delta;
        }
    }
}
