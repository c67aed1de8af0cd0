//! LR schedules wired into the Trainer: the lrs it records against torch (torch-lr-schedules.json),
//! momentum cycling through the optimizers, ReduceLROnPlateau once per epoch, checkpoints mid-schedule,
//! and the standalone schedule curve.
use optimlab::optim::{self, Slot};
use optimlab::schedule;
use optimlab::train::Trainer;
use serde_json::{json, Value};

fn fixture_case(name: &str) -> Value {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../test/fixtures/torch-lr-schedules.json"))
            .unwrap();
    let fixture: Value = serde_json::from_str(&text).unwrap();
    fixture["cases"].as_array().unwrap().iter().find(|case| case["name"] == name).unwrap().clone()
}

fn floats(value: &Value) -> Vec<f64> {
    value.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect()
}

/// 70 rows of 16 features in 4 learnable classes: 9 steps per epoch in batches of 8.
fn trainer(optimizer: Value, schedule: Value, max_steps: usize) -> Result<Trainer, String> {
    let config = json!({ "layers": [16, 12, 4], "seed": 5, "batchSize": 8, "maxSteps": max_steps, "optimizer": optimizer, "schedule": schedule });
    let mut trainer = Trainer::from_json(&config.to_string()).map_err(|e| e.to_string())?;
    let labels: Vec<u8> = (0..70u32).map(|row| (row * 7 % 4) as u8).collect();
    let pixels: Vec<u8> = (0..70 * 16u32)
        .map(|i| ((i * 31 % 53) + if i % 16 % 4 == u32::from(labels[(i / 16) as usize]) { 190 } else { 0 }) as u8)
        .collect();
    trainer.set_train_data(&pixels, &labels).unwrap();
    Ok(trainer)
}

fn bits(values: &[f32]) -> Vec<u32> {
    values.iter().map(|v| v.to_bits()).collect()
}

#[test]
fn one_cycle_lrs_recorded_by_the_trainer_are_torchs() {
    let case = fixture_case("onecycle");
    let torch: Vec<f32> = floats(&case["lrs"]).iter().map(|&lr| lr as f32).collect();
    let mut schedule = case["options"].clone();
    schedule["name"] = json!("onecycle");
    // The fixture's optimizer: SGD lr=0.1 momentum=0.9.
    let mut t = trainer(json!({"name": "sgd", "lr": 0.1, "momentum": 0.9}), schedule, 61).unwrap();
    assert_eq!(t.run(60).unwrap(), 60);
    assert_eq!(t.lrs(0, 60).unwrap(), torch.as_slice());
    // After the 60th scheduler.step() the optimizer holds torch's lr for step_num 60, past the cycle's end.
    let next = t.lr();
    assert_eq!(next, schedule::curve("onecycle", &case["options"], 0.1, 61, None).unwrap()[60]);
    assert_eq!(
        t.run(1).unwrap_err().to_string(),
        "run: OneCycleLR after step 60: Tried to step 61 times. The specified number of total steps is 60"
    );
    assert_eq!(
        (t.steps_done(), t.lrs(60, 61).unwrap()),
        (61, [next as f32].as_slice()),
        "the refused step itself was done and recorded"
    );
    assert_eq!(t.lrs(0, 62).unwrap_err().to_string(), "lrs: range 0..62 is outside the 61 recorded steps");
}

#[test]
fn without_a_schedule_the_lr_is_recorded_as_set() {
    let mut t = trainer(json!({"name": "adam", "lr": 0.01}), Value::Null, 10).unwrap();
    t.run(3).unwrap();
    t.set_lr(0.5);
    t.run(2).unwrap();
    assert_eq!(t.lrs(0, 5).unwrap(), &[0.01, 0.01, 0.01, 0.5, 0.5]);
}

