//! torch.nn.Tanh: y = tanh(x); the backward is dy·(1 − y²) from the output (torch's tanh_backward).
use super::elementwise::Activation;

pub struct Tanh;

impl Activation for Tanh {
    const KIND: &'static str = "tanh";

    fn value(&self, x: f32) -> f32 {
        x.tanh()
    }

    fn gradient(&self, dy: f32, _x: f32, y: f32) -> f32 {
        dy * (1.0 - y * y)
    }
}
