//! Optimizers: the trait the trainer drives, the registry, option parsing, errors and state blobs.
//!
//! Every optimizer here mirrors torch.optim's single-tensor (`foreach=False`) reference loop in
//! float32; scalars that torch computes in Python (bias corrections, step sizes) are computed in f64
//! and rounded to f32 where torch hands them to a tensor op.
//!
//! Tensor `i` of an optimizer is the `i`-th entry of `shapes` given to [`create`] and the `i`-th
//! [`Slot`] of every `step`. Param groups: explicit groups from `"param_groups"` come first, in the
//! order given; tensors listed in no group form one more group, the last.
use crate::options::{JsonOptions, OptionError, OptionValue};
use serde_json::{json, Map, Value};
use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;

mod common;
pub use common::*;

pub mod adabelief;
pub mod adadelta;
pub mod adafactor;
pub mod adagrad;
pub mod adam;
pub mod adamax;
pub mod adamw;
pub mod adan;
pub mod ademamix;
pub mod adopt;
pub mod asgd;
pub mod cocob;
pub mod dadapt_adamw;
pub mod fromage;
pub mod lamb;
pub mod lars;
pub mod lbfgs;
pub mod lion;
pub mod madgrad;
pub mod muon;
pub mod nadam;
pub mod notebook;
pub mod novograd;
pub mod prodigy;
pub mod radam;
pub mod rmsprop;
pub mod rprop;
pub mod schedule_free_adamw;
pub mod sgd;
pub mod sign_sgd;
pub mod sm3;
pub mod yogi;

/// One parameter tensor as an optimizer sees it: its values and its gradient (same length).
pub struct Slot<'a> {
    pub param: &'a mut [f32],
    pub grad: &'a [f32],
}

