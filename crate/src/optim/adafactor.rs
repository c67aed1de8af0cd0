//! Adafactor: ρ ← min(γ, 1/√t);  α ← max(ε₂, RMS(θ))·ρ;  θ ← θ(1 − γλ);  β̂ ← t^τ;  for ≥2-D: R ← lerp(R, mean_c g², β̂),
//! C ← lerp(C, mean_r g², β̂), V ← R·C / max(mean_r R, ε₁), else V ← lerp(V, g², β̂);  U ← g / √max(V, ε₁²);  θ ← θ − α·U / max(1, RMS(U)/d).
//! Source: torch.optim.Adafactor, `_single_tensor_adafactor` (torch 2.13). The factored moments use the last
//! two dimensions of the shape (leading dimensions are a batch); vectors and scalars keep a full V.
use super::{js_number, lerp, lr_field, options, persist, OptimError, TensorRule};

pub struct Adafactor;

options! {
    /// Options of torch.optim.Adafactor: factored second moments (row and column averages) for ≥ 2-D tensors.
    pub struct Options as Adafactor {
        /// Learning rate γ; the relative step size is min(γ, 1/√t).
        lr: f64 = 0.01,
        /// Decay-rate exponent τ: the second moment is averaged with β̂ = t^τ.
        beta2_decay: f64 = -0.8,
        /// (ε₁, ε₂): ε₁ floors the second moment (null: float32's machine epsilon), ε₂ floors the parameters' RMS in
        /// the step size.
        eps: (Option<f64>, Option<f64>) as "[number | null, number]" = (None, Some(1e-3)),
        /// Clipping threshold d of the update's RMS.
        d: f64 = 1.0,
        /// Decoupled weight decay λ: θ ← θ(1 − γλ) before each step.
        weight_decay: f64 = 0.0,
        /// torch's foreach flag, accepted for compatibility: the single-tensor loop runs either way.
        foreach: bool = false,
        /// Maximize the objective instead of minimizing it (the gradient's sign is flipped).
        maximize: bool = false,
    }
}

/// The options as the update reads them.
#[derive(Clone, Debug)]
pub struct Config {
    pub lr: f64,
    pub beta2_decay: f64,
    /// (ε₁, ε₂); ε₁ `None` means float32's machine epsilon, as torch's `torch.finfo(param.dtype).eps`.
    pub eps: (Option<f64>, f64),
    pub d: f64,
    pub weight_decay: f64,
    pub maximize: bool,
}

/// Row and column factors of the second moment for ≥2-D tensors (one per leading "batch" index),
/// the full `variance` otherwise; the step count.
pub struct State {
    step: u64,
    rows: usize,
    cols: usize,
    row_var: Vec<f32>,
    col_var: Vec<f32>,
    variance: Vec<f32>,
    /// Scratch: per batch, mean of the row factor (recomputed every step, not saved).
    row_means: Vec<f32>,
}

persist!(State { step, row_var, col_var, variance });

impl State {
    fn factored(&self) -> bool {
        self.rows > 0
    }

    /// The second-moment estimate V of element `i` after this step's moment updates
    /// (`row_means` holds each batch's mean row factor, already floored at ε₁).
    #[inline(always)]
    fn estimate(&self, i: usize) -> f32 {
        if self.factored() {
            let plane = self.rows * self.cols;
            let (batch, r, c) = (i / plane, i % plane / self.cols, i % self.cols);
            self.row_var[batch * self.rows + r] * self.col_var[batch * self.cols + c] / self.row_means[batch]
        } else {
            self.variance[i]
        }
    }
}

fn norm(values: impl Iterator<Item = f32>) -> f32 {
    values.map(|v| v * v).sum::<f32>().sqrt()
}

impl TensorRule for Adafactor {
    const NAME: &'static str = "adafactor";
    type Options = Options;
    type Config = Config;
    type State = State;

