//! torch.nn.Sigmoid: y = 1 / (1 + e^(−x)); the backward is dy·y·(1 − y) from the output (torch's
//! sigmoid_backward).
use super::elementwise::Activation;

pub struct Sigmoid;

/// 1 / (1 + e^(−x)): tends to 0 for very negative x (e^(−x) overflows to infinity, 1/∞ = 0), no NaN.
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

impl Activation for Sigmoid {
    const KIND: &'static str = "sigmoid";

    fn value(&self, x: f32) -> f32 {
        sigmoid(x)
    }

    fn gradient(&self, dy: f32, _x: f32, y: f32) -> f32 {
        dy * (1.0 - y) * y
    }
}
