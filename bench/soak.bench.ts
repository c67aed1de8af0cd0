// Soak: 1,000 short training runs through ONE pool (as comparisons of 10 optimizers, some refused by Rust, some
// diverging), then prints the wasm memory of each worker, the worker count and the process's rss growth between
// the first 100 runs (warm-up) and the end. A leak of Trainers, comlink proxies or workers shows up here.
// Run after `bash scripts/build.sh`: npx tsx --expose-gc bench/soak.bench.ts   (it uses the built dist/)
import { pathToFileURL } from "node:url";
import { createPool } from "../dist/index.js";
import type { Dataset, OptimizerSpec } from "../dist/index.js";

const MB = 1024 * 1024;

export interface SoakResult {
  runs: number;
  seconds: number;
  workers: number;
  spawned: number;
  failedRuns: number;
  divergedRuns: number;
  /** wasm memory per worker after warm-up and at the end, MB. */
  wasmMBWarm: number[];
  wasmMBEnd: number[];
  rssMBWarm: number;
  rssMBEnd: number;
}

function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function dataset(count: number, features: number): Dataset {
  const pixels = Uint8Array.from({ length: count * features }, (_, i) => (i * 2654435761) >>> 24);
  const labels = Uint8Array.from({ length: count }, (_, row) => pixels[row * features]! % 4);
  return { pixels, labels, count, features, classes: 4 };
}

const optimizers: OptimizerSpec[] = [
  { name: "sgd", lr: 0.1 },
  { name: "sgd", lr: 0.05, momentum: 0.9 },
  { name: "adam" },
  { name: "adamw", weight_decay: 0.01 },
  { name: "adagrad" },
  { name: "rmsprop" },
  { name: "adadelta" },
  { name: "adam", lr: -1, label: "refused" },
  { name: "sgd", lr: 1e30, label: "diverges" },
  { name: "nadam" },
];

export async function soak(comparisons = 100, workers = 2): Promise<SoakResult> {
  const data = { train: dataset(96, 32), test: dataset(32, 32) };
  const options = { data, model: { layers: [32, 24, 4] }, optimizers, epochs: 2, batchSize: 16, seed: 1 };
  await using pool = createPool({ workers });
  let failedRuns = 0;
  let divergedRuns = 0;
  let wasmMBWarm: number[] = [];
  let rssMBWarm = 0;
  const started = performance.now();
  for (let round = 0; round < comparisons; round++) {
    const results = await pool.compare({ ...options, seed: round });
    failedRuns += results.filter((run) => run.error).length;
    divergedRuns += results.filter((run) => run.diverged).length;
    if (round === 9) {
      collectGarbage();
      wasmMBWarm = (await pool.stats()).wasmBytes.map((bytes) => bytes / MB);
      rssMBWarm = process.memoryUsage().rss / MB;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  collectGarbage();
  const stats = await pool.stats();
  return {
    runs: comparisons * optimizers.length,
    seconds,
    workers: stats.workers,
    spawned: stats.spawned,
    failedRuns,
    divergedRuns,
    wasmMBWarm,
    wasmMBEnd: stats.wasmBytes.map((bytes) => bytes / MB),
    rssMBWarm,
    rssMBEnd: process.memoryUsage().rss / MB,
  };
}

/** Prints a 1,000-run soak of one pool. */
export async function run(): Promise<SoakResult> {
  const result = await soak();
  const mb = (values: number[]) => values.map((value) => value.toFixed(2)).join(", ");
  console.log(
    `soak: ${result.runs} runs in ${result.seconds.toFixed(1)} s (${result.failedRuns} refused by Rust, ${result.divergedRuns} diverged)`,
  );
  console.log(`workers: ${result.workers} alive, ${result.spawned} started in all`);
  console.log(
    `wasm memory per worker: after 100 runs [${mb(result.wasmMBWarm)}] MB, after ${result.runs} [${mb(result.wasmMBEnd)}] MB`,
  );
  console.log(
    `rss: ${result.rssMBWarm.toFixed(1)} MB after 100 runs, ${result.rssMBEnd.toFixed(1)} MB at the end (${(result.rssMBEnd - result.rssMBWarm).toFixed(1)} MB growth)`,
  );
  return result;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await run();
