//! Adagrad: g ← ±∇ + λθ;  γ̃ ← γ / (1 + (t−1)η);  s ← s + g²;  θ ← θ − γ̃ · g / (√s + ε).
//! Source: torch.optim.Adagrad, `_single_tensor_adagrad` (torch 2.13).
use super::{lr_field, non_negative, persist, OptimError, Options, TensorRule};

pub struct Adagrad;

#[derive(Clone, Debug)]
pub struct Config {
    pub lr: f64,
    pub lr_decay: f64,
    pub weight_decay: f64,
    pub initial_accumulator_value: f64,
    pub eps: f64,
    pub maximize: bool,
}

impl Config {
    pub fn new(config: Config) -> Result<Config, OptimError> {
        non_negative(config.lr, "Invalid learning rate")?;
        non_negative(config.lr_decay, "Invalid lr_decay value")?;
        non_negative(config.weight_decay, "Invalid weight_decay value")?;
        non_negative(config.initial_accumulator_value, "Invalid initial_accumulator_value value")?;
        non_negative(config.eps, "Invalid epsilon value")?;
        Ok(config)
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            lr: 1e-2,
            lr_decay: 0.0,
            weight_decay: 0.0,
            initial_accumulator_value: 0.0,
            eps: 1e-10,
            maximize: false,
        }
    }
}

pub struct State {
    step: u64,
    sum: Vec<f32>,
}

persist!(State { step, sum });

impl TensorRule for Adagrad {
    const NAME: &'static str = "adagrad";
    const OPTIONS: &'static [&'static str] =
        &["lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps", "maximize"];
    type Config = Config;
    type State = State;

    fn config(o: &Options) -> Result<Config, OptimError> {
        let d = Config::default();
        Config::new(Config {
            lr: o.num("lr", d.lr)?,
            lr_decay: o.num("lr_decay", d.lr_decay)?,
            weight_decay: o.num("weight_decay", d.weight_decay)?,
            initial_accumulator_value: o.num("initial_accumulator_value", d.initial_accumulator_value)?,
            eps: o.num("eps", d.eps)?,
            maximize: o.flag("maximize", d.maximize)?,
        })
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
