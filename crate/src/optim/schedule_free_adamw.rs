//! Schedule-free AdamW: z ← z − γ(g/(√(ν/(1−β₂ᵗ)) + ε) + λy);  c = γ̂²/Σγ̂² (γ̂ = max γ so far);  x = (y − (1−β₁)z_old)/β₁;
//! x ← (1−c)x + c·z;  y ← β₁x + (1−β₁)z.  Source: optax.contrib.schedule_free_adamw (`schedule_free` over `scale_by_rms`), optax 0.2.8.
//! The parameters are optax's stored iterate y; evaluate at x = (y − (1−β₁)z)/β₁ (`schedule_free_eval_params`).
//! `warmup_steps` T is optax's `warmup_constant_schedule(0, γ, T)`: γ·min(t, T)/T at optax's two step counts, t − 1
//! in the z update (scale_by_learning_rate) and t in the weights (schedule_free's own count).
use super::{
    check_betas, lr_field, maximum, non_negative, optax_bias_correction, options, put_f32s, put_f64, put_u64,
    BlobReader, Float32State, OptimError, Persist, TensorRule,
};

pub struct ScheduleFreeAdamW;

options! {
    /// Options of optax.contrib.schedule_free_adamw: AdamW without a schedule, averaging iterates.
    pub struct Config as ScheduleFreeAdamW {
        learning_rate: optax = Some(0.0025),
        /// Steps T of a linear warm-up from 0 to the learning rate (optax's `warmup_constant_schedule`). Default
        /// null: none.
        warmup_steps: Option<usize> = None,
        /// Interpolation β₁ between the averaged iterate and the z sequence (the momentum).
        b1: f64 = 0.9,
        /// Exponential decay rate β₂ of the second moment (the squared gradient's running average).
        b2: f64 = 0.999,
        /// Term added to the denominator, outside the square root, for numerical stability.
        eps: f64 = 1e-8,
        /// Weight decay λ, applied at the interpolated point y.
        weight_decay: f64 = 0.0,
        /// Power p of the largest learning rate so far in the averaging weights (c = γ̂ᵖ/Σγ̂ᵖ).
        weight_lr_power: f64 = 2.0,
        /// optax's dtype of the z sequence. Default null (float32, also "float32"); others are not supported yet.
        state_dtype: Float32State = Float32State,
    }
}

/// optax's `step_count` (from 1), `max_lr`, `weight_sum`, the RMS moment ν and the sequence z.
/// The scalars are the same for every tensor of a group; keeping them per tensor keeps the rule local.
pub struct State {
    step_count: u64,
    max_lr: f32,
    weight_sum: f32,
    nu: Vec<f32>,
    z: Vec<f32>,
}

impl Persist for State {
    fn save(&self, out: &mut Vec<u8>) {
        put_u64(out, self.step_count);
        put_f64(out, self.max_lr as f64);
        put_f64(out, self.weight_sum as f64);
        put_f32s(out, &self.nu);
        put_f32s(out, &self.z);
    }
    fn load(&mut self, input: &mut BlobReader<'_>) -> Result<(), OptimError> {
        self.step_count = input.u64()?;
        self.max_lr = input.f64()? as f32;
        self.weight_sum = input.f64()? as f32;
        input.f32s_into(&mut self.nu)?;
        input.f32s_into(&mut self.z)
    }
}

impl TensorRule for ScheduleFreeAdamW {
    const NAME: &'static str = "schedule_free_adamw";
    type Options = Config;
    type Config = Config;
    type State = State;

    fn config(config: Config) -> Result<Config, OptimError> {
        check_betas((config.b1, config.b2))?;
        // x is recovered from y and z by a division by b1.
        if config.b1 == 0.0 {
            return Err(OptimError::Invalid(
                "Invalid beta parameter at index 0: 0 (schedule-free divides by b1)".into(),
            ));
        }
        non_negative(config.eps, "Invalid epsilon value")?;
        non_negative(config.weight_decay, "Invalid weight_decay value")?;
        non_negative(config.weight_lr_power, "Invalid weight_lr_power value")?;
        // optax holds a warm-up of 0 steps at its initial value 0: no step would ever move.
        if config.warmup_steps == Some(0) {
            return Err(OptimError::Invalid("Invalid warmup_steps value: 0 (the learning rate would stay 0)".into()));
        }
        Ok(config)
    }
    lr_field!(learning_rate);
    fn init(_c: &Config, shape: &[usize]) -> Result<State, OptimError> {
        let len = shape.iter().product();
        Ok(State { step_count: 1, max_lr: 0.0, weight_sum: 0.0, nu: vec![0.0; len], z: vec![0.0; len] })
    }
    fn update(c: &Config, s: &mut State, param: &mut [f32], grad: &[f32], _shape: &[usize]) {
        if s.step_count == 1 {
            s.z.copy_from_slice(param);
        }
        let count = s.step_count; // schedule_free's count, and scale_by_rms's after its increment
        s.max_lr = maximum(s.max_lr, warmed_up(c, count));
        let weight = (s.max_lr as f64).powf(c.weight_lr_power) as f32;
        let total_weight = s.weight_sum + weight;
        // optax: NaN if either is NaN, else nan_to_num(weight / total, nan=0) (0/0 while lr is 0).
        let ratio = weight / total_weight;
        let ck = if weight.is_nan() || total_weight.is_nan() || !ratio.is_nan() { ratio } else { 0.0 };
        s.weight_sum = total_weight;
        s.step_count += 1;
        let correction = optax_bias_correction(c.b2, count);
        let (b1, one_minus_b1, one_minus_ck) = (c.b1 as f32, (1.0 - c.b1) as f32, 1.0 - ck);
        let (b2, one_minus_b2, eps) = (c.b2 as f32, (1.0 - c.b2) as f32, c.eps as f32);
        let (neg_lr, weight_decay) = (-warmed_up(c, count - 1), c.weight_decay as f32);
        for ((y, &g), (nu, z)) in param.iter_mut().zip(grad).zip(s.nu.iter_mut().zip(s.z.iter_mut())) {
            *nu = one_minus_b2 * (g * g) + b2 * *nu;
            let scaled = 1.0 / ((*nu / correction).sqrt() + eps) * g;
            let decayed = if c.weight_decay != 0.0 { scaled + weight_decay * *y } else { scaled };
            let previous_x = (*y - one_minus_b1 * *z) / b1;
            *z += neg_lr * decayed;
            let x = one_minus_ck * previous_x + ck * *z;
            let next = b1 * x + one_minus_b1 * *z;
            *y += next - *y;
        }
    }
}

/// The learning rate at optax step count t: γ without a warm-up, else optax's linear_schedule(0, γ, T) in float32,
/// (0 − γ)·(1 − min(t, T)/T) + γ.
fn warmed_up(c: &Config, count: u64) -> f32 {
    let lr = c.learning_rate as f32;
    match c.warmup_steps {
        None => lr,
        Some(steps) => {
            let remaining = 1.0 - count.min(steps as u64) as f32 / steps as f32;
            -lr * remaining + lr
        }
    }
}
