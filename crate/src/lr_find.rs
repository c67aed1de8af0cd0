//! Leslie Smith's learning-rate range test (Smith, "Cyclical Learning Rates for Training Neural Networks",
//! 2017, §3.3) as torch-lr-finder's `LRFinder.range_test` and fastai's `Learner.lr_find` run it: train
//! `num_iter` batches while the lr grows from `start_lr` to `end_lr`, smooth the losses, stop once the
//! smoothed loss exceeds `diverge_th` × the best so far, then put the trainer back exactly as it was.
//!
//! Conventions, with their source:
//! - lr of iteration i (0-based), torch-lr-finder's ExponentialLR/LinearLR: exp `start·(end/start)^(i/(n−1))`,
//!   linear `start + i/(n−1)·(end − start)`; the first step runs at `start_lr`, the last at `end_lr`.
//! - smoothing, torch-lr-finder: `s₀ = l₀`, `sᵢ = f·lᵢ + (1−f)·sᵢ₋₁` (f = `smooth_f`, 0.05; 0 = none); with
//!   `debias`, fastai's AvgSmoothLoss: `aᵢ = β·aᵢ₋₁ + (1−β)·lᵢ` from a₀ = 0, `sᵢ = aᵢ / (1 − βⁱ⁺¹)`, β = 1 − f
//!   (fastai's β = 0.98 is f = 0.02).
//! - stop: after recording a smoothed loss above `diverge_th` × the lowest smoothed loss (torch-lr-finder 5,
//!   fastai 4), or at a non-finite loss (recorded, its smoothed value NaN).
//! - suggestions, fastai's `lr_find`: on the smoothed curve without its first `num_iter / 10` and last 5
//!   points, cut before its first non-finite value: "steep" (the lr where the loss falls fastest per unit of
//!   ln lr), "minimum" (the lr of the lowest loss, divided by 10), "valley" (fastai's longest-valley rule),
//!   "slide" (fastai's interval slide rule).
use crate::optim::OptimError;
use crate::options::JsonOptions;
use crate::train::{TrainError, Trainer};
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;

#[derive(Clone, Debug, PartialEq)]
pub enum LrFindError {
    /// A rejected option; the message names the option and the accepted values.
    Options(String),
    /// The trainer cannot run the test (no data, diverged, no room in its history) or a step failed.
    Train(TrainError),
    /// A step of a bare optimizer (the closure test) failed.
    Optim(OptimError),
}

