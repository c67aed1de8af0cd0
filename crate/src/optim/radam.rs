//! RAdam: m ← lerp(m, g, 1−β₁);  v ← β₂v + (1−β₂)g²;  ρₜ = ρ∞ − 2tβ₂ᵗ/(1−β₂ᵗ);  m̂ = m/(1−β₁ᵗ);
//! θ ← θ − γ m̂ · √(1−β₂ᵗ)/(√v + ε) · r(ρₜ) if ρₜ > 5, else θ ← θ − γ m̂.  Source: `_single_tensor_radam` (torch 2.13).
use super::{check_adam_options, lerp, lr_field, options, persist, OptimError, TensorRule};

pub struct RAdam;

options! {
    /// Options of torch.optim.RAdam: Adam with the variance of the adaptive step rectified.
    pub struct Config as RAdam {
        /// Learning rate γ.
        lr: f64 = 0.001,
        /// Coefficients (β₁, β₂) of the running averages of the gradient and of its square.
        betas: (f64, f64) = (0.9, 0.999),
        /// Term added to the denominator for numerical stability.
        eps: f64 = 1e-8,
        /// Weight decay λ (L2 penalty): λθ is added to the gradient.
        weight_decay: f64 = 0.0,
        /// Decay the weights directly, θ ← θ(1 − γλ) (AdamW-style), instead of adding λθ to the gradient.
        decoupled_weight_decay: bool = false,
        /// Maximize the objective instead of minimizing it (the gradient's sign is flipped).
        maximize: bool = false,
    }
}

pub struct State {
    step: u64,
    exp_avg: Vec<f32>,
    exp_avg_sq: Vec<f32>,
}

persist!(State { step, exp_avg, exp_avg_sq });

impl TensorRule for RAdam {
    const NAME: &'static str = "radam";
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
        Ok(State { step: 0, exp_avg: vec![0.0; len], exp_avg_sq: vec![0.0; len] })
    }

    fn update(c: &Config, s: &mut State, param: &mut [f32], grad: &[f32], _shape: &[usize]) {
        s.step += 1;
        let (beta1, beta2) = c.betas;
        let t = s.step as f64;
        let bias_correction1 = (1.0 - beta1.powf(t)) as f32;
        let bias_correction2 = 1.0 - beta2.powf(t);
        let rho_inf = 2.0 / (1.0 - beta2) - 1.0;
        let rho_t = rho_inf - 2.0 * t * beta2.powf(t) / bias_correction2;
        // Below ρ = 5 the variance of the adaptive lr is intractable: plain momentum SGD.
        let rectified = rho_t > 5.0;
        let rect =
            (((rho_t - 4.0) * (rho_t - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t)).powf(0.5)) as f32;
        let bias_correction2_sqrt = bias_correction2.powf(0.5) as f32;
        let (lr, wd, eps, decay) =
            (c.lr as f32, c.weight_decay as f32, c.eps as f32, (1.0 - c.lr * c.weight_decay) as f32);
        let (one_minus_beta1, beta2_f, one_minus_beta2) = ((1.0 - beta1) as f32, beta2 as f32, (1.0 - beta2) as f32);
        let sign = if c.maximize { -1.0f32 } else { 1.0 };
        let (coupled, decoupled) = (wd != 0.0 && !c.decoupled_weight_decay, wd != 0.0 && c.decoupled_weight_decay);
        let moments = s.exp_avg.iter_mut().zip(s.exp_avg_sq.iter_mut());
        for ((p, &g), (m, v)) in param.iter_mut().zip(grad).zip(moments) {
            if decoupled {
                *p *= decay;
            }
            let g = if coupled { sign * g + wd * *p } else { sign * g };
            *m = lerp(*m, g, one_minus_beta1);
            *v = *v * beta2_f + one_minus_beta2 * g * g;
            let corrected = *m / bias_correction1 * lr;
            let delta =
                if rectified { corrected * (bias_correction2_sqrt / (v.sqrt() + eps)) * rect } else { corrected };
            *p += -delta;
        }
    }
}
