//! The layers that map each value on its own (relu, leaky_relu, gelu, sigmoid, tanh): each one's file gives its
//! rule for one value as an `Activation`, and `Elementwise` runs that rule over whole batches as a `Layer`.
use super::{Backward, Forward, Layer};

/// One value's forward and backward of an element-wise layer, as torch computes them.
pub trait Activation {
    /// The name in a JSON layer list.
    const KIND: &'static str;
    /// `y = f(x)`.
    fn value(&self, x: f32) -> f32;
    /// ∂loss/∂x from `dy` = ∂loss/∂y, given the input `x` and the output `y` (torch's backward reads one of them).
    fn gradient(&self, dy: f32, x: f32, y: f32) -> f32;
}

/// An activation as a layer: no parameters, nothing saved, the output shaped like the input.
pub struct Elementwise<A> {
    pub activation: A,
    pub shape: Vec<usize>,
}

impl<A: Activation> Layer for Elementwise<A> {
    fn kind(&self) -> &'static str {
        A::KIND
    }

    fn output_shape(&self) -> Vec<usize> {
        self.shape.clone()
    }

    fn forward(&self, pass: Forward<'_>) {
        let Forward { x, y, .. } = pass;
        y.iter_mut().zip(x).for_each(|(y, &x)| *y = self.activation.value(x));
    }

    fn backward(&self, pass: Backward<'_>) {
        let Backward { x, y, dy, dx, .. } = pass;
        if let Some(dx) = dx {
            dx.iter_mut()
                .zip(dy)
                .zip(x.iter().zip(y))
                .for_each(|((dx, &dy), (&x, &y))| *dx = self.activation.gradient(dy, x, y));
        }
    }
}
