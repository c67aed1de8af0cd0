//! The wasm_bindgen surface: thin shims over the modules, errors mapped to `JsError` carrying the Rust
//! message. Buffers cross as typed arrays: a `&[u8]`/`&[f32]` or `Vec` argument is copied in once (a `Vec` is
//! then owned by Rust, not copied again), a `Vec` result arrives in JavaScript as a fresh `Uint8Array`/
//! `Float32Array` copy, so no JS view of wasm memory can go stale. Nothing here is called per tensor element.
use wasm_bindgen::prelude::*;

use crate::arena::Arena;
use crate::kernels::reduce;
use crate::lr_find::{LrFindConfig, LrFindError, RangeTest};
use crate::nn::model::Plan;
use crate::optim::{self, Closure, OptimError, Slot};
use crate::train::{Dataset, InputData, Split, TargetData, Trainer, TrainerConfig};
use std::rc::Rc;

fn js_error(error: impl std::fmt::Display) -> JsError {
    JsError::new(&error.to_string())
}

/// True when the module was compiled with simd128 kernels.
#[wasm_bindgen(js_name = simdEnabled)]
pub fn simd_enabled() -> bool {
    reduce::SIMD
}

/// True in the opt-in fast build (relaxed SIMD: fused multiply-adds, last bits machine-dependent).
#[wasm_bindgen(js_name = relaxedSimd)]
pub fn relaxed_simd() -> bool {
    crate::kernels::RELAXED_SIMD
}

/// Dot product with the build's fastest kernel (SIMD in the wasm build).
#[wasm_bindgen]
pub fn dot(a: &[f32], b: &[f32]) -> Result<f32, JsError> {
    if a.len() != b.len() {
        return Err(JsError::new(&format!("dot: lengths differ ({} vs {})", a.len(), b.len())));
    }
    Ok(reduce::dot(a, b))
}

/// Dot product with the scalar twin, for checking the SIMD kernel from JavaScript.
#[wasm_bindgen(js_name = dotScalar)]
pub fn dot_scalar(a: &[f32], b: &[f32]) -> Result<f32, JsError> {
    if a.len() != b.len() {
        return Err(JsError::new(&format!("dot: lengths differ ({} vs {})", a.len(), b.len())));
    }
    Ok(reduce::dot_scalar(a, b))
}

/// Checks a trainer config (`new Trainer`'s JSON) without building anything: the model, batch size, seed and the
/// memory they need, as the constructor checks them (the optimizer's options are its own, checked when it is built).
/// Lets a comparison refuse a bad model once, before any worker starts. Returns what the data must fit, as JSON:
/// `{ input: [shape of one sample], inputs: values per sample, output: [shape], outputs, loss, parameters }`.
#[wasm_bindgen(js_name = checkTrainerConfig)]
pub fn check_trainer_config(config_json: &str) -> Result<String, JsError> {
    let config = TrainerConfig::from_json(config_json).map_err(js_error)?;
    let plan = Plan::new(&config.model).map_err(js_error)?;
    Ok(serde_json::json!({
        "input": plan.input_shape(),
        "inputs": plan.input_shape().iter().product::<usize>(),
        "output": plan.output_shape(),
        "outputs": plan.output_shape().iter().product::<usize>(),
        "loss": plan.loss().name(),
        "parameters": plan.param_count(),
    })
    .to_string())
}

/// A dataset held in this instance's memory once, for any number of Trainers (`setDataset`) until it and every
/// Trainer using it are freed.
#[wasm_bindgen(js_name = Dataset)]
pub struct JsDataset {
    inner: Rc<Dataset>,
}

