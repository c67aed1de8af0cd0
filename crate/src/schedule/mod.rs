//! Learning-rate schedules with torch.optim.lr_scheduler semantics: option names, defaults, validation
//! messages and the chainable (recursive) update formulas of each `get_lr`, computed in f64 as Python does.
//!
//! Usage mirrors torch: build the schedule after the optimizer (the lr it reports for step 1 is already
//! scheduled, e.g. LinearLR's `start_factor * lr`), run an optimizer step with `lr(group)`, then call
//! `step`. ReduceLROnPlateau needs the monitored metric in `step`; the others ignore it. OneCycleLR and
//! CyclicLR also cycle the momentum (SGD's `momentum`, Adam-like optimizers' beta1); the caller copies
//! `momentum(group)` into the optimizer, as torch's scheduler writes `group["momentum"]`/`group["betas"]`.
//!
//! SequentialLR and ChainedScheduler compose schedules given as `schedulers: [{ name, ...options }, …]`
//! (see `composite`, which also defines ReduceLROnPlateau inside SequentialLR); LambdaLR and
//! MultiplicativeLR take `lr_lambda` as an expression of `epoch` or a table (see `lambda`).
mod composite;
mod cosine;
mod cyclic;
mod decay;
pub mod expression;
mod factor;
mod lambda;
mod one_cycle;
mod plateau;

use crate::options::{JsonOptions, OptionError, OptionValue};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;

pub use composite::{ChainedScheduler, SequentialLr};
pub use cosine::{CosineAnnealingLr, CosineAnnealingWarmRestarts};
pub use cyclic::CyclicLr;
pub use decay::{ExponentialLr, MultiStepLr, PolynomialLr, StepLr};
pub use factor::{ConstantLr, LinearLr};
pub use lambda::{LambdaLr, MultiplicativeLr};
pub use one_cycle::OneCycleLr;
pub use plateau::ReduceLrOnPlateau;

pub trait Schedule {
    /// The torch class name ("StepLR", "ReduceLROnPlateau", …).
    fn name(&self) -> &str;
    /// The lr in force for the next optimizer step, one per parameter group (as torch's param_groups).
    fn lrs(&self) -> &[f64];
    /// Number of parameter groups the schedule drives.
    fn group_count(&self) -> usize {
        self.lrs().len()
    }
    /// The lr in force for the next optimizer step of `group`.
    fn lr(&self, group: usize) -> f64 {
        self.lrs()[group]
    }
    /// The momentum (or beta1) the schedule wants for `group`, for schedules that cycle it.
    fn momentum(&self, _group: usize) -> Option<f64> {
        None
    }
    /// Advance one step (torch's `scheduler.step()`, called after each optimizer step).
    /// `metric` is the monitored quantity for ReduceLROnPlateau and ignored by the others.
    fn step(&mut self, metric: Option<f64>) -> Result<(), ScheduleError>;
    /// The lr in force, writable: torch's schedulers read and write the optimizer's shared
    /// `param_groups[i]["lr"]`; a composite hands each inner schedule the lr in force through this before
    /// stepping it, so that chainable updates compose as in torch.
    fn lrs_mut(&mut self) -> &mut [f64];
    /// torch's initial step taken from the lr in force `current`, as for a schedule built after another on
    /// the same optimizer (ChainedScheduler): chainable schedules start from `current` (LinearLR and
    /// ConstantLR scale it); those with their own formula ignore it.
    fn start_from(&mut self, current: &[f64]) {
        self.lrs_mut().copy_from_slice(current);
    }
    /// SequentialLR's hand-over at a milestone (torch's `_update_lr(0)`) to this schedule, never stepped
    /// before: its closed form at epoch 0 from the initial lr where torch has one, which is the lr it was
    /// built with; `current` is the lr in force, which the schedules without a closed form start from.
    fn restart_from(&mut self, _current: &[f64]) -> Result<(), ScheduleError> {
        Ok(())
    }
    /// How a training run steps it.
    fn stepping(&self) -> Stepping {
        Stepping::EveryStep
    }
}

