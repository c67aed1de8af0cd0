//! ASGD: g ← ±∇ + λ_wd·θ;  θ ← θ(1 − λη) − ηg;  ax ← ax + μ(θ − ax) (ax ← θ while μ = 1);
//! η ← γ / (1 + λγt)^α;  μ ← 1 / max(1, t − t₀).  Source: torch.optim.ASGD, `_single_tensor_asgd` (torch 2.13).
use super::{lr_field, non_negative, options, put_f32s, put_f64, put_u64, BlobReader, OptimError, Persist, TensorRule};

pub struct Asgd;

options! {
    /// Options of torch.optim.ASGD: averaged stochastic gradient descent.
    pub struct Config as Asgd {
        /// Learning rate γ.
        lr: f64 = 0.01,
        /// Decay term λ of the step size.
        lambd: f64 = 1e-4,
        /// Power α of the step-size decay η = γ / (1 + λγt)^α.
        alpha: f64 = 0.75,
        /// Step at which averaging starts.
        t0: f64 = 1000000.0,
        /// Weight decay λ (L2 penalty): λθ is added to the gradient.
        weight_decay: f64 = 0.0,
        /// Maximize the objective instead of minimizing it (the gradient's sign is flipped).
        maximize: bool = false,
    }
}

/// torch's per-tensor `step`, `eta` and `mu` (float32 scalars) and the average `ax`.
/// `eta` starts at the group's lr of the first step, as torch creates the state lazily.
pub struct State {
    step: u64,
    eta: f32,
    mu: f32,
    ax: Vec<f32>,
}

impl Persist for State {
    fn save(&self, out: &mut Vec<u8>) {
        put_u64(out, self.step);
        put_f64(out, self.eta as f64);
        put_f64(out, self.mu as f64);
        put_f32s(out, &self.ax);
    }
    fn load(&mut self, input: &mut BlobReader<'_>) -> Result<(), OptimError> {
        self.step = input.u64()?;
        self.eta = input.f64()? as f32;
        self.mu = input.f64()? as f32;
        input.f32s_into(&mut self.ax)
    }
}

impl TensorRule for Asgd {
    const NAME: &'static str = "asgd";
    type Options = Config;
    type Config = Config;
    type State = State;

    /// torch checks only lr and weight_decay; any lambd, alpha and t0 are accepted.
    fn config(config: Config) -> Result<Config, OptimError> {
        non_negative(config.lr, "Invalid learning rate")?;
        non_negative(config.weight_decay, "Invalid weight_decay value")?;
        Ok(config)
    }
    lr_field!(lr);
    fn init(_c: &Config, shape: &[usize]) -> Result<State, OptimError> {
        Ok(State { step: 0, eta: 0.0, mu: 1.0, ax: vec![0.0; shape.iter().product()] })
    }

    fn update(c: &Config, s: &mut State, param: &mut [f32], grad: &[f32], _shape: &[usize]) {
        if s.step == 0 {
            s.eta = c.lr as f32;
        }
        s.step += 1;
        let eta = s.eta as f64;
        let decay = (1.0 - c.lambd * eta) as f32;
        let neg_eta = (-eta) as f32;
        let (wd, mu, averaging) = (c.weight_decay as f32, s.mu, s.mu != 1.0);
        let sign = if c.maximize { -1.0f32 } else { 1.0 };
        for ((p, &g), ax) in param.iter_mut().zip(grad).zip(s.ax.iter_mut()) {
            let g = if wd != 0.0 { sign * g + wd * *p } else { sign * g };
            *p *= decay;
            *p += neg_eta * g;
            *ax = if averaging { *ax + (*p - *ax) * mu } else { *p };
        }
        let step = s.step as f64;
        s.eta = (c.lr / (1.0 + c.lambd * c.lr * step).powf(c.alpha)) as f32;
        s.mu = (1.0 / f64::max(1.0, step - c.t0)) as f32;
    }
}
