//! Parity with PyTorch on test/fixtures/torch-problems.json: for every problem (its layer list, input
//! shape and loss) and every run (optimizer, options, optional gradient clipping), from the recorded
//! initial parameters over the recorded batches, each step's loss and the final parameters match
//! torch within 1e-4.
use optimlab::nn::clip::Clip;
use optimlab::nn::model::{Model, Targets};
use optimlab::nn::step::{train_step, StepOptions};
use optimlab::nonfinite::{Counters, Policy, Verdict};
use optimlab::optim::create;
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
            let options = StepOptions { clip: Clip::from_json(&run["clip"]).unwrap(), policy: Policy::Stop };
            let (mut slots, mut counters) = (Vec::new(), Counters::new());
            let want = floats(&run["losses"]);
            assert_eq!(want.len(), steps, "{label}");
            for (step, &want_loss) in want.iter().enumerate() {
                let x = &inputs[step * batch * in_len..(step + 1) * batch * in_len];
                let t = &targets[step * batch * target_len..(step + 1) * batch * target_len];
                let classes: Vec<u8> = t.iter().map(|&c| c as u8).collect();
                let targets =
                    if problem["loss"] == "cross_entropy" { Targets::Classes(&classes) } else { Targets::Values(t) };
                let (loss, verdict) =
                    train_step(&mut model, optimizer.as_mut(), &mut slots, x, targets, batch, options, &mut counters)
                        .unwrap();
                assert_eq!(verdict, Verdict::Update);
                assert!((loss - want_loss).abs() <= 1e-4, "{label}: step {step}: loss {loss} vs {want_loss}");
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

/// The fixture's logistic regression fed batches 1 and 2 with a NaN input (their loss and gradients NaN):
/// each policy's updates and optax's apply_if_finite counters.
#[test]
fn non_finite_policies_skip_stop_or_propagate_with_optax_counters() {
    let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
    let problem = fixture["problems"].as_array().unwrap().iter().find(|p| p["loss"] == "cross_entropy").unwrap();
    let batch = problem["batch"].as_u64().unwrap() as usize;
    let in_len = problem["input"].as_array().unwrap().iter().map(|d| d.as_u64().unwrap() as usize).product::<usize>();
    let inputs = floats(&problem["inputs"]);
    let labels: Vec<u8> = floats(&problem["targets"]).iter().map(|&c| c as u8).collect();
    let run = |policy: Policy, steps: usize| {
        let mut model = model_of(problem);
        model.arena_mut().params_mut().copy_from_slice(&tensors(&problem["init"]));
        let mut optimizer = create("adam", &json!({"lr": 0.01}), &model.arena().shapes()).unwrap();
        let (mut slots, mut counters) = (Vec::new(), Counters::new());
        let mut verdicts = Vec::new();
        let mut params = Vec::new();
        for step in 0..steps {
            let mut x = inputs[step * batch * in_len..(step + 1) * batch * in_len].to_vec();
            if step == 1 || step == 2 {
                x[3] = f32::NAN;
            }
            let targets = Targets::Classes(&labels[step * batch..(step + 1) * batch]);
            let options = StepOptions { clip: Some(Clip::Norm(1.0)), policy };
            let (_, verdict) =
                train_step(&mut model, optimizer.as_mut(), &mut slots, &x, targets, batch, options, &mut counters)
                    .unwrap();
            verdicts.push(verdict);
            params.push(model.arena().params().to_vec());
        }
        (verdicts, counters, params)
    };
    use Verdict::*;
    let (verdicts, counters, params) = run(Policy::Skip { max_consecutive_errors: 2 }, 4);
    assert_eq!(verdicts, [Update, Skip, Skip, Update]);
    assert_eq!(counters, Counters { consecutive: 0, total: 2, last_finite: true });
    assert_eq!(params[0], params[2], "skipped steps leave the parameters alone");
    assert_ne!(params[2], params[3]);
    // max_consecutive_errors 1: the second NaN step in a row is applied (optax gives up) and the run ends.
    let (verdicts, counters, params) = run(Policy::Skip { max_consecutive_errors: 1 }, 3);
    assert_eq!(verdicts, [Update, Skip, UpdateAndStop]);
    assert_eq!(counters, Counters { consecutive: 2, total: 2, last_finite: false });
    assert!(params[2].iter().all(|p| p.is_nan()));
    let (verdicts, counters, _) = run(Policy::Stop, 2);
    assert_eq!((verdicts, counters), (vec![Update, Stop], Counters { consecutive: 1, total: 1, last_finite: false }));
    let (verdicts, counters, params) = run(Policy::Propagate, 4);
    assert_eq!(verdicts, [Update; 4]);
    // The NaN update makes the parameters NaN: every later step is non-finite too.
    assert_eq!(counters, Counters { consecutive: 3, total: 3, last_finite: false });
    assert!(params[3].iter().all(|p| p.is_nan()));
}