impl fmt::Display for LrFindError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LrFindError::Options(message) => write!(f, "lrFind: {message}"),
            LrFindError::Train(error) => write!(f, "{error}"),
            LrFindError::Optim(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for LrFindError {}

impl From<TrainError> for LrFindError {
    fn from(error: TrainError) -> Self {
        LrFindError::Train(error)
    }
}

impl From<OptimError> for LrFindError {
    fn from(error: OptimError) -> Self {
        LrFindError::Optim(error)
    }
}

/// What the range test drives: a trainer on its next batch, or an optimizer on the caller's closure.
pub trait Probe {
    /// One step at `lr`; returns the loss at the parameters before that step's update.
    fn step_at(&mut self, lr: f64) -> Result<f32, LrFindError>;
}

impl Probe for Trainer {
    fn step_at(&mut self, lr: f64) -> Result<f32, LrFindError> {
        self.set_lr(lr);
        let step = self.steps_done();
        self.run(1)?;
        Ok(self.losses(step, step + 1)?[0])
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepMode {
    Exp,
    Linear,
}

/// The most iterations a test may take: the valley rule is quadratic in the number of points.
pub const MAX_ITERATIONS: usize = 10_000;

#[derive(Clone, Debug, PartialEq)]
pub struct LrFindConfig {
    pub start_lr: f64,
    pub end_lr: f64,
    pub num_iter: usize,
    pub step_mode: StepMode,
    pub smooth_f: f64,
    pub debias: bool,
    pub diverge_th: f64,
    /// Points left out at the start and the end of the curve before suggesting (fastai: num_iter / 10 and 5).
    pub skip_start: usize,
    pub skip_end: usize,
}

impl Default for LrFindConfig {
    fn default() -> Self {
        LrFindConfig {
            start_lr: 1e-7,
            end_lr: 10.0,
            num_iter: 100,
            step_mode: StepMode::Exp,
            smooth_f: 0.05,
            debias: false,
            diverge_th: 5.0,
            skip_start: 10,
            skip_end: 5,
        }
    }
}

const OPTION_KEYS: [&str; 9] =
    ["startLr", "endLr", "numIter", "stepMode", "smoothF", "debias", "divergeTh", "skipStart", "skipEnd"];

/// A finite number option that `valid` accepts, `None` when absent.
fn number(
    options: &JsonOptions,
    key: &str,
    valid: impl Fn(f64) -> bool,
    expected: &str,
) -> Result<Option<f64>, LrFindError> {
    match options.optional::<f64>(key) {
        Ok(None) => Ok(None),
        Ok(Some(n)) if n.is_finite() && valid(n) => Ok(Some(n)),
        _ => Err(LrFindError::Options(format!("{key} must be {expected}, got {}", given(options, key)))),
    }
}

fn integer(options: &JsonOptions, key: &str, min: u64, max: u64) -> Result<Option<usize>, LrFindError> {
    match options.optional::<u64>(key) {
        Ok(None) => Ok(None),
        Ok(Some(n)) if (min..=max).contains(&n) => Ok(Some(n as usize)),
        _ => Err(LrFindError::Options(format!(
            "{key} must be an integer from {min} to {max}, got {}",
            given(options, key)
        ))),
    }
}

fn given<'a>(options: &'a JsonOptions, key: &str) -> &'a Value {
    options.value(key).unwrap_or(&Value::Null)
}

impl LrFindConfig {
    /// Reads `{ startLr?, endLr?, numIter?, stepMode? ("exp" | "linear"), smoothF?, debias?, divergeTh?, skipStart?, skipEnd? }`.
    pub fn from_json(text: &str) -> Result<LrFindConfig, LrFindError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| LrFindError::Options(format!("options are not valid JSON ({e})")))?;
        let Value::Object(options) = value else {
            return Err(LrFindError::Options("options must be a JSON object".into()));
        };
        let options = JsonOptions::new(Cow::Owned(options), &OPTION_KEYS)
            .map_err(|error| LrFindError::Options(error.to_string()))?;
        let defaults = LrFindConfig::default();
        let start_lr = number(&options, "startLr", |n| n > 0.0, "a positive number")?.unwrap_or(defaults.start_lr);
        let end_lr = number(&options, "endLr", |n| n > start_lr, &format!("greater than startLr ({start_lr})"))?
            .unwrap_or(defaults.end_lr);
        if end_lr <= start_lr {
            return Err(LrFindError::Options(format!("endLr ({end_lr}) must be greater than startLr ({start_lr})")));
        }
        let num_iter = integer(&options, "numIter", 2, MAX_ITERATIONS as u64)?.unwrap_or(defaults.num_iter);
        let step_mode = match options.optional::<String>("stepMode").as_ref().map(|mode| mode.as_deref()) {
            Ok(None) => defaults.step_mode,
            Ok(Some("exp")) => StepMode::Exp,
            Ok(Some("linear")) => StepMode::Linear,
            _ => {
                let got = given(&options, "stepMode");
                return Err(LrFindError::Options(format!("stepMode must be \"exp\" or \"linear\", got {got}")));
            }
        };
        let smooth_f = number(&options, "smoothF", |f| (0.0..1.0).contains(&f), "in [0, 1) (0 turns smoothing off)")?
            .unwrap_or(defaults.smooth_f);
        let debias = options.get("debias", defaults.debias).map_err(|error| LrFindError::Options(error.to_string()))?;
        let diverge_th =
            number(&options, "divergeTh", |th| th > 1.0, "a number greater than 1")?.unwrap_or(defaults.diverge_th);
        let skip_start = integer(&options, "skipStart", 0, MAX_ITERATIONS as u64)?.unwrap_or(num_iter / 10);
        let skip_end = integer(&options, "skipEnd", 0, MAX_ITERATIONS as u64)?.unwrap_or(defaults.skip_end);
        Ok(LrFindConfig { start_lr, end_lr, num_iter, step_mode, smooth_f, debias, diverge_th, skip_start, skip_end })
    }

    /// The lr of iteration `i` (0-based): `start_lr` at 0, `end_lr` at `num_iter − 1`.
    pub fn lr_at(&self, i: usize) -> f64 {
        let r = i as f64 / (self.num_iter - 1) as f64;
        match self.step_mode {
            StepMode::Exp => self.start_lr * (self.end_lr / self.start_lr).powf(r),
            StepMode::Linear => self.start_lr + r * (self.end_lr - self.start_lr),
        }
    }
}

