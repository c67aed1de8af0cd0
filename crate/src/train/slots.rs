//! The optimizer's view of the model: its parameters and gradients lent as slots for one step, and torch's
//! `closure()` for the optimizers that evaluate the batch themselves (LBFGS).
use super::TrainError;
use crate::nn::mlp::Mlp;
use crate::optim::{Closure, Optimizer, Slot};

/// Reuses a Vec's allocation for a Vec of the same item type under another lifetime
/// (in-place collect: same size and alignment, so no allocation happens).
#[allow(clippy::unnecessary_filter_map)] // `filter` could not change the item's lifetime
fn recycle<'b>(slots: Vec<Slot<'_>>) -> Vec<Slot<'b>> {
    slots.into_iter().filter_map(|_| None).collect()
}

/// The optimizer's view of the model's arena, lent for one call; the Vec's allocation is kept in `buffer`.
fn with_slots(mlp: &mut Mlp, buffer: &mut Vec<Slot<'static>>, visit: &mut dyn FnMut(&mut [Slot<'_>])) {
    let mut slots = recycle(std::mem::take(buffer));
    slots.extend(mlp.arena_mut().tensors_mut().map(|(param, grad, _)| Slot { param, grad }));
    visit(&mut slots);
    slots.clear();
    *buffer = recycle(slots);
}

/// torch's `closure()` for one batch: forward, loss, backward at the current parameters.
struct BatchClosure<'a> {
    mlp: &'a mut Mlp,
    slot_buffer: &'a mut Vec<Slot<'static>>,
    inputs: &'a [f32],
    labels: &'a [u8],
}

impl Closure for BatchClosure<'_> {
    fn evaluate(&mut self) -> f32 {
        self.mlp.loss_and_gradients(self.inputs, self.labels, self.labels.len())
    }

    fn with_slots(&mut self, visit: &mut dyn FnMut(&mut [Slot<'_>])) {
        with_slots(self.mlp, self.slot_buffer, visit);
    }
}

/// One training step on a batch: returns the loss at the current parameters. Gradient optimizers
/// update only after a finite loss; closure optimizers (LBFGS) evaluate the batch themselves as
/// often as they need and return their first loss, like torch's `optimizer.step(closure)`.
pub(super) fn train_step(
    mlp: &mut Mlp,
    optimizer: &mut dyn Optimizer,
    slot_buffer: &mut Vec<Slot<'static>>,
    inputs: &[f32],
    labels: &[u8],
) -> Result<f32, TrainError> {
    if optimizer.needs_closure() {
        return Ok(optimizer.step_with_closure(&mut BatchClosure { mlp, slot_buffer, inputs, labels })?);
    }
    let loss = mlp.loss_and_gradients(inputs, labels, labels.len());
    if loss.is_finite() {
        let mut result = Ok(());
        with_slots(mlp, slot_buffer, &mut |slots| result = optimizer.step(slots));
        result?;
    }
    Ok(loss)
}
