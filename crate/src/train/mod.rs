//! The Trainer: builds a model from its config (the notebook's MLP by its widths, or any JSON layer list, see
//! `nn::model`), holds the dataset once, draws batches like torch's DataLoader(shuffle=True) (a fresh seeded
//! permutation each epoch, last partial batch kept), divides byte inputs by `normalize` (vectorized), runs many
//! steps per call (forward, backward, the non-finite policy, gradient clipping, the optimizer step: `nn::step`),
//! records every step's loss in a history reserved up front, evaluates, and saves/loads checkpoints.
//!
//! Data: inputs are bytes (pixels, divided by `normalize`) or floats (used as they are); what each row is compared
//! with is a class label (cross_entropy), target values shaped like the model's output (mse, bce_with_logits), or
//! the row's own inputs (an autoencoder).
//!
//! An optional lr schedule (torch.optim.lr_scheduler semantics, see `schedule`) is built over the
//! optimizer's param-group lrs and stepped after every optimizer step of `run`, torch's convention for
//! per-iteration schedulers; ReduceLROnPlateau instead steps once per epoch, at the epoch's last step,
//! on the epoch's mean training loss (torch users call it once per epoch with a validation metric), and a
//! SequentialLR holding one steps every step and gets that metric at each epoch's last step.
//! The lr in force at every step is recorded beside its loss.
//!
//! Its parts: the config it is built from (`config`), the schedule it drives (`schedule_run`), and here the
//! Trainer itself.
mod config;
mod schedule_run;

pub use config::{mlp_model, TrainerConfig};

use crate::kernels::elementwise::normalize_pixels;
use crate::nn::model::{Loss, Model, Plan, Targets};
use crate::nn::step::{train_step, StepOptions};
use crate::nonfinite::{Counters, Verdict};
use crate::optim::{self, OptimError, Optimizer, Slot};
use crate::rng::Rng;
use crate::schedule::Stepping;
use crate::state::{Checkpoint, ScheduleState, StateError};
use schedule_run::{apply_schedule, build_schedule, ScheduleRun, NO_MOMENTUM};
use serde_json::Value;
use std::fmt;
use std::rc::Rc;

#[derive(Clone, Debug, PartialEq)]
pub enum TrainError {
    Config(String),
    Data(String),
    Usage(String),
    Optim(OptimError),
    State(StateError),
}

impl fmt::Display for TrainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrainError::Config(message) => write!(f, "Trainer config: {message}"),
            TrainError::Data(message) | TrainError::Usage(message) => f.write_str(message),
            // The optimizer's own (torch) wording, unchanged.
            TrainError::Optim(error) => write!(f, "{error}"),
            TrainError::State(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for TrainError {}

impl From<OptimError> for TrainError {
    fn from(error: OptimError) -> Self {
        TrainError::Optim(error)
    }
}

impl From<StateError> for TrainError {
    fn from(error: StateError) -> Self {
        TrainError::State(error)
    }
}

/// A dataset's inputs, row after row.
pub enum InputData {
    /// Bytes (pixels), divided by the config's `normalize` as each batch is drawn.
    Bytes(Vec<u8>),
    /// Floats, used as they are.
    Floats(Vec<f32>),
}

impl InputData {
    fn len(&self) -> usize {
        match self {
            InputData::Bytes(values) => values.len(),
            InputData::Floats(values) => values.len(),
        }
    }

    /// Row `row` of `width` values, normalized, into `out`.
    fn copy_row(&self, row: usize, width: usize, normalize: f32, out: &mut [f32]) {
        let range = row * width..(row + 1) * width;
        match self {
            InputData::Bytes(values) => normalize_pixels(out, &values[range], normalize),
            InputData::Floats(values) => out.copy_from_slice(&values[range]),
        }
    }
}

/// What each row of a dataset is compared with.
pub enum TargetData {
    /// A class label per row (cross_entropy).
    Classes(Vec<u8>),
    /// Values shaped like the model's output, row after row (mse, bce_with_logits).
    Values(Vec<f32>),
    /// No targets: the row's own (normalized) inputs are the targets of an autoencoder, and a model whose output
    /// is its loss (loss "mean") needs none.
    Inputs,
}

/// A dataset held in wasm memory once, which any number of trainers borrow (`Rc`): a worker keeps it across runs
/// and range tests, and its memory is freed when the last holder drops it.
pub struct Dataset {
    inputs: InputData,
    targets: TargetData,
}

impl Dataset {
    /// Takes ownership of the arrays (no copy); they are checked against a model when a trainer attaches them.
    pub fn new(inputs: InputData, targets: TargetData) -> Dataset {
        Dataset { inputs, targets }
    }

    /// Bytes of wasm memory the arrays hold.
    pub fn byte_len(&self) -> usize {
        let inputs = match &self.inputs {
            InputData::Bytes(values) => values.len(),
            InputData::Floats(values) => values.len() * 4,
        };
        inputs
            + match &self.targets {
                TargetData::Classes(labels) => labels.len(),
                TargetData::Values(values) => values.len() * 4,
                TargetData::Inputs => 0,
            }
    }
}

/// A dataset a trainer uses, with its rows as checked against the model.
struct Data {
    set: Rc<Dataset>,
    rows: usize,
}

/// Which dataset `set_data` replaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    Train,
    Eval,
}