/// What a closure-based optimizer (LBFGS) drives: torch's `closure()` and the tensors it reads.
/// Two methods rather than one `FnMut(&mut [Slot])`, so the caller can recompute gradients into
/// the very buffers it lends as slots without aliasing a borrow.
pub trait Closure {
    /// Re-evaluates the loss at the current parameters and recomputes every gradient.
    fn evaluate(&mut self) -> f32;
    /// Lends the parameters and the gradients of the last `evaluate`, in tensor order.
    fn with_slots(&mut self, visit: &mut dyn FnMut(&mut [Slot<'_>]));
}

pub trait Optimizer {
    /// One update of every tensor, torch.optim semantics; `slots` are in tensor order every call.
    fn step(&mut self, slots: &mut [Slot<'_>]) -> Result<(), OptimError>;
    /// Closure-based optimizers (LBFGS) return true; the caller then uses `step_with_closure`.
    fn needs_closure(&self) -> bool {
        false
    }
    /// torch's `step(closure)`: `closure.evaluate()` re-evaluates the loss and the gradients at the
    /// current params, `closure.with_slots` lends params and gradients; returns the first loss.
    /// Optimizers that do not use a closure refuse it.
    fn step_with_closure(&mut self, _closure: &mut dyn Closure) -> Result<f32, OptimError> {
        Err(OptimError::ClosureUnsupported(self.name().to_string()))
    }
    fn group_count(&self) -> usize;
    /// The lr in force for a group (torch's `group['lr']`), a Python float there, f64 here.
    fn lr(&self, group: usize) -> f64;
    /// Schedules call this, as torch's schedulers set `group['lr']`. Out-of-range groups are ignored.
    fn set_lr(&mut self, group: usize, lr: f64);
    /// Schedules that cycle momentum (OneCycleLR, CyclicLR) call this, as torch's set `group['momentum']`
    /// or `group['betas'][0]`. Returns false when the optimizer has neither (or the group does not exist).
    fn set_momentum(&mut self, _group: usize, _momentum: f64) -> bool {
        false
    }
    /// Registry name ("adam", "notebook_adagrad", ...).
    fn name(&self) -> &str;
    /// Appends the optimizer state (moments, step counters, each group's lr) to `out`.
    fn save_state(&self, out: &mut Vec<u8>);
    /// Replaces the state by one written by `save_state` of the same optimizer over the same shapes;
    /// on error the current state is left untouched.
    fn load_state(&mut self, bytes: &[u8]) -> Result<(), OptimError>;
}

#[derive(Debug, Clone, PartialEq)]
pub enum OptimError {
    /// An option value torch rejects; the message is torch's (`Invalid learning rate: -1`).
    Invalid(String),
    UnknownOption {
        optimizer: String,
        option: String,
        valid: Vec<&'static str>,
    },
    WrongType {
        option: String,
        expected: &'static str,
        got: String,
    },
    UnknownOptimizer {
        name: String,
        known: Vec<&'static str>,
    },
    ParamGroups(String),
    /// The slots given to `step` do not match the tensors the optimizer was built for.
    Slots(String),
    State(String),
    ClosureUnsupported(String),
}

impl fmt::Display for OptimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OptimError::Invalid(message) => f.write_str(message),
            OptimError::UnknownOption { optimizer, option, valid } => {
                write!(f, "Unknown option '{option}' for {optimizer}; valid options: {}", valid.join(", "))
            }
            OptimError::WrongType { option, expected, got } => {
                write!(f, "Option '{option}' must be {expected}, got {got}")
            }
            OptimError::UnknownOptimizer { name, known } => {
                write!(f, "Unknown optimizer '{name}'; known: {}", known.join(", "))
            }
            OptimError::ParamGroups(message) => write!(f, "param_groups: {message}"),
            OptimError::Slots(message) => write!(f, "optimizer step: {message}"),
            OptimError::State(message) => write!(f, "optimizer state: {message}"),
            OptimError::ClosureUnsupported(name) => {
                write!(f, "{name} does not take a closure; call step() instead")
            }
        }
    }
}

impl std::error::Error for OptimError {}

/// Prints a number the way JavaScript's `String(x)` does (`-1`, `0.25`, `1e-8`,
/// `3.3000000000000003`), so messages read the same in Rust and TypeScript.
pub fn js_number(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    if x == 0.0 {
        return "0".into();
    }
    // `{:e}` gives the shortest round-trip digits: "-2.5e-10", "3.3000000000000003e0".
    let scientific = format!("{:e}", x.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let k = digits.len() as i32;
    let n = exponent + 1; // value = 0.digits × 10^n
    let body = if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        format!("{}.{}", &digits[..n as usize], &digits[n as usize..])
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let sign = if n - 1 < 0 { '-' } else { '+' };
        let tail = if k > 1 { format!(".{}", &digits[1..]) } else { String::new() };
        format!("{}{tail}e{sign}{}", &digits[..1], (n - 1).abs())
    };
    if x < 0.0 {
        format!("-{body}")
    } else {
        body
    }
}

/// The options of one param group: the top-level options with the group's overrides on top, read with the
/// crate's options reader; errors are worded for optimizers ("Option 'lr' must be a number, got \"fast\"").
pub struct Options {
    optimizer: &'static str,
    values: JsonOptions<'static>,
}

impl From<(&'static str, OptionError)> for OptimError {
    fn from((optimizer, error): (&'static str, OptionError)) -> Self {
        match error {
            OptionError::Unknown { key, valid } => {
                OptimError::UnknownOption { optimizer: optimizer.to_string(), option: key, valid: valid.to_vec() }
            }
            OptionError::WrongType { key, expected, got } => OptimError::WrongType { option: key, expected, got },
        }
    }
}

impl Options {
    /// Checks every key is one of `valid`, so a misspelt option never passes silently.
    pub fn new(
        optimizer: &'static str,
        map: Map<String, Value>,
        valid: &'static [&'static str],
    ) -> Result<Self, OptimError> {
        let values = JsonOptions::new(Cow::Owned(map), valid).map_err(|error| (optimizer, error))?;
        record(|recording| recording.valid = valid.to_vec());
        Ok(Options { optimizer, values })
    }

    pub fn optimizer(&self) -> &'static str {
        self.optimizer
    }

    /// The option's value, `default` when absent.
    fn get<T: OptionValue>(&self, name: &str, default: T) -> Result<T, OptimError> {
        record_default(name, default.to_json());
        self.values.get(name, default).map_err(|error| (self.optimizer, error).into())
    }

    /// A number option (torch float or int), `default` when absent.
    pub fn num(&self, name: &str, default: f64) -> Result<f64, OptimError> {
        self.get(name, default)
    }

    /// A number option that may be absent or null (torch's `Optional[float]`).
    pub fn opt_num(&self, name: &str, default: Option<f64>) -> Result<Option<f64>, OptimError> {
        self.get(name, default)
    }

    /// A non-negative integer option (iteration counts, history sizes).
    pub fn count(&self, name: &str, default: usize) -> Result<usize, OptimError> {
        self.get(name, default)
    }

    pub fn flag(&self, name: &str, default: bool) -> Result<bool, OptimError> {
        self.get(name, default)
    }

    /// The option's JSON value when present and not null, for shapes the typed readers do not
    /// cover (Muon's three `ns_coefficients`).
    pub fn raw(&self, name: &str) -> Option<&Value> {
        self.values.value(name).filter(|value| !value.is_null())
    }

    /// States the default of an option read with `raw`, which cannot know it, for [`describe`].
    pub fn note_default(&self, name: &str, default: Value) {
        record_default(name, default);
    }

    /// A string option that may be absent or null (e.g. LBFGS's `line_search_fn`).
    pub fn text(&self, name: &str) -> Result<Option<String>, OptimError> {
        self.values.get(name, None).map_err(|error| (self.optimizer, error).into())
    }

    /// A torch tuple of two numbers, written `[a, b]` (`betas`, `etas`, `step_sizes`).
    pub fn pair(&self, name: &str, default: (f64, f64)) -> Result<(f64, f64), OptimError> {
        self.get(name, default)
    }

    /// A torch tuple of two optional numbers, `[a, b]` where either may be null (Adafactor's eps).
    pub fn opt_pair(
        &self,
        name: &str,
        default: (Option<f64>, Option<f64>),
    ) -> Result<(Option<f64>, Option<f64>), OptimError> {
        self.get(name, default)
    }
}

/// An optimizer whose update of one tensor depends only on that tensor (all but LBFGS-like
/// methods). [`PerTensor`] turns a rule into an [`Optimizer`] with param groups and state blobs.
pub trait TensorRule: 'static {
    /// Registry name.
    const NAME: &'static str;
    /// Option names accepted, torch's keyword arguments.
    const OPTIONS: &'static [&'static str];
    /// One param group's hyper-parameters, with torch's defaults and validation.
    type Config;
    /// One tensor's state (moments, step counter).
    type State: Persist;
    /// Reads and validates one group's options (torch's constructor checks, torch's wording).
    fn config(options: &Options) -> Result<Self::Config, OptimError>;
    fn lr(config: &Self::Config) -> f64;
    fn set_lr(config: &mut Self::Config, lr: f64);
    /// Sets torch's `momentum` or beta1 for momentum-cycling schedules; false when the method has neither.
    fn set_momentum(_config: &mut Self::Config, _momentum: f64) -> bool {
        false
    }
    /// Fresh state for a tensor of this shape; refuses shapes the method cannot take.
    fn init(config: &Self::Config, shape: &[usize]) -> Result<Self::State, OptimError>;
    /// One step of one tensor.
    fn update(config: &Self::Config, state: &mut Self::State, param: &mut [f32], grad: &[f32], shape: &[usize]);
}

