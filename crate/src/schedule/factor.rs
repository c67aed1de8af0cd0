//! Warm-up factors: LinearLR and ConstantLR scale the lr for the first `total_iters` steps.
//! Both mirror torch's chainable `get_lr` (a ratio applied to the lr in force).
use super::{Options, Schedule, ScheduleError};
use crate::optim::js_number;

/// LinearLR: factor goes linearly from `start_factor` to `end_factor` over `total_iters` steps
/// (torch.optim.lr_scheduler.LinearLR), applied as lr ← lr·(1 + Δ/(T·start + (t−1)·Δ)).
pub struct LinearLr {
    start_factor: f64,
    end_factor: f64,
    total_iters: i64,
    lrs: Vec<f64>,
    last_epoch: i64,
}

impl LinearLr {
    pub const OPTIONS: &'static [&'static str] = &["start_factor", "end_factor", "total_iters"];

    pub(crate) fn new(options: &Options, base_lrs: &[f64]) -> Result<Self, ScheduleError> {
        let start_factor = options.float("start_factor", 1.0 / 3.0)?;
        let end_factor = options.float("end_factor", 1.0)?;
        if start_factor > 1.0 || start_factor <= 0.0 {
            return Err(ScheduleError::InvalidValue(format!(
                "Starting multiplicative factor expected to be greater than 0 and less or equal to 1, but got \
                 start_factor={}",
                js_number(start_factor)
            )));
        }
        if !(0.0..=1.0).contains(&end_factor) {
            return Err(ScheduleError::InvalidValue(format!(
                "Ending multiplicative factor expected to be between 0 and 1, but got end_factor={}",
                js_number(end_factor)
            )));
        }
        Ok(LinearLr {
            start_factor,
            end_factor,
            total_iters: options.integer("total_iters", 5)?,
            lrs: base_lrs.iter().map(|lr| lr * start_factor).collect(),
            last_epoch: 0,
        })
    }
}

impl Schedule for LinearLr {
    fn name(&self) -> &str {
        "LinearLR"
    }
    fn lrs(&self) -> &[f64] {
        &self.lrs
    }
    fn lrs_mut(&mut self) -> &mut [f64] {
        &mut self.lrs
    }
    fn start_from(&mut self, current: &[f64]) {
        for (lr, current) in self.lrs.iter_mut().zip(current) {
            *lr = current * self.start_factor;
        }
    }
    fn step(&mut self, _metric: Option<f64>) -> Result<(), ScheduleError> {
        self.last_epoch += 1;
        if self.last_epoch > self.total_iters {
            return Ok(());
        }
        let delta = self.end_factor - self.start_factor;
        let ratio = 1.0 + delta / (self.total_iters as f64 * self.start_factor + (self.last_epoch - 1) as f64 * delta);
        self.lrs.iter_mut().for_each(|lr| *lr *= ratio);
        Ok(())
    }
}

/// ConstantLR: lr·factor for the first `total_iters` steps, then lr (torch.optim.lr_scheduler.ConstantLR).
pub struct ConstantLr {
    factor: f64,
    total_iters: i64,
    lrs: Vec<f64>,
    last_epoch: i64,
}

impl ConstantLr {
    pub const OPTIONS: &'static [&'static str] = &["factor", "total_iters"];

    pub(crate) fn new(options: &Options, base_lrs: &[f64]) -> Result<Self, ScheduleError> {
        let factor = options.float("factor", 1.0 / 3.0)?;
        if !(0.0..=1.0).contains(&factor) {
            return Err(ScheduleError::InvalidValue(format!(
                "Constant multiplicative factor expected to be between 0 and 1, but got factor={}",
                js_number(factor)
            )));
        }
        Ok(ConstantLr {
            factor,
            total_iters: options.integer("total_iters", 5)?,
            lrs: base_lrs.iter().map(|lr| lr * factor).collect(),
            last_epoch: 0,
        })
    }
}

impl Schedule for ConstantLr {
    fn name(&self) -> &str {
        "ConstantLR"
    }
    fn lrs(&self) -> &[f64] {
        &self.lrs
    }
    fn lrs_mut(&mut self) -> &mut [f64] {
        &mut self.lrs
    }
    fn start_from(&mut self, current: &[f64]) {
        for (lr, current) in self.lrs.iter_mut().zip(current) {
            *lr = current * self.factor;
        }
    }
    fn step(&mut self, _metric: Option<f64>) -> Result<(), ScheduleError> {
        self.last_epoch += 1;
        if self.last_epoch != self.total_iters {
            return Ok(());
        }
        // torch divides by the factor here; with factor 0 Python raises instead of producing inf.
        if self.factor == 0.0 {
            return Err(ScheduleError::StepFailed("float division by zero".into()));
        }
        let undo = 1.0 / self.factor;
        self.lrs.iter_mut().for_each(|lr| *lr *= undo);
        Ok(())
    }
}
