//! `F.log_softmax(logits, dim=1)` followed by `nn.NLLLoss()` (mean over the batch), fused:
//! loss_i = log Σ_j exp(z_ij − m_i) − (z_iy − m_i) with m_i = max_j z_ij, and
//! ∂loss/∂z_ij = (softmax(z_i)_j − [j = y_i]) / batch.

/// Sum over the rows of the per-row NLL (f64 accumulator). With `grad`, also writes
/// `scale · (softmax − onehot)` for every logit; labels must be below `classes` (checked by callers).
pub fn log_softmax_nll(logits: &[f32], labels: &[u8], classes: usize, grad: Option<(&mut [f32], f32)>) -> f64 {
    let rows = labels.len();
    assert!(logits.len() >= rows * classes);
    let mut total = 0.0f64;
    let mut grad = grad;
    for (i, &label) in labels.iter().enumerate() {
        let z = &logits[i * classes..(i + 1) * classes];
        let max = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let sum_exp: f32 = z.iter().map(|&v| (v - max).exp()).sum();
        let log_sum = sum_exp.ln();
        total += f64::from(log_sum - (z[label as usize] - max));
        if let Some((g, scale)) = grad.as_mut() {
            let g = &mut g[i * classes..(i + 1) * classes];
            for (j, (gj, &zj)) in g.iter_mut().zip(z).enumerate() {
                let softmax = (zj - max - log_sum).exp();
                let onehot = if j == label as usize { 1.0 } else { 0.0 };
                *gj = (softmax - onehot) * *scale;
            }
        }
    }
    total
}

/// Rows whose largest logit is at the label (the first maximum, like torch.argmax).
pub fn correct_count(logits: &[f32], labels: &[u8], classes: usize) -> usize {
    labels
        .iter()
        .enumerate()
        .filter(|&(i, &label)| {
            let z = &logits[i * classes..(i + 1) * classes];
            let best = z.iter().enumerate().fold(0, |best, (j, &v)| if v > z[best] { j } else { best });
            best == label as usize
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn matches_hand_computed_values() {
        // Row [0, ln 3]: softmax [1/4, 3/4]; NLL of label 1 is ln(4/3), of label 0 is ln 4.
        let logits = [0.0, 3f32.ln(), 0.0, 3f32.ln()];
        let mut grad = [0.0; 4];
        let sum = log_softmax_nll(&logits, &[1, 0], 2, Some((&mut grad, 0.5)));
        assert!((sum - ((4.0f64 / 3.0).ln() + 4f64.ln())).abs() < 1e-6);
        let want = [0.125, -0.125, -0.375, 0.375];
        assert!(grad.iter().zip(want).all(|(g, w)| (g - w).abs() < 1e-6), "{grad:?}");
        assert_eq!(correct_count(&logits, &[1, 0], 2), 1);
    }

    #[test]
    fn large_logits_do_not_overflow() {
        let sum = log_softmax_nll(&[1000.0, 0.0], &[0], 2, None);
        assert!(sum.is_finite() && sum < 1e-6);
    }
}
