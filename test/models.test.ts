// Any model through compare, train and lrFind (a layer list with its loss, float inputs and targets, an autoencoder),
// gradient clipping and the non-finite policies as run options, the model checked once before any worker starts with
// errors naming the layer, and `optimlab compare --model model.json`.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compare, ConfigError, loadMnistSample, lrFind, train } from "../dist/index.js";
import type { DataSplit, Dataset, LayerListSpec } from "../dist/index.js";
import { cli } from "./helpers/cli.js";

/** A small CNN: conv 3×3 (4 channels) → relu → maxpool 2 → flatten → linear to 10 classes. */
const cnn: LayerListSpec = {
  input: [1, 28, 28],
  layers: [
    { type: "conv2d", in_channels: 1, out_channels: 4, kernel_size: 3, padding: 1 },
    { type: "relu" },
    { type: "maxpool2d", kernel_size: 2 },
    { type: "flatten" },
    { type: "linear", in: 4 * 14 * 14, out: 10 },
  ],
  loss: "cross_entropy",
};

let sample: DataSplit;
let dir: string;

beforeAll(async () => {
  const full = await loadMnistSample({ testCount: 500 });
  const slice = (dataset: Dataset, count: number): Dataset => ({
    ...dataset,
    count,
    pixels: dataset.pixels.subarray(0, count * dataset.features),
    labels: dataset.labels.subarray(0, count),
  });
  sample = { train: slice(full.train, 1024), test: full.test };
  dir = await mkdtemp(join(tmpdir(), "optimlab-models-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("a layer-list model", () => {
  it("trains in compare beside the same runs of another optimizer, and learns", async () => {
    const runs = await compare({
      data: sample,
      model: cnn,
      optimizers: [
        { name: "adam", lr: 3e-3 },
        { name: "sgd", lr: 0.05, momentum: 0.9 },
      ],
      epochs: 2,
      batchSize: 64,
      returnWeights: true,
    });
    for (const run of runs) {
      expect(run.error).toBeUndefined();
      expect(run.losses.length).toBe(2 * 16);
      expect(run.weights!.length).toBe(4 * 9 + 4 + 4 * 14 * 14 * 10 + 10);
      expect(run.epochs[1]!.evalAccuracy).toBeGreaterThan(0.7);
    }
    // Same seed: the same initial weights and first batch, hence the same first loss.
    expect(runs[0]!.losses[0]).toBe(runs[1]!.losses[0]);
  });

  it("is refused once, before any worker starts, with the layer named", async () => {
    const wrong: LayerListSpec = {
      ...cnn,
      layers: cnn.layers.map((l) => (l.type === "linear" ? { ...l, in: 100 } : l)),
    };
    await expect(compare({ data: sample, model: wrong, optimizers: [{ name: "adam" }] })).rejects.toThrow(
      new ConfigError("Trainer config: layer 5 (linear): expects 100 inputs, the previous layer gives 784"),
    );
    await expect(
      train({ data: sample, model: { ...cnn, input: [1, 20, 20] }, optimizer: { name: "adam" } }),
    ).rejects.toThrow(/layer 5 \(linear\): expects 784 inputs, the previous layer gives 400/);
    const flat: LayerListSpec = { input: [100], layers: [{ type: "linear", in: 100, out: 10 }], loss: "cross_entropy" };
    await expect(train({ data: sample, model: flat, optimizer: { name: "adam" } })).rejects.toThrow(
      new ConfigError("data.train has 784 features but the model's input [100] takes 100"),
    );
    await expect(
      train({ data: sample, model: cnn, optimizer: { name: "adam" }, clipGradNorm: 1, clipGradValue: 1 }),
    ).rejects.toThrow("give clipGradNorm or clipGradValue, not both");
  });

  it("runs the range test", async () => {
    const result = await lrFind({
      data: sample,
      model: cnn,
      optimizer: { name: "adam" },
      batchSize: 64,
      seed: 0,
      numIter: 30,
    });
    expect(result.losses.length).toBeGreaterThan(10);
    expect(result.suggestions.valley ?? result.suggestions.steepest).not.toBeNull();
  });
});

describe("float data, targets and autoencoders", () => {
  // y = 2·x0 − x1 + 0.5 on 400 rows of floats.
  const rows = 400;
  const inputs = Float32Array.from({ length: rows * 2 }, (_, i) => Math.sin(i * 1.7));
  const targets = Float32Array.from({ length: rows }, (_, r) => 2 * inputs[2 * r]! - inputs[2 * r + 1]! + 0.5);
  const regression: Dataset = {
    pixels: new Uint8Array(0),
    inputs,
    labels: new Uint8Array(0),
    targets,
    count: rows,
    features: 2,
    classes: 0,
  };
  const model: LayerListSpec = {
    input: [2],
    layers: [{ type: "linear", in: 2, out: 16 }, { type: "tanh" }, { type: "linear", in: 16, out: 1 }],
    loss: "mse",
  };

  it("a regression on float inputs with target values reaches a small held-out mse, without accuracy", async () => {
    const run = await train({
      data: { train: regression, test: regression },
      model,
      optimizer: { name: "adam", lr: 0.01 },
      epochs: 10,
      batchSize: 32,
    });
    const last = run.epochs.at(-1)!;
    expect(last.evalLoss).toBeLessThan(0.02 * run.epochs[0]!.trainLoss + 0.01);
    expect(last.evalAccuracy).toBeUndefined();
  });

  it("an autoencoder trains on the digits without labels or targets", async () => {
    const autoencoder: LayerListSpec = {
      input: [784],
      layers: [
        { type: "linear", in: 784, out: 32 },
        { type: "relu" },
        { type: "linear", in: 32, out: 784 },
        { type: "sigmoid" },
      ],
      loss: "mse",
    };
    const run = await train({
      data: sample,
      model: autoencoder,
      optimizer: { name: "adam", lr: 3e-3 },
      epochs: 2,
      batchSize: 32,
    });
    expect(run.epochs[1]!.evalLoss).toBeLessThan(0.5 * run.losses[0]!);
  });

  it("clipping and the skip policy reach the Trainer; optax's counters come back", async () => {
    const poisoned = Float32Array.from(targets);
    poisoned[5] = NaN; // one batch an epoch has a NaN loss
    const data = { train: { ...regression, targets: poisoned } };
    const options = { data, model, optimizer: { name: "adam", lr: 0.01 } as const, epochs: 3, batchSize: 100 };
    const skipped = await train({ ...options, nonFinite: "skip", clipGradNorm: 1 });
    expect(skipped.diverged).toBeUndefined();
    expect(skipped.losses.length).toBe(12);
    expect(skipped.losses.filter(Number.isNaN).length).toBe(3);
    expect(skipped.nonFinite).toMatchObject({ totalNotfinite: 3 });
    const stopped = await train(options);
    expect(stopped.diverged?.step).toBe(stopped.losses.length - 1);
    expect(stopped.nonFinite).toBeUndefined();
  });
});

describe("optimlab compare --model", () => {
  it("trains the model in a JSON file end to end; a bad one exits 2 naming the layer", async () => {
    const file = join(dir, "cnn.json");
    await writeFile(file, JSON.stringify(cnn));
    const out = join(dir, "out");
    const ok = await cli(
      "compare",
      "--model",
      file,
      "--opt",
      "adam",
      "--limit",
      "256",
      "--epochs",
      "1",
      "--out",
      out,
      "--quiet",
    );
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    expect(await readFile(join(out, "report.html"), "utf8")).toContain("conv2d → relu → maxpool2d → flatten → linear");
    const bad = join(dir, "bad.json");
    await writeFile(
      bad,
      JSON.stringify({ ...cnn, layers: [...cnn.layers.slice(0, 4), { type: "linear", in: 5, out: 10 }] }),
    );
    const refused = await cli("compare", "--model", bad, "--opt", "adam", "--limit", "256", "--out", out);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("layer 5 (linear): expects 5 inputs, the previous layer gives 784");
    const both = await cli("compare", "--model", file, "--layers", "784,10", "--out", out);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("give either --model or --layers, not both");
  });
});
