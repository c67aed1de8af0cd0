//! Layers and losses beyond the fixture's runs, and the model's up-front checks: every gradient of
//! models covering each layer option (stride, padding forms, bias=False, avgpool with and without
//! count_include_pad, leaky_relu, gelu, bce_with_logits) against central differences; each validation
//! error word for word.
use optimlab::nn::model::{Model, Targets};
use optimlab::rng::Rng;
use serde_json::{json, Value};
// Under wasm-bindgen-test-runner the same tests run in the simd128 build (its GEMM kernel sums in another order).
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn model(input: Value, layers: Value, loss: &str, batch: usize) -> Model {
    Model::from_json(&json!({ "input": input, "layers": layers, "loss": loss }).to_string(), batch).unwrap()
}

fn error(input: Value, layers: Value, loss: &str) -> String {
    Model::from_json(&json!({ "input": input, "layers": layers, "loss": loss }).to_string(), 8)
        .err()
        .unwrap()
        .to_string()
}

/// Every parameter's gradient against (L(p + ε) − L(p − ε)) / 2ε, the loss computed by the model itself.
fn check_gradients(mut model: Model, batch: usize, seed: u64) {
    let mut rng = Rng::new(seed);
    model.init(&mut rng);
    // Weights well above torch's init scale, so the gradient reaching the first layers stands far
    // above float32 rounding in the differences.
    model.arena_mut().params_mut().iter_mut().for_each(|p| *p *= 3.0);
    let x: Vec<f32> = (0..batch * model.input_len()).map(|_| rng.uniform(-2.0, 2.0)).collect();
    let n = batch * model.output_len();
    let classes: Vec<u8> = (0..batch).map(|_| rng.below(model.output_len() as u32) as u8).collect();
    let values: Vec<f32> = (0..n).map(|_| rng.uniform(0.0, 1.0)).collect();
    let targets =
        if model.loss().name() == "cross_entropy" { Targets::Classes(&classes) } else { Targets::Values(&values) };
    model.loss_and_gradients(&x, targets, batch);
    let grads = model.arena().grads().to_vec();
    let eps = 3e-3;
    let numeric: Vec<f64> = (0..grads.len())
        .map(|i| {
            let original = model.arena().params()[i];
            let mut loss_at = |value: f32| {
                model.arena_mut().params_mut()[i] = value;
                f64::from(model.loss_and_gradients(&x, targets, batch))
            };
            let slope = (loss_at(original + eps) - loss_at(original - eps)) / (2.0 * f64::from(eps));
            model.arena_mut().params_mut()[i] = original;
            slope
        })
        .collect();
    // Per tensor: the gradient's distance from the numeric one, relative to the numeric one's norm.
    for entry in model.arena().entries() {
        let range = entry.offset..entry.offset + entry.len;
        let norm = |v: &mut dyn Iterator<Item = f64>| v.map(|x| x * x).sum::<f64>().sqrt();
        let scale = norm(&mut numeric[range.clone()].iter().copied());
        let distance =
            norm(&mut grads[range.clone()].iter().zip(&numeric[range.clone()]).map(|(&a, &n)| f64::from(a) - n));
        assert!(scale > 1e-3, "{}: tensor {:?} has a vanishing gradient", model.plan().spec, entry.shape);
        // float32 rounding of the losses leaves about 5e-5 of noise in the differences.
        assert!(
            distance <= 2e-3 * scale + 5e-5,
            "{}: tensor {:?}: off by {distance} of {scale}",
            model.plan().spec,
            entry.shape
        );
    }
}

#[test]
fn conv_strides_paddings_and_pools_backpropagate_correctly() {
    let layers = json!([
        {"type": "conv2d", "in_channels": 2, "out_channels": 3, "kernel_size": [3, 2], "stride": [2, 1], "padding": [1, 0], "bias": false},
        {"type": "leaky_relu", "negative_slope": 0.1},
        {"type": "avgpool2d", "kernel_size": 2, "stride": 1, "padding": 1},
        {"type": "conv2d", "in_channels": 3, "out_channels": 2, "kernel_size": 2, "padding": "same"},
        {"type": "relu"},
        {"type": "maxpool2d", "kernel_size": 3, "stride": 2, "padding": 1},
        {"type": "avgpool2d", "kernel_size": 2, "padding": 1, "count_include_pad": false},
        {"type": "flatten"},
        {"type": "linear", "in": 8, "out": 3}
    ]);
    check_gradients(model(json!([2, 7, 5]), layers, "cross_entropy", 3), 3, 1);
}

