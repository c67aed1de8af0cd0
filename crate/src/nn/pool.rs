//! The window geometry shared by maxpool2d and avgpool2d: torch's kernel_size, stride (default: the
//! kernel size) and padding, ceil_mode off: out = (in + 2·padding − kernel) / stride + 1.
use super::spec::{self, Options};
use std::ops::Range;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pool {
    /// [channels, height, width] of one input sample.
    pub input: [usize; 3],
    pub kernel: [usize; 2],
    pub stride: [usize; 2],
    pub padding: [usize; 2],
    /// [out_h, out_w].
    pub out: [usize; 2],
}

impl Pool {
    pub fn from_options(options: &Options, input: &[usize], extra_keys: &[&str]) -> Result<Pool, String> {
        let keys: Vec<&str> = ["kernel_size", "stride", "padding"].iter().chain(extra_keys).copied().collect();
        spec::check_keys(options, &keys)?;
        let kernel = spec::pair(options, "kernel_size", 1)?.ok_or("kernel_size is required")?;
        let stride = spec::pair(options, "stride", 1)?.unwrap_or(kernel);
        let padding = spec::pair(options, "padding", 0)?.unwrap_or([0, 0]);
        if padding[0] > kernel[0] / 2 || padding[1] > kernel[1] / 2 {
            // torch's wording
            return Err(format!(
                "pad should be at most half of effective kernel size, but got pad={}, kernel_size={}",
                padding[0].max(padding[1]),
                kernel[0].max(kernel[1])
            ));
        }
        let [channels, height, width] = spec::image(input)?;
        let padded = [height + 2 * padding[0], width + 2 * padding[1]];
        if kernel[0] > padded[0] || kernel[1] > padded[1] {
            return Err(format!(
                "kernel size {}×{} is larger than the padded input {}×{}",
                kernel[0], kernel[1], padded[0], padded[1]
            ));
        }
        let out = [(padded[0] - kernel[0]) / stride[0] + 1, (padded[1] - kernel[1]) / stride[1] + 1];
        Ok(Pool { input: [channels, height, width], kernel, stride, padding, out })
    }

    pub fn output_shape(&self) -> Vec<usize> {
        vec![self.input[0], self.out[0], self.out[1]]
    }

    /// Each channel plane of a batch with its output plane: (input plane, output index base).
    pub fn planes(&self, batch: usize) -> impl Iterator<Item = (usize, usize)> {
        let (in_plane, out_plane) = (self.input[1] * self.input[2], self.out[0] * self.out[1]);
        (0..batch * self.input[0]).map(move |p| (p * in_plane, p * out_plane))
    }

    /// The window of output (oy, ox): rows and columns inside the input, and the window's size counted
    /// with the padding (torch's divisor when count_include_pad).
    pub fn window(&self, oy: usize, ox: usize) -> (Range<usize>, Range<usize>, usize) {
        let ((rows, h), (cols, w)) = (self.span(oy, 0), self.span(ox, 1));
        (rows, cols, h * w)
    }

    /// The input rows (`d` = 0) or columns (`d` = 1) under output index `o`'s window, and the window's extent
    /// along `d` counted with the padding.
    pub fn span(&self, o: usize, d: usize) -> (Range<usize>, usize) {
        let start = (o * self.stride[d]) as isize - self.padding[d] as isize;
        let end = (start + self.kernel[d] as isize).min((self.input[d + 1] + self.padding[d]) as isize);
        let size = (end - start) as usize;
        (start.max(0) as usize..end.min(self.input[d + 1] as isize) as usize, size)
    }
}
