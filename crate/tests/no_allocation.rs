//! A training step allocates nothing: every buffer (activations, gradients, packing panels, im2col columns, optimizer
//! state after its first step, loss history, the optimizer's slot list) is reserved before the loop.
use optimlab::train::Trainer;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct CountingAllocator;

thread_local! {
    /// Allocations made by this thread: tests run in parallel threads, each counts its own.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

// SAFETY: forwards to the system allocator unchanged; only counts calls.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

#[test]
fn training_steps_allocate_nothing() {
    for optimizer in [r#"{"name":"sgd","lr":0.01,"momentum":0.9}"#, r#"{"name":"adam"}"#] {
        let config =
            format!(r#"{{"layers":[784,100,100,10],"seed":1,"batchSize":256,"maxSteps":20,"optimizer":{optimizer}}}"#);
        let mut trainer = Trainer::from_json(&config).unwrap();
        let rows = 1000; // 4 steps per epoch, the last one partial
        let pixels: Vec<u8> = (0..rows * 784).map(|i| (i * 37 % 251) as u8).collect();
        let labels: Vec<u8> = (0..rows).map(|i| (i % 10) as u8).collect();
        trainer.set_train_data(&pixels, &labels).unwrap();
        trainer.run(1).unwrap(); // optimizers create their state in the first step
        let before = allocations();
        assert_eq!(trainer.run(9).unwrap(), 9); // crosses two epoch boundaries
        assert_eq!(allocations() - before, 0, "{optimizer}");
    }
}

#[test]
fn model_steps_with_conv_pools_and_clipping_allocate_nothing() {
    use optimlab::nn::clip::Clip;
    use optimlab::nn::model::{Model, Targets};
    use optimlab::rng::Rng;
    // DeepOBS's mnist_2c2d shape on 12×12 inputs, batch 16.
    let model = r#"{"input": [1, 12, 12], "loss": "cross_entropy", "layers": [
        {"type": "conv2d", "in_channels": 1, "out_channels": 8, "kernel_size": 5, "padding": "same"}, {"type": "relu"},
        {"type": "maxpool2d", "kernel_size": 2},
        {"type": "conv2d", "in_channels": 8, "out_channels": 16, "kernel_size": 5, "padding": 2}, {"type": "relu"},
        {"type": "avgpool2d", "kernel_size": 2}, {"type": "flatten"},
        {"type": "linear", "in": 144, "out": 32}, {"type": "gelu"}, {"type": "linear", "in": 32, "out": 10}]}"#;
    let mut model = Model::from_json(model, 16).unwrap();
    model.init(&mut Rng::new(1));
    let x: Vec<f32> = (0..16 * 144).map(|i| (i % 13) as f32 / 13.0).collect();
    let labels: Vec<u8> = (0..16).map(|i| (i % 10) as u8).collect();
    model.loss_and_gradients(&x, Targets::Classes(&labels), 16);
    let before = allocations();
    for batch in [16, 5, 16] {
        model.loss_and_gradients(&x, Targets::Classes(&labels), batch);
        Clip::Norm(1.0).apply(model.arena_mut());
        model.evaluate_batch(&x, Targets::Classes(&labels), batch);
    }
    assert_eq!(allocations() - before, 0);
}

#[test]
fn trainer_steps_of_a_conv_model_with_clipping_and_skip_allocate_nothing() {
    // DeepOBS's mnist_2c2d (conv 5×5 same → relu → maxpool 2, twice, fc → relu → fc) on 12×12 bytes, batch 16,
    // clipped by norm, non-finite steps skipped: the run's whole step loop, epoch boundaries included.
    let config = r#"{"model": {"input": [1, 12, 12], "loss": "cross_entropy", "layers": [
        {"type": "conv2d", "in_channels": 1, "out_channels": 8, "kernel_size": 5, "padding": "same"}, {"type": "relu"},
        {"type": "maxpool2d", "kernel_size": 2},
        {"type": "conv2d", "in_channels": 8, "out_channels": 16, "kernel_size": 5, "padding": "same"}, {"type": "relu"},
        {"type": "maxpool2d", "kernel_size": 2}, {"type": "flatten"},
        {"type": "linear", "in": 144, "out": 32}, {"type": "relu"}, {"type": "linear", "in": 32, "out": 10}]},
        "seed": 1, "batchSize": 16, "maxSteps": 20, "optimizer": {"name": "adam"},
        "clip": {"clip_grad_norm": 1.0}, "nonFinite": "skip"}"#;
    let mut trainer = Trainer::from_json(config).unwrap();
    let rows = 40; // 3 steps per epoch, the last one partial
    let pixels: Vec<u8> = (0..rows * 144).map(|i| (i * 37 % 251) as u8).collect();
    let labels: Vec<u8> = (0..rows).map(|i| (i % 10) as u8).collect();
    trainer.set_train_data(&pixels, &labels).unwrap();
    trainer.run(1).unwrap();
    let before = allocations();
    assert_eq!(trainer.run(8).unwrap(), 8);
    assert_eq!(allocations() - before, 0);
}
