//! Schedules made of schedules: SequentialLR (one after another at milestones) and ChainedScheduler (all
//! at once, each scaling the lr the previous left), with torch's semantics: the inner schedules share the
//! optimizer's lr in force (torch's `param_groups[i]["lr"]`) and each computes its chainable update from it.
//!
//! Beyond torch, a ReduceLROnPlateau may stand inside SequentialLR (torch refuses it, pytorch#68978):
//! SequentialLR steps once per optimizer step and passes on the monitored metric when a step has one;
//! milestones count those steps, as for every other phase. At its milestone the plateau phase starts
//! fresh (no best value yet, no bad epochs, no cooldown) at the optimizer's initial lr, as torch restarts
//! StepLR, CosineAnnealingLR … at their epoch 0; the metric of the milestone step itself measured the
//! previous phase and is not given to it. While active it reduces on each metric exactly as
//! ReduceLROnPlateau does; steps without a metric leave it unchanged. The Trainer gives the epoch's mean
//! training loss at each epoch's last step (as to a ReduceLROnPlateau alone), so its patience counts epochs.
use super::{create_from_spec, Options, Schedule, ScheduleError, Stepping};
use serde_json::Value;

/// The inner schedules of a composite, each built over the optimizer's initial lrs.
fn build_schedules(
    composite: &'static str,
    options: &Options,
    base_lrs: &[f64],
    allow_plateau: bool,
) -> Result<Vec<Box<dyn Schedule>>, ScheduleError> {
    let items = match options.raw("schedulers") {
        None => return Err(ScheduleError::MissingOption { schedule: composite, option: "schedulers" }),
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(ScheduleError::WrongType {
                option: "schedulers".into(),
                expected: "a list of schedules like {\"name\": \"LinearLR\", \"total_iters\": 5}",
                got: other.to_string(),
            })
        }
    };
    if items.is_empty() {
        return Err(ScheduleError::InvalidValue(if composite == "SequentialLR" {
            "SequentialLR expects at least one scheduler, but got no scheduler.".into()
        } else {
            "ChainedScheduler expects at least one scheduler to be chained, but got no schedulers.".into()
        }));
    }
    items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let schedule = create_from_spec(item, base_lrs)
                .map_err(|error| ScheduleError::InvalidValue(format!("{composite} schedulers[{index}]: {error}")))?;
            if !allow_plateau && schedule.stepping() != Stepping::EveryStep {
                return Err(ScheduleError::InvalidValue(format!(
                    "{composite} does not support `ReduceLROnPlateau` scheduler as it requires additional kwargs to be \
                     specified when calling `step`, but got one at index {index} in the given schedulers sequence."
                )));
            }
            Ok(schedule)
        })
        .collect()
}

/// The momentum each group is left with after `schedule` wrote its own (torch's `group["momentum"]`).
fn record_momentum(momentums: &mut [Option<f64>], schedule: &dyn Schedule) {
    for (group, momentum) in momentums.iter_mut().enumerate() {
        if let Some(value) = schedule.momentum(group) {
            *momentum = Some(value);
        }
    }
}

/// SequentialLR: schedules[i] drives the lr from milestones[i−1] on (torch.optim.lr_scheduler.SequentialLR).
pub struct SequentialLr {
    schedules: Vec<Box<dyn Schedule>>,
    milestones: Vec<i64>,
    lrs: Vec<f64>,
    momentums: Vec<Option<f64>>,
    last_epoch: i64,
}

impl SequentialLr {
    pub const OPTIONS: &'static [&'static str] = &["schedulers", "milestones"];

    pub(crate) fn new(options: &Options, base_lrs: &[f64]) -> Result<Self, ScheduleError> {
        let schedules = build_schedules("SequentialLR", options, base_lrs, true)?;
        let milestones = options.integer_list("milestones")?;
        if milestones.len() + 1 != schedules.len() {
            return Err(ScheduleError::InvalidValue(format!(
                "Sequential Schedulers expects number of schedulers provided to be one more than the number of \
                 milestone points, but got number of schedulers {} and the number of milestones to be equal to {}",
                schedules.len(),
                milestones.len()
            )));
        }
        // torch bisects the list as given; a decreasing one would skip phases silently.
        if milestones.windows(2).any(|pair| pair[1] < pair[0]) {
            return Err(ScheduleError::InvalidValue(format!(
                "SequentialLR milestones must not decrease, got {milestones:?}"
            )));
        }
        let mut momentums = vec![None; base_lrs.len()];
        // Every schedule is built in turn on the optimizer (writing its momentum), then the first starts again.
        for schedule in schedules.iter().chain(schedules.first()) {
            record_momentum(&mut momentums, schedule.as_ref());
        }
        Ok(SequentialLr { lrs: schedules[0].lrs().to_vec(), schedules, milestones, momentums, last_epoch: 0 })
    }
}

