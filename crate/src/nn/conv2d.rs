//! torch.nn.Conv2d on NCHW batches: weight [out_ch, in_ch, kh, kw], bias [out_ch], stride and zero
//! padding per dimension. Each sample goes through the packed SIMD GEMM: im2col lays its patches out as
//! a [in_ch·kh·kw, out_h·out_w] matrix in the shared column buffer, the output channels are
//! `weight · columns` (+ bias, ReLU fused when it follows); the backward recomputes the columns,
//! adds `dy · columnsᵀ` into the weight gradient and scatters `weightᵀ · dy` back to the input (col2im).
use super::spec::{self, Options};
use super::{Layer, Needs, Workspace};
use crate::kernels::gemm::ConvDims;
use crate::rng::Rng;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conv2d {
    /// [channels, height, width] of one input sample.
    pub input: [usize; 3],
    pub out_channels: usize,
    pub kernel: [usize; 2],
    pub stride: [usize; 2],
    /// Zeros added before the first row and column.
    pub pad_before: [usize; 2],
    /// [out_h, out_w].
    pub out: [usize; 2],
    pub bias: bool,
}

const OPTIONS: [&str; 6] = ["in_channels", "out_channels", "kernel_size", "stride", "padding", "bias"];

impl Conv2d {
    /// From `{"type": "conv2d", "in_channels", "out_channels", "kernel_size", "stride"?: 1, "padding"?: 0
    /// | [h, w] | "same" | "valid", "bias"?: true}`, torch's names and defaults.
    pub fn from_options(options: &Options, input: &[usize]) -> Result<Conv2d, String> {
        spec::check_keys(options, &OPTIONS)?;
        let in_channels = spec::required(options, "in_channels", 1)?;
        let out_channels = spec::required(options, "out_channels", 1)?;
        let kernel = spec::pair(options, "kernel_size", 1)?.ok_or("kernel_size is required")?;
        let stride = spec::pair(options, "stride", 1)?.unwrap_or([1, 1]);
        let bias = spec::boolean(options, "bias")?.unwrap_or(true);
        // Total padding per dimension, split before/after as torch does ("same" puts the odd one after).
        let padding = match options.get("padding").map(|p| (p, p.as_str())) {
            Some((_, Some("valid"))) => [0, 0],
            Some((_, Some("same"))) => {
                if stride != [1, 1] {
                    return Err("padding='same' is not supported for strided convolutions".into());
                }
                [kernel[0] - 1, kernel[1] - 1]
            }
            Some((value, Some(_))) => {
                return Err(format!("padding must be an integer, [h, w], \"same\" or \"valid\", got {value}"))
            }
            _ => spec::pair(options, "padding", 0)?.unwrap_or([0, 0]).map(|p| 2 * p),
        };
        let pad_before = padding.map(|p| p / 2);
        let [channels, height, width] = spec::image(input)?;
        if channels != in_channels {
            return Err(format!(
                "expects {in_channels} input channels, the previous layer gives {channels} (shape {input:?})"
            ));
        }
        let padded = [height + padding[0], width + padding[1]];
        if kernel[0] > padded[0] || kernel[1] > padded[1] {
            return Err(format!(
                "kernel size {}×{} is larger than the padded input {}×{}",
                kernel[0], kernel[1], padded[0], padded[1]
            ));
        }
        let out = [(padded[0] - kernel[0]) / stride[0] + 1, (padded[1] - kernel[1]) / stride[1] + 1];
        Ok(Conv2d { input: [channels, height, width], out_channels, kernel, stride, pad_before, out, bias })
    }

    fn dims(&self) -> ConvDims {
        ConvDims {
            channels: self.out_channels,
            patch: self.input[0] * self.kernel[0] * self.kernel[1],
            pixels: self.out[0] * self.out[1],
        }
    }

    fn weight_len(&self) -> usize {
        self.out_channels * self.dims().patch
    }

    /// One sample's patches: `columns[(c·kh + i)·kw + j, oy·out_w + ox] = x[c, oy·sy + i − py, ox·sx + j − px]`,
    /// zero outside the image.
    fn im2col(&self, x: &[f32], columns: &mut [f32]) {
        let ([channels, height, width], [kh, kw], [sy, sx], [py, px], [oh, ow]) =
            (self.input, self.kernel, self.stride, self.pad_before, self.out);
        let mut rows = columns.chunks_exact_mut(oh * ow);
        for c in 0..channels {
            let plane = &x[c * height * width..(c + 1) * height * width];
            for i in 0..kh {
                for j in 0..kw {
                    let row = rows.next().expect("columns sized for the patch");
                    let (first, last) = valid_range(j, px, sx, width, ow);
                    for oy in 0..oh {
                        let out = &mut row[oy * ow..(oy + 1) * ow];
                        let Some(y) = (oy * sy + i).checked_sub(py).filter(|&y| y < height) else {
                            out.fill(0.0);
                            continue;
                        };
                        let line = &plane[y * width..(y + 1) * width];
                        out[..first].fill(0.0);
                        out[last..].fill(0.0);
                        if sx == 1 {
                            let start = first + j - px;
                            out[first..last].copy_from_slice(&line[start..start + last - first]);
                        } else {
                            for (ox, o) in out.iter_mut().enumerate().take(last).skip(first) {
                                *o = line[ox * sx + j - px];
                            }
                        }
                    }
                }
            }
        }
    }

