//! torch.nn.Sigmoid: y = 1 / (1 + e^(−x)); the backward is dy·y·(1 − y) from the output (torch's
//! sigmoid_backward).
use super::{Layer, Workspace};

pub struct Sigmoid {
    pub shape: Vec<usize>,
}

/// 1 / (1 + e^(−x)): tends to 0 for very negative x (e^(−x) overflows to infinity, 1/∞ = 0), no NaN.
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

impl Layer for Sigmoid {
    fn kind(&self) -> &'static str {
        "sigmoid"
    }

    fn output_shape(&self) -> Vec<usize> {
        self.shape.clone()
    }

    fn forward(
        &self,
        _work: &mut Workspace,
        _saved: &mut [u32],
        x: &[f32],
        _params: &[f32],
        y: &mut [f32],
        _batch: usize,
        _relu: bool,
    ) {
        y.iter_mut().zip(x).for_each(|(y, &x)| *y = sigmoid(x));
    }

    fn backward(
        &self,
        _work: &mut Workspace,
        _saved: &[u32],
        _x: &[f32],
        y: &[f32],
        _params: &[f32],
        dy: &[f32],
        _grads: &mut [f32],
        dx: Option<&mut [f32]>,
        _batch: usize,
    ) {
        if let Some(dx) = dx {
            dx.iter_mut().zip(dy).zip(y).for_each(|((dx, &dy), &y)| *dx = dy * (1.0 - y) * y);
        }
    }
}
