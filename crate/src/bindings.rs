//! The wasm_bindgen surface: thin shims over the modules, errors mapped to `JsError` carrying the Rust
//! message. Buffers cross as typed arrays: a `&[u8]`/`&[f32]` argument is copied in once, a `Vec`
//! result arrives in JavaScript as a fresh `Uint8Array`/`Float32Array` copy, so no JS view of wasm
//! memory can go stale. Nothing here is called per tensor element.
use wasm_bindgen::prelude::*;

use crate::arena::Arena;
use crate::kernels::reduce;
use crate::optim::{self, Slot};
use crate::train::Trainer;

fn js_error(error: impl std::fmt::Display) -> JsError {
    JsError::new(&error.to_string())
}

/// True when the module was compiled with simd128 kernels.
#[wasm_bindgen(js_name = simdEnabled)]
pub fn simd_enabled() -> bool {
    reduce::SIMD
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

/// Trains `SimpleNet(layers)` on u8 data held in wasm memory; see `train::Trainer`.
///
/// `new Trainer(configJson)` with config `{ layers, seed, batchSize, normalize? (255 | 256),
/// maxSteps, optimizer: { name, ...torch options } }`. Checkpoints: `saveState()` returns the bytes;
/// `loadState(bytes)` is an instance method that continues this trainer from them (same optimizer,
/// layers, batch size and normalization, else it throws and nothing changes).
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

    /// Copies the training set in once (rows = labels.length, pixels row-major).
    #[wasm_bindgen(js_name = setTrainData)]
    pub fn set_train_data(&mut self, pixels: &[u8], labels: &[u8]) -> Result<(), JsError> {
        self.inner.set_train_data(pixels, labels).map_err(js_error)
    }

    #[wasm_bindgen(js_name = setEvalData)]
    pub fn set_eval_data(&mut self, pixels: &[u8], labels: &[u8]) -> Result<(), JsError> {
        self.inner.set_eval_data(pixels, labels).map_err(js_error)
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

    /// −1, or the 0-based step whose loss was NaN or infinite (its loss is in the history).
    #[wasm_bindgen(js_name = divergedAt)]
    pub fn diverged_at(&self) -> i32 {
        self.inner.diverged_at().map_or(-1, |s| s as i32)
    }

    /// Copy of the losses of steps `start..end`.
    pub fn losses(&self, start: u32, end: u32) -> Result<Vec<f32>, JsError> {
        self.inner.losses(start as usize, end as usize).map(<[f32]>::to_vec).map_err(js_error)
    }

    /// `[mean NLL, accuracy in 0..1]` on the eval data.
    pub fn evaluate(&mut self) -> Result<Vec<f32>, JsError> {
        self.inner.evaluate().map(|r| r.to_vec()).map_err(js_error)
    }

    /// All layers concatenated, torch layout: W1 [out, in] row-major, b1, W2, b2, …
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

    /// One step on an explicit, already-normalized batch; returns its loss before the update.
    /// Leaves the data position and the loss history alone.
    #[wasm_bindgen(js_name = trainBatch)]
    pub fn train_batch(&mut self, inputs: &[f32], labels: &[u8]) -> Result<f32, JsError> {
        self.inner.train_batch(inputs, labels).map_err(js_error)
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
    let invalid = || JsError::new(&format!("Optimizer: shapes must be a JSON array of shapes like [[5,3],[5]], got {shapes_json}"));
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
        let options: serde_json::Value =
            serde_json::from_str(options_json).map_err(|e| JsError::new(&format!("Optimizer: options are not valid JSON ({e})")))?;
        let shapes = parse_shapes(shapes_json)?;
        let scalars = shapes.iter().try_fold(0usize, |total, shape| shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d)).and_then(|n| total.checked_add(n)));
        if scalars.is_none_or(|n| n > MAX_OPTIMIZER_SCALARS) {
            return Err(JsError::new(&format!("Optimizer: the tensors hold more than {MAX_OPTIMIZER_SCALARS} values in all")));
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
}

fn copy_exact(what: &str, from: &[f32], into: &mut [f32]) -> Result<(), JsError> {
    if from.len() != into.len() {
        return Err(JsError::new(&format!("{what}: {} values, expected {}", from.len(), into.len())));
    }
    into.copy_from_slice(from);
    Ok(())
}
