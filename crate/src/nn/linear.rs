//! torch.nn.Linear: weight [out, in] (torch layout), bias [out], y = x·Wᵀ + b.
use crate::kernels::elementwise::column_sums;
use crate::kernels::gemm::{Gemm, LinearDims};
use crate::rng::Rng;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Linear {
    pub fan_in: usize,
    pub fan_out: usize,
}

impl Linear {
    pub fn weight_shape(&self) -> Vec<usize> {
        vec![self.fan_out, self.fan_in]
    }

    pub fn dims(&self, batch: usize) -> LinearDims {
        LinearDims { batch, fan_in: self.fan_in, fan_out: self.fan_out }
    }

    /// torch's `reset_parameters`: kaiming_uniform_(a=√5) on the weight, whose bound
    /// gain·√(3/fan_in) with gain = √(2/(1+a²)) is 1/√fan_in, and U(±1/√fan_in) on the bias;
    /// drawn from our generator, weight first (row-major), then bias.
    pub fn init(&self, weight: &mut [f32], bias: &mut [f32], rng: &mut Rng) {
        let bound = if self.fan_in > 0 { 1.0 / (self.fan_in as f32).sqrt() } else { 0.0 };
        weight.iter_mut().chain(bias.iter_mut()).for_each(|v| *v = rng.uniform(-bound, bound));
    }

    #[allow(clippy::too_many_arguments)]
    pub fn forward(
        &self,
        gemm: &mut Gemm,
        x: &[f32],
        weight: &[f32],
        bias: &[f32],
        y: &mut [f32],
        batch: usize,
        relu: bool,
    ) {
        gemm.linear_forward(x, weight, bias, y, self.dims(batch), relu);
    }

    /// Writes the weight and bias gradients and, when asked, the gradient with respect to the input.
    #[allow(clippy::too_many_arguments)]
    pub fn backward(
        &self,
        gemm: &mut Gemm,
        x: &[f32],
        weight: &[f32],
        dy: &[f32],
        d_weight: &mut [f32],
        d_bias: &mut [f32],
        dx: Option<&mut [f32]>,
        batch: usize,
    ) {
        let dims = self.dims(batch);
        gemm.linear_backward_weight(dy, x, d_weight, dims);
        column_sums(dy, batch, d_bias);
        if let Some(dx) = dx {
            gemm.linear_backward_input(dy, weight, dx, dims);
        }
    }
}
