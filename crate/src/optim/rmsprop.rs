//! RMSprop: g ← ±∇ + λθ;  v ← αv + (1−α)g²;  m̄ ← lerp(m̄, g, 1−α) if centered;  d ← √(v − m̄²) + ε;
//! b ← μb + g/d, θ ← θ − γb (momentum > 0) else θ ← θ − γ g/d.  Source: `_single_tensor_rmsprop` (torch 2.13).
use super::{lerp, lr_field, non_negative, options, put_f32s, BlobReader, OptimError, Persist, TensorRule};

pub struct RmsProp;

options! {
    /// Options of torch.optim.RMSprop: steps divided by the root of a running average of squared gradients.
    pub struct Config as RmsProp {
        /// Learning rate γ.
        lr: f64 = 0.01,
        /// Smoothing constant α of the running average of squared gradients.
        alpha: f64 = 0.99,
        /// Term added to the denominator for numerical stability.
        eps: f64 = 1e-8,
        /// Weight decay λ (L2 penalty): λθ is added to the gradient.
        weight_decay: f64 = 0.0,
        /// Momentum factor μ.
        momentum: f64 = 0.0,
        /// Centered RMSprop: normalize by an estimate of the gradient's variance (the squared running mean is
        /// subtracted).
        centered: bool = false,
        /// Maximize the objective instead of minimizing it (the gradient's sign is flipped).
        maximize: bool = false,
    }
}

/// `square_avg`, and (empty unless used) `grad_avg` for centered, `momentum_buffer` for momentum.
pub struct State {
    square_avg: Vec<f32>,
    grad_avg: Vec<f32>,
    momentum_buffer: Vec<f32>,
}

impl Persist for State {
    fn save(&self, out: &mut Vec<u8>) {
        put_f32s(out, &self.square_avg);
        put_f32s(out, &self.grad_avg);
        put_f32s(out, &self.momentum_buffer);
    }
    fn load(&mut self, input: &mut BlobReader<'_>) -> Result<(), OptimError> {
        input.f32s_into(&mut self.square_avg)?;
        input.f32s_into(&mut self.grad_avg)?;
        // The momentum buffer is empty or full size (see `update`), whichever was saved.
        self.momentum_buffer = input.optional_f32s(self.square_avg.len())?;
        Ok(())
    }
}

impl TensorRule for RmsProp {
    const NAME: &'static str = "rmsprop";
    type Options = Config;
    type Config = Config;
    type State = State;

    fn config(config: Config) -> Result<Config, OptimError> {
        non_negative(config.lr, "Invalid learning rate")?;
        non_negative(config.eps, "Invalid epsilon value")?;
        non_negative(config.momentum, "Invalid momentum value")?;
        non_negative(config.weight_decay, "Invalid weight_decay value")?;
        non_negative(config.alpha, "Invalid alpha value")?;
        Ok(config)
    }
    lr_field!(lr);
    fn set_momentum(c: &mut Config, momentum: f64) -> bool {
        c.momentum = momentum;
        true
    }
    fn init(c: &Config, shape: &[usize]) -> Result<State, OptimError> {
        let len: usize = shape.iter().product();
        Ok(State {
            square_avg: vec![0.0; len],
            grad_avg: vec![0.0; if c.centered { len } else { 0 }],
            momentum_buffer: vec![0.0; if c.momentum > 0.0 { len } else { 0 }],
        })
    }

    fn update(c: &Config, s: &mut State, param: &mut [f32], grad: &[f32], _shape: &[usize]) {
        let k = Scalars {
            minus_lr: -c.lr as f32,
            wd: c.weight_decay as f32,
            alpha: c.alpha as f32,
            one_minus_alpha: (1.0 - c.alpha) as f32,
            eps: c.eps as f32,
            sign: if c.maximize { -1.0 } else { 1.0 },
        };
        let mu = c.momentum as f32;
        // A schedule may turn momentum on after construction: the buffer then starts at zero, as torch's.
        if c.momentum > 0.0 && s.momentum_buffer.len() != param.len() {
            s.momentum_buffer.resize(param.len(), 0.0);
        }
        let elements = param.iter_mut().zip(grad).zip(s.square_avg.iter_mut());
        // One straight loop per variant, so each vectorizes.
        match (c.centered, c.momentum > 0.0) {
            (false, false) => elements.for_each(|((p, &g), v)| {
                let g = k.grad(*p, g);
                *p += k.minus_lr * g / (k.square_avg(v, g).sqrt() + k.eps);
            }),
            (false, true) => elements.zip(s.momentum_buffer.iter_mut()).for_each(|(((p, &g), v), b)| {
                let g = k.grad(*p, g);
                *b = *b * mu + g / (k.square_avg(v, g).sqrt() + k.eps);
                *p += k.minus_lr * *b;
            }),
            (true, false) => elements.zip(s.grad_avg.iter_mut()).for_each(|(((p, &g), v), m)| {
                let g = k.grad(*p, g);
                *p += k.minus_lr * g / k.centered_avg(v, m, g);
            }),
            (true, true) => {
                let buffers = s.grad_avg.iter_mut().zip(s.momentum_buffer.iter_mut());
                elements.zip(buffers).for_each(|(((p, &g), v), (m, b))| {
                    let g = k.grad(*p, g);
                    *b = *b * mu + g / k.centered_avg(v, m, g);
                    *p += k.minus_lr * *b;
                })
            }
        }
    }
}

struct Scalars {
    minus_lr: f32,
    wd: f32,
    alpha: f32,
    one_minus_alpha: f32,
    eps: f32,
    sign: f32,
}

impl Scalars {
    #[inline(always)]
    fn grad(&self, p: f32, g: f32) -> f32 {
        if self.wd != 0.0 {
            self.sign * g + self.wd * p
        } else {
            self.sign * g
        }
    }

    /// v ← αv + (1−α)g², returned.
    #[inline(always)]
    fn square_avg(&self, v: &mut f32, g: f32) -> f32 {
        *v = *v * self.alpha + self.one_minus_alpha * g * g;
        *v
    }

    /// Updates v and m̄ and returns √(v − m̄²) + ε, as torch's `addcmul(m̄, m̄, value=-1)`.
    #[inline(always)]
    fn centered_avg(&self, v: &mut f32, m: &mut f32, g: f32) -> f32 {
        let v = self.square_avg(v, g);
        *m = lerp(*m, g, self.one_minus_alpha);
        (v + -1.0 * *m * *m).sqrt() + self.eps
    }
}
