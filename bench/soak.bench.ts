// Soak: 10,000 short training runs through ONE pool, as comparisons of 10 optimizers (one refused by Rust, one
// diverging), every fifth comparison cancelled when its first progress arrives (runs in flight stop between chunks,
// queued ones never start). Prints the wasm memory of each worker after the warm-up (run 100) and at the end, the
// worker count, the process's rss growth, promises left unsettled and progress events that arrived after their
// comparison had settled. A leak of Trainers, comlink proxies, listeners or workers shows up here.
// Run after `bash scripts/build.sh`: npx tsx --expose-gc bench/soak.bench.ts [runs]   (it uses the built dist/)
import { pathToFileURL } from "node:url";
import { createPool } from "../dist/index.js";
import type { Dataset, OptimizerSpec } from "../dist/index.js";

const MB = 1024 * 1024;
/** How long one comparison may take before it counts as never settling (it then stays counted in `unsettled`). */
const SETTLE_LIMIT_MS = 60_000;

export interface SoakOptions {
  /** Runs in all (a multiple of the line-up's 10). Default 10,000. */
  runs?: number;
  workers?: number;
  /** Runs before the first memory reading. Default 100. */
  warmRuns?: number;
}

export interface SoakResult {
  runs: number;
  seconds: number;
  workers: number;
  spawned: number;
  failedRuns: number;
  divergedRuns: number;
  cancelledComparisons: number;
  /** Comparisons whose promise had not settled SETTLE_LIMIT_MS after it began, or by the end. */
  unsettled: number;
  /** Progress events delivered after their comparison's promise had settled. */
  lateProgress: number;
  /** wasm memory per worker after the warm-up and at the end, MB. */
  wasmMBWarm: number[];
  wasmMBEnd: number[];
  rssMBWarm: number;
  rssMBEnd: number;
  /** The JS heap in use (after a collection when run with --expose-gc), MB: tells a leak from memory the allocator keeps. */
  heapMBWarm: number;
  heapMBEnd: number;
}

function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function dataset(count: number, features: number): Dataset {
  const pixels = Uint8Array.from({ length: count * features }, (_, i) => (i * 2654435761) >>> 24);
  const labels = Uint8Array.from({ length: count }, (_, row) => pixels[row * features]! % 4);
  return { pixels, labels, count, features, classes: 4 };
}

export const SOAK_LINEUP: OptimizerSpec[] = [
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

const CANCEL_EVERY = 5;

export async function soak({ runs = 10_000, workers = 2, warmRuns = 100 }: SoakOptions = {}): Promise<SoakResult> {
  const data = { train: dataset(96, 32), test: dataset(32, 32) };
  const options = { data, model: { layers: [32, 24, 4] }, optimizers: SOAK_LINEUP, epochs: 2, batchSize: 16 };
  const comparisons = Math.ceil(runs / SOAK_LINEUP.length);
  const warmComparisons = Math.max(1, Math.ceil(warmRuns / SOAK_LINEUP.length));
  await using pool = createPool({ workers });
  let failedRuns = 0;
  let divergedRuns = 0;
  let cancelledComparisons = 0;
  let unsettled = 0;
  let lateProgress = 0;
  let wasmMBWarm: number[] = [];
  let rssMBWarm = 0;
  let heapMBWarm = 0;
  const started = performance.now();
  for (let round = 0; round < comparisons; round++) {
    const cancel = round % CANCEL_EVERY === CANCEL_EVERY - 1 ? new AbortController() : undefined;
    let settled = false;
    const comparison = pool
      .compare({
        ...options,
        seed: round,
        signal: cancel?.signal,
        onProgress: () => {
          if (settled) lateProgress++;
          cancel?.abort();
        },
      })
      .then(
        (results) => {
          failedRuns += results.filter((run) => run.error).length;
          divergedRuns += results.filter((run) => run.diverged).length;
        },
        (error: unknown) => {
          if ((error as Error).name !== "AbortError") throw error;
          cancelledComparisons++;
        },
      )
      .finally(() => (settled = true));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const limit = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), SETTLE_LIMIT_MS)));
    if ((await Promise.race([comparison, limit])) === "late") unsettled++;
    clearTimeout(timer);
    if (round === warmComparisons - 1) {
      collectGarbage();
      wasmMBWarm = (await pool.stats()).wasmBytes.map((bytes) => bytes / MB);
      rssMBWarm = process.memoryUsage().rss / MB;
      heapMBWarm = process.memoryUsage().heapUsed / MB;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  // Runs of the last cancelled comparison may still be finishing their chunk: wait until the pool is idle, so
  // that any progress they would (wrongly) report is counted.
  while ((await pool.stats()).busy > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  collectGarbage();
  const stats = await pool.stats();
  return {
    runs: comparisons * SOAK_LINEUP.length,
    seconds,
    workers: stats.workers,
    spawned: stats.spawned,
    failedRuns,
    divergedRuns,
    cancelledComparisons,
    unsettled,
    lateProgress,
    wasmMBWarm,
    wasmMBEnd: stats.wasmBytes.map((bytes) => bytes / MB),
    rssMBWarm,
    rssMBEnd: process.memoryUsage().rss / MB,
    heapMBWarm,
    heapMBEnd: process.memoryUsage().heapUsed / MB,
  };
}

/** Largest relative change of a worker's wasm memory between the two readings (0.05 = 5%). */
export function wasmGrowth(result: SoakResult): number {
  return Math.max(...result.wasmMBEnd.map((end, worker) => end / result.wasmMBWarm[worker]! - 1));
}

/** Prints a 10,000-run soak of one pool (or the number of runs given on the command line). */
export async function run(runs = 10_000): Promise<SoakResult> {
  const result = await soak({ runs });
  const mb = (values: number[]) => values.map((value) => value.toFixed(2)).join(", ");
  const warm = Math.min(100, result.runs);
  console.log(
    `soak: ${result.runs} runs in ${result.seconds.toFixed(1)} s (${result.failedRuns} refused by Rust, ${result.divergedRuns} diverged, ${result.cancelledComparisons} comparisons of ${SOAK_LINEUP.length} cancelled)`,
  );
  console.log(`workers: ${result.workers} alive, ${result.spawned} started in all`);
  console.log(
    `wasm memory per worker: after ${warm} runs [${mb(result.wasmMBWarm)}] MB, after ${result.runs} [${mb(result.wasmMBEnd)}] MB (largest growth ${(wasmGrowth(result) * 100).toFixed(1)}%, limit 5%)`,
  );
  console.log(
    `rss: ${result.rssMBWarm.toFixed(1)} MB after ${warm} runs, ${result.rssMBEnd.toFixed(1)} MB at the end (${(result.rssMBEnd - result.rssMBWarm).toFixed(1)} MB growth); JS heap in use ${result.heapMBWarm.toFixed(1)} MB → ${result.heapMBEnd.toFixed(1)} MB`,
  );
  console.log(
    `promises unsettled: ${result.unsettled}; progress events after their comparison settled: ${result.lateProgress}`,
  );
  return result;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await run(Number(process.argv[2] ?? 10_000));