#[wasm_bindgen(js_class = Dataset)]
impl JsDataset {
    /// Inputs as bytes (`pixels`, normalized as batches are drawn) or floats (`inputs`), exactly one of them;
    /// targets as class `labels`, target `values` shaped like the output, or neither (an autoencoder: each row's
    /// inputs). wasm-bindgen copies each array into wasm memory once; the Dataset owns that copy.
    #[wasm_bindgen(constructor)]
    pub fn new(
        pixels: Option<Vec<u8>>,
        inputs: Option<Vec<f32>>,
        labels: Option<Vec<u8>>,
        values: Option<Vec<f32>>,
    ) -> Result<JsDataset, JsError> {
        let inputs = match (pixels, inputs) {
            (Some(pixels), None) => InputData::Bytes(pixels),
            (None, Some(inputs)) => InputData::Floats(inputs),
            _ => return Err(JsError::new("Dataset: give exactly one of pixels (bytes) and inputs (floats)")),
        };
        let targets = match (labels, values) {
            (Some(labels), None) => TargetData::Classes(labels),
            (None, Some(values)) => TargetData::Values(values),
            (None, None) => TargetData::Inputs,
            (Some(_), Some(_)) => return Err(JsError::new("Dataset: give labels or target values, not both")),
        };
        Ok(JsDataset { inner: Rc::new(Dataset::new(inputs, targets)) })
    }

    /// Bytes of wasm memory its arrays hold.
    #[wasm_bindgen(js_name = byteLength)]
    pub fn byte_length(&self) -> usize {
        self.inner.byte_len()
    }
}

#[wasm_bindgen(js_name = Trainer)]
pub struct JsTrainer {
    inner: Trainer,
}

#[wasm_bindgen(js_class = Trainer)]
impl JsTrainer {
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str) -> Result<JsTrainer, JsError> {
        Trainer::from_json(config_json).map(|inner| JsTrainer { inner }).map_err(js_error)
    }

    /// Takes the training set (rows = labels.length, pixels row-major): wasm-bindgen copies the arrays into wasm
    /// memory once and the Trainer owns that copy.
    #[wasm_bindgen(js_name = setTrainData)]
    pub fn set_train_data(&mut self, pixels: Vec<u8>, labels: Vec<u8>) -> Result<(), JsError> {
        self.inner.set_data(Split::Train, InputData::Bytes(pixels), TargetData::Classes(labels)).map_err(js_error)
    }

    #[wasm_bindgen(js_name = setEvalData)]
    pub fn set_eval_data(&mut self, pixels: Vec<u8>, labels: Vec<u8>) -> Result<(), JsError> {
        self.inner.set_data(Split::Eval, InputData::Bytes(pixels), TargetData::Classes(labels)).map_err(js_error)
    }

    /// Uses `dataset` as the training (`eval` false) or held-out data, shared with whoever else holds it (not
    /// copied); checked against this Trainer's model.
    #[wasm_bindgen(js_name = setDataset)]
    pub fn set_dataset(&mut self, eval: bool, dataset: &JsDataset) -> Result<(), JsError> {
        let split = if eval { Split::Eval } else { Split::Train };
        self.inner.set_dataset(split, Rc::clone(&dataset.inner)).map_err(js_error)
    }

    /// optax's apply_if_finite counters `[notfinite_count, total_notfinite, last_finite (0|1)]`.
    #[wasm_bindgen(js_name = nonFiniteCounters)]
    pub fn non_finite_counters(&self) -> Vec<u32> {
        let counters = self.inner.counters();
        vec![counters.consecutive, counters.total, u32::from(counters.last_finite)]
    }

    /// The parameter tensors' shapes as JSON, e.g. `[[32,1,5,5],[32],…]`.
    pub fn shapes(&self) -> String {
        serde_json::json!(self.inner.model().arena().shapes()).to_string()
    }

    /// Up to `steps` steps; returns how many were done (fewer only when the run diverged).
    pub fn run(&mut self, steps: u32) -> Result<u32, JsError> {
        self.inner.run(steps as usize).map(|n| n as u32).map_err(js_error)
    }

    #[wasm_bindgen(js_name = stepsDone)]
    pub fn steps_done(&self) -> u32 {
        self.inner.steps_done() as u32
    }

    #[wasm_bindgen(js_name = stepsPerEpoch)]
    pub fn steps_per_epoch(&self) -> u32 {
        self.inner.steps_per_epoch() as u32
    }

    /// −1, or the 0-based step at which the non-finite policy ended the run (its loss is in the history).
    #[wasm_bindgen(js_name = divergedAt)]
    pub fn diverged_at(&self) -> i32 {
        self.inner.diverged_at().map_or(-1, |s| s as i32)
    }

    /// Copy of the losses of steps `start..end`.
    pub fn losses(&self, start: u32, end: u32) -> Result<Vec<f32>, JsError> {
        self.inner.losses(start as usize, end as usize).map(<[f32]>::to_vec).map_err(js_error)
    }

    /// `[mean loss, accuracy in 0..1]` on the eval data (accuracy NaN unless the loss is cross_entropy).
    pub fn evaluate(&mut self) -> Result<Vec<f32>, JsError> {
        self.inner.evaluate().map(|r| r.to_vec()).map_err(js_error)
    }

    /// Every parameter in torch's module order (each layer's weight in torch layout, then its bias), concatenated.
    pub fn weights(&self) -> Vec<f32> {
        self.inner.weights().to_vec()
    }

    #[wasm_bindgen(js_name = setWeights)]
    pub fn set_weights(&mut self, weights: &[f32]) -> Result<(), JsError> {
        self.inner.set_weights(weights).map_err(js_error)
    }

    /// Sets the lr of every param group.
    #[wasm_bindgen(js_name = setLr)]
    pub fn set_lr(&mut self, lr: f64) {
        self.inner.set_lr(lr);
    }

    /// The lr of the first param group.
    pub fn lr(&self) -> f64 {
        self.inner.lr()
    }

    /// One step on an explicit, already-normalized batch (`targets`: a class index per row for cross_entropy,
    /// else values shaped like the output); returns its loss before the update. Leaves the data position and the
    /// loss history alone.
    #[wasm_bindgen(js_name = trainBatch)]
    pub fn train_batch(&mut self, inputs: &[f32], targets: &[f32]) -> Result<f32, JsError> {
        self.inner.train_batch(inputs, targets).map_err(js_error)
    }

    #[wasm_bindgen(js_name = saveState)]
    pub fn save_state(&self) -> Vec<u8> {
        self.inner.save_state()
    }

    #[wasm_bindgen(js_name = loadState)]
    pub fn load_state(&mut self, bytes: &[u8]) -> Result<(), JsError> {
        self.inner.load_state(bytes).map_err(js_error)
    }
}

