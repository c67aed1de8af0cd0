// The public API end to end with real worker threads and the real wasm Trainer: parallel runs bit-identical to the
// same runs in the main thread, failure isolation (divergence, a wasm trap), abort, typed errors, and the
// functional Optimizer handle against torch.optim's numbers.
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compare, ConfigError, createOptimizer, createPool, OptimizerOptionError, train } from "../dist/index.js";
import * as nodeEntry from "../dist/index.js";
import { bindApi } from "../dist/api.js";
import { OptimlabPool } from "../dist/client.js";
import { nodePlatform } from "../dist/platform-node.js";
import { compileModule } from "../dist/wasm-node.js";
import { instantiate, wasm } from "../dist/wasm.js";
import type { Dataset, OptimizerSpec, Progress, RunResult } from "../dist/index.js";

/** A learnable synthetic dataset: the label is the group of features with the largest sum. */
function syntheticDataset(count: number, features: number, classes: number, seed: number): Dataset {
  let state = seed >>> 0;
  const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) >>> 24;
  const pixels = new Uint8Array(count * features);
  const labels = new Uint8Array(count);
  const group = features / classes;
  for (let row = 0; row < count; row++) {
    const sums = new Array<number>(classes).fill(0);
    for (let f = 0; f < features; f++) {
      const value = next();
      pixels[row * features + f] = value;
      sums[Math.floor(f / group)] += value;
    }
    labels[row] = sums.indexOf(Math.max(...sums));
  }
  return { pixels, labels, count, features, classes, source: "synthetic" };
}

const layers = [24, 16, 4];
const data = { train: syntheticDataset(300, 24, 4, 1), test: syntheticDataset(100, 24, 4, 2) };
const base = { data, model: { layers }, epochs: 3, batchSize: 32, seed: 7 };
const stepsPerEpoch = Math.ceil(300 / 32);
const totalSteps = stepsPerEpoch * 3;

/** The same run in this thread, straight on the Trainer: all steps of an epoch in one call, then evaluate. */
function sequentialRun({ label: _label, ...optimizer }: OptimizerSpec): {
  losses: Float32Array;
  evals: number[][];
  weights: Float32Array;
} {
  const trainer = new wasm.Trainer(
    JSON.stringify({ layers, seed: 7, batchSize: 32, normalize: 255, maxSteps: totalSteps, optimizer }),
  );
  try {
    trainer.setTrainData(data.train.pixels, data.train.labels);
    trainer.setEvalData(data.test.pixels, data.test.labels);
    const evals: number[][] = [];
    for (let epoch = 0; epoch < 3; epoch++) {
      trainer.run(stepsPerEpoch);
      evals.push(Array.from(trainer.evaluate()));
    }
    return { losses: trainer.losses(0, totalSteps), evals, weights: trainer.weights() };
  } finally {
    trainer.free();
  }
}

beforeAll(async () => instantiate(await compileModule()));

