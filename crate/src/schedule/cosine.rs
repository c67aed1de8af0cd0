//! Cosine annealing: CosineAnnealingLR (torch's recursive form) and CosineAnnealingWarmRestarts (SGDR).
//! η_t = η_min + (η_max − η_min)·(1 + cos(π·T_cur/T_i))/2.
use super::{format_number, positive_integer, Options, Schedule, ScheduleError};
use serde_json::Value;
use std::f64::consts::PI;

/// CosineAnnealingLR, updated recursively as torch's `get_lr` does:
/// lr ← (1 + cos(πt/T))/(1 + cos(π(t−1)/T))·(lr − η_min) + η_min, bumped back up at each restart point.
pub struct CosineAnnealingLr {
    t_max: i64,
    eta_min: f64,
    base_lrs: Vec<f64>,
    lrs: Vec<f64>,
    last_epoch: i64,
}

impl CosineAnnealingLr {
    pub const OPTIONS: &'static [&'static str] = &["T_max", "eta_min"];

    pub(crate) fn new(options: &Options, base_lrs: &[f64]) -> Result<Self, ScheduleError> {
        let t_max = options.required_integer("T_max")?;
        // torch would fail with a modulo by zero on the first step; reject it up front instead.
        if t_max == 0 {
            return Err(ScheduleError::InvalidValue("Expected non-zero integer T_max, but got 0".into()));
        }
        Ok(CosineAnnealingLr {
            t_max,
            eta_min: options.float("eta_min", 0.0)?,
            base_lrs: base_lrs.to_vec(),
            lrs: base_lrs.to_vec(),
            last_epoch: 0,
        })
    }
}

impl Schedule for CosineAnnealingLr {
    fn name(&self) -> &str {
        "CosineAnnealingLR"
    }
    fn lrs(&self) -> &[f64] {
        &self.lrs
    }
    fn lrs_mut(&mut self) -> &mut [f64] {
        &mut self.lrs
    }
    /// torch's closed form at epoch 0: η_min + (base − η_min)·(1 + cos 0)/2, which may differ from base in the last bit.
    fn restart_from(&mut self, _current: &[f64]) -> Result<(), ScheduleError> {
        for (lr, base_lr) in self.lrs.iter_mut().zip(&self.base_lrs) {
            *lr = self.eta_min + (base_lr - self.eta_min) * (1.0 + 0f64.cos()) / 2.0;
        }
        Ok(())
    }
    fn step(&mut self, _metric: Option<f64>) -> Result<(), ScheduleError> {
        self.last_epoch += 1;
        let (epoch, t_max) = (self.last_epoch as f64, self.t_max as f64);
        if (self.last_epoch - 1 - self.t_max).rem_euclid(2 * self.t_max) == 0 {
            for (lr, base_lr) in self.lrs.iter_mut().zip(&self.base_lrs) {
                *lr += (base_lr - self.eta_min) * (1.0 - (PI / t_max).cos()) / 2.0;
            }
        } else {
            let ratio = (1.0 + (PI * epoch / t_max).cos()) / (1.0 + (PI * (epoch - 1.0) / t_max).cos());
            for lr in self.lrs.iter_mut() {
                *lr = ratio * (*lr - self.eta_min) + self.eta_min;
            }
        }
        Ok(())
    }
}

/// CosineAnnealingWarmRestarts (SGDR): closed form in T_cur, the period T_i grows by T_mult at each restart.
pub struct CosineAnnealingWarmRestarts {
    t_i: i64,
    t_mult: i64,
    t_cur: i64,
    eta_min: f64,
    base_lrs: Vec<f64>,
    lrs: Vec<f64>,
}

impl CosineAnnealingWarmRestarts {
    pub const OPTIONS: &'static [&'static str] = &["T_0", "T_mult", "eta_min"];

    pub(crate) fn new(options: &Options, base_lrs: &[f64]) -> Result<Self, ScheduleError> {
        let t_0 = match options.raw("T_0") {
            None => {
                return Err(ScheduleError::MissingOption { schedule: "CosineAnnealingWarmRestarts", option: "T_0" })
            }
            Some(value) => positive_integer(value).ok_or_else(|| {
                ScheduleError::InvalidValue(format!("Expected positive integer T_0, but got {}", format_number(value)))
            })?,
        };
        let t_mult = match options.raw("T_mult") {
            None => 1,
            Some(value) => positive_integer(value).ok_or_else(|| {
                ScheduleError::InvalidValue(format!("Expected integer T_mult >= 1, but got {}", format_number(value)))
            })?,
        };
        let eta_min = match options.raw("eta_min") {
            None => 0.0,
            Some(value) => value.as_f64().ok_or_else(|| {
                ScheduleError::InvalidValue(format!(
                    "Expected float or int eta_min, but got {} of type <class '{}'>",
                    format_number(value),
                    python_type_name(value)
                ))
            })?,
        };
        let mut schedule = CosineAnnealingWarmRestarts {
            t_i: t_0,
            t_mult,
            t_cur: 0,
            eta_min,
            base_lrs: base_lrs.to_vec(),
            lrs: base_lrs.to_vec(),
        };
        schedule.update_lrs();
        Ok(schedule)
    }

    fn update_lrs(&mut self) {
        let cosine = 1.0 + (PI * self.t_cur as f64 / self.t_i as f64).cos();
        for (lr, base_lr) in self.lrs.iter_mut().zip(&self.base_lrs) {
            *lr = self.eta_min + (base_lr - self.eta_min) * cosine / 2.0;
        }
    }
}

impl Schedule for CosineAnnealingWarmRestarts {
    fn name(&self) -> &str {
        "CosineAnnealingWarmRestarts"
    }
    fn lrs(&self) -> &[f64] {
        &self.lrs
    }
    fn lrs_mut(&mut self) -> &mut [f64] {
        &mut self.lrs
    }
    /// Computed from its own options alone, whatever lr is in force.
    fn start_from(&mut self, _current: &[f64]) {}
    fn step(&mut self, _metric: Option<f64>) -> Result<(), ScheduleError> {
        self.t_cur += 1;
        if self.t_cur >= self.t_i {
            self.t_cur %= self.t_i;
            self.t_i = self.t_i.saturating_mul(self.t_mult);
        }
        self.update_lrs();
        Ok(())
    }
}

fn python_type_name(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "str",
        Value::Bool(_) => "bool",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
        Value::Null => "NoneType",
        Value::Number(_) => "float",
    }
}
