//! torch.nn.ReLU: y = max(x, 0). After a linear or conv2d layer it is fused into that layer's GEMM
//! epilogue (its backward is `kernels::elementwise::relu_backward` there); elsewhere (after a pool) it is a
//! layer of its own. The backward masks the incoming gradient by the output (torch's threshold_backward:
//! zero where the output is ≤ 0).
use super::elementwise::Activation;

pub struct Relu;

impl Activation for Relu {
    const KIND: &'static str = "relu";

    fn value(&self, x: f32) -> f32 {
        // `if x < 0` rather than `max`: NaN stays NaN, like torch.relu.
        if x < 0.0 {
            0.0
        } else {
            x
        }
    }

    fn gradient(&self, dy: f32, _x: f32, y: f32) -> f32 {
        if y <= 0.0 {
            0.0
        } else {
            dy
        }
    }
}
