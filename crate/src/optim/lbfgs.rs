//! L-BFGS: d ← −H·g from the last `history_size` pairs (s = t·d, y = Δg; two-loop recursion, H₀ = sᵀy/yᵀy);
//! θ ← θ + t·d with t = lr (first iteration min(1, 1/‖g‖₁)·lr) or a strong-Wolfe line search; up to max_iter per step.
//! Source: torch.optim.LBFGS (torch 2.13), with `_strong_wolfe` and `_cubic_interpolate`. Vectors are float32;
//! the scalars torch keeps as 0-dim float32 tensors (gᵀd, sᵀy, ρ, α) are float32 here too.
use super::{
    non_negative, options, put_f32s, put_f64, put_u64, BlobReader, Closure, OptimError, Optimizer, SingleGroup, Slot,
};
use std::collections::VecDeque;

options! {
    /// Options of torch.optim.LBFGS: limited-memory BFGS, driven by a closure; a single param group only.
    pub struct Options as Lbfgs {
        /// Learning rate γ.
        lr: f64 = 1.0,
        /// Largest number of iterations per optimizer step.
        max_iter: usize = 20,
        /// Largest number of function evaluations per optimizer step. Default null: max_iter · 5 / 4.
        max_eval: Option<usize> = None,
        /// Termination tolerance on first-order optimality (the gradient's largest absolute value).
        tolerance_grad: f64 = 1e-7,
        /// Termination tolerance on the change of the function value or of the parameters.
        tolerance_change: f64 = 1e-9,
        /// Number of (s, y) update pairs kept.
        history_size: usize = 100,
        /// Line search: "strong_wolfe", or null for fixed steps of lr. Default null.
        line_search_fn: Option<String> as "\"strong_wolfe\" | null" = None,
    }
}

/// The options as the steps read them.
#[derive(Clone, Debug)]
pub struct Config {
    pub lr: f64,
    pub max_iter: usize,
    /// torch's default is max_iter · 5 / 4.
    pub max_eval: usize,
    pub tolerance_grad: f64,
    pub tolerance_change: f64,
    pub history_size: usize,
    /// `None` (fixed steps of lr) or "strong_wolfe"; torch accepts any name here and fails at the
    /// first step, and so do we.
    pub line_search_fn: Option<String>,
}

/// torch keeps this on the first parameter: direction, step, curvature pairs, last gradient and loss.
#[derive(Default)]
struct State {
    func_evals: u64,
    n_iter: u64,
    d: Vec<f32>,
    t: f64,
    old_dirs: VecDeque<Vec<f32>>,
    old_stps: VecDeque<Vec<f32>>,
    ro: VecDeque<f32>,
    h_diag: f32,
    prev_flat_grad: Vec<f32>,
    prev_loss: f64,
}

pub struct Lbfgs {
    config: Config,
    numel: usize,
    state: State,
    flat_grad: Vec<f32>,
    x_init: Vec<f32>,
    /// Scratch of the two-loop recursion, reused every iteration: the newest curvature pair (y, s), which
    /// trades places with the oldest pair once the history is full, and the recursion's q and α.
    y: Vec<f32>,
    step: Vec<f32>,
    q: Vec<f32>,
    alpha: Vec<f32>,
}

/// torch's `Tensor.dot` goes to BLAS sdot, which accumulates with fused multiply-adds; the chained
/// FMA reproduces its small-vector results bit for bit (the Rosenbrock trajectory depends on it).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).fold(0.0f32, |sum, (x, y)| x.mul_add(*y, sum))
}

fn abs_max(v: &[f32]) -> f32 {
    v.iter().fold(0.0f32, |m, x| m.max(x.abs()))
}

/// Python's `min(a, b)` / `max(a, b)`: the first argument unless the second is strictly beyond it.
fn py_min(a: f64, b: f64) -> f64 {
    if b < a {
        b
    } else {
        a
    }
}
fn py_max(a: f64, b: f64) -> f64 {
    if b > a {
        b
    } else {
        a
    }
}

/// Minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2) within the bounds (torch's
/// `_cubic_interpolate`; the derivative terms are float32 tensors there, so the arithmetic is float32).
fn cubic_interpolate(x1: f64, f1: f64, g1: f32, x2: f64, f2: f64, g2: f32, bounds: Option<(f64, f64)>) -> f64 {
    let (lo, hi) = bounds.unwrap_or(if x1 <= x2 { (x1, x2) } else { (x2, x1) });
    let d1 = g1 + g2 - (3.0 * (f1 - f2) / (x1 - x2)) as f32;
    let d2_square = d1 * d1 - g1 * g2;
    if d2_square >= 0.0 {
        let d2 = d2_square.sqrt();
        let min_pos = if x1 <= x2 {
            x2 as f32 - (x2 - x1) as f32 * ((g2 + d2 - d1) / (g2 - g1 + 2.0 * d2))
        } else {
            x1 as f32 - (x1 - x2) as f32 * ((g1 + d2 - d1) / (g1 - g2 + 2.0 * d2))
        };
        py_min(py_max(min_pos as f64, lo), hi)
    } else {
        (lo + hi) / 2.0
    }
}

/// θ ← θ + t·d over all tensors (torch's `_add_grad`).
fn add_scaled(closure: &mut dyn Closure, t: f64, d: &[f32]) {
    let t = t as f32;
    closure.with_slots(&mut |slots| {
        let mut offset = 0;
        for slot in slots.iter_mut() {
            for (p, &step) in slot.param.iter_mut().zip(&d[offset..]) {
                *p += t * step;
            }
            offset += slot.param.len();
        }
    });
}

fn copy_params(closure: &mut dyn Closure, into: &mut [f32]) {
    closure.with_slots(&mut |slots| {
        let mut offset = 0;
        for slot in slots.iter() {
            into[offset..offset + slot.param.len()].copy_from_slice(slot.param);
            offset += slot.param.len();
        }
    });
}

fn set_params(closure: &mut dyn Closure, from: &[f32]) {
    closure.with_slots(&mut |slots| {
        let mut offset = 0;
        for slot in slots.iter_mut() {
            let len = slot.param.len();
            slot.param.copy_from_slice(&from[offset..offset + len]);
            offset += len;
        }
    });
}

fn gather_grad(closure: &mut dyn Closure, into: &mut [f32]) {
    closure.with_slots(&mut |slots| {
        let mut offset = 0;
        for slot in slots.iter() {
            into[offset..offset + slot.grad.len()].copy_from_slice(slot.grad);
            offset += slot.grad.len();
        }
    });
}

/// Loss and gradient at x + t·d, parameters left at x (torch's `_directional_evaluate`).
fn directional_evaluate(
    closure: &mut dyn Closure,
    x: &[f32],
    t: f64,
    d: &[f32],
    grad: &mut [f32],
) -> Result<f64, OptimError> {
    add_scaled(closure, t, d);
    let loss = closure.evaluate()? as f64;
    gather_grad(closure, grad);
    set_params(closure, x);
    Ok(loss)
}

