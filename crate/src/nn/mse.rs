//! torch.nn.MSELoss() (reduction='mean'): the mean of (y − t)² over every element of the batch;
//! ∂loss/∂y = (2/n)·(y − t), n = batch × outputs (torch's mse_loss_backward).

/// Sum of the squared errors (f64 accumulator); with `grad`, writes (y − t)·`scale` for every element.
pub fn squared_error_sum(predictions: &[f32], targets: &[f32], grad: Option<(&mut [f32], f32)>) -> f64 {
    assert_eq!(predictions.len(), targets.len());
    if let Some((grad, scale)) = grad {
        grad.iter_mut().zip(predictions.iter().zip(targets)).for_each(|(g, (&y, &t))| *g = (y - t) * scale);
    }
    predictions.iter().zip(targets).map(|(&y, &t)| f64::from(y - t) * f64::from(y - t)).sum()
}

/// The gradient scale of the mean over `n` elements: torch's norm 2/n, a float32 value.
pub fn gradient_scale(n: usize) -> f32 {
    (2.0 / n as f64) as f32
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn sum_and_gradient_of_squared_errors() {
        let mut grad = [0.0; 3];
        let sum = squared_error_sum(&[1.0, -1.0, 2.0], &[0.0, 1.0, 2.0], Some((&mut grad, gradient_scale(3))));
        assert_eq!(sum, 5.0);
        assert_eq!(grad, [2.0 / 3.0, -4.0 / 3.0, 0.0]);
    }
}
