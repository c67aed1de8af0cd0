//! Adagrad: g ← ±∇ + λθ;  γ̃ ← γ / (1 + (t−1)η);  s ← s + g²;  θ ← θ − γ̃ · g / (√s + ε).
//! Source: torch.optim.Adagrad, `_single_tensor_adagrad` (torch 2.13).
use super::{lr_field, non_negative, options, persist, OptimError, TensorRule};

pub struct Adagrad;

options! {
    /// Options of torch.optim.Adagrad: per-element steps scaled by the root of the sum of squared gradients.
    pub struct Config as Adagrad {
        /// Learning rate γ.
        lr: f64 = 0.01,
        /// Learning-rate decay η: step t uses γ / (1 + (t − 1)η).
        lr_decay: f64 = 0.0,
        /// Weight decay λ (L2 penalty): λθ is added to the gradient.
        weight_decay: f64 = 0.0,
        /// Starting value of the sum of squared gradients.
        initial_accumulator_value: f64 = 0.0,
        /// Term added to the denominator for numerical stability.
        eps: f64 = 1e-10,
        /// Maximize the objective instead of minimizing it (the gradient's sign is flipped).
        maximize: bool = false,
    }
}

pub struct State {
    step: u64,
    sum: Vec<f32>,
}

persist!(State { step, sum });

impl TensorRule for Adagrad {
    const NAME: &'static str = "adagrad";
    type Options = Config;
    type Config = Config;
    type State = State;

    fn config(config: Config) -> Result<Config, OptimError> {
        non_negative(config.lr, "Invalid learning rate")?;
        non_negative(config.lr_decay, "Invalid lr_decay value")?;
        non_negative(config.weight_decay, "Invalid weight_decay value")?;
        non_negative(config.initial_accumulator_value, "Invalid initial_accumulator_value value")?;
        non_negative(config.eps, "Invalid epsilon value")?;
        Ok(config)
    }
    lr_field!(lr);
    fn init(c: &Config, shape: &[usize]) -> Result<State, OptimError> {
        Ok(State { step: 0, sum: vec![c.initial_accumulator_value as f32; shape.iter().product()] })
    }

    fn update(c: &Config, s: &mut State, param: &mut [f32], grad: &[f32], _shape: &[usize]) {
        s.step += 1;
        let clr = c.lr / (1.0 + (s.step - 1) as f64 * c.lr_decay);
        let (value, wd, eps) = (-clr as f32, c.weight_decay as f32, c.eps as f32);
        let sign = if c.maximize { -1.0f32 } else { 1.0 };
        for ((p, &g), sum) in param.iter_mut().zip(grad).zip(s.sum.iter_mut()) {
            let g = if wd != 0.0 { sign * g + wd * *p } else { sign * g };
            *sum += g * g;
            *p += value * g / (sum.sqrt() + eps);
        }
    }
}