/// How the Trainer (and `curve`) step a schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stepping {
    /// After every optimizer step, without a metric (torch's per-iteration schedulers).
    EveryStep,
    /// Only with a metric (ReduceLROnPlateau): the Trainer steps it at each epoch's last step with the
    /// epoch's mean training loss.
    OnMetric,
    /// After every optimizer step, with the metric at each epoch's last step (SequentialLR holding a
    /// ReduceLROnPlateau).
    EveryStepWithMetric,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ScheduleError {
    /// Torch's own ValueError wording for a rejected option value.
    InvalidValue(String),
    UnknownSchedule(String),
    UnknownOption {
        schedule: &'static str,
        option: String,
        valid: &'static [&'static str],
    },
    MissingOption {
        schedule: &'static str,
        option: &'static str,
    },
    /// A value of another type than the option's; `got` is the value as JSON.
    WrongType {
        option: String,
        expected: &'static str,
        got: String,
    },
    MissingMetric,
    /// Error torch raises while stepping (OneCycleLR past its total steps, ConstantLR factor 0).
    StepFailed(String),
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScheduleError::InvalidValue(message) | ScheduleError::StepFailed(message) => f.write_str(message),
            ScheduleError::UnknownSchedule(name) => write!(
                f,
                "Unknown lr schedule: {name}; valid schedules: {} (or their short names: {})",
                SCHEDULE_NAMES.join(", "),
                SHORT_NAMES.iter().map(|(short, _)| *short).collect::<Vec<_>>().join(", ")
            ),
            ScheduleError::UnknownOption { schedule, option, valid } => {
                write!(f, "{schedule} got an unexpected option '{option}'; valid options: {}", valid.join(", "))
            }
            // Python's own TypeError for a missing required argument.
            ScheduleError::MissingOption { schedule, option } => {
                write!(f, "{schedule}.__init__() missing 1 required positional argument: '{option}'")
            }
            ScheduleError::WrongType { option, expected, got } => write!(f, "{option} must be {expected}, got {got}"),
            ScheduleError::MissingMetric => {
                f.write_str("ReduceLROnPlateau.step() missing 1 required positional argument: 'metrics'")
            }
        }
    }
}

impl std::error::Error for ScheduleError {}

const SCHEDULE_NAMES: &[&str] = &[
    "StepLR",
    "MultiStepLR",
    "ExponentialLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "LinearLR",
    "ConstantLR",
    "PolynomialLR",
    "OneCycleLR",
    "CyclicLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "ChainedScheduler",
    "LambdaLR",
    "MultiplicativeLR",
];

/// Short names for the command line and plots (the cases of test/fixtures/torch-lr-schedules.json).
const SHORT_NAMES: &[(&str, &str)] = &[
    ("step", "StepLR"),
    ("multistep", "MultiStepLR"),
    ("exponential", "ExponentialLR"),
    ("cosine", "CosineAnnealingLR"),
    ("cosine_restarts", "CosineAnnealingWarmRestarts"),
    ("linear", "LinearLR"),
    ("constant", "ConstantLR"),
    ("polynomial", "PolynomialLR"),
    ("onecycle", "OneCycleLR"),
    ("cyclic", "CyclicLR"),
    ("plateau", "ReduceLROnPlateau"),
    ("sequential", "SequentialLR"),
    ("chained", "ChainedScheduler"),
    ("lambda", "LambdaLR"),
    ("multiplicative", "MultiplicativeLR"),
];

/// The torch class name of a schedule named by its class name (any case) or its short name.
pub fn canonical_name(name: &str) -> Option<&'static str> {
    SCHEDULE_NAMES
        .iter()
        .find(|known| known.eq_ignore_ascii_case(name))
        .or_else(|| SHORT_NAMES.iter().find(|(short, _)| short.eq_ignore_ascii_case(name)).map(|(_, known)| known))
        .copied()
}

/// The longest curve `curve` computes (128 MiB of f64).
pub const MAX_CURVE_STEPS: usize = 1 << 24;

/// The lr of each of `steps` optimizer steps for a single param group starting at `base_lr` (torch's loop:
/// read the lr, step the optimizer, `scheduler.step()`), for plotting a schedule on its own.
/// ReduceLROnPlateau (alone or inside SequentialLR) takes `metrics[k]` after step k+1 and needs one per
/// step but the last; the others ignore them.
pub fn curve(
    name: &str,
    options: &Value,
    base_lr: f64,
    steps: usize,
    metrics: Option<&[f64]>,
) -> Result<Vec<f64>, ScheduleError> {
    if steps > MAX_CURVE_STEPS {
        return Err(ScheduleError::InvalidValue(format!("steps must be at most {MAX_CURVE_STEPS}, got {steps}")));
    }
    let mut schedule = create(name, options, &[base_lr])?;
    let needs_metrics = schedule.stepping() != Stepping::EveryStep;
    if needs_metrics && metrics.is_none_or(|m| m.len() + 1 < steps) {
        return Err(ScheduleError::InvalidValue(format!(
            "{} needs a metric after each step but the last: {} steps, {} metrics",
            schedule.name(),
            steps,
            metrics.map_or(0, <[f64]>::len)
        )));
    }
    let mut lrs = Vec::with_capacity(steps);
    for step in 0..steps {
        lrs.push(schedule.lr(0));
        // No scheduler.step() after the last step: its lr would not be used (and OneCycleLR would refuse it).
        if step + 1 < steps {
            schedule.step(metrics.filter(|_| needs_metrics).map(|m| m[step]))?;
        }
    }
    Ok(lrs)
}