/// Writes and reads one tensor's state inside an optimizer state blob.
pub trait Persist {
    fn save(&self, out: &mut Vec<u8>);
    fn load(&mut self, input: &mut BlobReader<'_>) -> Result<(), OptimError>;
}

pub fn put_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

pub fn put_f64(out: &mut Vec<u8>, v: f64) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// A length-prefixed f32 buffer, little-endian.
pub fn put_f32s(out: &mut Vec<u8>, values: &[f32]) {
    put_u64(out, values.len() as u64);
    out.reserve(values.len() * 4);
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// Reads what the `put_*` helpers wrote, failing (never panicking) on short or mismatched input.
pub struct BlobReader<'a> {
    bytes: &'a [u8],
}

impl<'a> BlobReader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        BlobReader { bytes }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], OptimError> {
        if self.bytes.len() < n {
            return Err(OptimError::State("the data is truncated".into()));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    pub fn u64(&mut self) -> Result<u64, OptimError> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().expect("8 bytes")))
    }

    /// The next u64 without consuming it (e.g. the length of a buffer that may or may not have been allocated).
    pub fn peek_u64(&self) -> Result<u64, OptimError> {
        BlobReader { bytes: self.bytes }.u64()
    }

    pub fn f64(&mut self) -> Result<f64, OptimError> {
        Ok(f64::from_le_bytes(self.take(8)?.try_into().expect("8 bytes")))
    }

    /// Fills `into` from a buffer that must have exactly `into.len()` values.
    pub fn f32s_into(&mut self, into: &mut [f32]) -> Result<(), OptimError> {
        let len = self.u64()?;
        if len != into.len() as u64 {
            return Err(OptimError::State(format!(
                "a state buffer holds {len} values where {} are expected",
                into.len()
            )));
        }
        let bytes = self.take(into.len() * 4)?;
        for (v, chunk) in into.iter_mut().zip(bytes.chunks_exact(4)) {
            *v = f32::from_le_bytes(chunk.try_into().expect("4 bytes"));
        }
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

const BLOB_MAGIC: &[u8; 8] = b"OLOPTIM\0";
const BLOB_VERSION: u64 = 1;

/// Splits the tensors into param groups and reads each group's options.
/// Returns the per-group option sets and, for every tensor, its group index.
pub fn param_groups(
    optimizer: &'static str,
    options: &Value,
    tensor_count: usize,
    valid: &'static [&'static str],
) -> Result<(Vec<Options>, Vec<usize>), OptimError> {
    let mut base = match options {
        Value::Null => Map::new(),
        Value::Object(map) => map.clone(),
        other => {
            return Err(OptimError::WrongType {
                option: "options".into(),
                expected: "an object of torch keyword arguments",
                got: other.to_string(),
            })
        }
    };
    let groups_value = base.remove("param_groups");
    let groups: &[Value] = match &groups_value {
        None | Some(Value::Null) => &[],
        Some(Value::Array(groups)) => groups,
        Some(_) => return Err(OptimError::ParamGroups("expected a list of {\"params\": [...], ...}".into())),
    };
    let mut group_of = vec![usize::MAX; tensor_count];
    let mut sets = Vec::with_capacity(groups.len() + 1);
    for (g, group) in groups.iter().enumerate() {
        let Value::Object(group) = group else {
            return Err(OptimError::ParamGroups(format!("group {g} is not an object")));
        };
        let Some(Value::Array(params)) = group.get("params") else {
            return Err(OptimError::ParamGroups(format!("group {g} needs \"params\": [tensor indices]")));
        };
        for index in params {
            let i = match index.as_u64() {
                Some(i) if (i as usize) < tensor_count => i as usize,
                _ => {
                    return Err(OptimError::ParamGroups(format!(
                        "group {g}: {index} is not a tensor index (0..{tensor_count})"
                    )))
                }
            };
            if group_of[i] != usize::MAX {
                return Err(OptimError::ParamGroups("some parameters appear in more than one parameter group".into()));
            }
            group_of[i] = g;
        }
        let mut merged = base.clone();
        merged.extend(group.iter().filter(|(k, _)| k.as_str() != "params").map(|(k, v)| (k.clone(), v.clone())));
        sets.push(Options::new(optimizer, merged, valid)?);
    }
    if groups.is_empty() || group_of.contains(&usize::MAX) {
        let default_group = sets.len();
        group_of.iter_mut().filter(|g| **g == usize::MAX).for_each(|g| *g = default_group);
        sets.push(Options::new(optimizer, base, valid)?);
    }
    Ok((sets, group_of))
}

