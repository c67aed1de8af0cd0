//! State files from strangers: a seeded, deterministic mutation fuzzer on stable Rust (no cargo-fuzz) over valid
//! optimizer state blobs of every registry optimizer and valid train checkpoints of every format version (1, 2, 3).
//! Mutations: truncation at every byte, single and multiple bit flips, oversized length fields (u32/u64 max,
//! just over what is left), wrong versions, wrong and unknown optimizer names, blobs of another optimizer whole
//! or spliced, inserted/deleted/duplicated bytes. Every input must give a typed error (an `Err` with a message,
//! the state left exactly as it was) or a valid load (a step after it runs) — never a panic, which inside wasm is
//! a trap — and no single allocation while loading may exceed `ALLOWED_PER_BYTE` × the input's length plus
//! `ALLOWED_SLACK` (a counting global allocator watches every allocation of the load).
//!
//! `cargo test` runs a short pass (host and inside wasm). `npm run fuzz` (scripts/fuzz.sh) runs `fuzz_for_a_while`
//! for FUZZ_SECONDS (default 600) from FUZZ_SEED and prints the inputs tried per category; a failure prints the
//! case seed that `FUZZ_REPLAY=<seed> npm run fuzz` runs alone.
use optimlab::optim::{create, names, Closure, OptimError, Optimizer, Slot};
use optimlab::state::Checkpoint;
use optimlab::train::Trainer;
use serde_json::{json, Value};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// A load may allocate what it copies out of the input (a checkpoint's weights, its embedded optimizer state)
/// and a fresh copy of the small states it replaces; nothing may grow with a length field the input does not back.
const ALLOWED_PER_BYTE: usize = 2;
const ALLOWED_SLACK: usize = 4096;

struct LargestAllocation;

thread_local! {
    /// True while a load runs on this thread (tests run in parallel threads, each watches its own).
    static WATCHING: Cell<bool> = const { Cell::new(false) };
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn note(size: usize) {
    if WATCHING.with(Cell::get) {
        LARGEST.with(|largest| largest.set(largest.get().max(size)));
    }
}

// SAFETY: forwards to the system allocator unchanged; only records the largest size asked for.
unsafe impl GlobalAlloc for LargestAllocation {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: LargestAllocation = LargestAllocation;

/// Runs `load` with the allocator watching; returns its result (or the panic's message) and the largest allocation.
fn watched<T>(load: impl FnOnce() -> T) -> (Result<T, String>, usize) {
    LARGEST.with(|largest| largest.set(0));
    WATCHING.with(|watching| watching.set(true));
    let result = catch_unwind(AssertUnwindSafe(load));
    WATCHING.with(|watching| watching.set(false));
    let result = result.map_err(|panic| {
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    });
    (result, LARGEST.with(Cell::get))
}

/// SplitMix64: every case is a function of its seed alone, so a failure replays from the seed it prints.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }
}

/// Something that loads state bytes: an optimizer (its blob) or a trainer (a checkpoint).
trait Subject {
    fn label(&self) -> &str;
    /// The optimizer the state belongs to (blobs of two different optimizers must never load into each other).
    fn optimizer(&self) -> &str;
    fn load(&mut self, bytes: &[u8]) -> Result<(), String>;
    fn save(&self) -> Vec<u8>;
    /// A step after a load succeeded: a loaded state must be one the optimizer can run from.
    fn step(&mut self);
}

/// f(p) = ½‖p‖² over every tensor: the gradient is p, so any state steps somewhere finite or not, never out of bounds.
struct Quadratic {
    params: Vec<Vec<f32>>,
    grads: Vec<Vec<f32>>,
}

impl Quadratic {
    fn new(shapes: &[Vec<usize>]) -> Self {
        let params: Vec<Vec<f32>> = shapes
            .iter()
            .enumerate()
            .map(|(t, shape)| (0..shape.iter().product()).map(|i| ((t * 7 + i * 3) % 11) as f32 / 5.0 - 1.0).collect())
            .collect();
        Quadratic { grads: params.clone(), params }
    }
    fn slots(&mut self) -> Vec<Slot<'_>> {
        self.params.iter_mut().zip(&self.grads).map(|(param, grad)| Slot { param, grad }).collect()
    }
}

