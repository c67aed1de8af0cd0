//! Optimizer trajectories on the 2-D test functions against torch (test/fixtures/torch-landscapes.json,
//! torch 2.13 float32 with autograd gradients): every case, every step, point and value within 1e-4
//! (relative, absolute below 1), the tolerance the fixtures README gives for analytic gradients
//! evaluated in another order than autograd's.
use optimlab::landscape::{trajectory, Function};
use serde_json::Value;

fn cases() -> Vec<Value> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../test/fixtures/torch-landscapes.json"))
        .unwrap();
    let fixture: Value = serde_json::from_str(&text).unwrap();
    fixture["cases"].as_array().unwrap().clone()
}

fn close(got: f32, want: f64) -> bool {
    (got as f64 - want).abs() <= 1e-4 * want.abs().max(1.0)
}

/// Largest deviation from torch over the whole case, in units of the tolerance (≤ 1 passes).
fn check(case: &Value) -> Result<f64, String> {
    let name = format!("{} {} {}", case["function"], case["optimizer"], case["options"]);
    let function = Function::from_name(case["function"].as_str().unwrap()).map_err(|e| e.to_string())?;
    let start = case["start"].as_array().unwrap();
    let start = [start[0].as_f64().unwrap() as f32, start[1].as_f64().unwrap() as f32];
    let optimizer = case["optimizer"].as_str().unwrap().to_lowercase();
    let steps = case["steps"].as_u64().unwrap() as usize;
    let run = trajectory(function, start, &optimizer, &case["options"], steps).map_err(|e| e.to_string())?;
    if run.points.len() != steps || run.diverged_at.is_some() {
        return Err(format!("{name}: {} steps, diverged at {:?}", run.points.len(), run.diverged_at));
    }
    let mut worst: f64 = 0.0;
    let wanted = case["trajectory"].as_array().unwrap().iter().zip(case["losses"].as_array().unwrap());
    for (k, ((point, value), (want_point, want_value))) in run.points.iter().zip(&run.values).zip(wanted).enumerate() {
        let want_point: Vec<f64> = want_point.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        let want_value = want_value.as_f64().unwrap();
        for (got, want) in [(point[0], want_point[0]), (point[1], want_point[1]), (*value, want_value)] {
            worst = worst.max((got as f64 - want).abs() / (1e-4 * want.abs().max(1.0)));
            if !close(got, want) {
                return Err(format!(
                    "{name}: step {}: got {point:?} f {value}, torch {want_point:?} f {want_value}",
                    k + 1
                ));
            }
        }
    }
    Ok(worst)
}

#[test]
fn every_fixture_trajectory_follows_torch() {
    let cases = cases();
    assert_eq!(cases.len(), 12);
    let mut failures = Vec::new();
    for case in &cases {
        match check(case) {
            Ok(worst) => println!("{} {}: worst {:.3} of the tolerance", case["function"], case["optimizer"], worst),
            Err(message) => failures.push(message),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
