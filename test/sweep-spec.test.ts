// Sweep specs, run ids, the results file and the best-lr summary, without workers: expansion of grids and lists,
// ids that depend on the spec and nothing else, errors that name the field, a results file that survives a crash
// mid-line, and the lr chosen per optimizer.
import { appendFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { lrSensitivity, SweepLabels } from "../dist/sweep/report.js";
import { readResults, ResultsFile } from "../dist/sweep/results.js";
import type { ResultRecord } from "../dist/sweep/run.js";
import { canonicalJson, expandSweep, planSweep, runId, type RunSpec } from "../dist/sweep/spec.js";
import { MODEL_PROBLEMS, problemInfo } from "../dist/problems.js";

const base = { data: { sample: "mnist", limit: 500 }, model: { layers: [784, 10] }, epochs: 1, batchSize: 100 };

describe("expandSweep", () => {
  it("crosses the grid's axes, the last varying fastest, and merges lr into each optimizer", () => {
    const plan = expandSweep(
      {
        ...base,
        grid: { optimizer: [{ name: "SGD", momentum: 0.9 }, { name: "adam" }], lr: [0.01, 0.1], seed: [0, 1] },
      },
      "/specs",
    );
    expect(plan.runs.map(({ spec }) => [spec.optimizer, spec.seed])).toEqual([
      [{ name: "sgd", momentum: 0.9, lr: 0.01 }, 0],
      [{ name: "sgd", momentum: 0.9, lr: 0.01 }, 1],
      [{ name: "sgd", momentum: 0.9, lr: 0.1 }, 0],
      [{ name: "sgd", momentum: 0.9, lr: 0.1 }, 1],
      [{ name: "adam", lr: 0.01 }, 0],
      [{ name: "adam", lr: 0.01 }, 1],
      [{ name: "adam", lr: 0.1 }, 0],
      [{ name: "adam", lr: 0.1 }, 1],
    ]);
    expect(plan.runs[0]!.spec).toEqual({
      optimizer: { name: "sgd", momentum: 0.9, lr: 0.01 },
      seed: 0,
      model: { layers: [784, 10] },
      data: { sample: "mnist", limit: 500 },
      epochs: 1,
      batchSize: 100,
    });
  });

  it("takes several grids, a list of runs, optimizer.<option> axes, and merges runs named twice", () => {
    const plan = expandSweep(
      {
        ...base,
        optimizer: { name: "sgd" },
        grid: [
          { lr: [0.1], "optimizer.momentum": [0, 0.9] },
          { optimizer: [{ name: "adam" }], lr: [0.001] },
        ],
        runs: [
          { optimizer: { name: "sgd", lr: 0.1, momentum: 0.9 } },
          { epochs: 2, schedule: { name: "cosine", T_max: 5 } },
        ],
      },
      "/specs",
    );
    expect(plan.runs.map(({ spec }) => [spec.optimizer, spec.epochs, spec.schedule?.name])).toEqual([
      [{ name: "sgd", lr: 0.1, momentum: 0 }, 1, undefined],
      [{ name: "sgd", lr: 0.1, momentum: 0.9 }, 1, undefined],
      [{ name: "adam", lr: 0.001 }, 1, undefined],
      [{ name: "sgd" }, 2, "cosine"],
    ]);
    expect(plan.duplicates).toBe(1);
  });

  it("fills compare's defaults and resolves a relative data path against the spec's folder", () => {
    const sha256 = "a".repeat(64);
    const model = { layers: [784, 10] };
    const plan = expandSweep(
      { model, optimizer: { name: "sgd" }, runs: [{}, { data: { path: "d/train.csv", sha256 } }] },
      "/specs",
    );
    expect(plan.runs.map(({ spec }) => spec)).toEqual([
      { optimizer: { name: "sgd" }, seed: 0, model, data: { sample: "mnist" }, epochs: 3, batchSize: 256 },
      {
        optimizer: { name: "sgd" },
        seed: 0,
        model,
        data: { path: "/specs/d/train.csv", sha256 },
        epochs: 3,
        batchSize: 256,
      },
    ]);
  });

  it("names the field of every mistake", () => {
    const fails = (spec: object) => () => expandSweep(spec, "/specs");
    const adam = { ...base, optimizer: { name: "adam" } };
    expect(fails({ ...adam })).toThrow('a sweep spec needs a "grid" (axes to cross) or "runs"');
    expect(fails({ ...adam, runs: [{}], grdi: {} })).toThrow('unknown key "grdi"');
    expect(fails({ ...adam, grid: { lr: [] } })).toThrow("grid.lr must be a non-empty array of values");
    expect(fails({ ...adam, grid: [{ lr: [0.1] }, { sed: [1] }] })).toThrow('grid[1]: unknown setting "sed"');
    expect(fails({ ...adam, runs: [{}, { epochs: 0 }] })).toThrow("runs[1]: epochs must be a positive integer, got 0");
    expect(fails({ ...adam, runs: [{ data: { path: "x.csv" } }] })).toThrow(
      "runs[0]: data.sha256 is required for a path: every worker checks it reads the same bytes",
    );
    expect(fails({ ...adam, runs: [{ data: { url: "ftp://x/y.csv", sha256: "0".repeat(64) } }] })).toThrow(
      'runs[0]: data.url must be an http:// or https:// URL, got "ftp://x/y.csv"',
    );
    expect(fails({ ...adam, runs: [{ data: { sample: "mnist", path: "x" } }] })).toThrow(
      "data must name exactly one of sample, dataset, path, url; got sample, path",
    );
    expect(fails({ ...adam, runs: [{ optimizer: { name: "adam", label: "A" } }] })).toThrow('leave "label" out');
    expect(fails({ ...adam, grid: { lr: [1, 2, 3] }, budget: { runs: 2 } })).toThrow(
      "the spec expands to 3 runs, over its budget of 2 (budget.runs)",
    );
    expect(fails({ ...adam, runs: [{}], budget: { minutes: -1 } })).toThrow("budget.minutes must be a positive number");
  });
});

describe("problems and users' own models in a sweep", () => {
  const adam = { optimizer: { name: "adam" } };

  it("takes a problem's model, data, batch size, epochs and dropLast as defaults, the spec's settings first", () => {
    for (const name of MODEL_PROBLEMS.filter((problem) => problemInfo(problem).data !== "csv")) {
      const problem = problemInfo(name);
      const [run] = expandSweep({ problem: name, ...adam, runs: [{}] }, "/specs").runs;
      expect(run!.spec.problem).toBe(name);
      expect(run!.spec.model).toEqual(problem.model);
      expect([run!.spec.epochs, run!.spec.batchSize, run!.spec.dropLast ?? false]).toEqual([
        problem.epochs,
        problem.batchSize,
        problem.dropLast ?? false,
      ]);
      // The data every machine reads for it, named by source.
      expect(Object.keys(run!.spec.data)).toHaveLength(1);
    }
    const quadratic = problemInfo("quadratic_deep");
    const plan = expandSweep(
      { problem: "quadratic_deep", ...adam, epochs: 2, data: { limit: 500 }, grid: { batchSize: [32, 64] } },
      "/specs",
    );
    expect(plan.runs.map(({ spec }) => [spec.epochs, spec.batchSize, spec.data, spec.dropLast])).toEqual([
      [2, 32, { dataset: "deepobs-quadratic", limit: 500 }, quadratic.dropLast],
      [2, 64, { dataset: "deepobs-quadratic", limit: 500 }, quadratic.dropLast],
    ]);
  });

  it("crosses problems in a grid, each with its own defaults, and labels them apart", () => {
    const plan = expandSweep({ ...adam, grid: { problem: ["mnist_logreg", "quadratic_deep"] } }, "/specs");
    expect(plan.runs.map(({ spec }) => [spec.problem, spec.model, spec.data])).toEqual([
      ["mnist_logreg", problemInfo("mnist_logreg").model, { sample: "mnist" }],
      ["quadratic_deep", problemInfo("quadratic_deep").model, { dataset: "deepobs-quadratic" }],
    ]);
    const labels = new SweepLabels(plan.runs.map(({ spec }) => spec));
    expect(labels.group(plan.runs[1]!.spec)).toBe("adam problem=quadratic_deep");
  });

  it("carries a user's own model and compare's step settings in every run", () => {
    const model = { input: [784], layers: [{ type: "linear", in: 784, out: 10 }], loss: "cross_entropy" };
    const steps = { clipGradNorm: 1, nonFinite: "skip", maxConsecutiveErrors: 2 };
    const [run] = expandSweep({ ...adam, model, ...steps, runs: [{}] }, "/specs").runs;
    expect(run!.spec).toEqual({
      optimizer: { name: "adam" },
      seed: 0,
      model,
      data: { sample: "mnist" },
      epochs: 3,
      batchSize: 256,
      ...steps,
    });
  });

  it("refuses an unknown problem naming the known ones, and a problem's mistakes naming the field", () => {
    const fails = (spec: object) => () => expandSweep({ ...adam, runs: [{}], ...spec }, "/specs");
    expect(fails({ problem: "mnist_cnn" })).toThrow(
      `problem: unknown problem "mnist_cnn"; problems: ${MODEL_PROBLEMS.join(", ")}`,
    );
    expect(fails({ runs: [{ problem: "rosenbrock" }] })).toThrow(`runs[0]: unknown problem "rosenbrock"`);
    expect(fails({ problem: "quadratic_deep", data: { sample: "mnist" } })).toThrow(
      'runs[0]: problem quadratic_deep trains on {"dataset":"deepobs-quadratic"}, not {"sample":"mnist"}',
    );
    expect(fails({ problem: "csv_regression", data: { path: "x.csv", sha256: "0".repeat(64) } })).toThrow(
      "runs[0]: problem csv_regression sizes its model to the CSV: give model",
    );
    const regression = { input: [3], layers: [{ type: "linear", in: 3, out: 1 }], loss: "mse" };
    expect(fails({ problem: "csv_regression", model: regression })).toThrow(
      "problem csv_regression trains on a CSV file",
    );
    expect(fails({ clipGradNorm: -1 })).toThrow("runs[0]: clipGradNorm must be a non-negative number, got -1");
    expect(fails({ nonFinite: "ignore" })).toThrow('runs[0]: nonFinite must be one of "stop", "skip", "propagate"');
    expect(fails({ model: { input: [784], layers: [] } })).toThrow(
      'a layer-list model needs "input" (one sample\'s shape) and "loss"',
    );
    expect(fails({ model: { layers: [784, 10] }, data: { dataset: "cifar10" } })).toThrow(
      'data.dataset must be one of "fashion-mnist", "deepobs-quadratic"',
    );
  });

  it("refuses a bad model before any run, naming its layer as compare does", async () => {
    const layers = [{ type: "linear", in: 784, out: 64 }, { type: "relu" }, { type: "linear", in: 32, out: 10 }];
    const spec = { ...adam, model: { input: [784], layers, loss: "cross_entropy" }, grid: { lr: [0.1, 0.01] } };
    await expect(planSweep(spec, "/specs")).rejects.toThrow(
      "grid combination 1: model: Trainer config: layer 3 (linear): expects 32 inputs, the previous layer gives 64",
    );
    // A model that does not take the named data's rows.
    const quadratic = problemInfo("quadratic_deep").model;
    await expect(planSweep({ ...adam, model: quadratic, runs: [{}] }, "/specs")).rejects.toThrow(
      'runs[0]: model: its input [100] takes 100 values, but each row of {"sample":"mnist"} has 784',
    );
    expect((await planSweep({ problem: "mnist_2c2d", ...adam, runs: [{}] }, "/specs")).runs).toHaveLength(1);
  });
});

describe("run ids", () => {
  const spec: RunSpec = {
    optimizer: { name: "adam", lr: 0.001 },
    seed: 0,
    model: { layers: [784, 10] },
    data: { sample: "mnist" },
    epochs: 1,
    batchSize: 64,
  };

  it("hash the canonical spec: key order does not matter, any value does", () => {
    const reordered = JSON.parse(
      '{"batchSize":64,"epochs":1,"data":{"sample":"mnist"},"model":{"layers":[784,10]},"seed":0,"optimizer":{"lr":0.001,"name":"adam"}}',
    );
    expect(canonicalJson(reordered)).toBe(canonicalJson(spec));
    expect(runId(reordered)).toBe(runId(spec));
    expect(runId(spec)).toMatch(/^[0-9a-f]{16}$/);
    const changed = [
      { ...spec, seed: 1 },
      { ...spec, optimizer: { name: "adam", lr: 0.002 } },
      { ...spec, data: { sample: "mnist", limit: 100 } },
      { ...spec, model: { layers: [784, 11] } },
    ] as RunSpec[];
    expect(new Set([spec, ...changed].map(runId)).size).toBe(changed.length + 1);
  });

  it("are what a sweep's runs carry", () => {
    const plan = expandSweep({ ...base, optimizer: { name: "adam" }, grid: { seed: [0, 1, 2] } }, "/specs");
    for (const run of plan.runs) expect(run.id).toBe(runId(run.spec));
  });
});

function record(
  id: string,
  spec: RunSpec,
  epochs: ResultRecord["epochs"],
  extra: Partial<ResultRecord> = {},
): ResultRecord {
  return {
    id,
    spec,
    losses: [2.3, 1.5],
    stepsPerEpoch: 2,
    epochs,
    timing: { seconds: 1, epochSeconds: [1], worker: "test", finishedAt: "2026-01-01T00:00:00.000Z" },
    software: { optimlab: "0", node: "v20" },
    ...extra,
  };
}

describe("the results file", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "optimlab-results-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const spec: RunSpec = {
    optimizer: { name: "sgd", lr: 0.1 },
    seed: 0,
    model: { layers: [4, 2] },
    data: { sample: "mnist" },
    epochs: 1,
    batchSize: 2,
  };

  it("appends each id once, drops a half-written last line on reopening, and keeps the stored ones", async () => {
    const path = join(dir, "results.jsonl");
    const file = await ResultsFile.open(path);
    expect(await file.append(record("a", spec, [{ epoch: 1, trainLoss: 1 }]))).toBe(true);
    expect(await file.append(record("a", spec, [{ epoch: 1, trainLoss: 2 }]))).toBe(false);
    expect(await file.append(record("b", spec, [{ epoch: 1, trainLoss: 3 }]))).toBe(true);
    await file.close();
    const whole = await readFile(path, "utf8");
    await appendFile(path, '{"id":"c","spec":{"optim'); // a crash in the middle of writing the third line

    const reopened = await ResultsFile.open(path);
    expect([reopened.has("a"), reopened.has("b"), reopened.has("c"), reopened.size]).toEqual([true, true, false, 2]);
    expect(await readFile(path, "utf8")).toBe(whole);
    await reopened.append(record("c", spec, [{ epoch: 1, trainLoss: 4 }]));
    await reopened.close();
    const { records } = await readResults(path);
    expect(records.map((stored) => [stored.id, stored.epochs[0]!.trainLoss])).toEqual([
      ["a", 1],
      ["b", 3],
      ["c", 4],
    ]);
  });

  it("has one writer at a time and names a damaged line", async () => {
    const path = join(dir, "results.jsonl");
    const file = await ResultsFile.open(path);
    await expect(ResultsFile.open(path)).rejects.toThrow(`${path} is being written by another optimlab sweep`);
    await file.close();
    await writeFile(path, '{"id":"a","spec":{}}\nnot json\n{"id":"b","spec":{}}\n');
    await expect(readResults(path)).rejects.toThrow(`${path} line 2 is not JSON`);
  });
});

