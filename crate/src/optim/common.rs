//! What the optimizer files share: torch's and optax's elementwise functions and option checks, and the
//! lr accessors of a `TensorRule`.
use super::{js_number, OptimError};

/// torch's `lerp` kernel: `a + w(b − a)` for |w| < 0.5, else `b − (b − a)(1 − w)`.
#[inline(always)]
pub fn lerp(a: f32, b: f32, weight: f32) -> f32 {
    if weight.abs() < 0.5 {
        a + weight * (b - a)
    } else {
        b - (b - a) * (1.0 - weight)
    }
}

/// `torch.maximum`: NaN if either is NaN (unlike `f32::max`); vectorizes to a compare and select.
#[inline(always)]
pub fn maximum(a: f32, b: f32) -> f32 {
    if a > b || a.is_nan() {
        a
    } else {
        b
    }
}

/// torch's `Invalid <what>: <value>` check `if not 0.0 <= value` (NaN fails too).
pub fn non_negative(value: f64, message: &str) -> Result<(), OptimError> {
    if 0.0 <= value {
        Ok(())
    } else {
        Err(OptimError::Invalid(format!("{message}: {}", js_number(value))))
    }
}

/// The `if not 0.0 < value` check of options that divide (`Invalid estim_lr0 value: 0`).
pub fn positive(value: f64, message: &str) -> Result<(), OptimError> {
    if 0.0 < value {
        Ok(())
    } else {
        Err(OptimError::Invalid(format!("{message}: {}", js_number(value))))
    }
}

/// The `if not 0.0 <= value < 1.0` check of a decay or momentum (`Invalid momentum value: 1`).
pub fn unit_interval(value: f64, message: &str) -> Result<(), OptimError> {
    if (0.0..1.0).contains(&value) {
        Ok(())
    } else {
        Err(OptimError::Invalid(format!("{message}: {}", js_number(value))))
    }
}

/// The checks torch's Adam family (Adam, AdamW, Adamax, NAdam, RAdam) makes, in its order.
pub fn check_adam_options(lr: f64, eps: f64, betas: (f64, f64), weight_decay: f64) -> Result<(), OptimError> {
    non_negative(lr, "Invalid learning rate")?;
    non_negative(eps, "Invalid epsilon value")?;
    check_betas(betas)?;
    non_negative(weight_decay, "Invalid weight_decay value")
}

/// torch's beta check `if not 0.0 <= beta < 1.0`.
pub fn check_betas(betas: (f64, f64)) -> Result<(), OptimError> {
    check_beta_list(&[betas.0, betas.1])
}

/// torch's beta check `0 <= beta < 1` over optax's `b1, b2, …`, reported by index like torch's betas.
pub fn check_beta_list(betas: &[f64]) -> Result<(), OptimError> {
    match betas.iter().position(|beta| !(0.0..1.0).contains(beta)) {
        Some(index) => {
            Err(OptimError::Invalid(format!("Invalid beta parameter at index {index}: {}", js_number(betas[index]))))
        }
        None => Ok(()),
    }
}

/// `jnp.sign`: ±1, and ±0 or NaN unchanged (unlike `f32::signum`, which maps 0 to 1).
#[inline(always)]
pub fn sign(x: f32) -> f32 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        x
    }
}

/// optax's `bias_correction` divisor `1 − decayᵗ`, computed in float32 as jax does.
pub fn optax_bias_correction(decay: f64, count: u64) -> f32 {
    1.0 - (decay as f32).powf(count as f32)
}

/// `jnp.linalg.norm` of a flattened tensor: the sum of squares is accumulated in f64, so the f32
/// result is within an ulp of XLA's reduction whatever its summation order.
pub fn l2_norm(values: &[f32]) -> f32 {
    values.iter().map(|&x| (x * x) as f64).sum::<f64>().sqrt() as f32
}

/// The [`TensorRule`] methods `lr` and `set_lr` of a `Config` whose lr is the field `$field`
/// (`lr` in torch's optimizers, `learning_rate` in optax's).
macro_rules! lr_field {
    ($field:ident) => {
        fn lr(c: &Self::Config) -> f64 {
            c.$field
        }
        fn set_lr(c: &mut Self::Config, lr: f64) {
            c.$field = lr;
        }
    };
}
pub(crate) use lr_field;
