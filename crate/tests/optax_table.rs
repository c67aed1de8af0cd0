//! optax parity: one test per case of test/fixtures/optax-replay.json (optax 0.2.8, float32). Each
//! feeds the case's 25 gradients and compares every parameter after every step (relative 1e-5,
//! absolute floor 1e-6), then checks save → load → next steps are bit-identical and, where the
//! optimizer's update is proportional to the learning rate, that learning_rate = 0 moves nothing.
use optimlab::optim::{create, Optimizer, Slot};
use serde_json::{json, Value};
use std::sync::OnceLock;

fn replay() -> &'static Value {
    static REPLAY: OnceLock<Value> = OnceLock::new();
    REPLAY.get_or_init(|| {
        let path = format!("{}/../test/fixtures/optax-replay.json", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(&path).expect(&path)).expect("fixture is JSON")
    })
}

fn case(name: &str) -> &'static Value {
    let cases = replay()["cases"].as_array().expect("cases");
    cases.iter().find(|c| c["name"] == name).unwrap_or_else(|| panic!("no fixture case '{name}'"))
}

fn tensors(value: &Value) -> Vec<Vec<f32>> {
    let as_f32 = |t: &Value| t.as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect();
    value.as_array().unwrap().iter().map(as_f32).collect()
}

fn shapes(case: &Value) -> Vec<Vec<usize>> {
    serde_json::from_value(case["shapes"].clone()).unwrap()
}

fn build(name: &str, options: &Value, case: &Value) -> Box<dyn Optimizer> {
    create(name, options, &shapes(case)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn step(opt: &mut dyn Optimizer, params: &mut [Vec<f32>], grads: &[Vec<f32>]) {
    let mut slots: Vec<Slot> = params.iter_mut().zip(grads).map(|(p, g)| Slot { param: p, grad: g }).collect();
    opt.step(&mut slots).unwrap();
}

fn grads(case: &Value, k: usize) -> Vec<Vec<f32>> {
    tensors(&case["grads"][k])
}

fn step_count(case: &Value) -> usize {
    case["grads"].as_array().unwrap().len()
}

/// All steps of the case against optax's recorded params; panics at the first value out of tolerance.
fn matches_optax(name: &str) {
    let case = case(name);
    let mut opt = build(name, &case["options"], case);
    let mut params = tensors(&case["init"]);
    for k in 0..step_count(case) {
        step(opt.as_mut(), &mut params, &grads(case, k));
        for (t, (got, want)) in params.iter().zip(tensors(&case["params"][k])).enumerate() {
            for (i, (&g, &w)) in got.iter().zip(&want).enumerate() {
                // Written as "within" so that a NaN counts as a mismatch.
                let within = (g - w).abs() <= 1e-6f32.max(1e-5 * w.abs());
                if !within {
                    panic!("{name}: step {}, tensor {t}[{i}]: got {g}, optax {w}", k + 1);
                }
            }
        }
    }
}

/// Save after half the steps, load into a fresh optimizer, run the rest on both: same bits.
fn save_load_is_bit_identical(name: &str) {
    let case = case(name);
    let (steps, half) = (step_count(case), step_count(case) / 2);
    let mut original = build(name, &case["options"], case);
    let mut params = tensors(&case["init"]);
    for k in 0..half {
        step(original.as_mut(), &mut params, &grads(case, k));
    }
    let mut blob = Vec::new();
    original.save_state(&mut blob);
    let mut restored = build(name, &case["options"], case);
    restored.load_state(&blob).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut restored_params = params.clone();
    for k in half..steps {
        step(original.as_mut(), &mut params, &grads(case, k));
        step(restored.as_mut(), &mut restored_params, &grads(case, k));
    }
    let bits = |ps: &[Vec<f32>]| ps.iter().flatten().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&params), bits(&restored_params), "{name}: restored state diverged");
    assert_ne!(params, tensors(&case["init"]), "{name}: the steps moved nothing");
}

/// learning_rate = 0 (over the case's other options) leaves every parameter exactly as it was.
fn lr_zero_keeps_params(name: &str) {
    let case = case(name);
    let mut options = case["options"].clone();
    options["learning_rate"] = json!(0.0);
    let mut opt = build(name, &options, case);
    let mut params = tensors(&case["init"]);
    for k in 0..step_count(case) {
        step(opt.as_mut(), &mut params, &grads(case, k));
    }
    assert_eq!(params, tensors(&case["init"]), "{name}: learning_rate 0 moved the params");
}

/// `optax_case!(name)` makes a module `name` with the tests `matches_optax` and `save_load`;
/// `optax_case!(name, lr_zero)` adds `lr_zero_keeps_params`.
macro_rules! optax_case {
    ($name:ident $(, $lr_zero:ident)?) => {
        mod $name {
            #[test]
            fn matches_optax() {
                super::matches_optax(stringify!($name));
            }
            #[test]
            fn save_load() {
                super::save_load_is_bit_identical(stringify!($name));
            }
            $(
                #[test]
                fn $lr_zero() {
                    super::lr_zero_keeps_params(stringify!($name));
                }
            )?
        }
    };
}

optax_case!(lion, lr_zero_keeps_params);
optax_case!(lamb, lr_zero_keeps_params);
optax_case!(lars, lr_zero_keeps_params);
optax_case!(adabelief, lr_zero_keeps_params);
optax_case!(yogi, lr_zero_keeps_params);
optax_case!(novograd, lr_zero_keeps_params);
optax_case!(adan, lr_zero_keeps_params);
optax_case!(sign_sgd, lr_zero_keeps_params);
optax_case!(fromage, lr_zero_keeps_params);
optax_case!(sm3, lr_zero_keeps_params);
optax_case!(adopt, lr_zero_keeps_params);
optax_case!(ademamix, lr_zero_keeps_params);
// No lr = 0 test: madgrad steps with learning_rate + eps; prodigy and dadapt_adamw divide 0 by 0
// in their distance estimate (NaN in optax too); schedule_free_adamw's y ↔ x round trip moves bits.
optax_case!(madgrad);
optax_case!(prodigy);
optax_case!(dadapt_adamw);
optax_case!(schedule_free_adamw);
optax_case!(cocob, lr_zero_keeps_params);

/// Every fixture case has a test above (a new case in the fixture must get one).
#[test]
fn every_fixture_case_has_a_test() {
    let tested = [
        "lion",
        "lamb",
        "lars",
        "adabelief",
        "yogi",
        "novograd",
        "adan",
        "sign_sgd",
        "fromage",
        "sm3",
        "adopt",
        "ademamix",
        "madgrad",
        "prodigy",
        "dadapt_adamw",
        "schedule_free_adamw",
        "cocob",
    ];
    let cases = replay()["cases"].as_array().unwrap();
    let names: Vec<&str> = cases.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, tested);
}
