//! What single optimizers do beyond the table of optimizers.rs: Muon's and Adafactor's shape rules, and
//! Rprop on torch's Rastrigin trajectory (test/fixtures/torch-landscapes.json).
use optimlab::optim::{create, Optimizer, Slot};
use serde_json::{json, Value};

/// Deterministic sign-varying values (a tiny LCG) of a 3×4 matrix, different for every seed.
fn values(seed: u32) -> Vec<f32> {
    let mut state = seed.wrapping_mul(747796405).wrapping_add(2891336453);
    (0..12)
        .map(|_| {
            state = state.wrapping_mul(1664525).wrapping_add(1013904223);
            (state >> 8) as f32 / (1u32 << 24) as f32 * 2.0 - 1.0
        })
        .collect()
}

fn step(opt: &mut dyn Optimizer, params: &mut [Vec<f32>], grads: &[Vec<f32>]) {
    let mut slots: Vec<Slot> = params.iter_mut().zip(grads).map(|(p, g)| Slot { param: p, grad: g }).collect();
    opt.step(&mut slots).unwrap();
}

#[test]
fn muon_refuses_every_tensor_that_is_not_a_matrix() {
    for shape in [vec![4], vec![2, 3, 4], vec![]] {
        let err = create("muon", &json!({}), &[vec![3, 3], shape.clone()]).err().unwrap().to_string();
        let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
        assert_eq!(
            err,
            format!(
                "Muon only supports 2D parameters whereas we found a parameter with size: torch.Size([{}])",
                dims.join(", ")
            )
        );
    }
    assert_eq!(
        create("muon", &json!({"adjust_lr_fn": "spectral"}), &[vec![2, 2]]).err().unwrap().to_string(),
        "Adjust learning rate function spectral is not supported"
    );
    assert_eq!(
        create("muon", &json!({"ns_coefficients": [1, 2]}), &[vec![2, 2]]).err().unwrap().to_string(),
        "Coefficients must be a tuple of exactly 3 values"
    );
}

#[test]
fn adafactor_factors_the_last_two_dimensions_of_higher_rank_tensors() {
    // A [2, 3, 4] tensor is two independent 3×4 planes: stepping it equals stepping each plane
    // as its own [3, 4] tensor, except for the RMS of θ and of the update, which span the tensor.
    // With d huge and ε₂ dominating, both terms are neutral and the planes must agree exactly.
    let options = json!({"d": 1e30, "eps": [null, 10.0]});
    let plane: Vec<f32> = values(5);
    let grad_a: Vec<f32> = values(6);
    let grad_b: Vec<f32> = values(7);
    let mut cube = create("adafactor", &options, &[vec![2, 3, 4]]).unwrap();
    let mut cube_params = vec![[plane.clone(), plane.clone()].concat()];
    step(cube.as_mut(), &mut cube_params, &[[grad_a.clone(), grad_b.clone()].concat()]);
    for (half, grad) in [(0, grad_a), (1, grad_b)] {
        let mut single = create("adafactor", &options, &[vec![3, 4]]).unwrap();
        let mut single_params = vec![plane.clone()];
        step(single.as_mut(), &mut single_params, &[grad]);
        assert_eq!(&cube_params[0][half * 12..(half + 1) * 12], &single_params[0][..]);
    }
}

#[test]
fn rprop_follows_torch_on_rastrigin() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../test/fixtures/torch-landscapes.json"))
        .unwrap();
    let fixture: Value = serde_json::from_str(&text).unwrap();
    let case = fixture["cases"].as_array().unwrap().iter().find(|c| c["optimizer"] == "Rprop").unwrap();
    assert_eq!(case["function"], "rastrigin");
    let mut opt = create("rprop", &json!({}), &[vec![2]]).unwrap();
    let mut point = vec![vec![2.3f32, -1.7]];
    let two_pi = (2.0 * std::f64::consts::PI) as f32;
    for (k, want) in case["trajectory"].as_array().unwrap().iter().enumerate() {
        // f = 20 + x² − 10cos(2πx) + y² − 10cos(2πy); ∂f/∂x = 2x + 10·sin(2πx)·2π.
        let grad: Vec<f32> = point[0].iter().map(|&v| 2.0 * v + 10.0 * (two_pi * v).sin() * two_pi).collect();
        step(opt.as_mut(), &mut point, &[grad]);
        for (axis, w) in want.as_array().unwrap().iter().enumerate() {
            let w = w.as_f64().unwrap();
            let got = point[0][axis] as f64;
            assert!((got - w).abs() <= 1e-4 * w.abs().max(1.0), "step {}: {:?}, torch {want}", k + 1, point[0]);
        }
    }
}
