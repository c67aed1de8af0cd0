//! MADGRAD: λ_k = (γ + ε)√(k+1);  g ← g + wθ;  S ← S + λ_k g²;  s ← s + λ_k g;  z = θ₀ − s/(∛S + ε);
//! θ ← (1−μ)z + μθ (applied as θ + (that − θ)).  Source: optax.contrib.madgrad (`scale_by_madgrad`), optax 0.2.8.
//! Like optax (and the reference PyTorch code), γ + ε keeps the step alive at learning_rate 0.
use super::{lr_field, non_negative, options, persist, unit_interval, OptimError, TensorRule};

pub struct Madgrad;

options! {
    /// Options of optax.contrib.madgrad: momentumized, dual-averaged adaptive steps (cube root).
    pub struct Config as Madgrad {
        learning_rate: optax = None,
        /// Momentum μ: the weight of the previous iterate when averaging with the dual-averaged point.
        momentum: f64 = 0.9,
        /// Weight decay λ: λθ is added to the gradient.
        weight_decay: f64 = 0.0,
        /// Term added to the cube-root denominator (and to the learning rate).
        eps: f64 = 1e-6,
    }
}

/// The step count k, the weighted sums of squared gradients (`grad_sum_sq`) and of gradients
/// (`s`), and the parameters θ₀ before the first step (optax's `x0`, taken at the first step).
pub struct State {
    count: u64,
    grad_sum_sq: Vec<f32>,
    s: Vec<f32>,
    x0: Vec<f32>,
}

persist!(State { count, grad_sum_sq, s, x0 });

impl TensorRule for Madgrad {
    const NAME: &'static str = "madgrad";
    type Options = Config;
    type Config = Config;
    type State = State;

    fn config(config: Config) -> Result<Config, OptimError> {
        unit_interval(config.momentum, "Invalid momentum value")?;
        non_negative(config.weight_decay, "Invalid weight_decay value")?;
        non_negative(config.eps, "Invalid epsilon value")?;
        Ok(config)
    }
    lr_field!(learning_rate);
    fn init(_c: &Config, shape: &[usize]) -> Result<State, OptimError> {
        let len = shape.iter().product();
        Ok(State { count: 0, grad_sum_sq: vec![0.0; len], s: vec![0.0; len], x0: vec![0.0; len] })
    }
    fn update(c: &Config, s: &mut State, param: &mut [f32], grad: &[f32], _shape: &[usize]) {
        if s.count == 0 {
            s.x0.copy_from_slice(param);
        }
        // optax: the Python float lr + eps times the f32 `jnp.sqrt(count + 1)`.
        let lamb = (c.learning_rate + c.eps) as f32 * ((s.count + 1) as f32).sqrt();
        let (eps, weight_decay) = (c.eps as f32, c.weight_decay as f32);
        let (momentum, one_minus_momentum) = (c.momentum as f32, (1.0 - c.momentum) as f32);
        let sums = s.grad_sum_sq.iter_mut().zip(s.s.iter_mut()).zip(&s.x0);
        for ((p, &g), ((sum_sq, sum), &x0)) in param.iter_mut().zip(grad).zip(sums) {
            let g = if c.weight_decay != 0.0 { g + weight_decay * *p } else { g };
            *sum_sq += lamb * (g * g);
            *sum += lamb * g;
            let z = x0 - *sum / (sum_sq.cbrt() + eps);
            let next = one_minus_momentum * z + momentum * *p;
            *p += next - *p;
        }
        s.count += 1;
    }
}
