// The Rust engine through the wasm build: PyTorch parity on torch-mlp-train.json, determinism (two runs,
// main thread vs a Node worker thread), checkpoints, divergence and error messages.
import { readFile } from "node:fs/promises";
import { Worker } from "node:worker_threads";
import { beforeAll, describe, expect, it } from "vitest";
import { instantiate, wasm } from "../dist/wasm.js";
import { compileModule } from "../dist/wasm-node.js";

interface MlpFixture {
  layers: number[];
  batch: number;
  steps: number;
  inputs: number[];
  labels: number[];
  init: number[][][];
  runs: { optimizer: string; options: Record<string, unknown>; losses: number[]; final: number[][][] }[];
}

const fixture: MlpFixture = JSON.parse(
  await readFile(new URL("./fixtures/torch-mlp-train.json", import.meta.url), "utf8"),
);
const flat = (layers: number[][][]) => Float32Array.from(layers.flat(2));

beforeAll(async () => {
  instantiate(await compileModule());
});

function trainerFor(optimizer: Record<string, unknown>, extra: Record<string, unknown> = {}): wasm.Trainer {
  return new wasm.Trainer(
    JSON.stringify({ layers: fixture.layers, seed: 0, batchSize: fixture.batch, maxSteps: 0, optimizer, ...extra }),
  );
}

describe("the engine matches PyTorch (torch-mlp-train.json, SimpleNet [12,10,8,4], 30 batches of 6)", () => {
  it("is the SIMD build", () => {
    expect(wasm.simdEnabled()).toBe(true);
  });

  for (const run of fixture.runs) {
    it(`${run.optimizer} ${JSON.stringify(run.options)}: every loss and the final weights within 1e-4`, () => {
      const trainer = trainerFor({ name: run.optimizer.toLowerCase(), ...run.options });
      try {
        trainer.setWeights(flat(fixture.init));
        const features = fixture.layers[0]!;
        const inputs = Float32Array.from(fixture.inputs);
        const labels = Float32Array.from(fixture.labels);
        const losses = run.losses.map((_, step) => {
          const rows = [step * fixture.batch, (step + 1) * fixture.batch] as const;
          return trainer.trainBatch(inputs.subarray(rows[0] * features, rows[1] * features), labels.subarray(...rows));
        });
        losses.forEach((loss, step) =>
          expect(Math.abs(loss - run.losses[step]!), `step ${step}`).toBeLessThanOrEqual(1e-4),
        );
        const want = flat(run.final);
        const got = trainer.weights();
        expect(got.length).toBe(want.length);
        got.forEach((w, i) =>
          expect(Math.abs(w - want[i]!), `weight ${i}`).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(want[i]!))),
        );
      } finally {
        trainer.free();
      }
    });
  }
});

// A small learnable problem: 3 classes, 64 features (those ≡ label mod 3 are bright), 50 rows (batches of 16: the last one partial).
const rows = 50;
const features = 64;
const labels = Uint8Array.from({ length: rows }, (_, i) => (i * 7) % 3);
const pixels = Uint8Array.from(
  { length: rows * features },
  (_, i) => ((i * 2654435761) >>> 25) + ((i % features) % 3 === labels[Math.floor(i / features)] ? 120 : 0),
);
const config = {
  layers: [features, 20, 3],
  seed: 42,
  batchSize: 16,
  maxSteps: 40,
  optimizer: { name: "adam", lr: 0.01 },
};

function trainLosses(steps: number): { losses: Float32Array; trainer: wasm.Trainer } {
  const trainer = new wasm.Trainer(JSON.stringify(config));
  trainer.setTrainData(pixels, labels);
  expect(trainer.run(steps)).toBe(steps);
  return { losses: trainer.losses(0, steps), trainer };
}

