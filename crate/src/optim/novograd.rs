//! NovoGrad: n ← (1−β₂)‖g‖² + β₂n (‖g‖² at t=1);  m ← β₁m + g/(√(n + ε_root) + ε) + λθ (no β₁m at t=1);  θ ← θ − γm.
//! Source: optax.novograd = scale_by_novograd → scale_by_learning_rate (optax 0.2.8).
use super::{
    check_beta_list, l2_norm, lr_field, non_negative, options, put_f32s, put_u64, BlobReader, OptimError, Persist,
    TensorRule,
};

pub struct NovoGrad;

options! {
    /// Options of optax.novograd: layer-wise second moments of the gradient norm.
    pub struct Config as NovoGrad {
        learning_rate: optax = None,
        /// Exponential decay rate β₁ of the first moment (the gradient's running average).
        b1: f64 = 0.9,
        /// Exponential decay rate β₂ of the layer-wise second moment (the squared gradient norm).
        b2: f64 = 0.25,
        /// Term added to the denominator, outside the square root, for numerical stability.
        eps: f64 = 1e-6,
        /// Term added to the second moment inside the square root.
        eps_root: f64 = 0.0,
        /// Weight decay λ: λθ is added to the update (and scaled by the learning rate).
        weight_decay: f64 = 0.0,
    }
}

/// The count, the first moment `mu` (m) and the tensor's second moment `nu` (n, one number).
pub struct State {
    count: u64,
    mu: Vec<f32>,
    nu: f32,
}

impl Persist for State {
    fn save(&self, out: &mut Vec<u8>) {
        put_u64(out, self.count);
        put_f32s(out, &self.mu);
        put_f32s(out, &[self.nu]);
    }
    fn load(&mut self, input: &mut BlobReader<'_>) -> Result<(), OptimError> {
        self.count = input.u64()?;
        input.f32s_into(&mut self.mu)?;
        let mut nu = [0.0];
        input.f32s_into(&mut nu)?;
        self.nu = nu[0];
        Ok(())
    }
}

impl TensorRule for NovoGrad {
    const NAME: &'static str = "novograd";
    type Options = Config;
    type Config = Config;
    type State = State;

    fn config(config: Config) -> Result<Config, OptimError> {
        check_beta_list(&[config.b1, config.b2])?;
        non_negative(config.eps, "Invalid epsilon value")?;
        non_negative(config.eps_root, "Invalid eps_root value")?;
        non_negative(config.weight_decay, "Invalid weight_decay value")?;
        Ok(config)
    }
    lr_field!(learning_rate);
    fn init(_c: &Config, shape: &[usize]) -> Result<State, OptimError> {
        Ok(State { count: 0, mu: vec![0.0; shape.iter().product()], nu: 0.0 })
    }
    fn update(c: &Config, s: &mut State, param: &mut [f32], grad: &[f32], _shape: &[usize]) {
        s.count += 1;
        let first = s.count == 1;
        // optax squares the rounded norm: `jnp.linalg.norm(g) ** 2`.
        let grad_norm = l2_norm(grad);
        let square_norm = grad_norm * grad_norm;
        s.nu = if first { square_norm } else { (1.0 - c.b2) as f32 * square_norm + c.b2 as f32 * s.nu };
        let denominator = (s.nu + c.eps_root as f32).sqrt() + c.eps as f32;
        let (b1, weight_decay, neg_lr) = (c.b1 as f32, c.weight_decay as f32, -c.learning_rate as f32);
        for ((p, &g), m) in param.iter_mut().zip(grad).zip(s.mu.iter_mut()) {
            let u = g / denominator + weight_decay * *p;
            *m = if first { u } else { b1 * *m + u };
            *p += neg_lr * *m;
        }
    }
}
