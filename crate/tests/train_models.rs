//! The Trainer on models beyond the MLP: a layer list with float inputs and target values (mse), an autoencoder
//! (no targets: each row's inputs), the non-finite policies inside `run` with optax's counters, checkpoints of a
//! layer-list model, and the data errors that name what is wrong.
use optimlab::train::{InputData, Split, TargetData, Trainer};
use serde_json::json;
// Under wasm-bindgen-test-runner the same tests run in the simd128 build.
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn trainer(model: serde_json::Value, extra: serde_json::Value) -> Trainer {
    let mut config =
        json!({ "model": model, "seed": 2, "batchSize": 8, "maxSteps": 60, "optimizer": {"name": "adam", "lr": 0.02} });
    config.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    Trainer::from_json(&config.to_string()).unwrap()
}

fn regression() -> serde_json::Value {
    json!({ "input": [3], "loss": "mse", "layers": [
        {"type": "linear", "in": 3, "out": 16}, {"type": "tanh"}, {"type": "linear", "in": 16, "out": 1}] })
}

/// y = x0 − 2·x1 + 0.5·x2 on 50 rows of floats.
fn regression_data() -> (Vec<f32>, Vec<f32>) {
    let inputs: Vec<f32> = (0..150).map(|i| ((i * 7919) % 200) as f32 / 100.0 - 1.0).collect();
    let targets = inputs.chunks(3).map(|x| x[0] - 2.0 * x[1] + 0.5 * x[2]).collect();
    (inputs, targets)
}

#[test]
fn a_regression_on_float_inputs_and_target_values_learns() {
    let mut t = trainer(regression(), json!({}));
    let (inputs, targets) = regression_data();
    t.set_data(Split::Train, InputData::Floats(inputs.clone()), TargetData::Values(targets.clone())).unwrap();
    t.set_data(Split::Eval, InputData::Floats(inputs), TargetData::Values(targets)).unwrap();
    let [before, accuracy] = t.evaluate().unwrap();
    assert!(accuracy.is_nan(), "no accuracy without classes");
    assert_eq!(t.run(56).unwrap(), 56);
    let [after, _] = t.evaluate().unwrap();
    assert!(after < 0.1 * before, "held-out mse {before} → {after}");
}

#[test]
fn an_autoencoder_reconstructs_its_inputs() {
    let model = json!({ "input": [6], "loss": "mse", "layers": [
        {"type": "linear", "in": 6, "out": 3}, {"type": "relu"}, {"type": "linear", "in": 3, "out": 6}, {"type": "sigmoid"}] });
    let mut t = trainer(model, json!({}));
    let pixels: Vec<u8> = (0..40 * 6).map(|i| if (i / 6 + i % 6) % 3 == 0 { 250 } else { 5 }).collect();
    t.set_data(Split::Train, InputData::Bytes(pixels.clone()), TargetData::Inputs).unwrap();
    t.set_data(Split::Eval, InputData::Bytes(pixels), TargetData::Inputs).unwrap();
    let [before, _] = t.evaluate().unwrap();
    t.run(60).unwrap();
    let [after, _] = t.evaluate().unwrap();
    assert!(after < 0.5 * before, "reconstruction mse {before} → {after}");
}

#[test]
fn non_finite_policies_in_run_count_as_optax_and_stop_where_they_should() {
    let (inputs, mut targets) = regression_data();
    targets[9] = f32::NAN; // row 9: whichever batch holds it has a NaN loss
    let run = |policy: serde_json::Value| {
        let mut t = trainer(regression(), policy);
        t.set_data(Split::Train, InputData::Floats(inputs.clone()), TargetData::Values(targets.clone())).unwrap();
        let done = t.run(21).unwrap();
        let nan_steps = t.losses(0, done).unwrap().iter().filter(|l| l.is_nan()).count();
        (done, t.diverged_at(), t.counters(), nan_steps)
    };
    // 7 steps per epoch: one NaN batch per epoch.
    let (done, diverged, counters, nans) = run(json!({}));
    assert_eq!((diverged, done, nans, counters.total), (Some(done - 1), done, 1, 1), "stop ends at the first");
    let (done, diverged, counters, nans) = run(json!({"nonFinite": "skip", "maxConsecutiveErrors": 0}));
    assert_eq!((diverged, done, nans, counters.total), (Some(done - 1), done, 1, 1), "skip gives up past 0 in a row");
    let (done, diverged, counters, nans) = run(json!({"nonFinite": "skip"}));
    assert_eq!((done, diverged, nans, counters.total, counters.consecutive), (21, None, 3, 3, 0));
    // propagate applies the NaN update: every later step is NaN too, and counted.
    let (done, diverged, counters, nans) = run(json!({"nonFinite": "propagate"}));
    assert_eq!((done, diverged, counters.total as usize, counters.consecutive as usize), (21, None, nans, nans));
    assert!(nans > 3);
}

