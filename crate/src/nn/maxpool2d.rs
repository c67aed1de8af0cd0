//! torch.nn.MaxPool2d(kernel_size, stride=kernel_size, padding=0): the largest value of each window
//! (padding never wins; NaN does, as in torch). The backward sends each output's gradient to its
//! window's first largest input, found again from the input rather than stored.
use super::pool::Pool;
use super::spec::Options;
use super::{Layer, Workspace};

pub struct MaxPool2d {
    pub pool: Pool,
}

impl MaxPool2d {
    pub fn from_options(options: &Options, input: &[usize]) -> Result<MaxPool2d, String> {
        Ok(MaxPool2d { pool: Pool::from_options(options, input, &[])? })
    }

    /// Index in `plane` of the window's maximum: the first one, or the first NaN (torch's rule).
    fn argmax(&self, plane: &[f32], oy: usize, ox: usize) -> usize {
        let width = self.pool.input[2];
        let (rows, cols, _) = self.pool.window(oy, ox);
        let mut best = rows.start * width + cols.start;
        let mut largest = plane[best];
        if largest.is_nan() {
            return best;
        }
        for y in rows {
            let line = &plane[y * width..][cols.clone()];
            for (x, &v) in cols.clone().zip(line) {
                if v > largest || v.is_nan() {
                    (best, largest) = (y * width + x, v);
                    if v.is_nan() {
                        return best;
                    }
                }
            }
        }
        best
    }
}

impl Layer for MaxPool2d {
    fn kind(&self) -> &'static str {
        "maxpool2d"
    }

    fn output_shape(&self) -> Vec<usize> {
        self.pool.output_shape()
    }

    fn forward(&self, _work: &mut Workspace, x: &[f32], _params: &[f32], y: &mut [f32], batch: usize, _relu: bool) {
        let [_, height, width] = self.pool.input;
        let [oh, ow] = self.pool.out;
        for (input, output) in self.pool.planes(batch) {
            let plane = &x[input..input + height * width];
            for oy in 0..oh {
                for ox in 0..ow {
                    y[output + oy * ow + ox] = plane[self.argmax(plane, oy, ox)];
                }
            }
        }
    }

    fn backward(
        &self,
        _work: &mut Workspace,
        x: &[f32],
        _y: &[f32],
        _params: &[f32],
        dy: &[f32],
        _grads: &mut [f32],
        dx: Option<&mut [f32]>,
        batch: usize,
    ) {
        let Some(dx) = dx else {
            return;
        };
        let [_, height, width] = self.pool.input;
        let [oh, ow] = self.pool.out;
        dx.fill(0.0);
        for (input, output) in self.pool.planes(batch) {
            let plane = &x[input..input + height * width];
            for oy in 0..oh {
                for ox in 0..ow {
                    dx[input + self.argmax(plane, oy, ox)] += dy[output + oy * ow + ox];
                }
            }
        }
    }
}
