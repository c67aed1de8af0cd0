//! Optimizers whose update of one tensor depends only on that tensor: a [`TensorRule`] is run over every
//! tensor by [`PerTensor`], which keeps the param groups and writes and reads the state blob.
use super::blob::{BLOB_MAGIC, BLOB_VERSION};
use super::{param_groups, put_f64, put_u64, BlobReader, OptimError, Optimizer, OptionSet, Persist, Slot};
use serde_json::Value;

/// An optimizer whose update of one tensor depends only on that tensor (all but LBFGS-like
/// methods). [`PerTensor`] turns a rule into an [`Optimizer`] with param groups and state blobs.
pub trait TensorRule: 'static {
    /// Registry name.
    const NAME: &'static str;
    /// torch's keyword arguments, declared with `options!`.
    type Options: OptionSet;
    /// One param group's hyper-parameters as the update reads them (most rules: `Options` itself).
    type Config;
    /// One tensor's state (moments, step counter).
    type State: Persist;
    /// Validates one group's options (torch's constructor checks, in torch's order and wording).
    fn config(options: Self::Options) -> Result<Self::Config, OptimError>;
    fn lr(config: &Self::Config) -> f64;
    fn set_lr(config: &mut Self::Config, lr: f64);
    /// Sets torch's `momentum` or beta1 for momentum-cycling schedules; false when the method has neither.
    fn set_momentum(_config: &mut Self::Config, _momentum: f64) -> bool {
        false
    }
    /// Fresh state for a tensor of this shape; refuses shapes the method cannot take.
    fn init(config: &Self::Config, shape: &[usize]) -> Result<Self::State, OptimError>;
    /// One step of one tensor.
    fn update(config: &Self::Config, state: &mut Self::State, param: &mut [f32], grad: &[f32], shape: &[usize]);
}

/// A [`TensorRule`] run over every tensor, with param groups and state save/load.
pub struct PerTensor<R: TensorRule> {
    groups: Vec<R::Config>,
    group_of: Vec<usize>,
    shapes: Vec<Vec<usize>>,
    states: Vec<R::State>,
}

impl<R: TensorRule> PerTensor<R> {
    pub fn new(options: &Value, shapes: &[Vec<usize>]) -> Result<Self, OptimError> {
        let (sets, group_of) = param_groups(R::NAME, options, shapes.len(), R::Options::NAMES)?;
        let groups = sets.iter().map(|set| R::config(R::Options::read(set)?)).collect::<Result<Vec<_>, _>>()?;
        let states = Self::fresh_states(&groups, &group_of, shapes)?;
        Ok(PerTensor { groups, group_of, shapes: shapes.to_vec(), states })
    }

    fn fresh_states(
        groups: &[R::Config],
        group_of: &[usize],
        shapes: &[Vec<usize>],
    ) -> Result<Vec<R::State>, OptimError> {
        shapes.iter().zip(group_of).map(|(shape, &g)| R::init(&groups[g], shape)).collect()
    }

    fn numel(&self, i: usize) -> usize {
        self.shapes[i].iter().product()
    }
}

pub(super) fn build<R: TensorRule>(options: &Value, shapes: &[Vec<usize>]) -> Result<Box<dyn Optimizer>, OptimError> {
    Ok(Box::new(PerTensor::<R>::new(options, shapes)?))
}

