//! Decays by a factor at fixed points: StepLR, MultiStepLR, ExponentialLR, PolynomialLR.
//! Each mirrors torch's chainable `get_lr`: the new lr is computed from the lr in force.
use super::{Options, Schedule, ScheduleError};

/// StepLR: lr ← lr·gamma every `step_size` steps (torch.optim.lr_scheduler.StepLR).
pub struct StepLr {
    step_size: i64,
    gamma: f64,
    lrs: Vec<f64>,
    last_epoch: i64,
}

impl StepLr {
    pub const OPTIONS: &'static [&'static str] = &["step_size", "gamma"];

    pub(crate) fn new(options: &Options, base_lrs: &[f64]) -> Result<Self, ScheduleError> {
        let step_size = options.required_integer("step_size")?;
        // torch would fail with a modulo by zero on the first step; reject it up front instead.
        if step_size <= 0 {
            return Err(ScheduleError::InvalidValue(format!(
                "Expected positive integer step_size, but got {step_size}"
            )));
        }
        Ok(StepLr { step_size, gamma: options.float("gamma", 0.1)?, lrs: base_lrs.to_vec(), last_epoch: 0 })
    }
}

impl Schedule for StepLr {
    fn name(&self) -> &str {
        "StepLR"
    }
    fn lrs(&self) -> &[f64] {
        &self.lrs
    }
    fn lrs_mut(&mut self) -> &mut [f64] {
        &mut self.lrs
    }
    fn step(&mut self, _metric: Option<f64>) -> Result<(), ScheduleError> {
        self.last_epoch += 1;
        if self.last_epoch % self.step_size == 0 {
            self.lrs.iter_mut().for_each(|lr| *lr *= self.gamma);
        }
        Ok(())
    }
}

/// MultiStepLR: lr ← lr·gamma^(times the step is listed in `milestones`) (torch.optim.lr_scheduler.MultiStepLR).
pub struct MultiStepLr {
    milestones: Vec<i64>,
    gamma: f64,
    lrs: Vec<f64>,
    last_epoch: i64,
}

impl MultiStepLr {
    pub const OPTIONS: &'static [&'static str] = &["milestones", "gamma"];

    pub(crate) fn new(options: &Options, base_lrs: &[f64]) -> Result<Self, ScheduleError> {
        Ok(MultiStepLr {
            milestones: options.integer_list("milestones")?,
            gamma: options.float("gamma", 0.1)?,
            lrs: base_lrs.to_vec(),
            last_epoch: 0,
        })
    }
}

impl Schedule for MultiStepLr {
    fn name(&self) -> &str {
        "MultiStepLR"
    }
    fn lrs(&self) -> &[f64] {
        &self.lrs
    }
    fn lrs_mut(&mut self) -> &mut [f64] {
        &mut self.lrs
    }
    fn step(&mut self, _metric: Option<f64>) -> Result<(), ScheduleError> {
        self.last_epoch += 1;
        // torch keeps a Counter: a milestone listed twice decays twice at once.
        let hits = self.milestones.iter().filter(|&&milestone| milestone == self.last_epoch).count();
        if hits > 0 {
            let decay = self.gamma.powf(hits as f64);
            self.lrs.iter_mut().for_each(|lr| *lr *= decay);
        }
        Ok(())
    }
}

/// ExponentialLR: lr ← lr·gamma every step (torch.optim.lr_scheduler.ExponentialLR).
pub struct ExponentialLr {
    gamma: f64,
    lrs: Vec<f64>,
}

impl ExponentialLr {
    pub const OPTIONS: &'static [&'static str] = &["gamma"];

    pub(crate) fn new(options: &Options, base_lrs: &[f64]) -> Result<Self, ScheduleError> {
        Ok(ExponentialLr { gamma: options.required_float("gamma")?, lrs: base_lrs.to_vec() })
    }
}

impl Schedule for ExponentialLr {
    fn name(&self) -> &str {
        "ExponentialLR"
    }
    fn lrs(&self) -> &[f64] {
        &self.lrs
    }
    fn lrs_mut(&mut self) -> &mut [f64] {
        &mut self.lrs
    }
    fn step(&mut self, _metric: Option<f64>) -> Result<(), ScheduleError> {
        self.lrs.iter_mut().for_each(|lr| *lr *= self.gamma);
        Ok(())
    }
}

/// PolynomialLR: lr_t = base·(1 − t/total_iters)^power, applied as torch's ratio of consecutive
/// factors (torch.optim.lr_scheduler.PolynomialLR); constant after `total_iters`.
pub struct PolynomialLr {
    total_iters: i64,
    power: f64,
    lrs: Vec<f64>,
    last_epoch: i64,
}

impl PolynomialLr {
    pub const OPTIONS: &'static [&'static str] = &["total_iters", "power"];

    pub(crate) fn new(options: &Options, base_lrs: &[f64]) -> Result<Self, ScheduleError> {
        Ok(PolynomialLr {
            total_iters: options.integer("total_iters", 5)?,
            power: options.float("power", 1.0)?,
            lrs: base_lrs.to_vec(),
            last_epoch: 0,
        })
    }
}

impl Schedule for PolynomialLr {
    fn name(&self) -> &str {
        "PolynomialLR"
    }
    fn lrs(&self) -> &[f64] {
        &self.lrs
    }
    fn lrs_mut(&mut self) -> &mut [f64] {
        &mut self.lrs
    }
    fn step(&mut self, _metric: Option<f64>) -> Result<(), ScheduleError> {
        self.last_epoch += 1;
        if self.last_epoch > self.total_iters {
            return Ok(());
        }
        let total = self.total_iters as f64;
        let epoch = self.last_epoch as f64;
        let decay = ((1.0 - epoch / total) / (1.0 - (epoch - 1.0) / total)).powf(self.power);
        self.lrs.iter_mut().for_each(|lr| *lr *= decay);
        Ok(())
    }
}
