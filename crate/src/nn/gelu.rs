//! torch.nn.GELU() (approximate='none'), the exact form: y = x·Φ(x) = x/2·(1 + erf(x/√2)); the
//! backward is dy·(Φ(x) + x·φ(x)) with φ(x) = e^(−x²/2)/√(2π) (torch's gelu_backward).
use super::elementwise::Activation;
use super::spec::{self, Options};
use std::f32::consts::{FRAC_1_SQRT_2, FRAC_2_SQRT_PI};

pub struct Gelu;

impl Gelu {
    pub fn from_options(options: &Options) -> Result<Gelu, String> {
        spec::check_keys(options, &["approximate"])?;
        match options.get("approximate").map(|a| a.as_str()) {
            None | Some(Some("none")) => Ok(Gelu),
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

/// torch's kBeta = 2/√π · 1/√2 · 1/2 = 1/√(2π).
const BETA: f32 = FRAC_2_SQRT_PI * FRAC_1_SQRT_2 * 0.5;

impl Activation for Gelu {
    const KIND: &'static str = "gelu";

    fn value(&self, x: f32) -> f32 {
        x * cdf(x)
    }

    fn gradient(&self, dy: f32, x: f32, _y: f32) -> f32 {
        let pdf = (-0.5 * x * x).exp() * BETA;
        dy * (cdf(x) + x * pdf)
    }
}