#[test]
fn a_layer_list_model_checkpoint_resumes_bit_identically_and_refuses_another_model() {
    let (inputs, targets) = regression_data();
    let data = |t: &mut Trainer| {
        t.set_data(Split::Train, InputData::Floats(inputs.clone()), TargetData::Values(targets.clone())).unwrap()
    };
    let (mut straight, mut first, mut resumed) =
        (trainer(regression(), json!({})), trainer(regression(), json!({})), trainer(regression(), json!({})));
    [&mut straight, &mut first, &mut resumed].into_iter().for_each(data);
    straight.run(12).unwrap();
    first.run(5).unwrap();
    resumed.load_state(&first.save_state()).unwrap();
    resumed.run(7).unwrap();
    assert_eq!(resumed.losses(0, 12).unwrap(), straight.losses(0, 12).unwrap());
    assert!(resumed.weights().iter().zip(straight.weights()).all(|(a, b)| a.to_bits() == b.to_bits()));
    let mut wider = regression();
    wider["layers"][0]["out"] = json!(17);
    wider["layers"][2]["in"] = json!(17);
    let message = trainer(wider, json!({})).load_state(&first.save_state()).unwrap_err().to_string();
    assert!(message.starts_with("loadState: the checkpoint has model {"), "{message}");
}

#[test]
fn data_that_does_not_fit_the_model_is_refused_naming_what_is_wrong() {
    let mut t = trainer(regression(), json!({}));
    let message = |t: &mut Trainer, inputs: InputData, targets: TargetData| {
        t.set_data(Split::Train, inputs, targets).unwrap_err().to_string()
    };
    assert_eq!(
        message(&mut t, InputData::Floats(vec![0.0; 6]), TargetData::Classes(vec![0, 1])),
        "setTrainData: loss mse compares outputs with target values (1 per row), not class labels"
    );
    assert_eq!(
        message(&mut t, InputData::Floats(vec![0.0; 7]), TargetData::Values(vec![0.0; 2])),
        "setTrainData: 7 inputs are not a positive number of rows of 3"
    );
    assert_eq!(
        message(&mut t, InputData::Floats(vec![0.0; 6]), TargetData::Values(vec![0.0; 3])),
        "setTrainData: 3 target values for 2 rows; expected rows × 1 = 2"
    );
    assert_eq!(
        message(&mut t, InputData::Floats(vec![0.0; 6]), TargetData::Inputs),
        "setTrainData: without targets the model is an autoencoder, but its output has 1 values and its input 3"
    );
    let mut classifier = trainer(
        json!({ "input": [3], "loss": "cross_entropy", "layers": [{"type": "linear", "in": 3, "out": 4}] }),
        json!({}),
    );
    assert_eq!(
        message(&mut classifier, InputData::Floats(vec![0.0; 6]), TargetData::Values(vec![0.0; 8])),
        "setTrainData: loss cross_entropy needs a class label per row"
    );
    let config = |extra: &str| {
        Trainer::from_json(&format!(
            r#"{{"model": {{"input": [4], "loss": "mse", "layers": [{{"type": "linear", "in": 5, "out": 2}}]}}, "batchSize": 2, "maxSteps": 1, "optimizer": {{"name": "sgd"}}{extra}}}"#
        ))
        .err()
        .unwrap()
        .to_string()
    };
    assert_eq!(config(""), "Trainer config: layer 1 (linear): expects 5 inputs, the previous layer gives 4");
    assert_eq!(
        Trainer::from_json(
            r#"{"layers": [4, 2], "model": {}, "batchSize": 2, "maxSteps": 1, "optimizer": {"name": "sgd"}}"#
        )
        .err()
        .unwrap()
        .to_string(),
        "Trainer config: give either layers (the MLP's widths) or model (a layer list), not both"
    );
}
