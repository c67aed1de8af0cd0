//! torch.nn.LeakyReLU(negative_slope=0.01): y = x for x > 0, negative_slope·x otherwise; the backward
//! passes dy where x > 0 and negative_slope·dy elsewhere (torch's leaky_relu_backward).
use super::elementwise::Activation;
use super::spec::{self, Options};

pub struct LeakyRelu {
    pub negative_slope: f32,
}

impl LeakyRelu {
    pub fn from_options(options: &Options) -> Result<LeakyRelu, String> {
        spec::check_keys(options, &["negative_slope"])?;
        let negative_slope = spec::number(options, "negative_slope")?.unwrap_or(0.01) as f32;
        Ok(LeakyRelu { negative_slope })
    }
}

impl Activation for LeakyRelu {
    const KIND: &'static str = "leaky_relu";

    fn value(&self, x: f32) -> f32 {
        if x > 0.0 {
            x
        } else {
            x * self.negative_slope
        }
    }

    fn gradient(&self, dy: f32, x: f32, _y: f32) -> f32 {
        if x > 0.0 {
            dy
        } else {
            dy * self.negative_slope
        }
    }
}