/// A [`TensorRule`] run over every tensor, with param groups and state save/load.
pub struct PerTensor<R: TensorRule> {
    groups: Vec<R::Config>,
    group_of: Vec<usize>,
    shapes: Vec<Vec<usize>>,
    states: Vec<R::State>,
}

impl<R: TensorRule> PerTensor<R> {
    pub fn new(options: &Value, shapes: &[Vec<usize>]) -> Result<Self, OptimError> {
        let (sets, group_of) = param_groups(R::NAME, options, shapes.len(), R::OPTIONS)?;
        let groups = sets.iter().map(R::config).collect::<Result<Vec<_>, _>>()?;
        let states = Self::fresh_states(&groups, &group_of, shapes)?;
        Ok(PerTensor { groups, group_of, shapes: shapes.to_vec(), states })
    }

    fn fresh_states(
        groups: &[R::Config],
        group_of: &[usize],
        shapes: &[Vec<usize>],
    ) -> Result<Vec<R::State>, OptimError> {
        shapes.iter().zip(group_of).map(|(shape, &g)| R::init(&groups[g], shape)).collect()
    }

    fn numel(&self, i: usize) -> usize {
        self.shapes[i].iter().product()
    }
}

fn build<R: TensorRule>(options: &Value, shapes: &[Vec<usize>]) -> Result<Box<dyn Optimizer>, OptimError> {
    Ok(Box::new(PerTensor::<R>::new(options, shapes)?))
}

