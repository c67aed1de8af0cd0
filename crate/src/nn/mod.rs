//! Neural-network layers and losses, forward and backward over buffers allocated once, each matched to
//! its torch.nn counterpart; `model` assembles them from a JSON layer list (the notebook's SimpleNet is one:
//! `train::mlp_model`), `step` is one training step of a model.
pub mod avgpool2d;
pub mod bce_with_logits;
pub mod clip;
pub mod conv2d;
pub mod cross_entropy;
pub mod elementwise;
pub mod flatten;
pub mod gelu;
pub mod leaky_relu;
pub mod linear;
pub mod maxpool2d;
pub mod model;
pub mod mse;
pub mod pool;
pub mod quadratic;
pub mod relu;
pub mod sigmoid;
pub mod spec;
pub mod step;
pub mod tanh;
pub mod weighted;

use crate::kernels::gemm::Gemm;
use crate::rng::Rng;

/// Buffers every layer of a model shares, sized once for the largest need: the GEMM packing panels
/// and the im2col columns of a convolution.
pub struct Workspace {
    pub gemm: Gemm,
    pub columns: Vec<f32>,
}

/// What a layer needs for a batch: from the shared workspace, its GEMM products (m, n, k) and the length
/// of its column buffer; of its own, the length per sample of what its forward saves for its backward.
#[derive(Default)]
pub struct Needs {
    pub products: Vec<(usize, usize, usize)>,
    pub columns: usize,
    pub saved_per_sample: usize,
}

/// One layer of a model. Inputs and outputs are whole batches, row-major per sample (NCHW for images);
/// `params`/`grads` are this layer's tensors back to back in torch's order (weight, then bias).
pub trait Layer {
    /// The name in a JSON layer list ("linear", "conv2d", …).
    fn kind(&self) -> &'static str;
    /// Shape of one sample's output.
    fn output_shape(&self) -> Vec<usize>;
    /// Shapes of the parameter tensors, torch's order.
    fn param_shapes(&self) -> Vec<Vec<usize>> {
        Vec::new()
    }
    /// torch's default initialization, drawn from `rng`.
    fn init(&self, _params: &mut [f32], _rng: &mut Rng) {}
    fn needs(&self, _batch: usize) -> Needs {
        Needs::default()
    }
    /// True when a following ReLU can be applied as the output is written (linear and conv2d).
    fn fuses_relu(&self) -> bool {
        false
    }
    /// `y = layer(x)`, then max(y, 0) when `relu` (only asked of layers that fuse it). `saved` is this
    /// layer's own buffer (`Needs::saved` long), written here for the backward of the same batch.
    #[allow(clippy::too_many_arguments)]
    fn forward(
        &self,
        work: &mut Workspace,
        saved: &mut [u32],
        x: &[f32],
        params: &[f32],
        y: &mut [f32],
        batch: usize,
        relu: bool,
    );
    /// From `dy` (∂loss/∂y), overwrites `grads` with ∂loss/∂params and writes `dx` when given; `saved` is
    /// what the forward of this batch left.
    #[allow(clippy::too_many_arguments)]
    fn backward(
        &self,
        work: &mut Workspace,
        saved: &[u32],
        x: &[f32],
        y: &[f32],
        params: &[f32],
        dy: &[f32],
        grads: &mut [f32],
        dx: Option<&mut [f32]>,
        batch: usize,
    );
}
