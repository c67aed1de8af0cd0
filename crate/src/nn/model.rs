//! A model from a JSON layer list, `{ "input": [1, 28, 28], "layers": [{ "type": "conv2d", … }, …],
//! "loss": "cross_entropy" }`, torch.nn's module names and options (see each layer's file). Shapes are
//! inferred layer by layer and checked before anything is allocated; an error names the layer, counted
//! from 1 ("layer 4 (linear): expects 24 inputs, the previous layer gives 96"). Parameters and gradients
//! live in one arena in torch's module order (weight, then bias); activations, gradient buffers, GEMM
//! panels and im2col columns are sized for the largest batch once, so a step allocates nothing.
use super::avgpool2d::AvgPool2d;
use super::conv2d::Conv2d;
use super::cross_entropy::{correct_count, log_softmax_nll};
use super::elementwise::Elementwise;
use super::gelu::Gelu;
use super::leaky_relu::LeakyRelu;
use super::linear::Linear;
use super::maxpool2d::MaxPool2d;
use super::quadratic::Quadratic;
use super::relu::{self, Relu};
use super::sigmoid::Sigmoid;
use super::spec::{self, Options};
use super::tanh::Tanh;
use super::{bce_with_logits, flatten, mse, Backward, Forward, Layer, Workspace};
use crate::arena::Arena;
use crate::kernels::gemm::Gemm;
use crate::rng::Rng;
use serde_json::Value;
use std::fmt;
use std::ops::Range;

#[derive(Clone, Debug, PartialEq)]
pub struct ModelError(pub String);

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ModelError {}

/// The layer types a layer list may name.
pub const LAYER_TYPES: [&str; 11] = [
    "linear",
    "conv2d",
    "maxpool2d",
    "avgpool2d",
    "flatten",
    "relu",
    "leaky_relu",
    "tanh",
    "sigmoid",
    "gelu",
    "quadratic",
];

/// torch's loss modules by the name a model gives them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loss {
    /// `nn.CrossEntropyLoss()`: log-softmax + NLL, mean over the batch; targets are class indices.
    CrossEntropy,
    /// `nn.MSELoss()`: mean over every element; targets are values shaped like the output.
    Mse,
    /// `nn.BCEWithLogitsLoss()`: mean over every element; targets are values in [0, 1].
    BceWithLogits,
    /// The model's output is its loss (DeepOBS's quadratics): the mean over the batch; no targets.
    Mean,
}

