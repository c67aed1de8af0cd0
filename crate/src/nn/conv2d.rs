//! torch.nn.Conv2d on NCHW batches: weight [out_ch, in_ch, kh, kw], bias [out_ch], stride and zero
//! padding per dimension. Each sample goes through the packed SIMD GEMM: the output channels are
//! `weight · patches` (+ bias, ReLU fused when it follows), where `patches` is im2col's [in_ch·kh·kw,
//! out_h·out_w] matrix read in place from the sample inside its zero border (offset tables, no copy);
//! the backward adds `dy · patchesᵀ` into the weight gradient and scatters `weightᵀ · dy` back onto the
//! input (col2im).
use super::spec::{self, Options};
use super::{weighted, Backward, Forward, Layer, Needs, Workspace};
use crate::kernels::gemm::{ConvDims, Patches};
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
    /// [channels, height, width] of one sample inside its zero border.
    padded: [usize; 3],
    /// Where each patch entry (channel, kernel row, kernel column) of the first output pixel lies in the padded
    /// sample, and where each output pixel's patch starts: entry (p, q) of im2col's matrix is at their sum.
    patch_offsets: Vec<u32>,
    pixel_offsets: Vec<u32>,
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
        let [ph, pw] = padded;
        if u32::try_from(channels * ph * pw).is_err() {
            return Err(format!("a padded input of {channels}×{ph}×{pw} values is too large"));
        }
        let ([kh, kw], [sy, sx], [oh, ow]) = (kernel, stride, out);
        let offset = |index: usize| index as u32; // < channels·ph·pw, checked above
        let patch_offsets =
            (0..channels * kh * kw).map(|p| offset((p / (kh * kw) * ph + p / kw % kh) * pw + p % kw)).collect();
        let pixel_offsets = (0..oh * ow).map(|q| offset(q / ow * sy * pw + q % ow * sx)).collect();
        Ok(Conv2d {
            input: [channels, height, width],
            out_channels,
            kernel,
            stride,
            pad_before,
            out,
            bias,
            padded: [channels, ph, pw],
            patch_offsets,
            pixel_offsets,
        })
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

    fn padded_len(&self) -> usize {
        self.padded.iter().product()
    }

    /// The sample inside its zero border, written to `buffer`; the sample itself when there is no padding.
    fn padded<'a>(&self, sample: &'a [f32], buffer: &'a mut [f32]) -> &'a [f32] {
        if self.padded == self.input {
            return sample;
        }
        let ([channels, height, width], [_, ph, pw], [py, px]) = (self.input, self.padded, self.pad_before);
        let buffer = &mut buffer[..self.padded_len()];
        buffer.fill(0.0);
        for (row, line) in sample.chunks_exact(width).enumerate().take(channels * height) {
            let (c, y) = (row / height, row % height);
            buffer[(c * ph + y + py) * pw + px..][..width].copy_from_slice(line);
        }
        buffer
    }

    fn patches<'a>(&'a self, padded: &'a [f32]) -> Patches<'a> {
        Patches { data: padded, patch_offsets: &self.patch_offsets, pixel_offsets: &self.pixel_offsets }
    }

    /// Adds one sample's patch gradients back onto the input value each entry was read from, in `d_padded`
    /// (the sample's shape inside its border), then writes the inside to `dx`.
    fn col2im(&self, d_patches: &[f32], d_padded: &mut [f32], dx: &mut [f32]) {
        let ([_, height, width], [_, ph, pw], [py, px], [oh, ow]) =
            (self.input, self.padded, self.pad_before, self.out);
        let d_padded = &mut d_padded[..self.padded_len()];
        d_padded.fill(0.0);
        for (row, &patch_offset) in d_patches.chunks_exact(oh * ow).zip(&self.patch_offsets) {
            let plane = &mut d_padded[patch_offset as usize..];
            for (gradients, pixels) in row.chunks_exact(ow).zip(self.pixel_offsets.chunks_exact(ow)) {
                if self.stride[1] == 1 {
                    // One output row reads consecutive inputs: a slice add, which vectorizes.
                    let line = &mut plane[pixels[0] as usize..][..ow];
                    line.iter_mut().zip(gradients).for_each(|(d, &g)| *d += g);
                } else {
                    for (&g, &pixel) in gradients.iter().zip(pixels) {
                        plane[pixel as usize] += g;
                    }
                }
            }
        }
        for (row, out) in dx.chunks_exact_mut(width).enumerate() {
            let (c, y) = (row / height, row % height);
            out.copy_from_slice(&d_padded[(c * ph + y + py) * pw + px..][..width]);
        }
    }
}