/// An optimizer over the caller's own tensors (test functions, custom models).
///
/// `new Optimizer(name, optionsJson, shapesJson)` with shapes like `[[5,3],[5]]`. Parameters and
/// gradients are flat: every tensor concatenated in order. Per step: `setGrads(g)` then `step()`;
/// `params()` returns a copy, `setParams(p)` replaces them.
#[wasm_bindgen(js_name = Optimizer)]
pub struct JsOptimizer {
    arena: Arena,
    optimizer: Box<dyn optim::Optimizer>,
}

/// 2^27 values: 512 MiB each for parameters and gradients, with room for the optimizer's state.
const MAX_OPTIMIZER_SCALARS: usize = 1 << 27;

fn parse_shapes(shapes_json: &str) -> Result<Vec<Vec<usize>>, JsError> {
    let invalid = || {
        JsError::new(&format!("Optimizer: shapes must be a JSON array of shapes like [[5,3],[5]], got {shapes_json}"))
    };
    let value: serde_json::Value = serde_json::from_str(shapes_json).map_err(|_| invalid())?;
    value
        .as_array()
        .ok_or_else(invalid)?
        .iter()
        .map(|shape| shape.as_array().and_then(|dims| dims.iter().map(|d| d.as_u64().map(|d| d as usize)).collect()))
        .collect::<Option<Vec<Vec<usize>>>>()
        .ok_or_else(invalid)
}

