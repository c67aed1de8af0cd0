//! LR schedules against torch.optim.lr_scheduler (test/fixtures/torch-lr-schedules.json) and
//! torch's validation messages.
use optimlab::schedule::{create, Schedule};
use serde_json::{json, Value};

fn fixture() -> Value {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../test/fixtures/torch-lr-schedules.json"))
            .expect("fixture file");
    serde_json::from_str(&text).expect("fixture JSON")
}

/// The lr used by optimizer steps 1..=n: read lr, (optimizer step), scheduler.step(metric).
fn lrs_in_force(schedule: &mut dyn Schedule, steps: usize, metrics: Option<&Vec<Value>>) -> Vec<f64> {
    (0..steps)
        .map(|k| {
            let lr = schedule.lr(0);
            let metric = metrics.map(|m| m[k].as_f64().expect("metric"));
            schedule.step(metric).expect("step");
            lr
        })
        .collect()
}

#[test]
fn every_fixture_schedule_matches_torch() {
    let fixture = fixture();
    let cases = fixture["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 11);
    for case in cases {
        let expected: Vec<f64> = case["lrs"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        let base_lr = case["base_lr"].as_f64().unwrap();
        let mut schedule = create(case["scheduler"].as_str().unwrap(), &case["options"], &[base_lr]).unwrap();
        let actual = lrs_in_force(schedule.as_mut(), expected.len(), case["metrics"].as_array());
        for (k, (a, e)) in actual.iter().zip(&expected).enumerate() {
            assert!((a - e).abs() <= 1e-9 * e.abs().max(1e-12), "{} step {}: got {a}, torch {e}", case["name"], k + 1);
        }
    }
}

#[test]
fn one_cycle_runs_momentum_opposite_to_the_lr() {
    let mut schedule = create("OneCycleLR", &json!({"max_lr": 0.1, "total_steps": 10}), &[0.1]).unwrap();
    // Phase 1 ends at step 0.3·10 − 1 = 2: lr at max_lr, momentum at base_momentum.
    assert_eq!(schedule.momentum(0), Some(0.95));
    schedule.step(None).unwrap();
    schedule.step(None).unwrap();
    assert!((schedule.lr(0) - 0.1).abs() < 1e-15);
    assert!((schedule.momentum(0).unwrap() - 0.85).abs() < 1e-15);
    for _ in 2..10 {
        schedule.step(None).unwrap();
    }
    assert_eq!(
        schedule.step(None).unwrap_err().to_string(),
        "Tried to step 11 times. The specified number of total steps is 10"
    );
    let plain =
        create("OneCycleLR", &json!({"max_lr": 0.1, "total_steps": 10, "cycle_momentum": false}), &[0.1]).unwrap();
    assert_eq!(plain.momentum(0), None);
}

#[test]
fn cyclic_momentum_and_exp_range() {
    let options = json!({"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 2, "mode": "exp_range", "gamma": 0.5});
    let mut schedule = create("cycliclr", &options, &[0.3]).unwrap();
    assert_eq!((schedule.lr(0), schedule.momentum(0)), (0.01, Some(0.9)));
    schedule.step(None).unwrap();
    // x = 0.25, scale_factor 0.5, exp_range scale 0.5^1.
    assert!((schedule.lr(0) - (0.01 + 0.09 * 0.5 * 0.5)).abs() < 1e-15);
    assert!((schedule.momentum(0).unwrap() - (0.9 - 0.1 * 0.5 * 0.5)).abs() < 1e-15);
}

#[test]
fn plateau_honours_cooldown_min_lr_and_max_mode() {
    let options = json!({"mode": "max", "factor": 0.5, "patience": 0, "cooldown": 1, "min_lr": 0.03});
    let mut schedule = create("ReduceLROnPlateau", &options, &[0.1]).unwrap();
    let mut lrs = Vec::new();
    for metric in [1.0, 0.9, 0.8, 0.7, 0.6] {
        schedule.step(Some(metric)).unwrap();
        lrs.push(schedule.lr(0));
    }
    // Bad step 2 halves; step 3 is cooldown; step 4 halves to the 0.03 floor; then nothing to reduce.
    assert_eq!(lrs, vec![0.1, 0.05, 0.05, 0.03, 0.03]);
    assert_eq!(
        schedule.step(None).unwrap_err().to_string(),
        "ReduceLROnPlateau.step() missing 1 required positional argument: 'metrics'"
    );
}

#[test]
fn param_groups_each_follow_their_own_lr() {
    let mut schedule = create("StepLR", &json!({"step_size": 1, "gamma": 0.5}), &[0.1, 1.0]).unwrap();
    schedule.step(None).unwrap();
    assert_eq!((schedule.group_count(), schedule.lr(0), schedule.lr(1)), (2, 0.05, 0.5));
    let per_group = create("OneCycleLR", &json!({"max_lr": [0.1, 0.2, 0.3], "total_steps": 5}), &[0.1, 0.1]);
    assert_eq!(
        per_group.err().unwrap().to_string(),
        "max_lr must have the same length as optimizer.param_groups. max_lr has 3 values, param_groups has 2."
    );
}

#[test]
fn invalid_options_give_torch_messages() {
    let cases = [
        (
            "LinearLR",
            json!({"start_factor": 0}),
            "Starting multiplicative factor expected to be greater than 0 and less or equal to 1, but got start_factor=0",
        ),
        (
            "LinearLR",
            json!({"end_factor": 1.5}),
            "Ending multiplicative factor expected to be between 0 and 1, but got end_factor=1.5",
        ),
        (
            "ConstantLR",
            json!({"factor": -0.1}),
            "Constant multiplicative factor expected to be between 0 and 1, but got factor=-0.1",
        ),
        ("CosineAnnealingWarmRestarts", json!({"T_0": 0}), "Expected positive integer T_0, but got 0"),
        ("CosineAnnealingWarmRestarts", json!({"T_0": 2.5}), "Expected positive integer T_0, but got 2.5"),
        ("CosineAnnealingWarmRestarts", json!({"T_0": 5, "T_mult": 0}), "Expected integer T_mult >= 1, but got 0"),
        (
            "CosineAnnealingWarmRestarts",
            json!({"T_0": 5, "eta_min": "low"}),
            "Expected float or int eta_min, but got low of type <class 'str'>",
        ),
        ("OneCycleLR", json!({"max_lr": 0.1}), "You must define either total_steps OR (epochs AND steps_per_epoch)"),
        ("OneCycleLR", json!({"max_lr": 0.1, "total_steps": -3}), "Expected positive integer total_steps, but got -3"),
        (
            "OneCycleLR",
            json!({"max_lr": 0.1, "epochs": 0, "steps_per_epoch": 3}),
            "Expected positive integer epochs, but got 0",
        ),
        (
            "OneCycleLR",
            json!({"max_lr": 0.1, "total_steps": 9, "pct_start": 1.5}),
            "Expected float between 0 and 1 pct_start, but got 1.5",
        ),
        (
            "OneCycleLR",
            json!({"max_lr": 0.1, "total_steps": 9, "anneal_strategy": "exp"}),
            "anneal_strategy must be one of 'cos' or 'linear', instead got exp",
        ),
        (
            "CyclicLR",
            json!({"base_lr": 0.1, "max_lr": 1, "mode": "square"}),
            "mode is invalid and scale_fn is None: mode 'square' is not 'triangular', 'triangular2' or 'exp_range'",
        ),
        (
            "CyclicLR",
            json!({"base_lr": 0.1, "max_lr": 1, "step_size_up": 0}),
            "float division by zero: step_size_up (0) + step_size_down (0) is 0",
        ),
        ("CyclicLR", json!({"max_lr": 1}), "CyclicLR.__init__() missing 1 required positional argument: 'base_lr'"),
        ("ReduceLROnPlateau", json!({"factor": 1.0}), "Factor should be < 1.0, but got factor=1"),
        ("ReduceLROnPlateau", json!({"mode": "up"}), "mode up is unknown!"),
        ("ReduceLROnPlateau", json!({"threshold_mode": "pct"}), "threshold mode pct is unknown!"),
        ("ReduceLROnPlateau", json!({"min_lr": [0.1, 0.2]}), "expected 1 min_lrs, got 2"),
        ("StepLR", json!({}), "StepLR.__init__() missing 1 required positional argument: 'step_size'"),
        ("ExponentialLR", json!({}), "ExponentialLR.__init__() missing 1 required positional argument: 'gamma'"),
        ("StepLR", json!({"step_size": 0}), "Expected positive integer step_size, but got 0"),
        ("StepLR", json!({"step_size": 3, "gamma": "fast"}), "gamma must be a number, got \"fast\""),
        ("StepLR", json!({"step_size": 2.5}), "step_size must be an integer, got 2.5"),
        ("MultiStepLR", json!({"milestones": 3}), "milestones must be a list of integers, got 3"),
        ("OneCycleLR", json!({"max_lr": 0.1, "total_steps": 9, "three_phase": 1}), "three_phase must be true or false, got 1"),
        ("LambdaLR", json!({"lr_lambda": true}), "lr_lambda must be an expression of epoch (a string), a number, a table of numbers (its values at epochs 0, 1, …), or a list of those with one per param group, got true"),
        (
            "StepLR",
            json!({"step_size": 3, "gama": 0.5}),
            "StepLR got an unexpected option 'gama'; valid options: step_size, gamma",
        ),
    ];
    for (name, options, message) in cases {
        let err = create(name, &options, &[0.1]).err().unwrap_or_else(|| panic!("{name} {options} accepted"));
        assert_eq!(err.to_string(), message, "{name} {options}");
    }
    assert!(create("WarmupLR", &json!({}), &[0.1])
        .err()
        .unwrap()
        .to_string()
        .starts_with("Unknown lr schedule: WarmupLR"));
}