/** The same run in a Node worker thread, instantiating the same compiled module. */
async function trainLossesInWorker(module: WebAssembly.Module, steps: number): Promise<Float32Array> {
  const source = `
    import { workerData, parentPort } from "node:worker_threads";
    const { instantiate, wasm } = await import(${JSON.stringify(new URL("../dist/wasm.js", import.meta.url).href)});
    const { module, config, pixels, labels, steps } = workerData;
    instantiate(module);
    const trainer = new wasm.Trainer(JSON.stringify(config));
    trainer.setTrainData(pixels, labels);
    trainer.run(steps);
    parentPort.postMessage(trainer.losses(0, steps));
  `;
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(source)}`), {
    workerData: { module, config, pixels, labels, steps },
  });
  try {
    return await new Promise<Float32Array>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
  } finally {
    await worker.terminate();
  }
}

describe("the trainer", () => {
  it("gives bit-identical losses for the same seed: twice here, and in a worker thread", async () => {
    const first = trainLosses(30);
    const second = trainLosses(30);
    expect(first.trainer.stepsPerEpoch()).toBe(4);
    expect(Array.from(second.losses)).toEqual(Array.from(first.losses));
    const inWorker = await trainLossesInWorker(await compileModule(), 30);
    expect(Array.from(inWorker)).toEqual(Array.from(first.losses));
    const mean = (a: Float32Array) => a.reduce((s, x) => s + x, 0) / a.length;
    expect(mean(first.losses.subarray(26))).toBeLessThan(0.5 * mean(first.losses.subarray(0, 4)));
    first.trainer.free();
    second.trainer.free();
  });

  it("continues bit-identically from a checkpoint and refuses another optimizer's", () => {
    const straight = trainLosses(20).trainer;
    const half = trainLosses(8).trainer;
    const bytes = half.saveState();
    const resumed = new wasm.Trainer(JSON.stringify(config));
    resumed.setTrainData(pixels, labels);
    resumed.loadState(bytes);
    expect(resumed.stepsDone()).toBe(8);
    expect(resumed.run(12)).toBe(12);
    expect(Array.from(resumed.losses(0, 20))).toEqual(Array.from(straight.losses(0, 20)));
    expect(Array.from(resumed.weights())).toEqual(Array.from(straight.weights()));
    const sgd = new wasm.Trainer(JSON.stringify({ ...config, optimizer: { name: "sgd", lr: 0.1 } }));
    expect(() => sgd.loadState(bytes)).toThrow(
      "loadState: the checkpoint is for optimizer 'adam', this trainer uses 'sgd'",
    );
    for (const t of [straight, half, resumed, sgd]) t.free();
  });

  it("stops at the first non-finite loss and reports that step", () => {
    const { trainer } = trainLosses(5);
    const weights = trainer.weights();
    weights[0] = Number.NaN;
    trainer.setWeights(weights);
    expect(trainer.run(10)).toBe(1);
    expect(trainer.divergedAt()).toBe(5);
    expect(trainer.losses(5, 6)[0]).toBeNaN();
    expect(trainer.run(10)).toBe(0);
    trainer.free();
  });

  it("evaluates mean loss and accuracy on held-out data", () => {
    const { trainer } = trainLosses(40);
    trainer.setEvalData(pixels, labels);
    const [loss, accuracy] = trainer.evaluate();
    expect(loss).toBeLessThan(0.3);
    expect(accuracy).toBe(1);
    trainer.free();
  });

  it("throws Errors with the Rust message on bad configs, options and data", () => {
    expect(() => new wasm.Trainer(JSON.stringify({ ...config, optimizer: { name: "sgd", lr: -1 } }))).toThrow(
      "Invalid learning rate: -1",
    );
    expect(() => new wasm.Trainer(JSON.stringify({ ...config, batchSize: 0 }))).toThrow(
      "Trainer config: batchSize must be a positive integer",
    );
    const trainer = new wasm.Trainer(JSON.stringify(config));
    expect(() => trainer.run(1)).toThrow("run: no training data; call setTrainData first");
    expect(() =>
      trainer.setTrainData(
        pixels,
        Uint8Array.from(labels, () => 3),
      ),
    ).toThrow("setTrainData: label 3 at row 0 is not below the 3 classes");
    trainer.free();
  });
});

describe("the functional Optimizer", () => {
  it("steps the caller's tensors: SGD moves by -lr·grad", () => {
    const opt = new wasm.Optimizer("sgd", JSON.stringify({ lr: 0.5 }), JSON.stringify([[2, 2], [2]]));
    opt.setParams(Float32Array.from([1, 2, 3, 4, 5, 6]));
    opt.setGrads(Float32Array.from([1, 1, 1, 1, 2, -2]));
    opt.step();
    expect(Array.from(opt.params())).toEqual([0.5, 1.5, 2.5, 3.5, 4, 7]);
    expect(() => opt.setGrads(new Float32Array(5))).toThrow("setGrads: 5 values, expected 6");
    opt.free();
  });
});
