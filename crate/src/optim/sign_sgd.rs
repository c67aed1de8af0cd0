//! signSGD: θ ← θ − γ·sign(g) (sign 0 at g = 0).
//! Source: optax.sign_sgd = scale_by_sign → scale_by_learning_rate (optax 0.2.8).
use super::{lr_field, options, sign, OptimError, TensorRule};

pub struct SignSgd;

options! {
    /// Options of optax.sign_sgd: θ ← θ − γ·sign(g).
    pub struct Config as SignSgd {
        learning_rate: optax = None,
    }
}

impl TensorRule for SignSgd {
    const NAME: &'static str = "sign_sgd";
    type Options = Config;
    type Config = Config;
    /// Stateless.
    type State = ();

    fn config(config: Config) -> Result<Config, OptimError> {
        Ok(config)
    }
    lr_field!(learning_rate);
    fn init(_c: &Config, _shape: &[usize]) -> Result<(), OptimError> {
        Ok(())
    }
    fn update(c: &Config, _s: &mut (), param: &mut [f32], grad: &[f32], _shape: &[usize]) {
        let neg_lr = -c.learning_rate as f32;
        for (p, &g) in param.iter_mut().zip(grad) {
            *p += neg_lr * sign(g);
        }
    }
}
