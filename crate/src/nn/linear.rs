//! torch.nn.Linear: weight [out, in] (torch layout), bias [out], y = x·Wᵀ + b.
use super::spec::{self, Options};
use super::{Layer, Needs, Workspace};
use crate::kernels::elementwise::column_sums;
use crate::kernels::gemm::{Gemm, LinearDims};
use crate::rng::Rng;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Linear {
    pub fan_in: usize,
    pub fan_out: usize,
    pub bias: bool,
}

impl Linear {
    /// From `{"type": "linear", "in": 784, "out": 100, "bias"?: true}` (`in_features`/`out_features` too);
    /// the input must be flat, of `in` values.
    pub fn from_options(options: &Options, input: &[usize]) -> Result<Linear, String> {
        spec::check_keys(options, &["in", "out", "in_features", "out_features", "bias"])?;
        let either = |short: &str, long: &str| match spec::integer(options, short, 1)? {
            Some(n) => Ok(n),
            None => spec::required(options, long, 1).map_err(|_| format!("{short} (or {long}) is required")),
        };
        let (fan_in, fan_out) = (either("in", "in_features")?, either("out", "out_features")?);
        let bias = spec::boolean(options, "bias")?.unwrap_or(true);
        match *input {
            [n] if n == fan_in => Ok(Linear { fan_in, fan_out, bias }),
            [n] => Err(format!("expects {fan_in} inputs, the previous layer gives {n}")),
            _ => Err(format!(
                "expects {fan_in} inputs in a flat vector, the previous layer gives {}; add {{\"type\": \"flatten\"}} before it",
                spec::describe_shape(input)
            )),
        }
    }

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

impl Layer for Linear {
    fn kind(&self) -> &'static str {
        "linear"
    }

    fn output_shape(&self) -> Vec<usize> {
        vec![self.fan_out]
    }

    fn param_shapes(&self) -> Vec<Vec<usize>> {
        let mut shapes = vec![self.weight_shape()];
        shapes.extend(self.bias.then(|| vec![self.fan_out]));
        shapes
    }

    fn init(&self, params: &mut [f32], rng: &mut Rng) {
        let (weight, bias) = params.split_at_mut(self.fan_out * self.fan_in);
        Linear::init(self, weight, bias, rng);
    }

    fn needs(&self, batch: usize) -> Needs {
        Needs {
            products: LinearDims::products(self.fan_in, self.fan_out, batch).to_vec(),
            columns: 0,
            saved_per_sample: 0,
        }
    }

    fn fuses_relu(&self) -> bool {
        true
    }

    fn forward(
        &self,
        work: &mut Workspace,
        _saved: &mut [u32],
        x: &[f32],
        params: &[f32],
        y: &mut [f32],
        batch: usize,
        relu: bool,
    ) {
        let (weight, bias) = params.split_at(self.fan_out * self.fan_in);
        if self.bias {
            work.gemm.linear_forward(x, weight, bias, y, self.dims(batch), relu);
        } else {
            work.gemm.linear_forward_no_bias(x, weight, y, self.dims(batch), relu);
        }
    }

    fn backward(
        &self,
        work: &mut Workspace,
        _saved: &[u32],
        x: &[f32],
        _y: &[f32],
        params: &[f32],
        dy: &[f32],
        grads: &mut [f32],
        dx: Option<&mut [f32]>,
        batch: usize,
    ) {
        let weight = &params[..self.fan_out * self.fan_in];
        let (d_weight, d_bias) = grads.split_at_mut(self.fan_out * self.fan_in);
        Linear::backward(self, &mut work.gemm, x, weight, dy, d_weight, d_bias, dx, batch);
    }
}
