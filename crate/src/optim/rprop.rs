//! Rprop: η_t ← clamp(η_{t−1}·(η₊ if g·g_prev > 0, η₋ if < 0, else 1), step_min, step_max);
//! g ← 0 where the sign flipped;  θ ← θ − sign(g)·η_t;  g_prev ← g.  Source: torch.optim.Rprop, `_single_tensor_rprop` (torch 2.13).
use super::{js_number, lr_field, non_negative, options, persist, sign, OptimError, TensorRule};

pub struct Rprop;

options! {
    /// Options of torch.optim.Rprop: resilient backpropagation, steps from the gradient's sign only.
    pub struct Config as Rprop {
        /// Initial step size of every element.
        lr: f64 = 0.01,
        /// Multiplicative decrease and increase factors (η₋, η₊) of the step size.
        etas: (f64, f64) = (0.5, 1.2),
        /// Smallest and largest allowed step sizes.
        step_sizes: (f64, f64) = (1e-6, 50.0),
        /// Maximize the objective instead of minimizing it (the gradient's sign is flipped).
        maximize: bool = false,
    }
}

/// torch's `prev` (the last gradient kept), per-element `step_size` (lr at the first step) and step count.
pub struct State {
    step: u64,
    prev: Vec<f32>,
    step_size: Vec<f32>,
}

persist!(State { step, prev, step_size });

/// torch.clamp: NaN stays NaN; with min > max every value becomes max.
fn clamp(x: f32, min: f32, max: f32) -> f32 {
    if x.is_nan() {
        x
    } else {
        x.max(min).min(max)
    }
}

impl TensorRule for Rprop {
    const NAME: &'static str = "rprop";
    type Options = Config;
    type Config = Config;
    type State = State;

    fn config(config: Config) -> Result<Config, OptimError> {
        non_negative(config.lr, "Invalid learning rate")?;
        let (minus, plus) = config.etas;
        if !(0.0 < minus && minus < 1.0 && 1.0 < plus) {
            return Err(OptimError::Invalid(format!("Invalid eta values: {}, {}", js_number(minus), js_number(plus))));
        }
        Ok(config)
    }
    lr_field!(lr);
    fn init(_c: &Config, shape: &[usize]) -> Result<State, OptimError> {
        let numel = shape.iter().product();
        Ok(State { step: 0, prev: vec![0.0; numel], step_size: vec![0.0; numel] })
    }

    fn update(c: &Config, s: &mut State, param: &mut [f32], grad: &[f32], _shape: &[usize]) {
        if s.step == 0 {
            s.step_size.fill(c.lr as f32);
        }
        s.step += 1;
        let (minus, plus) = (c.etas.0 as f32, c.etas.1 as f32);
        let (smallest, largest) = (c.step_sizes.0 as f32, c.step_sizes.1 as f32);
        let direction = if c.maximize { -1.0f32 } else { 1.0 };
        for (((p, &g), prev), size) in param.iter_mut().zip(grad).zip(s.prev.iter_mut()).zip(s.step_size.iter_mut()) {
            let g = direction * g;
            let agreement = sign(g * *prev);
            let factor = if agreement > 0.0 {
                plus
            } else if agreement < 0.0 {
                minus
            } else if agreement == 0.0 {
                1.0
            } else {
                agreement // NaN stays NaN, as in torch
            };
            *size = clamp(*size * factor, smallest, largest);
            // After a sign flip the step is skipped and the gradient forgotten.
            let g = if factor == minus { 0.0 } else { g };
            *p -= sign(g) * *size;
            *prev = g;
        }
    }
}
