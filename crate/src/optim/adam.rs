//! Adam: g ← ±∇ (+ λθ, or θ ← θ(1 − γλ) if decoupled);  m ← lerp(m, g, 1−β₁);  v ← β₂v + (1−β₂)g²;  v̂ ← max(v̂, v) if amsgrad;
//! θ ← θ − (γ / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε).  Source: torch.optim.Adam, `_single_tensor_adam` (torch 2.13).
use super::{check_adam_options, lerp, lr_field, maximum, options, persist, OptimError, TensorRule};

pub struct Adam;

options! {
    /// Options of torch.optim.Adam.
    pub struct Config as Adam {
        /// Learning rate γ.
        lr: f64 = 0.001,
        /// Coefficients (β₁, β₂) of the running averages of the gradient and of its square.
        betas: (f64, f64) = (0.9, 0.999),
        /// Term added to the denominator for numerical stability.
        eps: f64 = 1e-8,
        /// Weight decay λ (L2 penalty): λθ is added to the gradient.
        weight_decay: f64 = 0.0,
        /// Use the AMSGrad variant: divide by the running maximum of the second moment.
        amsgrad: bool = false,
        /// Maximize the objective instead of minimizing it (the gradient's sign is flipped).
        maximize: bool = false,
        /// Decay the weights directly, θ ← θ(1 − γλ) (AdamW-style), instead of adding λθ to the gradient.
        decoupled_weight_decay: bool = false,
    }
}

/// `exp_avg` (m), `exp_avg_sq` (v), `max_exp_avg_sq` (v̂, empty without amsgrad), the step count.
pub struct State {
    step: u64,
    exp_avg: Vec<f32>,
    exp_avg_sq: Vec<f32>,
    max_exp_avg_sq: Vec<f32>,
}

impl State {
    pub(crate) fn new(c: &Config, shape: &[usize]) -> State {
        let len: usize = shape.iter().product();
        State {
            step: 0,
            exp_avg: vec![0.0; len],
            exp_avg_sq: vec![0.0; len],
            max_exp_avg_sq: vec![0.0; if c.amsgrad { len } else { 0 }],
        }
    }
}

persist!(State { step, exp_avg, exp_avg_sq, max_exp_avg_sq });

/// One Adam/AdamW step of one tensor, fused into a single pass over the tensor. The two loops
/// differ only in amsgrad's running max; each is a straight loop that LLVM vectorizes (simd128).
pub(crate) fn update(c: &Config, s: &mut State, param: &mut [f32], grad: &[f32]) {
    s.step += 1;
    let (beta1, beta2) = c.betas;
    let t = s.step as f64;
    let step_size = c.lr / (1.0 - beta1.powf(t));
    let k = Scalars {
        value: -step_size as f32,
        inv_bias_correction2_sqrt: 1.0 / ((1.0 - beta2.powf(t)).powf(0.5)) as f32,
        eps: c.eps as f32,
        sign: if c.maximize { -1.0 } else { 1.0 },
        coupled_decay: if c.decoupled_weight_decay { 0.0 } else { c.weight_decay as f32 },
        decoupled_factor: if c.decoupled_weight_decay { (1.0 - c.lr * c.weight_decay) as f32 } else { 1.0 },
        one_minus_beta1: (1.0 - beta1) as f32,
        beta2: beta2 as f32,
        one_minus_beta2: (1.0 - beta2) as f32,
    };
    let moments = s.exp_avg.iter_mut().zip(s.exp_avg_sq.iter_mut());
    if c.amsgrad {
        let moments = moments.zip(s.max_exp_avg_sq.iter_mut());
        for ((p, &g), ((m, v), max)) in param.iter_mut().zip(grad).zip(moments) {
            k.moments(p, g, m, v);
            *max = maximum(*max, *v);
            *p += k.value * *m / (max.sqrt() * k.inv_bias_correction2_sqrt + k.eps);
        }
    } else {
        for ((p, &g), (m, v)) in param.iter_mut().zip(grad).zip(moments) {
            k.moments(p, g, m, v);
            *p += k.value * *m / (v.sqrt() * k.inv_bias_correction2_sqrt + k.eps);
        }
    }
}

/// The f32 scalars of one step; a multiplication by 1 or an addition of 0·θ is exact, which lets
/// one branch-free loop serve plain, coupled (Adam) and decoupled (AdamW) weight decay.
struct Scalars {
    value: f32,
    /// torch divides √v by √(1−β₂ᵗ); multiplying by the f32 reciprocal instead (≤ 1 ulp apart) takes one
    /// of the two divisions per element out of the step, which is what made it compute-bound.
    inv_bias_correction2_sqrt: f32,
    eps: f32,
    sign: f32,
    coupled_decay: f32,
    decoupled_factor: f32,
    one_minus_beta1: f32,
    beta2: f32,
    one_minus_beta2: f32,
}

impl Scalars {
    /// Weight decay and both moment updates of one element.
    #[inline(always)]
    fn moments(&self, p: &mut f32, g: f32, m: &mut f32, v: &mut f32) {
        *p *= self.decoupled_factor;
        let g = if self.coupled_decay != 0.0 { self.sign * g + self.coupled_decay * *p } else { self.sign * g };
        *m = lerp(*m, g, self.one_minus_beta1);
        *v = *v * self.beta2 + self.one_minus_beta2 * g * g;
    }
}

impl TensorRule for Adam {
    const NAME: &'static str = "adam";
    type Options = Config;
    type Config = Config;
    type State = State;

    fn config(config: Config) -> Result<Config, OptimError> {
        check_adam_options(config.lr, config.eps, config.betas, config.weight_decay)?;
        Ok(config)
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
        update(c, s, param, grad)
    }
}