#[test]
fn activations_and_losses_backpropagate_correctly() {
    let layers = json!([
        {"type": "linear", "in": 6, "out": 5}, {"type": "gelu"},
        {"type": "linear", "in": 5, "out": 5, "bias": false}, {"type": "tanh"},
        {"type": "linear", "in_features": 5, "out_features": 4}, {"type": "sigmoid"},
        {"type": "linear", "in": 4, "out": 4}, {"type": "leaky_relu"},
        {"type": "linear", "in": 4, "out": 3}
    ]);
    for loss in ["cross_entropy", "mse", "bce_with_logits"] {
        check_gradients(model(json!([6]), layers.clone(), loss, 4), 4, 2);
    }
    // A ReLU that no layer can take in (after a pool) runs as a layer of its own.
    let pooled = json!([{"type": "maxpool2d", "kernel_size": 2}, {"type": "relu"}, {"type": "flatten"}, {"type": "linear", "in": 4, "out": 2}]);
    check_gradients(model(json!([1, 4, 4]), pooled, "mse", 2), 2, 3);
}

#[test]
fn conv_init_is_torch_bounded_by_its_fan_in() {
    let layers = json!([{"type": "conv2d", "in_channels": 3, "out_channels": 8, "kernel_size": 5}, {"type": "flatten"}, {"type": "linear", "in": 8, "out": 2}]);
    let mut m = model(json!([3, 5, 5]), layers, "cross_entropy", 1);
    m.init(&mut Rng::new(6));
    let bound = 1.0 / 75f32.sqrt();
    let conv = &m.arena().params()[..8 * 75 + 8];
    assert!(conv.iter().all(|v| v.abs() <= bound) && conv.iter().any(|v| v.abs() > 0.9 * bound));
    assert_eq!(m.arena().shapes(), [vec![8, 3, 5, 5], vec![8], vec![2, 8], vec![2]]);
}

