//! torch.nn.Linear: weight [out, in] (torch layout), bias [out], y = x·Wᵀ + b.
use super::spec::{self, Options};
use super::{weighted, Backward, Forward, Layer, Needs};
use crate::kernels::elementwise::column_sums;
use crate::kernels::gemm::LinearDims;
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

    fn dims(&self, batch: usize) -> LinearDims {
        LinearDims { batch, fan_in: self.fan_in, fan_out: self.fan_out }
    }

    fn weight_len(&self) -> usize {
        self.fan_out * self.fan_in
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
        weighted::param_shapes(vec![self.fan_out, self.fan_in], self.bias)
    }

    fn init(&self, params: &mut [f32], rng: &mut Rng) {
        weighted::init(params, self.fan_in, rng);
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

    fn forward(&self, pass: Forward<'_>) {
        let Forward { work, x, params, y, batch, relu, .. } = pass;
        let (weight, bias) = params.split_at(self.weight_len());
        if self.bias {
            work.gemm.linear_forward(x, weight, bias, y, self.dims(batch), relu);
        } else {
            work.gemm.linear_forward_no_bias(x, weight, y, self.dims(batch), relu);
        }
    }

    /// Writes the weight and bias gradients and, when asked, the gradient with respect to the input.
    fn backward(&self, pass: Backward<'_>) {
        let Backward { work, x, params, dy, grads, dx, batch, .. } = pass;
        let (dims, weight) = (self.dims(batch), &params[..self.weight_len()]);
        let (d_weight, d_bias) = grads.split_at_mut(self.weight_len());
        work.gemm.linear_backward_weight(dy, x, d_weight, dims);
        column_sums(dy, batch, d_bias);
        if let Some(dx) = dx {
            work.gemm.linear_backward_input(dy, weight, dx, dims);
        }
    }
}
