//! The state of the distance-estimating optimizers (Prodigy, D-Adaptation), whose estimate d spans all tensors.
use super::{put_f32s, put_f64, put_u64, BlobReader, OptimError};

/// The state of a distance-estimating optimizer whose d spans all tensors (Prodigy, D-Adaptation): the step
/// count, d (optax's `estim_lr`), r (`numerator_weighted`) and `N` buffers per tensor.
pub struct DistanceState<const N: usize> {
    pub count: u64,
    pub estim_lr: f32,
    pub numerator_weighted: f32,
    pub tensors: Vec<[Vec<f32>; N]>,
}

impl<const N: usize> DistanceState<N> {
    pub fn new(shapes: &[Vec<usize>], estim_lr: f32) -> Self {
        let tensors = shapes.iter().map(|shape| std::array::from_fn(|_| vec![0.0; shape.iter().product()])).collect();
        DistanceState { count: 0, estim_lr, numerator_weighted: 0.0, tensors }
    }

    /// `magic`, the lr in force, the scalars, then every tensor's buffers in order.
    pub fn save(&self, magic: &[u8], lr: f64, out: &mut Vec<u8>) {
        out.extend_from_slice(magic);
        put_f64(out, lr);
        put_u64(out, self.count);
        put_f64(out, self.estim_lr as f64);
        put_f64(out, self.numerator_weighted as f64);
        self.tensors.iter().flatten().for_each(|buffer| put_f32s(out, buffer));
    }

    /// Replaces the state by one `save` wrote and returns its lr; on error the state is left untouched.
    pub fn load(&mut self, magic: &[u8], optimizer: &str, bytes: &[u8]) -> Result<f64, OptimError> {
        let Some(body) = bytes.strip_prefix(magic) else {
            return Err(OptimError::State(format!("not an optimlab {optimizer} state")));
        };
        let mut input = BlobReader::new(body);
        let (lr, count, estim_lr, numerator_weighted) = (input.f64()?, input.u64()?, input.f64()?, input.f64()?);
        let mut tensors: Vec<[Vec<f32>; N]> = Vec::with_capacity(self.tensors.len());
        for own in &self.tensors {
            let mut buffers: [Vec<f32>; N] = std::array::from_fn(|_| Vec::new());
            for (buffer, own) in buffers.iter_mut().zip(own) {
                *buffer = input.f32s(own.len())?;
            }
            tensors.push(buffers);
        }
        if !input.is_empty() {
            return Err(OptimError::State("trailing bytes after the last tensor".into()));
        }
        *self =
            DistanceState { count, estim_lr: estim_lr as f32, numerator_weighted: numerator_weighted as f32, tensors };
        Ok(lr)
    }
}
