//! torch.nn.ReLU: y = max(x, 0). After a linear or conv2d layer it is fused into that layer's GEMM
//! epilogue; elsewhere (after a pool) it is a layer of its own. The backward masks the incoming
//! gradient by the output (torch's threshold_backward: zero where the output is ≤ 0).
use super::{Layer, Workspace};
pub use crate::kernels::elementwise::relu_backward;

pub struct Relu {
    pub shape: Vec<usize>,
}

impl Layer for Relu {
    fn kind(&self) -> &'static str {
        "relu"
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
        // `if x < 0` rather than `max`: NaN stays NaN, like torch.relu.
        y.iter_mut().zip(x).for_each(|(y, &x)| *y = if x < 0.0 { 0.0 } else { x });
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
            dx.copy_from_slice(dy);
            relu_backward(dx, y);
        }
    }
}