/// torch's `_strong_wolfe` (c1 = 1e-4, c2 = 0.9, 25 evaluations at most). On return `g` holds the
/// gradient at the accepted step; returns (loss, t, evaluations).
#[allow(clippy::too_many_arguments)]
fn strong_wolfe(
    closure: &mut dyn Closure,
    x: &[f32],
    mut t: f64,
    d: &[f32],
    f: f64,
    g: &mut Vec<f32>,
    gtd: f32,
    tolerance_change: f64,
) -> Result<(f64, f64, usize), OptimError> {
    const C1: f64 = 1e-4;
    const C2: f64 = 0.9;
    const MAX_LS: usize = 25;
    let d_norm = abs_max(d) as f64;
    let sufficient_decrease = |f_new: f64, t: f64| f_new as f32 > f as f32 + (C1 * t) as f32 * gtd;
    let curvature_ok = |gtd_new: f32| gtd_new.abs() <= (-C2) as f32 * gtd;
    let mut g_new = vec![0.0f32; g.len()];
    let mut f_new = directional_evaluate(closure, x, t, d, &mut g_new)?;
    let mut evals = 1;
    let mut gtd_new = dot(&g_new, d);
    let (mut t_prev, mut f_prev, mut g_prev, mut gtd_prev) = (0.0, f, g.clone(), gtd);
    let mut done = false;
    let mut ls_iter = 0;
    // bracket: (t, f, g, gtd) of its one or two points
    let mut bracket: Vec<(f64, f64, Vec<f32>, f32)> = Vec::with_capacity(2);
    while ls_iter < MAX_LS {
        if sufficient_decrease(f_new, t) || (ls_iter > 1 && f_new >= f_prev) {
            bracket = vec![(t_prev, f_prev, g_prev, gtd_prev), (t, f_new, g_new.clone(), gtd_new)];
            break;
        }
        if curvature_ok(gtd_new) {
            bracket = vec![(t, f_new, g_new.clone(), gtd_new)];
            done = true;
            break;
        }
        if gtd_new >= 0.0 {
            bracket = vec![(t_prev, f_prev, g_prev, gtd_prev), (t, f_new, g_new.clone(), gtd_new)];
            break;
        }
        let (min_step, max_step) = (t + 0.01 * (t - t_prev), t * 10.0);
        let previous = t;
        t = cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, Some((min_step, max_step)));
        t_prev = previous;
        f_prev = f_new;
        g_prev = g_new.clone();
        gtd_prev = gtd_new;
        f_new = directional_evaluate(closure, x, t, d, &mut g_new)?;
        evals += 1;
        gtd_new = dot(&g_new, d);
        ls_iter += 1;
    }
    if ls_iter == MAX_LS {
        bracket = vec![(0.0, f, g.clone(), gtd), (t, f_new, g_new.clone(), gtd_new)];
    }
    // Zoom: shrink the bracket until a point satisfies the strong Wolfe conditions.
    let mut insufficient_progress = false;
    let order = |b: &[(f64, f64, Vec<f32>, f32)]| if b[0].1 <= b[b.len() - 1].1 { (0, 1) } else { (1, 0) };
    let (mut low, mut high) = order(&bracket);
    while !done && ls_iter < MAX_LS {
        if (bracket[1].0 - bracket[0].0).abs() * d_norm < tolerance_change {
            break;
        }
        t = cubic_interpolate(bracket[0].0, bracket[0].1, bracket[0].3, bracket[1].0, bracket[1].1, bracket[1].3, None);
        let (b_max, b_min) = (py_max(bracket[0].0, bracket[1].0), py_min(bracket[0].0, bracket[1].0));
        let eps = 0.1 * (b_max - b_min);
        if py_min(b_max - t, t - b_min) < eps {
            if insufficient_progress || t >= b_max || t <= b_min {
                t = if (t - b_max).abs() < (t - b_min).abs() { b_max - eps } else { b_min + eps };
                insufficient_progress = false;
            } else {
                insufficient_progress = true;
            }
        } else {
            insufficient_progress = false;
        }
        f_new = directional_evaluate(closure, x, t, d, &mut g_new)?;
        evals += 1;
        gtd_new = dot(&g_new, d);
        ls_iter += 1;
        if sufficient_decrease(f_new, t) || f_new >= bracket[low].1 {
            bracket[high] = (t, f_new, g_new.clone(), gtd_new);
            (low, high) = order(&bracket);
        } else {
            if curvature_ok(gtd_new) {
                done = true;
            } else if (gtd_new as f64) * (bracket[high].0 - bracket[low].0) >= 0.0 {
                bracket[high] = bracket[low].clone();
            }
            bracket[low] = (t, f_new, g_new.clone(), gtd_new);
        }
    }
    let (t, f_new, g_best, _) = bracket.swap_remove(low);
    *g = g_best;
    Ok((f_new, t, evals))
}