pub struct Trainer {
    config: TrainerConfig,
    model: Model,
    optimizer: Box<dyn Optimizer>,
    train: Option<Data>,
    eval: Option<Data>,
    /// Row order of the current epoch, and which epoch it belongs to.
    order: Vec<u32>,
    order_epoch: Option<usize>,
    /// The normalized batch being trained on (max batch × inputs), its class labels and its target values.
    batch_x: Vec<f32>,
    batch_y: Vec<u8>,
    batch_t: Vec<f32>,
    history: Vec<f32>,
    /// The lr of the first param group in force at each step of `history`.
    lr_history: Vec<f32>,
    steps_done: usize,
    /// Steps trained on explicit batches (`train_batch`), which leave the history alone.
    batches_trained: usize,
    /// The step at which the non-finite policy ended the run.
    diverged_at: Option<usize>,
    /// optax's apply_if_finite counters, kept under every policy.
    counters: Counters,
    /// The optimizer's view of the arena, kept between steps so a step allocates nothing.
    slot_buffer: Vec<Slot<'static>>,
    schedule: Option<ScheduleRun>,
}

impl Trainer {
    pub fn new(config: TrainerConfig) -> Result<Trainer, TrainError> {
        let plan = Plan::new(&config.model).map_err(|error| TrainError::Config(error.to_string()))?;
        let mut model = Model::new(plan, config.batch_size).map_err(|error| TrainError::Config(error.to_string()))?;
        let mut optimizer = optim::create(&config.optimizer, &config.optimizer_options, &model.arena().shapes())?;
        let schedule = match &config.schedule {
            None => None,
            Some(spec) => {
                let base_lrs: Vec<f64> = (0..optimizer.group_count()).map(|group| optimizer.lr(group)).collect();
                let schedule = build_schedule(spec, &base_lrs)?;
                if !apply_schedule(schedule.as_ref(), optimizer.as_mut(), true) {
                    return Err(TrainError::Config(format!(
                        "schedule: {}: {NO_MOMENTUM} ({} has neither; set cycle_momentum: false)",
                        schedule.name(),
                        optimizer.name()
                    )));
                }
                Some(ScheduleRun { schedule, base_lrs, steps: 0, metrics: Vec::new() })
            }
        };
        // Weights come from their own stream of the seed, so they do not depend on the optimizer or batch order.
        model.init(&mut Rng::derived(config.seed, INIT_STREAM));
        let mut history = Vec::new();
        history
            .try_reserve_exact(config.max_steps)
            .map_err(|_| TrainError::Config(format!("cannot reserve a history of {} steps", config.max_steps)))?;
        let mut lr_history = Vec::new();
        lr_history
            .try_reserve_exact(config.max_steps)
            .map_err(|_| TrainError::Config(format!("cannot reserve an lr history of {} steps", config.max_steps)))?;
        let tensors = model.arena().entries().len();
        let target_values = if model.loss() == Loss::CrossEntropy { 0 } else { model.output_len() };
        Ok(Trainer {
            batch_x: vec![0.0; config.batch_size * model.input_len()],
            batch_y: vec![0; config.batch_size],
            batch_t: vec![0.0; config.batch_size * target_values],
            config,
            model,
            optimizer,
            train: None,
            eval: None,
            order: Vec::new(),
            order_epoch: None,
            history,
            lr_history,
            steps_done: 0,
            batches_trained: 0,
            diverged_at: None,
            counters: Counters::new(),
            slot_buffer: Vec::with_capacity(tensors),
            schedule,
        })
    }

    pub fn from_json(config: &str) -> Result<Trainer, TrainError> {
        Trainer::new(TrainerConfig::from_json(config)?)
    }

