//! SimpleNet: Linear → ReLU → … → Linear, then log_softmax + NLL. Parameters and gradients live in one
//! arena (W1, b1, W2, b2, … in torch layout); activations and gradient buffers are sized for the
//! largest batch once, so a training step allocates nothing.
use super::cross_entropy::{correct_count, log_softmax_nll};
use super::linear::Linear;
use super::relu::relu_backward;
use crate::arena::Arena;
use crate::kernels::gemm::Gemm;
use crate::rng::Rng;
use std::ops::Range;

pub struct Mlp {
    layers: Vec<Linear>,
    /// Arena range of each tensor: W1, b1, W2, b2, …
    tensors: Vec<Range<usize>>,
    max_batch: usize,
    arena: Arena,
    /// Output of each layer for the current batch (after ReLU for hidden layers; logits last).
    outputs: Vec<Vec<f32>>,
    /// Gradient flowing down, and the next one being computed: swapped after each layer.
    grad_out: Vec<f32>,
    grad_in: Vec<f32>,
    gemm: Gemm,
}

impl Mlp {
    /// `sizes` = [inputs, hidden…, classes] (at least two entries, all non-zero; checked by callers).
    pub fn new(sizes: &[usize], max_batch: usize) -> Mlp {
        let layers: Vec<Linear> =
            sizes.windows(2).map(|w| Linear { fan_in: w[0], fan_out: w[1], bias: true }).collect();
        let shapes: Vec<Vec<usize>> = layers.iter().flat_map(|l| [l.weight_shape(), vec![l.fan_out]]).collect();
        let widest = sizes.iter().copied().max().unwrap_or(0);
        let arena = Arena::new(&shapes);
        Mlp {
            tensors: arena.entries().iter().map(|e| e.offset..e.offset + e.len).collect(),
            outputs: layers.iter().map(|l| vec![0.0; max_batch * l.fan_out]).collect(),
            grad_out: vec![0.0; max_batch * widest],
            grad_in: vec![0.0; max_batch * widest],
            gemm: Gemm::for_mlp(sizes, max_batch),
            arena,
            layers,
            max_batch,
        }
    }

    pub fn sizes(&self) -> Vec<usize> {
        let mut sizes: Vec<usize> = self.layers.iter().map(|l| l.fan_in).collect();
        sizes.extend(self.layers.last().map(|l| l.fan_out));
        sizes
    }

    pub fn inputs(&self) -> usize {
        self.layers[0].fan_in
    }

    pub fn classes(&self) -> usize {
        self.layers[self.layers.len() - 1].fan_out
    }

    pub fn max_batch(&self) -> usize {
        self.max_batch
    }

    pub fn arena(&self) -> &Arena {
        &self.arena
    }

    pub fn arena_mut(&mut self) -> &mut Arena {
        &mut self.arena
    }

    /// torch's default Linear init for every layer, in order.
    pub fn init(&mut self, rng: &mut Rng) {
        for (l, layer) in self.layers.iter().enumerate() {
            let (w, b) = (self.tensors[2 * l].clone(), self.tensors[2 * l + 1].clone());
            let (weight_part, bias_part) = self.arena.params_mut().split_at_mut(b.start);
            layer.init(&mut weight_part[w], &mut bias_part[..b.len()], rng);
        }
    }

    fn forward(&mut self, x: &[f32], batch: usize) {
        assert!(batch <= self.max_batch && x.len() >= batch * self.inputs());
        let last = self.layers.len() - 1;
        let params = self.arena.params();
        for (l, layer) in self.layers.iter().enumerate() {
            let (done, rest) = self.outputs.split_at_mut(l);
            let input = if l == 0 { x } else { &done[l - 1][..] };
            let weight = &params[self.tensors[2 * l].clone()];
            let bias = &params[self.tensors[2 * l + 1].clone()];
            layer.forward(&mut self.gemm, input, weight, bias, &mut rest[0][..batch * layer.fan_out], batch, l < last);
        }
    }

    fn logits(&self, batch: usize) -> &[f32] {
        &self.outputs[self.layers.len() - 1][..batch * self.classes()]
    }

    /// Mean loss of the batch at the current parameters, with every gradient written to the arena
    /// (overwritten, as after torch's zero_grad + backward). Labels must be below `classes()`.
    pub fn loss_and_gradients(&mut self, x: &[f32], labels: &[u8], batch: usize) -> f32 {
        self.forward(x, batch);
        let classes = self.classes();
        let scale = 1.0 / batch as f32;
        let logits = &self.outputs[self.layers.len() - 1][..batch * classes];
        let loss =
            log_softmax_nll(logits, &labels[..batch], classes, Some((&mut self.grad_out[..batch * classes], scale)));
        self.backward(x, batch);
        (loss / batch as f64) as f32
    }

