//! One training step of a model, torch's loop body: forward and backward at the current parameters
//! (zero_grad + loss.backward()), the run's non-finite policy on the loss and gradients, gradient
//! clipping, then `optimizer.step()`. Closure optimizers (LBFGS) evaluate the batch themselves, the
//! clipping inside their closure. Nothing is allocated.
use super::clip::Clip;
use super::model::{Model, Targets};
use crate::nonfinite::{all_finite, judge, Counters, Policy, Verdict};
use crate::optim::{Closure, OptimError, Optimizer, Slot};

/// The per-run options of a step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepOptions {
    pub clip: Option<Clip>,
    pub policy: Policy,
}

/// Reuses a Vec's allocation for a Vec of the same item type under another lifetime
/// (in-place collect: same size and alignment, so no allocation happens).
#[allow(clippy::unnecessary_filter_map)] // `filter` could not change the item's lifetime
fn recycle<'b>(slots: Vec<Slot<'_>>) -> Vec<Slot<'b>> {
    slots.into_iter().filter_map(|_| None).collect()
}

/// The optimizer's view of the model's arena, lent for one call; the Vec's allocation is kept in `buffer`.
pub fn with_slots(model: &mut Model, buffer: &mut Vec<Slot<'static>>, visit: &mut dyn FnMut(&mut [Slot<'_>])) {
    let mut slots = recycle(std::mem::take(buffer));
    slots.extend(model.arena_mut().tensors_mut().map(|(param, grad, _)| Slot { param, grad }));
    visit(&mut slots);
    slots.clear();
    *buffer = recycle(slots);
}

struct BatchClosure<'a> {
    model: &'a mut Model,
    slot_buffer: &'a mut Vec<Slot<'static>>,
    inputs: &'a [f32],
    targets: Targets<'a>,
    batch: usize,
    clip: Option<Clip>,
}

impl Closure for BatchClosure<'_> {
    fn evaluate(&mut self) -> Result<f32, OptimError> {
        let loss = self.model.loss_and_gradients(self.inputs, self.targets, self.batch);
        if let Some(clip) = self.clip {
            clip.apply(self.model.arena_mut());
        }
        Ok(loss)
    }

    fn with_slots(&mut self, visit: &mut dyn FnMut(&mut [Slot<'_>])) {
        with_slots(self.model, self.slot_buffer, visit);
    }
}

/// One step on a batch; returns its loss at the current parameters and what the policy made of it.
/// `stop` judges the loss alone (a NaN or infinite loss); `skip` and `propagate` also the gradients.
#[allow(clippy::too_many_arguments)]
pub fn train_step(
    model: &mut Model,
    optimizer: &mut dyn Optimizer,
    slot_buffer: &mut Vec<Slot<'static>>,
    inputs: &[f32],
    targets: Targets,
    batch: usize,
    options: StepOptions,
    counters: &mut Counters,
) -> Result<(f32, Verdict), OptimError> {
    if optimizer.needs_closure() {
        let mut closure = BatchClosure { model, slot_buffer, inputs, targets, batch, clip: options.clip };
        let loss = optimizer.step_with_closure(&mut closure)?;
        return Ok((loss, judge(options.policy, counters, loss.is_finite())));
    }
    let loss = model.loss_and_gradients(inputs, targets, batch);
    let finite = loss.is_finite() && (options.policy == Policy::Stop || all_finite(model.arena().grads()));
    let verdict = judge(options.policy, counters, finite);
    if matches!(verdict, Verdict::Update | Verdict::UpdateAndStop) {
        if let Some(clip) = options.clip {
            clip.apply(model.arena_mut());
        }
        let mut result = Ok(());
        with_slots(model, slot_buffer, &mut |slots| result = optimizer.step(slots));
        result?;
    }
    Ok((loss, verdict))
}
