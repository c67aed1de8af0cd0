//! AdamW: Adam with decoupled weight decay θ ← θ(1 − γλ) before the Adam step, λ = 0.01 by default.
//! Source: torch.optim.AdamW (torch 2.13: Adam with `decoupled_weight_decay=True`), `_single_tensor_adam`.
use super::adam::{self, Config, State};
use super::{lr_field, OptimError, Options, TensorRule};

pub struct AdamW;

impl TensorRule for AdamW {
    const NAME: &'static str = "adamw";
    const OPTIONS: &'static [&'static str] = &["lr", "betas", "eps", "weight_decay", "amsgrad", "maximize"];
    type Config = Config;
    type State = State;

    fn config(o: &Options) -> Result<Config, OptimError> {
        let defaults = Config { weight_decay: 1e-2, decoupled_weight_decay: true, ..Config::default() };
        Config::read(o, defaults)
    }
    lr_field!(lr);
    fn set_momentum(c: &mut Config, momentum: f64) -> bool {
        c.betas.0 = momentum;
        true
    }
    fn init(c: &Config, shape: &[usize]) -> Result<State, OptimError> {
        Ok(State::new(c, shape))
    }
    fn update(c: &Config, s: &mut State, param: &mut [f32], grad: &[f32], _shape: &[usize]) {
        adam::update(c, s, param, grad)
    }
}
