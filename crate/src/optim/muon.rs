//! Muon: B ← lerp(B, g, 1−μ);  U ← lerp(g, B, μ) if nesterov else B;  O ← NewtonSchulz_k(U / ‖U‖) in bfloat16;
//! θ ← θ(1 − γλ) − γ·adjust(shape)·O.  Source: torch.optim.Muon, `_single_tensor_muon` (torch 2.13).
//! 2-D parameters only: like torch, construction fails on any other shape ("Muon only supports 2D
//! parameters whereas we found a parameter with size: torch.Size([4])"); give biases and other
//! vectors their own optimizer (e.g. AdamW), as torch's docs advise.
//! The Newton–Schulz iteration runs in bfloat16 as torch's does, to the last bit: each step is X·Xᵀ and two
//! `addmm`s (b·G + c·G·G, then a·X + (·)·X) with torch's float32 sum orders and fused multiply-adds, one rounding
//! to bfloat16 per result (torch_bf16.rs); the momentum lerps and the final add are fused as torch's are.
use super::torch_bf16::{addmm, bf16, fma, gram, lerp, norm, Dot};
use super::{js_number, lr_field, options, persist, OptimError, TensorRule};

pub struct Muon;

#[derive(Clone, Debug, PartialEq)]
pub enum AdjustLr {
    /// Keller Jordan's √max(1, A/B) (torch's default, `None` or "original").
    Original,
    /// Moonshot's 0.2·√max(A, B).
    MatchRmsAdamw,
}

options! {
    /// Options of torch.optim.Muon: momentum orthogonalized by Newton–Schulz iterations; 2-D parameters only.
    pub struct Options as Muon {
        /// Learning rate γ.
        lr: f64 = 0.001,
        /// Decoupled weight decay λ: θ ← θ(1 − γλ) before each step.
        weight_decay: f64 = 0.1,
        /// Momentum factor μ.
        momentum: f64 = 0.95,
        /// Use Nesterov momentum.
        nesterov: bool = true,
        /// Coefficients (a, b, c) of the quintic Newton–Schulz iteration.
        ns_coefficients: Vec<f64> as "[number, number, number]" = vec![3.4445, -4.775, 2.0315],
        /// Term added to the norm by which the update is divided before Newton–Schulz.
        eps: f64 = 1e-7,
        /// Number of Newton–Schulz iterations (less than 100).
        ns_steps: usize = 5,
        /// How the lr is scaled by the shape A×B: "original" √max(1, A/B) (Keller Jordan) or "match_rms_adamw"
        /// 0.2·√max(A, B) (Moonshot). Default null, which is "original".
        adjust_lr_fn: Option<String> as "\"original\" | \"match_rms_adamw\" | null" = None,
    }
}

/// The options as the update reads them.
#[derive(Clone, Debug)]
pub struct Config {
    pub lr: f64,
    pub weight_decay: f64,
    pub momentum: f64,
    pub nesterov: bool,
    pub ns_coefficients: (f64, f64, f64),
    pub eps: f64,
    pub ns_steps: usize,
    pub adjust_lr_fn: AdjustLr,
}

/// The momentum buffer, the step count, and scratch matrices for the Newton–Schulz iteration.
pub struct State {
    step: u64,
    momentum_buffer: Vec<f32>,
    /// The orthogonalised matrix X (m×n, m ≤ n), in bfloat16 values.
    ortho: Vec<f32>,
    gram: Vec<f32>,
    gram_update: Vec<f32>,
    scratch_mn: Vec<f32>,
}

persist!(State { step, momentum_buffer });

fn torch_size(shape: &[usize]) -> String {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    format!("torch.Size([{}])", dims.join(", "))
}

impl TensorRule for Muon {
    const NAME: &'static str = "muon";
    type Options = Options;
    type Config = Config;
    type State = State;

