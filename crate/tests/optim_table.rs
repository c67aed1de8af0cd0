//! Generic optimizer tests driven by one table, like torch's `OptimizerInfo`: fixture parity with
//! torch.optim (test/fixtures/torch-optim-replay.json), torch's error messages
//! (test/fixtures/torch-errors.json), save → load → next step bit-identical, lr = 0 keeps params.
//!
//! Messages: optimlab prints numbers inside messages the JavaScript way (`-1`, `1e-8`); torch's
//! Python ones (`-1.0`, `1e-08`) are rewritten that way before comparing, words compared exactly.
use optimlab::optim::{create, js_number, names, Optimizer, Slot};
use serde_json::{json, Value};

/// One row per optimizer: options for the generic tests (non-default where that exercises more
/// state), and whether lr = 0 must leave the parameters unchanged.
struct OptimInfo {
    name: &'static str,
    options: fn() -> Value,
    lr_zero_keeps_params: bool,
}

const TABLE: &[OptimInfo] = &[
    OptimInfo {
        name: "sgd",
        options: || json!({"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01}),
        lr_zero_keeps_params: true,
    },
    OptimInfo {
        name: "adagrad",
        options: || json!({"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.01, "initial_accumulator_value": 0.1}),
        lr_zero_keeps_params: true,
    },
    OptimInfo { name: "adadelta", options: || json!({"weight_decay": 0.01}), lr_zero_keeps_params: true },
    OptimInfo {
        name: "rmsprop",
        options: || json!({"centered": true, "momentum": 0.9, "weight_decay": 0.01}),
        lr_zero_keeps_params: true,
    },
    OptimInfo { name: "adam", options: || json!({"amsgrad": true, "weight_decay": 0.01}), lr_zero_keeps_params: true },
    OptimInfo { name: "adamw", options: || json!({"amsgrad": true}), lr_zero_keeps_params: true },
    OptimInfo { name: "adamax", options: || json!({"weight_decay": 0.01}), lr_zero_keeps_params: true },
    OptimInfo {
        name: "nadam",
        options: || json!({"weight_decay": 0.01, "decoupled_weight_decay": true}),
        lr_zero_keeps_params: true,
    },
    OptimInfo { name: "radam", options: || json!({"weight_decay": 0.01}), lr_zero_keeps_params: true },
    OptimInfo { name: "notebook_sgd", options: || json!({"lr": 0.1}), lr_zero_keeps_params: true },
    OptimInfo { name: "notebook_momentum", options: || json!({"lr": 0.1}), lr_zero_keeps_params: true },
    OptimInfo { name: "notebook_nesterov", options: || json!({"lr": 0.1}), lr_zero_keeps_params: true },
    OptimInfo { name: "notebook_adagrad", options: || json!({"lr": 0.1}), lr_zero_keeps_params: true },
    OptimInfo { name: "notebook_rmsprop", options: || json!({"lr": 0.1}), lr_zero_keeps_params: true },
    OptimInfo { name: "notebook_adam", options: || json!({"lr": 0.1}), lr_zero_keeps_params: true },
];

/// The replay cases this table must cover (torch class names lower-cased are registry names).
const OWN_REPLAY_CASES: &[&str] = &[
    "sgd",
    "sgd_momentum",
    "sgd_nesterov",
    "sgd_dampening_wd",
    "adagrad",
    "adadelta",
    "rmsprop",
    "rmsprop_centered_momentum",
    "adam",
    "adam_amsgrad",
    "adamw",
    "adamax",
    "nadam",
    "radam",
];

fn fixture(name: &str) -> Value {
    let path = format!("{}/../test/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect(&path)).expect("fixture is JSON")
}

fn tensors(value: &Value) -> Vec<Vec<f32>> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect())
        .collect()
}

fn step(opt: &mut dyn Optimizer, params: &mut [Vec<f32>], grads: &[Vec<f32>]) {
    let mut slots: Vec<Slot> = params.iter_mut().zip(grads).map(|(p, g)| Slot { param: p, grad: g }).collect();
    opt.step(&mut slots).unwrap();
}

/// Deterministic, sign-varying gradients (a tiny LCG), different every step.
fn synthetic_grads(shapes: &[Vec<usize>], seed: u32) -> Vec<Vec<f32>> {
    let mut state = seed.wrapping_mul(747796405).wrapping_add(2891336453);
    shapes
        .iter()
        .map(|shape| {
            (0..shape.iter().product::<usize>())
                .map(|_| {
                    state = state.wrapping_mul(1664525).wrapping_add(1013904223);
                    (state >> 8) as f32 / (1u32 << 24) as f32 * 2.0 - 1.0
                })
                .collect()
        })
        .collect()
}

const SHAPES: [[usize; 2]; 2] = [[3, 4], [2, 5]];

fn shapes() -> Vec<Vec<usize>> {
    SHAPES.iter().map(|s| s.to_vec()).collect()
}

fn initial_params() -> Vec<Vec<f32>> {
    synthetic_grads(&shapes(), 99)
}

/// The first parameter of a replay case that leaves rel 1e-5 / abs 1e-6 of torch, if any.
fn replay_mismatch(case: &Value) -> Option<String> {
    let optimizer = case["optimizer"].as_str().unwrap().to_lowercase();
    let shapes: Vec<Vec<usize>> = serde_json::from_value(case["shapes"].clone()).unwrap();
    let mut opt = match create(&optimizer, &case["options"], &shapes) {
        Ok(opt) => opt,
        Err(e) => return Some(e.to_string()),
    };
    let mut params = tensors(&case["init"]);
    let grads = case["grads"].as_array().unwrap();
    for (k, expected_after) in case["params"].as_array().unwrap().iter().enumerate() {
        step(opt.as_mut(), &mut params, &tensors(&grads[k]));
        for (t, (got, want)) in params.iter().zip(tensors(expected_after)).enumerate() {
            for (i, (&g, &w)) in got.iter().zip(&want).enumerate() {
                if (g - w).abs() > 1e-6f32.max(1e-5 * w.abs()) {
                    return Some(format!("step {}, tensor {t}[{i}]: got {g}, torch {w}", k + 1));
                }
            }
        }
    }
    None
}

/// Every case whose optimizer is registered, all 25 steps; failures of all cases reported together.
#[test]
fn every_replay_case_matches_torch_for_25_steps() {
    let replay = fixture("torch-optim-replay.json");
    let registered: Vec<&str> = names().collect();
    let mut checked = Vec::new();
    let mut failures = Vec::new();
    for case in replay["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        if !registered.contains(&case["optimizer"].as_str().unwrap().to_lowercase().as_str()) {
            continue;
        }
        if let Some(mismatch) = replay_mismatch(case) {
            failures.push(format!("{name}: {mismatch}"));
        }
        checked.push(name);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for own in OWN_REPLAY_CASES {
        assert!(checked.contains(own), "replay case {own} was not run");
    }
}

/// Rewrites every number of a message the JavaScript way (`-1.0` → `-1`, `1e-08` → `1e-8`).
fn javascript_numbers(message: &str) -> String {
    let chars: Vec<char> = message.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let starts_number =
            chars[i].is_ascii_digit() || (chars[i] == '-' && chars.get(i + 1).is_some_and(|c| c.is_ascii_digit()));
        let inside_word = i > 0 && chars[i - 1].is_alphanumeric();
        if starts_number && !inside_word {
            let mut end = i + 1;
            while end < chars.len() && (chars[end].is_ascii_digit() || ".eE+-".contains(chars[end])) {
                end += 1;
            }
            let token: String = chars[i..end].iter().collect();
            // A sentence-ending period is not part of the number.
            let token = token.trim_end_matches('.');
            if let Ok(x) = token.parse::<f64>() {
                out.push_str(&js_number(x));
                i += token.chars().count();
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

#[test]
fn torch_error_cases_give_torch_messages_and_ok_cases_construct() {
    let errors = fixture("torch-errors.json");
    let registered: Vec<&str> = names().collect();
    let mut checked = 0;
    for case in errors["cases"].as_array().unwrap() {
        let optimizer = case["optimizer"].as_str().unwrap();
        if !registered.contains(&optimizer) {
            continue;
        }
        let shapes = if case["params"] == "1-D" { vec![vec![4]] } else { vec![vec![2, 3]] };
        let result = create(optimizer, &case["options"], &shapes);
        match case["expect"].as_str().unwrap() {
            "ok" => assert!(result.is_ok(), "{case}: {}", result.err().unwrap()),
            _ => {
                let want = javascript_numbers(case["message"].as_str().unwrap());
                assert_eq!(result.err().map(|e| e.to_string()), Some(want), "{case}");
            }
        }
        checked += 1;
    }
    assert!(checked >= 48, "only {checked} error cases ran");
}

#[test]
fn javascript_number_rewriting_of_python_messages() {
    assert_eq!(javascript_numbers("Invalid learning rate: -3.0"), "Invalid learning rate: -3");
    assert_eq!(javascript_numbers("Invalid epsilon value: -2.5e-08"), "Invalid epsilon value: -2.5e-8");
    assert_eq!(javascript_numbers("Invalid eta values: 1.0, 0.5"), "Invalid eta values: 1, 0.5");
    assert_eq!(javascript_numbers("size: torch.Size([4])"), "size: torch.Size([4])");
}

#[test]
fn save_load_then_next_steps_are_bit_identical() {
    let shapes = shapes();
    for info in TABLE {
        let mut original = create(info.name, &(info.options)(), &shapes).unwrap();
        let mut params = initial_params();
        for k in 0..3 {
            step(original.as_mut(), &mut params, &synthetic_grads(&shapes, k));
        }
        let mut blob = Vec::new();
        original.save_state(&mut blob);
        let mut restored = create(info.name, &(info.options)(), &shapes).unwrap();
        restored.load_state(&blob).unwrap();
        let mut restored_params = params.clone();
        for k in 3..6 {
            let grads = synthetic_grads(&shapes, k);
            step(original.as_mut(), &mut params, &grads);
            step(restored.as_mut(), &mut restored_params, &grads);
        }
        let bits = |ps: &[Vec<f32>]| ps.iter().flatten().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&params), bits(&restored_params), "{}", info.name);
        assert_ne!(params, initial_params(), "{}: the steps moved nothing", info.name);
    }
}

#[test]
fn state_of_another_optimizer_shape_or_version_is_refused() {
    let mut blob = Vec::new();
    create("adam", &json!({}), &shapes()).unwrap().save_state(&mut blob);
    let mut sgd = create("sgd", &json!({}), &shapes()).unwrap();
    assert_eq!(
        sgd.load_state(&blob).unwrap_err().to_string(),
        "optimizer state: saved by 'adam', cannot load into 'sgd'"
    );
    let mut other_shape = create("adam", &json!({}), &[vec![3, 4], vec![2, 6]]).unwrap();
    assert_eq!(
        other_shape.load_state(&blob).unwrap_err().to_string(),
        "optimizer state: tensor 1 had 10 values when saved, it has 12 here"
    );
    let mut adam = create("adam", &json!({}), &shapes()).unwrap();
    assert_eq!(
        adam.load_state(&blob[..blob.len() - 1]).unwrap_err().to_string(),
        "optimizer state: the data is truncated"
    );
    let mut newer = blob.clone();
    newer[8] = 2;
    assert_eq!(
        adam.load_state(&newer).unwrap_err().to_string(),
        "optimizer state: format version 2 is newer than this build reads (1)"
    );
    assert_eq!(adam.load_state(b"junk").unwrap_err().to_string(), "optimizer state: not an optimlab optimizer state");
    adam.load_state(&blob).unwrap();
}

#[test]
fn saved_state_carries_the_lr_in_force() {
    let mut opt = create("sgd", &json!({"lr": 0.1}), &shapes()).unwrap();
    opt.set_lr(0, 0.025);
    let mut blob = Vec::new();
    opt.save_state(&mut blob);
    let mut restored = create("sgd", &json!({"lr": 0.1}), &shapes()).unwrap();
    restored.load_state(&blob).unwrap();
    assert_eq!(restored.lr(0), 0.025);
}

#[test]
fn lr_zero_leaves_params_unchanged() {
    let shapes = shapes();
    for info in TABLE.iter().filter(|info| info.lr_zero_keeps_params) {
        let mut options = (info.options)();
        options["lr"] = json!(0.0);
        let mut opt = create(info.name, &options, &shapes).unwrap();
        let mut params = initial_params();
        for k in 0..4 {
            step(opt.as_mut(), &mut params, &synthetic_grads(&shapes, k));
        }
        assert_eq!(params, initial_params(), "{}", info.name);
    }
}

#[test]
fn param_groups_apply_their_own_lr_and_set_lr_changes_one_group() {
    let options = json!({"lr": 0.1, "param_groups": [{"params": [1], "lr": 0.5}]});
    let shapes = shapes();
    let mut opt = create("sgd", &options, &shapes).unwrap();
    let mut params = initial_params();
    let grads = synthetic_grads(&shapes, 7);
    step(opt.as_mut(), &mut params, &grads);
    let expect = |t: usize, lr: f32| -> Vec<f32> {
        initial_params()[t].iter().zip(&grads[t]).map(|(p, g)| p + -lr * g).collect()
    };
    // Group 0 is the explicit one (tensor 1), group 1 the default (tensor 0).
    assert_eq!(params[1], expect(1, 0.5));
    assert_eq!(params[0], expect(0, 0.1));
    opt.set_lr(0, 0.0);
    let before = params.clone();
    step(opt.as_mut(), &mut params, &grads);
    assert_eq!(params[1], before[1]);
    assert_ne!(params[0], before[0]);
}

#[test]
fn per_group_weight_decay_override() {
    let options = json!({"lr": 0.1, "weight_decay": 0.5, "param_groups": [{"params": [0], "weight_decay": 0.0}]});
    let shapes = shapes();
    let mut opt = create("adamw", &options, &shapes).unwrap();
    let mut params = initial_params();
    let zero_grads: Vec<Vec<f32>> = shapes.iter().map(|s| vec![0.0; s.iter().product()]).collect();
    step(opt.as_mut(), &mut params, &zero_grads);
    // With a zero gradient AdamW moves only by its decoupled decay θ(1 − γλ).
    assert_eq!(params[0], initial_params()[0]);
    let decayed: Vec<f32> = initial_params()[1].iter().map(|p| p * (1.0 - 0.1 * 0.5) as f32).collect();
    assert_eq!(params[1], decayed);
}
