//! Every registered optimizer through one table, as torch's `OptimizerInfo` does: parity with the reference it
//! was recorded from (test/fixtures/torch-optim-replay.json, muon-replay.json, optax-replay.json), save → load → next steps
//! bit-identical, what lr = 0 does, and validation cases (torch-errors.json, plus each row's own for the
//! optimizers torch lacks). The table must list exactly the names `names()` registers, so a new optimizer
//! cannot be left out; what is compared (cases, steps, starting points) comes from the fixtures.
//!
//! Messages: optimlab prints numbers inside messages the JavaScript way (`-1`, `1e-8`); torch's Python ones
//! (`-1.0`, `1e-08`) are rewritten that way before comparing, words compared exactly.
use optimlab::optim::{create, js_number, names, Closure, OptimError, Optimizer, Slot};
use serde_json::{json, Value};
use std::sync::OnceLock;

/// What lr = 0 does to an optimizer.
enum LrZero {
    /// Every parameter stays exactly as it was.
    KeepsParams,
    /// The parameters may move (the reason is the method's); they stay finite.
    Moves(&'static str),
}

/// One row per registered optimizer.
struct OptimizerInfo {
    name: &'static str,
    /// Options (JSON) for the generic checks, non-default where that exercises more state.
    options: &'static str,
    lr_zero: LrZero,
    /// Where its parity is checked when no replay fixture holds a case for it.
    parity_elsewhere: Option<&'static str>,
    /// Refusals torch-errors.json does not hold (optax's and the notebook's optimizers): options and message.
    invalid: &'static [(&'static str, &'static str)],
}

const fn row(name: &'static str, options: &'static str) -> OptimizerInfo {
    OptimizerInfo { name, options, lr_zero: LrZero::KeepsParams, parity_elsewhere: None, invalid: &[] }
}

const fn optax(
    name: &'static str,
    options: &'static str,
    invalid: &'static [(&'static str, &'static str)],
) -> OptimizerInfo {
    OptimizerInfo { invalid, ..row(name, options) }
}

const NOTEBOOK: Option<&str> =
    Some("the notebook's own code, its steps worked out by hand in crate/src/optim/notebook.rs");
const NEGATIVE_LR: (&str, &str) = (r#"{"lr": -1}"#, "Invalid learning rate: -1");

const TABLE: &[OptimizerInfo] = &[
    row("sgd", r#"{"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01}"#),
    row("adagrad", r#"{"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.01, "initial_accumulator_value": 0.1}"#),
    row("adadelta", r#"{"weight_decay": 0.01}"#),
    row("rmsprop", r#"{"centered": true, "momentum": 0.9, "weight_decay": 0.01}"#),
    row("adam", r#"{"amsgrad": true, "weight_decay": 0.01}"#),
    row("adamw", r#"{"amsgrad": true}"#),
    row("adamax", r#"{"weight_decay": 0.01}"#),
    row("nadam", r#"{"weight_decay": 0.01, "decoupled_weight_decay": true}"#),
    row("radam", r#"{"weight_decay": 0.01}"#),
    row("asgd", r#"{"lr": 0.05, "t0": 2, "weight_decay": 0.01}"#),
    OptimizerInfo {
        lr_zero: LrZero::Moves("its step sizes are clamped to at least step_sizes[0], as torch's"),
        ..row("rprop", r#"{"lr": 0.05, "etas": [0.4, 1.3], "maximize": true}"#)
    },
    // lr caps Adafactor's relative step size, ρ = min(lr, 1/√t) = 0.
    row("adafactor", r#"{"weight_decay": 0.01, "eps": [1e-6, 1e-3]}"#),
    row("muon", r#"{"lr": 0.02, "nesterov": false, "adjust_lr_fn": "match_rms_adamw"}"#),
    OptimizerInfo {
        parity_elsewhere: Some("torch's Rosenbrock trajectory in torch-landscapes.json, crate/tests/lbfgs.rs"),
        ..row("lbfgs", r#"{"lr": 0.1, "max_iter": 5, "history_size": 3}"#)
    },
    OptimizerInfo { parity_elsewhere: NOTEBOOK, invalid: &[NEGATIVE_LR], ..row("notebook_sgd", r#"{"lr": 0.1}"#) },
    OptimizerInfo {
        parity_elsewhere: NOTEBOOK,
        invalid: &[(r#"{"momentum": -0.5}"#, "Invalid momentum value: -0.5")],
        ..row("notebook_momentum", r#"{"lr": 0.1}"#)
    },
    OptimizerInfo { parity_elsewhere: NOTEBOOK, invalid: &[NEGATIVE_LR], ..row("notebook_nesterov", r#"{"lr": 0.1}"#) },
    OptimizerInfo {
        parity_elsewhere: NOTEBOOK,
        invalid: &[(r#"{"eps": -1}"#, "Invalid epsilon value: -1")],
        ..row("notebook_adagrad", r#"{"lr": 0.1}"#)
    },
    OptimizerInfo {
        parity_elsewhere: NOTEBOOK,
        invalid: &[(r#"{"alpha": -0.1}"#, "Invalid alpha value: -0.1")],
        ..row("notebook_rmsprop", r#"{"lr": 0.1}"#)
    },
    OptimizerInfo {
        parity_elsewhere: NOTEBOOK,
        invalid: &[(r#"{"betas": [1, 0.999]}"#, "Invalid beta parameter at index 0: 1")],
        ..row("notebook_adam", r#"{"lr": 0.1}"#)
    },
    optax("lion", r#"{"lr": 0.01, "weight_decay": 0.01}"#, &[(r#"{}"#, "lion requires learning_rate (or lr)")]),
    optax(
        "lamb",
        r#"{"lr": 0.01}"#,
        &[
            (r#"{"lr": 0.1, "b2": 1}"#, "Invalid beta parameter at index 1: 1"),
            (r#"{"lr": 0.1, "mask": [true, false]}"#, "optax option 'mask' of lamb is not supported yet"),
        ],
    ),
    optax("lars", r#"{"lr": 0.01, "nesterov": true}"#, &[NEGATIVE_LR]),
    optax("adabelief", r#"{"lr": 0.01}"#, &[(r#"{"lr": 0.1, "b1": 1}"#, "Invalid beta parameter at index 0: 1")]),
    optax("yogi", r#"{"learning_rate": 0.01}"#, &[(r#"{"learning_rate": -1}"#, "Invalid learning rate: -1")]),
    optax(
        "sign_sgd",
        r#"{"lr": 0.01}"#,
        &[(r#"{"learning_rate": 0.1, "lr": 0.1}"#, "sign_sgd: give learning_rate or its alias lr, not both")],
    ),
    optax("fromage", r#"{"lr": 0.01}"#, &[NEGATIVE_LR]),
    optax("novograd", r#"{"lr": 0.01}"#, &[(r#"{"lr": 0.1, "eps": -1e-8}"#, "Invalid epsilon value: -1e-8")]),
    optax("adan", r#"{"lr": 0.01}"#, &[(r#"{"lr": 0.1, "b3": 1.5}"#, "Invalid beta parameter at index 2: 1.5")]),
    optax("sm3", r#"{"lr": 0.01}"#, &[NEGATIVE_LR]),
    optax("adopt", r#"{"lr": 0.01}"#, &[NEGATIVE_LR]),
    optax("ademamix", r#"{"lr": 0.01}"#, &[NEGATIVE_LR]),
    OptimizerInfo {
        lr_zero: LrZero::Moves("it steps with learning_rate + eps"),
        ..optax("madgrad", r#"{"lr": 0.01}"#, &[NEGATIVE_LR])
    },
    optax("cocob", r#"{}"#, &[NEGATIVE_LR]),
    OptimizerInfo {
        lr_zero: LrZero::Moves("its y ↔ x round trip moves bits"),
        ..optax("schedule_free_adamw", r#"{}"#, &[NEGATIVE_LR])
    },
    OptimizerInfo {
        lr_zero: LrZero::Moves("its distance estimate divides 0 by 0 (NaN in optax; d is kept here)"),
        ..optax("prodigy", r#"{}"#, &[NEGATIVE_LR])
    },
    OptimizerInfo {
        lr_zero: LrZero::Moves("its distance estimate divides 0 by 0 (NaN in optax; d is kept here)"),
        ..optax("dadapt_adamw", r#"{}"#, &[NEGATIVE_LR])
    },
];

fn fixture(name: &str) -> &'static Value {
    static FIXTURES: OnceLock<Vec<(String, Value)>> = OnceLock::new();
    let all = FIXTURES.get_or_init(|| {
        [
            "torch-optim-replay.json",
            "muon-replay.json",
            "optax-replay.json",
            "optax-options-replay.json",
            "torch-errors.json",
        ]
        .iter()
        .map(|file| {
            let path = format!("{}/../test/fixtures/{file}", env!("CARGO_MANIFEST_DIR"));
            let text = std::fs::read_to_string(&path).expect(&path);
            (file.to_string(), serde_json::from_str(&text).expect("fixture is JSON"))
        })
        .collect()
    });
    &all.iter().find(|(file, _)| file == name).expect("a fixture read above").1
}

/// Every replay case of both fixtures with the registry name of its optimizer ("Adam" → "adam",
/// "optax.contrib.cocob" → "cocob").
fn replay_cases() -> Vec<(String, &'static Value)> {
    let cases = |file| fixture(file)["cases"].as_array().expect("cases").iter();
    let registry_name = |case: &Value| case["optimizer"].as_str().unwrap().rsplit('.').next().unwrap().to_lowercase();
    cases("torch-optim-replay.json")
        .chain(cases("muon-replay.json"))
        .chain(cases("optax-replay.json"))
        .chain(cases("optax-options-replay.json"))
        .map(|case| (registry_name(case), case))
        .collect()
}

fn tensors(value: &Value) -> Vec<Vec<f32>> {
    let as_f32 = |t: &Value| t.as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect();
    value.as_array().unwrap().iter().map(as_f32).collect()
}

fn options(info: &OptimizerInfo) -> Value {
    serde_json::from_str(info.options).expect("options are JSON")
}

/// The linear objective Σ gᵀθ with a fixed gradient, the closure LBFGS evaluates.
struct Linear<'a> {
    params: &'a mut [Vec<f32>],
    grads: &'a [Vec<f32>],
}

impl Closure for Linear<'_> {
    fn evaluate(&mut self) -> Result<f32, OptimError> {
        Ok(self.params.iter().flatten().zip(self.grads.iter().flatten()).map(|(p, g)| p * g).sum())
    }
    fn with_slots(&mut self, visit: &mut dyn FnMut(&mut [Slot<'_>])) {
        let mut slots: Vec<Slot> =
            self.params.iter_mut().zip(self.grads).map(|(p, g)| Slot { param: p, grad: g }).collect();
        visit(&mut slots);
    }
}

/// One step with these gradients; closure optimizers (LBFGS) get them from the linear objective.
fn step(opt: &mut dyn Optimizer, params: &mut [Vec<f32>], grads: &[Vec<f32>]) {
    if opt.needs_closure() {
        opt.step_with_closure(&mut Linear { params, grads }).unwrap();
    } else {
        let mut slots: Vec<Slot> = params.iter_mut().zip(grads).map(|(p, g)| Slot { param: p, grad: g }).collect();
        opt.step(&mut slots).unwrap();
    }
}

/// Deterministic, sign-varying values (a tiny LCG), different for every seed.
fn synthetic(shapes: &[Vec<usize>], seed: u32) -> Vec<Vec<f32>> {
    let mut state = seed.wrapping_mul(747796405).wrapping_add(2891336453);
    let mut next = move || {
        state = state.wrapping_mul(1664525).wrapping_add(1013904223);
        (state >> 8) as f32 / (1u32 << 24) as f32 * 2.0 - 1.0
    };
    shapes.iter().map(|shape| (0..shape.iter().product::<usize>()).map(|_| next()).collect()).collect()
}

/// Matrices, so that every optimizer (Muon takes 2-D parameters only) runs on them.
fn shapes() -> Vec<Vec<usize>> {
    vec![vec![3, 4], vec![2, 5]]
}

fn initial_params() -> Vec<Vec<f32>> {
    synthetic(&shapes(), 99)
}

fn bits(params: &[Vec<f32>]) -> Vec<u32> {
    params.iter().flatten().map(|x| x.to_bits()).collect()
}

#[test]
fn the_table_lists_every_registered_optimizer_in_registry_order() {
    let table: Vec<&str> = TABLE.iter().map(|info| info.name).collect();
    assert_eq!(table, names().collect::<Vec<_>>());
}

/// The first parameter of a replay case that leaves rel 1e-5 / abs 1e-6 of the reference, if any.
fn replay_mismatch(name: &str, case: &Value) -> Option<String> {
    let shapes: Vec<Vec<usize>> = serde_json::from_value(case["shapes"].clone()).unwrap();
    let mut opt = match create(name, &case["options"], &shapes) {
        Ok(opt) => opt,
        Err(e) => return Some(e.to_string()),
    };
    let mut params = tensors(&case["init"]);
    let grads = case["grads"].as_array().unwrap();
    for (k, expected_after) in case["params"].as_array().unwrap().iter().enumerate() {
        step(opt.as_mut(), &mut params, &tensors(&grads[k]));
        for (t, (got, want)) in params.iter().zip(tensors(expected_after)).enumerate() {
            for (i, (&g, &w)) in got.iter().zip(&want).enumerate() {
                // Written as "within" so that a NaN counts as a mismatch.
                let within = (g - w).abs() <= 1e-6f32.max(1e-5 * w.abs());
                if !within {
                    return Some(format!("step {}, tensor {t}[{i}]: got {g}, reference {w}", k + 1));
                }
            }
        }
    }
    None
}

/// Every case of both replay fixtures, all its steps; failures of all cases reported together. Every
/// optimizer has a case unless its row says where its parity is checked.
#[test]
fn every_replay_case_matches_its_reference() {
    let registered: Vec<&str> = names().collect();
    let mut failures = Vec::new();
    let cases = replay_cases();
    for (name, case) in &cases {
        assert!(registered.contains(&name.as_str()), "fixture case {} names no registered optimizer", case["name"]);
        if let Some(mismatch) = replay_mismatch(name, case) {
            failures.push(format!("{}: {mismatch}", case["name"]));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for info in TABLE.iter().filter(|info| info.parity_elsewhere.is_none()) {
        assert!(cases.iter().any(|(name, _)| name == info.name), "no replay case for {}", info.name);
    }
}

/// Each replay case saved after half its steps and loaded into a fresh optimizer: the rest is the same bits.
#[test]
fn replay_cases_saved_halfway_go_on_bit_identically() {
    for (name, case) in replay_cases() {
        let shapes: Vec<Vec<usize>> = serde_json::from_value(case["shapes"].clone()).unwrap();
        let grads: Vec<Vec<Vec<f32>>> = case["grads"].as_array().unwrap().iter().map(tensors).collect();
        let half = grads.len() / 2;
        let mut original = create(&name, &case["options"], &shapes).unwrap();
        let mut params = tensors(&case["init"]);
        grads[..half].iter().for_each(|g| step(original.as_mut(), &mut params, g));
        let mut blob = Vec::new();
        original.save_state(&mut blob);
        let mut restored = create(&name, &case["options"], &shapes).unwrap();
        restored.load_state(&blob).unwrap_or_else(|e| panic!("{}: {e}", case["name"]));
        let mut restored_params = params.clone();
        for g in &grads[half..] {
            step(original.as_mut(), &mut params, g);
            step(restored.as_mut(), &mut restored_params, g);
        }
        assert_eq!(bits(&params), bits(&restored_params), "{}: restored state diverged", case["name"]);
        assert_ne!(params, tensors(&case["init"]), "{}: the steps moved nothing", case["name"]);
    }
}

/// Every optimizer with its row's options: three steps, save, load into a fresh one, three more on both.
#[test]
fn save_load_then_next_steps_are_bit_identical() {
    let shapes = shapes();
    for info in TABLE {
        let mut original = create(info.name, &options(info), &shapes).unwrap();
        let mut params = initial_params();
        for k in 0..3 {
            step(original.as_mut(), &mut params, &synthetic(&shapes, k));
        }
        let mut blob = Vec::new();
        original.save_state(&mut blob);
        let mut restored = create(info.name, &options(info), &shapes).unwrap();
        restored.load_state(&blob).unwrap_or_else(|e| panic!("{}: {e}", info.name));
        let mut restored_params = params.clone();
        for k in 3..6 {
            let grads = synthetic(&shapes, k);
            step(original.as_mut(), &mut params, &grads);
            step(restored.as_mut(), &mut restored_params, &grads);
        }
        assert_eq!(bits(&params), bits(&restored_params), "{}", info.name);
        assert_ne!(params, initial_params(), "{}: the steps moved nothing", info.name);
    }
}

#[test]
fn lr_zero_keeps_params_where_the_update_scales_with_lr() {
    let shapes = shapes();
    for info in TABLE {
        let mut options = options(info);
        let key = if options.get("learning_rate").is_some() { "learning_rate" } else { "lr" };
        options[key] = json!(0.0);
        let mut opt = create(info.name, &options, &shapes).unwrap();
        let mut params = initial_params();
        for k in 0..4 {
            step(opt.as_mut(), &mut params, &synthetic(&shapes, k));
        }
        match info.lr_zero {
            LrZero::KeepsParams => assert_eq!(bits(&params), bits(&initial_params()), "{}", info.name),
            LrZero::Moves(why) => assert!(params.iter().flatten().all(|p| p.is_finite()), "{} ({why})", info.name),
        }
    }
}

#[test]
fn rprop_with_lr_zero_still_moves_by_the_minimal_step_size() {
    let mut opt = create("rprop", &json!({"lr": 0.0}), &[vec![1]]).unwrap();
    let mut params = vec![vec![1.0f32]];
    step(opt.as_mut(), &mut params, &[vec![1.0]]);
    assert_eq!(params[0][0], 1.0 - 1e-6f32);
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
fn javascript_number_rewriting_of_python_messages() {
    assert_eq!(javascript_numbers("Invalid learning rate: -3.0"), "Invalid learning rate: -3");
    assert_eq!(javascript_numbers("Invalid epsilon value: -2.5e-08"), "Invalid epsilon value: -2.5e-8");
    assert_eq!(javascript_numbers("Invalid eta values: 1.0, 0.5"), "Invalid eta values: 1, 0.5");
    assert_eq!(javascript_numbers("size: torch.Size([4])"), "size: torch.Size([4])");
}

/// torch-errors.json's cases (torch's messages, numbers the JavaScript way; "ok" cases must construct) and
/// each row's own; every optimizer has at least one.
#[test]
fn every_optimizer_refuses_bad_options_with_the_reference_message() {
    let mut checked: Vec<&str> = Vec::new();
    for case in fixture("torch-errors.json")["cases"].as_array().unwrap() {
        let optimizer = case["optimizer"].as_str().unwrap();
        let info = TABLE.iter().find(|info| info.name == optimizer).unwrap_or_else(|| panic!("{case}: not registered"));
        let shapes = if case["params"] == "1-D" { vec![vec![4]] } else { vec![vec![2, 3]] };
        let result = create(optimizer, &case["options"], &shapes);
        match case["expect"].as_str().unwrap() {
            "ok" => assert!(result.is_ok(), "{case}: {}", result.err().unwrap()),
            _ => {
                let want = javascript_numbers(case["message"].as_str().unwrap());
                assert_eq!(result.err().map(|e| e.to_string()), Some(want), "{case}");
                checked.push(info.name);
            }
        }
    }
    for info in TABLE {
        for (options, message) in info.invalid {
            let options: Value = serde_json::from_str(options).unwrap();
            let result = create(info.name, &options, &[vec![2, 3]]);
            assert_eq!(result.err().map(|e| e.to_string()).as_deref(), Some(*message), "{} {options}", info.name);
            checked.push(info.name);
        }
        assert!(checked.contains(&info.name), "no validation case for {}", info.name);
    }
}

/// Every parameter of each optax optimizer's signature (optax-options-replay.json, read from optax itself) is one of
/// its declared options: taken, or refused as "not supported yet" — never "Unknown option".
#[test]
fn every_optax_signature_option_is_declared() {
    let described = optimlab::optim::describe();
    let signatures = fixture("optax-options-replay.json")["signatures"].as_object().expect("signatures");
    assert!(!signatures.is_empty());
    for (name, parameters) in signatures {
        let entry = described.as_array().unwrap().iter().find(|entry| entry["name"] == name.as_str());
        let options: Vec<&str> = entry.unwrap_or_else(|| panic!("{name} is not registered"))["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|option| option["name"].as_str().unwrap())
            .collect();
        for parameter in parameters.as_array().unwrap() {
            assert!(options.contains(&parameter.as_str().unwrap()), "{name}: optax's {parameter} is not declared");
        }
    }
    let refused = create("lion", &json!({"lr": 0.1, "mu_dtype": "bfloat16"}), &[vec![2, 3]]).err();
    assert_eq!(refused, Some(OptimError::NotSupported { optimizer: "lion".into(), option: "mu_dtype".into() }));
    assert!(create("lion", &json!({"lr": 0.1, "mu_dtype": "float32", "mask": null}), &[vec![2, 3]]).is_ok());
    assert!(create("schedule_free_adamw", &json!({"warmup_steps": 0}), &[vec![2, 3]]).is_err());
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
fn param_groups_apply_their_own_lr_and_set_lr_changes_one_group() {
    let options = json!({"lr": 0.1, "param_groups": [{"params": [1], "lr": 0.5}]});
    let shapes = shapes();
    let mut opt = create("sgd", &options, &shapes).unwrap();
    let mut params = initial_params();
    let grads = synthetic(&shapes, 7);
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
