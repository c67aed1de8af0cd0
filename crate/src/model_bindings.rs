//! `ModelTrainer` for JavaScript: a model from a JSON layer list (see `nn::model`) trained on batches the
//! caller passes in, one whole step per call inside wasm (forward, backward, non-finite policy, clipping,
//! optimizer step): torch's training loop body over the caller's own data.
use wasm_bindgen::prelude::*;

use crate::nn::clip::Clip;
use crate::nn::model::{Loss, Model, Plan, Targets};
use crate::nn::step::{train_step, StepOptions};
use crate::nonfinite::{Counters, Policy, Verdict};
use crate::optim::{self, Optimizer, Slot};
use crate::rng::Rng;
use serde_json::{Map, Value};

/// `new ModelTrainer(configJson)` with config `{ model: { input, layers, loss }, batchSize, seed?,
/// optimizer: { name, ...torch options }, clip?: { clip_grad_norm } | { clip_grad_value },
/// nonFinite?: "stop" | "skip" | "propagate", maxConsecutiveErrors? }`. Parameters start from torch's
/// default init drawn from `seed`; `setParams` replaces them.
#[wasm_bindgen(js_name = ModelTrainer)]
pub struct JsModelTrainer {
    model: Model,
    optimizer: Box<dyn Optimizer>,
    options: StepOptions,
    counters: Counters,
    /// Class targets as bytes, reserved for the largest batch.
    labels: Vec<u8>,
    slot_buffer: Vec<Slot<'static>>,
    /// The step at which the policy ended the run.
    stopped_at: Option<usize>,
    steps: usize,
}

const CONFIG_KEYS: [&str; 7] = ["model", "batchSize", "seed", "optimizer", "clip", "nonFinite", "maxConsecutiveErrors"];

fn config_error(message: impl std::fmt::Display) -> JsError {
    JsError::new(&format!("ModelTrainer config: {message}"))
}

/// Rows of a batch, and its targets checked (class indices below the classes for cross_entropy, converted
/// into `labels`).
fn check_batch<'a>(
    what: &str,
    model: &Model,
    labels: &'a mut [u8],
    inputs: &[f32],
    targets: &'a [f32],
) -> Result<(usize, Targets<'a>), JsError> {
    let (input_len, output_len, batch_size) = (model.input_len(), model.output_len(), model.max_batch());
    let rows = inputs.len() / input_len;
    if rows == 0 || rows > batch_size || inputs.len() != rows * input_len {
        return Err(JsError::new(&format!(
            "{what}: {} inputs; expected 1 to {batch_size} rows of {input_len}",
            inputs.len()
        )));
    }
    if model.loss() != Loss::CrossEntropy {
        if targets.len() != rows * output_len {
            return Err(JsError::new(&format!(
                "{what}: {} targets for {rows} rows; expected rows × {output_len} = {}",
                targets.len(),
                rows * output_len
            )));
        }
        return Ok((rows, Targets::Values(targets)));
    }
    if targets.len() != rows {
        return Err(JsError::new(&format!(
            "{what}: {} targets for {rows} rows; expected one class per row",
            targets.len()
        )));
    }
    for (row, (&target, label)) in targets.iter().zip(labels.iter_mut()).enumerate() {
        if !(target >= 0.0 && target < output_len as f32 && target.fract() == 0.0) {
            return Err(JsError::new(&format!(
                "{what}: target {target} at row {row} is not a class below {output_len}"
            )));
        }
        *label = target as u8;
    }
    Ok((rows, Targets::Classes(&labels[..rows])))
}

