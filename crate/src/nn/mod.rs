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
    /// `y = layer(x)`, then max(y, 0) when `relu` (see `Forward`).
    fn forward(&self, pass: Forward<'_>);
    /// From `dy` (∂loss/∂y), overwrites `grads` with ∂loss/∂params and writes `dx` when given (see `Backward`).
    fn backward(&self, pass: Backward<'_>);
}

/// What a layer's forward reads and writes for one batch, borrowed from the model.
pub struct Forward<'a> {
    pub work: &'a mut Workspace,
    /// This layer's own buffer (`Needs::saved_per_sample` per sample), written here for the backward of the same
    /// batch.
    pub saved: &'a mut [u32],
    /// The input, `batch` samples.
    pub x: &'a [f32],
    /// This layer's parameters.
    pub params: &'a [f32],
    /// The output, `batch` samples, overwritten.
    pub y: &'a mut [f32],
    pub batch: usize,
    /// Apply a following ReLU as the output is written (only asked of layers that `fuses_relu`).
    pub relu: bool,
}

/// What a layer's backward reads and writes for the batch of the latest forward, borrowed from the model.
pub struct Backward<'a> {
    pub work: &'a mut Workspace,
    /// What the forward of this batch left in the layer's own buffer.
    pub saved: &'a [u32],
    /// The forward's input and output.
    pub x: &'a [f32],
    pub y: &'a [f32],
    pub params: &'a [f32],
    /// ∂loss/∂y.
    pub dy: &'a [f32],
    /// ∂loss/∂params, overwritten.
    pub grads: &'a mut [f32],
    /// ∂loss/∂x, overwritten; None for the first layer (the data needs no gradient).
    pub dx: Option<&'a mut [f32]>,
    pub batch: usize,
}