#[wasm_bindgen(js_class = Optimizer)]
impl JsOptimizer {
    #[wasm_bindgen(constructor)]
    pub fn new(name: &str, options_json: &str, shapes_json: &str) -> Result<JsOptimizer, JsError> {
        let options: serde_json::Value = serde_json::from_str(options_json)
            .map_err(|e| JsError::new(&format!("Optimizer: options are not valid JSON ({e})")))?;
        let shapes = parse_shapes(shapes_json)?;
        let scalars = shapes.iter().try_fold(0usize, |total, shape| {
            shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d)).and_then(|n| total.checked_add(n))
        });
        if scalars.is_none_or(|n| n > MAX_OPTIMIZER_SCALARS) {
            return Err(JsError::new(&format!(
                "Optimizer: the tensors hold more than {MAX_OPTIMIZER_SCALARS} values in all"
            )));
        }
        let optimizer = optim::create(name, &options, &shapes).map_err(js_error)?;
        Ok(JsOptimizer { arena: Arena::new(&shapes), optimizer })
    }

    /// Copy of every parameter, tensors concatenated.
    pub fn params(&self) -> Vec<f32> {
        self.arena.params().to_vec()
    }

    #[wasm_bindgen(js_name = setParams)]
    pub fn set_params(&mut self, params: &[f32]) -> Result<(), JsError> {
        copy_exact("setParams", params, self.arena.params_mut())
    }

    #[wasm_bindgen(js_name = setGrads)]
    pub fn set_grads(&mut self, grads: &[f32]) -> Result<(), JsError> {
        copy_exact("setGrads", grads, self.arena.grads_mut())
    }

    /// One update of every tensor from the gradients last set.
    pub fn step(&mut self) -> Result<(), JsError> {
        let mut slots: Vec<Slot> = self.arena.tensors_mut().map(|(param, grad, _)| Slot { param, grad }).collect();
        self.optimizer.step(&mut slots).map_err(js_error)
    }

    /// Sets the lr of every param group.
    #[wasm_bindgen(js_name = setLr)]
    pub fn set_lr(&mut self, lr: f64) {
        for group in 0..self.optimizer.group_count() {
            self.optimizer.set_lr(group, lr);
        }
    }

    /// The lr in force in a param group.
    pub fn lr(&self, group: u32) -> f64 {
        self.optimizer.lr(group as usize)
    }

    #[wasm_bindgen(js_name = saveState)]
    pub fn save_state(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.optimizer.save_state(&mut out);
        out
    }

    #[wasm_bindgen(js_name = loadState)]
    pub fn load_state(&mut self, bytes: &[u8]) -> Result<(), JsError> {
        self.optimizer.load_state(bytes).map_err(js_error)
    }

    /// torch's `step(closure)` for every optimizer: LBFGS calls `closure` as often as its line search needs, the
    /// others once before their update. `closure(params, grads)` reads the parameters (tensors concatenated) from
    /// `params`, writes the gradients into `grads` and returns the loss; returns the loss of its first call. An error
    /// thrown by the closure is rethrown as is, with the step cut short where torch's would be.
    #[wasm_bindgen(js_name = stepClosure)]
    pub fn step_closure(&mut self, closure: &js_sys::Function) -> Result<f32, JsValue> {
        let mut closure = JsClosure::new(&mut self.arena, closure);
        let outcome = step_on_closure(self.optimizer.as_mut(), &mut closure);
        closure.rethrow(outcome)
    }

    /// The lr range test (as `Trainer.lrFind`, same options and packed result) with `closure` as in `stepClosure`
    /// giving each step's loss and gradients. Parameters and optimizer state are restored afterwards.
    #[wasm_bindgen(js_name = lrFind)]
    pub fn lr_find(&mut self, options_json: &str, closure: &js_sys::Function) -> Result<Vec<f64>, JsValue> {
        let config = LrFindConfig::from_json(options_json).map_err(js_error)?;
        let params = self.arena.params().to_vec();
        let state = self.save_state();
        let mut probe =
            ClosureProbe { optimizer: self.optimizer.as_mut(), closure: JsClosure::new(&mut self.arena, closure) };
        let outcome = crate::lr_find::run_steps(&mut probe, &config);
        let outcome = probe.closure.rethrow(outcome);
        self.arena.params_mut().copy_from_slice(&params);
        self.optimizer.load_state(&state).map_err(js_error)?;
        Ok(pack_range_test(&outcome?))
    }
}

/// torch's `closure()` as a JavaScript function `(params, grads) => loss` over two Float32Arrays it owns, each all
/// tensors concatenated: the parameters are copied out before each call and the gradients in after it.
struct JsClosure<'a> {
    arena: &'a mut Arena,
    function: &'a js_sys::Function,
    params: js_sys::Float32Array,
    grads: js_sys::Float32Array,
    /// What the function threw, rethrown to the caller once the optimizer has stopped.
    thrown: Option<JsValue>,
}

