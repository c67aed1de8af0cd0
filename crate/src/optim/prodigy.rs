//! Prodigy: d̂ = dγ√(1−β₂ᵗ)/(1−β₁ᵗ);  m ← β₁m + (1−β₁)dg;  v ← β₂v + (1−β₂)(dg)²;  s ← β₃s + d̂dg/d₀;  r ← β₃r + (d/d₀)d̂⟨g, θ₀−θ⟩;
//! d ← max(d, κr/‖s‖₁);  θ ← θ − λd̂θ − d̂m/(√v + dε).  Source: optax.contrib.prodigy, optax 0.2.8.
//! r, ‖s‖₁ and d span all tensors. Where ‖s‖₁ = 0 (zero gradients, learning rate 0) d is kept; optax's 0/0 makes it NaN.
use super::{
    check_betas, check_slot_sizes, maximum, non_negative, optax_bias_correction, options, positive, unit_interval,
    DistanceState, NotYet, OptimError, Optimizer, SingleGroup, Slot,
};

options! {
    /// Options of optax.contrib.prodigy: Adam whose step size d is estimated from the distance travelled.
    pub struct Config as Prodigy {
        learning_rate: optax = Some(1.0),
        /// Coefficients (β₁, β₂) of the running averages of the gradient and of its square.
        betas: (f64, f64) = (0.9, 0.999),
        /// Decay β₃ of the distance-estimate accumulators. Default null: √β₂.
        beta3: Option<f64> = None,
        /// Term added to the denominator (times d) for numerical stability.
        eps: f64 = 1e-8,
        /// Initial estimate d₀ of the distance to the solution.
        estim_lr0: f64 = 1e-6,
        /// Coefficient κ of the distance estimate.
        estim_lr_coef: f64 = 1.0,
        /// Decoupled weight decay λ: θ ← θ(1 − γλ) before each step.
        weight_decay: f64 = 0.0,
        /// Leave the learning rate out of the distance-estimate accumulators (for warm-up schedules).
        safeguard_warmup: bool = false,
        /// optax's mask of the tensors weight decay applies to (after 0.2.8). Default null; not supported yet.
        weight_decay_mask: NotYet = NotYet,
    }
}

const MAGIC: &[u8] = b"OLPRODIGY\0";

pub struct Prodigy {
    config: Config,
    shapes: Vec<Vec<usize>>,
    /// Per tensor: `exp_avg` (m), `exp_avg_sq` (v), `grad_sum` (s) and `params0` (θ₀, taken at the first step).
    state: DistanceState<4>,
}

impl SingleGroup for Prodigy {
    const NAME: &'static str = "prodigy";
    const DISPLAY: &'static str = "prodigy";
    type Options = Config;

    fn new(config: Config, shapes: &[Vec<usize>]) -> Result<Self, OptimError> {
        check_betas(config.betas)?;
        if let Some(beta3) = config.beta3 {
            unit_interval(beta3, "Invalid beta3 value")?;
        }
        positive(config.estim_lr0, "Invalid estim_lr0 value")?;
        non_negative(config.eps, "Invalid epsilon value")?;
        non_negative(config.estim_lr_coef, "Invalid estim_lr_coef value")?;
        non_negative(config.weight_decay, "Invalid weight_decay value")?;
        let state = DistanceState::new(shapes, config.estim_lr0 as f32);
        Ok(Prodigy { config, shapes: shapes.to_vec(), state })
    }
}

impl Optimizer for Prodigy {
    fn step(&mut self, slots: &mut [Slot<'_>]) -> Result<(), OptimError> {
        check_slot_sizes(slots, &self.shapes)?;
        let (c, state) = (&self.config, &mut self.state);
        if state.count == 0 {
            state
                .tensors
                .iter_mut()
                .zip(slots.iter())
                .for_each(|(buffers, slot)| buffers[3].copy_from_slice(slot.param));
        }
        state.count += 1;
        let (b1, b2) = c.betas;
        let beta3 = c.beta3.unwrap_or(b2.sqrt()) as f32;
        let bias_correction = optax_bias_correction(b2, state.count).sqrt() / optax_bias_correction(b1, state.count);
        let d = state.estim_lr;
        let dlr = d * c.learning_rate as f32 * bias_correction;
        let (estim_lr0, grad_sum_scale) = (c.estim_lr0 as f32, if c.safeguard_warmup { d } else { dlr });
        let (beta1, one_minus_beta1, beta2, one_minus_beta2) =
            (b1 as f32, (1.0 - b1) as f32, b2 as f32, (1.0 - b2) as f32);
        let (mut numerator, mut denominator) = (0.0f32, 0.0f32);
        for (slot, [exp_avg, exp_avg_sq, grad_sum, params0]) in slots.iter().zip(&mut state.tensors) {
            let (mut dot, mut l1) = (0.0f32, 0.0f32);
            let moments = exp_avg.iter_mut().zip(exp_avg_sq.iter_mut()).zip(grad_sum.iter_mut().zip(params0.iter()));
            for ((&p, &g), ((m, v), (s, &p0))) in slot.param.iter().zip(slot.grad).zip(moments) {
                dot += g * (p0 - p);
                let dg = d * g;
                *m = beta1 * *m + one_minus_beta1 * dg;
                *v = beta2 * *v + one_minus_beta2 * dg * dg;
                *s = beta3 * *s + grad_sum_scale * dg / estim_lr0;
                l1 += s.abs();
            }
            numerator += dot;
            denominator += l1;
        }
        state.numerator_weighted = beta3 * state.numerator_weighted + d / estim_lr0 * dlr * numerator;
        if denominator != 0.0 {
            state.estim_lr = maximum(d, c.estim_lr_coef as f32 * state.numerator_weighted / denominator);
        }
        let (decay, eps) = (-(c.weight_decay as f32) * dlr, state.estim_lr * c.eps as f32);
        for (slot, [exp_avg, exp_avg_sq, ..]) in slots.iter_mut().zip(&state.tensors) {
            for (p, (&m, &v)) in slot.param.iter_mut().zip(exp_avg.iter().zip(exp_avg_sq)) {
                *p += decay * *p - dlr * m / (v.sqrt() + eps);
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
        "prodigy"
    }
    fn save_state(&self, out: &mut Vec<u8>) {
        self.state.save(MAGIC, self.config.learning_rate, out);
    }
    fn load_state(&mut self, bytes: &[u8]) -> Result<(), OptimError> {
        self.config.learning_rate = self.state.load(MAGIC, "prodigy", bytes)?;
        Ok(())
    }
}
