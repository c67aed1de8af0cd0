//! The lr range test allocates per test, never per step: its checkpoint, its three output buffers and the
//! valley rule's table are sized up front, so 20 and 80 steps make the same number of allocations.
use optimlab::lr_find::{range_test, LrFindConfig};
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

fn allocations_of_a_test(num_iter: usize) -> usize {
    let config = r#"{"layers":[784,100,10],"seed":1,"batchSize":64,"maxSteps":200,"optimizer":{"name":"adam"}}"#;
    let mut trainer = Trainer::from_json(config).unwrap();
    let rows = 300; // 5 steps per epoch: the test crosses many epoch boundaries
    let pixels: Vec<u8> = (0..rows * 784).map(|i| (i * 37 % 251) as u8).collect();
    let labels: Vec<u8> = (0..rows).map(|i| (i % 10) as u8).collect();
    trainer.set_train_data(&pixels, &labels).unwrap();
    trainer.run(1).unwrap(); // the optimizer creates its state in its first step
                             // Up to lr 1e-3 Adam does not diverge, so every step runs.
    let options = LrFindConfig::from_json(&format!(r#"{{"numIter":{num_iter},"startLr":1e-6,"endLr":1e-3}}"#)).unwrap();
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    let test = range_test(&mut trainer, &options).unwrap();
    let count = ALLOCATIONS.load(Ordering::Relaxed) - before;
    assert_eq!(test.losses.len(), num_iter);
    count
}

#[test]
fn the_range_test_allocates_nothing_per_step() {
    assert_eq!(allocations_of_a_test(20), allocations_of_a_test(80));
}
