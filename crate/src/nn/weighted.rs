//! What linear and conv2d share: a weight whose first dimension counts the outputs, then (unless bias=False) a bias
//! of one value per output, back to back in torch's order, and torch's initialization of both.
use crate::rng::Rng;

/// The weight's shape, then the bias's when the layer has one.
pub fn param_shapes(weight: Vec<usize>, bias: bool) -> Vec<Vec<usize>> {
    let outputs = weight[0];
    let mut shapes = vec![weight];
    shapes.extend(bias.then(|| vec![outputs]));
    shapes
}

/// torch's `reset_parameters` for `fan_in` inputs per output (linear's in_features, conv2d's in_channels·kh·kw):
/// kaiming_uniform_(a=√5) on the weight, whose bound gain·√(3/fan_in) with gain = √(2/(1+a²)) is 1/√fan_in, and
/// U(±1/√fan_in) on the bias; drawn from our generator in arena order, the weight (row-major), then the bias.
pub fn init(params: &mut [f32], fan_in: usize, rng: &mut Rng) {
    let bound = 1.0 / (fan_in as f32).sqrt();
    params.iter_mut().for_each(|v| *v = rng.uniform(-bound, bound));
}