impl Schedule for SequentialLr {
    fn name(&self) -> &str {
        "SequentialLR"
    }
    fn lrs(&self) -> &[f64] {
        &self.lrs
    }
    fn lrs_mut(&mut self) -> &mut [f64] {
        &mut self.lrs
    }
    fn momentum(&self, group: usize) -> Option<f64> {
        self.momentums[group]
    }
    /// torch resets the lr to the initial lr and takes the first schedule's initial step again, whatever was in force.
    fn start_from(&mut self, _current: &[f64]) {}
    fn stepping(&self) -> Stepping {
        if self.schedules.iter().any(|schedule| schedule.stepping() != Stepping::EveryStep) {
            Stepping::EveryStepWithMetric
        } else {
            Stepping::EveryStep
        }
    }
    fn step(&mut self, metric: Option<f64>) -> Result<(), ScheduleError> {
        self.last_epoch += 1;
        // Python's bisect_right: how many milestones are ≤ last_epoch.
        let index = self.milestones.partition_point(|&milestone| milestone <= self.last_epoch);
        let schedule = &mut self.schedules[index];
        if index > 0 && self.milestones[index - 1] == self.last_epoch {
            schedule.restart_from(&self.lrs)?;
        } else {
            schedule.lrs_mut().copy_from_slice(&self.lrs);
            match schedule.stepping() {
                Stepping::OnMetric if metric.is_none() => {}
                Stepping::EveryStep => schedule.step(None)?,
                _ => schedule.step(metric)?,
            }
        }
        self.lrs.copy_from_slice(schedule.lrs());
        record_momentum(&mut self.momentums, schedule.as_ref());
        Ok(())
    }
}

/// ChainedScheduler: every schedule steps at every step, in order, each from the lr the previous left
/// (torch.optim.lr_scheduler.ChainedScheduler).
pub struct ChainedScheduler {
    schedules: Vec<Box<dyn Schedule>>,
    lrs: Vec<f64>,
    momentums: Vec<Option<f64>>,
}

impl ChainedScheduler {
    pub const OPTIONS: &'static [&'static str] = &["schedulers"];

    pub(crate) fn new(options: &Options, base_lrs: &[f64]) -> Result<Self, ScheduleError> {
        let schedules = build_schedules("ChainedScheduler", options, base_lrs, false)?;
        let mut chained = ChainedScheduler { schedules, lrs: base_lrs.to_vec(), momentums: vec![None; base_lrs.len()] };
        chained.start_from(base_lrs);
        Ok(chained)
    }
}

impl Schedule for ChainedScheduler {
    fn name(&self) -> &str {
        "ChainedScheduler"
    }
    fn lrs(&self) -> &[f64] {
        &self.lrs
    }
    fn lrs_mut(&mut self) -> &mut [f64] {
        &mut self.lrs
    }
    fn momentum(&self, group: usize) -> Option<f64> {
        self.momentums[group]
    }
    /// Each schedule's initial step happens on the optimizer after the previous one's, from the lr it left.
    fn start_from(&mut self, current: &[f64]) {
        self.lrs.copy_from_slice(current);
        for schedule in self.schedules.iter_mut() {
            schedule.start_from(&self.lrs);
            self.lrs.copy_from_slice(schedule.lrs());
            record_momentum(&mut self.momentums, schedule.as_ref());
        }
    }
    fn step(&mut self, _metric: Option<f64>) -> Result<(), ScheduleError> {
        for schedule in self.schedules.iter_mut() {
            schedule.lrs_mut().copy_from_slice(&self.lrs);
            schedule.step(None)?;
            self.lrs.copy_from_slice(schedule.lrs());
            record_momentum(&mut self.momentums, schedule.as_ref());
        }
        Ok(())
    }
}
