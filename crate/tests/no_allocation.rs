//! A training step allocates nothing: every buffer (activations, gradients, packing panels, optimizer
//! state after its first step, loss history, the optimizer's slot list) is reserved before the loop.
use optimlab::train::Trainer;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct CountingAllocator;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts calls.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
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
        let before = ALLOCATIONS.load(Ordering::Relaxed);
        assert_eq!(trainer.run(9).unwrap(), 9); // crosses two epoch boundaries
        assert_eq!(ALLOCATIONS.load(Ordering::Relaxed) - before, 0, "{optimizer}");
    }
}
