//! NAdam: μₜ = β₁(1 − ½·0.96^(tψ));  m ← lerp(m, g, 1−β₁);  v ← β₂v + (1−β₂)g²;  d = √(v/(1−β₂ᵗ)) + ε;
//! θ ← θ − γ(1−μₜ)/(1−Πμ) · g/d − γμₜ₊₁/(1−Πμ·μₜ₊₁) · m/d.  Source: `_single_tensor_nadam` (torch 2.13).
use super::{
    check_adam_options, lerp, lr_field, non_negative, options, put_f32s, put_u64, BlobReader, OptimError, Persist,
    TensorRule,
};

pub struct NAdam;

options! {
    /// Options of torch.optim.NAdam: Adam with Nesterov momentum.
    pub struct Config as NAdam {
        /// Learning rate γ.
        lr: f64 = 0.002,
        /// Coefficients (β₁, β₂) of the running averages of the gradient and of its square.
        betas: (f64, f64) = (0.9, 0.999),
        /// Term added to the denominator for numerical stability.
        eps: f64 = 1e-8,
        /// Weight decay λ (L2 penalty): λθ is added to the gradient.
        weight_decay: f64 = 0.0,
        /// Momentum decay ψ of μₜ = β₁(1 − ½·0.96^(tψ)).
        momentum_decay: f64 = 0.004,
        /// Decay the weights directly, θ ← θ(1 − γλ) (AdamW-style), instead of adding λθ to the gradient.
        decoupled_weight_decay: bool = false,
        /// Maximize the objective instead of minimizing it (the gradient's sign is flipped).
        maximize: bool = false,
    }
}

/// `exp_avg`, `exp_avg_sq`, the step count and `mu_product` (a float32 tensor in torch, f32 here).
pub struct State {
    step: u64,
    mu_product: f32,
    exp_avg: Vec<f32>,
    exp_avg_sq: Vec<f32>,
}

impl Persist for State {
    fn save(&self, out: &mut Vec<u8>) {
        put_u64(out, self.step);
        put_u64(out, self.mu_product.to_bits() as u64);
        put_f32s(out, &self.exp_avg);
        put_f32s(out, &self.exp_avg_sq);
    }
    fn load(&mut self, input: &mut BlobReader<'_>) -> Result<(), OptimError> {
        self.step = input.u64()?;
        self.mu_product = f32::from_bits(input.u64()? as u32);
        input.f32s_into(&mut self.exp_avg)?;
        input.f32s_into(&mut self.exp_avg_sq)
    }
}

impl TensorRule for NAdam {
    const NAME: &'static str = "nadam";
    type Options = Config;
    type Config = Config;
    type State = State;

    fn config(config: Config) -> Result<Config, OptimError> {
        check_adam_options(config.lr, config.eps, config.betas, config.weight_decay)?;
        non_negative(config.momentum_decay, "Invalid momentum_decay value")?;
        Ok(config)
    }
    lr_field!(lr);
    fn set_momentum(c: &mut Config, momentum: f64) -> bool {
        c.betas.0 = momentum;
        true
    }
    fn init(_c: &Config, shape: &[usize]) -> Result<State, OptimError> {
        let len = shape.iter().product();
        Ok(State { step: 0, mu_product: 1.0, exp_avg: vec![0.0; len], exp_avg_sq: vec![0.0; len] })
    }

    fn update(c: &Config, s: &mut State, param: &mut [f32], grad: &[f32], _shape: &[usize]) {
        s.step += 1;
        let (beta1, beta2) = c.betas;
        let t = s.step as f64;
        let bias_correction2 = (1.0 - beta2.powf(t)) as f32;
        let mu = beta1 * (1.0 - 0.5 * 0.96f64.powf(t * c.momentum_decay));
        let mu_next = beta1 * (1.0 - 0.5 * 0.96f64.powf((t + 1.0) * c.momentum_decay));
        s.mu_product *= mu as f32;
        let mu_product = s.mu_product as f64;
        let grad_value = (-c.lr * (1.0 - mu) / (1.0 - mu_product)) as f32;
        let avg_value = ((-c.lr * mu_next) / (1.0 - mu_product * mu_next)) as f32;
        let (wd, eps, decay) = (c.weight_decay as f32, c.eps as f32, (1.0 - c.lr * c.weight_decay) as f32);
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
            let denom = (*v / bias_correction2).sqrt() + eps;
            *p += grad_value * g / denom;
            *p += avg_value * *m / denom;
        }
    }
}