    /// Adds one sample's column gradients back onto the input gradient `dx` (zeroed by the caller).
    fn col2im(&self, d_columns: &[f32], dx: &mut [f32]) {
        let ([channels, height, width], [kh, kw], [sy, sx], [py, px], [oh, ow]) =
            (self.input, self.kernel, self.stride, self.pad_before, self.out);
        let mut rows = d_columns.chunks_exact(oh * ow);
        for c in 0..channels {
            let plane = &mut dx[c * height * width..(c + 1) * height * width];
            for i in 0..kh {
                for j in 0..kw {
                    let row = rows.next().expect("columns sized for the patch");
                    let (first, last) = valid_range(j, px, sx, width, ow);
                    for oy in 0..oh {
                        let Some(y) = (oy * sy + i).checked_sub(py).filter(|&y| y < height) else {
                            continue;
                        };
                        let line = &mut plane[y * width..(y + 1) * width];
                        for (ox, &g) in row[oy * ow..(oy + 1) * ow].iter().enumerate().take(last).skip(first) {
                            line[ox * sx + j - px] += g;
                        }
                    }
                }
            }
        }
    }
}

/// The output columns `first..last` whose input column `ox·stride + j − pad` lies inside `0..width`.
fn valid_range(j: usize, pad: usize, stride: usize, width: usize, out_width: usize) -> (usize, usize) {
    let first = pad.saturating_sub(j).div_ceil(stride).min(out_width);
    // ox·stride + j − pad ≤ width − 1  ⇔  ox ≤ (width − 1 + pad − j) / stride
    let last = match (width + pad).checked_sub(j + 1) {
        Some(limit) => (limit / stride + 1).min(out_width),
        None => 0,
    };
    (first, last.max(first))
}

impl Layer for Conv2d {
    fn kind(&self) -> &'static str {
        "conv2d"
    }

    fn output_shape(&self) -> Vec<usize> {
        vec![self.out_channels, self.out[0], self.out[1]]
    }

    fn param_shapes(&self) -> Vec<Vec<usize>> {
        let mut shapes = vec![vec![self.out_channels, self.input[0], self.kernel[0], self.kernel[1]]];
        shapes.extend(self.bias.then(|| vec![self.out_channels]));
        shapes
    }

    /// torch's `reset_parameters`, as for Linear with fan_in = in_channels·kh·kw: U(±1/√fan_in) for the
    /// weight (kaiming_uniform_ with a = √5) and the bias.
    fn init(&self, params: &mut [f32], rng: &mut Rng) {
        let bound = 1.0 / (self.dims().patch as f32).sqrt();
        params.iter_mut().for_each(|v| *v = rng.uniform(-bound, bound));
    }

    fn needs(&self, _batch: usize) -> Needs {
        let dims = self.dims();
        Needs { products: dims.products().to_vec(), columns: dims.patch * dims.pixels }
    }

    fn fuses_relu(&self) -> bool {
        true
    }

    fn forward(&self, work: &mut Workspace, x: &[f32], params: &[f32], y: &mut [f32], batch: usize, relu: bool) {
        let dims = self.dims();
        let (weight, bias) = params.split_at(self.weight_len());
        let columns = &mut work.columns[..dims.patch * dims.pixels];
        let (in_len, out_len) = (self.input.iter().product::<usize>(), dims.channels * dims.pixels);
        for n in 0..batch {
            self.im2col(&x[n * in_len..(n + 1) * in_len], columns);
            let bias = self.bias.then_some(bias);
            work.gemm.conv_forward(weight, columns, bias, &mut y[n * out_len..(n + 1) * out_len], dims, relu);
        }
    }

    fn backward(
        &self,
        work: &mut Workspace,
        x: &[f32],
        _y: &[f32],
        params: &[f32],
        dy: &[f32],
        grads: &mut [f32],
        mut dx: Option<&mut [f32]>,
        batch: usize,
    ) {
        let dims = self.dims();
        let weight = &params[..self.weight_len()];
        let (d_weight, d_bias) = grads.split_at_mut(self.weight_len());
        d_weight.fill(0.0);
        d_bias.fill(0.0);
        let columns = &mut work.columns[..dims.patch * dims.pixels];
        let (in_len, out_len) = (self.input.iter().product::<usize>(), dims.channels * dims.pixels);
        for n in 0..batch {
            let dy_n = &dy[n * out_len..(n + 1) * out_len];
            for (db, channel) in d_bias.iter_mut().zip(dy_n.chunks_exact(dims.pixels)) {
                *db += channel.iter().sum::<f32>();
            }
            self.im2col(&x[n * in_len..(n + 1) * in_len], columns);
            work.gemm.conv_backward_weight(dy_n, columns, d_weight, dims);
            if let Some(dx) = dx.as_deref_mut() {
                // The columns are consumed: their buffer now takes their gradient.
                work.gemm.conv_backward_columns(weight, dy_n, columns, dims);
                let dx_n = &mut dx[n * in_len..(n + 1) * in_len];
                dx_n.fill(0.0);
                self.col2im(columns, dx_n);
            }
        }
    }
}
