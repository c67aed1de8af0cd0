//! CyclicLR (torch.optim.lr_scheduler.CyclicLR, Smith's cyclical learning rates): the lr runs a
//! triangle between base_lr and max_lr, scaled per cycle (triangular2) or per step (exp_range).
use super::{Options, Schedule, ScheduleError};
use crate::optim::js_number;

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Triangular,
    Triangular2,
    ExpRange,
}

pub struct CyclicLr {
    base_lrs: Vec<f64>,
    max_lrs: Vec<f64>,
    total_size: f64,
    step_ratio: f64,
    mode: Mode,
    gamma: f64,
    cycle_momentum: bool,
    base_momentums: Vec<f64>,
    max_momentums: Vec<f64>,
    lrs: Vec<f64>,
    momentums: Vec<f64>,
    last_epoch: i64,
}

impl CyclicLr {
    /// `scale_mode` is accepted for torch compatibility; without a custom `scale_fn` (a Python
    /// callable, which JSON cannot carry) torch derives it from `mode`, and so do we.
    pub const OPTIONS: &'static [&'static str] = &[
        "base_lr",
        "max_lr",
        "step_size_up",
        "step_size_down",
        "mode",
        "gamma",
        "scale_mode",
        "cycle_momentum",
        "base_momentum",
        "max_momentum",
    ];

    pub(crate) fn new(options: &Options, group_lrs: &[f64]) -> Result<Self, ScheduleError> {
        let group_count = group_lrs.len();
        let base_lrs = options.per_group("base_lr", None, group_count)?;
        let max_lrs = options.per_group("max_lr", None, group_count)?;
        let step_size_up = options.float("step_size_up", 2000.0)?;
        let step_size_down = options.float("step_size_down", step_size_up)?;
        let total_size = step_size_up + step_size_down;
        if total_size == 0.0 {
            return Err(ScheduleError::InvalidValue(format!(
                "float division by zero: step_size_up ({}) + step_size_down ({}) is 0",
                js_number(step_size_up),
                js_number(step_size_down)
            )));
        }
        let mode = match options.text("mode", "triangular")?.as_str() {
            "triangular" => Mode::Triangular,
            "triangular2" => Mode::Triangular2,
            "exp_range" => Mode::ExpRange,
            other => {
                return Err(ScheduleError::InvalidValue(format!(
                    "mode is invalid and scale_fn is None: mode '{other}' is not 'triangular', 'triangular2' or \
                     'exp_range'"
                )))
            }
        };
        options.text("scale_mode", "cycle")?;
        let cycle_momentum = options.boolean("cycle_momentum", true)?;
        let max_momentums = options.per_group("max_momentum", Some(0.9), group_count)?;
        let mut schedule = CyclicLr {
            lrs: base_lrs.clone(),
            base_lrs,
            max_lrs,
            total_size,
            step_ratio: step_size_up / total_size,
            mode,
            gamma: options.float("gamma", 1.0)?,
            cycle_momentum,
            base_momentums: options.per_group("base_momentum", Some(0.8), group_count)?,
            momentums: max_momentums.clone(),
            max_momentums,
            last_epoch: 0,
        };
        schedule.update();
        Ok(schedule)
    }

    fn update(&mut self) {
        let epoch = self.last_epoch as f64;
        let cycle = (1.0 + epoch / self.total_size).floor();
        let x = 1.0 + epoch / self.total_size - cycle;
        let scale_factor = if x <= self.step_ratio { x / self.step_ratio } else { (x - 1.0) / (self.step_ratio - 1.0) };
        let scale = match self.mode {
            Mode::Triangular => 1.0,
            Mode::Triangular2 => 1.0 / 2f64.powf(cycle - 1.0),
            Mode::ExpRange => self.gamma.powf(epoch),
        };
        for group in 0..self.lrs.len() {
            let base_height = (self.max_lrs[group] - self.base_lrs[group]) * scale_factor;
            self.lrs[group] = self.base_lrs[group] + base_height * scale;
            if self.cycle_momentum {
                let momentum_height = (self.max_momentums[group] - self.base_momentums[group]) * scale_factor;
                self.momentums[group] = self.max_momentums[group] - momentum_height * scale;
            }
        }
    }
}

impl Schedule for CyclicLr {
    fn name(&self) -> &str {
        "CyclicLR"
    }
    fn lrs(&self) -> &[f64] {
        &self.lrs
    }
    fn lrs_mut(&mut self) -> &mut [f64] {
        &mut self.lrs
    }
    /// Computed from its own options alone, whatever lr is in force.
    fn start_from(&mut self, _current: &[f64]) {}
    fn momentum(&self, group: usize) -> Option<f64> {
        self.cycle_momentum.then(|| self.momentums[group])
    }
    fn step(&mut self, _metric: Option<f64>) -> Result<(), ScheduleError> {
        self.last_epoch += 1;
        self.update();
        Ok(())
    }
}