/// Build a schedule by torch class name (case-insensitive: "StepLR" or "steplr") or short name ("step", "onecycle").
/// `options` is a JSON object of the scheduler's keyword arguments (lists for per-group values);
/// `base_lrs` holds each param group's lr when the schedule is created (torch's `initial_lr`).
pub fn create(name: &str, options: &Value, base_lrs: &[f64]) -> Result<Box<dyn Schedule>, ScheduleError> {
    let canonical = canonical_name(name).ok_or_else(|| ScheduleError::UnknownSchedule(name.to_string()))?;
    let empty = Map::new();
    let object = match options {
        Value::Object(map) => map,
        Value::Null => &empty,
        _ => {
            return Err(ScheduleError::WrongType {
                option: "options".into(),
                expected: "an object",
                got: options.to_string(),
            })
        }
    };
    Ok(match canonical {
        "StepLR" => Box::new(StepLr::new(&Options::new("StepLR", object, StepLr::OPTIONS)?, base_lrs)?),
        "MultiStepLR" => {
            Box::new(MultiStepLr::new(&Options::new("MultiStepLR", object, MultiStepLr::OPTIONS)?, base_lrs)?)
        }
        "ExponentialLR" => {
            Box::new(ExponentialLr::new(&Options::new("ExponentialLR", object, ExponentialLr::OPTIONS)?, base_lrs)?)
        }
        "PolynomialLR" => {
            Box::new(PolynomialLr::new(&Options::new("PolynomialLR", object, PolynomialLr::OPTIONS)?, base_lrs)?)
        }
        "LinearLR" => Box::new(LinearLr::new(&Options::new("LinearLR", object, LinearLr::OPTIONS)?, base_lrs)?),
        "ConstantLR" => Box::new(ConstantLr::new(&Options::new("ConstantLR", object, ConstantLr::OPTIONS)?, base_lrs)?),
        "CosineAnnealingLR" => Box::new(CosineAnnealingLr::new(
            &Options::new("CosineAnnealingLR", object, CosineAnnealingLr::OPTIONS)?,
            base_lrs,
        )?),
        "CosineAnnealingWarmRestarts" => Box::new(CosineAnnealingWarmRestarts::new(
            &Options::new("CosineAnnealingWarmRestarts", object, CosineAnnealingWarmRestarts::OPTIONS)?,
            base_lrs,
        )?),
        "OneCycleLR" => Box::new(OneCycleLr::new(&Options::new("OneCycleLR", object, OneCycleLr::OPTIONS)?, base_lrs)?),
        "CyclicLR" => Box::new(CyclicLr::new(&Options::new("CyclicLR", object, CyclicLr::OPTIONS)?, base_lrs)?),
        "SequentialLR" => {
            Box::new(SequentialLr::new(&Options::new("SequentialLR", object, SequentialLr::OPTIONS)?, base_lrs)?)
        }
        "ChainedScheduler" => Box::new(ChainedScheduler::new(
            &Options::new("ChainedScheduler", object, ChainedScheduler::OPTIONS)?,
            base_lrs,
        )?),
        "LambdaLR" => Box::new(LambdaLr::new(&Options::new("LambdaLR", object, LambdaLr::OPTIONS)?, base_lrs)?),
        "MultiplicativeLR" => Box::new(MultiplicativeLr::new(
            &Options::new("MultiplicativeLR", object, MultiplicativeLr::OPTIONS)?,
            base_lrs,
        )?),
        _ => Box::new(ReduceLrOnPlateau::new(
            &Options::new("ReduceLROnPlateau", object, ReduceLrOnPlateau::OPTIONS)?,
            base_lrs,
        )?),
    })
}

/// A schedule from its spec `{ "name": …, ...options }` (the Trainer's `schedule` and a composite's `schedulers`).
pub fn create_from_spec(spec: &Value, base_lrs: &[f64]) -> Result<Box<dyn Schedule>, ScheduleError> {
    let Some((name, options)) = spec.as_object().and_then(|object| {
        let name = object.get("name")?.as_str()?;
        Some((name, object.iter().filter(|(key, _)| *key != "name").map(|(k, v)| (k.clone(), v.clone())).collect()))
    }) else {
        return Err(ScheduleError::WrongType {
            option: "a schedule".into(),
            expected: "an object with a name, like {\"name\": \"StepLR\", \"step_size\": 10}",
            got: spec.to_string(),
        });
    };
    create(name, &Value::Object(options), base_lrs)
}