    fn config(o: Options) -> Result<Config, OptimError> {
        let &[a, b, c] = o.ns_coefficients.as_slice() else {
            return Err(OptimError::Invalid("Coefficients must be a tuple of exactly 3 values".into()));
        };
        let adjust_lr_fn = match o.adjust_lr_fn.as_deref() {
            None | Some("original") => AdjustLr::Original,
            Some("match_rms_adamw") => AdjustLr::MatchRmsAdamw,
            Some(other) => {
                return Err(OptimError::Invalid(format!("Adjust learning rate function {other} is not supported")))
            }
        };
        let config = Config {
            lr: o.lr,
            weight_decay: o.weight_decay,
            momentum: o.momentum,
            nesterov: o.nesterov,
            ns_coefficients: (a, b, c),
            eps: o.eps,
            ns_steps: o.ns_steps,
            adjust_lr_fn,
        };
        let fail = |message: &str, value: f64| Err(OptimError::Invalid(format!("{message}{}", js_number(value))));
        if !(0.0 <= config.lr) {
            return fail("Learning rate should be >= 0 but is: ", config.lr);
        }
        if !(0.0 <= config.momentum) {
            return fail("momentum should be >= 0 but is: ", config.momentum);
        }
        if !(0.0 <= config.weight_decay) {
            return fail("weight decay should be >= 0 but is: ", config.weight_decay);
        }
        // torch raises this at the first step; an error value up front is the same message sooner.
        if config.ns_steps >= 100 {
            return Err(OptimError::Invalid(
                "Number of steps must be less than 100 for computational efficiency".into(),
            ));
        }
        Ok(config)
    }
    lr_field!(lr);
    fn init(_c: &Config, shape: &[usize]) -> Result<State, OptimError> {
        let &[rows, cols] = shape else {
            return Err(OptimError::Invalid(format!(
                "Muon only supports 2D parameters whereas we found a parameter with size: {}",
                torch_size(shape)
            )));
        };
        let m = rows.min(cols);
        Ok(State {
            step: 0,
            momentum_buffer: vec![0.0; rows * cols],
            ortho: vec![0.0; rows * cols],
            gram: vec![0.0; m * m],
            gram_update: vec![0.0; m * m],
            scratch_mn: vec![0.0; rows * cols],
        })
    }

    fn update(c: &Config, s: &mut State, param: &mut [f32], grad: &[f32], shape: &[usize]) {
        let (rows, cols) = (shape[0], shape[1]);
        s.step += 1;
        let keep = (1.0 - c.momentum) as f32;
        let momentum = c.momentum as f32;
        let transposed = rows > cols;
        let (m, n) = if transposed { (cols, rows) } else { (rows, cols) };
        // X ← bf16(update), laid out m×n (the wide way round).
        for i in 0..rows {
            for j in 0..cols {
                let at = i * cols + j;
                let buffer = lerp(s.momentum_buffer[at], grad[at], keep);
                s.momentum_buffer[at] = buffer;
                let update = if c.nesterov { lerp(grad[at], buffer, momentum) } else { buffer };
                let to = if transposed { j * n + i } else { at };
                s.ortho[to] = bf16(update);
            }
        }
        // The norm sums the squares in memory order, the parameter's own row-major order (torch's `.T` is a view).
        let ortho = &s.ortho;
        let norm = norm(rows * cols, |at| ortho[if transposed { (at % cols) * n + at / cols } else { at }]);
        // clamp(min=eps) compares with eps as a bfloat16; the division is float32, rounded once.
        let divisor = if norm < bf16(c.eps as f32) { bf16(c.eps as f32) } else { norm };
        s.ortho.iter_mut().for_each(|x| *x = bf16(*x / divisor));
        let (a, b, cc) = (c.ns_coefficients.0 as f32, c.ns_coefficients.1 as f32, c.ns_coefficients.2 as f32);
        for step in 0..c.ns_steps {
            // torch's GEMM kernels add in an order that depends on the operands' layout: in a tall parameter's
            // first step X is a transposed view of the update, which changes both products that read it.
            let (gram_dot, update_dot) = if transposed && step == 0 {
                (Dot::Sequential, Dot::Vectorized)
            } else {
                (Dot::Vectorized, Dot::Interleaved)
            };
            // G = X @ X.T; B = addmm(G, G, G, beta=b, alpha=c); X = addmm(X, B, X, beta=a)
            gram(&mut s.gram, &s.ortho, (m, n), gram_dot);
            addmm(&mut s.gram_update, &s.gram, (&s.gram, &s.gram), (m, m, m), b, cc, Dot::Interleaved);
            addmm(&mut s.scratch_mn, &s.ortho, (&s.gram_update, &s.ortho), (m, m, n), a, 1.0, update_dot);
            std::mem::swap(&mut s.ortho, &mut s.scratch_mn);
        }
        let ratio = match c.adjust_lr_fn {
            AdjustLr::Original => f64::max(1.0, rows as f64 / cols as f64).sqrt(),
            AdjustLr::MatchRmsAdamw => 0.2 * (rows.max(cols) as f64).sqrt(),
        };
        let decay = (1.0 - c.lr * c.weight_decay) as f32;
        let alpha = (-(c.lr * ratio)) as f32;
        for i in 0..rows {
            for j in 0..cols {
                let at = i * cols + j;
                let from = if transposed { j * n + i } else { at };
                // param.mul_(1 − γλ), then param.add_(O, alpha=−γ·adjust): torch's add is a fused multiply-add.
                param[at] = fma(alpha, s.ortho[from], param[at] * decay);
            }
        }
    }
}