impl JsModelTrainer {
    fn from_json(config_json: &str) -> Result<JsModelTrainer, JsError> {
        let config: Map<String, Value> =
            serde_json::from_str(config_json).map_err(|e| config_error(format!("invalid JSON ({e})")))?;
        if let Some(key) = config.keys().find(|k| !CONFIG_KEYS.contains(&k.as_str())) {
            return Err(config_error(format!("unknown key '{key}'; valid keys: {}", CONFIG_KEYS.join(", "))));
        }
        let batch_size = config
            .get("batchSize")
            .and_then(Value::as_u64)
            .filter(|b| (1..=1 << 16).contains(b))
            .ok_or_else(|| config_error("batchSize must be an integer from 1 to 65536"))?
            as usize;
        let seed = match config.get("seed") {
            None => 0,
            Some(seed) => {
                seed.as_u64().ok_or_else(|| config_error(format!("seed must be a non-negative integer, got {seed}")))?
            }
        };
        let plan = Plan::new(config.get("model").unwrap_or(&Value::Null)).map_err(JsError::from)?;
        let mut model = Model::new(plan, batch_size).map_err(JsError::from)?;
        model.init(&mut Rng::new(seed));
        let Some(Value::Object(optimizer)) = config.get("optimizer") else {
            return Err(config_error("optimizer must be an object like {\"name\": \"sgd\", \"lr\": 0.1}"));
        };
        let mut optimizer_options = optimizer.clone();
        let Some(Value::String(name)) = optimizer_options.remove("name") else {
            return Err(config_error("optimizer.name must be a string such as \"sgd\""));
        };
        let optimizer =
            optim::create(&name, &Value::Object(optimizer_options), &model.arena().shapes()).map_err(JsError::from)?;
        let clip = Clip::from_json(config.get("clip").unwrap_or(&Value::Null)).map_err(config_error)?;
        let policy =
            Policy::from_json(config.get("nonFinite"), config.get("maxConsecutiveErrors")).map_err(config_error)?;
        let tensors = model.arena().entries().len();
        Ok(JsModelTrainer {
            model,
            optimizer,
            options: StepOptions { clip, policy },
            counters: Counters::new(),
            labels: vec![0; batch_size],
            slot_buffer: Vec::with_capacity(tensors),
            stopped_at: None,
            steps: 0,
        })
    }
}

#[wasm_bindgen(js_class = ModelTrainer)]
impl JsModelTrainer {
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str) -> Result<JsModelTrainer, JsError> {
        JsModelTrainer::from_json(config_json)
    }

    /// One step on a batch (`inputs` row-major, NCHW for images; `targets` class indices for
    /// cross_entropy, values shaped like the output otherwise): returns its loss before the update.
    pub fn step(&mut self, inputs: &[f32], targets: &[f32]) -> Result<f32, JsError> {
        if let Some(step) = self.stopped_at {
            return Err(JsError::new(&format!(
                "step: the run stopped at step {step}, whose loss or gradients were not finite (nonFinite \"{}\")",
                self.options.policy.name()
            )));
        }
        let (rows, targets) = check_batch("step", &self.model, &mut self.labels, inputs, targets)?;
        let (loss, verdict) = train_step(
            &mut self.model,
            self.optimizer.as_mut(),
            &mut self.slot_buffer,
            inputs,
            targets,
            rows,
            self.options,
            &mut self.counters,
        )
        .map_err(JsError::from)?;
        if matches!(verdict, Verdict::Stop | Verdict::UpdateAndStop) {
            self.stopped_at = Some(self.steps);
        }
        self.steps += 1;
        Ok(loss)
    }

    /// `[mean loss, accuracy in 0..1]` over a batch without training (accuracy NaN unless cross_entropy).
    pub fn evaluate(&mut self, inputs: &[f32], targets: &[f32]) -> Result<Vec<f64>, JsError> {
        let (rows, targets) = check_batch("evaluate", &self.model, &mut self.labels, inputs, targets)?;
        let (sum, correct) = self.model.evaluate_batch(inputs, targets, rows);
        Ok(vec![sum / rows as f64, correct.map_or(f64::NAN, |c| c as f64 / rows as f64)])
    }

    /// Copy of every parameter, torch's module order (weight, then bias), tensors concatenated.
    pub fn params(&self) -> Vec<f32> {
        self.model.arena().params().to_vec()
    }

    #[wasm_bindgen(js_name = setParams)]
    pub fn set_params(&mut self, params: &[f32]) -> Result<(), JsError> {
        let own = self.model.arena_mut().params_mut();
        if params.len() != own.len() {
            return Err(JsError::new(&format!("setParams: {} values, expected {}", params.len(), own.len())));
        }
        own.copy_from_slice(params);
        Ok(())
    }

    /// The parameter tensors' shapes as JSON, e.g. `[[32,1,5,5],[32],…]`.
    pub fn shapes(&self) -> String {
        serde_json::json!(self.model.arena().shapes()).to_string()
    }

    /// optax's apply_if_finite counters `[notfinite_count, total_notfinite, last_finite (0|1)]`.
    #[wasm_bindgen(js_name = nonFiniteCounters)]
    pub fn non_finite_counters(&self) -> Vec<u32> {
        vec![self.counters.consecutive, self.counters.total, u32::from(self.counters.last_finite)]
    }

    /// −1, or the step at which the non-finite policy ended the run.
    #[wasm_bindgen(js_name = stoppedAt)]
    pub fn stopped_at(&self) -> i32 {
        self.stopped_at.map_or(-1, |s| s as i32)
    }
}
