// The messages between the main thread and a worker, the same in Node worker threads and browser Web Workers: what
// the pool calls on every worker (init, memoryBytes), what a training run calls (open, run chunk by chunk, evaluate,
// weights, close), the range test and the smoke check. Types only: worker-api.ts implements them, client.ts,
// lr-find.ts and api.ts call them through comlink.
import type { ScheduleSpec } from "./types.js";

/** The part of a worker's API the pool itself calls. */
export interface PoolWorkerApi {
  /** Instantiates the wasm module in the worker; called once, before the worker's first job. */
  init(module: WebAssembly.Module): unknown;
  /** Current size of the worker's wasm memory in bytes. */
  memoryBytes(): number;
}

/** The Trainer's configuration as the worker passes it to Rust. */
export interface TrainerConfig {
  layers: number[];
  seed: number;
  batchSize: number;
  normalize: number;
  /** Capacity of the loss history, reserved up front. */
  maxSteps: number;
  optimizer: { name: string; [option: string]: unknown };
  schedule?: ScheduleSpec;
}

export interface DataBytes {
  pixels: Uint8Array;
  labels: Uint8Array;
}

/** What `run(steps)` reports back for one chunk. */
export interface ChunkResult {
  /** Loss of each step of the chunk (including the step that diverged, if one did). */
  losses: Float32Array;
  /** -1, or the 0-based step whose loss was NaN/inf: the run stopped there. */
  divergedAt: number;
  /** The lr in force at each step of the chunk. */
  lrs?: Float32Array;
}

/** What the client calls on a worker: one run at a time, opened, driven chunk by chunk, then closed (Trainer freed). */
export interface RunWorkerApi extends PoolWorkerApi {
  open(config: TrainerConfig, train: DataBytes, test: DataBytes | undefined): { stepsPerEpoch: number };
  run(steps: number): ChunkResult;
  evaluate(): { loss: number; accuracy: number };
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
