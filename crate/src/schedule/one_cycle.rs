//! OneCycleLR (torch.optim.lr_scheduler.OneCycleLR, the fastai 1cycle policy): lr anneals from
//! max_lr/div_factor up to max_lr, then down to initial_lr/final_div_factor; momentum moves opposite.
use super::{format_number, positive_integer, Options, Schedule, ScheduleError};

struct Phase {
    end_step: f64,
    start: Anchor,
    end: Anchor,
}

/// Which per-group value a phase starts or ends at (torch names them by group keys).
#[derive(Clone, Copy)]
enum Anchor {
    Initial,
    Max,
    Min,
}

struct GroupRange {
    initial_lr: f64,
    max_lr: f64,
    min_lr: f64,
    base_momentum: f64,
    max_momentum: f64,
}

impl GroupRange {
    fn lr(&self, anchor: Anchor) -> f64 {
        match anchor {
            Anchor::Initial => self.initial_lr,
            Anchor::Max => self.max_lr,
            Anchor::Min => self.min_lr,
        }
    }
    /// Momentum runs opposite to the lr: high while the lr is low.
    fn momentum(&self, anchor: Anchor) -> f64 {
        match anchor {
            Anchor::Max => self.base_momentum,
            Anchor::Initial | Anchor::Min => self.max_momentum,
        }
    }
}

pub struct OneCycleLr {
    total_steps: i64,
    phases: Vec<Phase>,
    cosine: bool,
    cycle_momentum: bool,
    groups: Vec<GroupRange>,
    lrs: Vec<f64>,
    momentums: Vec<f64>,
    last_epoch: i64,
}

impl OneCycleLr {
    pub const OPTIONS: &'static [&'static str] = &[
        "max_lr",
        "total_steps",
        "epochs",
        "steps_per_epoch",
        "pct_start",
        "anneal_strategy",
        "cycle_momentum",
        "base_momentum",
        "max_momentum",
        "div_factor",
        "final_div_factor",
        "three_phase",
    ];

    pub(crate) fn new(options: &Options, base_lrs: &[f64]) -> Result<Self, ScheduleError> {
        let total_steps = match (options.raw("total_steps"), options.raw("epochs"), options.raw("steps_per_epoch")) {
            (Some(total), _, _) => positive_integer(total).ok_or_else(|| {
                ScheduleError::InvalidValue(format!(
                    "Expected positive integer total_steps, but got {}",
                    format_number(total)
                ))
            })?,
            (None, Some(epochs), Some(steps_per_epoch)) => {
                let epochs = positive_integer(epochs).ok_or_else(|| {
                    ScheduleError::InvalidValue(format!(
                        "Expected positive integer epochs, but got {}",
                        format_number(epochs)
                    ))
                })?;
                let steps_per_epoch = positive_integer(steps_per_epoch).ok_or_else(|| {
                    ScheduleError::InvalidValue(format!(
                        "Expected positive integer steps_per_epoch, but got {}",
                        format_number(steps_per_epoch)
                    ))
                })?;
                epochs * steps_per_epoch
            }
            _ => {
                return Err(ScheduleError::InvalidValue(
                    "You must define either total_steps OR (epochs AND steps_per_epoch)".into(),
                ))
            }
        };
        let pct_start = options.float("pct_start", 0.3)?;
        let three_phase = options.boolean("three_phase", false)?;
        let total = total_steps as f64;
        let phases = if three_phase {
            vec![
                Phase { end_step: pct_start * total - 1.0, start: Anchor::Initial, end: Anchor::Max },
                Phase { end_step: 2.0 * pct_start * total - 2.0, start: Anchor::Max, end: Anchor::Initial },
                Phase { end_step: total - 1.0, start: Anchor::Initial, end: Anchor::Min },
            ]
        } else {
            vec![
                Phase { end_step: pct_start * total - 1.0, start: Anchor::Initial, end: Anchor::Max },
                Phase { end_step: total - 1.0, start: Anchor::Max, end: Anchor::Min },
            ]
        };
        if !(0.0..=1.0).contains(&pct_start) {
            return Err(ScheduleError::InvalidValue(format!(
                "Expected float between 0 and 1 pct_start, but got {}",
                crate::optim::js_number(pct_start)
            )));
        }
        let anneal_strategy = options.text("anneal_strategy", "cos")?;
        if anneal_strategy != "cos" && anneal_strategy != "linear" {
            return Err(ScheduleError::InvalidValue(format!(
                "anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}"
            )));
        }
        let group_count = base_lrs.len();
        let max_lrs = options.per_group("max_lr", None, group_count)?;
        let div_factor = options.float("div_factor", 25.0)?;
        let final_div_factor = options.float("final_div_factor", 1e4)?;
        let cycle_momentum = options.boolean("cycle_momentum", true)?;
        let max_momentums = options.per_group("max_momentum", Some(0.95), group_count)?;
        let base_momentums = options.per_group("base_momentum", Some(0.85), group_count)?;
        let groups = (0..group_count)
            .map(|group| {
                let initial_lr = max_lrs[group] / div_factor;
                GroupRange {
                    initial_lr,
                    max_lr: max_lrs[group],
                    min_lr: initial_lr / final_div_factor,
                    base_momentum: base_momentums[group],
                    max_momentum: max_momentums[group],
                }
            })
            .collect();
        let mut schedule = OneCycleLr {
            total_steps,
            phases,
            cosine: anneal_strategy == "cos",
            cycle_momentum,
            groups,
            lrs: vec![0.0; group_count],
            momentums: max_momentums,
            last_epoch: 0,
        };
        schedule.update();
        Ok(schedule)
    }

    fn anneal(&self, start: f64, end: f64, pct: f64) -> f64 {
        if self.cosine {
            let cos_out = (std::f64::consts::PI * pct).cos() + 1.0;
            end + (start - end) / 2.0 * cos_out
        } else {
            (end - start) * pct + start
        }
    }

    fn update(&mut self) {
        let step_num = self.last_epoch as f64;
        let mut start_step = 0.0;
        let last_phase = self.phases.len() - 1;
        for (index, phase) in self.phases.iter().enumerate() {
            if step_num <= phase.end_step || index == last_phase {
                let pct = (step_num - start_step) / (phase.end_step - start_step);
                for (group, range) in self.groups.iter().enumerate() {
                    self.lrs[group] = self.anneal(range.lr(phase.start), range.lr(phase.end), pct);
                    if self.cycle_momentum {
                        self.momentums[group] =
                            self.anneal(range.momentum(phase.start), range.momentum(phase.end), pct);
                    }
                }
                return;
            }
            start_step = phase.end_step;
        }
    }
}

impl Schedule for OneCycleLr {
    fn name(&self) -> &str {
        "OneCycleLR"
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
        if self.last_epoch > self.total_steps {
            return Err(ScheduleError::StepFailed(format!(
                "Tried to step {} times. The specified number of total steps is {}",
                self.last_epoch, self.total_steps
            )));
        }
        self.update();
        Ok(())
    }
}