/// The running smoothed loss (see the module comment for both forms).
#[derive(Clone, Debug)]
pub struct Smoother {
    smooth_f: f64,
    debias: bool,
    average: f64,
    /// βⁱ⁺¹ after i + 1 values, for the bias correction.
    beta_power: f64,
    count: usize,
}

impl Smoother {
    pub fn new(smooth_f: f64, debias: bool) -> Smoother {
        Smoother { smooth_f, debias, average: 0.0, beta_power: 1.0, count: 0 }
    }

    /// Takes the next loss and returns the smoothed value.
    pub fn push(&mut self, loss: f64) -> f64 {
        self.count += 1;
        if self.smooth_f == 0.0 {
            return loss;
        }
        let beta = 1.0 - self.smooth_f;
        if self.debias {
            self.average = beta * self.average + self.smooth_f * loss;
            self.beta_power *= beta;
            return self.average / (1.0 - self.beta_power);
        }
        self.average = if self.count == 1 { loss } else { self.smooth_f * loss + beta * self.average };
        self.average
    }
}

/// `losses` smoothed as the range test smooths them.
pub fn smooth(losses: &[f64], smooth_f: f64, debias: bool) -> Vec<f64> {
    let mut smoother = Smoother::new(smooth_f, debias);
    losses.iter().map(|&loss| smoother.push(loss)).collect()
}

/// A suggested lr and the index of the curve point its rule picked.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Suggestion {
    pub lr: f64,
    pub index: usize,
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Suggestions {
    /// fastai's "steep": the lr at the left end of the steepest fall of the smoothed loss per unit of ln lr.
    pub steepest: Option<Suggestion>,
    /// fastai's "minimum": the lr of the lowest smoothed loss, divided by 10 (`index` is the minimum itself).
    pub minimum: Option<Suggestion>,
    /// fastai's "valley": in the longest decreasing run of points, about 1/2 of the way from its start.
    pub valley: Option<Suggestion>,
    /// fastai's "slide": sliding a 15-point interval leftwards from the end of the curve, the left end of the last
    /// interval whose ends still differ in slope by more than 0.005.
    pub slide: Option<Suggestion>,
}

/// The suggestions on a smoothed curve (`lrs` increasing), leaving out `skip_start` points at the start,
/// `skip_end` at the end, and everything from the first non-finite value on. Rules that lack points give None.
pub fn suggest(lrs: &[f64], smoothed: &[f64], skip_start: usize, skip_end: usize) -> Suggestions {
    let end = smoothed.len().min(lrs.len()).saturating_sub(skip_end);
    let start = skip_start.min(end);
    let end = smoothed[start..end].iter().position(|s| !s.is_finite()).map_or(end, |bad| start + bad);
    let (lrs_in, losses) = (&lrs[start..end], &smoothed[start..end]);
    Suggestions {
        steepest: steepest(lrs_in, losses).map(|i| Suggestion { lr: lrs_in[i], index: start + i }),
        minimum: argmin(losses.iter().copied()).map(|i| Suggestion { lr: lrs_in[i] / 10.0, index: start + i }),
        valley: valley(losses).map(|i| Suggestion { lr: lrs_in[i], index: start + i }),
        slide: slide(losses).map(|i| Suggestion { lr: lrs_in[i], index: start + i }),
    }
}

/// Index of the first smallest value.
fn argmin(values: impl Iterator<Item = f64>) -> Option<usize> {
    values
        .enumerate()
        .fold(None, |best: Option<(usize, f64)>, (i, v)| match best {
            Some((_, b)) if b <= v => best,
            _ => Some((i, v)),
        })
        .map(|(i, _)| i)
}

/// fastai's steep: argmin of (losses[i+1] − losses[i]) / (ln lrs[i+1] − ln lrs[i]).
fn steepest(lrs: &[f64], losses: &[f64]) -> Option<usize> {
    argmin(lrs.windows(2).zip(losses.windows(2)).map(|(lr, loss)| (loss[1] - loss[0]) / (lr[1].ln() - lr[0].ln())))
}

