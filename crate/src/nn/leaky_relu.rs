//! torch.nn.LeakyReLU(negative_slope=0.01): y = x for x > 0, negative_slope·x otherwise; the backward
//! passes dy where x > 0 and negative_slope·dy elsewhere (torch's leaky_relu_backward).
use super::spec::{self, Options};
use super::{Layer, Workspace};

pub struct LeakyRelu {
    pub shape: Vec<usize>,
    pub negative_slope: f32,
}

impl LeakyRelu {
    pub fn from_options(options: &Options, input: &[usize]) -> Result<LeakyRelu, String> {
        spec::check_keys(options, &["negative_slope"])?;
        let negative_slope = spec::number(options, "negative_slope")?.unwrap_or(0.01) as f32;
        Ok(LeakyRelu { shape: input.to_vec(), negative_slope })
    }
}

impl Layer for LeakyRelu {
    fn kind(&self) -> &'static str {
        "leaky_relu"
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
        let slope = self.negative_slope;
        y.iter_mut().zip(x).for_each(|(y, &x)| *y = if x > 0.0 { x } else { x * slope });
    }

    fn backward(
        &self,
        _work: &mut Workspace,
        _saved: &[u32],
        x: &[f32],
        _y: &[f32],
        _params: &[f32],
        dy: &[f32],
        _grads: &mut [f32],
        dx: Option<&mut [f32]>,
        _batch: usize,
    ) {
        let slope = self.negative_slope;
        if let Some(dx) = dx {
            dx.iter_mut().zip(dy).zip(x).for_each(|((dx, &dy), &x)| *dx = if x > 0.0 { dy } else { dy * slope });
        }
    }
}
