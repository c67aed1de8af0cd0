// One epoch of the notebook's network (784-100-100-10, batch 256, 60,000 real MNIST digits — the embedded
// 10,000 repeated six times — SGD lr 0.01) in optimlab's wasm, beside the machine's own simd128 mul+add peak and
// the peers on the same workload, all in this process run: TensorFlow.js's wasm backend, jax-js's jitted step on
// its wasm backend, and PyTorch on one CPU thread when python3 can import torch (else a line saying how to add it).
// Prints one table of seconds per epoch and ratios, then the same rows as JSON Lines.
// Run after `bash scripts/build.sh`: npx tsx bench/mlp.bench.ts
import { availableParallelism, loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import { loadMnistSampleDataset } from "../dist/data/index.js";
import { instantiate, wasm } from "../dist/wasm.js";
import { compileModule } from "../dist/wasm-node.js";
import { jaxSeconds, jaxThreads } from "./jax-mlp.js";
import { simdPeakGflops } from "./peak.js";
import { tfjsSeconds } from "./tfjs-mlp.js";
import { torchEpochSeconds } from "./torch-mlp.js";
import { bestSeconds } from "./best-of.js";

const LAYERS = [784, 100, 100, 10];
const BATCH = 256;
const ROWS = 60_000;
const STEPS = Math.ceil(ROWS / BATCH);
/** Targets of issue 18: optimlab's epoch against each peer (× faster) and against the simd128 peak. */
const TARGETS = { "tfjs-wasm": 10, "jax-js": 2.5, peakFraction: 0.9 };

/** Flops of one training step per sample: forward X·Wᵀ, backward dY·W (not for the first layer) and dYᵀ·X. */
export function flopsPerSample(layers: number[]): number {
  let flops = 0;
  for (let i = 1; i < layers.length; i++) {
    const macs = layers[i - 1] * layers[i];
    flops += 2 * macs * (i === 1 ? 2 : 3);
  }
  return flops;
}

/** One line of the table (and of the JSON Lines). */
export interface MlpBenchRow {
  system: string;
  /** Seconds per 60k-digit epoch; null when the peer could not run here (see `note`). */
  seconds: number | null;
  gflops: number | null;
  /** optimlab's speed over this system: its seconds / optimlab's. */
  optimlabSpeedup: number | null;
  note: string;
}

export interface MlpBenchResult {
  optimlabSeconds: number;
  peakGflops: number;
  peakFraction: number;
  rows: MlpBenchRow[];
}

async function sixtyThousandDigits(): Promise<{ pixels: Uint8Array; labels: Uint8Array }> {
  const sample = await loadMnistSampleDataset();
  const pixels = new Uint8Array(ROWS * sample.features);
  const labels = new Uint8Array(ROWS);
  for (let row = 0; row < ROWS; row++) {
    const source = row % sample.count;
    pixels.set(sample.pixels.subarray(source * sample.features, (source + 1) * sample.features), row * sample.features);
    labels[row] = sample.labels[source];
  }
  return { pixels, labels };
}

/** Best of `repeats` whole epochs, after a warm-up of 8 steps (tier-up compilation, first touch of every buffer). */
function optimlabEpochSeconds(pixels: Uint8Array, labels: Uint8Array, repeats = 2): number {
  const trainer = new wasm.Trainer(
    JSON.stringify({
      layers: LAYERS,
      seed: 0,
      batchSize: BATCH,
      maxSteps: (repeats + 1) * STEPS,
      optimizer: { name: "sgd", lr: 0.01 },
    }),
  );
  try {
    trainer.setTrainData(pixels, labels);
    trainer.run(8);
    return bestSeconds(repeats, () => {
      trainer.run(STEPS - 8);
      trainer.run(8);
    });
  } finally {
    trainer.free();
  }
}

export async function run(): Promise<MlpBenchResult> {
  instantiate(await compileModule());
  const { pixels, labels } = await sixtyThousandDigits();
  const flops = flopsPerSample(LAYERS) * ROWS;
  const peakGflops = await simdPeakGflops();
  // optimlab before and after the peers (best of both), so that a burst of load from the machine's other users
  // during one measurement does not decide the ratios alone.
  let optimlabSeconds = optimlabEpochSeconds(pixels, labels);

  const peers: { system: string; seconds: number | null; note: string }[] = [];
  const tfjsSteps = 40;
  const tfjsEpoch = ((await tfjsSeconds(LAYERS, pixels, labels, BATCH, tfjsSteps)) / tfjsSteps) * STEPS;
  peers.push({ system: "tfjs-wasm", seconds: tfjsEpoch, note: `simd, 1 thread; from ${tfjsSteps} steps` });
  const jaxSteps = 20;
  try {
    const jaxEpoch = ((await jaxSeconds(LAYERS, pixels, labels, BATCH, jaxSteps)) / jaxSteps) * STEPS;
    peers.push({
      system: "jax-js",
      seconds: jaxEpoch,
      note: `jit(valueAndGrad + SGD) on its wasm backend, ${jaxThreads()} thread; best of 3 × ${jaxSteps} steps`,
    });
  } catch (error) {
    peers.push({ system: "jax-js", seconds: null, note: `could not run: ${(error as Error).message}` });
  }
  const torch = await torchEpochSeconds(LAYERS, pixels, labels, BATCH);
  peers.push(
    "missing" in torch
      ? { system: "PyTorch", seconds: null, note: torch.missing }
      : { system: "PyTorch", seconds: torch.seconds, note: `torch ${torch.version}, 1 thread; best of 2 epochs` },
  );
  optimlabSeconds = Math.min(optimlabSeconds, optimlabEpochSeconds(pixels, labels));

  const gflops = (seconds: number | null) => (seconds === null ? null : flops / seconds / 1e9);
  const peakFraction = gflops(optimlabSeconds)! / peakGflops;
  const rows: MlpBenchRow[] = [
    {
      system: "simd128 mul+add peak",
      seconds: flops / peakGflops / 1e9,
      gflops: peakGflops,
      optimlabSpeedup: null,
      note: "the epoch's flops at this machine's measured peak (a floor)",
    },
    {
      system: "optimlab",
      seconds: optimlabSeconds,
      gflops: gflops(optimlabSeconds),
      optimlabSpeedup: 1,
      note:
        `wasm simd128, 1 thread; ${(100 * peakFraction).toFixed(0)}% of the peak ` +
        `(target ≥ ${100 * TARGETS.peakFraction}%: ${peakFraction >= TARGETS.peakFraction ? "met" : "MISSED"})`,
    },
    ...peers.map(({ system, seconds, note }) => ({
      system,
      seconds,
      gflops: gflops(seconds),
      optimlabSpeedup: seconds === null ? null : seconds / optimlabSeconds,
      note,
    })),
  ];
  const cell = (value: number | null, digits: number, unit = "") =>
    value === null ? "—" : value.toFixed(digits) + unit;
  console.log(
    `MLP epoch ${LAYERS.join("-")}, batch ${BATCH}, ${ROWS} digits, SGD; every system in this process run ` +
      `(load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores: above 1 per core, the times are noisy)`,
  );
  console.log(
    `  ${"system".padEnd(22)} ${"s/epoch".padStart(8)} ${"GFLOP/s".padStart(8)} ${"optimlab ×".padStart(11)}`,
  );
  for (const row of rows) {
    const target = TARGETS[row.system as keyof typeof TARGETS];
    const verdict =
      target === undefined || row.optimlabSpeedup === null
        ? ""
        : ` (target ≥ ${target}×: ${row.optimlabSpeedup >= target ? "met" : "MISSED"})`;
    console.log(
      `  ${row.system.padEnd(22)} ${cell(row.seconds, 3).padStart(8)} ${cell(row.gflops, 1).padStart(8)} ` +
        `${cell(row.optimlabSpeedup, 2, "x").padStart(11)}  ${row.note}${verdict}`,
    );
  }
  console.log("  as JSON Lines:");
  for (const row of rows) console.log(JSON.stringify({ bench: "mlp-epoch", ...row }));
  return { optimlabSeconds, peakGflops, peakFraction, rows };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await run();
