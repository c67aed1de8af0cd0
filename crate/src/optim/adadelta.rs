//! Adadelta: g ← ±∇ + λθ;  v ← ρv + (1−ρ)g²;  Δ ← √(u+ε)/√(v+ε) · g;  u ← ρu + (1−ρ)Δ²;  θ ← θ − γΔ.
//! Source: torch.optim.Adadelta, `_single_tensor_adadelta` (torch 2.13).
use super::{js_number, lr_field, non_negative, persist, OptimError, Options, TensorRule};

pub struct Adadelta;

#[derive(Clone, Debug)]
pub struct Config {
    pub lr: f64,
    pub rho: f64,
    pub eps: f64,
    pub weight_decay: f64,
    pub maximize: bool,
}

impl Config {
    pub fn new(config: Config) -> Result<Config, OptimError> {
        non_negative(config.lr, "Invalid learning rate")?;
        if !(0.0 <= config.rho && config.rho <= 1.0) {
            return Err(OptimError::Invalid(format!("Invalid rho value: {}", js_number(config.rho))));
        }
        non_negative(config.eps, "Invalid epsilon value")?;
        non_negative(config.weight_decay, "Invalid weight_decay value")?;
        Ok(config)
    }
}

impl Default for Config {
    fn default() -> Self {
        Config { lr: 1.0, rho: 0.9, eps: 1e-6, weight_decay: 0.0, maximize: false }
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
    const OPTIONS: &'static [&'static str] = &["lr", "rho", "eps", "weight_decay", "maximize"];
    type Config = Config;
    type State = State;

    fn config(o: &Options) -> Result<Config, OptimError> {
        let d = Config::default();
        Config::new(Config {
            lr: o.num("lr", d.lr)?,
            rho: o.num("rho", d.rho)?,
            eps: o.num("eps", d.eps)?,
            weight_decay: o.num("weight_decay", d.weight_decay)?,
            maximize: o.flag("maximize", d.maximize)?,
        })
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