    pub fn config(&self) -> &TrainerConfig {
        &self.config
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The rows of a dataset, checked against the model: whole rows of its input, and targets its loss takes.
    fn check_data(&self, what: &str, inputs: &InputData, targets: &TargetData) -> Result<usize, TrainError> {
        let (input_len, output_len, loss) = (self.model.input_len(), self.model.output_len(), self.model.loss());
        let values = if matches!(inputs, InputData::Bytes(_)) { "pixels" } else { "inputs" };
        if loss == Loss::Mean && !matches!(targets, TargetData::Inputs) {
            return Err(TrainError::Data(format!(
                "{what}: loss mean takes no targets (the model's output is its loss)"
            )));
        }
        if let TargetData::Classes(labels) = targets {
            if loss != Loss::CrossEntropy {
                return Err(TrainError::Data(format!(
                    "{what}: loss {} compares outputs with target values ({output_len} per row), not class labels",
                    loss.name()
                )));
            }
            if labels.is_empty() {
                return Err(TrainError::Data(format!("{what}: no rows")));
            }
            if labels.len() > u32::MAX as usize || inputs.len() != labels.len() * input_len {
                return Err(TrainError::Data(format!(
                    "{what}: {} {values} for {} labels; expected labels × {input_len} = {}",
                    inputs.len(),
                    labels.len(),
                    labels.len() * input_len
                )));
            }
            if let Some((row, label)) = labels.iter().enumerate().find(|(_, &l)| usize::from(l) >= output_len) {
                return Err(TrainError::Data(format!(
                    "{what}: label {label} at row {row} is not below the {output_len} classes"
                )));
            }
            return Ok(labels.len());
        }
        if loss == Loss::CrossEntropy {
            return Err(TrainError::Data(format!("{what}: loss cross_entropy needs a class label per row")));
        }
        let rows = inputs.len() / input_len;
        if rows == 0 || rows > u32::MAX as usize || inputs.len() != rows * input_len {
            return Err(TrainError::Data(format!(
                "{what}: {} {values} are not a positive number of rows of {input_len}",
                inputs.len()
            )));
        }
        match targets {
            TargetData::Inputs if loss == Loss::Mean => Ok(rows),
            TargetData::Values(values) if values.len() != rows * output_len => Err(TrainError::Data(format!(
                "{what}: {} target values for {rows} rows; expected rows × {output_len} = {}",
                values.len(),
                rows * output_len
            ))),
            TargetData::Inputs if output_len != input_len => Err(TrainError::Data(format!(
                "{what}: without targets the model is an autoencoder, but its output has {output_len} values and its input {input_len}"
            ))),
            _ => Ok(rows),
        }
    }

    /// Replaces a dataset with these arrays (taking them, no copy); see `set_dataset`.
    pub fn set_data(&mut self, split: Split, inputs: InputData, targets: TargetData) -> Result<(), TrainError> {
        self.set_dataset(split, Rc::new(Dataset::new(inputs, targets)))
    }

    /// Replaces a dataset by one held elsewhere too (shared, not copied); for the training data the epoch order
    /// restarts from the current step's epoch.
    pub fn set_dataset(&mut self, split: Split, set: Rc<Dataset>) -> Result<(), TrainError> {
        let what = if split == Split::Train { "setTrainData" } else { "setEvalData" };
        let rows = self.check_data(what, &set.inputs, &set.targets)?;
        if split == Split::Train && self.config.drop_last && rows < self.config.batch_size {
            return Err(TrainError::Data(format!(
                "{what}: {rows} rows make no full batch of {}, and dropLast leaves out partial ones",
                self.config.batch_size
            )));
        }
        let data = Some(Data { set, rows });
        if split == Split::Eval {
            self.eval = data;
            return Ok(());
        }
        self.train = data;
        self.order = Vec::with_capacity(rows);
        self.order_epoch = None;
        // Room for the metrics still to come, so stepping never allocates.
        let steps_left = self.config.max_steps - self.steps_done;
        let epochs_left = steps_left.div_ceil(self.steps_per_epoch());
        if let Some(run) = self.schedule.as_mut() {
            match run.schedule.stepping() {
                Stepping::EveryStep => {}
                Stepping::OnMetric => run.metrics.reserve(epochs_left),
                Stepping::EveryStepWithMetric => run.metrics.reserve(steps_left),
            }
        }
        Ok(())
    }

    /// Copies byte inputs (pixels) and class labels in as the training data.
    pub fn set_train_data(&mut self, pixels: &[u8], labels: &[u8]) -> Result<(), TrainError> {
        self.set_data(Split::Train, InputData::Bytes(pixels.to_vec()), TargetData::Classes(labels.to_vec()))
    }

    pub fn set_eval_data(&mut self, pixels: &[u8], labels: &[u8]) -> Result<(), TrainError> {
        self.set_data(Split::Eval, InputData::Bytes(pixels.to_vec()), TargetData::Classes(labels.to_vec()))
    }

    /// ceil(rows / batchSize); 0 before any training data.
    pub fn steps_per_epoch(&self) -> usize {
        let batch = self.config.batch_size;
        self.train.as_ref().map_or(0, |d| if self.config.drop_last { d.rows / batch } else { d.rows.div_ceil(batch) })
    }

    pub fn steps_done(&self) -> usize {
        self.steps_done
    }

    /// The step at which the non-finite policy ended the run (`stop`: the first non-finite loss; `skip`: the step
    /// past maxConsecutiveErrors).
    pub fn diverged_at(&self) -> Option<usize> {
        self.diverged_at
    }

    /// optax's apply_if_finite counters after the latest step.
    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// Up to `steps` training steps; returns how many were done (fewer only when the non-finite policy ended the
    /// run: that step's loss is recorded and no further step runs).
    pub fn run(&mut self, steps: usize) -> Result<usize, TrainError> {
        if self.train.is_none() {
            return Err(TrainError::Usage("run: no training data; call setTrainData first".into()));
        }
        if self.diverged_at.is_some() {
            return Ok(0);
        }
        if steps > self.config.max_steps - self.steps_done {
            return Err(TrainError::Usage(format!(
                "run: {steps} more steps would exceed maxSteps ({}) with {} done",
                self.config.max_steps, self.steps_done
            )));
        }
        for done in 0..steps {
            self.next_batch_step()?;
            if self.diverged_at.is_some() {
                return Ok(done + 1);
            }
        }
        Ok(steps)
    }

    /// One step on the next batch of the epoch order; records the loss.
    fn next_batch_step(&mut self) -> Result<f32, TrainError> {
        let step = self.steps_done;
        let (epoch, position) = (step / self.steps_per_epoch(), step % self.steps_per_epoch());
        let data = self.train.as_ref().expect("run checks the data");
        if self.order_epoch != Some(epoch) {
            // Each epoch's permutation depends on the seed and the epoch only.
            self.order.clear();
            self.order.extend(0..data.rows as u32);
            Rng::derived(self.config.seed, epoch as u64).shuffle(&mut self.order);
            self.order_epoch = Some(epoch);
        }
        let start = position * self.config.batch_size;
        let batch_rows = &self.order[start..(start + self.config.batch_size).min(data.rows)];
        let (input_len, output_len) = (self.model.input_len(), self.model.output_len());
        for (b, &row) in batch_rows.iter().enumerate() {
            let row = row as usize;
            data.set.inputs.copy_row(
                row,
                input_len,
                self.config.normalize,
                &mut self.batch_x[b * input_len..(b + 1) * input_len],
            );
            match &data.set.targets {
                TargetData::Classes(labels) => self.batch_y[b] = labels[row],
                TargetData::Values(values) => self.batch_t[b * output_len..(b + 1) * output_len]
                    .copy_from_slice(&values[row * output_len..(row + 1) * output_len]),
                TargetData::Inputs => {}
            }
        }
        let batch = batch_rows.len();
        let inputs = &self.batch_x[..batch * input_len];
        let targets = match &data.set.targets {
            TargetData::Classes(_) => Targets::Classes(&self.batch_y[..batch]),
            TargetData::Values(_) => Targets::Values(&self.batch_t[..batch * output_len]),
            TargetData::Inputs => Targets::Values(inputs),
        };
        let lr = self.optimizer.lr(0);
        let options = StepOptions { clip: self.config.clip, policy: self.config.policy };
        let (loss, verdict) = train_step(
            &mut self.model,
            self.optimizer.as_mut(),
            &mut self.slot_buffer,
            inputs,
            targets,
            batch,
            options,
            &mut self.counters,
        )?;
        self.history.push(loss);
        self.lr_history.push(lr as f32);
        self.steps_done += 1;
        if matches!(verdict, Verdict::Stop | Verdict::UpdateAndStop) {
            self.diverged_at = Some(step);
            return Ok(loss);
        }
        self.advance_schedule(step)?;
        Ok(loss)
    }

    /// One step on an explicit batch of already-normalized inputs (rows of the model's input) and their targets
    /// (a class index per row for cross_entropy, else values shaped like the output); returns that batch's loss
    /// before the update. The data position, the histories and the schedule are left as they are; the non-finite
    /// policy and clipping apply as in `run`.
    pub fn train_batch(&mut self, inputs: &[f32], targets: &[f32]) -> Result<f32, TrainError> {
        if let Some(step) = self.diverged_at {
            return Err(TrainError::Usage(format!(
                "trainBatch: the run stopped at step {step}, whose loss or gradients were not finite (nonFinite \"{}\")",
                self.config.policy.name()
            )));
        }
        let rows = self.check_batch("trainBatch", inputs, targets)?;
        let targets = if self.model.loss() == Loss::CrossEntropy {
            Targets::Classes(&self.batch_y[..rows])
        } else {
            Targets::Values(targets)
        };
        let options = StepOptions { clip: self.config.clip, policy: self.config.policy };
        let (loss, verdict) = train_step(
            &mut self.model,
            self.optimizer.as_mut(),
            &mut self.slot_buffer,
            inputs,
            targets,
            rows,
            options,
            &mut self.counters,
        )?;
        if matches!(verdict, Verdict::Stop | Verdict::UpdateAndStop) {
            self.diverged_at = Some(self.batches_trained);
        }
        self.batches_trained += 1;
        Ok(loss)
    }

    /// The rows of an explicit batch, checked (class targets are copied into the label buffer).
    fn check_batch(&mut self, what: &str, inputs: &[f32], targets: &[f32]) -> Result<usize, TrainError> {
        let (input_len, output_len, batch_size) =
            (self.model.input_len(), self.model.output_len(), self.config.batch_size);
        let rows = inputs.len() / input_len;
        if rows == 0 || rows > batch_size || inputs.len() != rows * input_len {
            return Err(TrainError::Data(format!(
                "{what}: {} inputs; expected 1 to {batch_size} rows of {input_len}",
                inputs.len()
            )));
        }
        if self.model.loss() == Loss::Mean {
            if !targets.is_empty() {
                return Err(TrainError::Data(format!(
                    "{what}: loss mean takes no targets (the model's output is its loss), got {}",
                    targets.len()
                )));
            }
            return Ok(rows);
        } else if self.model.loss() != Loss::CrossEntropy {
            if targets.len() != rows * output_len {
                return Err(TrainError::Data(format!(
                    "{what}: {} targets for {rows} rows; expected rows × {output_len} = {}",
                    targets.len(),
                    rows * output_len
                )));
            }
            return Ok(rows);
        }
        if targets.len() != rows {
            return Err(TrainError::Data(format!(
                "{what}: {} targets for {rows} rows; expected one class per row",
                targets.len()
            )));
        }
        for (row, (&target, label)) in targets.iter().zip(self.batch_y.iter_mut()).enumerate() {
            if !(target >= 0.0 && target < output_len as f32 && target.fract() == 0.0) {
                return Err(TrainError::Data(format!(
                    "{what}: target {target} at row {row} is not a class below {output_len}"
                )));
            }
            *label = target as u8;
        }
        Ok(rows)
    }

    /// [mean loss, accuracy in 0..1] over the eval data, in batches of batchSize; the accuracy is NaN unless the
    /// loss is cross_entropy.
    pub fn evaluate(&mut self) -> Result<[f32; 2], TrainError> {
        let Some(data) = self.eval.as_ref() else {
            return Err(TrainError::Usage("evaluate: no eval data; call setEvalData first".into()));
        };
        let (input_len, output_len, chunk) = (self.model.input_len(), self.model.output_len(), self.config.batch_size);
        let (mut loss_sum, mut correct) = (0.0f64, 0usize);
        for start in (0..data.rows).step_by(chunk) {
            let batch = chunk.min(data.rows - start);
            for b in 0..batch {
                let out = &mut self.batch_x[b * input_len..(b + 1) * input_len];
                data.set.inputs.copy_row(start + b, input_len, self.config.normalize, out);
            }
            let inputs = &self.batch_x[..batch * input_len];
            let targets = match &data.set.targets {
                TargetData::Classes(labels) => Targets::Classes(&labels[start..start + batch]),
                TargetData::Values(values) => {
                    Targets::Values(&values[start * output_len..(start + batch) * output_len])
                }
                TargetData::Inputs => Targets::Values(inputs),
            };
            let (loss, right) = self.model.evaluate_batch(inputs, targets, batch);
            loss_sum += loss;
            correct += right.unwrap_or(0);
        }
        let rows = data.rows as f64;
        let accuracy = if self.model.loss() == Loss::CrossEntropy { correct as f64 / rows } else { f64::NAN };
        Ok([(loss_sum / rows) as f32, accuracy as f32])
    }

    /// The lr of the first param group in force at steps `start..end` (already done; NaN for steps
    /// loaded from a version-1 checkpoint, which did not record them).
    pub fn lrs(&self, start: usize, end: usize) -> Result<&[f32], TrainError> {
        self.lr_history.get(start..end).ok_or_else(|| {
            TrainError::Usage(format!(
                "lrs: range {start}..{end} is outside the {} recorded steps",
                self.lr_history.len()
            ))
        })
    }

    /// Losses of steps `start..end` (already done).
    pub fn losses(&self, start: usize, end: usize) -> Result<&[f32], TrainError> {
        self.history.get(start..end).ok_or_else(|| {
            TrainError::Usage(format!(
                "losses: range {start}..{end} is outside the {} recorded steps",
                self.history.len()
            ))
        })
    }

    /// All parameters in torch's module order, each layer's weight (torch layout, e.g. [out, in]) then its bias.
    pub fn weights(&self) -> &[f32] {
        self.model.arena().params()
    }

    pub fn set_weights(&mut self, weights: &[f32]) -> Result<(), TrainError> {
        let params = self.model.arena_mut().params_mut();
        if weights.len() != params.len() {
            return Err(TrainError::Data(format!(
                "setWeights: {} values, expected {} for {}",
                weights.len(),
                params.len(),
                self.describe_model()
            )));
        }
        params.copy_from_slice(weights);
        Ok(())
    }

    /// "layers [784, 100, 10]" for the MLP, else the model's layer list.
    fn describe_model(&self) -> String {
        if self.config.layers.is_empty() {
            format!("model {}", self.config.model)
        } else {
            format!("layers {:?}", self.config.layers)
        }
    }

    /// Sets the lr of every param group (what a schedule does each step). With a schedule configured,
    /// the schedule sets it again after the next step.
    pub fn set_lr(&mut self, lr: f64) {
        for group in 0..self.optimizer.group_count() {
            self.optimizer.set_lr(group, lr);
        }
    }

    /// The lr in force in the first param group.
    pub fn lr(&self) -> f64 {
        self.optimizer.lr(0)
    }

    /// The model's layer list as a checkpoint records it: empty for the MLP, whose widths it records instead.
    fn model_text(&self) -> String {
        if self.config.layers.is_empty() {
            self.model.plan().spec.to_string()
        } else {
            String::new()
        }
    }

    pub fn save_state(&self) -> Vec<u8> {
        let mut optimizer_state = Vec::new();
        self.optimizer.save_state(&mut optimizer_state);
        Checkpoint {
            optimizer: self.optimizer.name().to_string(),
            layers: self.config.layers.clone(),
            model: self.model_text(),
            batch_size: self.config.batch_size,
            normalize: self.config.normalize,
            seed: self.config.seed,
            steps_done: self.steps_done as u64,
            diverged_at: self.diverged_at.map(|s| s as u64),
            weights: self.weights().to_vec(),
            history: self.history.clone(),
            optimizer_state,
            lrs: self.lr_history.clone(),
            schedule: self.schedule.as_ref().map(|run| ScheduleState {
                spec: Value::Object(self.config.schedule.clone().unwrap_or_default()).to_string(),
                steps: run.steps,
                metrics: run.metrics.clone(),
            }),
            counters: self.counters,
        }
        .encode()
    }

    /// Continues from a checkpoint of a trainer with the same optimizer, model, batch size and
    /// normalization; on error nothing changes.
    pub fn load_state(&mut self, bytes: &[u8]) -> Result<(), TrainError> {
        let checkpoint = Checkpoint::decode(bytes)?;
        let mismatch = |what: String| Err(TrainError::State(StateError(what)));
        if checkpoint.optimizer != self.optimizer.name() {
            return mismatch(format!(
                "the checkpoint is for optimizer '{}', this trainer uses '{}'",
                checkpoint.optimizer,
                self.optimizer.name()
            ));
        }
        if checkpoint.layers != self.config.layers {
            return mismatch(format!(
                "the checkpoint has layers {:?}, this trainer {:?}",
                checkpoint.layers, self.config.layers
            ));
        }
        if checkpoint.model != self.model_text() {
            return mismatch(format!(
                "the checkpoint has model {}, this trainer {}",
                if checkpoint.model.is_empty() { "(none)" } else { &checkpoint.model },
                self.describe_model()
            ));
        }
        if checkpoint.batch_size != self.config.batch_size || checkpoint.normalize != self.config.normalize {
            return mismatch(format!(
                "the checkpoint has batchSize {} and normalize {}, this trainer {} and {}",
                checkpoint.batch_size, checkpoint.normalize, self.config.batch_size, self.config.normalize
            ));
        }
        if checkpoint.weights.len() != self.weights().len()
            || checkpoint.history.len() as u64 != checkpoint.steps_done
            || checkpoint.lrs.len() != checkpoint.history.len()
        {
            return mismatch("the checkpoint's weights or history have the wrong length".into());
        }
        if checkpoint.history.len() > self.config.max_steps {
            return mismatch(format!(
                "the checkpoint holds {} steps, more than this trainer's maxSteps ({})",
                checkpoint.history.len(),
                self.config.max_steps
            ));
        }
        // A schedule steps at most once per optimizer step; a larger count is corrupt (and would be replayed).
        if let Some(saved) = checkpoint.schedule.as_ref().filter(|saved| saved.steps > checkpoint.steps_done) {
            return mismatch(format!(
                "the checkpoint's schedule has stepped {} times in {} steps",
                saved.steps, checkpoint.steps_done
            ));
        }
        let Ok(diverged_at) = checkpoint.diverged_at.map(usize::try_from).transpose() else {
            return mismatch("the checkpoint's divergence step does not fit this build".into());
        };
        let schedule = self.replay_schedule(checkpoint.schedule.as_ref())?;
        self.optimizer.load_state(&checkpoint.optimizer_state)?;
        self.model.arena_mut().params_mut().copy_from_slice(&checkpoint.weights);
        self.history.clear();
        self.history.extend_from_slice(&checkpoint.history);
        self.lr_history.clear();
        self.lr_history.extend_from_slice(&checkpoint.lrs);
        if let Some(run) = schedule {
            // The saved optimizer state holds the lrs; the momentum the schedule had set is not in it.
            apply_schedule(run.schedule.as_ref(), self.optimizer.as_mut(), false);
            self.schedule = Some(run);
        }
        self.steps_done = checkpoint.steps_done as usize;
        self.diverged_at = diverged_at;
        self.counters = checkpoint.counters;
        self.config.seed = checkpoint.seed;
        self.order_epoch = None;
        Ok(())
    }
}

/// Stream of the seed that initializes the weights; epoch e shuffles with stream e.
const INIT_STREAM: u64 = u64::MAX;

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const FIXTURE: &str = include_str!("../../../test/fixtures/torch-mlp-train.json");