describe("the best lr per optimizer", () => {
  const at = (optimizer: RunSpec["optimizer"], seed: number): RunSpec => ({
    optimizer,
    seed,
    model: { layers: [4, 2] },
    data: { sample: "mnist" },
    epochs: 1,
    batchSize: 2,
  });
  const finished = (spec: RunSpec, evalLoss: number) =>
    record(runId(spec), spec, [{ epoch: 1, trainLoss: 9, evalLoss, evalAccuracy: 0.5 }]);
  const records = [
    finished(at({ name: "sgd", momentum: 0.9, lr: 0.01 }, 0), 0.5),
    finished(at({ name: "sgd", momentum: 0.9, lr: 0.01 }, 1), 0.7),
    finished(at({ name: "sgd", momentum: 0.9, lr: 0.1 }, 0), 0.25),
    finished(at({ name: "sgd", momentum: 0.9, lr: 0.1 }, 1), 1.25),
    record(runId(at({ name: "sgd", momentum: 0.9, lr: 1 }, 0)), at({ name: "sgd", momentum: 0.9, lr: 1 }, 0), [], {
      diverged: { step: 3, loss: "NaN" },
    }),
    finished(at({ name: "sgd", momentum: 0.9, lr: 1 }, 1), 0.1),
    finished(at({ name: "adam", lr: 0.001 }, 0), 0.3),
    finished(at({ name: "adam", lr: 0.001 }, 1), 0.3),
  ];

  it("is the lr with the lowest mean final held-out loss over seeds; an lr where a run diverged does not count", () => {
    const labels = new SweepLabels(records.map((stored) => stored.spec));
    expect(labels.run(records[0]!.spec)).toBe("sgd momentum=0.9 lr=0.01 seed=0");
    const { metric, groups } = lrSensitivity(records, labels);
    expect(metric).toBe("final held-out loss");
    expect(groups.map(({ group, best }) => [group, best?.lr, best?.loss, best?.runs])).toEqual([
      ["sgd momentum=0.9", 0.01, 0.6, 2],
      ["adam", 0.001, 0.3, 2],
    ]);
    expect(groups[0]!.points.map((point) => [point.lr, point.loss])).toEqual([
      [0.01, 0.6],
      [0.1, 0.75],
      [1, Number.POSITIVE_INFINITY],
    ]);
  });
});
