//! ASGD: g ← ±∇ + λ_wd·θ;  θ ← θ(1 − λη) − ηg;  ax ← ax + μ(θ − ax) (ax ← θ while μ = 1);
//! η ← γ / (1 + λγt)^α;  μ ← 1 / max(1, t − t₀).  Source: torch.optim.ASGD, `_single_tensor_asgd` (torch 2.13).
use super::{lr_field, non_negative, put_f32s, put_f64, put_u64, BlobReader, OptimError, Options, Persist, TensorRule};

pub struct Asgd;

#[derive(Clone, Debug)]
pub struct Config {
    pub lr: f64,
    pub lambd: f64,
    pub alpha: f64,
    pub t0: f64,
    pub weight_decay: f64,
    pub maximize: bool,
}

impl Config {
    /// torch checks only lr and weight_decay; any lambd, alpha and t0 are accepted.
    pub fn new(config: Config) -> Result<Config, OptimError> {
        non_negative(config.lr, "Invalid learning rate")?;
        non_negative(config.weight_decay, "Invalid weight_decay value")?;
        Ok(config)
    }
}

impl Default for Config {
    fn default() -> Self {
        Config { lr: 1e-2, lambd: 1e-4, alpha: 0.75, t0: 1e6, weight_decay: 0.0, maximize: false }
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
    const OPTIONS: &'static [&'static str] = &["lr", "lambd", "alpha", "t0", "weight_decay", "maximize"];
    type Config = Config;
    type State = State;

    fn config(o: &Options) -> Result<Config, OptimError> {
        let d = Config::default();
        Config::new(Config {
            lr: o.num("lr", d.lr)?,
            lambd: o.num("lambd", d.lambd)?,
            alpha: o.num("alpha", d.alpha)?,
            t0: o.num("t0", d.t0)?,
            weight_decay: o.num("weight_decay", d.weight_decay)?,
            maximize: o.flag("maximize", d.maximize)?,
        })
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