#[test]
fn schedules_that_cycle_momentum_need_an_optimizer_with_momentum_or_beta1() {
    let one_cycle = json!({"name": "OneCycleLR", "max_lr": 0.1, "total_steps": 20});
    assert_eq!(
        trainer(json!({"name": "adagrad"}), one_cycle.clone(), 20).err().unwrap(),
        "Trainer config: schedule: OneCycleLR: optimizer must support momentum or beta1 with `cycle_momentum` option enabled (adagrad has neither; set cycle_momentum: false)"
    );
    let cyclic = json!({"name": "cyclic", "base_lr": 0.01, "max_lr": 0.1});
    assert!(trainer(json!({"name": "adadelta"}), cyclic, 20)
        .err()
        .unwrap()
        .contains("CyclicLR: optimizer must support momentum or beta1"));
    let mut plain = one_cycle.clone();
    plain["cycle_momentum"] = json!(false);
    assert!(trainer(json!({"name": "adagrad"}), plain, 20).is_ok());
    for optimizer in ["sgd", "rmsprop", "adam", "adamw", "adamax", "nadam", "radam"] {
        assert!(trainer(json!({ "name": optimizer }), one_cycle.clone(), 20).is_ok(), "{optimizer}");
    }
    assert_eq!(
        trainer(json!({"name": "sgd"}), json!({"name": "steplr"}), 20).err().unwrap(),
        "Trainer config: schedule: StepLR.__init__() missing 1 required positional argument: 'step_size'"
    );
    assert_eq!(
        trainer(json!({"name": "sgd"}), json!({"step_size": 3}), 20).err().unwrap(),
        "Trainer config: schedule must be an object like {\"name\": \"onecycle\", \"max_lr\": 0.1, \"total_steps\": 1000}"
    );
}

/// `set_momentum` is torch's `group['momentum'] = m` (SGD, RMSprop) or `group['betas'] = (m, β₂)` (Adam family):
/// an optimizer built with momentum 0 and given m before its first step updates exactly as one built with m.
#[test]
fn set_momentum_equals_building_the_optimizer_with_that_momentum() {
    let shapes = vec![vec![3, 2], vec![3]];
    for (name, built, zero) in [
        ("sgd", json!({"lr": 0.1, "momentum": 0.8}), json!({"lr": 0.1})),
        ("rmsprop", json!({"lr": 0.01, "momentum": 0.8}), json!({"lr": 0.01})),
        ("adam", json!({"lr": 0.01, "betas": [0.8, 0.999]}), json!({"lr": 0.01, "betas": [0.0, 0.999]})),
        ("nadam", json!({"lr": 0.01, "betas": [0.8, 0.999]}), json!({"lr": 0.01, "betas": [0.0, 0.999]})),
    ] {
        let mut reference = optim::create(name, &built, &shapes).unwrap();
        let mut cycled = optim::create(name, &zero, &shapes).unwrap();
        assert!(cycled.set_momentum(0, 0.8), "{name}");
        assert!(!cycled.set_momentum(1, 0.8), "{name}: no second group");
        let mut params = [
            vec![0.5f32, -1.0, 0.25, 2.0, -0.75, 1.5, 0.1, 0.2, 0.3],
            vec![0.5f32, -1.0, 0.25, 2.0, -0.75, 1.5, 0.1, 0.2, 0.3],
        ];
        for step in 0..4 {
            let grads: Vec<f32> = (0..9).map(|i| ((i * 5 + step * 3) % 7) as f32 / 7.0 - 0.4).collect();
            for (optimizer, p) in [(&mut reference, 0), (&mut cycled, 1)] {
                let (w, b) = params[p].split_at_mut(6);
                let mut slots = [Slot { param: w, grad: &grads[..6] }, Slot { param: b, grad: &grads[6..] }];
                optimizer.step(&mut slots).unwrap();
            }
        }
        assert_eq!(params[0], params[1], "{name}");
        // The momentum buffer created by the first step survives a save/load.
        let mut state = Vec::new();
        cycled.save_state(&mut state);
        let mut restored = optim::create(name, &zero, &shapes).unwrap();
        restored.load_state(&state).unwrap();
        let mut again = Vec::new();
        restored.save_state(&mut again);
        assert_eq!(state, again, "{name}");
    }
    assert!(!optim::create("adagrad", &json!({}), &shapes).unwrap().set_momentum(0, 0.9));
}

