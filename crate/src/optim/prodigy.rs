//! Prodigy: d̂ = dγ√(1−β₂ᵗ)/(1−β₁ᵗ);  m ← β₁m + (1−β₁)dg;  v ← β₂v + (1−β₂)(dg)²;  s ← β₃s + d̂dg/d₀;  r ← β₃r + (d/d₀)d̂⟨g, θ₀−θ⟩;
//! d ← max(d, κr/‖s‖₁);  θ ← θ − λd̂θ − d̂m/(√v + dε).  Source: optax.contrib.prodigy, optax 0.2.8.
//! r, ‖s‖₁ and d span all tensors. Where ‖s‖₁ = 0 (zero gradients, learning rate 0) d is kept; optax's 0/0 makes it NaN.
use super::{check_betas, check_slot_sizes, js_number, maximum, non_negative, optax_bias_correction, optax_learning_rate};
use super::{param_groups, put_f32s, put_f64, put_u64, BlobReader, OptimError, Optimizer, Slot};
use serde_json::Value;

#[derive(Clone, Debug)]
pub struct Config {
    pub learning_rate: f64,
    pub betas: (f64, f64),
    /// Decay of s and r; `None` is optax's √β₂.
    pub beta3: Option<f64>,
    pub eps: f64,
    /// The initial distance estimate d₀.
    pub estim_lr0: f64,
    pub estim_lr_coef: f64,
    pub weight_decay: f64,
    pub safeguard_warmup: bool,
}

const OPTIONS: &[&str] = &["learning_rate", "lr", "betas", "beta3", "eps", "estim_lr0", "estim_lr_coef", "weight_decay", "safeguard_warmup"];
const MAGIC: &[u8] = b"OLPRODIGY\0";

/// One tensor's `exp_avg` (m), `exp_avg_sq` (v), `grad_sum` (s) and `params0` (θ₀, taken at the first step).
struct TensorState([Vec<f32>; 4]);

/// The step count, d (optax's `estim_lr`), r (`numerator_weighted`) and each tensor's buffers.
pub struct Prodigy {
    config: Config,
    shapes: Vec<Vec<usize>>,
    tensors: Vec<TensorState>,
    count: u64,
    estim_lr: f32,
    numerator_weighted: f32,
}

fn fresh(shapes: &[Vec<usize>]) -> Vec<TensorState> {
    shapes.iter().map(|s| TensorState(std::array::from_fn(|_| vec![0.0; s.iter().product()]))).collect()
}

pub fn build(options: &Value, shapes: &[Vec<usize>]) -> Result<Box<dyn Optimizer>, OptimError> {
    let (sets, _) = param_groups("prodigy", options, shapes.len(), OPTIONS)?;
    let [o] = &sets[..] else {
        return Err(OptimError::Invalid("prodigy doesn't support per-parameter options (parameter groups)".into()));
    };
    let config = Config {
        learning_rate: optax_learning_rate(o, Some(1.0))?,
        betas: o.pair("betas", (0.9, 0.999))?,
        beta3: o.opt_num("beta3", None)?,
        eps: o.num("eps", 1e-8)?,
        estim_lr0: o.num("estim_lr0", 1e-6)?,
        estim_lr_coef: o.num("estim_lr_coef", 1.0)?,
        weight_decay: o.num("weight_decay", 0.0)?,
        safeguard_warmup: o.flag("safeguard_warmup", false)?,
    };
    check_betas(config.betas)?;
    let invalid = |what: &str, value: f64| Err(OptimError::Invalid(format!("Invalid {what} value: {}", js_number(value))));
    match (config.beta3, config.estim_lr0) {
        (Some(beta3), _) if !(0.0..1.0).contains(&beta3) => return invalid("beta3", beta3),
        (_, estim_lr0) if !(estim_lr0 > 0.0) => return invalid("estim_lr0", estim_lr0),
        _ => {}
    }
    non_negative(config.eps, "Invalid epsilon value")?;
    non_negative(config.estim_lr_coef, "Invalid estim_lr_coef value")?;
    non_negative(config.weight_decay, "Invalid weight_decay value")?;
    let (estim_lr, tensors, shapes) = (config.estim_lr0 as f32, fresh(shapes), shapes.to_vec());
    Ok(Box::new(Prodigy { config, shapes, tensors, count: 0, estim_lr, numerator_weighted: 0.0 }))
}

