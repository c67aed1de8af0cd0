//! torch.nn.AvgPool2d(kernel_size, stride=kernel_size, padding=0, count_include_pad=True): the mean
//! of each window, divided by the window's size with its padding (or without, count_include_pad
//! false); the backward spreads each output's gradient evenly over its window.
use super::pool::Pool;
use super::spec::{self, Options};
use super::{Backward, Forward, Layer};

pub struct AvgPool2d {
    pub pool: Pool,
    pub count_include_pad: bool,
}

impl AvgPool2d {
    pub fn from_options(options: &Options, input: &[usize]) -> Result<AvgPool2d, String> {
        let pool = Pool::from_options(options, input, &["count_include_pad"])?;
        Ok(AvgPool2d { pool, count_include_pad: spec::boolean(options, "count_include_pad")?.unwrap_or(true) })
    }

    fn divisor(&self, rows: &std::ops::Range<usize>, cols: &std::ops::Range<usize>, padded: usize) -> f32 {
        if self.count_include_pad {
            padded as f32
        } else {
            (rows.len() * cols.len()) as f32
        }
    }
}

impl Layer for AvgPool2d {
    fn kind(&self) -> &'static str {
        "avgpool2d"
    }

    fn output_shape(&self) -> Vec<usize> {
        self.pool.output_shape()
    }

    fn forward(&self, pass: Forward<'_>) {
        let Forward { x, y, batch, .. } = pass;
        let width = self.pool.input[2];
        let [oh, ow] = self.pool.out;
        for (input, output) in self.pool.planes(batch) {
            for oy in 0..oh {
                for ox in 0..ow {
                    let (rows, cols, padded) = self.pool.window(oy, ox);
                    let sum: f32 = rows.clone().flat_map(|r| &x[input + r * width..][cols.clone()]).sum();
                    y[output + oy * ow + ox] = sum / self.divisor(&rows, &cols, padded);
                }
            }
        }
    }

    fn backward(&self, pass: Backward<'_>) {
        let Backward { dy, dx, batch, .. } = pass;
        let Some(dx) = dx else {
            return;
        };
        let width = self.pool.input[2];
        let [oh, ow] = self.pool.out;
        dx.fill(0.0);
        for (input, output) in self.pool.planes(batch) {
            for oy in 0..oh {
                for ox in 0..ow {
                    let (rows, cols, padded) = self.pool.window(oy, ox);
                    let share = dy[output + oy * ow + ox] / self.divisor(&rows, &cols, padded);
                    for r in rows {
                        dx[input + r * width..][cols.clone()].iter_mut().for_each(|d| *d += share);
                    }
                }
            }
        }
    }
}