impl Closure for Quadratic {
    fn evaluate(&mut self) -> Result<f32, OptimError> {
        for (param, grad) in self.params.iter().zip(&mut self.grads) {
            grad.copy_from_slice(param);
        }
        Ok(self.params.iter().flatten().map(|p| 0.5 * p * p).sum())
    }
    fn with_slots(&mut self, visit: &mut dyn FnMut(&mut [Slot<'_>])) {
        visit(&mut self.slots());
    }
}

struct OptimizerSubject {
    label: String,
    name: String,
    optimizer: Box<dyn Optimizer>,
    problem: Quadratic,
}

impl OptimizerSubject {
    /// `name` over three tensors (a matrix, a vector, a 3-d tensor; two matrices for Muon, which takes only those),
    /// `steps` steps done before its state is saved.
    fn new(name: &str, options: Value, steps: usize) -> Self {
        let shapes =
            if name == "muon" { vec![vec![3, 4], vec![5, 2]] } else { vec![vec![3, 4], vec![4], vec![2, 2, 3]] };
        let optimizer = create(name, &options, &shapes)
            .or_else(|_| create(name, &json!({"learning_rate": 0.01}), &shapes))
            .unwrap_or_else(|e| panic!("{name} {options}: {e}"));
        let mut subject = OptimizerSubject {
            label: format!("{name} {options} after {steps} steps"),
            name: name.to_string(),
            optimizer,
            problem: Quadratic::new(&shapes),
        };
        for _ in 0..steps {
            subject.step();
        }
        subject
    }
}

impl Subject for OptimizerSubject {
    fn label(&self) -> &str {
        &self.label
    }
    fn optimizer(&self) -> &str {
        &self.name
    }
    fn load(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.optimizer.load_state(bytes).map_err(|e| e.to_string())
    }
    fn save(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.optimizer.save_state(&mut out);
        out
    }
    fn step(&mut self) {
        if self.optimizer.needs_closure() {
            self.optimizer.step_with_closure(&mut self.problem).unwrap();
        } else {
            self.problem.evaluate().unwrap();
            self.optimizer.step(&mut self.problem.slots()).unwrap();
        }
    }
}

/// A trainer whose checkpoints are fuzzed, in the format `version` (older versions are what older builds wrote:
/// the newer fields cut off, the version number set).
struct TrainerSubject {
    label: String,
    name: String,
    trainer: Trainer,
    version: u32,
}

impl TrainerSubject {
    fn new(config: Value, version: u32) -> Self {
        let mut trainer = Trainer::from_json(&config.to_string()).unwrap();
        let rows = 10;
        let pixels: Vec<u8> = (0..rows * 4).map(|i| (i * 37 % 251) as u8).collect();
        let labels: Vec<u8> = (0..rows).map(|i| (i % 2) as u8).collect();
        trainer.set_train_data(&pixels, &labels).unwrap();
        trainer.run(5).unwrap();
        let name = config["optimizer"]["name"].as_str().unwrap().to_string();
        TrainerSubject { label: format!("checkpoint v{version} of {config}"), name, trainer, version }
    }
}

/// A checkpoint in an older format: version 2 ends before the model and the non-finite counters, version 1 also
/// before the lr history and the schedule.
fn in_version(current: &[u8], version: u32) -> Vec<u8> {
    let checkpoint = Checkpoint::decode(current).unwrap();
    let mut bytes = current.to_vec();
    if version < 3 {
        bytes.truncate(bytes.len() - (8 + checkpoint.model.len() + 4 + 4 + 1));
    }
    if version < 2 {
        let schedule = checkpoint.schedule.as_ref().map_or(0, |s| s.spec.len() + 8 * s.metrics.len());
        bytes.truncate(bytes.len() - (8 + 4 * checkpoint.lrs.len() + 8 + 8 + 8 + schedule));
    }
    bytes[8..12].copy_from_slice(&version.to_le_bytes());
    bytes
}

impl Subject for TrainerSubject {
    fn label(&self) -> &str {
        &self.label
    }
    fn optimizer(&self) -> &str {
        &self.name
    }
    fn load(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.trainer.load_state(bytes).map_err(|e| e.to_string())
    }
    fn save(&self) -> Vec<u8> {
        in_version(&self.trainer.save_state(), self.version)
    }
    fn step(&mut self) {
        if self.trainer.steps_done() < self.trainer.config().max_steps {
            self.trainer.run(1).unwrap();
        }
    }
}

/// Every optimizer of the registry (fresh and after steps; the ones whose buffers are optional with and without
/// them; LBFGS with a full history) and trainers of every checkpoint version, with and without schedules.
fn subjects() -> Vec<Box<dyn Subject>> {
    let mut subjects: Vec<Box<dyn Subject>> = Vec::new();
    for name in names() {
        let options = match name {
            "lbfgs" => json!({"history_size": 3, "max_iter": 4}),
            _ => json!({}),
        };
        subjects.push(Box::new(OptimizerSubject::new(name, options, 3)));
    }
    subjects.push(Box::new(OptimizerSubject::new("adam", json!({}), 0)));
    subjects.push(Box::new(OptimizerSubject::new("lbfgs", json!({}), 0)));
    subjects.push(Box::new(OptimizerSubject::new("sgd", json!({"momentum": 0.9}), 2)));
    subjects.push(Box::new(OptimizerSubject::new("rmsprop", json!({"momentum": 0.5, "centered": true}), 2)));
    let groups = json!({"lr": 0.01, "param_groups": [{"params": [1], "lr": 0.1}]});
    subjects.push(Box::new(OptimizerSubject::new("adamw", groups, 2)));
    let mlp = |optimizer: Value, schedule: Option<Value>| {
        let mut config =
            json!({"layers": [4, 3, 2], "seed": 1, "batchSize": 4, "maxSteps": 40, "optimizer": optimizer});
        if let Some(schedule) = schedule {
            config["schedule"] = schedule;
        }
        config
    };
    for version in 1..=3 {
        subjects.push(Box::new(TrainerSubject::new(mlp(json!({"name": "sgd", "momentum": 0.9}), None), version)));
    }
    for version in 2..=3 {
        let step_lr = json!({"name": "StepLR", "step_size": 2});
        subjects.push(Box::new(TrainerSubject::new(mlp(json!({"name": "adam"}), Some(step_lr)), version)));
        let plateau = json!({"name": "ReduceLROnPlateau", "patience": 0});
        subjects.push(Box::new(TrainerSubject::new(mlp(json!({"name": "sgd", "lr": 0.1}), Some(plateau)), version)));
    }
    let model = json!({"input": [4], "loss": "cross_entropy",
        "layers": [{"type": "linear", "in": 4, "out": 3}, {"type": "relu"}, {"type": "linear", "in": 3, "out": 2}]});
    subjects.push(Box::new(TrainerSubject::new(
        json!({"model": model, "seed": 2, "batchSize": 4, "maxSteps": 40, "optimizer": {"name": "lamb", "learning_rate": 0.01}}),
        3,
    )));
    subjects
}

const CATEGORIES: [&str; 10] =
    ["valid", "truncate", "bitflip", "multiflip", "length", "version", "name", "other optimizer", "splice", "havoc"];

/// What a case must give besides "no panic, no oversized allocation".
#[derive(Clone, Copy, PartialEq)]
enum Expect {
    /// A valid load: the state as saved.
    Load,
    /// A typed error or a valid load.
    ErrorOrLoad,
    /// A typed error: a changed version or optimizer name, a blob of another optimizer.
    Error,
}

struct Case {
    category: usize,
    bytes: Vec<u8>,
    expect: Expect,
    /// How to run this case again: its seed, or what the deterministic pass did.
    replay: String,
}

/// Where a state starts: "OLOPTIM\0" · u64 version · u64 name length · name (optimizer blobs), "OPTIMLAB" · u32
/// version · u64 name length · name (checkpoints); LBFGS, Prodigy and D-Adaptation blobs start with their own magic.
struct Header {
    version_at: usize,
    version_width: usize,
    name_at: usize,
}

fn header(bytes: &[u8]) -> Option<Header> {
    if bytes.starts_with(b"OLOPTIM\0") {
        Some(Header { version_at: 8, version_width: 8, name_at: 16 })
    } else if bytes.starts_with(b"OPTIMLAB") {
        Some(Header { version_at: 8, version_width: 4, name_at: 12 })
    } else {
        None
    }
}

/// `bytes` with the name at `header.name_at` (a u64 length and the bytes) replaced by `name`.
fn renamed(bytes: &[u8], header: &Header, name: &[u8]) -> Vec<u8> {
    let old = u64::from_le_bytes(bytes[header.name_at..header.name_at + 8].try_into().unwrap()) as usize;
    let mut out = bytes[..header.name_at].to_vec();
    out.extend_from_slice(&(name.len() as u64).to_le_bytes());
    out.extend_from_slice(name);
    out.extend_from_slice(&bytes[header.name_at + 8 + old..]);
    out
}

/// Values an attacker writes into a length field at `at` (of `width` bytes) of a `len`-byte input.
fn oversized_values(len: usize, at: usize, width: usize) -> [u64; 8] {
    let left = len.saturating_sub(at + width) as u64;
    [u64::MAX, u32::MAX as u64, i64::MAX as u64, 1 << 32, left + 1, left / 4 + 1, left / 8 + 1, 1 << 62]
}

fn write_at(bytes: &mut [u8], at: usize, width: usize, value: u64) {
    let at = at.min(bytes.len().saturating_sub(width));
    let width = width.min(bytes.len());
    bytes[at..at + width].copy_from_slice(&value.to_le_bytes()[..width]);
}

/// One random case of `category` on `valid` (the subject's own state) with `others` (every subject's state).
fn random_case(category: usize, valid: &[u8], others: &[Vec<u8>], rng: &mut Rng) -> Vec<u8> {
    let mut bytes = valid.to_vec();
    match CATEGORIES[category] {
        "truncate" => bytes.truncate(rng.below(valid.len())),
        "bitflip" | "multiflip" => {
            let flips = if CATEGORIES[category] == "bitflip" { 1 } else { 2 + rng.below(15) };
            for _ in 0..flips {
                let bit = rng.below(bytes.len() * 8);
                bytes[bit / 8] ^= 1 << (bit % 8);
            }
        }
        "length" => {
            let width = if rng.below(2) == 0 { 8 } else { 4 };
            let at = rng.below(bytes.len());
            let values = oversized_values(bytes.len(), at, width);
            write_at(&mut bytes, at, width, values[rng.below(values.len())]);
        }
        "splice" => {
            let other = &others[rng.below(others.len())];
            bytes.truncate(rng.below(valid.len() + 1));
            bytes.extend_from_slice(&other[rng.below(other.len() + 1)..]);
        }
        _ => {
            // havoc: a few inserted, deleted or duplicated runs of bytes
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(bytes.len() + 1);
                let run = 1 + rng.below(16);
                match rng.below(3) {
                    0 => bytes.drain(at..(at + run).min(bytes.len())).for_each(drop),
                    1 => (0..run).for_each(|_| bytes.insert(at, rng.next() as u8)),
                    _ => {
                        let copy = bytes[at..(at + run).min(bytes.len())].to_vec();
                        bytes.splice(at..at, copy).for_each(drop);
                    }
                }
            }
        }
    }
    bytes
}

/// The categories drawn at random (the others are enumerated by `deterministic_cases`).
const RANDOM: [&str; 6] = ["truncate", "bitflip", "multiflip", "length", "splice", "havoc"];

fn category(name: &str) -> usize {
    CATEGORIES.iter().position(|c| *c == name).expect("a category")
}

/// The case of `seed`: the subject, the category and the mutation all come from the seed.
fn seeded_case(seed: u64, states: &[Vec<u8>]) -> (usize, Case) {
    let mut rng = Rng(seed);
    let subject = rng.below(states.len());
    let category = category(RANDOM[rng.below(RANDOM.len())]);
    let bytes = random_case(category, &states[subject], states, &mut rng);
    (subject, Case { category, bytes, expect: Expect::ErrorOrLoad, replay: format!("FUZZ_REPLAY={seed:#x}") })
}

/// Truncation at every byte, every wrong version, every other registry name and a few unknown ones, every other
/// optimizer's whole state; with `every_length`, every oversized value at every offset too.
fn deterministic_cases(subject: usize, states: &[Vec<u8>], owners: &[&str], every_length: bool) -> Vec<Case> {
    let valid = &states[subject];
    let mut cases = Vec::new();
    let mut push = |category: &str, bytes: Vec<u8>, expect: Expect, what: String| {
        let category = self::category(category);
        cases.push(Case { category, bytes, expect, replay: what });
    };
    push("valid", valid.clone(), Expect::Load, "the state as saved".into());
    for len in 0..valid.len() {
        push("truncate", valid[..len].to_vec(), Expect::ErrorOrLoad, format!("truncated to {len} bytes"));
    }
    if every_length {
        for width in [4, 8] {
            for at in 0..valid.len().saturating_sub(width - 1) {
                for value in oversized_values(valid.len(), at, width) {
                    let mut bytes = valid.clone();
                    write_at(&mut bytes, at, width, value);
                    push("length", bytes, Expect::ErrorOrLoad, format!("u{} {value} written at {at}", width * 8));
                }
            }
        }
    }
    if let Some(header) = header(valid) {
        let own = u64::from_le_bytes({
            let mut field = [0; 8];
            field[..header.version_width]
                .copy_from_slice(&valid[header.version_at..header.version_at + header.version_width]);
            field
        });
        for version in [0, 1, 2, 3, 4, 5, u32::MAX as u64, u64::MAX] {
            if version != own {
                let mut bytes = valid.clone();
                write_at(&mut bytes, header.version_at, header.version_width, version);
                push("version", bytes, Expect::Error, format!("version {own} → {version}"));
            }
        }
        let unknown: [&[u8]; 6] = [b"", b"ADAM", b"adam\0", b"__proto__", &[0xff, 0xfe, 0x00], &[b'a'; 300]];
        for name in names().map(str::as_bytes).chain(unknown) {
            if name != owners[subject].as_bytes() {
                let what = format!("named {:?}", String::from_utf8_lossy(name));
                push("name", renamed(valid, &header, name), Expect::Error, what);
            }
        }
    }
    for (other, state) in states.iter().enumerate() {
        if owners[other] != owners[subject] {
            let what = format!("the state of subject {other} ({})", owners[other]);
            push("other optimizer", state.clone(), Expect::Error, what);
        }
    }
    cases
}

/// What running cases found: inputs tried per category and the failures.
#[derive(Default)]
struct Tally {
    tried: [u64; CATEGORIES.len()],
    loaded: u64,
    /// The largest single allocation of a load, and that input's length.
    largest: (usize, usize),
    failures: Vec<String>,
}

impl Tally {
    fn report(&self) -> String {
        let per_category: Vec<String> =
            CATEGORIES.iter().zip(self.tried).map(|(name, tried)| format!("{name} {tried}")).collect();
        format!(
            "{} inputs tried ({}); {} loaded, the others refused; largest allocation of a load {} bytes (a {}-byte input)",
            self.tried.iter().sum::<u64>(),
            per_category.join(", "),
            self.loaded,
            self.largest.0,
            self.largest.1
        )
    }
}

/// Loads `case` into `subject` and checks the property; a refused load must leave the state as it was.
fn run_case(subject: &mut dyn Subject, case: &Case, tally: &mut Tally) {
    tally.tried[case.category] += 1;
    let before = subject.save();
    let (result, largest) = watched(|| subject.load(&case.bytes));
    let limit = ALLOWED_PER_BYTE * case.bytes.len() + ALLOWED_SLACK;
    if largest > tally.largest.0 {
        tally.largest = (largest, case.bytes.len());
    }
    let failure = match result {
        Err(panic) => Some(format!("panicked: {panic}")),
        Ok(_) if largest > limit => Some(format!("allocated {largest} bytes for a {}-byte input", case.bytes.len())),
        Ok(Err(message)) if message.trim().is_empty() => Some("an error without a message".into()),
        Ok(Err(message)) if case.expect == Expect::Load => Some(format!("refused the state as saved: {message}")),
        Ok(Err(_)) if subject.save() != before => Some("a refused load changed the state".into()),
        Ok(Err(_)) => None,
        Ok(Ok(())) if case.expect == Expect::Error => Some("loaded where an error was due".into()),
        Ok(Ok(())) => {
            tally.loaded += 1;
            watched(|| subject.step()).0.err().map(|panic| format!("the step after the load panicked: {panic}"))
        }
    };
    if let Some(failure) = failure {
        tally.failures.push(format!(
            "{} / {} / {}: {failure}",
            subject.label(),
            CATEGORIES[case.category],
            case.replay
        ));
    }
}

struct Fuzz {
    subjects: Vec<Box<dyn Subject>>,
    states: Vec<Vec<u8>>,
    owners: Vec<String>,
}

impl Fuzz {
    fn new() -> Self {
        let subjects = subjects();
        let states = subjects.iter().map(|s| s.save()).collect();
        let owners = subjects.iter().map(|s| s.optimizer().to_string()).collect();
        Fuzz { subjects, states, owners }
    }