/// fastai's valley: the longest strictly decreasing subsequence ends at `max_end` and is `lds[max_end]` long;
/// the suggestion is `max_start + ⌊s⌋ + ⌊s/2⌋` with `max_start = max_end − lds[max_end]`, `s = (max_end − max_start)/3`.
/// fastai's `max_start` is one before the subsequence's first point: kept for the same answers, clamped at 0.
fn valley(losses: &[f64]) -> Option<usize> {
    if losses.is_empty() {
        return None;
    }
    let mut lds = vec![1usize; losses.len()];
    let mut max_end = 0;
    for i in 1..losses.len() {
        for j in 0..i {
            if losses[i] < losses[j] && lds[i] < lds[j] + 1 {
                lds[i] = lds[j] + 1;
            }
        }
        if lds[max_end] < lds[i] {
            max_end = i;
        }
    }
    let max_start = max_end as f64 - lds[max_end] as f64;
    let sections = (max_end as f64 - max_start) / 3.0;
    let index = max_start + sections.trunc() + (sections / 2.0).trunc();
    Some((index.max(0.0) as usize).min(losses.len() - 1))
}

/// fastai's `slide` with its defaults (`lr_diff` 15, `thresh` 0.005, `adjust_value` 1), in 0-based indices: with
/// numpy's `gradient` g of the losses (unit spacing: central differences inside, one-sided at the ends), the interval
/// [l, r] = [n−16, n−1] slides left while l ≥ 0 and |g[r] − g[l]| > 0.005; the suggestion is the last l for which
/// that held, or n−16 when it never did. Curves shorter than 16 points, where fastai's first `lrs[-16]` fails, give None.
fn slide(losses: &[f64]) -> Option<usize> {
    const LR_DIFF: usize = 15;
    const THRESH: f64 = 0.005;
    let n = losses.len();
    if n < LR_DIFF + 1 {
        return None;
    }
    let gradient = |i: usize| match i {
        0 => losses[1] - losses[0],
        i if i == n - 1 => losses[n - 1] - losses[n - 2],
        i => (losses[i + 1] - losses[i - 1]) / 2.0,
    };
    let mut suggestion = n - 1 - LR_DIFF;
    let mut right = n - 1;
    loop {
        let left = right - LR_DIFF;
        if (gradient(right) - gradient(left)).abs() <= THRESH {
            return Some(suggestion);
        }
        suggestion = left;
        if left == 0 {
            return Some(suggestion);
        }
        right -= 1;
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct RangeTest {
    /// The lr each step ran at.
    pub lrs: Vec<f64>,
    /// Each step's batch loss, before that step's update.
    pub losses: Vec<f32>,
    pub smoothed: Vec<f64>,
    /// True when the test stopped before `num_iter` steps (divergence or a non-finite loss).
    pub stopped_early: bool,
    pub suggestions: Suggestions,
}

/// Runs the range test on the trainer's next batches, then restores the trainer from a checkpoint taken
/// first: weights, optimizer state (each group's lr included), data position, history and step count are
/// bit-identical afterwards. The test's steps pass through the trainer's loss history, so it needs
/// `num_iter` free steps there (`maxSteps ≥ stepsDone + numIter`).
pub fn range_test(trainer: &mut Trainer, config: &LrFindConfig) -> Result<RangeTest, LrFindError> {
    if trainer.steps_per_epoch() == 0 {
        return Err(TrainError::Usage("lrFind: no training data; call setTrainData first".into()).into());
    }
    if let Some(step) = trainer.diverged_at() {
        return Err(TrainError::Usage(format!(
            "lrFind: the trainer stopped at a non-finite loss (step {step}); load a checkpoint from before it"
        ))
        .into());
    }
    let (done, max_steps) = (trainer.steps_done(), trainer.config().max_steps);
    if config.num_iter > max_steps - done {
        return Err(TrainError::Usage(format!(
            "lrFind: numIter ({}) needs that many free steps in the loss history, but maxSteps is {max_steps} with {done} done \
             (the test's steps are recorded there, then rolled back)",
            config.num_iter
        ))
        .into());
    }
    let checkpoint = trainer.save_state();
    let outcome = run_steps(trainer, config);
    trainer.load_state(&checkpoint)?;
    outcome
}

/// The test's steps on `probe`, which is left where the last step put it (the caller restores it), and the
/// suggestions on the curve.
pub fn run_steps(probe: &mut dyn Probe, config: &LrFindConfig) -> Result<RangeTest, LrFindError> {
    let mut test = RangeTest {
        lrs: Vec::with_capacity(config.num_iter),
        losses: Vec::with_capacity(config.num_iter),
        smoothed: Vec::with_capacity(config.num_iter),
        stopped_early: false,
        suggestions: Suggestions::default(),
    };
    let mut smoother = Smoother::new(config.smooth_f, config.debias);
    let mut best = f64::INFINITY;
    for i in 0..config.num_iter {
        let lr = config.lr_at(i);
        let loss = probe.step_at(lr)?;
        test.lrs.push(lr);
        test.losses.push(loss);
        let smoothed = if loss.is_finite() { smoother.push(f64::from(loss)) } else { f64::NAN };
        test.smoothed.push(smoothed);
        best = best.min(smoothed);
        if !loss.is_finite() || smoothed > config.diverge_th * best {
            test.stopped_early = i + 1 < config.num_iter;
            break;
        }
    }
    test.suggestions = suggest(&test.lrs, &test.smoothed, config.skip_start, config.skip_end);
    Ok(test)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * (1.0 + b.abs())
    }

    #[test]
    fn lrs_run_from_start_to_end_exponentially_or_linearly() {
        let exp = LrFindConfig::from_json(r#"{"startLr":1e-7,"endLr":10,"numIter":9}"#).unwrap();
        let lrs: Vec<f64> = (0..9).map(|i| exp.lr_at(i)).collect();
        assert_eq!(lrs[0], 1e-7);
        assert!(close(lrs[8], 10.0));
        assert!(close(lrs[1], 1e-6), "eight decades in eight steps: one per step, {}", lrs[1]);
        let linear =
            LrFindConfig::from_json(r#"{"startLr":0.1,"endLr":1.1,"numIter":11,"stepMode":"linear"}"#).unwrap();
        assert!(close(linear.lr_at(3), 0.4) && close(linear.lr_at(10), 1.1));
    }

    #[test]
    fn smoothing_follows_torch_lr_finder_and_fastai() {
        // torch-lr-finder: s0 = l0, then 0.5·l + 0.5·s.
        assert_eq!(smooth(&[4.0, 2.0, 2.0, 8.0], 0.5, false), vec![4.0, 3.0, 2.5, 5.25]);
        // fastai: a = β·a + (1−β)·l from 0, divided by 1 − β^t; the first value is the loss itself.
        let fastai = smooth(&[4.0, 2.0], 0.5, true);
        assert_eq!(fastai, vec![4.0, (0.5 * 2.0 + 0.5 * 2.0) / 0.75]);
        assert_eq!(smooth(&[3.0, 1.0, 2.0], 0.0, true), vec![3.0, 1.0, 2.0], "smoothF 0 leaves the losses as they are");
        let constant = smooth(&[2.3; 50], 0.02, true);
        assert!(constant.iter().all(|&s| close(s, 2.3)), "bias correction keeps a constant curve at its value");
    }

    /// ln lr from −7 to 1 in 81 steps of 0.1; loss = 2 − tanh(ln lr + 3): steepest at ln lr = −3 (index 40).
    fn tanh_curve() -> (Vec<f64>, Vec<f64>) {
        let lrs: Vec<f64> = (0..81).map(|i| (-7.0 + 0.1 * i as f64).exp()).collect();
        let losses = lrs.iter().map(|lr| 2.0 - (lr.ln() + 3.0).tanh()).collect();
        (lrs, losses)
    }

    #[test]
    fn steepest_finds_the_known_steepest_point() {
        let (lrs, losses) = tanh_curve();
        let s = suggest(&lrs, &losses, 0, 0).steepest.unwrap();
        // The steepest segment is symmetric about ln lr = −3: it runs from index 39.5 ± 0.5, i.e. 39→40 or 40→41
        // (equal slopes; rounding picks one), and the rule reports its left point.
        assert!(s.index == 39 || s.index == 40, "{s:?}");
        assert!((s.lr.ln() + 3.0).abs() <= 0.1 + 1e-9, "{}", s.lr.ln());
    }

    #[test]
    fn minimum_is_a_tenth_of_the_lowest_points_lr() {
        // A bowl in ln lr with its bottom at index 30, then rising fast.
        let lrs: Vec<f64> = (0..50).map(|i| 1e-5 * 10f64.powf(i as f64 / 10.0)).collect();
        let losses: Vec<f64> = (0..50).map(|i| 1.0 + ((i as f64 - 30.0) / 10.0).powi(2)).collect();
        let minimum = suggest(&lrs, &losses, 0, 0).minimum.unwrap();
        assert_eq!(minimum.index, 30);
        assert!(close(minimum.lr, lrs[30] / 10.0) && close(minimum.lr, 1e-3));
    }

    #[test]
    fn valley_matches_fastais_rule() {
        // Flat, then strictly decreasing from index 2 (5.0) to 9 (1.0), then rising: the longest valley has
        // 8 points and ends at 9; fastai: max_start = 9 − 8 = 1, sections = 8/3, index = 1 + 2 + 1 = 4.
        let losses = [5.0, 5.0, 5.0, 4.0, 3.5, 3.0, 2.5, 2.0, 1.5, 1.0, 2.0, 4.0, 8.0];
        let lrs: Vec<f64> = (0..losses.len()).map(|i| 10f64.powi(i as i32 - 8)).collect();
        let valley = suggest(&lrs, &losses, 0, 0).valley.unwrap();
        assert_eq!(valley.index, 4);
        assert_eq!(valley.lr, lrs[4]);
        // Without the first 3 points the valley has 7 points, ending at window index 6: max_start = −1,
        // sections = 7/3, −1 + 2 + 1 = 2, i.e. index 3 + 2 = 5 of the whole curve.
        assert_eq!(suggest(&lrs, &losses, 3, 0).valley.unwrap().index, 5);
        // A rising curve has no valley: fastai's index −1 (the last point, in Python) is clamped to the first.
        assert_eq!(suggest(&lrs, &[1.0, 2.0, 3.0], 0, 0).valley.unwrap().index, 0);
    }

    /// fastai's `slide` as written (Python's negative indices and all), for checking the port against it.
    fn slide_as_fastai_writes_it(losses: &[f64]) -> usize {
        let n = losses.len() as isize;
        let grad: Vec<f64> = (0..n as usize)
            .map(|i| match i {
                0 => losses[1] - losses[0],
                i if i == losses.len() - 1 => losses[i] - losses[i - 1],
                i => (losses[i + 1] - losses[i - 1]) / 2.0,
            })
            .collect();
        let at = |k: isize| (n + k) as usize; // Python's a[k] for negative k
        let (mut r_idx, mut l_idx): (isize, isize) = (-1, -16);
        let mut local_min = at(l_idx);
        while l_idx >= -n && (grad[at(r_idx)] - grad[at(l_idx)]).abs() > 0.005 {
            local_min = at(l_idx);
            r_idx -= 1;
            l_idx -= 1;
        }
        local_min
    }

    #[test]
    fn slide_follows_fastais_interval_rule() {
        // A plateau, then a blow-up as the range test's end: the interval slides left until both its ends lie where the
        // slope is nearly flat. The slope e^((i−70)/3)/3 differs across 15 points by less than 0.005 for right ends
        // up to about 57, so the last interval that still differed starts at 58 − 15 = 43.
        let (lrs, _) = tanh_curve();
        let losses: Vec<f64> = (0..81).map(|i| 2.0 + ((i as f64 - 70.0) / 3.0).exp()).collect();
        let s = suggest(&lrs, &losses, 0, 0).slide.unwrap();
        assert_eq!(s.index, slide_as_fastai_writes_it(&losses));
        assert_eq!(s.lr, lrs[s.index]);
        assert!((42..=44).contains(&s.index), "{}", s.index);
        // A straight line has one slope everywhere: the first interval already passes, the suggestion is n − 16.
        let line: Vec<f64> = (0..40).map(|i| 3.0 - 0.01 * i as f64).collect();
        assert_eq!(suggest(&lrs[..40], &line, 0, 0).slide.unwrap().index, 24);
        // A curve whose slopes always differ slides to the first point, as fastai's loop stops at l = −len.
        let parabola: Vec<f64> = (0..30).map(|i| (i as f64).powi(2)).collect();
        assert_eq!(suggest(&lrs[..30], &parabola, 0, 0).slide.unwrap().index, 0);
        assert_eq!(slide_as_fastai_writes_it(&parabola), 0);
        // Pseudo-random bumpy curves: the port and the literal transcription agree everywhere.
        let mut rng = Rng::new(7);
        for n in [16, 17, 25, 60, 100] {
            let bumpy: Vec<f64> = (0..n).map(|i| 2.0 - 0.01 * i as f64 + 0.01 * rng.below(3) as f64).collect();
            assert_eq!(slide(&bumpy), Some(slide_as_fastai_writes_it(&bumpy)), "n = {n}");
        }
        // Fewer than 16 points: fastai's lrs[-16] fails; here no suggestion.
        assert_eq!(suggest(&lrs[..15], &losses[..15], 0, 0).slide, None);
        // The window's offset is added, as for the other rules.
        let (lrs, losses) = tanh_curve();
        let shifted = suggest(&lrs, &losses, 5, 0).slide.unwrap();
        assert_eq!(shifted.index, 5 + slide_as_fastai_writes_it(&losses[5..]));
    }

    #[test]
    fn suggestions_skip_the_ends_and_stop_at_the_first_non_finite_point() {
        let (lrs, mut losses) = tanh_curve();
        losses[60] = f64::NAN;
        losses[75] = 0.0; // after the NaN: ignored
        let s = suggest(&lrs, &losses, 8, 5);
        assert!(s.minimum.unwrap().index < 60);
        assert_eq!(s.minimum.unwrap().index, 59, "the curve falls until the cut");
        assert_eq!(suggest(&lrs, &losses, 0, 81), Suggestions::default(), "nothing left: no suggestion");
        assert_eq!(suggest(&lrs[..1], &losses[..1], 0, 0).steepest, None, "one point has no slope");
    }

    #[test]
    fn options_are_validated_with_clear_messages() {
        let message = |json: &str| LrFindConfig::from_json(json).unwrap_err().to_string();
        assert_eq!(message(r#"{"startLr":0}"#), "lrFind: startLr must be a positive number, got 0");
        assert_eq!(
            message(r#"{"startLr":0.1,"endLr":0.01}"#),
            "lrFind: endLr must be greater than startLr (0.1), got 0.01"
        );
        assert_eq!(message(r#"{"startLr":20}"#), "lrFind: endLr (10) must be greater than startLr (20)");
        assert_eq!(message(r#"{"numIter":1}"#), "lrFind: numIter must be an integer from 2 to 10000, got 1");
        assert_eq!(message(r#"{"stepMode":"log"}"#), "lrFind: stepMode must be \"exp\" or \"linear\", got \"log\"");
        assert_eq!(message(r#"{"smoothF":1}"#), "lrFind: smoothF must be in [0, 1) (0 turns smoothing off), got 1");
        assert_eq!(message(r#"{"divergeTh":1}"#), "lrFind: divergeTh must be a number greater than 1, got 1");
        assert_eq!(message(r#"{"debias":1}"#), "lrFind: debias must be true or false, got 1");
        assert_eq!(message(r#"{"num_iter":5}"#), "lrFind: unknown option 'num_iter'; valid options: startLr, endLr, numIter, stepMode, smoothF, debias, divergeTh, skipStart, skipEnd");
        let config = LrFindConfig::from_json(r#"{"numIter":250}"#).unwrap();
        assert_eq!((config.skip_start, config.skip_end, config.smooth_f, config.diverge_th), (25, 5, 0.05, 5.0));
    }

    fn synthetic(rows: usize, features: usize, seed: u64) -> (Vec<u8>, Vec<u8>) {
        let mut rng = Rng::new(seed);
        let labels: Vec<u8> = (0..rows).map(|_| rng.below(4) as u8).collect();
        let pixels = (0..rows * features)
            .map(|i| {
                (rng.below(56) + if i % features % 4 == usize::from(labels[i / features]) { 200 } else { 0 }) as u8
            })
            .collect();
        (pixels, labels)
    }

    fn trainer_with(optimizer: &str, schedule: &str, max_steps: usize) -> Trainer {
        let config = format!(
            r#"{{"layers":[16,12,4],"seed":5,"batchSize":8,"maxSteps":{max_steps},"optimizer":{optimizer}{schedule}}}"#
        );
        let mut trainer = Trainer::from_json(&config).unwrap();
        let (pixels, labels) = synthetic(70, 16, 3);
        trainer.set_train_data(&pixels, &labels).unwrap();
        trainer
    }

    fn trainer(optimizer: &str, max_steps: usize) -> Trainer {
        trainer_with(optimizer, "", max_steps)
    }

    #[test]
    fn the_trainer_is_bit_identical_afterwards() {
        let bits = |values: &[f32]| values.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        // Adam mid-training, and SGD with momentum driven by a StepLR schedule (restored with the checkpoint).
        for (optimizer, schedule) in [
            (r#"{"name":"adam","lr":0.01}"#, ""),
            (r#"{"name":"sgd","lr":0.1,"momentum":0.9}"#, r#","schedule":{"name":"steplr","step_size":4,"gamma":0.5}"#),
        ] {
            let mut probed = trainer_with(optimizer, schedule, 200);
            let mut straight = trainer_with(optimizer, schedule, 200);
            probed.run(13).unwrap();
            let lr_before = probed.lr();
            let test = range_test(
                &mut probed,
                &LrFindConfig::from_json(r#"{"numIter":60,"startLr":1e-5,"endLr":100}"#).unwrap(),
            )
            .unwrap();
            assert!(test.losses.len() > 10);
            assert_eq!(
                test.lrs[1],
                LrFindConfig::from_json(r#"{"numIter":60,"startLr":1e-5,"endLr":100}"#).unwrap().lr_at(1),
                "the test's lrs, not the schedule's"
            );
            assert_eq!((probed.steps_done(), probed.lr()), (13, lr_before));
            probed.run(20).unwrap();
            straight.run(33).unwrap();
            assert_eq!(bits(probed.losses(0, 33).unwrap()), bits(straight.losses(0, 33).unwrap()), "{optimizer}");
            assert_eq!(bits(probed.weights()), bits(straight.weights()));
            assert_eq!(probed.save_state(), straight.save_state());
        }
    }

    #[test]
    fn the_curve_falls_then_diverges_and_stops_early() {
        // Labels that do not depend on the pixels: no lr drives the loss to 0, large ones blow it up.
        let mut t = trainer(r#"{"name":"sgd"}"#, 100);
        let (pixels, _) = synthetic(70, 16, 3);
        let mut rng = Rng::new(11);
        let labels: Vec<u8> = (0..70).map(|_| rng.below(4) as u8).collect();
        t.set_train_data(&pixels, &labels).unwrap();
        let config = LrFindConfig::from_json(r#"{"numIter":100,"startLr":1e-4,"endLr":1e4}"#).unwrap();
        let test = range_test(&mut t, &config).unwrap();
        assert!(test.stopped_early, "sgd at lr up to 1e4 diverges");
        let n = test.losses.len();
        assert!(n < 100 && test.lrs.len() == n && test.smoothed.len() == n);
        assert_eq!(test.lrs[0], 1e-4);
        let last = test.smoothed[n - 1];
        let best = test.smoothed.iter().copied().fold(f64::INFINITY, f64::min);
        assert!(!last.is_finite() || last > 5.0 * best, "stopped at divergence: {last} vs best {best}");
        assert!((f64::from(test.losses[0]) - 4f64.ln()).abs() < 0.3, "about ln 4 at the start: {}", test.losses[0]);
        let steepest = test.suggestions.steepest.unwrap();
        assert!(steepest.lr > 1e-3 && steepest.lr < 1e3, "{steepest:?}");
        // At tiny lrs nothing moves: the loss stays where it started.
        let mut calm = trainer(r#"{"name":"sgd"}"#, 100);
        let tiny =
            range_test(&mut calm, &LrFindConfig::from_json(r#"{"numIter":20,"startLr":1e-9,"endLr":1e-8}"#).unwrap())
                .unwrap();
        assert!(!tiny.stopped_early);
        assert!(tiny.smoothed.iter().all(|s| (s - tiny.smoothed[0]).abs() < 0.2));
    }

    #[test]
    fn refuses_a_trainer_it_cannot_probe() {
        let config = LrFindConfig::default();
        let mut short = trainer(r#"{"name":"sgd"}"#, 120);
        short.run(30).unwrap();
        assert_eq!(
            range_test(&mut short, &config).unwrap_err().to_string(),
            "lrFind: numIter (100) needs that many free steps in the loss history, but maxSteps is 120 with 30 done (the test's steps are recorded there, then rolled back)"
        );
        let mut empty =
            Trainer::from_json(r#"{"layers":[16,4],"batchSize":8,"maxSteps":200,"optimizer":{"name":"sgd"}}"#).unwrap();
        assert_eq!(
            range_test(&mut empty, &config).unwrap_err().to_string(),
            "lrFind: no training data; call setTrainData first"
        );
    }
}
