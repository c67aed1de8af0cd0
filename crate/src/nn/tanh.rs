//! torch.nn.Tanh: y = tanh(x); the backward is dy·(1 − y²) from the output (torch's tanh_backward).
use super::{Layer, Workspace};

pub struct Tanh {
    pub shape: Vec<usize>,
}

impl Layer for Tanh {
    fn kind(&self) -> &'static str {
        "tanh"
    }

    fn output_shape(&self) -> Vec<usize> {
        self.shape.clone()
    }

    fn forward(
        &self,
        _work: &mut Workspace,
        _saved: &mut [u32],
        x: &[f32],
        _params: &[f32],
        y: &mut [f32],
        _batch: usize,
        _relu: bool,
    ) {
        y.iter_mut().zip(x).for_each(|(y, &x)| *y = x.tanh());
    }

    fn backward(
        &self,
        _work: &mut Workspace,
        _saved: &[u32],
        _x: &[f32],
        y: &[f32],
        _params: &[f32],
        dy: &[f32],
        _grads: &mut [f32],
        dx: Option<&mut [f32]>,
        _batch: usize,
    ) {
        if let Some(dx) = dx {
            dx.iter_mut().zip(dy).zip(y).for_each(|((dx, &dy), &y)| *dx = dy * (1.0 - y * y));
        }
    }
}