    /// Backpropagates `grad_out` (∂loss/∂logits) through every layer into the arena's gradients.
    fn backward(&mut self, x: &[f32], batch: usize) {
        let Mlp { layers, arena, outputs, grad_out, grad_in, gemm, tensors, .. } = self;
        let (params, grads) = arena.params_and_grads_mut();
        for (l, layer) in layers.iter().enumerate().rev() {
            let (w, b) = (tensors[2 * l].clone(), tensors[2 * l + 1].clone());
            let input = if l == 0 { x } else { &outputs[l - 1][..batch * layer.fan_in] };
            // The bias follows its weight in the arena.
            let (weight_part, bias_part) = grads.split_at_mut(b.start);
            let dx = if l > 0 { Some(&mut grad_in[..batch * layer.fan_in]) } else { None };
            let dy = &grad_out[..batch * layer.fan_out];
            layer.backward(
                gemm,
                input,
                &params[w.clone()],
                dy,
                &mut weight_part[w],
                &mut bias_part[..b.len()],
                dx,
                batch,
            );
            if l > 0 {
                relu_backward(&mut grad_in[..batch * layer.fan_in], input);
                std::mem::swap(grad_out, grad_in);
            }
        }
    }

    /// (Sum of per-sample losses, number of correct predictions) over one batch, without gradients.
    pub fn evaluate_batch(&mut self, x: &[f32], labels: &[u8], batch: usize) -> (f64, usize) {
        self.forward(x, batch);
        let classes = self.classes();
        let logits = self.logits(batch);
        (log_softmax_nll(logits, &labels[..batch], classes, None), correct_count(logits, &labels[..batch], classes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// The same network in f64, written out directly: mean NLL of log_softmax of the last layer.
    fn loss_f64(sizes: &[usize], params: &[f64], x: &[f32], labels: &[u8]) -> f64 {
        let batch = labels.len();
        let mut act: Vec<f64> = x[..batch * sizes[0]].iter().map(|&v| f64::from(v)).collect();
        let mut offset = 0;
        for l in 0..sizes.len() - 1 {
            let (fan_in, fan_out) = (sizes[l], sizes[l + 1]);
            let (w, b) = (
                &params[offset..offset + fan_out * fan_in],
                &params[offset + fan_out * fan_in..offset + fan_out * (fan_in + 1)],
            );
            offset += fan_out * (fan_in + 1);
            let mut next = vec![0.0; batch * fan_out];
            for i in 0..batch {
                for j in 0..fan_out {
                    let s = b[j] + (0..fan_in).map(|p| act[i * fan_in + p] * w[j * fan_in + p]).sum::<f64>();
                    next[i * fan_out + j] = if l + 2 < sizes.len() { s.max(0.0) } else { s };
                }
            }
            act = next;
        }
        let classes = sizes[sizes.len() - 1];
        let total: f64 = labels
            .iter()
            .enumerate()
            .map(|(i, &y)| {
                let z = &act[i * classes..(i + 1) * classes];
                let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                max + z.iter().map(|v| (v - max).exp()).sum::<f64>().ln() - z[y as usize]
            })
            .sum();
        total / batch as f64
    }

    #[test]
    fn gradients_of_every_layer_match_central_differences_in_f64() {
        let sizes = [5, 7, 6, 3];
        let (max_batch, batch) = (6, 4);
        let mut mlp = Mlp::new(&sizes, max_batch);
        let mut rng = Rng::new(11);
        mlp.init(&mut rng);
        let x: Vec<f32> = (0..max_batch * sizes[0]).map(|_| rng.uniform(-2.0, 2.0)).collect();
        let labels = [0u8, 2, 1, 2];
        let loss = mlp.loss_and_gradients(&x, &labels, batch);
        let params: Vec<f64> = mlp.arena().params().iter().map(|&v| f64::from(v)).collect();
        assert!((f64::from(loss) - loss_f64(&sizes, &params, &x, &labels)).abs() < 1e-6);
        let eps = 1e-6;
        for (tensor, entry) in mlp.arena().entries().iter().enumerate() {
            for idx in entry.offset..entry.offset + entry.len {
                let (mut plus, mut minus) = (params.clone(), params.clone());
                plus[idx] += eps;
                minus[idx] -= eps;
                let numeric =
                    (loss_f64(&sizes, &plus, &x, &labels) - loss_f64(&sizes, &minus, &x, &labels)) / (2.0 * eps);
                let analytic = f64::from(mlp.arena().grads()[idx]);
                assert!(
                    (analytic - numeric).abs() <= 1e-5 + 1e-3 * numeric.abs(),
                    "tensor {tensor} index {idx}: {analytic} vs {numeric}"
                );
            }
        }
    }

    #[test]
    fn init_is_torch_bounded_and_seeded() {
        let sizes = [784, 100, 10];
        let (mut a, mut b) = (Mlp::new(&sizes, 1), Mlp::new(&sizes, 1));
        a.init(&mut Rng::new(5));
        b.init(&mut Rng::new(5));
        assert_eq!(a.arena().params(), b.arena().params());
        for (entry, fan_in) in a.arena().entries().iter().zip([784.0f32, 784.0, 100.0, 100.0]) {
            let values = &a.arena().params()[entry.offset..entry.offset + entry.len];
            let bound = 1.0 / fan_in.sqrt();
            assert!(values.iter().all(|v| v.abs() <= bound));
            assert!(values.iter().any(|v| v.abs() > 0.9 * bound), "uses the whole range");
        }
    }
}
