//! Optimizers: the trait the trainer drives and the registry of every optimizer, one line each. The rules live in
//! their own files; what they share is split by job: errors ([`error`]), declared options ([`declare`]), param
//! groups ([`groups`]), per-tensor rules ([`per_tensor`]), state bytes ([`blob`]), and elementwise functions and
//! checks ([`common`]).
//!
//! Every optimizer here mirrors torch.optim's single-tensor (`foreach=False`) reference loop in
//! float32; scalars that torch computes in Python (bias corrections, step sizes) are computed in f64
//! and rounded to f32 where torch hands them to a tensor op.
//!
//! Tensor `i` of an optimizer is the `i`-th entry of `shapes` given to [`create`] and the `i`-th
//! [`Slot`] of every `step`. Param groups: explicit groups from `"param_groups"` come first, in the
//! order given; tensors listed in no group form one more group, the last.
use serde_json::{json, Value};

mod blob;
mod common;
mod declare;
mod distance;
mod error;
mod groups;
mod per_tensor;
pub use blob::*;
pub use common::*;
pub use declare::*;
pub use distance::*;
pub use error::*;
pub use groups::*;
pub use per_tensor::*;

pub mod adabelief;
pub mod adadelta;
pub mod adafactor;
pub mod adagrad;
pub mod adam;
pub mod adamax;
pub mod adamw;
pub mod adan;
pub mod ademamix;
pub mod adopt;
pub mod asgd;
pub mod cocob;
pub mod dadapt_adamw;
pub mod fromage;
pub mod lamb;
pub mod lars;
pub mod lbfgs;
pub mod lion;
pub mod madgrad;
pub mod muon;
pub mod nadam;
pub mod notebook;
pub mod novograd;
pub mod prodigy;
pub mod radam;
pub mod rmsprop;
pub mod rprop;
pub mod schedule_free_adamw;
pub mod sgd;
pub mod sign_sgd;
pub mod sm3;
mod torch_bf16;
pub mod yogi;

/// One parameter tensor as an optimizer sees it: its values and its gradient (same length).
pub struct Slot<'a> {
    pub param: &'a mut [f32],
    pub grad: &'a [f32],
}

