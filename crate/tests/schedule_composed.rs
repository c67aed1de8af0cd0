//! Composed schedules against torch (test/fixtures/torch-lr-schedules-composed.json: SequentialLR,
//! ChainedScheduler, LambdaLR, MultiplicativeLR with lr_lambda as an expression), ReduceLROnPlateau inside
//! SequentialLR against a hand-computed sequence, in a Trainer and across a checkpoint, and the refusals; natively
//! and inside the simd128 wasm build.
use optimlab::schedule::{self, create_from_spec};
use optimlab::train::Trainer;
use serde_json::{json, Map, Value};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn fixture() -> Value {
    serde_json::from_str(include_str!("../../test/fixtures/torch-lr-schedules-composed.json")).expect("fixture JSON")
}

/// The fixture's `{scheduler, options}` as this crate's spec `{name, ...options}`, inner schedulers too.
fn spec(scheduler: &Value) -> Value {
    let mut object = Map::new();
    object.insert("name".into(), scheduler["scheduler"].clone());
    for (key, value) in scheduler["options"].as_object().expect("options") {
        let value = match key.as_str() {
            "schedulers" => Value::Array(value.as_array().unwrap().iter().map(spec).collect()),
            _ => value.clone(),
        };
        object.insert(key.clone(), value);
    }
    Value::Object(object)
}

fn floats(value: &Value) -> Vec<f64> {
    value.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect()
}

fn assert_close(actual: &[f64], expected: &[f64], what: &str) {
    assert_eq!(actual.len(), expected.len(), "{what}: lengths");
    for (k, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert!((a - e).abs() <= 1e-9 * e.abs().max(1e-12), "{what} step {}: got {a}, torch {e}", k + 1);
    }
}

/// `curve` of a spec `{name, ...options}`: the lr of each of `steps` steps (metrics after each but the last).
fn curve(spec: &Value, base_lr: f64, steps: usize, metrics: Option<&[f64]>) -> Result<Vec<f64>, String> {
    let mut options = spec.as_object().unwrap().clone();
    let name = options.remove("name").unwrap();
    schedule::curve(name.as_str().unwrap(), &Value::Object(options), base_lr, steps, metrics).map_err(|e| e.to_string())
}

#[test]
fn every_composed_fixture_case_matches_torch_at_every_step() {
    let fixture = fixture();
    let cases = fixture["cases"].as_array().expect("cases");
    assert!(!cases.is_empty());
    for case in cases {
        let (name, expected, base_lr) =
            (case["name"].as_str().unwrap(), floats(&case["lrs"]), case["base_lr"].as_f64().unwrap());
        let spec = spec(case);
        // Stepped as torch's loop does, and through `curve`, which the TypeScript side calls.
        let mut schedule = create_from_spec(&spec, &[base_lr]).unwrap();
        let stepped: Vec<f64> = (0..expected.len())
            .map(|_| {
                let lr = schedule.lr(0);
                schedule.step(None).unwrap();
                lr
            })
            .collect();
        assert_close(&stepped, &expected, name);
        assert_close(&curve(&spec, base_lr, expected.len(), None).unwrap(), &expected, name);
    }
}

#[test]
fn plateau_inside_sequential_follows_the_documented_semantics() {
    // Warm-up LinearLR 0.5 → 1 over 2 steps, then from step 3 a ReduceLROnPlateau (factor 0.5, patience 1).
    let spec = json!({"name": "SequentialLR", "milestones": [3], "schedulers": [
        {"name": "LinearLR", "start_factor": 0.5, "total_iters": 2},
        {"name": "ReduceLROnPlateau", "factor": 0.5, "patience": 1}]});
    let mut schedule = create_from_spec(&spec, &[1.0]).unwrap();
    assert_eq!(schedule.stepping(), schedule::Stepping::EveryStepWithMetric);
    let metrics = [Some(9.0), None, Some(0.1), Some(5.0), None, Some(4.0), Some(4.5), None, Some(4.2), Some(3.0)];
    let mut lrs = vec![schedule.lr(0)];
    for metric in metrics {
        schedule.step(metric).unwrap();
        lrs.push(schedule.lr(0));
    }
    // By hand: LinearLR 0.5, ×1.5 → 0.75, ×4/3 → 1. Step 3 reaches the milestone: the plateau starts fresh at
    // the initial lr 1 and does not see that step's 0.1 (it measured the warm-up). 5 is its first best, the
    // step without a metric holds, 4 improves, 4.5 is bad (1 ≤ patience), the next step holds, 4.2 is the
    // second bad one (> patience): lr 0.5. Had 0.1 counted, 5 and 4 would have been bad and the lr halved at step 5.
    assert_eq!(lrs, [0.5, 0.75, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5]);

    // `curve` gives the plateau phase every step's metric (at least steps − 1 of them).
    let curve_metrics = [9.0, 8.0, 0.1, 5.0, 4.0, 4.5, 4.2, 3.0, 3.5];
    let lrs = curve(&spec, 1.0, 10, Some(&curve_metrics)).unwrap();
    assert_eq!(lrs, [0.5, 0.75, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5]);
    assert_eq!(
        curve(&spec, 1.0, 10, None).unwrap_err(),
        "SequentialLR needs a metric after each step but the last: 10 steps, 0 metrics"
    );
}