impl Lbfgs {
    fn check_slots(&self, closure: &mut dyn Closure) -> Result<(), OptimError> {
        let mut total = (0, 0);
        closure.with_slots(&mut |slots| {
            total = slots.iter().fold((0, 0), |(p, g), s| (p + s.param.len(), g + s.grad.len()));
        });
        if total != (self.numel, self.numel) {
            return Err(OptimError::Slots(format!(
                "the closure lends {} values and {} gradients, the optimizer was built for {}",
                total.0, total.1, self.numel
            )));
        }
        Ok(())
    }
}

impl Optimizer for Lbfgs {
    fn step(&mut self, _slots: &mut [Slot<'_>]) -> Result<(), OptimError> {
        Err(OptimError::Invalid("LBFGS.step() missing 1 required positional argument: 'closure'".into()))
    }

    fn needs_closure(&self) -> bool {
        true
    }

    fn step_with_closure(&mut self, closure: &mut dyn Closure) -> Result<f32, OptimError> {
        self.check_slots(closure)?;
        let c = self.config.clone();
        // torch accepts any name at construction and raises this in the first step.
        if c.line_search_fn.as_deref().is_some_and(|name| name != "strong_wolfe") {
            return Err(OptimError::Invalid("only 'strong_wolfe' is supported".into()));
        }
        let s = &mut self.state;
        let orig_loss = closure.evaluate()?;
        let mut loss = orig_loss as f64;
        let mut current_evals = 1;
        s.func_evals += 1;
        gather_grad(closure, &mut self.flat_grad);
        let tolerance_grad = c.tolerance_grad as f32;
        let mut opt_cond = abs_max(&self.flat_grad) <= tolerance_grad;
        if opt_cond {
            return Ok(orig_loss);
        }
        let mut n_iter = 0;
        while n_iter < c.max_iter {
            n_iter += 1;
            s.n_iter += 1;
            if s.n_iter == 1 {
                s.d.clear();
                s.d.extend(self.flat_grad.iter().map(|g| -g));
                s.old_dirs.clear();
                s.old_stps.clear();
                s.ro.clear();
                s.h_diag = 1.0;
            } else {
                let (y, step) = (&mut self.y, &mut self.step);
                y.iter_mut().zip(self.flat_grad.iter().zip(&s.prev_flat_grad)).for_each(|(y, (g, p))| *y = g - p);
                let t = s.t as f32;
                step.iter_mut().zip(&s.d).for_each(|(step, d)| *step = d * t);
                let ys = dot(y, step);
                // history_size 0 keeps no pairs (torch would fail popping an empty history).
                if ys > 1e-10 && c.history_size > 0 {
                    // The pair leaving the history becomes the next scratch pair; until the history is full,
                    // each new pair is a new allocation.
                    let (spare_y, spare_step) = if s.old_dirs.len() == c.history_size {
                        s.ro.pop_front();
                        (s.old_dirs.pop_front(), s.old_stps.pop_front())
                    } else {
                        (None, None)
                    };
                    s.h_diag = ys / dot(y, y);
                    s.old_dirs.push_back(std::mem::replace(y, spare_y.unwrap_or_else(|| vec![0.0; self.numel])));
                    s.old_stps.push_back(std::mem::replace(step, spare_step.unwrap_or_else(|| vec![0.0; self.numel])));
                    s.ro.push_back(1.0 / ys);
                }
                let num_old = s.old_dirs.len();
                let (al, q) = (&mut self.alpha, &mut self.q);
                al.clear();
                al.resize(num_old, 0.0);
                q.iter_mut().zip(&self.flat_grad).for_each(|(q, g)| *q = -g);
                for i in (0..num_old).rev() {
                    al[i] = dot(&s.old_stps[i], q) * s.ro[i];
                    let scale = -al[i];
                    q.iter_mut().zip(&s.old_dirs[i]).for_each(|(q, y)| *q += scale * y);
                }
                let h_diag = s.h_diag;
                s.d.clear();
                s.d.extend(q.iter().map(|q| q * h_diag));
                for (i, &al_i) in al.iter().enumerate().take(num_old) {
                    let be_i = dot(&s.old_dirs[i], &s.d) * s.ro[i];
                    let scale = al_i - be_i;
                    s.d.iter_mut().zip(&s.old_stps[i]).for_each(|(d, st)| *d += scale * st);
                }
            }
            s.prev_flat_grad.clone_from(&self.flat_grad);
            s.prev_loss = loss;
            s.t = if s.n_iter == 1 {
                // torch: min(1.0, 1.0 / |g|.sum()) * lr, a float32 tensor when the reciprocal wins.
                let inverse = 1.0 / self.flat_grad.iter().map(|g| g.abs()).sum::<f32>();
                if inverse < 1.0 {
                    (inverse * c.lr as f32) as f64
                } else {
                    c.lr
                }
            } else {
                c.lr
            };
            let gtd = dot(&self.flat_grad, &s.d);
            if gtd > (-c.tolerance_change) as f32 {
                break;
            }
            let mut ls_func_evals = 0;
            if c.line_search_fn.is_some() {
                copy_params(closure, &mut self.x_init);
                let (new_loss, t, evals) =
                    strong_wolfe(closure, &self.x_init, s.t, &s.d, loss, &mut self.flat_grad, gtd, c.tolerance_change)?;
                loss = new_loss;
                s.t = t;
                ls_func_evals = evals;
                add_scaled(closure, s.t, &s.d);
                opt_cond = abs_max(&self.flat_grad) <= tolerance_grad;
            } else {
                add_scaled(closure, s.t, &s.d);
                if n_iter != c.max_iter {
                    loss = closure.evaluate()? as f64;
                    gather_grad(closure, &mut self.flat_grad);
                    opt_cond = abs_max(&self.flat_grad) <= tolerance_grad;
                    ls_func_evals = 1;
                }
            }
            current_evals += ls_func_evals;
            s.func_evals += ls_func_evals as u64;
            if n_iter == c.max_iter || current_evals >= c.max_eval || opt_cond {
                break;
            }
            let t = s.t as f32;
            if s.d.iter().fold(0.0f32, |m, d| m.max((d * t).abs())) <= c.tolerance_change as f32 {
                break;
            }
            if (loss - s.prev_loss).abs() < c.tolerance_change {
                break;
            }
        }
        Ok(orig_loss)
    }

    fn group_count(&self) -> usize {
        1
    }
    fn lr(&self, group: usize) -> f64 {
        if group == 0 {
            self.config.lr
        } else {
            f64::NAN
        }
    }
    fn set_lr(&mut self, group: usize, lr: f64) {
        if group == 0 {
            self.config.lr = lr;
        }
    }
    fn name(&self) -> &str {
        "lbfgs"
    }

    fn save_state(&self, out: &mut Vec<u8>) {
        let s = &self.state;
        out.extend_from_slice(b"OLLBFGS\0");
        put_u64(out, self.numel as u64);
        put_f64(out, self.config.lr);
        put_u64(out, s.func_evals);
        put_u64(out, s.n_iter);
        put_f64(out, s.t);
        put_f64(out, s.h_diag as f64);
        put_f64(out, s.prev_loss);
        put_u64(out, s.d.len() as u64);
        put_f32s(out, &s.d);
        put_f32s(out, &s.prev_flat_grad);
        put_u64(out, s.old_dirs.len() as u64);
        for ((y, step), ro) in s.old_dirs.iter().zip(&s.old_stps).zip(&s.ro) {
            put_f32s(out, y);
            put_f32s(out, step);
            put_f64(out, *ro as f64);
        }
    }

    fn load_state(&mut self, bytes: &[u8]) -> Result<(), OptimError> {
        let Some(body) = bytes.strip_prefix(b"OLLBFGS\0") else {
            return Err(OptimError::State("not an optimlab LBFGS state".into()));
        };
        let mut input = BlobReader::new(body);
        let numel = self.numel;
        let saved = input.u64()?;
        if saved != numel as u64 {
            return Err(OptimError::State(format!("saved for {saved} values, this optimizer has {numel}")));
        }
        let lr = input.f64()?;
        let mut s = State { func_evals: input.u64()?, n_iter: input.u64()?, t: input.f64()?, ..State::default() };
        s.h_diag = input.f64()? as f32;
        s.prev_loss = input.f64()?;
        // d and the last gradient exist once a step has run (length numel) or not at all (0).
        let started = input.u64()?;
        if started != 0 && started != numel as u64 {
            return Err(OptimError::State(format!("a direction of {started} values, expected {numel}")));
        }
        let started = if started == 0 { 0 } else { numel };
        s.d = input.f32s(started)?;
        s.prev_flat_grad = input.f32s(started)?;
        let pairs = input.u64()?;
        if pairs > self.config.history_size as u64 {
            return Err(OptimError::State(format!(
                "{pairs} history pairs, history_size is {}",
                self.config.history_size
            )));
        }
        for _ in 0..pairs {
            s.old_dirs.push_back(input.f32s(numel)?);
            s.old_stps.push_back(input.f32s(numel)?);
            s.ro.push_back(input.f64()? as f32);
        }
        if !input.is_empty() {
            return Err(OptimError::State("trailing bytes after the LBFGS state".into()));
        }
        self.state = s;
        self.config.lr = lr;
        Ok(())
    }
}

/// The most bytes a history may take: a wasm32 memory's 4 GiB.
const HISTORY_BYTES_LIMIT: u64 = 1 << 32;

/// Refuses a `history_size` whose full history (two vectors of `numel` float32 and ρ per pair) could not be held.
fn check_history_fits(history_size: usize, numel: usize) -> Result<(), OptimError> {
    let pair = (4 * numel as u64 + std::mem::size_of::<Vec<f32>>() as u64) * 2 + 4;
    match (history_size as u64).checked_mul(pair) {
        Some(bytes) if bytes <= HISTORY_BYTES_LIMIT => Ok(()),
        _ => Err(OptimError::Invalid(format!(
            "Invalid history_size value: {history_size} (a history of {history_size} pairs of {numel} values would \
             take more than the 4 GiB a wasm memory holds)"
        ))),
    }
}

impl SingleGroup for Lbfgs {
    const NAME: &'static str = "lbfgs";
    const DISPLAY: &'static str = "LBFGS";
    type Options = Options;

    fn new(o: Options, shapes: &[Vec<usize>]) -> Result<Self, OptimError> {
        let config = Config {
            lr: o.lr,
            max_iter: o.max_iter,
            max_eval: o.max_eval.unwrap_or(o.max_iter.saturating_mul(5) / 4),
            tolerance_grad: o.tolerance_grad,
            tolerance_change: o.tolerance_change,
            history_size: o.history_size,
            line_search_fn: o.line_search_fn,
        };
        non_negative(config.lr, "Invalid learning rate")?;
        let numel = shapes.iter().map(|s| s.iter().product::<usize>()).sum();
        check_history_fits(config.history_size, numel)?;
        let buffer = || vec![0.0; numel];
        Ok(Lbfgs {
            state: State::default(),
            flat_grad: buffer(),
            x_init: buffer(),
            y: buffer(),
            step: buffer(),
            q: buffer(),
            alpha: Vec::new(),
            config,
            numel,
        })
    }
}