impl<R: TensorRule> Optimizer for PerTensor<R> {
    fn step(&mut self, slots: &mut [Slot<'_>]) -> Result<(), OptimError> {
        check_slot_sizes(slots, &self.shapes)?;
        for (i, slot) in slots.iter_mut().enumerate() {
            let config = &self.groups[self.group_of[i]];
            R::update(config, &mut self.states[i], slot.param, slot.grad, &self.shapes[i]);
        }
        Ok(())
    }

    fn group_count(&self) -> usize {
        self.groups.len()
    }

    fn lr(&self, group: usize) -> f64 {
        self.groups.get(group).map_or(f64::NAN, R::lr)
    }

    fn set_lr(&mut self, group: usize, lr: f64) {
        if let Some(config) = self.groups.get_mut(group) {
            R::set_lr(config, lr);
        }
    }

    fn set_momentum(&mut self, group: usize, momentum: f64) -> bool {
        self.groups.get_mut(group).is_some_and(|config| R::set_momentum(config, momentum))
    }

    fn name(&self) -> &str {
        R::NAME
    }

    fn save_state(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(BLOB_MAGIC);
        put_u64(out, BLOB_VERSION);
        put_u64(out, R::NAME.len() as u64);
        out.extend_from_slice(R::NAME.as_bytes());
        put_u64(out, self.states.len() as u64);
        for i in 0..self.states.len() {
            put_u64(out, self.numel(i) as u64);
        }
        put_u64(out, self.groups.len() as u64);
        for g in 0..self.groups.len() {
            put_f64(out, self.lr(g));
        }
        for state in &self.states {
            state.save(out);
        }
    }

    fn load_state(&mut self, bytes: &[u8]) -> Result<(), OptimError> {
        let mut input = BlobReader::new(bytes);
        if input.take(BLOB_MAGIC.len()).ok() != Some(&BLOB_MAGIC[..]) {
            return Err(OptimError::State("not an optimlab optimizer state".into()));
        }
        let version = input.u64()?;
        if version > BLOB_VERSION {
            return Err(OptimError::State(format!(
                "format version {version} is newer than this build reads ({BLOB_VERSION})"
            )));
        }
        let name_len = input.u64()? as usize;
        let name = String::from_utf8_lossy(input.take(name_len.min(bytes.len()))?).into_owned();
        if name != R::NAME {
            return Err(OptimError::State(format!("saved by '{name}', cannot load into '{}'", R::NAME)));
        }
        let tensors = input.u64()? as usize;
        if tensors != self.states.len() {
            return Err(OptimError::State(format!(
                "saved for {tensors} tensors, this optimizer has {}",
                self.states.len()
            )));
        }
        for i in 0..tensors {
            let saved = input.u64()?;
            if saved != self.numel(i) as u64 {
                return Err(OptimError::State(format!(
                    "tensor {i} had {saved} values when saved, it has {} here",
                    self.numel(i)
                )));
            }
        }
        let group_count = input.u64()? as usize;
        if group_count != self.groups.len() {
            return Err(OptimError::State(format!(
                "saved with {group_count} param groups, this optimizer has {}",
                self.groups.len()
            )));
        }
        let lrs = (0..group_count).map(|_| input.f64()).collect::<Result<Vec<_>, _>>()?;
        let mut states = Self::fresh_states(&self.groups, &self.group_of, &self.shapes)?;
        for state in &mut states {
            state.load(&mut input)?;
        }
        if !input.is_empty() {
            return Err(OptimError::State("trailing bytes after the last tensor".into()));
        }
        self.states = states;
        for (g, lr) in lrs.into_iter().enumerate() {
            self.set_lr(g, lr);
        }
        Ok(())
    }
}

type Constructor = fn(&Value, &[Vec<usize>]) -> Result<Box<dyn Optimizer>, OptimError>;

/// Every optimizer by registry name; one line each.
const REGISTRY: &[(&str, Constructor)] = &[
    ("sgd", build::<sgd::Sgd>),
    ("adagrad", build::<adagrad::Adagrad>),
    ("adadelta", build::<adadelta::Adadelta>),
    ("rmsprop", build::<rmsprop::RmsProp>),
    ("adam", build::<adam::Adam>),
    ("adamw", build::<adamw::AdamW>),
    ("adamax", build::<adamax::Adamax>),
    ("nadam", build::<nadam::NAdam>),
    ("radam", build::<radam::RAdam>),
    ("asgd", build::<asgd::Asgd>),
    ("rprop", build::<rprop::Rprop>),
    ("adafactor", build::<adafactor::Adafactor>),
    ("muon", build::<muon::Muon>),
    ("lbfgs", lbfgs::build),
    ("notebook_sgd", build::<notebook::NotebookSgd>),
    ("notebook_momentum", build::<notebook::NotebookMomentum>),
    ("notebook_nesterov", build::<notebook::NotebookNesterov>),
    ("notebook_adagrad", build::<notebook::NotebookAdagrad>),
    ("notebook_rmsprop", build::<notebook::NotebookRmsProp>),
    ("notebook_adam", build::<notebook::NotebookAdam>),
    ("lion", build::<lion::Lion>),
    ("lamb", build::<lamb::Lamb>),
    ("lars", build::<lars::Lars>),
    ("adabelief", build::<adabelief::AdaBelief>),
    ("yogi", build::<yogi::Yogi>),
    ("sign_sgd", build::<sign_sgd::SignSgd>),
    ("fromage", build::<fromage::Fromage>),
    ("novograd", build::<novograd::NovoGrad>),
    ("adan", build::<adan::Adan>),
    ("sm3", build::<sm3::Sm3>),
    ("adopt", build::<adopt::Adopt>),
    ("ademamix", build::<ademamix::Ademamix>),
    ("madgrad", build::<madgrad::Madgrad>),
    ("cocob", build::<cocob::Cocob>),
    ("schedule_free_adamw", build::<schedule_free_adamw::ScheduleFreeAdamW>),
    ("prodigy", prodigy::build),
    ("dadapt_adamw", dadapt_adamw::build),
];

/// Registry names, in registry order.
pub fn names() -> impl Iterator<Item = &'static str> {
    REGISTRY.iter().map(|(name, _)| *name)
}

