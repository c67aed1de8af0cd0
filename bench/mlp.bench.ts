// One epoch of the notebook's network (784-100-100-10, batch 256, 60,000 real MNIST digits — the embedded
// 10,000 repeated six times — SGD lr 0.01) in optimlab's wasm, beside the machine's own simd128 mul+add peak and
// the peers on the same workload, all in this process run: TensorFlow.js's wasm backend, jax-js's jitted step on
// its wasm backend, and PyTorch on one CPU thread when python3 can import torch (else a line saying how to add it).
// Every system is timed in turns (ROUNDS rounds of a quarter-second segment each, extrapolated to the epoch) and
// judged by its best turn, the peak loop too. Prints one table of seconds per epoch and ratios, then the same rows
// as JSON Lines.
// Run after `bash scripts/build.sh`: npx tsx bench/mlp.bench.ts
import { availableParallelism, loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import { loadMnistSampleDataset } from "../dist/data/index.js";
import { instantiate, wasm } from "../dist/wasm.js";
import { compileModule } from "../dist/wasm-node.js";
import { jaxMlp, jaxThreads } from "./jax-mlp.js";
import { simdPeakLoop } from "./peak.js";
import { tfjsMlp } from "./tfjs-mlp.js";
import type { MlpStepper } from "./tfjs-mlp.js";
import { torchEpochSeconds } from "./torch-mlp.js";

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

/** Rounds in which every system takes one turn (a segment of about a quarter second each), so that the load of the
 * machine's other users, which comes and goes within seconds, falls on all of them alike. */
const ROUNDS = 8;
/** Steps per turn. */
const SEGMENT = { optimlab: 48, "tfjs-wasm": 4, "jax-js": 20 } as const;

/** optimlab's Trainer on the 60,000 digits (batches drawn in its shuffled order), after a warm-up of 8 steps
 * (tier-up compilation, first touch of every buffer). */
function optimlabMlp(pixels: Uint8Array, labels: Uint8Array): MlpStepper {
  const trainer = new wasm.Trainer(
    JSON.stringify({
      layers: LAYERS,
      seed: 0,
      batchSize: BATCH,
      maxSteps: 8 + ROUNDS * SEGMENT.optimlab,
      optimizer: { name: "sgd", lr: 0.01 },
    }),
  );
  trainer.setTrainData(pixels, labels);
  trainer.run(8);
  return {
    seconds: async (steps) => {
      const start = performance.now();
      trainer.run(steps);
      return (performance.now() - start) / 1000;
    },
    dispose: () => trainer.free(),
  };
}

type Turns = { system: string; perStep: number[] };
const best = (values: number[]) => Math.min(...values);
const median = (values: number[]) => [...values].sort((x, y) => x - y)[values.length >> 1];

export async function run(): Promise<MlpBenchResult> {
  instantiate(await compileModule());
  const { pixels, labels } = await sixtyThousandDigits();
  const flops = flopsPerSample(LAYERS) * ROWS;
  const peakLoop = await simdPeakLoop();
  const steppers = new Map<string, MlpStepper>([["optimlab", optimlabMlp(pixels, labels)]]);
  // A peer that cannot set up or fails a turn gets a row saying why; optimlab failing fails the bench.
  const peerErrors = new Map<string, string>();
  for (const [system, setUp] of [
    ["tfjs-wasm", tfjsMlp],
    ["jax-js", jaxMlp],
  ] as const) {
    try {
      steppers.set(system, await setUp(LAYERS, pixels, labels, BATCH));
    } catch (error) {
      peerErrors.set(system, (error as Error).message);
    }
  }
  const peakEpochs: number[] = [];
  const turns: Turns[] = [...steppers.keys()].map((system) => ({ system, perStep: [] }));
  for (let round = 0; round < ROUNDS; round++) {
    peakEpochs.push(flops / peakLoop.gflops() / 1e9);
    // Each round in another order, so that no system always follows the same one.
    const order = turns.map((_, i) => turns[(i + round) % turns.length]);
    for (const turn of order) {
      const steps = SEGMENT[turn.system as keyof typeof SEGMENT];
      try {
        turn.perStep.push((await steppers.get(turn.system)!.seconds(steps)) / steps);
      } catch (error) {
        if (turn.system === "optimlab") throw error;
        peerErrors.set(turn.system, (error as Error).message);
        steppers.get(turn.system)!.dispose();
        steppers.delete(turn.system);
        turns.splice(turns.indexOf(turn), 1);
      }
    }
  }
  for (const stepper of steppers.values()) stepper.dispose();
  const epoch = (system: string) => {
    const perStep = turns.find((turn) => turn.system === system)?.perStep;
    return perStep === undefined || perStep.length === 0
      ? null
      : { best: best(perStep) * STEPS, median: median(perStep) * STEPS };
  };
  const spread = (times: { best: number; median: number }) =>
    `best of ${ROUNDS} turns; the median turn ${times.median.toFixed(3)} s/epoch`;
  const optimlab = epoch("optimlab")!;
  const optimlabSeconds = optimlab.best;
  const peakSeconds = best(peakEpochs);
  const peakGflops = flops / peakSeconds / 1e9;

  const peers: { system: string; seconds: number | null; note: string }[] = [];
  const peerNotes = {
    "tfjs-wasm": "simd, 1 thread",
    "jax-js": `jit(valueAndGrad + SGD) on its wasm backend, ${jaxThreads()} thread`,
  };
  for (const [system, note] of Object.entries(peerNotes)) {
    const times = epoch(system);
    peers.push(
      times === null
        ? { system, seconds: null, note: `could not run: ${peerErrors.get(system)}` }
        : {
            system,
            seconds: times.best,
            note: `${note}; ${SEGMENT[system as keyof typeof SEGMENT]} steps a turn, ${spread(times)}`,
          },
    );
  }
  const torch = await torchEpochSeconds(LAYERS, pixels, labels, BATCH);
  peers.push(
    "missing" in torch
      ? { system: "PyTorch", seconds: null, note: torch.missing }
      : { system: "PyTorch", seconds: torch.seconds, note: `torch ${torch.version}, 1 thread; best of 2 epochs` },
  );

  const gflops = (seconds: number | null) => (seconds === null ? null : flops / seconds / 1e9);
  const peakFraction = gflops(optimlabSeconds)! / peakGflops;
  const rows: MlpBenchRow[] = [
    {
      system: "simd128 mul+add peak",
      seconds: flops / peakGflops / 1e9,
      gflops: peakGflops,
      optimlabSpeedup: null,
      note: `the epoch's flops at this machine's measured peak (a floor); the median turn ${median(peakEpochs).toFixed(3)} s`,
    },
    {
      system: "optimlab",
      seconds: optimlabSeconds,
      gflops: gflops(optimlabSeconds),
      optimlabSpeedup: 1,
      note:
        `wasm simd128, 1 thread; ${SEGMENT.optimlab} steps a turn, ${spread(optimlab)}; ` +
        `${(100 * peakFraction).toFixed(0)}% of the peak ` +
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