describe("compare on a pool of worker threads", () => {
  const optimizers: OptimizerSpec[] = [
    { name: "sgd", lr: 0.1 },
    { name: "sgd", lr: 0.05, momentum: 0.9, nesterov: true },
    { name: "adam", lr: 3e-3 },
    { name: "adagrad", lr: 0.05, label: "Adagrad" },
  ];

  it("gives 4 runs on 2 workers bit-identical to the same runs one after another in the main thread", async () => {
    const progress: Progress[] = [];
    const runs = await compare({
      ...base,
      optimizers,
      workers: 2,
      chunkSteps: 4,
      returnWeights: true,
      onProgress: (p) => progress.push(p),
    });
    expect(runs.map((run) => run.label)).toEqual([
      "sgd lr=0.1",
      "sgd lr=0.05 momentum=0.9 nesterov=true",
      "adam lr=0.003",
      "Adagrad",
    ]);
    runs.forEach((run, index) => {
      const reference = sequentialRun(optimizers[index]!);
      expect(run.error).toBeUndefined();
      expect(run.diverged).toBeUndefined();
      expect(run.stepsPerEpoch).toBe(stepsPerEpoch);
      expect(run.losses).toEqual(reference.losses);
      expect(run.weights).toEqual(reference.weights);
      expect(run.epochs.map((epoch) => [epoch.evalLoss, epoch.evalAccuracy])).toEqual(reference.evals);
      expect(run.epochs.map((epoch) => epoch.epoch)).toEqual([1, 2, 3]);
      const firstEpoch = reference.losses.subarray(0, stepsPerEpoch);
      expect(run.epochs[0]!.trainLoss).toBeCloseTo(firstEpoch.reduce((a, b) => a + b) / stepsPerEpoch, 6);
    });
    // The runs learn: the last epoch's training loss is below the first's.
    for (const run of runs) expect(run.epochs[2]!.trainLoss).toBeLessThan(run.epochs[0]!.trainLoss);
    // Every run reports its end; the throttle keeps the rest to about 10 a second.
    for (let run = 0; run < 4; run++)
      expect(progress.filter((p) => p.run === run).at(-1)).toMatchObject({
        step: totalSteps,
        totalSteps,
        etaSeconds: 0,
      });
  });

  it("isolates a diverging run and a trapping run: the others finish with the sequential numbers, and the pool goes on", async () => {
    const pool = new OptimlabPool(
      nodePlatform({ workerUrl: new URL("./workers/crashing-worker.mjs", import.meta.url) }),
      { workers: 2 },
    );
    // crashing-worker.mjs takes `trapAfterChunks` off the spec and traps in the run's third chunk.
    const trapping: OptimizerSpec & { trapAfterChunks: number } = {
      name: "adam",
      lr: 3e-3,
      trapAfterChunks: 2,
      label: "trap",
    };
    try {
      const runs = await pool.compare({
        ...base,
        chunkSteps: 3,
        optimizers: [
          { name: "sgd", lr: 0.1 },
          { name: "sgd", lr: 1e30, label: "huge lr" },
          trapping,
          { name: "adagrad", lr: 0.05 },
        ],
      });
      expect(runs[0]!.losses).toEqual(sequentialRun({ name: "sgd", lr: 0.1 }).losses);
      expect(runs[3]!.losses).toEqual(sequentialRun({ name: "adagrad", lr: 0.05 }).losses);
      const diverged = runs[1]!;
      expect(diverged.error).toBeUndefined();
      expect(diverged.diverged).toBeDefined();
      expect(diverged.losses.length).toBe(diverged.diverged!.step + 1);
      expect(Number.isFinite(diverged.diverged!.loss)).toBe(false);
      expect(Array.from(diverged.losses.subarray(0, -1)).every(Number.isFinite)).toBe(true);
      const trapped = runs[2]!;
      expect(trapped.error).toEqual({ name: "WorkerCrashError", message: 'run "trap" crashed: unreachable' });
      expect(trapped.losses).toEqual(sequentialRun({ name: "adam", lr: 3e-3 }).losses.subarray(0, 6));
      const stats = await pool.stats();
      expect(stats.replaced).toBe(1);
      const after = await pool.train({ ...base, optimizer: { name: "sgd", lr: 0.1 } });
      expect(after.losses).toEqual(runs[0]!.losses);
    } finally {
      pool.dispose();
    }
  });

  it("refuses a model too large for wasm32 memory up front, failing only that run", async () => {
    await using pool = createPool({ workers: 2 });
    const [tooBig, healthy] = await Promise.allSettled([
      pool.train({ ...base, model: { layers: [24, 65536, 65536, 4] }, optimizer: { name: "adam", label: "too big" } }),
      pool.compare({
        ...base,
        optimizers: [
          { name: "sgd", lr: 0.1 },
          { name: "adagrad", lr: 0.05 },
        ],
      }),
    ]);
    expect(tooBig.status === "rejected" && tooBig.reason).toBeInstanceOf(ConfigError);
    expect(tooBig.status === "rejected" && tooBig.reason.message).toMatch(
      /^Trainer config: layers \[24, 65536, 65536, 4\] with batchSize \d+ need about \d+ MiB, more than the 2048 MiB a wasm instance can hold$/,
    );
    expect(healthy.status === "fulfilled" && healthy.value.map((run) => run.losses)).toEqual([
      sequentialRun({ name: "sgd", lr: 0.1 }).losses,
      sequentialRun({ name: "adagrad", lr: 0.05 }).losses,
    ]);
    expect((await pool.stats()).replaced).toBe(0);
  });

  it("stops an aborted run within one chunk with an AbortError, and the worker serves the next run", async () => {
    await using pool = createPool({ workers: 1 });
    const big = { train: syntheticDataset(4000, 24, 4, 3) };
    const controller = new AbortController();
    let abortedAtStep = -1;
    let abortedAt = 0;
    const chunkSteps = 10;
    const run = pool.train({
      ...base,
      optimizer: { name: "adam" },
      data: big,
      epochs: 50,
      batchSize: 4,
      chunkSteps,
      signal: controller.signal,
      onProgress: (p) => {
        if (abortedAtStep < 0 && p.step >= 50) {
          abortedAtStep = p.step;
          abortedAt = performance.now();
          controller.abort();
        }
      },
    });
    await expect(run).rejects.toMatchObject({ name: "AbortError" });
    const stoppedWithin = performance.now() - abortedAt;
    expect(abortedAtStep).toBeGreaterThan(0);
    expect(stoppedWithin).toBeLessThan(1000);
    const stats = await pool.stats();
    expect(stats).toMatchObject({ workers: 1, busy: 0, replaced: 0 });
    const next = await pool.train({ ...base, optimizer: { name: "sgd", lr: 0.1 } });
    expect(next.losses).toEqual(sequentialRun({ name: "sgd", lr: 0.1 }).losses);
  });
});

