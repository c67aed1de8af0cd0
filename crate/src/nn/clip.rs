//! Gradient clipping between backward and the optimizer step, torch.nn.utils' semantics:
//! `clip_grad_norm_(params, max_norm)`: total = ‖(‖g₁‖, ‖g₂‖, …)‖₂ (the 2-norm over all parameters),
//! every gradient × min(max_norm / (total + 1e-6), 1); `clip_grad_value_(params, v)`: each
//! gradient clamped to [−v, v]. A NaN stays NaN (the norm, hence every gradient, becomes NaN).
use crate::arena::Arena;
use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Clip {
    /// clip_grad_norm_ with this max_norm (norm_type 2).
    Norm(f32),
    /// clip_grad_value_ with this clip_value.
    Value(f32),
}

impl Clip {
    /// From `{"clip_grad_norm": 1.0}` or `{"clip_grad_value": 0.5}` (null: no clipping).
    pub fn from_json(value: &Value) -> Result<Option<Clip>, String> {
        let usage = || {
            format!("clip must be {{\"clip_grad_norm\": max_norm}} or {{\"clip_grad_value\": clip_value}}, got {value}")
        };
        let Value::Object(options) = value else {
            return if value.is_null() { Ok(None) } else { Err(usage()) };
        };
        let mut entries = options.iter();
        let (Some((key, limit)), None) = (entries.next(), entries.next()) else {
            return Err(usage());
        };
        let limit = limit
            .as_f64()
            .filter(|v| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| format!("clip: {key} must be a non-negative number, got {limit}"))?
            as f32;
        match key.as_str() {
            "clip_grad_norm" => Ok(Some(Clip::Norm(limit))),
            "clip_grad_value" => Ok(Some(Clip::Value(limit))),
            _ => Err(usage()),
        }
    }

    /// Clips the arena's gradients in place; returns the total 2-norm before clipping for `Norm`
    /// (what clip_grad_norm_ returns), NaN for `Value`.
    pub fn apply(self, arena: &mut Arena) -> f32 {
        match self {
            Clip::Norm(max_norm) => clip_grad_norm(arena, max_norm),
            Clip::Value(clip_value) => {
                arena.grads_mut().iter_mut().for_each(|g| *g = g.clamp(-clip_value, clip_value));
                f32::NAN
            }
        }
    }
}

/// torch's foreach path: one float32 norm per tensor, the norm of those norms, then one scale.
fn clip_grad_norm(arena: &mut Arena, max_norm: f32) -> f32 {
    let grads = arena.grads();
    let squares: f64 = arena
        .entries()
        .iter()
        .map(|entry| {
            let tensor = &grads[entry.offset..entry.offset + entry.len];
            let norm = tensor.iter().map(|&g| f64::from(g) * f64::from(g)).sum::<f64>().sqrt() as f32;
            f64::from(norm) * f64::from(norm)
        })
        .sum();
    let total = squares.sqrt() as f32;
    let coef = max_norm / (total + 1e-6);
    // torch.clamp(coef, max=1.0), which keeps a NaN (f32::min would not).
    let coef = if coef > 1.0 { 1.0 } else { coef };
    arena.grads_mut().iter_mut().for_each(|g| *g *= coef);
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn arena(grads: &[f32]) -> Arena {
        let mut arena = Arena::new(&[vec![2], vec![grads.len() - 2]]);
        arena.grads_mut().copy_from_slice(grads);
        arena
    }

    #[test]
    fn norm_clipping_scales_all_tensors_by_one_factor() {
        // Tensor norms 5 and 12: total 13.
        let mut a = arena(&[3.0, 4.0, 12.0]);
        assert_eq!(Clip::Norm(6.5).apply(&mut a), 13.0);
        let coef = 6.5f32 / (13.0 + 1e-6);
        assert_eq!(a.grads(), [3.0 * coef, 4.0 * coef, 12.0 * coef]);
        let mut small = arena(&[0.3, 0.4, 0.0]);
        Clip::Norm(1.0).apply(&mut small);
        assert_eq!(small.grads(), [0.3, 0.4, 0.0], "below max_norm: unchanged (× 1)");
        let mut nan = arena(&[f32::NAN, 1.0, 1.0]);
        assert!(Clip::Norm(1.0).apply(&mut nan).is_nan());
        assert!(nan.grads().iter().all(|g| g.is_nan()), "torch: a NaN norm makes every gradient NaN");
    }

    #[test]
    fn value_clipping_clamps_each_gradient() {
        let mut a = arena(&[-2.0, 0.05, 3.0, f32::NAN]);
        Clip::Value(0.1).apply(&mut a);
        assert_eq!(a.grads()[..3], [-0.1, 0.05, 0.1]);
        assert!(a.grads()[3].is_nan());
    }

    #[test]
    fn json_forms_and_errors() {
        assert_eq!(Clip::from_json(&serde_json::json!({"clip_grad_norm": 0.5})), Ok(Some(Clip::Norm(0.5))));
        assert_eq!(Clip::from_json(&serde_json::json!({"clip_grad_value": 1})), Ok(Some(Clip::Value(1.0))));
        assert_eq!(Clip::from_json(&Value::Null), Ok(None));
        assert_eq!(
            Clip::from_json(&serde_json::json!({"clip_grad_norm": -1})).unwrap_err(),
            "clip: clip_grad_norm must be a non-negative number, got -1"
        );
        assert!(Clip::from_json(&serde_json::json!({"max_norm": 1})).unwrap_err().starts_with("clip must be"));
    }
}