/// A scheduler's keyword arguments, read by the crate's options reader; `None` stands for the default,
/// as in Python.
pub(crate) struct Options<'a> {
    schedule: &'static str,
    values: JsonOptions<'a>,
}

impl<'a> Options<'a> {
    fn new(
        schedule: &'static str,
        values: &'a Map<String, Value>,
        valid: &'static [&'static str],
    ) -> Result<Self, ScheduleError> {
        let values =
            JsonOptions::new(Cow::Borrowed(values), valid).map_err(|error| refused(schedule, error))?.nulls_as_absent();
        Ok(Options { schedule, values })
    }

    fn read<T: OptionValue>(&self, key: &str, default: T) -> Result<T, ScheduleError> {
        self.values.get(key, default).map_err(|error| refused(self.schedule, error))
    }

    fn read_required<T: OptionValue>(&self, key: &'static str) -> Result<T, ScheduleError> {
        match self.values.optional(key) {
            Ok(Some(value)) => Ok(value),
            Ok(None) => Err(ScheduleError::MissingOption { schedule: self.schedule, option: key }),
            Err(error) => Err(refused(self.schedule, error)),
        }
    }

    pub(crate) fn float(&self, key: &str, default: f64) -> Result<f64, ScheduleError> {
        self.read(key, default)
    }

    pub(crate) fn required_float(&self, key: &'static str) -> Result<f64, ScheduleError> {
        self.read_required(key)
    }

    /// A whole number (torch's int options); anything else is a type error.
    pub(crate) fn integer(&self, key: &str, default: i64) -> Result<i64, ScheduleError> {
        self.read(key, default)
    }

    pub(crate) fn required_integer(&self, key: &'static str) -> Result<i64, ScheduleError> {
        self.read_required(key)
    }

    /// The raw JSON value, for options torch checks itself (e.g. "positive integer T_0").
    pub(crate) fn raw(&self, key: &str) -> Option<&Value> {
        self.values.value(key)
    }

    pub(crate) fn boolean(&self, key: &str, default: bool) -> Result<bool, ScheduleError> {
        self.read(key, default)
    }

    pub(crate) fn text(&self, key: &str, default: &'static str) -> Result<String, ScheduleError> {
        self.read(key, default.to_string())
    }

    pub(crate) fn integer_list(&self, key: &'static str) -> Result<Vec<i64>, ScheduleError> {
        self.read_required(key)
    }

    /// A float or a list with one float per param group (torch's `_format_param`).
    pub(crate) fn per_group(
        &self,
        key: &'static str,
        default: Option<f64>,
        groups: usize,
    ) -> Result<Vec<f64>, ScheduleError> {
        match self.values.value(key) {
            None => default
                .map(|value| vec![value; groups])
                .ok_or(ScheduleError::MissingOption { schedule: self.schedule, option: key }),
            Some(Value::Array(items)) => {
                if items.len() != groups {
                    return Err(ScheduleError::InvalidValue(format!(
                        "{key} must have the same length as optimizer.param_groups. {key} has {} values, param_groups has {groups}.",
                        items.len()
                    )));
                }
                items.iter().map(|item| as_float(key, item)).collect()
            }
            Some(value) => Ok(vec![as_float(key, value)?; groups]),
        }
    }
}

/// The reader's refusal in torch's words: "StepLR got an unexpected option 'gama'", 'gamma must be a number, got "fast"'.
fn refused(schedule: &'static str, error: OptionError) -> ScheduleError {
    match error {
        OptionError::Unknown { key, valid } => ScheduleError::UnknownOption { schedule, option: key, valid },
        OptionError::WrongType { key, expected, got } => ScheduleError::WrongType { option: key, expected, got },
    }
}

fn as_float(key: &str, value: &Value) -> Result<f64, ScheduleError> {
    f64::from_json(value).ok_or_else(|| ScheduleError::WrongType {
        option: key.to_string(),
        expected: f64::EXPECTED,
        got: value.to_string(),
    })
}

/// A whole number ≥ 1, as torch's `isinstance(x, int) and x > 0` checks accept it (T_0, total_steps).
pub(crate) fn positive_integer(value: &Value) -> Option<i64> {
    let number = value.as_f64()?;
    (number.fract() == 0.0 && (1.0..9.0e15).contains(&number)).then_some(number as i64)
}

/// A number as Python's f-string would print it for the messages torch formats, in JavaScript's
/// spelling (`1` for `1.0`), which is what the TypeScript side shows.
pub(crate) fn format_number(value: &Value) -> String {
    match value.as_f64() {
        Some(number) => crate::optim::js_number(number),
        None => match value {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        },
    }
}