impl<'a> JsClosure<'a> {
    fn new(arena: &'a mut Arena, function: &'a js_sys::Function) -> Self {
        let numel = arena.params().len() as u32;
        let (params, grads) =
            (js_sys::Float32Array::new_with_length(numel), js_sys::Float32Array::new_with_length(numel));
        JsClosure { arena, function, params, grads, thrown: None }
    }

    /// The closure's own error when it threw, else the outcome's error as a JavaScript Error.
    fn rethrow<T, E: std::fmt::Display>(&mut self, outcome: Result<T, E>) -> Result<T, JsValue> {
        match (self.thrown.take(), outcome) {
            (Some(thrown), _) => Err(thrown),
            (None, outcome) => outcome.map_err(|error| js_error(error).into()),
        }
    }
}

impl Closure for JsClosure<'_> {
    fn evaluate(&mut self) -> Result<f32, OptimError> {
        self.params.copy_from(self.arena.params());
        let returned = self.function.call2(&JsValue::NULL, &self.params, &self.grads).map_err(|thrown| {
            self.thrown = Some(thrown);
            OptimError::Closure("threw".into())
        })?;
        let loss = returned
            .as_f64()
            .ok_or_else(|| OptimError::Closure(format!("must return the loss as a number, got {returned:?}")))?;
        self.grads.copy_to(self.arena.grads_mut());
        Ok(loss as f32)
    }

    fn with_slots(&mut self, visit: &mut dyn FnMut(&mut [Slot<'_>])) {
        let mut slots: Vec<Slot> = self.arena.tensors_mut().map(|(param, grad, _)| Slot { param, grad }).collect();
        visit(&mut slots);
    }
}

/// One torch `step(closure)`: closure optimizers drive it, the others take one evaluation's gradients.
fn step_on_closure(optimizer: &mut dyn optim::Optimizer, closure: &mut dyn Closure) -> Result<f32, OptimError> {
    if optimizer.needs_closure() {
        return optimizer.step_with_closure(closure);
    }
    let loss = closure.evaluate()?;
    let mut outcome = Ok(());
    closure.with_slots(&mut |slots| outcome = optimizer.step(slots));
    outcome.map(|()| loss)
}

/// The range test's probe on a bare optimizer: every group at the test's lr, then one `step(closure)`.
struct ClosureProbe<'a> {
    optimizer: &'a mut dyn optim::Optimizer,
    closure: JsClosure<'a>,
}

impl crate::lr_find::Probe for ClosureProbe<'_> {
    fn step_at(&mut self, lr: f64) -> Result<f32, LrFindError> {
        for group in 0..self.optimizer.group_count() {
            self.optimizer.set_lr(group, lr);
        }
        Ok(step_on_closure(self.optimizer, &mut self.closure)?)
    }
}

fn copy_exact(what: &str, from: &[f32], into: &mut [f32]) -> Result<(), JsError> {
    if from.len() != into.len() {
        return Err(JsError::new(&format!("{what}: {} values, expected {}", from.len(), into.len())));
    }
    into.copy_from_slice(from);
    Ok(())
}

/// DeepOBS quadratic_deep's data as DeepOBS draws it: 1,000 rows of 100 float32 values, the training set
/// (`test` false, numpy RandomState(42)) or the test set (RandomState(43)).
#[wasm_bindgen(js_name = deepobsQuadraticData)]
pub fn deepobs_quadratic_data(test: bool) -> Vec<f32> {
    crate::deepobs::quadratic_data(test)
}

// Learning-rate range test (lr_find.rs).

/// Numbers before the curve in `Trainer.lrFind`'s result.
const LR_FIND_HEADER: usize = 10;

/// `[lr, index]` of a suggestion, `[NaN, -1]` when its rule had too few points.
fn suggestion_pair(suggestion: Option<crate::lr_find::Suggestion>) -> [f64; 2] {
    suggestion.map_or([f64::NAN, -1.0], |s| [s.lr, s.index as f64])
}

fn suggestion_values(suggestions: &crate::lr_find::Suggestions) -> [f64; 8] {
    let [steep, minimum, valley, slide] =
        [suggestions.steepest, suggestions.minimum, suggestions.valley, suggestions.slide].map(suggestion_pair);
    [steep[0], steep[1], minimum[0], minimum[1], valley[0], valley[1], slide[0], slide[1]]
}

