// precision "fast" against the default build: the MLP epoch of bench/mlp.bench.ts (784-100-100-10, batch 256,
// 60,000 digits, SGD) on each build, in two worker threads taking turns (so that load from the machine's other
// users hits both alike), and the accuracy each build reaches after 3 epochs of the notebook's eight optimizers at
// their lrs on the embedded sample (8,000 training digits, 2,000 held out).
// Run after `bash scripts/build.sh`: npx tsx bench/fast.bench.ts
import { availableParallelism, loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { compare, loadMnistSample, NOTEBOOK_LINEUP } from "../dist/index.js";
import type { RunResult } from "../dist/index.js";
import { loadMnistSampleDataset } from "../dist/data/index.js";
import { precisionOf } from "../dist/precision.js";
import { compileModule } from "../dist/wasm-node.js";
import { simdPeakGflops } from "./peak.js";

const LAYERS = [784, 100, 100, 10];
const BATCH = 256;
const ROWS = 60_000;
/** Target of issue 18 on a machine with FMA. */
const TARGET_SPEEDUP = 1.5;

export interface FastBenchResult {
  defaultSeconds: number;
  fastSeconds: number;
  speedup: number;
  /** Held-out accuracy after 3 epochs per optimizer of the notebook's line-up, on each build. */
  accuracy: { label: string; default: number; fast: number }[];
}

async function epochSeconds(module: WebAssembly.Module, pixels: Uint8Array, labels: Uint8Array): Promise<number[]> {
  const worker = new Worker(new URL("./epoch-worker.mjs", import.meta.url));
  try {
    return await new Promise<number[]>((resolve, reject) => {
      worker.once("message", (result: { seconds: number[] }) => resolve(result.seconds));
      worker.once("error", reject);
      worker.postMessage({ module, pixels, labels, layers: LAYERS, batchSize: BATCH, repeats: 1 });
    });
  } finally {
    await worker.terminate();
  }
}

export async function run(): Promise<FastBenchResult> {
  const sample = await loadMnistSampleDataset();
  const pixels = new Uint8Array(ROWS * sample.features);
  const labels = new Uint8Array(ROWS);
  for (let row = 0; row < ROWS; row++) {
    const source = row % sample.count;
    pixels.set(sample.pixels.subarray(source * sample.features, (source + 1) * sample.features), row * sample.features);
    labels[row] = sample.labels[source];
  }
  const [exact, fast] = [await compileModule("default"), await compileModule("fast")];
  if (precisionOf(fast) !== "fast") throw new Error("this Node cannot run relaxed SIMD: no fast build to measure");
  const times = { default: [] as number[], fast: [] as number[] };
  for (let turn = 0; turn < 3; turn++) {
    times.default.push(...(await epochSeconds(exact, pixels, labels)));
    times.fast.push(...(await epochSeconds(fast, pixels, labels)));
  }
  const peaks = { mulAdd: await simdPeakGflops(), fused: await simdPeakGflops(true) };
  const defaultSeconds = Math.min(...times.default);
  const fastSeconds = Math.min(...times.fast);
  const speedup = defaultSeconds / fastSeconds;

  const data = await loadMnistSample({ seed: 0 });
  const lineup = { data, optimizers: [...NOTEBOOK_LINEUP], epochs: 3, batchSize: 256, seed: 0 };
  const accuracyOf = (runs: RunResult[]) => runs.map((run) => run.epochs.at(-1)?.evalAccuracy ?? NaN);
  const exactRuns = await compare(lineup);
  const fastRuns = await compare({ ...lineup, precision: "fast" });
  const [exactAccuracy, fastAccuracy] = [accuracyOf(exactRuns), accuracyOf(fastRuns)];
  const accuracy = exactRuns.map((run, i) => ({
    label: run.label,
    default: exactAccuracy[i]!,
    fast: fastAccuracy[i]!,
  }));

  const f = (value: number, digits = 3) => value.toFixed(digits);
  console.log(
    `precision "fast" (relaxed SIMD, f32x4.relaxed_madd) vs the default build, MLP epoch ${LAYERS.join("-")}, batch ${BATCH}, ` +
      `${ROWS} digits, SGD; best of 3 turns each (load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores)`,
  );
  console.log(
    `  this machine's peaks: f32x4 mul+add ${f(peaks.mulAdd, 1)} GFLOP/s, f32x4.relaxed_madd ${f(peaks.fused, 1)} GFLOP/s ` +
      `(${f(peaks.fused / peaks.mulAdd, 2)}×: what fusing can gain at most)`,
  );
  console.log(`  default ${f(defaultSeconds)} s/epoch   (turns: ${times.default.map((s) => f(s)).join(", ")})`);
  console.log(`  fast    ${f(fastSeconds)} s/epoch   (turns: ${times.fast.map((s) => f(s)).join(", ")})`);
  console.log(
    `  fast is ${f(speedup, 2)}× the default (target ≥ ${TARGET_SPEEDUP}× on a machine with FMA: ${speedup >= TARGET_SPEEDUP ? "met" : "MISSED"})`,
  );
  console.log("  held-out accuracy after 3 epochs, the notebook's eight at its lrs on the embedded sample (seed 0):");
  for (const row of accuracy)
    console.log(`    ${row.label.padEnd(10)} default ${f(100 * row.default, 1)}%   fast ${f(100 * row.fast, 1)}%`);
  console.log("  as JSON Lines:");
  console.log(JSON.stringify({ bench: "fast-epoch", defaultSeconds, fastSeconds, speedup, peakGflops: peaks }));
  for (const row of accuracy) console.log(JSON.stringify({ bench: "fast-accuracy", ...row }));
  return { defaultSeconds, fastSeconds, speedup, accuracy };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
