//! signSGD: θ ← θ − γ·sign(g) (sign 0 at g = 0).
//! Source: optax.sign_sgd = scale_by_sign → scale_by_learning_rate (optax 0.2.8).
use super::{lr_field, optax_learning_rate, sign, OptimError, Options, TensorRule};

pub struct SignSgd;

#[derive(Clone, Debug)]
pub struct Config {
    pub learning_rate: f64,
}

impl TensorRule for SignSgd {
    const NAME: &'static str = "sign_sgd";
    const OPTIONS: &'static [&'static str] = &["learning_rate", "lr"];
    type Config = Config;
    /// Stateless.
    type State = ();

    fn config(o: &Options) -> Result<Config, OptimError> {
        Ok(Config { learning_rate: optax_learning_rate(o, None)? })
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