describe("the Node entry", () => {
  // Each entry lists the functions it binds (an ES module's exports are static); the browser's are checked in
  // browser.test.ts.
  it("exports every function bindApi binds", () => {
    const exported = nodeEntry as unknown as Record<string, unknown>;
    for (const name of Object.keys(bindApi(nodePlatform()))) expect(typeof exported[name], name).toBe("function");
  });
});

describe("errors", () => {
  it("rejects invalid optimizer options with Rust's torch wording as an OptimizerOptionError", async () => {
    const rejected = train({ ...base, optimizer: { name: "adam", lr: -1 } });
    await expect(rejected).rejects.toBeInstanceOf(OptimizerOptionError);
    await expect(rejected).rejects.toThrow("Invalid learning rate: -1");
    const [good, bad]: RunResult[] = await compare({
      ...base,
      epochs: 1,
      optimizers: [
        { name: "sgd", lr: 0.1 },
        { name: "adam", betas: [1.0, 0.999] },
      ],
    });
    expect(good!.error).toBeUndefined();
    expect(bad!.error).toEqual({ name: "OptimizerOptionError", message: "Invalid beta parameter at index 0: 1" });
  });

  it("validates the run at the edge with a ConfigError", async () => {
    await expect(train({ ...base, model: { layers: [10, 4] }, optimizer: { name: "sgd" } })).rejects.toThrow(
      new ConfigError("data.train has 24 features but the model's first layer takes 10"),
    );
    await expect(train({ ...base, batchSize: 0, optimizer: { name: "sgd" } })).rejects.toThrow(
      "batchSize must be a positive integer, got 0",
    );
    await expect(train({ ...base, model: { layers: [24, 3] }, optimizer: { name: "sgd" } })).rejects.toThrow(
      "data.train has label 3 but the model has only 3 outputs",
    );
    await expect(compare({ ...base, optimizers: [] })).rejects.toBeInstanceOf(ConfigError);
    // What only Rust checks comes back with Rust's message, as a ConfigError too.
    const tooWide = train({ ...base, model: { layers: [24, 70_000, 4] }, optimizer: { name: "sgd" } });
    await expect(tooWide).rejects.toBeInstanceOf(ConfigError);
    await expect(tooWide).rejects.toThrow("Trainer config: layers must be integers from 1 to 65536, got [24,70000,4]");
  });
});

describe("createOptimizer, the functional handle on the main thread", () => {
  const optimizers: { [name: string]: Awaited<ReturnType<typeof createOptimizer>> } = {};
  afterAll(() => Object.values(optimizers).forEach((optimizer) => optimizer.dispose()));

  it("reproduces torch.optim.Adam (amsgrad) step by step on the replay fixture", async () => {
    const fixture = JSON.parse(await readFile(new URL("./fixtures/torch-optim-replay.json", import.meta.url), "utf8"));
    for (const name of ["adam", "adam_amsgrad"]) {
      const testCase = fixture.cases.find((c: { name: string }) => c.name === name);
      const optimizer = (optimizers[name] = await createOptimizer(
        testCase.optimizer.toLowerCase(),
        testCase.options,
        testCase.shapes,
      ));
      const params = testCase.init.map((values: number[]) => Float32Array.from(values));
      testCase.grads.forEach((grads: number[][], step: number) => {
        const returned = optimizer.step(
          grads.map((g) => Float32Array.from(g)),
          params,
        );
        expect(returned).toBe(params);
        params.forEach((param: Float32Array, index: number) => {
          const expected = testCase.params[step][index] as number[];
          param.forEach((value, i) =>
            expect(Math.abs(value - expected[i]!)).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(expected[i]!)),
          );
        });
      });
    }
  });
});