#[wasm_bindgen(js_class = Trainer)]
impl JsTrainer {
    /// Leslie Smith's lr range test on this trainer's next batches; the trainer is restored afterwards
    /// (bit-identical). Options JSON: `{ startLr?: 1e-7, endLr?: 10, numIter?: 100, stepMode?: "exp" | "linear",
    /// smoothF?: 0.05, debias?: false, divergeTh?: 5, skipStart?: numIter/10, skipEnd?: 5 }`. Needs `numIter`
    /// free steps in the history (maxSteps ≥ stepsDone + numIter).
    ///
    /// Returns one Float64Array: `[n, stoppedEarly (0|1), steepestLr, steepestIndex, minimumLr, minimumIndex,
    /// valleyLr, valleyIndex, slideLr, slideIndex]` (a missing suggestion is `NaN, -1`), then n lrs, n losses, n
    /// smoothed losses.
    #[wasm_bindgen(js_name = lrFind)]
    pub fn lr_find(&mut self, options_json: &str) -> Result<Vec<f64>, JsError> {
        let config = crate::lr_find::LrFindConfig::from_json(options_json).map_err(js_error)?;
        let test = crate::lr_find::range_test(&mut self.inner, &config).map_err(js_error)?;
        Ok(pack_range_test(&test))
    }
}

/// A range test as `lrFind` returns it: the header, then the lrs, the losses and the smoothed losses.
fn pack_range_test(test: &RangeTest) -> Vec<f64> {
    let n = test.lrs.len();
    let mut out = Vec::with_capacity(LR_FIND_HEADER + 3 * n);
    out.extend([n as f64, f64::from(u8::from(test.stopped_early))]);
    out.extend(suggestion_values(&test.suggestions));
    out.extend(&test.lrs);
    out.extend(test.losses.iter().map(|&loss| f64::from(loss)));
    out.extend(&test.smoothed);
    out
}

/// The lr-finder suggestions on a smoothed curve: `[steepestLr, steepestIndex, minimumLr, minimumIndex, valleyLr,
/// valleyIndex, slideLr, slideIndex]` (`NaN, -1` for a rule without enough points), leaving out
/// `skipStart`/`skipEnd` points.
#[wasm_bindgen(js_name = lrSuggest)]
pub fn lr_suggest(lrs: &[f64], smoothed: &[f64], skip_start: u32, skip_end: u32) -> Result<Vec<f64>, JsError> {
    if lrs.len() != smoothed.len() {
        return Err(JsError::new(&format!("lrSuggest: {} lrs for {} losses", lrs.len(), smoothed.len())));
    }
    if lrs.len() > crate::lr_find::MAX_ITERATIONS
        || !lrs.first().is_none_or(|&lr| lr > 0.0)
        || !lrs.windows(2).all(|w| w[1] > w[0])
    {
        return Err(JsError::new(&format!(
            "lrSuggest: lrs must be positive and increasing, at most {}",
            crate::lr_find::MAX_ITERATIONS
        )));
    }
    let suggestions = crate::lr_find::suggest(lrs, smoothed, skip_start as usize, skip_end as usize);
    Ok(suggestion_values(&suggestions).to_vec())
}

// ---- landscape: optimizer trajectories on 2-D test functions (crate::landscape) ----

fn landscape_function(function_name: &str) -> Result<crate::landscape::Function, JsError> {
    crate::landscape::Function::from_name(function_name).map_err(js_error)
}

/// `steps` steps of an optimizer (registry name, torch options as JSON) on a test function from
/// `(x0, y0)`: `[x, y, f]` per step, the point after the step and f before it. Fewer rows than
/// `steps` only when the run diverged: then the last row holds the first NaN or infinity.
#[wasm_bindgen(js_name = landscapeTrajectory)]
pub fn landscape_trajectory(
    function_name: &str,
    x0: f64,
    y0: f64,
    optimizer_name: &str,
    options_json: &str,
    steps: u32,
) -> Result<Vec<f32>, JsError> {
    let function = landscape_function(function_name)?;
    let options: serde_json::Value = serde_json::from_str(options_json)
        .map_err(|e| JsError::new(&format!("landscapeTrajectory: options are not valid JSON ({e})")))?;
    let run = crate::landscape::trajectory(function, [x0 as f32, y0 as f32], optimizer_name, &options, steps as usize)
        .map_err(js_error)?;
    Ok(run.points.iter().zip(&run.values).flat_map(|(&[x, y], &f)| [x, y, f]).collect())
}