    fn deterministic(&mut self, every_length: bool, tally: &mut Tally) {
        let owners: Vec<&str> = self.owners.iter().map(String::as_str).collect();
        for subject in 0..self.subjects.len() {
            for case in deterministic_cases(subject, &self.states, &owners, every_length) {
                run_case(self.subjects[subject].as_mut(), &case, tally);
            }
        }
    }

    fn seeded(&mut self, seed: u64, tally: &mut Tally) {
        let (subject, case) = seeded_case(seed, &self.states);
        run_case(self.subjects[subject].as_mut(), &case, tally);
    }
}

/// The case seeds of a run from `seed`.
fn case_seed(seed: u64, n: u64) -> u64 {
    Rng(seed ^ n.wrapping_mul(0xd1b5_4a32_d192_ed03)).next()
}

#[test]
fn every_mutated_state_file_is_refused_with_a_message_or_loads() {
    let mut fuzz = Fuzz::new();
    let mut tally = Tally::default();
    fuzz.deterministic(false, &mut tally);
    for n in 0..20_000 {
        fuzz.seeded(case_seed(16, n), &mut tally);
    }
    println!("{}", tally.report());
    assert!(tally.failures.is_empty(), "{} failures:\n{}", tally.failures.len(), tally.failures.join("\n"));
    // Every category ran, and the mutations left some inputs loadable (bit flips inside the numbers).
    assert!(tally.tried.iter().all(|&tried| tried > 0), "{}", tally.report());
    assert!(tally.loaded > 0);
}

/// A state cut short never buys a large allocation: loading the first bytes of the state of a 100,000-value
/// tensor allocates by what those bytes hold, not by the buffer lengths they announce (the buffers of LBFGS,
/// Prodigy, D-Adaptation and SGD's momentum are read before they are allocated).
#[test]
fn a_short_state_of_a_large_optimizer_allocates_by_what_it_holds() {
    let shapes = vec![vec![100, 1000]];
    let saved_by = |name: &str, options: Value| {
        let mut optimizer = create(name, &options, &shapes).unwrap();
        let mut problem = Quadratic::new(&shapes);
        for _ in 0..2 {
            if optimizer.needs_closure() {
                optimizer.step_with_closure(&mut problem).unwrap();
            } else {
                problem.evaluate().unwrap();
                optimizer.step(&mut problem.slots()).unwrap();
            }
        }
        let mut state = Vec::new();
        optimizer.save_state(&mut state);
        state
    };
    let pairs = [
        ("lbfgs", json!({"history_size": 2}), saved_by("lbfgs", json!({"history_size": 2}))),
        ("prodigy", json!({}), saved_by("prodigy", json!({}))),
        ("dadapt_adamw", json!({}), saved_by("dadapt_adamw", json!({}))),
        // SGD without momentum loads a state saved with it (a schedule may have turned momentum on).
        ("sgd", json!({}), saved_by("sgd", json!({"momentum": 0.9}))),
    ];
    for (name, options, state) in pairs {
        let mut optimizer = create(name, &options, &shapes).unwrap();
        for len in (0..256).chain([state.len() / 2, state.len() - 1]) {
            let (result, largest) = watched(|| optimizer.load_state(&state[..len]));
            assert!(result.unwrap().is_err(), "{name}: {len} bytes loaded");
            let limit = ALLOWED_PER_BYTE * len + ALLOWED_SLACK;
            assert!(largest <= limit, "{name}: {largest} bytes allocated to load {len} of {} bytes", state.len());
        }
        optimizer.load_state(&state).unwrap();
    }
}

/// A checkpoint whose schedule claims more steps than the run took is refused: they would be replayed one by one.
#[test]
fn a_checkpoint_whose_schedule_stepped_more_than_the_run_is_refused() {
    let config = json!({"layers": [4, 3, 2], "seed": 1, "batchSize": 4, "maxSteps": 40, "optimizer": {"name": "sgd"},
        "schedule": {"name": "StepLR", "step_size": 2}});
    let subject = TrainerSubject::new(config.clone(), 3);
    let mut checkpoint = Checkpoint::decode(&subject.trainer.save_state()).unwrap();
    let steps = checkpoint.steps_done;
    for claimed in [steps + 1, u64::MAX] {
        checkpoint.schedule.as_mut().unwrap().steps = claimed;
        let mut trainer = Trainer::from_json(&config.to_string()).unwrap();
        assert_eq!(
            trainer.load_state(&checkpoint.encode()).unwrap_err().to_string(),
            format!("loadState: the checkpoint's schedule has stepped {claimed} times in {steps} steps")
        );
    }
}

/// `npm run fuzz`: the deterministic pass with every oversized length at every offset, then seeded cases until
/// FUZZ_SECONDS (default 600) have passed; FUZZ_REPLAY=<case seed> runs that one case.
#[cfg(not(target_arch = "wasm32"))]
#[test]
#[ignore = "long: run by `npm run fuzz`"]
fn fuzz_for_a_while() {
    let env = |name: &str| std::env::var(name).ok();
    let parse = |text: String| {
        text.strip_prefix("0x").map_or_else(|| text.parse(), |hex| u64::from_str_radix(hex, 16)).expect("a number")
    };
    let mut fuzz = Fuzz::new();
    let mut tally = Tally::default();
    if let Some(seed) = env("FUZZ_REPLAY").map(parse) {
        fuzz.seeded(seed, &mut tally);
        println!("replayed {seed:#x}: {}", tally.failures.first().map_or("no failure", String::as_str));
        assert!(tally.failures.is_empty());
        return;
    }
    let seconds = env("FUZZ_SECONDS").map_or(600, parse);
    let seed = env("FUZZ_SEED").map_or(16, parse);
    let start = std::time::Instant::now();
    fuzz.deterministic(true, &mut tally);
    println!("fuzz: deterministic pass over {} states: {}", fuzz.states.len(), tally.report());
    let (mut n, mut reported) = (0, 0);
    while start.elapsed().as_secs() < seconds {
        for _ in 0..1000 {
            fuzz.seeded(case_seed(seed, n), &mut tally);
            n += 1;
        }
        if start.elapsed().as_secs() >= reported + 60 {
            reported = start.elapsed().as_secs();
            println!("fuzz: {reported} s: {}", tally.report());
        }
    }
    println!("fuzz: seed {seed}, {} s: {}", start.elapsed().as_secs(), tally.report());
    for failure in tally.failures.iter().take(50) {
        println!("FAILED {failure}");
    }
    assert!(tally.failures.is_empty(), "{} failures", tally.failures.len());
}