    /// `foreach` is accepted as torch's flag; the single-tensor loop is what runs (and what torch
    /// runs unless foreach=True, which only reorders float32 rounding).
    fn config(o: Options) -> Result<Config, OptimError> {
        let Options { lr, beta2_decay, eps: (eps1, eps2), d, weight_decay, maximize, foreach: _ } = o;
        let eps2 = eps2.ok_or_else(|| OptimError::WrongType {
            option: "eps".into(),
            expected: "a pair [epsilon1 or null, epsilon2]",
            got: "epsilon2 null".into(),
        })?;
        let config = Config { lr, beta2_decay, eps: (eps1, eps2), d, weight_decay, maximize };
        let fail = |message: &str, value: f64| Err(OptimError::Invalid(format!("{message}{}", js_number(value))));
        if !(0.0 <= config.lr) {
            return fail("Learning rate should be >= 0 but is: ", config.lr);
        }
        if !(0.0 >= config.beta2_decay) {
            return fail("beta2_decay should be <= 0 but is: ", config.beta2_decay);
        }
        if let Some(eps1) = config.eps.0 {
            if !(0.0 <= eps1) {
                return fail("epsilon1 should be >= 0 but is: ", eps1);
            }
        }
        if !(0.0 <= config.eps.1) {
            return fail("epsilon2 should be >= 0 but is: ", config.eps.1);
        }
        if !(1.0 <= config.d) {
            return fail("Clipping threshold d should be >= 1 but is: ", config.d);
        }
        if !(0.0 <= config.weight_decay) {
            return fail("weight_decay should be >= 0 but is: ", config.weight_decay);
        }
        Ok(config)
    }
    lr_field!(lr);
    fn init(_c: &Config, shape: &[usize]) -> Result<State, OptimError> {
        let numel: usize = shape.iter().product();
        Ok(if shape.len() >= 2 {
            let (rows, cols) = (shape[shape.len() - 2], shape[shape.len() - 1]);
            let batch: usize = shape[..shape.len() - 2].iter().product();
            let (row_var, col_var) = (vec![0.0; batch * rows], vec![0.0; batch * cols]);
            State { step: 0, rows, cols, row_var, col_var, variance: Vec::new(), row_means: vec![0.0; batch] }
        } else {
            let variance = vec![0.0; numel];
            State {
                step: 0,
                rows: 0,
                cols: 0,
                row_var: Vec::new(),
                col_var: Vec::new(),
                variance,
                row_means: Vec::new(),
            }
        })
    }

    fn update(c: &Config, s: &mut State, param: &mut [f32], grad: &[f32], _shape: &[usize]) {
        let numel = param.len();
        if numel == 0 {
            return;
        }
        let sign = if c.maximize { -1.0f32 } else { 1.0 };
        s.step += 1;
        let step = s.step as f64;
        let one_minus_beta2 = step.powf(c.beta2_decay) as f32;
        let rho = f64::min(c.lr, 1.0 / step.powf(0.5));
        let param_rms = norm(param.iter().copied()) as f64 / (numel as f64).powf(0.5);
        let alpha = f64::max(c.eps.1, param_rms) * rho;
        if c.weight_decay != 0.0 {
            let keep = (1.0 - c.lr * c.weight_decay) as f32;
            param.iter_mut().for_each(|p| *p *= keep);
        }
        let eps1 = c.eps.0.unwrap_or(f32::EPSILON as f64);
        let (rows, cols) = (s.rows, s.cols);
        if s.factored() {
            let plane = rows * cols;
            for (b, row_var) in s.row_var.chunks_exact_mut(rows).enumerate() {
                for (r, v) in row_var.iter_mut().enumerate() {
                    let row = &grad[b * plane + r * cols..b * plane + (r + 1) * cols];
                    let n = norm(row.iter().map(|g| sign * g));
                    *v = lerp(*v, n * n / cols as f32, one_minus_beta2);
                }
            }
            for (b, col_var) in s.col_var.chunks_exact_mut(cols).enumerate() {
                for (col, v) in col_var.iter_mut().enumerate() {
                    let n = norm((0..rows).map(|r| sign * grad[b * plane + r * cols + col]));
                    *v = lerp(*v, n * n / rows as f32, one_minus_beta2);
                }
            }
        } else {
            for (v, &g) in s.variance.iter_mut().zip(grad) {
                let g = sign * g;
                *v = lerp(*v, g * g, one_minus_beta2);
            }
        }
        if s.factored() {
            for (mean, row_var) in s.row_means.iter_mut().zip(s.row_var.chunks_exact(rows)) {
                *mean = (row_var.iter().sum::<f32>() / rows as f32).max(eps1 as f32);
            }
        }
        let floor = (eps1 * eps1) as f32;
        let state = &*s;
        let scaled = |i: usize| 1.0 / state.estimate(i).max(floor).sqrt() * (sign * grad[i]);
        // Two passes (RMS of U, then the update) instead of a numel-sized buffer: memory is
        // what Adafactor saves.
        let update_norm = norm((0..numel).map(scaled));
        let denom = f64::max(1.0, update_norm as f64 / ((numel as f64).powf(0.5) * c.d));
        let step_scale = (-alpha / denom) as f32;
        for (i, p) in param.iter_mut().enumerate() {
            *p += step_scale * scaled(i);
        }
    }
}
