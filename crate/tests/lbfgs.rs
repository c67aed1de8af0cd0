//! LBFGS (strong-Wolfe line search) against torch's trajectory on Rosenbrock
//! (test/fixtures/torch-landscapes.json), through the `Closure` interface the trainer uses.
use optimlab::optim::{create, Closure, OptimError, Slot};
use serde_json::{json, Value};

/// f(x, y) = (1 − x)² + 100(y − x²)² with its analytic gradient, in float32 as torch's autograd.
struct Rosenbrock {
    point: [f32; 2],
    grad: [f32; 2],
    evaluations: usize,
}

impl Closure for Rosenbrock {
    fn evaluate(&mut self) -> Result<f32, OptimError> {
        let [x, y] = self.point;
        let (a, b) = (1.0 - x, y - x * x);
        self.grad = [-(2.0 * a) - 2.0 * x * (100.0 * (2.0 * b)), 100.0 * (2.0 * b)];
        self.evaluations += 1;
        Ok(a * a + 100.0 * (b * b))
    }
    fn with_slots(&mut self, visit: &mut dyn FnMut(&mut [Slot<'_>])) {
        let (x, y) = self.point.split_at_mut(1);
        visit(&mut [Slot { param: x, grad: &self.grad[..1] }, Slot { param: y, grad: &self.grad[1..] }]);
    }
}

fn landscape_case(optimizer: &str) -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../test/fixtures/torch-landscapes.json"))
        .unwrap();
    let fixture: Value = serde_json::from_str(&text).unwrap();
    fixture["cases"].as_array().unwrap().iter().find(|c| c["optimizer"] == optimizer).unwrap().clone()
}

fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= 1e-4 * want.abs().max(1.0)
}

#[test]
fn strong_wolfe_lbfgs_follows_torch_on_rosenbrock() {
    let case = landscape_case("LBFGS");
    assert_eq!(case["function"], "rosenbrock");
    let mut opt =
        create("lbfgs", &json!({"lr": 1, "max_iter": 20, "line_search_fn": "strong_wolfe"}), &[vec![1], vec![1]])
            .unwrap();
    assert!(opt.needs_closure());
    let mut problem = Rosenbrock { point: [-1.5, 2.0], grad: [0.0; 2], evaluations: 0 };
    let trajectory = case["trajectory"].as_array().unwrap();
    let losses = case["losses"].as_array().unwrap();
    for (k, (point, loss)) in trajectory.iter().zip(losses).enumerate() {
        let first_loss = opt.step_with_closure(&mut problem).unwrap();
        assert!(close(first_loss as f64, loss.as_f64().unwrap()), "step {}: loss {first_loss}, torch {loss}", k + 1);
        for (axis, want) in point.as_array().unwrap().iter().enumerate() {
            let got = problem.point[axis] as f64;
            assert!(close(got, want.as_f64().unwrap()), "step {}: {:?}, torch {point}", k + 1, problem.point);
        }
    }
}

#[test]
fn fixed_step_lbfgs_without_line_search_descends_and_round_trips_its_state() {
    let options = json!({"lr": 0.1, "max_iter": 5, "history_size": 3});
    let shapes = [vec![1], vec![1]];
    let mut opt = create("lbfgs", &options, &shapes).unwrap();
    let mut problem = Rosenbrock { point: [-1.5, 2.0], grad: [0.0; 2], evaluations: 0 };
    let first = opt.step_with_closure(&mut problem).unwrap();
    // max_iter 5 without line search: the initial evaluation plus one per iteration but the last.
    assert_eq!(problem.evaluations, 5);
    let mut blob = Vec::new();
    opt.save_state(&mut blob);
    let mut restored = create("lbfgs", &options, &shapes).unwrap();
    restored.load_state(&blob).unwrap();
    let mut twin = Rosenbrock { point: problem.point, grad: [0.0; 2], evaluations: 0 };
    let second = opt.step_with_closure(&mut problem).unwrap();
    assert_eq!(restored.step_with_closure(&mut twin).unwrap().to_bits(), second.to_bits());
    assert_eq!(problem.point.map(f32::to_bits), twin.point.map(f32::to_bits));
    assert!(second < first);
    assert_eq!(
        restored.load_state(&blob[..blob.len() - 1]).unwrap_err().to_string(),
        "optimizer state: the data is truncated"
    );
}

#[test]
fn lbfgs_refuses_what_torch_refuses() {
    let err = |options: Value| create("lbfgs", &options, &[vec![2], vec![3]]).err().unwrap().to_string();
    assert_eq!(err(json!({"lr": -3.0})), "Invalid learning rate: -3");
    assert_eq!(
        err(json!({"param_groups": [{"params": [0], "lr": 0.5}]})),
        "LBFGS doesn't support per-parameter options (parameter groups)"
    );
    // Accepted at construction, refused at the first step, as torch does.
    let mut armijo = create("lbfgs", &json!({"line_search_fn": "armijo"}), &[vec![1], vec![1]]).unwrap();
    let mut problem = Rosenbrock { point: [-1.5, 2.0], grad: [0.0; 2], evaluations: 0 };
    assert_eq!(armijo.step_with_closure(&mut problem).unwrap_err().to_string(), "only 'strong_wolfe' is supported");
    let mut plain = create("lbfgs", &json!({}), &[vec![1], vec![1]]).unwrap();
    let (mut p, g) = ([0.0f32], [0.0f32]);
    assert!(plain.step(&mut [Slot { param: &mut p, grad: &g }]).is_err());
    assert!(create("sgd", &json!({}), &[vec![1], vec![1]]).unwrap().step_with_closure(&mut problem).is_err());
}

/// history_size bounds the memory LBFGS may take: torch's default 100 and any history a wasm memory can hold are
/// accepted, a history that could never fit is refused naming the option and its value.
#[test]
fn history_size_must_fit_in_memory() {
    let shapes = [vec![1000, 100], vec![100]];
    for history_size in [0usize, 1, 100, 5000] {
        create("lbfgs", &json!({"history_size": history_size}), &shapes).unwrap();
    }
    assert!(create("lbfgs", &json!({}), &shapes).is_ok());
    for history_size in [6000u64, 1_000_000, u32::MAX as u64] {
        let message = create("lbfgs", &json!({"history_size": history_size}), &shapes).err().unwrap().to_string();
        assert!(message.starts_with(&format!("Invalid history_size value: {history_size} (")), "{message}");
    }
    // Even over one value a pair holds two vectors: 2^40 pairs never fit (in wasm32 no usize holds 2^40 at all).
    for history_size in [1u64 << 40, u64::MAX] {
        let message = create("lbfgs", &json!({"history_size": history_size}), &[vec![1]]).err().unwrap().to_string();
        assert!(message.contains(&history_size.to_string()), "{message}");
    }
    // max_iter near usize::MAX: torch's default max_eval (max_iter · 5 / 4) saturates instead of wrapping.
    assert!(create("lbfgs", &json!({"max_iter": usize::MAX}), &shapes).is_ok());
}
