//! DeepOBS's quadratic_deep against test/fixtures/deepobs-quadratic.json (numpy builds the problem, torch trains it):
//! the Hessian, the data, and SGD steps of the `quadratic` layer with loss "mean" through the Trainer.
use optimlab::deepobs::{deep_hessian, quadratic_data, DIM, ROWS};
use optimlab::train::{InputData, Split, TargetData, Trainer};
use serde_json::{json, Value};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn fixture() -> Value {
    serde_json::from_str(include_str!("../../test/fixtures/deepobs-quadratic.json")).unwrap()
}

fn numbers(value: &Value) -> Vec<f64> {
    value.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect()
}

fn assert_close(got: f64, want: f64, tolerance: f64, what: &str) {
    assert!((got - want).abs() <= tolerance * want.abs().max(1.0), "{what}: {got}, reference {want}");
}

#[test]
fn the_hessian_is_deepobs_own() {
    let fixture = fixture();
    assert_eq!(fixture["dim"].as_u64().unwrap() as usize, DIM);
    let hessian = deep_hessian();
    let trace: f64 = (0..DIM).map(|i| hessian[i * DIM + i]).sum();
    assert_close(trace, fixture["hessian_trace"].as_f64().unwrap(), 1e-12, "trace");
    for entry in fixture["hessian_entries"].as_array().unwrap() {
        let [i, j, want] = numbers(entry)[..] else { panic!("entry {entry}") };
        assert_close(hessian[i as usize * DIM + j as usize], want, 1e-12, &format!("Q[{i}][{j}]"));
    }
}

#[test]
fn the_data_is_deepobs_own() {
    let fixture = fixture();
    assert_eq!(fixture["rows"].as_u64().unwrap() as usize, ROWS);
    for (key, test) in [("train_rows", false), ("test_rows", true)] {
        let data = quadratic_data(test);
        for (row, values) in fixture[key].as_object().unwrap() {
            let row: usize = row.parse().unwrap();
            for (k, want) in numbers(values).into_iter().enumerate() {
                assert_close(f64::from(data[row * DIM + k]), want, 1e-6, &format!("{key} {row}[{k}]"));
            }
        }
    }
}

#[test]
fn sgd_on_the_quadratic_layer_follows_torch() {
    let fixture = fixture();
    let sgd = &fixture["sgd"];
    let batch = sgd["batch_size"].as_u64().unwrap() as usize;
    let model = json!({ "input": [DIM], "layers": [{"type": "quadratic", "hessian": "deepobs_deep"}], "loss": "mean" });
    let config = json!({ "model": model, "seed": 0, "batchSize": batch, "maxSteps": 1,
        "optimizer": {"name": "sgd", "lr": sgd["lr"]} });
    let mut trainer = Trainer::from_json(&config.to_string()).unwrap();
    assert!(trainer.weights().iter().all(|&theta| theta == 1.0), "θ starts at ones");
    let data = quadratic_data(false);
    for (step, want) in sgd["steps"].as_array().unwrap().iter().enumerate() {
        let loss = trainer.train_batch(&data[step * batch * DIM..(step + 1) * batch * DIM], &[]).unwrap();
        assert_close(f64::from(loss), want["loss"].as_f64().unwrap(), 1e-5, &format!("step {step} loss"));
    }
    for (k, want) in numbers(&sgd["final_theta_head"]).into_iter().enumerate() {
        assert_close(f64::from(trainer.weights()[k]), want, 1e-5, &format!("θ[{k}]"));
    }
}

fn quadratic_trainer(extra: Value) -> Trainer {
    let model = json!({ "input": [DIM], "layers": [{"type": "quadratic", "hessian": "deepobs_deep"}], "loss": "mean" });
    let mut config =
        json!({ "model": model, "seed": 0, "batchSize": 128, "maxSteps": 20, "optimizer": {"name": "sgd"} });
    config.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    Trainer::from_json(&config.to_string()).unwrap()
}

#[test]
fn drop_last_leaves_out_the_partial_batch_as_deepobs_loader_does() {
    let rows = |n: usize| InputData::Floats(quadratic_data(false)[..n * DIM].to_vec());
    let mut kept = quadratic_trainer(json!({}));
    kept.set_data(Split::Train, rows(ROWS), TargetData::Inputs).unwrap();
    assert_eq!(kept.steps_per_epoch(), ROWS.div_ceil(128));
    let mut dropped = quadratic_trainer(json!({ "dropLast": true }));
    dropped.set_data(Split::Train, rows(ROWS), TargetData::Inputs).unwrap();
    assert_eq!(dropped.steps_per_epoch(), ROWS / 128);
    assert_eq!(
        dropped.set_data(Split::Train, rows(50), TargetData::Inputs).unwrap_err().to_string(),
        "setTrainData: 50 rows make no full batch of 128, and dropLast leaves out partial ones"
    );
    assert_eq!(
        dropped.set_data(Split::Train, rows(ROWS), TargetData::Values(vec![0.0; ROWS])).unwrap_err().to_string(),
        "setTrainData: loss mean takes no targets (the model's output is its loss)"
    );
}
