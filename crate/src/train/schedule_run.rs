//! The lr schedule a trainer drives: built over the optimizer's param-group lrs, stepped after each optimizer
//! step (ReduceLROnPlateau once per epoch), and rebuilt from a checkpoint by replaying what it was fed.
use super::{TrainError, Trainer};
use crate::optim::Optimizer;
use crate::schedule::{self, Schedule, Stepping};
use crate::state::{ScheduleState, StateError};
use serde_json::{Map, Value};

/// A schedule driving the optimizer, with what it has been fed so a checkpoint can rebuild it exactly.
pub(super) struct ScheduleRun {
    pub(super) schedule: Box<dyn Schedule>,
    /// Each param group's lr when the schedule was built (torch's `initial_lr`).
    pub(super) base_lrs: Vec<f64>,
    pub(super) steps: u64,
    /// What the schedule was fed at each step: the epoch mean training losses of a ReduceLROnPlateau; for a
    /// schedule stepped every step with a metric, one per step, NaN for the steps without; empty for the others.
    pub(super) metrics: Vec<f64>,
}

/// torch's check in OneCycleLR and CyclicLR when `cycle_momentum` is on.
pub(super) const NO_MOMENTUM: &str = "optimizer must support momentum or beta1 with `cycle_momentum` option enabled";

pub(super) fn build_schedule(spec: &Map<String, Value>, base_lrs: &[f64]) -> Result<Box<dyn Schedule>, TrainError> {
    let mut options = spec.clone();
    let name = options.remove("name").and_then(|name| name.as_str().map(str::to_owned)).unwrap_or_default();
    schedule::create(&name, &Value::Object(options), base_lrs).map_err(|e| TrainError::Config(format!("schedule: {e}")))
}

/// Copies the schedule's lr (when `lr`) and momentum of every group into the optimizer, as torch's
/// schedulers write `group['lr']` and `group['momentum']`/`group['betas']`; false when the optimizer
/// cannot take the momentum.
pub(super) fn apply_schedule(schedule: &dyn Schedule, optimizer: &mut dyn Optimizer, lr: bool) -> bool {
    (0..schedule.group_count()).all(|group| {
        if lr {
            optimizer.set_lr(group, schedule.lr(group));
        }
        schedule.momentum(group).is_none_or(|momentum| optimizer.set_momentum(group, momentum))
    })
}

impl Trainer {
    /// torch's `scheduler.step()` after the optimizer step `step`; ReduceLROnPlateau only at an epoch's
    /// last step, with the epoch's mean loss. A schedule that refuses to step (OneCycleLR past its
    /// total_steps) fails the run with torch's message; the step itself is done and recorded.
    pub(super) fn advance_schedule(&mut self, step: usize) -> Result<(), TrainError> {
        let per_epoch = self.steps_per_epoch();
        let Some(run) = self.schedule.as_mut() else {
            return Ok(());
        };
        let stepping = run.schedule.stepping();
        let epoch_ends = (step + 1).is_multiple_of(per_epoch);
        if stepping == Stepping::OnMetric && !epoch_ends {
            return Ok(());
        }
        let metric = (stepping != Stepping::EveryStep && epoch_ends).then(|| {
            let epoch = &self.history[step + 1 - per_epoch..=step];
            epoch.iter().map(|&loss| f64::from(loss)).sum::<f64>() / per_epoch as f64
        });
        if stepping != Stepping::EveryStep {
            run.metrics.push(metric.unwrap_or(f64::NAN));
        }
        run.steps += 1;
        run.schedule
            .step(metric)
            .map_err(|e| TrainError::Usage(format!("run: {} after step {step}: {e}", run.schedule.name())))?;
        apply_schedule(run.schedule.as_ref(), self.optimizer.as_mut(), true);
        Ok(())
    }
    /// This trainer's schedule rebuilt and fed what the checkpoint's was fed, hence in its state; the
    /// checkpoint must have been saved with the same schedule (or none, as this trainer).
    pub(super) fn replay_schedule(&self, saved: Option<&ScheduleState>) -> Result<Option<ScheduleRun>, TrainError> {
        let describe = |spec: Option<&Value>| spec.map_or("no schedule".to_string(), |spec| format!("schedule {spec}"));
        let saved_spec = saved.map(|state| serde_json::from_str::<Value>(&state.spec).unwrap_or(Value::Null));
        let own_spec = self.config.schedule.clone().map(Value::Object);
        if saved_spec != own_spec {
            return Err(TrainError::State(StateError(format!(
                "the checkpoint was saved with {}, this trainer has {}",
                describe(saved_spec.as_ref()),
                describe(own_spec.as_ref())
            ))));
        }
        let (Some(state), Some(own)) = (saved, self.schedule.as_ref()) else {
            return Ok(None);
        };
        let spec = self.config.schedule.as_ref().expect("a schedule run has its spec");
        let mut schedule = build_schedule(spec, &own.base_lrs)?;
        let stepping = schedule.stepping();
        if stepping != Stepping::EveryStep && state.metrics.len() as u64 != state.steps {
            return Err(TrainError::State(StateError(
                "the checkpoint's schedule metrics do not match its steps".into(),
            )));
        }
        for step in 0..state.steps as usize {
            // A step the saved run's schedule refused (OneCycleLR past total_steps) is refused here too and
            // leaves the same state; the run reported it when it happened.
            let metric = state.metrics.get(step).copied().filter(|metric| !metric.is_nan());
            let _ = schedule.step(metric);
        }
        // Room for the metrics still to come, as `set_train_data` reserves it.
        let to_come = match stepping {
            Stepping::EveryStep => 0,
            Stepping::OnMetric => self.config.max_steps.div_ceil(self.steps_per_epoch().max(1)),
            Stepping::EveryStepWithMetric => self.config.max_steps,
        };
        let mut metrics = Vec::with_capacity(state.metrics.len() + to_come);
        metrics.extend_from_slice(&state.metrics);
        Ok(Some(ScheduleRun { schedule, base_lrs: own.base_lrs.clone(), steps: state.steps, metrics }))
    }
}
