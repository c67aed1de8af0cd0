//! Adamax: g ← ±∇ + λθ;  m ← lerp(m, g, 1−β₁);  u ← max(β₂u, |g| + ε);  θ ← θ − (γ / (1−β₁ᵗ)) · m / u.
//! Source: torch.optim.Adamax, `_single_tensor_adamax` (torch 2.13).
use super::{check_adam_options, lerp, lr_field, maximum, options, persist, OptimError, TensorRule};

pub struct Adamax;

options! {
    /// Options of torch.optim.Adamax: Adam with the infinity norm.
    pub struct Config as Adamax {
        /// Learning rate γ.
        lr: f64 = 0.002,
        /// Coefficients (β₁, β₂) of the gradient's running average and of the decay of the infinity norm.
        betas: (f64, f64) = (0.9, 0.999),
        /// Term added to the denominator for numerical stability.
        eps: f64 = 1e-8,
        /// Weight decay λ (L2 penalty): λθ is added to the gradient.
        weight_decay: f64 = 0.0,
        /// Maximize the objective instead of minimizing it (the gradient's sign is flipped).
        maximize: bool = false,
    }
}

/// `exp_avg` (m), `exp_inf` (u), the step count.
pub struct State {
    step: u64,
    exp_avg: Vec<f32>,
    exp_inf: Vec<f32>,
}

persist!(State { step, exp_avg, exp_inf });

impl TensorRule for Adamax {
    const NAME: &'static str = "adamax";
    type Options = Config;
    type Config = Config;
    type State = State;

    fn config(config: Config) -> Result<Config, OptimError> {
        check_adam_options(config.lr, config.eps, config.betas, config.weight_decay)?;
        Ok(config)
    }
    lr_field!(lr);
    fn set_momentum(c: &mut Config, momentum: f64) -> bool {
        c.betas.0 = momentum;
        true
    }
    fn init(_c: &Config, shape: &[usize]) -> Result<State, OptimError> {
        let len = shape.iter().product();
        Ok(State { step: 0, exp_avg: vec![0.0; len], exp_inf: vec![0.0; len] })
    }

    fn update(c: &Config, s: &mut State, param: &mut [f32], grad: &[f32], _shape: &[usize]) {
        s.step += 1;
        let clr = c.lr / (1.0 - c.betas.0.powf(s.step as f64));
        let (value, wd, eps) = (-clr as f32, c.weight_decay as f32, c.eps as f32);
        let (one_minus_beta1, beta2) = ((1.0 - c.betas.0) as f32, c.betas.1 as f32);
        let sign = if c.maximize { -1.0f32 } else { 1.0 };
        let moments = s.exp_avg.iter_mut().zip(s.exp_inf.iter_mut());
        for ((p, &g), (m, u)) in param.iter_mut().zip(grad).zip(moments) {
            let g = if wd != 0.0 { sign * g + wd * *p } else { sign * g };
            *m = lerp(*m, g, one_minus_beta1);
            *u = maximum(*u * beta2, g.abs() + eps);
            *p += value * *m / *u;
        }
    }
}
