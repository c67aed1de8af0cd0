//! D-Adaptation AdamW: d̂ = dγ√(1−β₂ᵗ)/(1−β₁ᵗ);  r ← √β₂r + (1−√β₂)d̂⟨g, s/(√v + ε)⟩;  m ← β₁m + (1−β₁)d̂g;  v ← β₂v + (1−β₂)g²;
//! s ← √β₂s + (1−√β₂)d̂g;  d ← max(d, r/((1−√β₂)‖s‖₁));  θ ← θ − λd̂θ − m/(√v + ε).  Source: optax.contrib.dadapt_adamw, optax 0.2.8.
//! r, ‖s‖₁ and d span all tensors. Where ‖s‖₁ = 0 (zero gradients, learning rate 0) d is kept; optax's 0/0 makes it NaN.
use super::{
    check_betas, check_slot_sizes, maximum, non_negative, optax_bias_correction, options, positive, DistanceState,
    OptimError, Optimizer, SingleGroup, Slot,
};

options! {
    /// Options of optax.contrib.dadapt_adamw: AdamW whose step size d is estimated by D-Adaptation.
    pub struct Config as DAdaptAdamW {
        learning_rate: optax = Some(1.0),
        /// Coefficients (β₁, β₂) of the running averages of the gradient and of its square.
        betas: (f64, f64) = (0.9, 0.999),
        /// Term added to the denominator for numerical stability.
        eps: f64 = 1e-8,
        /// Initial estimate d₀ of the distance to the solution.
        estim_lr0: f64 = 1e-6,
        /// Decoupled weight decay λ: θ ← θ(1 − γλ) before each step.
        weight_decay: f64 = 0.0,
    }
}

const MAGIC: &[u8] = b"OLDADAPTADAMW\0";

pub struct DAdaptAdamW {
    config: Config,
    shapes: Vec<Vec<usize>>,
    /// Per tensor: `exp_avg` (m), `exp_avg_sq` (v) and `grad_sum` (s).
    state: DistanceState<3>,
}

impl SingleGroup for DAdaptAdamW {
    const NAME: &'static str = "dadapt_adamw";
    const DISPLAY: &'static str = "dadapt_adamw";
    type Options = Config;

    fn new(config: Config, shapes: &[Vec<usize>]) -> Result<Self, OptimError> {
        check_betas(config.betas)?;
        non_negative(config.eps, "Invalid epsilon value")?;
        positive(config.estim_lr0, "Invalid estim_lr0 value")?;
        non_negative(config.weight_decay, "Invalid weight_decay value")?;
        let state = DistanceState::new(shapes, config.estim_lr0 as f32);
        Ok(DAdaptAdamW { config, shapes: shapes.to_vec(), state })
    }
}

impl Optimizer for DAdaptAdamW {
    fn step(&mut self, slots: &mut [Slot<'_>]) -> Result<(), OptimError> {
        check_slot_sizes(slots, &self.shapes)?;
        let (c, state) = (&self.config, &mut self.state);
        state.count += 1;
        let (b1, b2) = c.betas;
        let sqrt_beta2 = b2.sqrt();
        let bias_correction = optax_bias_correction(b2, state.count).sqrt() / optax_bias_correction(b1, state.count);
        let dlr = state.estim_lr * c.learning_rate as f32 * bias_correction;
        let (beta1, beta2, eps) = (b1 as f32, b2 as f32, c.eps as f32);
        let (one_minus_sqrt_beta2, first_scale) = ((1.0 - sqrt_beta2) as f32, (1.0 - b1) as f32 * dlr);
        let (grad_sum_decay, grad_sum_scale) = (sqrt_beta2 as f32, one_minus_sqrt_beta2 * dlr);
        let (one_minus_beta2, mut numerator, mut grad_sum_l1) = ((1.0 - b2) as f32, 0.0f32, 0.0f32);
        for (slot, [exp_avg, exp_avg_sq, grad_sum]) in slots.iter().zip(&mut state.tensors) {
            let (mut dot, mut l1) = (0.0f32, 0.0f32);
            let moments = exp_avg.iter_mut().zip(exp_avg_sq.iter_mut()).zip(grad_sum.iter_mut());
            for (&g, ((m, v), s)) in slot.grad.iter().zip(moments) {
                dot += g * (*s / (v.sqrt() + eps));
                *m = beta1 * *m + first_scale * g;
                *v = beta2 * *v + one_minus_beta2 * g * g;
                *s = grad_sum_decay * *s + grad_sum_scale * g;
                l1 += s.abs();
            }
            numerator += dot;
            grad_sum_l1 += l1;
        }
        state.numerator_weighted = grad_sum_decay * state.numerator_weighted + grad_sum_scale * numerator;
        if grad_sum_l1 != 0.0 {
            state.estim_lr = maximum(state.estim_lr, state.numerator_weighted / (one_minus_sqrt_beta2 * grad_sum_l1));
        }
        let decay = -(c.weight_decay as f32) * dlr;
        for (slot, [exp_avg, exp_avg_sq, _]) in slots.iter_mut().zip(&state.tensors) {
            for (p, (&m, &v)) in slot.param.iter_mut().zip(exp_avg.iter().zip(exp_avg_sq)) {
                *p += decay * *p - m / (v.sqrt() + eps);
            }
        }
        Ok(())
    }
    fn group_count(&self) -> usize {
        1
    }
    fn lr(&self, group: usize) -> f64 {
        if group == 0 {
            self.config.learning_rate
        } else {
            f64::NAN
        }
    }
    fn set_lr(&mut self, group: usize, lr: f64) {
        if group == 0 {
            self.config.learning_rate = lr;
        }
    }
    fn name(&self) -> &str {
        "dadapt_adamw"
    }
    fn save_state(&self, out: &mut Vec<u8>) {
        self.state.save(MAGIC, self.config.learning_rate, out);
    }
    fn load_state(&mut self, bytes: &[u8]) -> Result<(), OptimError> {
        self.config.learning_rate = self.state.load(MAGIC, "dadapt_adamw", bytes)?;
        Ok(())
    }
}
