//! torch.nn.MaxPool2d(kernel_size, stride=kernel_size, padding=0): the largest value of each window
//! (padding never wins; NaN does, as in torch). The forward saves where each output came from, its
//! window's first largest input; the backward sends each output's gradient there.
use super::pool::Pool;
use super::spec::Options;
use super::{Backward, Forward, Layer, Needs};
use std::ops::Range;

pub struct MaxPool2d {
    pub pool: Pool,
}

impl MaxPool2d {
    pub fn from_options(options: &Options, input: &[usize]) -> Result<MaxPool2d, String> {
        Ok(MaxPool2d { pool: Pool::from_options(options, input, &[])? })
    }

    /// The 2×2, stride-2 windows without padding of most CNNs (DeepOBS's among them).
    fn is_2x2(&self) -> bool {
        self.pool.kernel == [2, 2] && self.pool.stride == [2, 2] && self.pool.padding == [0, 0]
    }

    /// Writes each output of one plane and the index in `plane` of the input it came from.
    fn pool_plane(&self, plane: &[f32], out: &mut [f32], argmax: &mut [u32]) {
        if self.is_2x2() {
            pool_2x2(plane, self.pool.input[2], self.pool.out[1], out, argmax);
        } else {
            self.pool_windows(plane, out, argmax);
        }
    }

