//! torch.nn.BCEWithLogitsLoss() (reduction='mean'): per element (1 − t)·x + max(−x, 0) +
//! log(e^(−max(−x,0)) + e^(−x−max(−x,0))), torch's stable form of −[t·log σ(x) + (1 − t)·log(1 − σ(x))];
//! ∂loss/∂x = (σ(x) − t)/n, n = batch × outputs.
use super::sigmoid::sigmoid;

/// Sum of the per-element losses (f64 accumulator); with `grad`, writes (σ(x) − t)·`scale`.
pub fn loss_sum(logits: &[f32], targets: &[f32], grad: Option<(&mut [f32], f32)>) -> f64 {
    assert_eq!(logits.len(), targets.len());
    if let Some((grad, scale)) = grad {
        grad.iter_mut().zip(logits.iter().zip(targets)).for_each(|(g, (&x, &t))| *g = (sigmoid(x) - t) * scale);
    }
    logits
        .iter()
        .zip(targets)
        .map(|(&x, &t)| {
            let max_val = (-x).max(0.0);
            f64::from((1.0 - t) * x + max_val + ((-max_val).exp() + (-x - max_val).exp()).ln())
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn matches_the_log_sigmoid_form_and_stays_finite_for_large_logits() {
        let (x, t) = ([0.5f32, -2.0, 3.0], [1.0f32, 0.0, 0.25]);
        let want: f64 = x
            .iter()
            .zip(&t)
            .map(|(&x, &t)| {
                let s = 1.0 / (1.0 + (-f64::from(x)).exp());
                -(f64::from(t) * s.ln() + (1.0 - f64::from(t)) * (1.0 - s).ln())
            })
            .sum();
        let mut grad = [0.0; 3];
        assert!((loss_sum(&x, &t, Some((&mut grad, 1.0))) - want).abs() < 1e-6);
        assert!((grad[0] - (sigmoid(0.5) - 1.0)).abs() < 1e-7 && (grad[2] - (sigmoid(3.0) - 0.25)).abs() < 1e-7);
        let big = loss_sum(&[200.0, -200.0], &[0.0, 1.0], None);
        assert!((big - 400.0).abs() < 1e-3, "{big}");
    }
}