/// f at one point, in float32 (e.g. at the end of a trajectory).
#[wasm_bindgen(js_name = landscapeValue)]
pub fn landscape_value(function_name: &str, x: f64, y: f64) -> Result<f32, JsError> {
    Ok(landscape_function(function_name)?.value(x as f32, y as f32))
}

/// f on an `nx` × `ny` grid of cells over `[xMin, xMax] × [yMin, yMax]`, sampled at cell centres,
/// row-major with row 0 at `yMin`.
#[wasm_bindgen(js_name = landscapeGrid)]
pub fn landscape_grid(
    function_name: &str,
    x_min: f64,
    x_max: f64,
    y_min: f64,
    y_max: f64,
    nx: u32,
    ny: u32,
) -> Result<Vec<f32>, JsError> {
    let function = landscape_function(function_name)?;
    crate::landscape::grid(function, [x_min, x_max], [y_min, y_max], nx as usize, ny as usize).map_err(js_error)
}

/// The test functions as JSON: `[{ name, formula, about, x: [min, max], y: [min, max], start: [x, y],
/// minima: [[x, y], …], saddlePoints: [[x, y], …] }]`, x and y being the default view.
#[wasm_bindgen(js_name = landscapeFunctions)]
pub fn landscape_functions() -> String {
    let functions: Vec<serde_json::Value> = crate::landscape::FUNCTIONS
        .iter()
        .map(|function| {
            let info = function.info();
            serde_json::json!({
                "name": info.name, "formula": info.formula, "about": info.about, "x": info.x_range, "y": info.y_range,
                "start": info.start, "minima": info.minima, "saddlePoints": info.saddle_points,
            })
        })
        .collect();
    serde_json::Value::Array(functions).to_string()
}

// ---- lr schedules (see `schedule` and the `schedule` key of the Trainer config) ----

#[wasm_bindgen(js_class = Trainer)]
impl JsTrainer {
    /// Copy of the lr (first param group) in force at steps `start..end`; NaN for steps loaded from a
    /// version-1 checkpoint.
    pub fn lrs(&self, start: u32, end: u32) -> Result<Vec<f32>, JsError> {
        self.inner.lrs(start as usize, end as usize).map(<[f32]>::to_vec).map_err(js_error)
    }
}

/// The lr of each of `steps` optimizer steps under a schedule alone (one param group at `baseLr`), for
/// plotting: `name` as the Trainer's `schedule.name` ("onecycle", "StepLR", …), `optionsJson` torch's
/// keyword arguments. ReduceLROnPlateau needs `metrics`, one after each step but the last.
#[wasm_bindgen(js_name = scheduleLrs)]
pub fn schedule_lrs(
    name: &str,
    options_json: &str,
    base_lr: f64,
    steps: u32,
    metrics: Option<Vec<f64>>,
) -> Result<Vec<f64>, JsError> {
    let options: serde_json::Value = serde_json::from_str(options_json)
        .map_err(|e| JsError::new(&format!("scheduleLrs: options are not valid JSON ({e})")))?;
    crate::schedule::curve(name, &options, base_lr, steps as usize, metrics.as_deref()).map_err(js_error)
}

// ---- optimizer info: every optimizer's options with their types, defaults and docs (crate::optim::describe) ----

/// The registry as JSON: `[{ name, typeName, summary, options: [{ name, type, default, doc }, …] }, …]`, torch's
/// (optax's) option names in the order of the "valid options" error, each with its TypeScript type, the default the
/// Rust side applies (null: torch's `None`, a default derived from other options, or a learning rate optax requires)
/// and its doc line.
#[wasm_bindgen(js_name = optimizerInfo)]
pub fn optimizer_info() -> String {
    optim::describe().to_string()
}
