//! AdamW: Adam with decoupled weight decay θ ← θ(1 − γλ) before the Adam step, λ = 0.01 by default.
//! Source: torch.optim.AdamW (torch 2.13: Adam with `decoupled_weight_decay=True`), `_single_tensor_adam`.
use super::adam::{self, Config, State};
use super::{check_adam_options, lr_field, options, OptimError, TensorRule};

pub struct AdamW;

options! {
    /// Options of torch.optim.AdamW: Adam with decoupled weight decay.
    pub struct Options as AdamW {
        /// Learning rate γ.
        lr: f64 = 1e-3,
        /// Coefficients (β₁, β₂) of the running averages of the gradient and of its square.
        betas: (f64, f64) = (0.9, 0.999),
        /// Term added to the denominator for numerical stability.
        eps: f64 = 1e-8,
        /// Decoupled weight decay λ: θ ← θ(1 − γλ) before each step.
        weight_decay: f64 = 1e-2,
        /// Use the AMSGrad variant: divide by the running maximum of the second moment.
        amsgrad: bool = false,
        /// Maximize the objective instead of minimizing it (the gradient's sign is flipped).
        maximize: bool = false,
    }
}

impl TensorRule for AdamW {
    const NAME: &'static str = "adamw";
    type Options = Options;
    type Config = Config;
    type State = State;

    fn config(o: Options) -> Result<Config, OptimError> {
        let Options { lr, betas, eps, weight_decay, amsgrad, maximize } = o;
        check_adam_options(lr, eps, betas, weight_decay)?;
        Ok(Config { lr, betas, eps, weight_decay, amsgrad, maximize, decoupled_weight_decay: true })
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
