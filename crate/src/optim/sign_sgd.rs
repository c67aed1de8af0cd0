//! signSGD: θ ← θ − γ·sign(g) (sign 0 at g = 0).
//! Source: optax.sign_sgd = scale_by_sign → scale_by_learning_rate (optax 0.2.8).
use super::{optax_learning_rate, sign, BlobReader, OptimError, Options, Persist, TensorRule};

pub struct SignSgd;

#[derive(Clone, Debug)]
pub struct Config {
    pub learning_rate: f64,
}

/// signSGD keeps no state.
pub struct State;

impl Persist for State {
    fn save(&self, _out: &mut Vec<u8>) {}
    fn load(&mut self, _input: &mut BlobReader<'_>) -> Result<(), OptimError> {
        Ok(())
    }
}

impl TensorRule for SignSgd {
    const NAME: &'static str = "sign_sgd";
    const OPTIONS: &'static [&'static str] = &["learning_rate", "lr"];
    type Config = Config;
    type State = State;

    fn config(o: &Options) -> Result<Config, OptimError> {
        Ok(Config { learning_rate: optax_learning_rate(o, None)? })
    }
    fn lr(c: &Config) -> f64 {
        c.learning_rate
    }
    fn set_lr(c: &mut Config, lr: f64) {
        c.learning_rate = lr;
    }
    fn init(_c: &Config, _shape: &[usize]) -> Result<State, OptimError> {
        Ok(State)
    }
    fn update(c: &Config, _s: &mut State, param: &mut [f32], grad: &[f32], _shape: &[usize]) {
        let neg_lr = -c.learning_rate as f32;
        for (p, &g) in param.iter_mut().zip(grad) {
            *p += neg_lr * sign(g);
        }
    }
}