    /// `pool_plane` for any windows, one at a time.
    fn pool_windows(&self, plane: &[f32], out: &mut [f32], argmax: &mut [u32]) {
        let width = self.pool.input[2];
        let [oh, ow] = self.pool.out;
        for oy in 0..oh {
            let (rows, _) = self.pool.span(oy, 0);
            for ox in 0..ow {
                let best = window_argmax(plane, width, rows.clone(), self.pool.span(ox, 1).0);
                (out[oy * ow + ox], argmax[oy * ow + ox]) = (plane[best], best as u32);
                // < height·width ≤ 2³²
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

/// `window_argmax`'s rule for one more value of the window, `v` at index `i`, without a branch: it wins
/// when it is larger than the best so far or the first NaN.
#[inline(always)]
fn challenge((largest, best): (f32, u32), v: f32, i: u32) -> (f32, u32) {
    let wins = !(v <= largest) & !largest.is_nan();
    if wins {
        (v, i)
    } else {
        (largest, best)
    }
}

/// `pool_plane` for 2×2 windows at stride 2 without padding: two input rows per output row, each window
/// taken in `window_argmax`'s order (top left, top right, bottom left, bottom right).
fn pool_2x2(plane: &[f32], width: usize, ow: usize, out: &mut [f32], argmax: &mut [u32]) {
    let rows = out.chunks_exact_mut(ow).zip(argmax.chunks_exact_mut(ow));
    for (oy, (out, argmax)) in rows.enumerate() {
        let top = 2 * oy * width;
        let (upper, lower) = (&plane[top..][..2 * ow], &plane[top + width..][..2 * ow]);
        let windows = upper.chunks_exact(2).zip(lower.chunks_exact(2));
        for (ox, ((out, argmax), (upper, lower))) in out.iter_mut().zip(argmax.iter_mut()).zip(windows).enumerate() {
            let i = (top + 2 * ox) as u32; // < height·width ≤ 2³²
            let w = width as u32;
            let best = challenge((upper[0], i), upper[1], i + 1);
            let best = challenge(best, lower[0], i + w);
            (*out, *argmax) = challenge(best, lower[1], i + w + 1);
        }
    }
}

impl Layer for MaxPool2d {
    fn kind(&self) -> &'static str {
        "maxpool2d"
    }

    fn output_shape(&self) -> Vec<usize> {
        self.pool.output_shape()
    }

    /// One index per output: where its gradient goes.
    fn needs(&self, _batch: usize) -> Needs {
        Needs { saved_per_sample: self.pool.output_shape().iter().product(), ..Needs::default() }
    }

    fn forward(&self, pass: Forward<'_>) {
        let Forward { saved, x, y, batch, .. } = pass;
        let [_, height, width] = self.pool.input;
        let [oh, ow] = self.pool.out;
        for (input, output) in self.pool.planes(batch) {
            let outputs = output..output + oh * ow;
            self.pool_plane(&x[input..][..height * width], &mut y[outputs.clone()], &mut saved[outputs]);
        }
    }

    fn backward(&self, pass: Backward<'_>) {
        let Backward { saved, dy, dx, batch, .. } = pass;
        let Some(dx) = dx else {
            return;
        };
        let [_, height, width] = self.pool.input;
        let [oh, ow] = self.pool.out;
        dx.fill(0.0);
        for (input, output) in self.pool.planes(batch) {
            let d_plane = &mut dx[input..][..height * width];
            for (&best, &d) in saved[output..][..oh * ow].iter().zip(&dy[output..][..oh * ow]) {
                d_plane[best as usize] += d;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::gemm::Gemm;
    use crate::nn::Workspace;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn pool(options: &str, input: &[usize]) -> MaxPool2d {
        MaxPool2d::from_options(&serde_json::from_str(options).unwrap(), input).unwrap()
    }

    fn workspace() -> Workspace {
        Workspace { gemm: Gemm::new(0, 0, 0), columns: Vec::new() }
    }

    /// The layer's output and input gradient for one sample `x` and output gradient `dy`.
    fn run(layer: &MaxPool2d, x: &[f32], dy: &[f32]) -> (Vec<f32>, Vec<f32>) {
        let (mut y, mut saved, mut dx) = (vec![0.0; dy.len()], vec![0; dy.len()], vec![9.0; x.len()]);
        let work = &mut workspace();
        layer.forward(Forward { work, saved: &mut saved, x, params: &[], y: &mut y, batch: 1, relu: false });
        layer.backward(Backward {
            work,
            saved: &saved,
            x,
            y: &y,
            params: &[],
            dy,
            grads: &mut [],
            dx: Some(&mut dx),
            batch: 1,
        });
        (y, dx)
    }

    #[test]
    fn first_largest_wins_then_first_nan_and_gradients_go_there() {
        let x = [1.0, 3.0, f32::NAN, 2.0, 3.0, 0.0, 5.0, f32::NAN];
        // 2×2 windows (their own path), and 2×3 ones at stride 2 over a padded column: the same winners (the
        // second window also sees x[1] and x[5], smaller than the NaN).
        for options in [r#"{"kernel_size": 2}"#, r#"{"kernel_size": [2, 3], "stride": 2, "padding": [0, 1]}"#] {
            let (y, dx) = run(&pool(options, &[1, 2, 4]), &x, &[10.0, 20.0]);
            assert_eq!(y[0], 3.0);
            assert!(y[1].is_nan());
            assert_eq!(dx, [0.0, 10.0, 20.0, 0.0, 0.0, 0.0, 0.0, 0.0], "{options}");
        }
    }

    #[test]
    fn padding_never_wins() {
        let (y, dx) = run(&pool(r#"{"kernel_size": 2, "padding": 1}"#, &[1, 1, 2]), &[-1.0, -2.0], &[10.0, 20.0]);
        assert_eq!(y, [-1.0, -2.0]);
        assert_eq!(dx, [10.0, 20.0]);
    }

    #[test]
    fn overlapping_windows_add_their_gradients_on_a_shared_maximum() {
        let (y, dx) = run(&pool(r#"{"kernel_size": [1, 2], "stride": 1}"#, &[1, 1, 3]), &[1.0, 5.0, 2.0], &[1.0, 2.0]);
        assert_eq!(y, [5.0, 5.0]);
        assert_eq!(dx, [0.0, 3.0, 0.0]);
    }

    #[test]
    fn two_by_two_windows_pick_what_any_window_picks_bit_for_bit() {
        // Few distinct values (ties, ±0, NaNs of two payloads, infinities) on an odd-sized plane, whose last
        // row and column no window reaches.
        let values = [1.0, -0.0, 0.0, f32::NAN, -f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 1.0];
        let (height, width) = (9, 11);
        let plane: Vec<f32> = (0..height * width).map(|i| values[i * 7 % 13 % values.len()]).collect();
        let layer = pool(r#"{"kernel_size": 2}"#, &[1, height, width]);
        assert!(layer.is_2x2());
        let outputs = layer.pool.out[0] * layer.pool.out[1];
        let (mut fast, mut fast_argmax) = (vec![0.0; outputs], vec![0; outputs]);
        let (mut general, mut general_argmax) = (vec![0.0; outputs], vec![0; outputs]);
        layer.pool_plane(&plane, &mut fast, &mut fast_argmax);
        layer.pool_windows(&plane, &mut general, &mut general_argmax);
        assert_eq!(fast_argmax, general_argmax);
        assert_eq!(
            fast.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            general.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
        assert!(fast.iter().any(|v| v.is_nan()) && fast.contains(&1.0), "the plane tests both rules");
    }
}