impl Layer for Conv2d {
    fn kind(&self) -> &'static str {
        "conv2d"
    }

    fn output_shape(&self) -> Vec<usize> {
        vec![self.out_channels, self.out[0], self.out[1]]
    }

    fn param_shapes(&self) -> Vec<Vec<usize>> {
        weighted::param_shapes(vec![self.out_channels, self.input[0], self.kernel[0], self.kernel[1]], self.bias)
    }

    /// fan_in = in_channels·kh·kw.
    fn init(&self, params: &mut [f32], rng: &mut Rng) {
        weighted::init(params, self.dims().patch, rng);
    }

    fn needs(&self, _batch: usize) -> Needs {
        let dims = self.dims();
        // The shared column buffer holds the padded sample, then the patch gradients.
        Needs {
            products: dims.products().to_vec(),
            columns: self.padded_len() + dims.patch * dims.pixels,
            saved_per_sample: 0,
        }
    }

    fn fuses_relu(&self) -> bool {
        true
    }

    fn forward(&self, pass: Forward<'_>) {
        let Forward { work, x, params, y, batch, relu, .. } = pass;
        let dims = self.dims();
        let (weight, bias) = params.split_at(self.weight_len());
        let bias = self.bias.then_some(bias);
        let Workspace { gemm, columns } = work;
        let (in_len, out_len) = (self.input.iter().product::<usize>(), dims.channels * dims.pixels);
        for n in 0..batch {
            let padded = self.padded(&x[n * in_len..(n + 1) * in_len], columns);
            gemm.conv_forward(weight, self.patches(padded), bias, &mut y[n * out_len..(n + 1) * out_len], dims, relu);
        }
    }

    fn backward(&self, pass: Backward<'_>) {
        let Backward { work, x, params, dy, grads, mut dx, batch, .. } = pass;
        let dims = self.dims();
        let weight = &params[..self.weight_len()];
        let (d_weight, d_bias) = grads.split_at_mut(self.weight_len());
        d_weight.fill(0.0);
        d_bias.fill(0.0);
        let Workspace { gemm, columns } = work;
        let (padded_buffer, d_patches) = columns.split_at_mut(self.padded_len());
        let d_patches = &mut d_patches[..dims.patch * dims.pixels];
        let (in_len, out_len) = (self.input.iter().product::<usize>(), dims.channels * dims.pixels);
        for n in 0..batch {
            let dy_n = &dy[n * out_len..(n + 1) * out_len];
            add_channel_sums(d_bias, dy_n, dims.pixels);
            let padded = self.padded(&x[n * in_len..(n + 1) * in_len], padded_buffer);
            gemm.conv_backward_weight(dy_n, self.patches(padded), d_weight, dims);
            if let Some(dx) = dx.as_deref_mut() {
                gemm.conv_backward_columns(weight, dy_n, d_patches, dims);
                self.col2im(d_patches, padded_buffer, &mut dx[n * in_len..(n + 1) * in_len]);
            }
        }
    }
}

/// Adds each channel's sum over its pixels to its bias gradient, four channels at a time: each channel is still
/// summed in pixel order (the bits of `iter().sum()`), in four independent chains of additions rather than one.
fn add_channel_sums(d_bias: &mut [f32], dy: &[f32], pixels: usize) {
    let (mut biases, mut blocks) = (d_bias.chunks_exact_mut(4), dy.chunks_exact(4 * pixels));
    for (db, block) in (&mut biases).zip(&mut blocks) {
        let (c0, rest) = block.split_at(pixels);
        let (c1, rest) = rest.split_at(pixels);
        let (c2, c3) = rest.split_at(pixels);
        let mut sums = [-0.0f32; 4]; // where `Sum for f32` starts
        for (((&a, &b), &c), &d) in c0.iter().zip(c1).zip(c2).zip(c3) {
            sums = [sums[0] + a, sums[1] + b, sums[2] + c, sums[3] + d];
        }
        db.iter_mut().zip(sums).for_each(|(db, sum)| *db += sum);
    }
    for (db, channel) in biases.into_remainder().iter_mut().zip(blocks.remainder().chunks_exact(pixels)) {
        *db += channel.iter().sum::<f32>();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn channel_sums_four_at_a_time_have_the_bits_of_one_sum_per_channel() {
        // Six channels (a group of four, then two alone) of values whose sum depends on the order of additions.
        let (channels, pixels) = (6, 37);
        let mut rng = Rng::new(3);
        let dy: Vec<f32> = (0..channels * pixels)
            .map(|_| rng.uniform(-1.0, 1.0) * 10f32.powi(rng.uniform(-4.0, 4.0) as i32))
            .collect();
        let start: Vec<f32> = (0..channels).map(|c| c as f32 * 0.1).collect();
        let mut got = start.clone();
        add_channel_sums(&mut got, &dy, pixels);
        let want: Vec<f32> =
            start.iter().zip(dy.chunks_exact(pixels)).map(|(b, channel)| b + channel.iter().sum::<f32>()).collect();
        assert_eq!(
            got.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            want.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
    }
}
