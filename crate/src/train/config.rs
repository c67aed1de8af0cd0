//! What a trainer is built from, read from JSON with the crate's options reader and checked up front: the model
//! (the notebook's MLP by its widths, or any JSON layer list, see `nn::model`), its shapes and the memory it needs,
//! the optimizer, the schedule and the per-run options of a step (gradient clipping, the non-finite policy).
use super::TrainError;
use crate::nn::clip::Clip;
use crate::nn::model::Plan;
use crate::nonfinite::Policy;
use crate::options::{JsonOptions, OptionError};
use serde_json::{json, Map, Value};
use std::borrow::Cow;

/// Largest loss history a trainer reserves (64 Mi steps, 256 MiB).
const MAX_HISTORY: usize = 1 << 26;

/// What a trainer is built from: the JSON object `{ layers | model, seed, batchSize, dropLast?, normalize?, maxSteps,
/// optimizer, schedule?, clip?, nonFinite?, maxConsecutiveErrors? }`.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainerConfig {
    /// The widths of the notebook's SimpleNet when the config gave `layers`; empty when it gave a `model`.
    pub layers: Vec<usize>,
    /// The model as a JSON layer list `{ input, layers, loss }` (for `layers`, the MLP written as one).
    pub model: Value,
    pub seed: u64,
    pub batch_size: usize,
    /// torch DataLoader's drop_last: each epoch leaves out its last batch when it is partial (DeepOBS does).
    pub drop_last: bool,
    /// Pixels are divided by this: 255 (default, torchvision's ToTensor) or 256 (the notebook).
    pub normalize: f32,
    pub max_steps: usize,
    pub optimizer: String,
    /// torch keyword arguments of the optimizer (everything in `optimizer` but `name`).
    pub optimizer_options: Value,
    /// The lr schedule `{ name, ...torch scheduler options }`, if any (`name` as `schedule::create` takes it).
    pub schedule: Option<Map<String, Value>>,
    /// torch's clip_grad_norm_ / clip_grad_value_ between backward and the step, from `clip`.
    pub clip: Option<Clip>,
    /// What a step with a non-finite loss or gradient does, from `nonFinite` and `maxConsecutiveErrors`.
    pub policy: Policy,
}

/// SimpleNet(layers) as a layer list: Linear → ReLU → … → Linear, cross-entropy (the notebook's log_softmax + NLL).
pub fn mlp_model(layers: &[usize]) -> Value {
    let mut list = Vec::new();
    for (i, pair) in layers.windows(2).enumerate() {
        if i > 0 {
            list.push(json!({ "type": "relu" }));
        }
        list.push(json!({ "type": "linear", "in": pair[0], "out": pair[1] }));
    }
    json!({ "input": [layers[0]], "layers": list, "loss": "cross_entropy" })
}

/// What a model may take in wasm's 4 GiB: room is left for the data and the JavaScript side.
const MAX_MODEL_BYTES: u64 = 2 << 30;

/// Bytes a trainer reserves: parameters, gradients and up to three optimizer buffers per parameter,
/// plus activations, gradient buffers and the input batch (GEMM panels are bounded by the block sizes).
fn memory_estimate(layers: &[usize], batch: usize) -> u64 {
    let params: u64 = layers.windows(2).map(|w| (w[0] as u64 + 1) * w[1] as u64).sum();
    let widest = *layers.iter().max().unwrap_or(&0) as u64;
    let activations: u64 = layers.iter().map(|&n| n as u64).sum::<u64>() + 2 * widest;
    4 * (5 * params + batch as u64 * activations)
}

const CONFIG_KEYS: [&str; 12] = [
    "layers",
    "model",
    "seed",
    "batchSize",
    "dropLast",
    "normalize",
    "maxSteps",
    "optimizer",
    "schedule",
    "clip",
    "nonFinite",
    "maxConsecutiveErrors",
];

/// The widths of `layers`, checked.
fn mlp_layers(value: Option<&Value>) -> Result<Vec<usize>, TrainError> {
    let layers: Vec<usize> = match value {
        Some(Value::Array(sizes)) if sizes.len() >= 2 => sizes
            .iter()
            .map(|s| s.as_u64().filter(|&n| (1..=1 << 16).contains(&n)).map(|n| n as usize))
            .collect::<Option<_>>()
            .ok_or_else(|| {
                TrainError::Config(format!(
                    "layers must be integers from 1 to 65536, got {}",
                    Value::from(sizes.clone())
                ))
            })?,
        _ => {
            return Err(TrainError::Config(
                "layers must be an array of at least two sizes, e.g. [784, 100, 100, 10]".into(),
            ))
        }
    };
    if *layers.last().unwrap_or(&0) > 256 {
        return Err(TrainError::Config("the last layer (classes) must be at most 256, labels being bytes".into()));
    }
    Ok(layers)
}