impl Loss {
    pub const NAMES: [&'static str; 4] = ["cross_entropy", "mse", "bce_with_logits", "mean"];

    pub fn from_name(name: &str) -> Option<Loss> {
        match name {
            "cross_entropy" => Some(Loss::CrossEntropy),
            "mse" => Some(Loss::Mse),
            "bce_with_logits" => Some(Loss::BceWithLogits),
            "mean" => Some(Loss::Mean),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Loss::CrossEntropy => "cross_entropy",
            Loss::Mse => "mse",
            Loss::BceWithLogits => "bce_with_logits",
            Loss::Mean => "mean",
        }
    }
}

/// What a batch is compared with: class indices (cross_entropy) or values (mse, bce_with_logits).
#[derive(Clone, Copy, Debug)]
pub enum Targets<'a> {
    Classes(&'a [u8]),
    Values(&'a [f32]),
}

/// What a model may take in wasm's 4 GiB: room is left for the data and the JavaScript side.
pub const MAX_MODEL_BYTES: u64 = 2 << 30;

/// Largest number of values one sample may have at any layer.
const MAX_SAMPLE_VALUES: u64 = 1 << 28;

/// A layer (or a linear/conv2d layer with the ReLU after it) as the model runs it.
struct Stage {
    layer: Box<dyn Layer>,
    /// A ReLU that follows is applied in the layer's output pass.
    relu: bool,
    /// Arena range of the layer's parameters (empty for parameter-free layers).
    params: Range<usize>,
    in_len: usize,
    out_len: usize,
}

/// A checked layer list: its stages, shapes and what running it takes. Building one allocates only
/// the small layer descriptions.
pub struct Plan {
    stages: Vec<Stage>,
    input: Vec<usize>,
    output: Vec<usize>,
    loss: Loss,
    param_shapes: Vec<Vec<usize>>,
    /// The JSON the plan was made from (input, layers, loss), for checkpoints and reports.
    pub spec: Value,
}

fn layer_error(index: usize, kind: &str, message: impl fmt::Display) -> ModelError {
    ModelError(format!("layer {} ({kind}): {message}", index + 1))
}

/// One layer from its JSON object, given the shape the previous layer gives.
fn build_layer(options: &Options, kind: &str, input: &[usize]) -> Result<Option<Box<dyn Layer>>, String> {
    let same_shape = |options: &Options| spec::check_keys(options, &[]).map(|_| input.to_vec());
    Ok(Some(match kind {
        "linear" => Box::new(Linear::from_options(options, input)?),
        "conv2d" => Box::new(Conv2d::from_options(options, input)?),
        "maxpool2d" => Box::new(MaxPool2d::from_options(options, input)?),
        "avgpool2d" => Box::new(AvgPool2d::from_options(options, input)?),
        "relu" => Box::new(Elementwise { activation: Relu, shape: same_shape(options)? }),
        "leaky_relu" => Box::new(Elementwise { activation: LeakyRelu::from_options(options)?, shape: input.to_vec() }),
        "tanh" => Box::new(Elementwise { activation: Tanh, shape: same_shape(options)? }),
        "sigmoid" => Box::new(Elementwise { activation: Sigmoid, shape: same_shape(options)? }),
        "gelu" => Box::new(Elementwise { activation: Gelu::from_options(options)?, shape: input.to_vec() }),
        "quadratic" => Box::new(Quadratic::from_options(options, input)?),
        "flatten" => {
            flatten::output_shape(options, input)?;
            return Ok(None);
        }
        other => return Err(format!("unknown type '{other}'; valid types: {}", LAYER_TYPES.join(", "))),
    }))
}

fn saturating_numel(shape: &[usize]) -> u64 {
    shape.iter().fold(1u64, |n, &d| n.saturating_mul(d as u64))
}

impl Plan {
    pub fn from_json(text: &str) -> Result<Plan, ModelError> {
        let value: Value = serde_json::from_str(text).map_err(|e| ModelError(format!("model: invalid JSON ({e})")))?;
        Plan::new(&value)
    }

    pub fn new(model: &Value) -> Result<Plan, ModelError> {
        let err = |message: String| ModelError(format!("model: {message}"));
        let Value::Object(model) = model else {
            return Err(err(format!("expected an object {{ input, layers, loss }}, got {model}")));
        };
        if let Some(key) = model.keys().find(|k| !["input", "layers", "loss"].contains(&k.as_str())) {
            return Err(err(format!("unknown key '{key}'; valid keys: input, layers, loss")));
        }
        let input: Vec<usize> = match model.get("input").and_then(Value::as_array) {
            Some(dims) if !dims.is_empty() && dims.len() <= 3 => dims
                .iter()
                .map(|d| d.as_u64().filter(|&d| (1..=spec::MAX_SIZE as u64).contains(&d)).map(|d| d as usize))
                .collect::<Option<_>>(),
            _ => None,
        }
        .filter(|shape: &Vec<usize>| saturating_numel(shape) <= MAX_SAMPLE_VALUES)
        .ok_or_else(|| {
            err(format!(
                "input must be the shape of one sample, e.g. [784] or [1, 28, 28] (channels, height, width), got {}",
                model.get("input").unwrap_or(&Value::Null)
            ))
        })?;
        let loss_value = model.get("loss").unwrap_or(&Value::Null);
        let loss = loss_value
            .as_str()
            .and_then(Loss::from_name)
            .ok_or_else(|| err(format!("loss must be one of {}, got {loss_value}", Loss::NAMES.join(", "))))?;
        let Some(layers) = model.get("layers").and_then(Value::as_array).filter(|l| !l.is_empty()) else {
            return Err(err(
                "layers must be a non-empty array of layers like {\"type\": \"linear\", \"in\": 784, \"out\": 10}"
                    .into(),
            ));
        };
        let mut shape = input.clone();
        let mut stages: Vec<Stage> = Vec::new();
        let mut param_shapes = Vec::new();
        for (index, layer) in layers.iter().enumerate() {
            let Value::Object(options) = layer else {
                return Err(ModelError(format!(
                    "layer {}: expected an object like {{\"type\": \"relu\"}}, got {layer}",
                    index + 1
                )));
            };
            let Some(kind) = options.get("type").and_then(Value::as_str) else {
                return Err(ModelError(format!(
                    "layer {}: type is required, one of {}",
                    index + 1,
                    LAYER_TYPES.join(", ")
                )));
            };
            let built = build_layer(options, kind, &shape).map_err(|m| layer_error(index, kind, m))?;
            let Some(layer) = built else {
                shape = vec![spec::numel(&shape)];
                continue;
            };
            let out_shape = layer.output_shape();
            let params: u64 = layer.param_shapes().iter().map(|s| saturating_numel(s)).fold(0, u64::saturating_add);
            let values = saturating_numel(&out_shape);
            if values > MAX_SAMPLE_VALUES || params.saturating_mul(4) > MAX_MODEL_BYTES {
                let mib = values.max(params).saturating_mul(4) >> 20;
                return Err(layer_error(index, kind, format!(
                    "{values} output values per sample and {params} parameters: {mib} MiB or more, more than the {} MiB a wasm instance can hold",
                    MAX_MODEL_BYTES >> 20
                )));
            }
            // A ReLU right after a layer that can apply it as it writes its output joins that layer.
            if kind == "relu" {
                if let Some(previous) = stages.last_mut().filter(|s| s.layer.fuses_relu() && !s.relu) {
                    if layers.get(index - 1).and_then(|l| l.get("type")).and_then(Value::as_str)
                        == Some(previous.layer.kind())
                    {
                        previous.relu = true;
                        continue;
                    }
                }
            }
            let start = param_shapes.iter().map(|s: &Vec<usize>| spec::numel(s)).sum::<usize>();
            param_shapes.extend(layer.param_shapes());
            let end = param_shapes.iter().map(|s| spec::numel(s)).sum::<usize>();
            stages.push(Stage {
                in_len: spec::numel(&shape),
                out_len: spec::numel(&out_shape),
                layer,
                relu: false,
                params: start..end,
            });
            shape = out_shape;
        }
        if param_shapes.is_empty() {
            return Err(err("the layers hold no parameters to train; add a linear or conv2d layer".into()));
        }
        match (loss, shape.as_slice()) {
            (Loss::CrossEntropy, [classes]) if (2..=256).contains(classes) => {}
            (Loss::CrossEntropy, _) => {
                return Err(err(format!(
                "loss cross_entropy needs the last layer to give one score per class (2 to 256 classes), it gives {}",
                spec::describe_shape(&shape)
            )))
            }
            _ => {}
        }
        let spec = serde_json::json!({ "input": input, "layers": layers, "loss": loss.name() });
        Ok(Plan { stages, input, output: shape, loss, param_shapes, spec })
    }

    /// Shape of one input sample.
    pub fn input_shape(&self) -> &[usize] {
        &self.input
    }

    /// Shape of one output sample.
    pub fn output_shape(&self) -> &[usize] {
        &self.output
    }

    pub fn loss(&self) -> Loss {
        self.loss
    }

    pub fn param_count(&self) -> usize {
        self.param_shapes.iter().map(|s| spec::numel(s)).sum()
    }

    fn workspace_needs(&self, batch: usize) -> (Vec<(usize, usize, usize)>, usize) {
        let needs: Vec<_> = self.stages.iter().map(|s| s.layer.needs(batch)).collect();
        let columns = needs.iter().map(|n| n.columns).max().unwrap_or(0);
        (needs.into_iter().flat_map(|n| n.products).collect(), columns)
    }

    /// Length per sample of what each stage's forward saves for its backward.
    fn saved_per_sample(&self) -> Vec<usize> {
        self.stages.iter().map(|s| s.layer.needs(1).saved_per_sample).collect()
    }

    /// Bytes a model with batches up to `batch` reserves: parameters and gradients with up to three
    /// optimizer buffers each, every layer's output and what it saves for its backward, two gradient buffers, the im2col
    /// columns and the GEMM panels.
    pub fn memory_bytes(&self, batch: usize) -> u64 {
        let values = |n: usize| n as u64;
        let widest = self.gradient_width();
        let saved: u64 = self.saved_per_sample().into_iter().map(values).sum();
        let activations: u64 = self.stages.iter().map(|s| values(s.out_len)).sum::<u64>() + 2 * values(widest) + saved;
        let (products, columns) = self.workspace_needs(batch.min(4096));
        let panels: u64 = products
            .iter()
            .map(|&(m, n, k)| (values(m.min(256)) + values(n.min(1024))) * values(k.min(512)))
            .max()
            .unwrap_or(0);
        4 * (5 * values(self.param_count()) + values(batch) * activations + values(columns) + panels)
    }

    /// Values per sample of the widest gradient backward computes: every stage's output gradient, and the input
    /// gradient of every stage but the first (the data needs none). A fresh worker touches every page of these buffers
    /// when it opens a run, so sizing them by the input too (784 wide for MNIST, against 100 for the hidden layers)
    /// cost page faults for nothing.
    fn gradient_width(&self) -> usize {
        let outputs = self.stages.iter().map(|s| s.out_len);
        let inputs = self.stages.iter().skip(1).map(|s| s.in_len);
        outputs.chain(inputs).max().unwrap_or(0)
    }

    /// The error a model too large for wasm memory gets, before anything is allocated.
    pub fn check_memory(&self, batch: usize) -> Result<(), ModelError> {
        let bytes = self.memory_bytes(batch);
        if bytes > MAX_MODEL_BYTES {
            return Err(ModelError(format!(
                "model: {} parameters with batchSize {batch} need about {} MiB, more than the {} MiB a wasm instance can hold",
                self.param_count(),
                bytes >> 20,
                MAX_MODEL_BYTES >> 20
            )));
        }
        Ok(())
    }
}

pub struct Model {
    plan: Plan,
    max_batch: usize,
    arena: Arena,
    /// Output of each stage for the current batch.
    outputs: Vec<Vec<f32>>,
    /// What each stage's forward saved for its backward (maxpool2d: each output's argmax).
    saved: Vec<Vec<u32>>,
    /// Gradient flowing down, and the next one being computed: swapped after each stage.
    grad_out: Vec<f32>,
    grad_in: Vec<f32>,
    work: Workspace,
}

impl Model {
    /// Allocates a checked plan's buffers for batches up to `max_batch`; refuses a model too large
    /// for wasm memory first.
    pub fn new(plan: Plan, max_batch: usize) -> Result<Model, ModelError> {
        plan.check_memory(max_batch)?;
        let widest = plan.gradient_width();
        let (products, columns) = plan.workspace_needs(max_batch);
        Ok(Model {
            arena: Arena::new(&plan.param_shapes),
            outputs: plan.stages.iter().map(|s| vec![0.0; max_batch * s.out_len]).collect(),
            saved: plan.saved_per_sample().into_iter().map(|len| vec![0; max_batch * len]).collect(),
            grad_out: vec![0.0; max_batch * widest],
            grad_in: vec![0.0; max_batch * widest],
            work: Workspace { gemm: Gemm::for_products(&products), columns: vec![0.0; columns] },
            max_batch,
            plan,
        })
    }

    pub fn from_json(text: &str, max_batch: usize) -> Result<Model, ModelError> {
        Model::new(Plan::from_json(text)?, max_batch)
    }

    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// Values per input sample.
    pub fn input_len(&self) -> usize {
        spec::numel(&self.plan.input)
    }

    pub fn input_shape(&self) -> &[usize] {
        &self.plan.input
    }

    /// Values per output sample (the classes for cross_entropy).
    pub fn output_len(&self) -> usize {
        spec::numel(&self.plan.output)
    }

    pub fn output_shape(&self) -> &[usize] {
        &self.plan.output
    }

    pub fn loss(&self) -> Loss {
        self.plan.loss
    }

    pub fn max_batch(&self) -> usize {
        self.max_batch
    }

    pub fn arena(&self) -> &Arena {
        &self.arena
    }

    pub fn arena_mut(&mut self) -> &mut Arena {
        &mut self.arena
    }

    /// torch's default initialization of every layer, in order.
    pub fn init(&mut self, rng: &mut Rng) {
        let params = self.arena.params_mut();
        for stage in &self.plan.stages {
            stage.layer.init(&mut params[stage.params.clone()], rng);
        }
    }

    fn forward(&mut self, x: &[f32], batch: usize) {
        assert!(batch <= self.max_batch && x.len() >= batch * self.input_len());
        let params = self.arena.params();
        for (s, stage) in self.plan.stages.iter().enumerate() {
            let (done, rest) = self.outputs.split_at_mut(s);
            stage.layer.forward(Forward {
                work: &mut self.work,
                saved: &mut self.saved[s],
                x: if s == 0 { &x[..batch * stage.in_len] } else { &done[s - 1][..batch * stage.in_len] },
                params: &params[stage.params.clone()],
                y: &mut rest[0][..batch * stage.out_len],
                batch,
                relu: stage.relu,
            });
        }
    }

    /// The last layer's output for the batch of the latest forward pass.
    pub fn predictions(&self, batch: usize) -> &[f32] {
        &self.outputs[self.outputs.len() - 1][..batch * self.output_len()]
    }

    /// Mean loss of the batch at the current parameters, with every gradient written to the arena
    /// (overwritten, as after torch's zero_grad + backward). Class targets must be below the classes,
    /// value targets `batch × output_len()` long (checked by callers).
    pub fn loss_and_gradients(&mut self, x: &[f32], targets: Targets, batch: usize) -> f32 {
        self.forward(x, batch);
        let n = batch * self.output_len();
        let predictions = &self.outputs[self.outputs.len() - 1][..n];
        let grad = &mut self.grad_out[..n];
        let mean = match (self.plan.loss, targets) {
            (Loss::CrossEntropy, Targets::Classes(labels)) => {
                let sum = log_softmax_nll(predictions, &labels[..batch], n / batch, Some((grad, 1.0 / batch as f32)));
                sum / batch as f64
            }
            (Loss::Mse, Targets::Values(values)) => {
                mse::squared_error_sum(predictions, &values[..n], Some((grad, mse::gradient_scale(n)))) / n as f64
            }
            (Loss::BceWithLogits, Targets::Values(values)) => {
                bce_with_logits::loss_sum(predictions, &values[..n], Some((grad, 1.0 / n as f32))) / n as f64
            }
            (Loss::Mean, _) => {
                grad.fill(1.0 / n as f32);
                predictions.iter().map(|&v| f64::from(v)).sum::<f64>() / n as f64
            }
            (loss, _) => panic!("{} given the wrong kind of targets", loss.name()),
        };
        self.backward(x, batch);
        mean as f32
    }

    /// Backpropagates `grad_out` (∂loss/∂output) through every stage into the arena's gradients.
    fn backward(&mut self, x: &[f32], batch: usize) {
        let Model { plan, arena, outputs, saved, grad_out, grad_in, work, .. } = self;
        let (params, grads) = arena.params_and_grads_mut();
        for (s, stage) in plan.stages.iter().enumerate().rev() {
            let output = &outputs[s][..batch * stage.out_len];
            let dy = &mut grad_out[..batch * stage.out_len];
            if stage.relu {
                relu::backward_in_place(dy, output);
            }
            if s == 0 && stage.params.is_empty() {
                break;
            }
            stage.layer.backward(Backward {
                work,
                saved: &saved[s],
                x: if s == 0 { &x[..batch * stage.in_len] } else { &outputs[s - 1][..batch * stage.in_len] },
                y: output,
                params: &params[stage.params.clone()],
                dy,
                grads: &mut grads[stage.params.clone()],
                dx: (s > 0).then(|| &mut grad_in[..batch * stage.in_len]),
                batch,
            });
            std::mem::swap(grad_out, grad_in);
        }
    }

    /// (Sum over the batch of each sample's loss — for mse and bce_with_logits the mean over its
    /// outputs — and, for cross_entropy, the number of correct predictions), without gradients.
    pub fn evaluate_batch(&mut self, x: &[f32], targets: Targets, batch: usize) -> (f64, Option<usize>) {
        self.forward(x, batch);
        let (per_sample, n) = (self.output_len(), batch * self.output_len());
        let predictions = self.predictions(batch);
        match (self.plan.loss, targets) {
            (Loss::CrossEntropy, Targets::Classes(labels)) => {
                let labels = &labels[..batch];
                (
                    log_softmax_nll(predictions, labels, per_sample, None),
                    Some(correct_count(predictions, labels, per_sample)),
                )
            }
            (Loss::Mse, Targets::Values(values)) => {
                (mse::squared_error_sum(predictions, &values[..n], None) / per_sample as f64, None)
            }
            (Loss::BceWithLogits, Targets::Values(values)) => {
                (bce_with_logits::loss_sum(predictions, &values[..n], None) / per_sample as f64, None)
            }
            (Loss::Mean, _) => (predictions.iter().map(|&v| f64::from(v)).sum::<f64>() / per_sample as f64, None),
            (loss, _) => panic!("{} given the wrong kind of targets", loss.name()),
        }
    }
}
