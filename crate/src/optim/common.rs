//! What the optimizer files share: torch's and optax's elementwise functions and option checks, and
//! the pieces of a `TensorRule` that are the same in every file (state persistence, lr accessors).
use super::{
    js_number, param_groups, put_f32s, put_f64, put_u64, record_default, BlobReader, OptimError, Options, Persist,
};
use serde_json::Value;

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

/// optax's `learning_rate`, also accepted under torch's name `lr` (giving both is an error);
/// `default` is optax's default, `None` where optax requires one. Checked with torch's wording.
pub fn optax_learning_rate(o: &Options, default: Option<f64>) -> Result<f64, OptimError> {
    let given = (o.opt_num("learning_rate", None)?, o.opt_num("lr", None)?);
    record_default("learning_rate", default.into());
    record_default("lr", default.into());
    let value = match given {
        (Some(_), Some(_)) => {
            return Err(OptimError::Invalid(format!("{}: give learning_rate or its alias lr, not both", o.optimizer())))
        }
        (Some(lr), None) | (None, Some(lr)) => lr,
        (None, None) => {
            default.ok_or_else(|| OptimError::Invalid(format!("{} requires learning_rate (or lr)", o.optimizer())))?
        }
    };
    non_negative(value, "Invalid learning rate")?;
    Ok(value)
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

/// The state of a stateless rule (signSGD, Fromage): nothing to save.
impl Persist for () {
    fn save(&self, _out: &mut Vec<u8>) {}
    fn load(&mut self, _input: &mut BlobReader<'_>) -> Result<(), OptimError> {
        Ok(())
    }
}

/// A state field that [`persist!`] can save: a step counter (`u64`) or a buffer (`Vec<f32>`, loaded
/// only into a buffer of the same length).
pub trait StateField {
    fn put(&self, out: &mut Vec<u8>);
    fn take(&mut self, input: &mut BlobReader<'_>) -> Result<(), OptimError>;
}

impl StateField for u64 {
    fn put(&self, out: &mut Vec<u8>) {
        put_u64(out, *self);
    }
    fn take(&mut self, input: &mut BlobReader<'_>) -> Result<(), OptimError> {
        *self = input.u64()?;
        Ok(())
    }
}

impl StateField for Vec<f32> {
    fn put(&self, out: &mut Vec<u8>) {
        put_f32s(out, self);
    }
    fn take(&mut self, input: &mut BlobReader<'_>) -> Result<(), OptimError> {
        input.f32s_into(self)
    }
}

/// `persist!(State { step, exp_avg, exp_avg_sq })` implements [`Persist`] by saving those fields in
/// that order; naming them once keeps save and load in step. Fields are [`StateField`]s; a state with
/// other fields (f32 scalars, buffers allocated lazily) writes its `Persist` by hand.
macro_rules! persist {
    ($state:ty { $($field:ident),+ $(,)? }) => {
        impl $crate::optim::Persist for $state {
            fn save(&self, out: &mut Vec<u8>) {
                $($crate::optim::StateField::put(&self.$field, out);)+
            }
            fn load(&mut self, input: &mut $crate::optim::BlobReader<'_>) -> Result<(), $crate::optim::OptimError> {
                $($crate::optim::StateField::take(&mut self.$field, input)?;)+
                Ok(())
            }
        }
    };
}
pub(crate) use persist;

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

/// The options of an optimizer that takes one param group only (LBFGS, Prodigy, D-Adaptation), with torch's
/// refusal of more; `display` is the name the message gives it ("LBFGS").
pub fn single_group(
    optimizer: &'static str,
    display: &str,
    options: &Value,
    tensor_count: usize,
    valid: &'static [&'static str],
) -> Result<Options, OptimError> {
    let (mut sets, _) = param_groups(optimizer, options, tensor_count, valid)?;
    match (sets.pop(), sets.is_empty()) {
        (Some(options), true) => Ok(options),
        _ => Err(OptimError::Invalid(format!("{display} doesn't support per-parameter options (parameter groups)"))),
    }
}

/// The state of a distance-estimating optimizer whose d spans all tensors (Prodigy, D-Adaptation): the step
/// count, d (optax's `estim_lr`), r (`numerator_weighted`) and `N` buffers per tensor.
pub struct DistanceState<const N: usize> {
    pub count: u64,
    pub estim_lr: f32,
    pub numerator_weighted: f32,
    pub tensors: Vec<[Vec<f32>; N]>,
}

impl<const N: usize> DistanceState<N> {
    pub fn new(shapes: &[Vec<usize>], estim_lr: f32) -> Self {
        let tensors = shapes.iter().map(|shape| std::array::from_fn(|_| vec![0.0; shape.iter().product()])).collect();
        DistanceState { count: 0, estim_lr, numerator_weighted: 0.0, tensors }
    }

    /// `magic`, the lr in force, the scalars, then every tensor's buffers in order.
    pub fn save(&self, magic: &[u8], lr: f64, out: &mut Vec<u8>) {
        out.extend_from_slice(magic);
        put_f64(out, lr);
        put_u64(out, self.count);
        put_f64(out, self.estim_lr as f64);
        put_f64(out, self.numerator_weighted as f64);
        self.tensors.iter().flatten().for_each(|buffer| put_f32s(out, buffer));
    }

    /// Replaces the state by one `save` wrote and returns its lr; on error the state is left untouched.
    pub fn load(&mut self, magic: &[u8], optimizer: &str, bytes: &[u8]) -> Result<f64, OptimError> {
        let Some(body) = bytes.strip_prefix(magic) else {
            return Err(OptimError::State(format!("not an optimlab {optimizer} state")));
        };
        let mut input = BlobReader::new(body);
        let (lr, count, estim_lr, numerator_weighted) = (input.f64()?, input.u64()?, input.f64()?, input.f64()?);
        let mut tensors: Vec<[Vec<f32>; N]> =
            self.tensors.iter().map(|buffers| std::array::from_fn(|k| vec![0.0; buffers[k].len()])).collect();
        for buffer in tensors.iter_mut().flatten() {
            input.f32s_into(buffer)?;
        }
        if !input.is_empty() {
            return Err(OptimError::State("trailing bytes after the last tensor".into()));
        }
        *self =
            DistanceState { count, estim_lr: estim_lr as f32, numerator_weighted: numerator_weighted as f32, tensors };
        Ok(lr)
    }
}