/// Builds an optimizer by registry name (lower-case torch class name, or a `notebook_*` variant).
/// `options` is a JSON object of torch keyword arguments (tuples as arrays), optionally with
/// `"param_groups": [{"params": [tensor indices], <overrides>}]`; `shapes[i]` is tensor i's shape.
pub fn create(name: &str, options: &Value, shapes: &[Vec<usize>]) -> Result<Box<dyn Optimizer>, OptimError> {
    match REGISTRY.iter().find(|(known, _)| *known == name) {
        Some((_, constructor)) => constructor(options, shapes),
        None => Err(OptimError::UnknownOptimizer { name: name.to_string(), known: names().collect() }),
    }
}

/// What [`describe`] learns while it builds an optimizer: the option names `Options::new` accepts and
/// the default every reader falls back to (typed readers give theirs; `raw`/`text` ones do not).
#[derive(Default)]
struct Recording {
    valid: Vec<&'static str>,
    defaults: Map<String, Value>,
}

thread_local! {
    /// Set only during [`describe`], so the defaults are read from the very code that applies them.
    static RECORDING: RefCell<Option<Recording>> = const { RefCell::new(None) };
}

fn record(update: impl FnOnce(&mut Recording)) {
    RECORDING.with(|recording| {
        if let Some(recording) = recording.borrow_mut().as_mut() {
            update(recording);
        }
    });
}

