// What a worker exposes through comlink, the same in Node worker threads and browser workers: one training run at
// a time on this thread's wasm instance, opened with its data, driven chunk by chunk by the client, then closed.
import * as Comlink from "comlink";
import { ConfigError, OptimizerOptionError } from "./errors.js";
import type { AddDataAnswer, ChunkResult, DataBytes, SmokeResult, TrainerConfig, WorkerApi } from "./protocol.js";
import { isShared } from "./pool-data.js";
import { instantiate, memoryBytes, wasm } from "./wasm.js";

let trainer: wasm.Trainer | undefined;
/** The dataset the open Trainer evaluates on. */
let evaluatedOn: number | undefined;
/** The datasets this worker holds in wasm memory, by the pool's ids. */
const datasets = new Map<number, wasm.Dataset>();

function dataset(id: number): wasm.Dataset {
  const held = datasets.get(id);
  if (!held) throw new Error(`optimlab worker: dataset ${id} was never sent here`);
  return held;
}

function current(): wasm.Trainer {
  if (!trainer) throw new ConfigError("optimlab worker: no run is open");
  return trainer;
}

function closeTrainer(): void {
  trainer?.free();
  trainer = undefined;
  evaluatedOn = undefined;
}

/**
 * Gives a Rust error the class the client expects. A wasm trap (WebAssembly.RuntimeError) passes unchanged: the
 * instance is poisoned and the client replaces this worker. Rust's messages say where they come from: the Trainer's
 * own checks start with "Trainer config:", everything else the constructor refuses is the optimizer's (torch's wording).
 */
function classify(error: unknown, from: "constructor" | "data"): unknown {
  if (!(error instanceof Error) || error instanceof WebAssembly.RuntimeError) return error;
  if (from === "data" || error.message.startsWith("Trainer config:")) return new ConfigError(error.message);
  return new OptimizerOptionError(error.message);
}

export const workerApi = {
  init(module: WebAssembly.Module): boolean {
    instantiate(module);
    return wasm.simdEnabled();
  },

  memoryBytes,

  addData(id: number, data: DataBytes): AddDataAnswer {
    let created: wasm.Dataset;
    try {
      created = new wasm.Dataset(data.pixels, data.inputs, data.labels, data.targets);
    } catch (error) {
      throw classify(error, "data");
    }
    datasets.get(id)?.free();
    datasets.set(id, created);
    const held = created.byteLength();
    // Transferred arrays go back to the pool, which refreshes them for its next send instead of copying anew.
    const transferred = Object.values(data).filter((array) => !isShared(array));
    if (transferred.length === 0) return { held };
    return Comlink.transfer(
      { held, returned: data },
      transferred.map((array) => array.buffer as ArrayBuffer),
    );
  },

  dropData(id: number): void {
    datasets.get(id)?.free();
    datasets.delete(id);
  },

  /** `smoke()`'s check: the same dot product by the SIMD kernel and by its scalar twin. */
  smoke(): SmokeResult {
    const n = 1003; // not a multiple of the kernel's 16 floats a pass, so its scalar tail runs too
    const a = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37));
    const b = Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.11));
    return { simd: wasm.simdEnabled(), dot: wasm.dot(a, b), dotScalar: wasm.dotScalar(a, b) };
  },

  /** Starts a run: builds the Trainer (Rust validates the config and optimizer options) on a resident dataset (not copied). */
  open(config: TrainerConfig, train: number): { stepsPerEpoch: number } {
    closeTrainer();
    const trainData = dataset(train);
    let created: wasm.Trainer;
    try {
      created = new wasm.Trainer(JSON.stringify(config));
    } catch (error) {
      throw classify(error, "constructor");
    }
    try {
      created.setDataset(false, trainData);
    } catch (error) {
      created.free();
      throw classify(error, "data");
    }
    trainer = created;
    return { stepsPerEpoch: created.stepsPerEpoch() };
  },

  /** Up to `steps` steps; the chunk's losses are transferred back, not copied. */
  run(steps: number): ChunkResult {
    const open = current();
    const start = open.stepsDone();
    open.run(steps);
    const losses = open.losses(start, open.stepsDone());
    const lrs = open.lrs(start, open.stepsDone());
    const [consecutive, total, lastFinite] = open.nonFiniteCounters();
    const nonFinite: ChunkResult["nonFinite"] = [consecutive!, total!, lastFinite!];
    return Comlink.transfer({ losses, divergedAt: open.divergedAt(), lrs, nonFinite }, [losses.buffer, lrs.buffer]);
  },

  evaluate(test: number): { loss: number; accuracy: number } {
    const open = current();
    if (evaluatedOn !== test) {
      try {
        open.setDataset(true, dataset(test));
      } catch (error) {
        throw classify(error, "data");
      }
      evaluatedOn = test;
    }
    const [loss, accuracy] = open.evaluate();
    return { loss: loss!, accuracy: accuracy! };
  },

  weights(): Float32Array {
    const weights = current().weights();
    return Comlink.transfer(weights, [weights.buffer]);
  },

  /** Ends the run and frees its Trainer (wasm memory it held is reused by the next run). */
  close(): void {
    closeTrainer();
  },

  /** Leslie Smith's lr range test on the open run's Trainer, which it restores; the packed curve (see lr-find.ts) is transferred back. */
  lrFind(optionsJson: string): Float64Array {
    let curve: Float64Array;
    try {
      curve = current().lrFind(optionsJson);
    } catch (error) {
      throw classify(error, "data");
    }
    return Comlink.transfer(curve, [curve.buffer]);
  },
} satisfies WorkerApi;
