//! SGD: g ← ±∇ + λθ;  b ← μb + (1−τ)g (b ← g at the first step);  g ← g + μb if nesterov else b;  θ ← θ − γg.
//! Source: torch.optim.SGD, `_single_tensor_sgd` (torch 2.13).
use super::{lr_field, non_negative, options, BlobReader, OptimError, Persist, TensorRule};

pub struct Sgd;

options! {
    /// Options of torch.optim.SGD: stochastic gradient descent, with optional (Nesterov) momentum.
    pub struct Config as Sgd {
        /// Learning rate γ.
        lr: f64 = 0.001,
        /// Momentum factor μ.
        momentum: f64 = 0.0,
        /// Dampening τ of the momentum: the buffer adds (1 − τ)·g.
        dampening: f64 = 0.0,
        /// Weight decay λ (L2 penalty): λθ is added to the gradient.
        weight_decay: f64 = 0.0,
        /// Use Nesterov momentum (needs momentum > 0 and dampening 0).
        nesterov: bool = false,
        /// Maximize the objective instead of minimizing it (the gradient's sign is flipped).
        maximize: bool = false,
    }
}

/// torch's `momentum_buffer`, absent (here: `started == false`) until the first step. Allocated at
/// construction when momentum is set, else at the first step with momentum (a schedule may turn it on).
pub struct State {
    buffer: Vec<f32>,
    started: bool,
    numel: usize,
}

impl Persist for State {
    fn save(&self, out: &mut Vec<u8>) {
        super::put_u64(out, self.started as u64);
        super::put_f32s(out, &self.buffer);
    }
    fn load(&mut self, input: &mut BlobReader<'_>) -> Result<(), OptimError> {
        self.started = input.u64()? != 0;
        // The saved buffer is empty or full size, whichever this state's is.
        self.buffer = input.optional_f32s(self.numel)?;
        Ok(())
    }
}

impl TensorRule for Sgd {
    const NAME: &'static str = "sgd";
    type Options = Config;
    type Config = Config;
    type State = State;

    fn config(config: Config) -> Result<Config, OptimError> {
        non_negative(config.lr, "Invalid learning rate")?;
        non_negative(config.momentum, "Invalid momentum value")?;
        non_negative(config.weight_decay, "Invalid weight_decay value")?;
        if config.nesterov && (config.momentum <= 0.0 || config.dampening != 0.0) {
            return Err(OptimError::Invalid("Nesterov momentum requires a momentum and zero dampening".into()));
        }
        Ok(config)
    }
    lr_field!(lr);
    fn set_momentum(c: &mut Config, momentum: f64) -> bool {
        c.momentum = momentum;
        true
    }
    fn init(c: &Config, shape: &[usize]) -> Result<State, OptimError> {
        let numel = shape.iter().product();
        Ok(State { buffer: vec![0.0; if c.momentum != 0.0 { numel } else { 0 }], started: false, numel })
    }

    fn update(c: &Config, s: &mut State, param: &mut [f32], grad: &[f32], _shape: &[usize]) {
        let (alpha, wd, mu) = (-c.lr as f32, c.weight_decay as f32, c.momentum as f32);
        let keep = (1.0 - c.dampening) as f32;
        let sign = if c.maximize { -1.0f32 } else { 1.0 };
        if c.momentum == 0.0 {
            for (p, &g) in param.iter_mut().zip(grad) {
                let g = if wd != 0.0 { sign * g + wd * *p } else { sign * g };
                *p += alpha * g;
            }
            return;
        }
        if s.buffer.len() != param.len() {
            s.buffer.resize(param.len(), 0.0);
        }
        let started = s.started;
        for ((p, &g), b) in param.iter_mut().zip(grad).zip(s.buffer.iter_mut()) {
            let g = if wd != 0.0 { sign * g + wd * *p } else { sign * g };
            *b = if started { *b * mu + keep * g } else { g };
            let direction = if c.nesterov { g + mu * *b } else { *b };
            *p += alpha * direction;
        }
        s.started = true;
    }
}

#[cfg(test)]
mod tests {
    use crate::optim::{create, js_number};
    use serde_json::json;

    #[test]
    fn nesterov_without_momentum_is_refused_with_torch_wording() {
        let err = create("sgd", &json!({"nesterov": true}), &[vec![2]]).err().unwrap();
        assert_eq!(err.to_string(), "Nesterov momentum requires a momentum and zero dampening");
        let err = create("sgd", &json!({"lr": -1.0}), &[vec![2]]).err().unwrap();
        assert_eq!(err.to_string(), format!("Invalid learning rate: {}", js_number(-1.0)));
    }
}