#[test]
fn composites_hand_the_lr_in_force_from_schedule_to_schedule() {
    // ChainedScheduler: LinearLR's initial step scales what ConstantLR left (torch: 1 · 0.5 · 0.1).
    let chained = json!({"name": "chained", "schedulers": [
        {"name": "constant", "factor": 0.5, "total_iters": 2}, {"name": "linear", "start_factor": 0.1, "total_iters": 2}]});
    let lrs = curve(&chained, 1.0, 4, None).unwrap();
    let after_first_step = 0.05 * (1.0 + 0.9 / 0.2);
    let expected = [0.05, after_first_step, after_first_step * (1.0 + 0.9 / 1.1) / 0.5, 1.0];
    assert_close(&lrs, &expected, "chained");
    // SequentialLR into MultiplicativeLR: torch has no closed form for it, so at the milestone it scales the lr
    // in force (ExponentialLR's 0.5: its step at the milestone does not happen) by λ(0) = 2.
    let sequential = json!({"name": "sequential", "milestones": [2], "schedulers": [
        {"name": "exponential", "gamma": 0.5}, {"name": "multiplicative", "lr_lambda": "epoch == 0 ? 2 : 0.5"}]});
    assert_eq!(curve(&sequential, 1.0, 5, None).unwrap(), [1.0, 0.5, 1.0, 0.5, 0.25]);
    // A table (what the TypeScript side makes of a JavaScript function) equals the expression it tabulates.
    let table: Vec<f64> = (0..=60).map(|epoch| 1.0 / (1.0 + 0.1 * f64::from(epoch))).collect();
    let by_table = curve(&json!({"name": "lambda", "lr_lambda": table}), 0.1, 60, None).unwrap();
    let by_expression = curve(&json!({"name": "lambda", "lr_lambda": "1 / (1 + 0.1 * epoch)"}), 0.1, 60, None).unwrap();
    assert_eq!(by_table, by_expression);
    // OneCycleLR's momentum is still the optimizer's after the phase that set it has ended.
    let mut cycled = create_from_spec(
        &json!({"name": "sequential", "milestones": [3], "schedulers": [
            {"name": "onecycle", "max_lr": 0.1, "total_steps": 4}, {"name": "constant", "factor": 1.0}]}),
        &[0.1],
    )
    .unwrap();
    assert_eq!(cycled.momentum(0), Some(0.95));
    for _ in 0..5 {
        cycled.step(None).unwrap();
    }
    assert!(cycled.momentum(0).is_some());
}

