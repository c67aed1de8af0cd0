//! Parity with PyTorch on test/fixtures/torch-problems.json: for every problem (its layer list, input
//! shape and loss) and every run (optimizer, options, optional gradient clipping), from the recorded
//! initial parameters over the recorded batches, each step's loss and the final parameters match
//! torch within 1e-4.
use optimlab::nn::clip::Clip;
use optimlab::nn::model::{Model, Targets};
use optimlab::optim::{create, Slot};
use serde_json::{json, Value};
// Under wasm-bindgen-test-runner the same tests run in the simd128 build (its GEMM kernel sums in another order).
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const FIXTURE: &str = include_str!("../../test/fixtures/torch-problems.json");

fn floats(value: &Value) -> Vec<f32> {
    value.as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect()
}

/// One flat list per parameter tensor → one vector in torch's module order.
fn tensors(value: &Value) -> Vec<f32> {
    value.as_array().unwrap().iter().flat_map(floats).collect()
}

fn model_of(problem: &Value) -> Model {
    let spec = json!({ "input": problem["input"], "layers": problem["layers"], "loss": problem["loss"] });
    Model::from_json(&spec.to_string(), problem["batch"].as_u64().unwrap() as usize).unwrap()
}

#[test]
fn every_run_matches_pytorch_step_by_step() {
    let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
    let problems = fixture["problems"].as_array().unwrap();
    assert!(!problems.is_empty());
    let mut checked_runs = 0;
    for problem in problems {
        let name = problem["name"].as_str().unwrap();
        let (batch, steps) = (problem["batch"].as_u64().unwrap() as usize, problem["steps"].as_u64().unwrap() as usize);
        let inputs = floats(&problem["inputs"]);
        let targets = floats(&problem["targets"]);
        let (in_len, target_len) = (inputs.len() / (steps * batch), targets.len() / (steps * batch));
        for run in problem["runs"].as_array().unwrap() {
            let label = format!("{name} {} {} clip {}", run["optimizer"], run["options"], run["clip"]);
            let mut model = model_of(problem);
            model.arena_mut().params_mut().copy_from_slice(&tensors(&problem["init"]));
            let shapes = model.arena().shapes();
            let mut optimizer =
                create(&run["optimizer"].as_str().unwrap().to_lowercase(), &run["options"], &shapes).unwrap();
            let clip = Clip::from_json(&run["clip"]).unwrap();
            let want = floats(&run["losses"]);
            assert_eq!(want.len(), steps, "{label}");
            for (step, &want_loss) in want.iter().enumerate() {
                let x = &inputs[step * batch * in_len..(step + 1) * batch * in_len];
                let t = &targets[step * batch * target_len..(step + 1) * batch * target_len];
                let classes: Vec<u8> = t.iter().map(|&c| c as u8).collect();
                let targets =
                    if problem["loss"] == "cross_entropy" { Targets::Classes(&classes) } else { Targets::Values(t) };
                let loss = model.loss_and_gradients(x, targets, batch);
                assert!((loss - want_loss).abs() <= 1e-4, "{label}: step {step}: loss {loss} vs {want_loss}");
                if let Some(clip) = clip {
                    clip.apply(model.arena_mut());
                }
                let mut slots: Vec<Slot> =
                    model.arena_mut().tensors_mut().map(|(param, grad, _)| Slot { param, grad }).collect();
                optimizer.step(&mut slots).unwrap();
            }
            let want_final = tensors(&run["final"]);
            assert_eq!(want_final.len(), model.arena().len(), "{label}");
            for (i, (got, want)) in model.arena().params().iter().zip(&want_final).enumerate() {
                assert!((got - want).abs() <= 1e-4 * (1.0 + want.abs()), "{label}: parameter {i}: {got} vs {want}");
            }
            checked_runs += 1;
        }
    }
    let runs: usize = problems.iter().map(|p| p["runs"].as_array().unwrap().len()).sum();
    assert_eq!(checked_runs, runs);
}