/// What a closure-based optimizer (LBFGS) drives: torch's `closure()` and the tensors it reads.
/// Two methods rather than one `FnMut(&mut [Slot])`, so the caller can recompute gradients into
/// the very buffers it lends as slots without aliasing a borrow.
pub trait Closure {
    /// Re-evaluates the loss at the current parameters and recomputes every gradient. A closure supplied by the
    /// caller (JavaScript) may fail; the optimizer then stops its step and passes the error on.
    fn evaluate(&mut self) -> Result<f32, OptimError>;
    /// Lends the parameters and the gradients of the last `evaluate`, in tensor order.
    fn with_slots(&mut self, visit: &mut dyn FnMut(&mut [Slot<'_>]));
}

pub trait Optimizer {
    /// One update of every tensor, torch.optim semantics; `slots` are in tensor order every call.
    fn step(&mut self, slots: &mut [Slot<'_>]) -> Result<(), OptimError>;
    /// Closure-based optimizers (LBFGS) return true; the caller then uses `step_with_closure`.
    fn needs_closure(&self) -> bool {
        false
    }
    /// torch's `step(closure)`: `closure.evaluate()` re-evaluates the loss and the gradients at the
    /// current params, `closure.with_slots` lends params and gradients; returns the first loss.
    /// Optimizers that do not use a closure refuse it.
    fn step_with_closure(&mut self, _closure: &mut dyn Closure) -> Result<f32, OptimError> {
        Err(OptimError::ClosureUnsupported(self.name().to_string()))
    }
    fn group_count(&self) -> usize;
    /// The lr in force for a group (torch's `group['lr']`), a Python float there, f64 here.
    fn lr(&self, group: usize) -> f64;
    /// Schedules call this, as torch's schedulers set `group['lr']`. Out-of-range groups are ignored.
    fn set_lr(&mut self, group: usize, lr: f64);
    /// Schedules that cycle momentum (OneCycleLR, CyclicLR) call this, as torch's set `group['momentum']`
    /// or `group['betas'][0]`. Returns false when the optimizer has neither (or the group does not exist).
    fn set_momentum(&mut self, _group: usize, _momentum: f64) -> bool {
        false
    }
    /// Registry name ("adam", "notebook_adagrad", ...).
    fn name(&self) -> &str;
    /// Appends the optimizer state (moments, step counters, each group's lr) to `out`.
    fn save_state(&self, out: &mut Vec<u8>);
    /// Replaces the state by one written by `save_state` of the same optimizer over the same shapes;
    /// on error the current state is left untouched.
    fn load_state(&mut self, bytes: &[u8]) -> Result<(), OptimError>;
}

type Constructor = fn(&Value, &[Vec<usize>]) -> Result<Box<dyn Optimizer>, OptimError>;

/// How an optimizer is built and what it takes: its registry entry.
pub struct Entry {
    pub name: &'static str,
    build: Constructor,
    describe: fn() -> Value,
}

/// The entry of a [`TensorRule`], run over every tensor with param groups.
const fn rule<R: TensorRule>() -> Entry {
    Entry { name: R::NAME, build: per_tensor::build::<R>, describe: describe_set::<R::Options> }
}

/// The entry of an optimizer over all tensors at once, with a single param group.
const fn single<O: SingleGroup>() -> Entry {
    Entry { name: O::NAME, build: groups::build_single::<O>, describe: describe_set::<O::Options> }
}

/// Every optimizer, in the order `names()`, `describe()` and the TypeScript union list them; one line each.
const REGISTRY: &[Entry] = &[
    rule::<sgd::Sgd>(),
    rule::<adagrad::Adagrad>(),
    rule::<adadelta::Adadelta>(),
    rule::<rmsprop::RmsProp>(),
    rule::<adam::Adam>(),
    rule::<adamw::AdamW>(),
    rule::<adamax::Adamax>(),
    rule::<nadam::NAdam>(),
    rule::<radam::RAdam>(),
    rule::<asgd::Asgd>(),
    rule::<rprop::Rprop>(),
    rule::<adafactor::Adafactor>(),
    rule::<muon::Muon>(),
    single::<lbfgs::Lbfgs>(),
    rule::<notebook::NotebookSgd>(),
    rule::<notebook::NotebookMomentum>(),
    rule::<notebook::NotebookNesterov>(),
    rule::<notebook::NotebookAdagrad>(),
    rule::<notebook::NotebookRmsProp>(),
    rule::<notebook::NotebookAdam>(),
    rule::<lion::Lion>(),
    rule::<lamb::Lamb>(),
    rule::<lars::Lars>(),
    rule::<adabelief::AdaBelief>(),
    rule::<yogi::Yogi>(),
    rule::<sign_sgd::SignSgd>(),
    rule::<fromage::Fromage>(),
    rule::<novograd::NovoGrad>(),
    rule::<adan::Adan>(),
    rule::<sm3::Sm3>(),
    rule::<adopt::Adopt>(),
    rule::<ademamix::AdEMAMix>(),
    rule::<madgrad::Madgrad>(),
    rule::<cocob::Cocob>(),
    rule::<schedule_free_adamw::ScheduleFreeAdamW>(),
    single::<prodigy::Prodigy>(),
    single::<dadapt_adamw::DAdaptAdamW>(),
];

/// Registry names, in registry order.
pub fn names() -> impl Iterator<Item = &'static str> {
    REGISTRY.iter().map(|entry| entry.name)
}

/// Builds an optimizer by registry name (lower-case torch class name, or a `notebook_*` variant).
/// `options` is a JSON object of torch keyword arguments (tuples as arrays), optionally with
/// `"param_groups": [{"params": [tensor indices], <overrides>}]`; `shapes[i]` is tensor i's shape.
pub fn create(name: &str, options: &Value, shapes: &[Vec<usize>]) -> Result<Box<dyn Optimizer>, OptimError> {
    match REGISTRY.iter().find(|entry| entry.name == name) {
        Some(entry) => (entry.build)(options, shapes),
        None => Err(OptimError::UnknownOptimizer { name: name.to_string(), known: names().collect() }),
    }
}

fn describe_set<S: OptionSet>() -> Value {
    let summary: Vec<&str> = S::SUMMARY.iter().map(|line| line.trim()).collect();
    json!({"typeName": S::TYPE_NAME, "summary": summary.join(" "), "options": S::describe()})
}

/// Every optimizer and its options, in registry order: `[{"name": "adam", "typeName": "Adam", "summary": "Options
/// of torch.optim.Adam.", "options": [{"name": "lr", "type": "number", "default": 0.001, "doc": "Learning rate γ."},
/// …]}, …]`, the options in the order of the "valid options" error, each with its TypeScript type. A default is null
/// where torch's is `None` or derived from other options (LBFGS's `max_eval`), or where optax requires the option.
pub fn describe() -> Value {
    let optimizers = REGISTRY.iter().map(|entry| {
        let mut described = (entry.describe)();
        described["name"] = entry.name.into();
        described
    });
    Value::Array(optimizers.collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_option_is_named_with_the_valid_ones() {
        let err = create("sgd", &json!({"lr": 0.1, "momentun": 0.9}), &[vec![2]]).err().unwrap();
        assert_eq!(
            err.to_string(),
            "Unknown option 'momentun' for sgd; valid options: lr, momentum, dampening, weight_decay, nesterov, maximize"
        );
    }

    #[test]
    fn wrong_types_are_reported() {
        let err = create("sgd", &json!({"lr": "fast"}), &[vec![2]]).err().unwrap();
        assert_eq!(err.to_string(), "Option 'lr' must be a number, got \"fast\"");
        let err = create("adam", &json!({"betas": [0.9]}), &[vec![2]]).err().unwrap();
        assert_eq!(err.to_string(), "Option 'betas' must be a pair of numbers [a, b], got [0.9]");
        let err = create("sgd", &json!({"nesterov": 1}), &[vec![2]]).err().unwrap();
        assert_eq!(err.to_string(), "Option 'nesterov' must be true or false, got 1");
    }

    #[test]
    fn unknown_optimizer_lists_the_registry() {
        let err = create("adamm", &json!({}), &[]).err().unwrap();
        assert!(err.to_string().starts_with("Unknown optimizer 'adamm'; known: sgd, adagrad,"));
    }

    #[test]
    fn param_groups_put_unlisted_tensors_in_a_last_default_group() {
        let options = json!({"lr": 0.1, "param_groups": [{"params": [2], "lr": 0.5}]});
        let opt = create("sgd", &options, &[vec![1], vec![1], vec![1]]).unwrap();
        assert_eq!(opt.group_count(), 2);
        assert_eq!((opt.lr(0), opt.lr(1)), (0.5, 0.1));
        let twice = json!({"param_groups": [{"params": [0]}, {"params": [0]}]});
        assert_eq!(
            create("sgd", &twice, &[vec![1]]).err().unwrap().to_string(),
            "param_groups: some parameters appear in more than one parameter group"
        );
        let out_of_range = json!({"param_groups": [{"params": [3]}]});
        assert_eq!(
            create("sgd", &out_of_range, &[vec![1]]).err().unwrap().to_string(),
            "param_groups: group 0: 3 is not a tensor index (0..1)"
        );
    }

    #[test]
    fn describe_lists_every_optimizer_with_its_valid_options_and_defaults() {
        let described = describe();
        let optimizers = described.as_array().unwrap();
        assert_eq!(
            optimizers.iter().map(|o| o["name"].as_str().unwrap()).collect::<Vec<_>>(),
            names().collect::<Vec<_>>()
        );
        let options = |name: &str| -> Vec<(String, Value)> {
            let entry = optimizers.iter().find(|o| o["name"] == name).unwrap();
            entry["options"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| (o["name"].as_str().unwrap().to_string(), o["default"].clone()))
                .collect()
        };
        // The names are those of the "valid options" error, so the two can never disagree.
        for name in names() {
            let listed: Vec<String> = options(name).into_iter().map(|(option, _)| option).collect();
            let err = create(name, &json!({"no_such_option": 1}), &[]).err().unwrap().to_string();
            assert_eq!(
                err,
                format!("Unknown option 'no_such_option' for {name}; valid options: {}", listed.join(", "))
            );
        }
        let adam = json!([
            ["lr", 0.001],
            ["betas", [0.9, 0.999]],
            ["eps", 1e-8],
            ["weight_decay", 0.0],
            ["amsgrad", false],
            ["maximize", false],
            ["decoupled_weight_decay", false]
        ]);
        let as_pairs = |name: &str| Value::Array(options(name).into_iter().map(|(o, d)| json!([o, d])).collect());
        assert_eq!(as_pairs("adam"), adam);
        assert_eq!(as_pairs("adamw")[3], json!(["weight_decay", 0.01]));
        assert_eq!(as_pairs("lbfgs")[2], json!(["max_eval", null]));
        assert_eq!(as_pairs("lbfgs")[5], json!(["history_size", 100]));
        assert_eq!(as_pairs("muon")[4], json!(["ns_coefficients", [3.4445, -4.775, 2.0315]]));
        assert_eq!(as_pairs("lion")[0], json!(["learning_rate", null]));
        assert_eq!(as_pairs("cocob")[1], json!(["lr", 1.0]));
        assert_eq!(as_pairs("notebook_momentum"), json!([["lr", 0.01], ["momentum", 0.9]]));
    }

    #[test]
    fn step_refuses_slots_of_the_wrong_size() {
        let mut opt = create("sgd", &json!({}), &[vec![2, 2]]).unwrap();
        let (mut p, g) = (vec![0.0; 3], vec![0.0; 3]);
        let err = opt.step(&mut [Slot { param: &mut p, grad: &g }]).unwrap_err();
        assert_eq!(err.to_string(), "optimizer step: tensor 0 has 3 values and 3 gradients, its shape [2, 2] has 4");
    }
}
