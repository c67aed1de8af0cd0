//! LARS: u ← −γ·(η‖θ‖/(‖g+λθ‖ + ε))·(g + λθ);  t ← u + μt;  θ ← θ + t (nesterov: θ + u + μt).
//! Source: optax.lars = add_decayed_weights → scale_by_trust_ratio → scale_by_learning_rate → trace (0.2.8).
use super::{l2_norm, lr_field, non_negative, options, persist, AllTensors, OptimError, TensorRule};

pub struct Lars;

options! {
    /// Options of optax.lars: momentum SGD with a layer-wise trust ratio.
    pub struct Config as Lars {
        learning_rate: optax = None,
        /// Weight decay λ: λθ is added to the gradient before the trust ratio.
        weight_decay: f64 = 0.0,
        /// optax's mask of the tensors weight decay applies to: all of them (true); other masks are not supported yet.
        weight_decay_mask: AllTensors = AllTensors,
        /// Trust coefficient η of the trust ratio η‖θ‖/(‖g + λθ‖ + ε).
        trust_coefficient: f64 = 0.001,
        /// Term added to the denominator of the trust ratio.
        eps: f64 = 0.0,
        /// optax's mask of the tensors the trust ratio applies to: all of them (true); other masks are not supported
        /// yet.
        trust_ratio_mask: AllTensors = AllTensors,
        /// Momentum factor μ.
        momentum: f64 = 0.9,
        /// Use Nesterov momentum.
        nesterov: bool = false,
    }
}

/// `trace`'s momentum buffer.
pub struct State {
    trace: Vec<f32>,
}

persist!(State { trace });

impl TensorRule for Lars {
    const NAME: &'static str = "lars";
    type Options = Config;
    type Config = Config;
    type State = State;

    fn config(config: Config) -> Result<Config, OptimError> {
        non_negative(config.weight_decay, "Invalid weight_decay value")?;
        non_negative(config.trust_coefficient, "Invalid trust_coefficient value")?;
        non_negative(config.eps, "Invalid epsilon value")?;
        non_negative(config.momentum, "Invalid momentum value")?;
        Ok(config)
    }
    lr_field!(learning_rate);
    fn init(_c: &Config, shape: &[usize]) -> Result<State, OptimError> {
        Ok(State { trace: vec![0.0; shape.iter().product()] })
    }
    fn update(c: &Config, s: &mut State, param: &mut [f32], grad: &[f32], _shape: &[usize]) {
        let weight_decay = c.weight_decay as f32;
        // optax skips add_decayed_weights when weight_decay is exactly 0.
        let decayed = |g: f32, p: f32| if c.weight_decay == 0.0 { g } else { g + weight_decay * p };
        let update_square_sum: f64 =
            grad.iter().zip(param.iter()).map(|(&g, &p)| (decayed(g, p) * decayed(g, p)) as f64).sum();
        let (param_norm, update_norm) = (l2_norm(param), update_square_sum.sqrt() as f32);
        let trust_ratio = if param_norm == 0.0 || update_norm == 0.0 {
            1.0
        } else {
            c.trust_coefficient as f32 * param_norm / (update_norm + c.eps as f32)
        };
        let (neg_lr, momentum) = (-c.learning_rate as f32, c.momentum as f32);
        for ((p, &g), t) in param.iter_mut().zip(grad).zip(s.trace.iter_mut()) {
            let update = neg_lr * (decayed(g, *p) * trust_ratio);
            *t = update + momentum * *t;
            *p += if c.nesterov { update + momentum * *t } else { *t };
        }
    }
}