fn record_default(name: &str, default: Value) {
    record(|recording| {
        recording.defaults.insert(name.to_string(), default);
    });
}

/// Every optimizer's options, in registry order: `[{"name": "adam", "options": [{"name": "lr", "default": 0.001},
/// …]}, …]`, the names in the order of the "valid options" error. A default is null where torch's is `None`
/// or derived from other options (LBFGS's `max_eval`), or where optax requires the option (`learning_rate`).
pub fn describe() -> Result<Value, OptimError> {
    let optimizers = REGISTRY.iter().map(|(name, constructor)| {
        RECORDING.with(|recording| *recording.borrow_mut() = Some(Recording::default()));
        // `lr` lets the optax methods that require a learning rate read all their options; readers record
        // their defaults whatever is given.
        let built = constructor(&json!({"lr": 1e-3}), &[]);
        let recording = RECORDING.with(|recording| recording.borrow_mut().take()).unwrap_or_default();
        built?;
        let options: Vec<Value> = recording
            .valid
            .iter()
            .map(|option| json!({"name": option, "default": recording.defaults.get(*option).cloned().unwrap_or(Value::Null)}))
            .collect();
        Ok(json!({"name": name, "options": options}))
    });
    optimizers.collect::<Result<Vec<_>, _>>().map(Value::Array)
}

