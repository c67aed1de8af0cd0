// Startup: the time from `compare()` to its first training step reported, in a fresh worker (each comparison here
// starts its own pool, so a new worker thread every time) with the module compiled once per process, as a page or a
// CLI does after its first comparison. The first step reports at once (the first chunk is one step), so the time is
// the worker's start, its wasm instance, the data sent to it and copied into wasm memory, the Trainer, one step.
// Beside it, in the same process run: a bare Node worker thread's start (an empty script answering one message:
// the floor under any fresh worker), and the same time on a pool kept across comparisons (createPool), whose worker
// has already started. Where the bare worker alone takes 50 ms or more, the target cannot be met by any fresh worker
// on that machine: the bench then also judges the time beyond a bare worker (each trial's first step minus the bare
// worker of the same trial) against the target, and says so.
// Run after `bash scripts/build.sh`: npx tsx bench/startup.bench.ts
import { availableParallelism, loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { compare, createPool, loadMnistSample } from "../dist/index.js";
import type { CompareOptions, DataSplit } from "../dist/index.js";
import { compileModule } from "../dist/wasm-node.js";

const TRIALS = 10;
/** Target of issue 18. */
const TARGET_MS = 50;

export interface StartupBenchResult {
  compileMs: number;
  firstStepMs: number[];
  medianMs: number;
  bareWorkerMedianMs: number;
  /** Median over trials of the first step minus that trial's bare worker start. */
  beyondBareMedianMs: number;
  warmPoolMedianMs: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return (sorted[(sorted.length - 1) >> 1]! + sorted[sorted.length >> 1]!) / 2;
}

/** Milliseconds from `run(options)` to its first progress report; the run is then cancelled. */
async function toFirstStep(run: (options: CompareOptions) => Promise<unknown>, data: DataSplit): Promise<number> {
  const abort = new AbortController();
  const started = performance.now();
  let first: number | undefined;
  await run({
    data,
    optimizers: [{ name: "sgd", lr: 0.01 }],
    epochs: 1,
    signal: abort.signal,
    onProgress: () => {
      first ??= performance.now() - started;
      abort.abort(); // the rest of the run is not what this measures
    },
  }).catch((error: Error) => {
    if (error.name !== "AbortError") throw error;
  });
  return first!;
}

async function bareWorkerMs(): Promise<number> {
  const started = performance.now();
  const worker = new Worker(`require("node:worker_threads").parentPort.postMessage(0)`, { eval: true });
  await new Promise((resolve) => worker.once("message", resolve));
  const ms = performance.now() - started;
  await worker.terminate();
  return ms;
}

export async function run(): Promise<StartupBenchResult> {
  const data = await loadMnistSample({ seed: 0 });
  const compileStarted = performance.now();
  await compileModule();
  const compileMs = performance.now() - compileStarted;
  const firstStepMs: number[] = [];
  const bare: number[] = [];
  for (let trial = 0; trial < TRIALS; trial++) {
    bare.push(await bareWorkerMs());
    firstStepMs.push(await toFirstStep((options) => compare({ ...options, workers: 1 }), data));
  }
  const warm: number[] = [];
  {
    await using pool = createPool({ workers: 1 });
    await toFirstStep((options) => pool.compare(options), data); // starts the pool's worker
    for (let trial = 0; trial < TRIALS; trial++) warm.push(await toFirstStep((options) => pool.compare(options), data));
  }
  const sorted = [...firstStepMs].sort((a, b) => a - b);
  const medianMs = median(firstStepMs);
  const bareWorkerMedianMs = median(bare);
  const beyondBareMedianMs = median(firstStepMs.map((ms, trial) => ms - bare[trial]!));
  const warmPoolMedianMs = median(warm);
  const f = (ms: number) => ms.toFixed(1);
  console.log(
    `startup: compare() → first step in a fresh worker, module compiled once (${f(compileMs)} ms, not counted); ` +
      `${data.train.count} digits sent; ${TRIALS} trials (load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores)`,
  );
  console.log(
    `  median ${f(medianMs)} ms, min ${f(sorted[0]!)} ms, max ${f(sorted.at(-1)!)} ms ` +
      `(target < ${TARGET_MS} ms: ${medianMs < TARGET_MS ? "met" : "MISSED"})`,
  );
  console.log(`  a bare Node worker thread alone starts in ${f(bareWorkerMedianMs)} ms (median, same trials)`);
  const beyond = `  beyond a bare worker (first step minus the same trial's bare worker): median ${f(beyondBareMedianMs)} ms`;
  if (bareWorkerMedianMs >= TARGET_MS) {
    console.log(
      `  the bare worker alone is over the target on this machine, so no fresh worker can meet it here; judged beyond it:`,
    );
    console.log(`${beyond} (target < ${TARGET_MS} ms: ${beyondBareMedianMs < TARGET_MS ? "met" : "MISSED"})`);
  } else {
    console.log(beyond);
  }
  console.log(`  on a kept pool (createPool), whose worker is already up: median ${f(warmPoolMedianMs)} ms`);
  console.log("  as JSON Lines:");
  console.log(
    JSON.stringify({ bench: "startup", compileMs, medianMs, bareWorkerMedianMs, beyondBareMedianMs, warmPoolMedianMs }),
  );
  return { compileMs, firstStepMs, medianMs, bareWorkerMedianMs, beyondBareMedianMs, warmPoolMedianMs };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