#[test]
fn refusals_name_the_schedule_and_option() {
    let error = |spec: Value| create_from_spec(&spec, &[0.1]).err().expect("refused").to_string();
    let step = json!({"name": "step", "step_size": 2});
    assert_eq!(
        error(json!({"name": "SequentialLR", "schedulers": [], "milestones": []})),
        "SequentialLR expects at least one scheduler, but got no scheduler."
    );
    assert_eq!(
        error(json!({"name": "sequential", "schedulers": [step, step], "milestones": [1, 2]})),
        "Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers 2 and the number of milestones to be equal to 2"
    );
    assert_eq!(
        error(json!({"name": "sequential", "schedulers": [step]})),
        "SequentialLR.__init__() missing 1 required positional argument: 'milestones'"
    );
    assert_eq!(
        error(json!({"name": "sequential", "schedulers": [step, step, step], "milestones": [5, 3]})),
        "SequentialLR milestones must not decrease, got [5, 3]"
    );
    assert_eq!(
        error(json!({"name": "sequential", "schedulers": [step, {"name": "step", "step_size": 0}], "milestones": [3]})),
        "SequentialLR schedulers[1]: Expected positive integer step_size, but got 0"
    );
    assert_eq!(
        error(json!({"name": "chained", "schedulers": [step, {"name": "plateau"}]})),
        "ChainedScheduler does not support `ReduceLROnPlateau` scheduler as it requires additional kwargs to be specified when calling `step`, but got one at index 1 in the given schedulers sequence."
    );
    assert_eq!(
        error(json!({"name": "chained", "schedulers": []})),
        "ChainedScheduler expects at least one scheduler to be chained, but got no schedulers."
    );
    assert_eq!(
        error(json!({"name": "lambda", "lr_lambda": "1 / (1 + 0.1 * epoch))"})),
        "lr_lambda: unexpected ')' at column 22 of \"1 / (1 + 0.1 * epoch))\""
    );
    assert_eq!(
        error(json!({"name": "lambda"})),
        "LambdaLR.__init__() missing 1 required positional argument: 'lr_lambda'"
    );
    assert_eq!(error(json!({"name": "lambda", "lr_lambda": ["epoch", "1"]})), "Expected 1 lr_lambdas, but got 2");
    assert!(error(json!({"name": "multiplicative", "lr_lambda": true}))
        .starts_with("lr_lambda must be an expression of epoch"));
    assert_eq!(
        curve(&json!({"name": "lambda", "lr_lambda": [1, 0.5, 0.25]}), 0.1, 5, None).unwrap_err(),
        "lr_lambda's table has no value for epoch 3: it holds 3 values, for epochs 0 to 2"
    );
}

/// 64 rows of 16 features in 4 classes: 8 steps per epoch in batches of 8.
fn trainer(schedule: &Value, max_steps: usize) -> Trainer {
    let config = json!({ "layers": [16, 12, 4], "seed": 3, "batchSize": 8, "maxSteps": max_steps,
        "optimizer": {"name": "sgd", "lr": 0.1}, "schedule": schedule });
    let mut trainer = Trainer::from_json(&config.to_string()).unwrap();
    let labels: Vec<u8> = (0..64u32).map(|row| (row * 5 % 4) as u8).collect();
    let pixels: Vec<u8> = (0..64 * 16u32)
        .map(|i| ((i * 29 % 61) + if i % 4 == u32::from(labels[(i / 16) as usize]) { 150 } else { 0 }) as u8)
        .collect();
    trainer.set_train_data(&pixels, &labels).unwrap();
    trainer
}

#[test]
fn a_trainer_feeds_plateau_inside_sequential_the_epoch_mean_at_each_epoch_end() {
    // Warm-up over the first epoch (8 steps), then a plateau with patience 0 that maximizes the falling loss:
    // its first metric is epoch 2's mean (epoch 1's comes at the milestone step), every later one is bad.
    let spec = json!({"name": "sequential", "milestones": [8], "schedulers": [
        {"name": "linear", "start_factor": 0.25, "total_iters": 8},
        {"name": "plateau", "mode": "max", "factor": 0.5, "patience": 0}]});
    let mut t = trainer(&spec, 40);
    t.run(40).unwrap();
    let warmup = curve(&json!({"name": "linear", "start_factor": 0.25, "total_iters": 8}), 0.1, 8, None).unwrap();
    let mut expected: Vec<f32> = warmup.iter().map(|&lr| lr as f32).collect();
    for epoch in 1..5 {
        // Epoch 2 (index 1) and 3 run at the initial lr; epochs 4 and 5 after one and two halvings.
        expected.extend([[0.1, 0.1, 0.05, 0.025][epoch - 1] as f32; 8]);
    }
    assert_eq!(t.lrs(0, 40).unwrap(), expected.as_slice());

    // Saved mid-epoch in the plateau phase and resumed: the same losses, lrs and weights as straight through.
    let mut straight = trainer(&spec, 40);
    straight.run(40).unwrap();
    let mut first = trainer(&spec, 40);
    first.run(21).unwrap();
    let mut resumed = trainer(&spec, 40);
    resumed.load_state(&first.save_state()).unwrap();
    resumed.run(19).unwrap();
    let bits = |values: &[f32]| values.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(resumed.losses(0, 40).unwrap()), bits(straight.losses(0, 40).unwrap()));
    assert_eq!(bits(resumed.lrs(0, 40).unwrap()), bits(straight.lrs(0, 40).unwrap()));
    assert_eq!(bits(resumed.weights()), bits(straight.weights()));
}