#[test]
fn shapes_are_checked_up_front_with_errors_naming_the_layer() {
    let cnn = |linear_in: u64| {
        json!([
            {"type": "conv2d", "in_channels": 1, "out_channels": 4, "kernel_size": 3, "padding": 1}, {"type": "relu"},
            {"type": "maxpool2d", "kernel_size": 2}, {"type": "flatten"}, {"type": "linear", "in": linear_in, "out": 10}
        ])
    };
    assert_eq!(
        error(json!([1, 4, 4]), cnn(24), "cross_entropy"),
        "layer 5 (linear): expects 24 inputs, the previous layer gives 16"
    );
    assert!(Model::from_json(&json!({"input": [1, 4, 4], "layers": cnn(16), "loss": "cross_entropy"}).to_string(), 2)
        .is_ok());
    assert_eq!(
        error(json!([1, 4, 4]), json!([{"type": "linear", "in": 16, "out": 2}]), "cross_entropy"),
        "layer 1 (linear): expects 16 inputs in a flat vector, the previous layer gives shape [1, 4, 4]; add {\"type\": \"flatten\"} before it"
    );
    assert_eq!(
        error(
            json!([2, 4, 4]),
            json!([{"type": "conv2d", "in_channels": 1, "out_channels": 2, "kernel_size": 3}]),
            "mse"
        ),
        "layer 1 (conv2d): expects 1 input channels, the previous layer gives 2 (shape [2, 4, 4])"
    );
    assert_eq!(
        error(json!([16]), json!([{"type": "maxpool2d", "kernel_size": 2}]), "mse"),
        "layer 1 (maxpool2d): expects images [channels, height, width], the previous layer gives 16 values"
    );
    assert_eq!(
        error(
            json!([1, 4, 4]),
            json!([{"type": "conv2d", "in_channels": 1, "out_channels": 2, "kernel_size": 5}]),
            "mse"
        ),
        "layer 1 (conv2d): kernel size 5×5 is larger than the padded input 4×4"
    );
    assert_eq!(
        error(
            json!([1, 4, 4]),
            json!([{"type": "conv2d", "in_channels": 1, "out_channels": 2, "kernel_size": 3, "stride": 2, "padding": "same"}]),
            "mse"
        ),
        "layer 1 (conv2d): padding='same' is not supported for strided convolutions"
    );
    assert_eq!(
        error(json!([1, 4, 4]), json!([{"type": "maxpool2d", "kernel_size": 2, "padding": 2}]), "mse"),
        "layer 1 (maxpool2d): pad should be at most half of effective kernel size, but got pad=2, kernel_size=2"
    );
    assert_eq!(
        error(json!([4]), json!([{"type": "linear", "in": 4, "out": 2}, {"type": "conv"}]), "mse"),
        "layer 2 (conv): unknown type 'conv'; valid types: linear, conv2d, maxpool2d, avgpool2d, flatten, relu, leaky_relu, tanh, sigmoid, gelu, quadratic"
    );
    assert_eq!(
        error(json!([4]), json!([{"type": "linear", "in": 4, "out": 2, "bias_": true}]), "mse"),
        "layer 1 (linear): unknown option 'bias_'; valid options: in, out, in_features, out_features, bias"
    );
    assert_eq!(
        error(json!([4]), json!([{"type": "linear", "out": 2}]), "mse"),
        "layer 1 (linear): in (or in_features) is required"
    );
    assert_eq!(
        error(json!([4]), json!([{"type": "linear", "in": 4, "out": 2}, {"type": "tanh", "inplace": true}]), "mse"),
        "layer 2 (tanh): unknown option 'inplace'; this layer takes none"
    );
    assert_eq!(
        error(json!([4]), json!([{"type": "gelu", "approximate": "tanh"}]), "mse"),
        "layer 1 (gelu): approximate must be \"none\" (the exact erf form), got \"tanh\""
    );
    assert_eq!(error(json!([4]), json!([{"in": 4}]), "mse"), "layer 1: type is required, one of linear, conv2d, maxpool2d, avgpool2d, flatten, relu, leaky_relu, tanh, sigmoid, gelu, quadratic");
    assert_eq!(
        error(json!([4]), json!([{"type": "linear", "in": 4, "out": 3}]), "nll"),
        "model: loss must be one of cross_entropy, mse, bce_with_logits, mean, got \"nll\""
    );
    assert_eq!(
        error(json!([4]), json!([{"type": "linear", "in": 4, "out": 1}]), "cross_entropy"),
        "model: loss cross_entropy needs the last layer to give one score per class (2 to 256 classes), it gives 1 values"
    );
    assert_eq!(
        error(json!([4]), json!([{"type": "relu"}]), "mse"),
        "model: the layers hold no parameters to train; add a linear or conv2d layer"
    );
    assert_eq!(
        error(json!([0]), json!([]), "mse"),
        "model: input must be the shape of one sample, e.g. [784] or [1, 28, 28] (channels, height, width), got [0]"
    );
    assert_eq!(
        Model::from_json(r#"{"input": [4], "layers": [], "loss": "mse", "optimizer": {}}"#, 1)
            .err()
            .unwrap()
            .to_string(),
        "model: unknown key 'optimizer'; valid keys: input, layers, loss"
    );
}

#[test]
fn a_model_too_large_for_wasm_memory_is_refused_before_allocating() {
    assert_eq!(
        error(json!([100000]), json!([{"type": "linear", "in": 100000, "out": 100000}]), "mse"),
        "layer 1 (linear): 100000 output values per sample and 10000100000 parameters: 38147 MiB or more, more than the 2048 MiB a wasm instance can hold"
    );
    // Each layer fits; parameters, gradients and optimizer state of both do not.
    let two = json!([{"type": "linear", "in": 8000, "out": 8000}, {"type": "relu"}, {"type": "linear", "in": 8000, "out": 8000}]);
    assert_eq!(
        error(json!([8000]), two, "mse"),
        "model: 128016000 parameters with batchSize 8 need about 2444 MiB, more than the 2048 MiB a wasm instance can hold"
    );
}