/// What every `step` checks first: one slot per tensor, each of its shape's size.
pub fn check_slot_sizes(slots: &[Slot<'_>], shapes: &[Vec<usize>]) -> Result<(), OptimError> {
    if slots.len() != shapes.len() {
        return Err(OptimError::Slots(format!(
            "{} tensors given, the optimizer was built for {}",
            slots.len(),
            shapes.len()
        )));
    }
    for (i, (slot, shape)) in slots.iter().zip(shapes).enumerate() {
        let numel: usize = shape.iter().product();
        if slot.param.len() != numel || slot.grad.len() != numel {
            return Err(OptimError::Slots(format!(
                "tensor {i} has {} values and {} gradients, its shape {shape:?} has {numel}",
                slot.param.len(),
                slot.grad.len()
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_print_the_javascript_way() {
        let cases = [
            (-1.0, "-1"),
            (0.25, "0.25"),
            (1e-8, "1e-8"),
            (-2.5e-10, "-2.5e-10"),
            (3.3000000000000003, "3.3000000000000003"),
            (-2.4999999999999998e-06, "-0.0000024999999999999998"),
            (1e-6, "0.000001"),
            (1e21, "1e+21"),
            (123456.0, "123456"),
            (0.0, "0"),
        ];
        for (x, printed) in cases {
            assert_eq!(js_number(x), printed);
        }
    }

    #[test]
    fn unknown_option_is_named_with_the_valid_ones() {
        let err = create("sgd", &json!({"lr": 0.1, "momentun": 0.9}), &[vec![2]]).err().unwrap();
        assert_eq!(
            err.to_string(),
            "Unknown option 'momentun' for sgd; valid options: lr, momentum, dampening, weight_decay, nesterov, maximize"
        );
    }

    #[test]
    fn wrong_types_are_reported() {
        let err = create("sgd", &json!({"lr": "fast"}), &[vec![2]]).err().unwrap();
        assert_eq!(err.to_string(), "Option 'lr' must be a number, got \"fast\"");
        let err = create("adam", &json!({"betas": [0.9]}), &[vec![2]]).err().unwrap();
        assert_eq!(err.to_string(), "Option 'betas' must be a pair of numbers [a, b], got [0.9]");
        let err = create("sgd", &json!({"nesterov": 1}), &[vec![2]]).err().unwrap();
        assert_eq!(err.to_string(), "Option 'nesterov' must be true or false, got 1");
    }

    #[test]
    fn unknown_optimizer_lists_the_registry() {
        let err = create("adamm", &json!({}), &[]).err().unwrap();
        assert!(err.to_string().starts_with("Unknown optimizer 'adamm'; known: sgd, adagrad,"));
    }

    #[test]
    fn param_groups_put_unlisted_tensors_in_a_last_default_group() {
        let options = json!({"lr": 0.1, "param_groups": [{"params": [2], "lr": 0.5}]});
        let opt = create("sgd", &options, &[vec![1], vec![1], vec![1]]).unwrap();
        assert_eq!(opt.group_count(), 2);
        assert_eq!((opt.lr(0), opt.lr(1)), (0.5, 0.1));
        let twice = json!({"param_groups": [{"params": [0]}, {"params": [0]}]});
        assert_eq!(
            create("sgd", &twice, &[vec![1]]).err().unwrap().to_string(),
            "param_groups: some parameters appear in more than one parameter group"
        );
        let out_of_range = json!({"param_groups": [{"params": [3]}]});
        assert_eq!(
            create("sgd", &out_of_range, &[vec![1]]).err().unwrap().to_string(),
            "param_groups: group 0: 3 is not a tensor index (0..1)"
        );
    }

    #[test]
    fn describe_lists_every_optimizer_with_its_valid_options_and_defaults() {
        let described = describe().unwrap();
        let optimizers = described.as_array().unwrap();
        assert_eq!(
            optimizers.iter().map(|o| o["name"].as_str().unwrap()).collect::<Vec<_>>(),
            names().collect::<Vec<_>>()
        );
        let options = |name: &str| -> Vec<(String, Value)> {
            let entry = optimizers.iter().find(|o| o["name"] == name).unwrap();
            entry["options"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| (o["name"].as_str().unwrap().to_string(), o["default"].clone()))
                .collect()
        };
        // The names are those of the "valid options" error, so the two can never disagree.
        for name in names() {
            let listed: Vec<String> = options(name).into_iter().map(|(option, _)| option).collect();
            let err = create(name, &json!({"no_such_option": 1}), &[]).err().unwrap().to_string();
            assert_eq!(
                err,
                format!("Unknown option 'no_such_option' for {name}; valid options: {}", listed.join(", "))
            );
        }
        let adam = json!([
            ["lr", 0.001],
            ["betas", [0.9, 0.999]],
            ["eps", 1e-8],
            ["weight_decay", 0.0],
            ["amsgrad", false],
            ["maximize", false],
            ["decoupled_weight_decay", false]
        ]);
        let as_pairs = |name: &str| Value::Array(options(name).into_iter().map(|(o, d)| json!([o, d])).collect());
        assert_eq!(as_pairs("adam"), adam);
        assert_eq!(as_pairs("adamw")[3], json!(["weight_decay", 0.01]));
        assert_eq!(as_pairs("lbfgs")[2], json!(["max_eval", null]));
        assert_eq!(as_pairs("lbfgs")[5], json!(["history_size", 100]));
        assert_eq!(as_pairs("muon")[4], json!(["ns_coefficients", [3.4445, -4.775, 2.0315]]));
        assert_eq!(as_pairs("lion")[0], json!(["learning_rate", null]));
        assert_eq!(as_pairs("cocob")[1], json!(["lr", 1.0]));
        assert_eq!(as_pairs("notebook_momentum"), json!([["lr", 0.01], ["momentum", 0.9]]));
    }

    #[test]
    fn step_refuses_slots_of_the_wrong_size() {
        let mut opt = create("sgd", &json!({}), &[vec![2, 2]]).unwrap();
        let (mut p, g) = (vec![0.0; 3], vec![0.0; 3]);
        let err = opt.step(&mut [Slot { param: &mut p, grad: &g }]).unwrap_err();
        assert_eq!(err.to_string(), "optimizer step: tensor 0 has 3 values and 3 gradients, its shape [2, 2] has 4");
    }
}
