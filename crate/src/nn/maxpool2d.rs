//! torch.nn.MaxPool2d(kernel_size, stride=kernel_size, padding=0): the largest value of each window
//! (padding never wins; NaN does, as in torch). The backward sends each output's gradient to its
//! window's first largest input, found again from the input rather than stored.
use super::pool::Pool;
use super::spec::Options;
use super::{Layer, Workspace};
use std::ops::Range;

pub struct MaxPool2d {
    pub pool: Pool,
}

impl MaxPool2d {
    pub fn from_options(options: &Options, input: &[usize]) -> Result<MaxPool2d, String> {
        Ok(MaxPool2d { pool: Pool::from_options(options, input, &[])? })
    }

    /// Calls `visit(output index, index of its window's maximum)` for each output of one plane.
    fn for_each_argmax(&self, plane: &[f32], mut visit: impl FnMut(usize, usize)) {
        let width = self.pool.input[2];
        let [oh, ow] = self.pool.out;
        for oy in 0..oh {
            let (rows, _) = self.pool.span(oy, 0);
            for ox in 0..ow {
                visit(oy * ow + ox, window_argmax(plane, width, rows.clone(), self.pool.span(ox, 1).0));
            }
        }
    }
}

/// Index in `plane` of the window's maximum: the first one, or the first NaN (torch's rule).
fn window_argmax(plane: &[f32], width: usize, rows: Range<usize>, cols: Range<usize>) -> usize {
    let mut best = rows.start * width + cols.start;
    let mut largest = plane[best];
    for y in rows {
        let start = y * width + cols.start;
        for (i, &v) in (start..).zip(&plane[start..y * width + cols.end]) {
            if v.is_nan() {
                return i;
            }
            // Selects rather than a branch: which value of a window is largest is a coin toss for the predictor.
            let larger = v > largest;
            best = if larger { i } else { best };
            largest = if larger { v } else { largest };
        }
    }
    best
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
            let out = &mut y[output..output + oh * ow];
            self.for_each_argmax(plane, |o, best| out[o] = plane[best]);
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
            let (plane, d_plane) = (&x[input..input + height * width], &mut dx[input..input + height * width]);
            let d_out = &dy[output..output + oh * ow];
            self.for_each_argmax(plane, |o, best| d_plane[best] += d_out[o]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::gemm::Gemm;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn pool(options: &str, input: &[usize]) -> MaxPool2d {
        MaxPool2d::from_options(&serde_json::from_str(options).unwrap(), input).unwrap()
    }

    #[test]
    fn first_largest_wins_then_first_nan_and_gradients_go_there() {
        let layer = pool(r#"{"kernel_size": 2}"#, &[1, 2, 4]);
        let mut work = Workspace { gemm: Gemm::new(0, 0, 0), columns: Vec::new() };
        let x = [1.0, 3.0, f32::NAN, 2.0, 3.0, 0.0, 5.0, f32::NAN];
        let mut y = [0.0; 2];
        layer.forward(&mut work, &x, &[], &mut y, 1, false);
        assert_eq!(y[0], 3.0);
        assert!(y[1].is_nan());
        let mut dx = [9.0; 8];
        layer.backward(&mut work, &x, &y, &[], &[10.0, 20.0], &mut [], Some(&mut dx), 1);
        assert_eq!(dx, [0.0, 10.0, 20.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn padding_never_wins() {
        let layer = pool(r#"{"kernel_size": 2, "padding": 1}"#, &[1, 1, 2]);
        let mut y = [0.0; 2];
        let mut work = Workspace { gemm: Gemm::new(0, 0, 0), columns: Vec::new() };
        layer.forward(&mut work, &[-1.0, -2.0], &[], &mut y, 1, false);
        assert_eq!(y, [-1.0, -2.0]);
    }
}