impl Optimizer for Prodigy {
    fn step(&mut self, slots: &mut [Slot<'_>]) -> Result<(), OptimError> {
        check_slot_sizes(slots, &self.shapes)?;
        if self.count == 0 {
            self.tensors.iter_mut().zip(slots.iter()).for_each(|(t, slot)| t.0[3].copy_from_slice(slot.param));
        }
        self.count += 1;
        let c = &self.config;
        let (b1, b2) = c.betas;
        let beta3 = c.beta3.unwrap_or(b2.sqrt()) as f32;
        let bias_correction = optax_bias_correction(b2, self.count).sqrt() / optax_bias_correction(b1, self.count);
        let d = self.estim_lr;
        let dlr = d * c.learning_rate as f32 * bias_correction;
        let (estim_lr0, grad_sum_scale) = (c.estim_lr0 as f32, if c.safeguard_warmup { d } else { dlr });
        let (beta1, one_minus_beta1, beta2, one_minus_beta2) = (b1 as f32, (1.0 - b1) as f32, b2 as f32, (1.0 - b2) as f32);
        let (mut numerator, mut denominator) = (0.0f32, 0.0f32);
        for (slot, TensorState([exp_avg, exp_avg_sq, grad_sum, params0])) in slots.iter().zip(&mut self.tensors) {
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
        self.numerator_weighted = beta3 * self.numerator_weighted + d / estim_lr0 * dlr * numerator;
        if denominator != 0.0 {
            self.estim_lr = maximum(d, c.estim_lr_coef as f32 * self.numerator_weighted / denominator);
        }
        let (decay, eps) = (-(c.weight_decay as f32) * dlr, self.estim_lr * c.eps as f32);
        for (slot, TensorState([exp_avg, exp_avg_sq, ..])) in slots.iter_mut().zip(&self.tensors) {
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
        if group == 0 { self.config.learning_rate } else { f64::NAN }
    }
    fn set_lr(&mut self, group: usize, lr: f64) {
        self.config.learning_rate = if group == 0 { lr } else { self.config.learning_rate };
    }
    fn name(&self) -> &str {
        "prodigy"
    }
    fn save_state(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(MAGIC);
        put_f64(out, self.config.learning_rate);
        put_u64(out, self.count);
        put_f64(out, self.estim_lr as f64);
        put_f64(out, self.numerator_weighted as f64);
        self.tensors.iter().flat_map(|t| &t.0).for_each(|buffer| put_f32s(out, buffer));
    }
    fn load_state(&mut self, bytes: &[u8]) -> Result<(), OptimError> {
        let Some(body) = bytes.strip_prefix(MAGIC) else {
            return Err(OptimError::State("not an optimlab prodigy state".into()));
        };
        let mut input = BlobReader::new(body);
        let (learning_rate, count, estim_lr, numerator_weighted) = (input.f64()?, input.u64()?, input.f64()?, input.f64()?);
        let mut tensors = fresh(&self.shapes);
        for buffer in tensors.iter_mut().flat_map(|t| &mut t.0) {
            input.f32s_into(buffer)?;
        }
        if !input.is_empty() {
            return Err(OptimError::State("trailing bytes after the last tensor".into()));
        }
        (self.tensors, self.count, self.config.learning_rate) = (tensors, count, learning_rate);
        (self.estim_lr, self.numerator_weighted) = (estim_lr as f32, numerator_weighted as f32);
        Ok(())
    }
}
