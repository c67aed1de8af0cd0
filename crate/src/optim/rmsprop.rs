//! RMSprop: g ← ±∇ + λθ;  v ← αv + (1−α)g²;  m̄ ← lerp(m̄, g, 1−α) if centered;  d ← √(v − m̄²) + ε;
//! b ← μb + g/d, θ ← θ − γb (momentum > 0) else θ ← θ − γ g/d.  Source: `_single_tensor_rmsprop` (torch 2.13).
use super::{lerp, non_negative, put_f32s, BlobReader, OptimError, Options, Persist, TensorRule};

pub struct RmsProp;

#[derive(Clone, Debug)]
pub struct Config {
    pub lr: f64,
    pub alpha: f64,
    pub eps: f64,
    pub weight_decay: f64,
    pub momentum: f64,
    pub centered: bool,
    pub maximize: bool,
}

impl Config {
    pub fn new(config: Config) -> Result<Config, OptimError> {
        non_negative(config.lr, "Invalid learning rate")?;
        non_negative(config.eps, "Invalid epsilon value")?;
        non_negative(config.momentum, "Invalid momentum value")?;
        non_negative(config.weight_decay, "Invalid weight_decay value")?;
        non_negative(config.alpha, "Invalid alpha value")?;
        Ok(config)
    }
}

impl Default for Config {
    fn default() -> Self {
        Config { lr: 1e-2, alpha: 0.99, eps: 1e-8, weight_decay: 0.0, momentum: 0.0, centered: false, maximize: false }
    }
}

/// `square_avg`, and (empty unless used) `grad_avg` for centered, `momentum_buffer` for momentum.
pub struct State {
    square_avg: Vec<f32>,
    grad_avg: Vec<f32>,
    momentum_buffer: Vec<f32>,
}

impl Persist for State {
    fn save(&self, out: &mut Vec<u8>) {
        put_f32s(out, &self.square_avg);
        put_f32s(out, &self.grad_avg);
        put_f32s(out, &self.momentum_buffer);
    }
    fn load(&mut self, input: &mut BlobReader<'_>) -> Result<(), OptimError> {
        input.f32s_into(&mut self.square_avg)?;
        input.f32s_into(&mut self.grad_avg)?;
        input.f32s_into(&mut self.momentum_buffer)
    }
}

impl TensorRule for RmsProp {
    const NAME: &'static str = "rmsprop";
    const OPTIONS: &'static [&'static str] =
        &["lr", "alpha", "eps", "weight_decay", "momentum", "centered", "maximize"];
    type Config = Config;
    type State = State;

    fn config(o: &Options) -> Result<Config, OptimError> {
        let d = Config::default();
        Config::new(Config {
            lr: o.num("lr", d.lr)?,
            alpha: o.num("alpha", d.alpha)?,
            eps: o.num("eps", d.eps)?,
            weight_decay: o.num("weight_decay", d.weight_decay)?,
            momentum: o.num("momentum", d.momentum)?,
            centered: o.flag("centered", d.centered)?,
            maximize: o.flag("maximize", d.maximize)?,
        })
    }
    fn lr(c: &Config) -> f64 {
        c.lr
    }
    fn set_lr(c: &mut Config, lr: f64) {
        c.lr = lr;
    }
    fn init(c: &Config, shape: &[usize]) -> Result<State, OptimError> {
        let len: usize = shape.iter().product();
        Ok(State {
            square_avg: vec![0.0; len],
            grad_avg: vec![0.0; if c.centered { len } else { 0 }],
            momentum_buffer: vec![0.0; if c.momentum > 0.0 { len } else { 0 }],
        })
    }

    fn update(c: &Config, s: &mut State, param: &mut [f32], grad: &[f32], _shape: &[usize]) {
        let (lr, wd, alpha, eps, mu) =
            (c.lr as f32, c.weight_decay as f32, c.alpha as f32, c.eps as f32, c.momentum as f32);
        let one_minus_alpha = (1.0 - c.alpha) as f32;
        let sign = if c.maximize { -1.0f32 } else { 1.0 };
        for i in 0..param.len() {
            let g = if wd != 0.0 { sign * grad[i] + wd * param[i] } else { sign * grad[i] };
            let v = s.square_avg[i] * alpha + one_minus_alpha * g * g;
            s.square_avg[i] = v;
            let avg = if c.centered {
                let m = lerp(s.grad_avg[i], g, one_minus_alpha);
                s.grad_avg[i] = m;
                (v + -1.0 * m * m).sqrt() + eps
            } else {
                v.sqrt() + eps
            };
            if c.momentum > 0.0 {
                let b = s.momentum_buffer[i] * mu + g / avg;
                s.momentum_buffer[i] = b;
                param[i] += -lr * b;
            } else {
                param[i] += -lr * g / avg;
            }
        }
    }
}