/// An integer option from 0 to `max`, `None` when absent.
fn bounded_int(config: &JsonOptions, key: &str, max: u64) -> Result<Option<u64>, TrainError> {
    match config.optional::<u64>(key) {
        Ok(None) => Ok(None),
        Ok(Some(n)) if n <= max => Ok(Some(n)),
        _ => Err(TrainError::Config(format!(
            "{key} must be an integer from 0 to {max}, got {}",
            config.value(key).unwrap_or(&Value::Null)
        ))),
    }
}

impl TrainerConfig {
    pub fn from_json(text: &str) -> Result<TrainerConfig, TrainError> {
        let value: Value = serde_json::from_str(text).map_err(|e| TrainError::Config(format!("invalid JSON ({e})")))?;
        let Value::Object(config) = value else {
            return Err(TrainError::Config("expected a JSON object".into()));
        };
        let config = JsonOptions::new(Cow::Owned(config), &CONFIG_KEYS).map_err(|error| match error {
            OptionError::Unknown { key, valid } => {
                TrainError::Config(format!("unknown key '{key}'; valid keys: {}", valid.join(", ")))
            }
            other => TrainError::Config(other.to_string()),
        })?;
        let (layers, model) = match (config.value("layers"), config.value("model")) {
            (Some(_), Some(_)) => {
                return Err(TrainError::Config(
                    "give either layers (the MLP's widths) or model (a layer list), not both".into(),
                ))
            }
            (None, Some(model)) => (Vec::new(), model.clone()),
            (layers, None) => {
                let layers = mlp_layers(layers)?;
                let model = mlp_model(&layers);
                (layers, model)
            }
        };
        let seed = bounded_int(&config, "seed", (1 << 53) - 1)?.unwrap_or(0);
        let batch_size = bounded_int(&config, "batchSize", 1 << 16)?
            .filter(|&b| b > 0)
            .ok_or_else(|| TrainError::Config("batchSize must be a positive integer".into()))?
            as usize;
        let drop_last = match config.value("dropLast") {
            None => false,
            Some(value) => value
                .as_bool()
                .ok_or_else(|| TrainError::Config(format!("dropLast must be true or false, got {value}")))?,
        };
        let max_steps = bounded_int(&config, "maxSteps", MAX_HISTORY as u64)?
            .ok_or_else(|| TrainError::Config("maxSteps (the loss history capacity) is required".into()))?
            as usize;
        let normalize = match config.value("normalize") {
            None => 255.0,
            Some(v) => match v.as_f64() {
                Some(n) if n > 0.0 && n.is_finite() => n as f32,
                _ => {
                    return Err(TrainError::Config(format!(
                        "normalize must be a positive number (255 or 256), got {v}"
                    )))
                }
            },
        };
        if layers.is_empty() {
            let plan = Plan::new(&model).map_err(|error| TrainError::Config(error.to_string()))?;
            plan.check_memory(batch_size).map_err(|error| TrainError::Config(error.to_string()))?;
        } else {
            let bytes = memory_estimate(&layers, batch_size);
            if bytes > MAX_MODEL_BYTES {
                return Err(TrainError::Config(format!(
                    "layers {layers:?} with batchSize {batch_size} need about {} MiB, more than the {} MiB a wasm instance can hold",
                    bytes >> 20,
                    MAX_MODEL_BYTES >> 20
                )));
            }
        }
        let Some(Value::Object(optimizer)) = config.value("optimizer") else {
            return Err(TrainError::Config("optimizer must be an object like {\"name\": \"sgd\", \"lr\": 0.1}".into()));
        };
        let mut options = optimizer.clone();
        let name = match options.remove("name") {
            Some(Value::String(name)) => name,
            _ => return Err(TrainError::Config("optimizer.name must be a string such as \"sgd\"".into())),
        };
        let schedule =
            match config.value("schedule") {
                None | Some(Value::Null) => None,
                Some(Value::Object(spec)) if spec.get("name").is_some_and(Value::is_string) => Some(spec.clone()),
                Some(_) => return Err(TrainError::Config(
                    "schedule must be an object like {\"name\": \"onecycle\", \"max_lr\": 0.1, \"total_steps\": 1000}"
                        .into(),
                )),
            };
        let clip = Clip::from_json(config.value("clip").unwrap_or(&Value::Null)).map_err(TrainError::Config)?;
        let policy = Policy::from_json(config.value("nonFinite"), config.value("maxConsecutiveErrors"))
            .map_err(TrainError::Config)?;
        Ok(TrainerConfig {
            layers,
            model,
            seed,
            batch_size,
            drop_last,
            normalize,
            max_steps,
            optimizer: name,
            optimizer_options: Value::Object(options),
            schedule,
            clip,
            policy,
        })
    }
}