impl<R: TensorRule> Optimizer for PerTensor<R> {
    fn step(&mut self, slots: &mut [Slot<'_>]) -> Result<(), OptimError> {
        check_slot_sizes(slots, &self.shapes)?;
        for (i, slot) in slots.iter_mut().enumerate() {
            let config = &self.groups[self.group_of[i]];
            R::update(config, &mut self.states[i], slot.param, slot.grad, &self.shapes[i]);
        }
        Ok(())
    }

    fn group_count(&self) -> usize {
        self.groups.len()
    }

    fn lr(&self, group: usize) -> f64 {
        self.groups.get(group).map_or(f64::NAN, R::lr)
    }

    fn set_lr(&mut self, group: usize, lr: f64) {
        if let Some(config) = self.groups.get_mut(group) {
            R::set_lr(config, lr);
        }
    }

    fn set_momentum(&mut self, group: usize, momentum: f64) -> bool {
        self.groups.get_mut(group).is_some_and(|config| R::set_momentum(config, momentum))
    }

    fn name(&self) -> &str {
        R::NAME
    }

    fn save_state(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(BLOB_MAGIC);
        put_u64(out, BLOB_VERSION);
        put_u64(out, R::NAME.len() as u64);
        out.extend_from_slice(R::NAME.as_bytes());
        put_u64(out, self.states.len() as u64);
        for i in 0..self.states.len() {
            put_u64(out, self.numel(i) as u64);
        }
        put_u64(out, self.groups.len() as u64);
        for g in 0..self.groups.len() {
            put_f64(out, self.lr(g));
        }
        for state in &self.states {
            state.save(out);
        }
    }

    fn load_state(&mut self, bytes: &[u8]) -> Result<(), OptimError> {
        let mut input = BlobReader::new(bytes);
        if input.take(BLOB_MAGIC.len()).ok() != Some(&BLOB_MAGIC[..]) {
            return Err(OptimError::State("not an optimlab optimizer state".into()));
        }
        let version = input.u64()?;
        if version == 0 {
            return Err(OptimError::State("format version 0 does not exist (the first is 1)".into()));
        }
        if version > BLOB_VERSION {
            return Err(OptimError::State(format!(
                "format version {version} is newer than this build reads ({BLOB_VERSION})"
            )));
        }
        let name_len = input.byte_count()?;
        let name = String::from_utf8_lossy(input.take(name_len)?).into_owned();
        if name != R::NAME {
            return Err(OptimError::State(format!("saved by '{name}', cannot load into '{}'", R::NAME)));
        }
        let tensors = input.u64()?;
        if tensors != self.states.len() as u64 {
            return Err(OptimError::State(format!(
                "saved for {tensors} tensors, this optimizer has {}",
                self.states.len()
            )));
        }
        for i in 0..self.states.len() {
            let saved = input.u64()?;
            if saved != self.numel(i) as u64 {
                return Err(OptimError::State(format!(
                    "tensor {i} had {saved} values when saved, it has {} here",
                    self.numel(i)
                )));
            }
        }
        let group_count = input.u64()?;
        if group_count != self.groups.len() as u64 {
            return Err(OptimError::State(format!(
                "saved with {group_count} param groups, this optimizer has {}",
                self.groups.len()
            )));
        }
        let lrs = (0..self.groups.len()).map(|_| input.f64()).collect::<Result<Vec<_>, _>>()?;
        let mut states = Self::fresh_states(&self.groups, &self.group_of, &self.shapes)?;
        for state in &mut states {
            state.load(&mut input)?;
        }
        if !input.is_empty() {
            return Err(OptimError::State("trailing bytes after the last tensor".into()));
        }
        self.states = states;
        for (g, lr) in lrs.into_iter().enumerate() {
            self.set_lr(g, lr);
        }
        Ok(())
    }
}

/// What every `step` checks first: one slot per tensor, each of its shape's size.
pub fn check_slot_sizes(slots: &[Slot<'_>], shapes: &[Vec<usize>]) -> Result<(), OptimError> {
    if slots.len() != shapes.len() {
        return Err(OptimError::Slots(format!(
            "{} tensors given, the optimizer was built for {}",
            slots.len(),
            shapes.len()
        )));
    }
    for (i, (slot, shape)) in slots.iter().zip(shapes).enumerate() {
        let numel: usize = shape.iter().product();
        if slot.param.len() != numel || slot.grad.len() != numel {
            return Err(OptimError::Slots(format!(
                "tensor {i} has {} values and {} gradients, its shape {shape:?} has {numel}",
                slot.param.len(),
                slot.grad.len()
            )));
        }
    }
    Ok(())
}
