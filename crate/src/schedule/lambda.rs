//! LambdaLR and MultiplicativeLR: the lr from a function `lr_lambda` of the schedule's step count `epoch`.
//! Python passes a callable; here `lr_lambda` is an expression of `epoch` in the language of `expression`
//! (`"1 / (1 + 0.1 * epoch)"`), a constant, or a table of its values at epochs 0, 1, 2, … (what the
//! TypeScript side makes of a JavaScript function, evaluated on the calling thread since workers cannot
//! receive functions), or a list of those with one per param group.
use super::expression::Expression;
use super::{Options, Schedule, ScheduleError};
use serde_json::Value;

/// One param group's `lr_lambda`.
#[derive(Clone)]
pub enum Lambda {
    Expression(Expression),
    Table(Vec<f64>),
}

const EXPECTED: &str =
    "an expression of epoch (a string), a number, a table of numbers (its values at epochs 0, 1, …), or a list of those with one per param group";

impl Lambda {
    fn from_json(value: &Value) -> Result<Lambda, ScheduleError> {
        let wrong_type =
            || ScheduleError::WrongType { option: "lr_lambda".into(), expected: EXPECTED, got: value.to_string() };
        match value {
            Value::String(source) => Expression::parse(source)
                .map(Lambda::Expression)
                .map_err(|error| ScheduleError::InvalidValue(format!("lr_lambda: {error}"))),
            Value::Number(number) => Ok(Lambda::Table(vec![number.as_f64().ok_or_else(wrong_type)?])),
            Value::Array(items) if items.is_empty() => {
                Err(ScheduleError::InvalidValue("lr_lambda: the table is empty; it needs the value at epoch 0".into()))
            }
            Value::Array(items) => items
                .iter()
                .map(|item| item.as_f64().ok_or_else(wrong_type))
                .collect::<Result<_, _>>()
                .map(Lambda::Table),
            _ => Err(wrong_type()),
        }
    }

    /// A single number stands for the same value at every epoch.
    fn is_constant(&self) -> bool {
        matches!(self, Lambda::Table(values) if values.len() == 1)
    }

    fn covers(&self, epoch: i64) -> Result<(), ScheduleError> {
        match self {
            Lambda::Table(values) if !self.is_constant() && epoch >= values.len() as i64 => {
                Err(ScheduleError::StepFailed(format!(
                    "lr_lambda's table has no value for epoch {epoch}: it holds {} values, for epochs 0 to {}",
                    values.len(),
                    values.len() - 1
                )))
            }
            _ => Ok(()),
        }
    }

    /// The value at `epoch` (≥ 0); `covers(epoch)` must have passed.
    fn at(&self, epoch: i64) -> f64 {
        match self {
            Lambda::Expression(expression) => expression.evaluate(epoch as f64),
            Lambda::Table(values) if values.len() == 1 => values[0],
            Lambda::Table(values) => values[epoch as usize],
        }
    }
}

/// `lr_lambda` as one function for every group, or a list with one per group (torch's message when the count differs).
fn read_lambdas(options: &Options, groups: usize) -> Result<Vec<Lambda>, ScheduleError> {
    let value = options
        .raw("lr_lambda")
        .ok_or(ScheduleError::MissingOption { schedule: options.schedule, option: "lr_lambda" })?;
    match value {
        // A list of expressions or of tables: one per param group.
        Value::Array(items) if items.iter().any(|item| item.is_string() || item.is_array()) => {
            if items.len() != groups {
                return Err(ScheduleError::InvalidValue(format!(
                    "Expected {groups} lr_lambdas, but got {}",
                    items.len()
                )));
            }
            items.iter().map(Lambda::from_json).collect()
        }
        _ => Ok(vec![Lambda::from_json(value)?; groups]),
    }
}

fn check_all(lambdas: &[Lambda], epoch: i64) -> Result<(), ScheduleError> {
    lambdas.iter().try_for_each(|lambda| lambda.covers(epoch))
}

/// LambdaLR: lr = initial lr · λ(epoch) (torch.optim.lr_scheduler.LambdaLR).
pub struct LambdaLr {
    lambdas: Vec<Lambda>,
    base_lrs: Vec<f64>,
    lrs: Vec<f64>,
    last_epoch: i64,
}

impl LambdaLr {
    pub const OPTIONS: &'static [&'static str] = &["lr_lambda"];

    pub(crate) fn new(options: &Options, base_lrs: &[f64]) -> Result<Self, ScheduleError> {
        let lambdas = read_lambdas(options, base_lrs.len())?;
        check_all(&lambdas, 0)?;
        let lrs = base_lrs.iter().zip(&lambdas).map(|(base_lr, lambda)| base_lr * lambda.at(0)).collect();
        Ok(LambdaLr { lambdas, base_lrs: base_lrs.to_vec(), lrs, last_epoch: 0 })
    }
}

impl Schedule for LambdaLr {
    fn name(&self) -> &str {
        "LambdaLR"
    }
    fn lrs(&self) -> &[f64] {
        &self.lrs
    }
    fn lrs_mut(&mut self) -> &mut [f64] {
        &mut self.lrs
    }
    /// Computed from the initial lr alone, whatever lr is in force.
    fn start_from(&mut self, _current: &[f64]) {}
    fn step(&mut self, _metric: Option<f64>) -> Result<(), ScheduleError> {
        check_all(&self.lambdas, self.last_epoch + 1)?;
        self.last_epoch += 1;
        for ((lr, base_lr), lambda) in self.lrs.iter_mut().zip(&self.base_lrs).zip(&self.lambdas) {
            *lr = base_lr * lambda.at(self.last_epoch);
        }
        Ok(())
    }
}

/// MultiplicativeLR: lr ← lr · λ(epoch) at every step after the first (torch.optim.lr_scheduler.MultiplicativeLR).
pub struct MultiplicativeLr {
    lambdas: Vec<Lambda>,
    lrs: Vec<f64>,
    last_epoch: i64,
}

impl MultiplicativeLr {
    pub const OPTIONS: &'static [&'static str] = &["lr_lambda"];

    pub(crate) fn new(options: &Options, base_lrs: &[f64]) -> Result<Self, ScheduleError> {
        Ok(MultiplicativeLr { lambdas: read_lambdas(options, base_lrs.len())?, lrs: base_lrs.to_vec(), last_epoch: 0 })
    }
}

impl Schedule for MultiplicativeLr {
    fn name(&self) -> &str {
        "MultiplicativeLR"
    }
    fn lrs(&self) -> &[f64] {
        &self.lrs
    }
    fn lrs_mut(&mut self) -> &mut [f64] {
        &mut self.lrs
    }
    /// torch has no closed form here: `get_lr` at epoch 0 outside the initial step scales the lr in force by λ(0).
    fn restart_from(&mut self, current: &[f64]) -> Result<(), ScheduleError> {
        check_all(&self.lambdas, 0)?;
        for ((lr, current), lambda) in self.lrs.iter_mut().zip(current).zip(&self.lambdas) {
            *lr = current * lambda.at(0);
        }
        Ok(())
    }
    fn step(&mut self, _metric: Option<f64>) -> Result<(), ScheduleError> {
        check_all(&self.lambdas, self.last_epoch + 1)?;
        self.last_epoch += 1;
        for (lr, lambda) in self.lrs.iter_mut().zip(&self.lambdas) {
            *lr *= lambda.at(self.last_epoch);
        }
        Ok(())
    }
}
