//! COCOB-Backprop: c = γ(g + λθ);  L ← max(L, |c|);  G ← G + |c|;  R ← max(R − c(θ − θ₀), 0);  C ← C − c;
//! θ ← θ₀ + C/(L·max(G + L, αL))·(L + R).  Source: optax.contrib.cocob (`scale_by_cocob`), optax 0.2.8.
use super::{lr_field, maximum, non_negative, options, persist, positive, NotYet, OptimError, TensorRule};

pub struct Cocob;

options! {
    /// Options of optax.contrib.cocob: coin betting, no learning rate to tune.
    pub struct Config as Cocob {
        learning_rate: optax = Some(1.0),
        /// Bound α on the initial betting fraction (the αL term of the denominator).
        alpha: f64 = 100.0,
        /// Starting value of the largest gradient magnitude L.
        eps: f64 = 1e-8,
        /// Weight decay λ: λθ is added to the gradient.
        weight_decay: f64 = 0.0,
        /// optax's mask of the tensors weight decay applies to. Default null (all); masks are not supported yet:
        /// give the others a param group with weight_decay 0.
        mask: NotYet = NotYet,
    }
}

/// optax's `init_particles` (θ₀, taken at the first step), `cumulative_gradients` (C), `scale` (L),
/// `subgradients` (G) and `reward` (R); `started` says whether θ₀ has been taken.
pub struct State {
    started: u64,
    init_particles: Vec<f32>,
    cumulative_gradients: Vec<f32>,
    scale: Vec<f32>,
    subgradients: Vec<f32>,
    reward: Vec<f32>,
}

persist!(State { started, init_particles, cumulative_gradients, scale, subgradients, reward });

impl TensorRule for Cocob {
    const NAME: &'static str = "cocob";
    type Options = Config;
    type Config = Config;
    type State = State;

    fn config(config: Config) -> Result<Config, OptimError> {
        non_negative(config.alpha, "Invalid alpha value")?;
        // L starts at eps and divides the step: 0 would make the first step 0/0.
        positive(config.eps, "Invalid epsilon value")?;
        non_negative(config.weight_decay, "Invalid weight_decay value")?;
        Ok(config)
    }
    lr_field!(learning_rate);
    fn init(c: &Config, shape: &[usize]) -> Result<State, OptimError> {
        let len = shape.iter().product();
        Ok(State {
            started: 0,
            init_particles: vec![0.0; len],
            cumulative_gradients: vec![0.0; len],
            scale: vec![c.eps as f32; len],
            subgradients: vec![0.0; len],
            reward: vec![0.0; len],
        })
    }
    fn update(c: &Config, s: &mut State, param: &mut [f32], grad: &[f32], _shape: &[usize]) {
        if s.started == 0 {
            s.init_particles.copy_from_slice(param);
            s.started = 1;
        }
        let (lr, alpha, weight_decay) = (c.learning_rate as f32, c.alpha as f32, c.weight_decay as f32);
        let sums = s.cumulative_gradients.iter_mut().zip(s.subgradients.iter_mut());
        let bets = s.scale.iter_mut().zip(s.reward.iter_mut()).zip(&s.init_particles);
        for ((p, &g), ((cumulative, subgradient), ((scale, reward), &p0))) in
            param.iter_mut().zip(grad).zip(sums.zip(bets))
        {
            let decayed = if c.weight_decay != 0.0 { g + weight_decay * *p } else { g };
            let scaled = lr * decayed;
            *scale = maximum(*scale, scaled.abs());
            *subgradient += scaled.abs();
            *reward = maximum(*reward - scaled * (*p - p0), 0.0);
            *cumulative -= scaled;
            let next =
                p0 + *cumulative / (*scale * maximum(*subgradient + *scale, alpha * *scale)) * (*scale + *reward);
            *p += next - *p;
        }
    }
}
