// The messages between the main thread and a worker, the same in Node worker threads and browser Web Workers: what
// the pool calls on every worker (init, memoryBytes, addData/dropData for resident datasets), what a training run calls (open, run chunk by chunk, evaluate,
// weights, close), the range test and the smoke check. Types only: worker-api.ts implements them, client.ts,
// lr-find.ts and api.ts call them through comlink.
import type { LayerListSpec, NonFinitePolicy, ScheduleSpec } from "./types.js";

/** The part of a worker's API the pool itself calls. */
export interface PoolWorkerApi {
  /** Instantiates the wasm module in the worker; called once, before the worker's first job. */
  init(module: WebAssembly.Module): unknown;
  /** Current size of the worker's wasm memory in bytes. */
  memoryBytes(): number;
  /**
   * Copies a dataset into the worker's wasm memory once and keeps it under `id` for every run that names it, until
   * `dropData(id)`. The arrays are views of a SharedArrayBuffer, or were transferred: those the worker hands back.
   */
  addData(id: number, data: DataBytes): AddDataAnswer;
  /** Frees dataset `id` (a run still using it keeps it until that run closes). */
  dropData(id: number): void;
}

/** What `addData` answers. */
export interface AddDataAnswer {
  /** Bytes of wasm memory the dataset holds. */
  held: number;
  /** The arrays that were transferred to the worker, transferred back (their buffers are free for the next send). */
  returned?: DataBytes;
}

/** The Trainer's configuration as the worker passes it to Rust: the MLP's `layers` or a `model` layer list. */
export interface TrainerConfig {
  layers?: number[];
  model?: LayerListSpec;
  seed: number;
  batchSize: number;
  dropLast?: boolean;
  normalize: number;
  /** Capacity of the loss history, reserved up front. */
  maxSteps: number;
  optimizer: { name: string; [option: string]: unknown };
  schedule?: ScheduleSpec;
  clip?: { clip_grad_norm: number } | { clip_grad_value: number };
  nonFinite?: NonFinitePolicy;
  maxConsecutiveErrors?: number;
}

/** A dataset as a worker copies it into wasm memory: bytes or floats, and class labels, target values or neither. */
export interface DataBytes {
  pixels?: Uint8Array;
  inputs?: Float32Array;
  labels?: Uint8Array;
  targets?: Float32Array;
}

/** What `run(steps)` reports back for one chunk. */
export interface ChunkResult {
  /** Loss of each step of the chunk (including the step that diverged, if one did). */
  losses: Float32Array;
  /** -1, or the 0-based step at which the non-finite policy stopped the run. */
  divergedAt: number;
  /** optax's apply_if_finite counters after the chunk: [notfinite_count, total_notfinite, last_finite (0|1)]. */
  nonFinite: [number, number, number];
  /** The lr in force at each step of the chunk. */
  lrs?: Float32Array;
}

/** What the client calls on a worker: one run at a time, opened, driven chunk by chunk, then closed (Trainer freed). */
export interface RunWorkerApi extends PoolWorkerApi {
  /** Builds the run's Trainer on a resident dataset (an id given to `addData`). */
  open(config: TrainerConfig, train: number): { stepsPerEpoch: number };
  run(steps: number): ChunkResult;
  /** Loss and accuracy on resident dataset `test` (the held-out data, attached to the Trainer on first use). */
  evaluate(test: number): { loss: number; accuracy: number };
  weights(): Float32Array;
  close(): void;
}

/** What the worker adds to the run API for the range test (see workerApi.lrFind). */
export interface LrFindWorkerApi extends RunWorkerApi {
  lrFind(optionsJson: string): Float64Array;
}

/** What `smoke()` reports. */
export interface SmokeResult {
  /** The module's SIMD kernels are in use (it was built with simd128 and the engine validated it). */
  simd: boolean;
  /** A dot product by the SIMD kernel and by its scalar twin: equal up to float32 rounding. */
  dot: number;
  dotScalar: number;
}

/** Everything a worker answers: the runs, the range test and the smoke check. */
export interface WorkerApi extends LrFindWorkerApi {
  smoke(): SmokeResult;
}
