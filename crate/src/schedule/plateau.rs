//! ReduceLROnPlateau (torch.optim.lr_scheduler.ReduceLROnPlateau): lr ← max(lr·factor, min_lr) once
//! the monitored metric has not improved by `threshold` for more than `patience` steps.
use super::{Options, Schedule, ScheduleError, Stepping};
use crate::optim::js_number;
use serde_json::Value;

pub struct ReduceLrOnPlateau {
    maximize: bool,
    relative_threshold: bool,
    factor: f64,
    patience: i64,
    threshold: f64,
    cooldown: i64,
    min_lrs: Vec<f64>,
    eps: f64,
    best: f64,
    num_bad_epochs: i64,
    cooldown_counter: i64,
    lrs: Vec<f64>,
}

impl ReduceLrOnPlateau {
    pub const OPTIONS: &'static [&'static str] =
        &["mode", "factor", "patience", "threshold", "threshold_mode", "cooldown", "min_lr", "eps"];

    pub(crate) fn new(options: &Options, base_lrs: &[f64]) -> Result<Self, ScheduleError> {
        let factor = options.float("factor", 0.1)?;
        if factor >= 1.0 {
            return Err(ScheduleError::InvalidValue(format!(
                "Factor should be < 1.0, but got factor={}",
                js_number(factor)
            )));
        }
        let groups = base_lrs.len();
        // torch's own message for a min_lr list of the wrong length (not the generic per-group one).
        if let Some(Value::Array(items)) = options.raw("min_lr") {
            if items.len() != groups {
                return Err(ScheduleError::InvalidValue(format!("expected {groups} min_lrs, got {}", items.len())));
            }
        }
        let min_lrs = options.per_group("min_lr", Some(0.0), groups)?;
        let mode = options.text("mode", "min")?;
        if mode != "min" && mode != "max" {
            return Err(ScheduleError::InvalidValue(format!("mode {mode} is unknown!")));
        }
        let threshold_mode = options.text("threshold_mode", "rel")?;
        if threshold_mode != "rel" && threshold_mode != "abs" {
            return Err(ScheduleError::InvalidValue(format!("threshold mode {threshold_mode} is unknown!")));
        }
        let maximize = mode == "max";
        Ok(ReduceLrOnPlateau {
            maximize,
            relative_threshold: threshold_mode == "rel",
            factor,
            patience: options.integer("patience", 10)?,
            threshold: options.float("threshold", 1e-4)?,
            cooldown: options.integer("cooldown", 0)?,
            min_lrs,
            eps: options.float("eps", 1e-8)?,
            best: if maximize { f64::NEG_INFINITY } else { f64::INFINITY },
            num_bad_epochs: 0,
            cooldown_counter: 0,
            lrs: base_lrs.to_vec(),
        })
    }

    fn is_better(&self, current: f64) -> bool {
        match (self.maximize, self.relative_threshold) {
            (false, true) => current < self.best * (1.0 - self.threshold),
            (false, false) => current < self.best - self.threshold,
            (true, true) => current > self.best * (self.threshold + 1.0),
            (true, false) => current > self.best + self.threshold,
        }
    }
}

impl Schedule for ReduceLrOnPlateau {
    fn name(&self) -> &str {
        "ReduceLROnPlateau"
    }
    fn lrs(&self) -> &[f64] {
        &self.lrs
    }
    fn lrs_mut(&mut self) -> &mut [f64] {
        &mut self.lrs
    }
    fn stepping(&self) -> Stepping {
        Stepping::OnMetric
    }
    fn step(&mut self, metric: Option<f64>) -> Result<(), ScheduleError> {
        let current = metric.ok_or(ScheduleError::MissingMetric)?;
        if self.is_better(current) {
            self.best = current;
            self.num_bad_epochs = 0;
        } else {
            self.num_bad_epochs += 1;
        }
        if self.cooldown_counter > 0 {
            self.cooldown_counter -= 1;
            // Bad steps during cooldown do not count.
            self.num_bad_epochs = 0;
        }
        if self.num_bad_epochs > self.patience {
            for (lr, min_lr) in self.lrs.iter_mut().zip(&self.min_lrs) {
                let reduced = (*lr * self.factor).max(*min_lr);
                // Reductions smaller than eps are ignored.
                if *lr - reduced > self.eps {
                    *lr = reduced;
                }
            }
            self.cooldown_counter = self.cooldown;
            self.num_bad_epochs = 0;
        }
        Ok(())
    }
}