#[test]
fn reduce_on_plateau_steps_once_per_epoch_on_the_mean_training_loss() {
    // mode "max" on a falling loss: every epoch after the first is "bad", so with patience 0 the lr halves
    // at the end of each epoch from the second on; steps within an epoch share one lr.
    let plateau = json!({"name": "plateau", "mode": "max", "factor": 0.5, "patience": 0});
    let mut t = trainer(json!({"name": "sgd", "lr": 0.1}), plateau, 40).unwrap();
    assert_eq!(t.steps_per_epoch(), 9);
    t.run(40).unwrap();
    let expected: Vec<f32> = (0..40).map(|step| [0.1, 0.1, 0.05, 0.025, 0.0125][step / 9]).collect();
    assert_eq!(t.lrs(0, 40).unwrap(), expected.as_slice());

    // Against the schedule alone, fed the epoch means the trainer saw: a min-mode plateau with patience 1.
    let options = json!({"factor": 0.5, "patience": 1, "threshold": 0.2});
    let mut spec = options.clone();
    spec["name"] = json!("ReduceLROnPlateau");
    let mut t = trainer(json!({"name": "sgd", "lr": 0.1}), spec, 63).unwrap();
    t.run(63).unwrap();
    let losses = t.losses(0, 63).unwrap();
    let means: Vec<f64> =
        losses.chunks(9).map(|epoch| epoch.iter().map(|&l| f64::from(l)).sum::<f64>() / 9.0).collect();
    let mut alone = schedule::create("ReduceLROnPlateau", &options, &[0.1]).unwrap();
    let mut per_epoch = Vec::new();
    for mean in &means {
        per_epoch.push(alone.lr(0) as f32);
        alone.step(Some(*mean)).unwrap();
    }
    let recorded: Vec<f32> = t.lrs(0, 63).unwrap().chunks(9).map(|epoch| epoch[0]).collect();
    assert_eq!(recorded, per_epoch);
    assert!(t.lrs(0, 63).unwrap().chunks(9).all(|epoch| epoch.iter().all(|&lr| lr == epoch[0])));
    assert!(per_epoch.last().unwrap() < &0.1, "the loss flattens, so the lr was reduced: {per_epoch:?}");
}

/// Trains `total` steps straight, and again as `split` steps, save, load into a fresh trainer, the rest.
fn resumed_equals_straight(optimizer: Value, schedule: Value, split: usize, total: usize) {
    let mut straight = trainer(optimizer.clone(), schedule.clone(), total).unwrap();
    straight.run(total).unwrap();
    let mut first = trainer(optimizer.clone(), schedule.clone(), total).unwrap();
    first.run(split).unwrap();
    let bytes = first.save_state();
    let mut resumed = trainer(optimizer, schedule.clone(), total).unwrap();
    resumed.load_state(&bytes).unwrap();
    resumed.run(total - split).unwrap();
    assert_eq!(bits(resumed.losses(0, total).unwrap()), bits(straight.losses(0, total).unwrap()), "{schedule}");
    assert_eq!(bits(resumed.lrs(0, total).unwrap()), bits(straight.lrs(0, total).unwrap()), "{schedule}");
    assert_eq!(bits(resumed.weights()), bits(straight.weights()), "{schedule}");
}