    fn floats(value: &Value) -> Vec<f32> {
        value.as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect()
    }

    /// Per layer [weight, bias] → one torch-layout vector.
    fn layer_params(value: &Value) -> Vec<f32> {
        value.as_array().unwrap().iter().flat_map(|layer| layer.as_array().unwrap().iter().flat_map(floats)).collect()
    }

    /// torch-mlp-train.json: from the recorded init, 30 recorded batches of 6; every run's per-step loss
    /// and final weights match PyTorch within 1e-4.
    #[test]
    fn matches_pytorch_training_of_simplenet() {
        let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
        let layers: Vec<usize> =
            fixture["layers"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
        let (batch, features) = (fixture["batch"].as_u64().unwrap() as usize, layers[0]);
        let inputs = floats(&fixture["inputs"]);
        let labels = floats(&fixture["labels"]);
        let runs = fixture["runs"].as_array().unwrap();
        assert_eq!(runs.len(), 4);
        for run in runs {
            let mut optimizer = run["options"].as_object().unwrap().clone();
            optimizer.insert("name".into(), run["optimizer"].as_str().unwrap().to_lowercase().into());
            let config = serde_json::json!({ "layers": layers, "seed": 0, "batchSize": batch, "maxSteps": 0, "optimizer": optimizer });
            let mut trainer = Trainer::from_json(&config.to_string()).unwrap();
            trainer.set_weights(&layer_params(&fixture["init"])).unwrap();
            let want = floats(&run["losses"]);
            for (step, &want_loss) in want.iter().enumerate() {
                let rows = step * batch..(step + 1) * batch;
                let loss =
                    trainer.train_batch(&inputs[rows.start * features..rows.end * features], &labels[rows]).unwrap();
                assert!((loss - want_loss).abs() <= 1e-4, "{}: step {step}: {loss} vs {want_loss}", run["optimizer"]);
            }
            for (i, (got, want)) in trainer.weights().iter().zip(layer_params(&run["final"])).enumerate() {
                assert!(
                    (got - want).abs() <= 1e-4 * (1.0 + want.abs()),
                    "{} {}: weight {i}: {got} vs {want}",
                    run["optimizer"],
                    run["options"]
                );
            }
        }
    }

    fn synthetic(rows: usize, features: usize, seed: u64) -> (Vec<u8>, Vec<u8>) {
        let mut rng = Rng::new(seed);
        let labels: Vec<u8> = (0..rows).map(|_| rng.below(4) as u8).collect();
        // Features at positions ≡ label (mod 4) are bright, the rest dim: a learnable pattern.
        let pixels = (0..rows * features)
            .map(|i| {
                (rng.below(56) + if i % features % 4 == usize::from(labels[i / features]) { 200 } else { 0 }) as u8
            })
            .collect();
        (pixels, labels)
    }

    fn trainer(optimizer: &str) -> Trainer {
        let config = format!(r#"{{"layers":[16,12,4],"seed":9,"batchSize":8,"maxSteps":40,"optimizer":{optimizer}}}"#);
        let mut trainer = Trainer::from_json(&config).unwrap();
        let (pixels, labels) = synthetic(70, 16, 3);
        trainer.set_train_data(&pixels, &labels).unwrap();
        trainer
    }

    #[test]
    fn same_seed_gives_bit_identical_losses_and_the_loss_falls() {
        let (mut a, mut b) = (trainer(r#"{"name":"sgd","lr":0.1}"#), trainer(r#"{"name":"sgd","lr":0.1}"#));
        assert_eq!(a.steps_per_epoch(), 9, "70 rows in batches of 8: the last partial batch is kept");
        assert_eq!(a.run(30).unwrap(), 30);
        assert_eq!(b.run(12).unwrap() + b.run(18).unwrap(), 30);
        let bits = |t: &Trainer| t.losses(0, 30).unwrap().iter().map(|l| l.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&a), bits(&b));
        let mean = |s: &[f32]| s.iter().sum::<f32>() / s.len() as f32;
        assert!(mean(a.losses(20, 30).unwrap()) < mean(a.losses(0, 9).unwrap()));
        assert_eq!(a.run(11).unwrap_err().to_string(), "run: 11 more steps would exceed maxSteps (40) with 30 done");
    }

    #[test]
    fn closure_optimizers_evaluate_the_batch_themselves() {
        let mut t = trainer(r#"{"name":"lbfgs","lr":1,"max_iter":4,"line_search_fn":"strong_wolfe"}"#);
        let mut sgd = trainer(r#"{"name":"sgd","lr":0.1}"#);
        assert_eq!((t.run(18).unwrap(), sgd.run(1).unwrap()), (18, 1));
        assert_eq!(t.losses(0, 1).unwrap(), sgd.losses(0, 1).unwrap(), "the first loss is the one before any update");
        let mean = |s: &[f32]| s.iter().sum::<f32>() / s.len() as f32;
        assert!(mean(t.losses(9, 18).unwrap()) < 0.5 * mean(t.losses(0, 9).unwrap()));
    }

    #[test]
    fn batch_order_depends_on_the_seed_only() {
        // Same seed, different optimizers: the same first batch, hence the same first loss.
        let (mut sgd, mut adam) = (trainer(r#"{"name":"sgd","lr":0.1}"#), trainer(r#"{"name":"adam"}"#));
        sgd.run(1).unwrap();
        adam.run(1).unwrap();
        assert_eq!(sgd.losses(0, 1).unwrap(), adam.losses(0, 1).unwrap());
    }

    #[test]
    fn checkpoint_resumes_bit_identically_and_refuses_other_trainers() {
        let mut straight = trainer(r#"{"name":"adam","lr":0.01}"#);
        straight.run(14).unwrap();
        let mut first = trainer(r#"{"name":"adam","lr":0.01}"#);
        first.run(5).unwrap();
        let bytes = first.save_state();
        let mut resumed = trainer(r#"{"name":"adam","lr":0.01}"#);
        resumed.load_state(&bytes).unwrap();
        assert_eq!(resumed.steps_done(), 5);
        resumed.run(9).unwrap();
        assert_eq!(resumed.losses(0, 14).unwrap(), straight.losses(0, 14).unwrap());
        assert!(resumed.weights().iter().zip(straight.weights()).all(|(a, b)| a.to_bits() == b.to_bits()));

        let mut sgd = trainer(r#"{"name":"sgd","lr":0.01}"#);
        assert_eq!(
            sgd.load_state(&bytes).unwrap_err().to_string(),
            "loadState: the checkpoint is for optimizer 'adam', this trainer uses 'sgd'"
        );
        let mut other_shape =
            Trainer::from_json(r#"{"layers":[16,5,4],"batchSize":8,"maxSteps":40,"optimizer":{"name":"adam"}}"#)
                .unwrap();
        assert_eq!(
            other_shape.load_state(&bytes).unwrap_err().to_string(),
            "loadState: the checkpoint has layers [16, 12, 4], this trainer [16, 5, 4]"
        );
    }

    #[test]
    fn a_non_finite_loss_stops_the_run_at_that_step_without_updating() {
        let mut t = trainer(r#"{"name":"sgd","lr":0.1}"#);
        t.run(3).unwrap();
        let mut weights = t.weights().to_vec();
        weights[0] = f32::INFINITY;
        t.set_weights(&weights).unwrap();
        assert_eq!(t.run(10).unwrap(), 1);
        assert_eq!(t.diverged_at(), Some(3));
        assert_eq!(t.steps_done(), 4);
        assert!(t.losses(3, 4).unwrap()[0].is_nan());
        assert_eq!(t.weights()[1..], weights[1..], "no update at the diverged step");
        assert_eq!(t.run(10).unwrap(), 0);
    }

    #[test]
    fn evaluate_gives_mean_loss_and_accuracy() {
        let mut t = trainer(r#"{"name":"adam","lr":0.02}"#);
        assert_eq!(t.evaluate().unwrap_err().to_string(), "evaluate: no eval data; call setEvalData first");
        let (pixels, labels) = synthetic(21, 16, 4);
        t.set_eval_data(&pixels, &labels).unwrap();
        let [before, _] = t.evaluate().unwrap();
        assert!((before - 4f32.ln()).abs() < 0.3, "about ln 4 for 4 untrained classes: {before}");
        t.run(40).unwrap();
        let [after, accuracy] = t.evaluate().unwrap();
        assert!(after < 0.5 * before && accuracy > 0.9, "{after} {accuracy}");
    }

    #[test]
    fn bad_configs_and_data_fail_with_clear_messages() {
        let message = |json: &str| Trainer::from_json(json).err().unwrap().to_string();
        assert_eq!(
            message(r#"{"layers":[4],"batchSize":2,"maxSteps":1,"optimizer":{"name":"sgd"}}"#),
            "Trainer config: layers must be an array of at least two sizes, e.g. [784, 100, 100, 10]"
        );
        assert_eq!(
            message(r#"{"layers":[4,2],"batchSize":0,"maxSteps":1,"optimizer":{"name":"sgd"}}"#),
            "Trainer config: batchSize must be a positive integer"
        );
        assert_eq!(
            message(r#"{"layers":[4,2],"batchSize":2,"maxSteps":1,"optimizer":{"name":"sgd","lr":-1}}"#),
            "Invalid learning rate: -1"
        );
        assert_eq!(
            message(r#"{"layers":[65536,65536,10],"batchSize":256,"maxSteps":1,"optimizer":{"name":"sgd"}}"#),
            "Trainer config: layers [65536, 65536, 10] with batchSize 256 need about 82189 MiB, more than the 2048 MiB a wasm instance can hold"
        );
        assert_eq!(message(r#"{"layers":[4,2],"batchsize":2}"#), "Trainer config: unknown key 'batchsize'; valid keys: layers, model, seed, batchSize, dropLast, normalize, maxSteps, optimizer, schedule, clip, nonFinite, maxConsecutiveErrors");
        let mut t = trainer(r#"{"name":"sgd"}"#);
        assert_eq!(
            t.set_train_data(&[0; 32], &[1, 4]).unwrap_err().to_string(),
            "setTrainData: label 4 at row 1 is not below the 4 classes"
        );
        assert_eq!(
            t.set_train_data(&[0; 31], &[1, 2]).unwrap_err().to_string(),
            "setTrainData: 31 pixels for 2 labels; expected labels × 16 = 32"
        );
    }
}
