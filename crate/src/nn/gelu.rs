//! torch.nn.GELU() (approximate='none'), the exact form: y = x·Φ(x) = x/2·(1 + erf(x/√2)); the
//! backward is dy·(Φ(x) + x·φ(x)) with φ(x) = e^(−x²/2)/√(2π) (torch's gelu_backward).
use super::spec::{self, Options};
use super::{Layer, Workspace};
use std::f32::consts::{FRAC_1_SQRT_2, FRAC_2_SQRT_PI};

pub struct Gelu {
    pub shape: Vec<usize>,
}

impl Gelu {
    pub fn from_options(options: &Options, input: &[usize]) -> Result<Gelu, String> {
        spec::check_keys(options, &["approximate"])?;
        match options.get("approximate").map(|a| a.as_str()) {
            None | Some(Some("none")) => Ok(Gelu { shape: input.to_vec() }),
            Some(_) => {
                Err(format!("approximate must be \"none\" (the exact erf form), got {}", options["approximate"]))
            }
        }
    }
}

/// Φ(x), the standard normal CDF, as torch computes it: 0.5·(1 + erf(x·(1/√2))).
fn cdf(x: f32) -> f32 {
    0.5 * (1.0 + libm::erff(x * FRAC_1_SQRT_2))
}

impl Layer for Gelu {
    fn kind(&self) -> &'static str {
        "gelu"
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
        y.iter_mut().zip(x).for_each(|(y, &x)| *y = x * cdf(x));
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
        // torch's kBeta = 2/√π · 1/√2 · 1/2 = 1/√(2π).
        let beta = FRAC_2_SQRT_PI * FRAC_1_SQRT_2 * 0.5;
        if let Some(dx) = dx {
            dx.iter_mut().zip(dy).zip(x).for_each(|((dx, &dy), &x)| {
                let pdf = (-0.5 * x * x).exp() * beta;
                *dx = dy * (cdf(x) + x * pdf);
            });
        }
    }
}