#[test]
fn a_checkpoint_mid_schedule_continues_bit_identically() {
    // OneCycleLR cycles Adam's beta1, which lives in the schedule, not in the optimizer state.
    resumed_equals_straight(
        json!({"name": "adam", "lr": 0.01}),
        json!({"name": "onecycle", "max_lr": 0.02, "total_steps": 45}),
        17,
        45,
    );
    resumed_equals_straight(
        json!({"name": "sgd", "lr": 0.1}),
        json!({"name": "cyclic", "base_lr": 0.01, "max_lr": 0.2, "step_size_up": 5}),
        12,
        30,
    );
    resumed_equals_straight(
        json!({"name": "sgd", "lr": 0.1}),
        json!({"name": "plateau", "factor": 0.5, "patience": 0, "mode": "max"}),
        22,
        40,
    );
    resumed_equals_straight(
        json!({"name": "sgd", "lr": 0.1}),
        json!({"name": "cosine_restarts", "T_0": 4, "T_mult": 2}),
        9,
        30,
    );
}

#[test]
fn a_checkpoint_loads_only_into_a_trainer_with_the_same_schedule() {
    let step = json!({"name": "steplr", "step_size": 3});
    let mut scheduled = trainer(json!({"name": "sgd", "lr": 0.1}), step.clone(), 20).unwrap();
    scheduled.run(4).unwrap();
    let bytes = scheduled.save_state();
    let mut plain = trainer(json!({"name": "sgd", "lr": 0.1}), Value::Null, 20).unwrap();
    assert_eq!(
        plain.load_state(&bytes).unwrap_err().to_string(),
        r#"loadState: the checkpoint was saved with schedule {"name":"steplr","step_size":3}, this trainer has no schedule"#
    );
    let mut other = trainer(json!({"name": "sgd", "lr": 0.1}), json!({"name": "steplr", "step_size": 4}), 20).unwrap();
    assert!(other
        .load_state(&bytes)
        .unwrap_err()
        .to_string()
        .ends_with(r#"this trainer has schedule {"name":"steplr","step_size":4}"#));
    assert_eq!(other.steps_done(), 0, "a refused checkpoint changes nothing");
    let unscheduled = plain.save_state();
    assert_eq!(
        scheduled.load_state(&unscheduled).unwrap_err().to_string(),
        r#"loadState: the checkpoint was saved with no schedule, this trainer has schedule {"name":"steplr","step_size":3}"#
    );
}

#[test]
fn the_curve_of_a_schedule_alone_matches_torch() {
    for name in ["onecycle", "plateau", "cosine_restarts", "cyclic"] {
        let case = fixture_case(name);
        let torch = floats(&case["lrs"]);
        let metrics = case["metrics"].as_array().map(|m| m.iter().map(|v| v.as_f64().unwrap()).collect::<Vec<_>>());
        let lrs = schedule::curve(name, &case["options"], 0.1, torch.len(), metrics.as_deref()).unwrap();
        assert_eq!(lrs.len(), torch.len());
        for (step, (a, e)) in lrs.iter().zip(&torch).enumerate() {
            assert!((a - e).abs() <= 1e-12 * e.abs().max(1e-12), "{name} step {step}: {a} vs torch {e}");
        }
    }
    let one_cycle = json!({"max_lr": 0.1, "total_steps": 60});
    assert_eq!(
        schedule::curve("onecycle", &one_cycle, 0.1, 62, None).unwrap_err().to_string(),
        "Tried to step 61 times. The specified number of total steps is 60"
    );
    assert_eq!(
        schedule::curve("plateau", &json!({}), 0.1, 10, Some(&[1.0; 5])).unwrap_err().to_string(),
        "ReduceLROnPlateau needs a metric after each step but the last: 10 steps, 5 metrics"
    );
    assert_eq!(schedule::curve("OneCycleLR", &one_cycle, 0.1, 0, None).unwrap(), Vec::<f64>::new());
    assert_eq!(
        schedule::curve("step", &json!({"step_size": 1}), 0.1, (1 << 24) + 1, None).unwrap_err().to_string(),
        "steps must be at most 16777216, got 16777217"
    );
    assert!(schedule::curve("warmup", &json!({}), 0.1, 5, None)
        .unwrap_err()
        .to_string()
        .ends_with("(or their short names: step, multistep, exponential, cosine, cosine_restarts, linear, constant, polynomial, onecycle, cyclic, plateau, sequential, chained, lambda, multiplicative)"));
}
