// Fair comparisons in worker threads on a slice of the embedded MNIST sample: lr "auto" picks exactly the lr that
// lrFind (same seed, same rule) suggests, seeds replicate runs (same init and batch order within a seed, different
// across seeds), a tuning grid keeps its best point, compare's notebook defaults, and clear errors.
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  compare,
  ConfigError,
  lossBands,
  loadMnistSample,
  lrFind,
  suggestionFor,
  train,
  type DataSplit,
  type LrRule,
} from "../dist/index.js";
import { parseTuneLr } from "../dist/cli/compare.js";
import { cli } from "./helpers/cli.js";

let data: DataSplit;
const model = { layers: [784, 32, 10] };

beforeAll(async () => {
  const sample = await loadMnistSample({ seed: 3 });
  const count = 640;
  data = {
    train: {
      ...sample.train,
      count,
      pixels: sample.train.pixels.slice(0, count * 784),
      labels: sample.train.labels.slice(0, count),
    },
    test: {
      ...sample.test!,
      count: 400,
      pixels: sample.test!.pixels.slice(0, 400 * 784),
      labels: sample.test!.labels.slice(0, 400),
    },
  };
});

describe('lr: "auto"', () => {
  it.each(["valley", "steep", "minimum", "slide"] as LrRule[])(
    "trains at exactly the lr lrFind with the same seed suggests by the %s rule",
    async (rule) => {
      const seed = 4;
      const [run] = await compare({
        data,
        model,
        epochs: 1,
        batchSize: 32,
        seed,
        optimizers: [{ name: "sgd", label: "Momentum", momentum: 0.9, lr: "auto", lrRule: rule }],
      });
      const test = await lrFind({ data, model, batchSize: 32, seed, optimizer: { name: "sgd", momentum: 0.9 } });
      const expected = suggestionFor(test.suggestions, rule)!.lr;
      expect(run!.error).toBeUndefined();
      expect(run!.lrChoice).toEqual({ method: "auto", rule, lr: expected });
      expect((run!.optimizer as { lr: number }).lr).toBe(expected);
      expect(run!.optimizer).not.toHaveProperty("lrRule");
      // The run itself is the one an explicit lr gives.
      const direct = await train({
        data,
        model,
        epochs: 1,
        batchSize: 32,
        seed,
        optimizer: { name: "sgd", momentum: 0.9, lr: expected },
      });
      expect(Array.from(run!.losses)).toEqual(Array.from(direct.losses));
    },
  );

  it("uses the range-test settings given in lrFind", async () => {
    const settings = { numIter: 40, startLr: 1e-5, endLr: 1 };
    const [run] = await compare({
      data,
      model,
      epochs: 1,
      batchSize: 32,
      lrFind: settings,
      optimizers: [{ name: "adam", lr: "auto" }],
    });
    const test = await lrFind({ data, model, batchSize: 32, seed: 0, optimizer: { name: "adam" }, ...settings });
    expect(run!.lrChoice?.lr).toBe(test.suggestions.valley!.lr);
  });
});

describe("seeds", () => {
  it("runs every optimizer per seed: same init and batch order within a seed, another across seeds", async () => {
    const runs = await compare({
      data,
      model,
      epochs: 2,
      batchSize: 64,
      seed: 5,
      seeds: 3,
      optimizers: [
        { name: "sgd", lr: 0.1 },
        { name: "adam", lr: 1e-3 },
      ],
    });
    expect(runs.map((run) => [run.label, run.optimizerIndex, run.seed])).toEqual([
      ["sgd lr=0.1", 0, 5],
      ["sgd lr=0.1", 0, 6],
      ["sgd lr=0.1", 0, 7],
      ["adam lr=0.001", 1, 5],
      ["adam lr=0.001", 1, 6],
      ["adam lr=0.001", 1, 7],
    ]);
    // The first loss is taken before any update: the same network on the same batch within a seed.
    for (let k = 0; k < 3; k++) expect(runs[k]!.losses[0]).toBe(runs[3 + k]!.losses[0]);
    expect(new Set(runs.slice(0, 3).map((run) => run.losses[0])).size).toBe(3);
    // Replicate k is the run `train` gives with seed 5 + k.
    const alone = await train({
      data,
      model,
      epochs: 2,
      batchSize: 64,
      seed: 6,
      optimizer: { name: "adam", lr: 1e-3 },
    });
    expect(Array.from(runs[4]!.losses)).toEqual(Array.from(alone.losses));
    // Every replicate's curve, as the figure draws it, lies inside its optimizer's band.
    for (const band of lossBands(runs)) {
      for (const curve of band.replicates) {
        curve.forEach((loss, step) => {
          expect(loss).toBeGreaterThanOrEqual(band.low[step]!);
          expect(loss).toBeLessThanOrEqual(band.high[step]!);
        });
      }
    }
  });
});

describe("tune", () => {
  it("trains a log grid per optimizer, keeps the lowest final held-out loss, and runs the other seeds there", async () => {
    const runs = await compare({
      data,
      model,
      epochs: 1,
      batchSize: 64,
      seeds: 2,
      tune: { lr: { min: 1e-3, max: 1, points: 4 } },
      optimizers: [{ name: "sgd", momentum: 0.9 }],
    });
    expect(runs.length).toBe(2);
    const { tuning } = runs[0]!;
    expect(tuning!.points.map((point) => point.lr)).toEqual(
      [1e-3, 1e-2, 1e-1, 1].map((lr, i) => (i === 3 ? 1 : expect.closeTo(lr, 15))),
    );
    const finite = tuning!.points.filter((point) => !Number.isNaN(point.loss));
    const best = finite.reduce((a, b) => (b.loss < a.loss ? b : a));
    expect(tuning!.chosenLr).toBe(best.lr);
    expect(tuning!.by).toBe("held-out loss");
    for (const [k, run] of runs.entries()) {
      expect(run.seed).toBe(k);
      expect(run.lrChoice).toEqual({ method: "tune", by: "held-out loss", lr: best.lr });
      expect((run.optimizer as { lr: number }).lr).toBe(best.lr);
    }
    expect(runs[0]!.epochs.at(-1)!.evalLoss).toBe(best.loss);
    const second = await train({
      data,
      model,
      epochs: 1,
      batchSize: 64,
      seed: 1,
      optimizer: { name: "sgd", momentum: 0.9, lr: best.lr },
    });
    expect(Array.from(runs[1]!.losses)).toEqual(Array.from(second.losses));
  });
});

describe("defaults and errors", () => {
  it("compare({ data, optimizers }) uses the notebook's settings: MLP sized to the data, 3 epochs, batch 256, seed 0", async () => {
    const [run] = await compare({ data, optimizers: [{ name: "adam" }] });
    expect(run!.stepsPerEpoch).toBe(Math.ceil(640 / 256));
    expect(run!.epochs.length).toBe(3);
    expect(run!.seed).toBe(0);
    const explicit = await train({
      data,
      model: { layers: [784, 100, 100, 10] },
      epochs: 3,
      batchSize: 256,
      seed: 0,
      optimizer: { name: "adam" },
    });
    expect(Array.from(run!.losses)).toEqual(Array.from(explicit.losses));
  });

  it("names the mistake", async () => {
    const base = { data, model, epochs: 1, batchSize: 64 };
    const refusal = (options: object) => compare({ ...base, ...options } as Parameters<typeof compare>[0]);
    await expect(refusal({ optimizers: [{ name: "adam", lr: "fast" }] })).rejects.toThrow(
      new ConfigError('optimizers[0].lr must be a number or "auto", got "fast"'),
    );
    await expect(refusal({ optimizers: [{ name: "adam", lr: "auto", lrRule: "lowest" }] })).rejects.toThrow(
      'optimizers[0].lrRule must be one of valley, steep, minimum, slide, got "lowest"',
    );
    await expect(refusal({ optimizers: [{ name: "adam", lrRule: "steep" }] })).rejects.toThrow(
      'optimizers[0].lrRule applies to lr: "auto" only (the lr is the optimizer\'s default)',
    );
    await expect(
      refusal({ optimizers: [{ name: "adam", lr: 0.1 }], tune: { lr: { min: 1e-4, max: 1, points: 3 } } }),
    ).rejects.toThrow("optimizers[0] has lr 0.1, but tune.lr chooses the lr of every optimizer; leave lr out");
    await expect(
      refusal({ optimizers: [{ name: "adam" }], tune: { lr: { min: 1, max: 0.1, points: 3 } } }),
    ).rejects.toThrow("tune.lr.max must be a number greater than min (1), got 0.1");
    await expect(refusal({ optimizers: [{ name: "adam" }], seeds: 0 })).rejects.toThrow(
      "seeds must be a positive integer, got 0",
    );
  });

  it("reports a bad option found by the range test as that run's error", async () => {
    const [bad, good] = await compare({
      data,
      model,
      epochs: 1,
      batchSize: 64,
      optimizers: [
        { name: "adam", lr: "auto", betas: [0.9, 1.5] },
        { name: "sgd", lr: 0.1 },
      ],
    });
    expect(bad!.error?.message).toBe("Invalid beta parameter at index 1: 1.5");
    expect(good!.error).toBeUndefined();
  });
});

describe("CLI", () => {
  it("--tune-lr writes the grid (tuning.csv), the sensitivity figure and the seeds table", async () => {
    const out = await mkdtemp(join(tmpdir(), "optimlab-fair-"));
    try {
      const result = await cli(
        "compare",
        "--opt",
        "sgd:momentum=0.9,label=Momentum",
        "--opt",
        "adam",
        "--tune-lr",
        "1e-4:1e-1:3",
        "--seeds",
        "2",
        "--limit",
        "512",
        "--epochs",
        "1",
        "--out",
        out,
      );
      expect(result.code).toBe(0);
      expect(result.stdout).toContain("Welch's t-test, two-sided, 5% level");
      expect(result.stdout).toMatch(/Momentum lr tuned → [\d.]+e-\d \(held-out loss\)/);
      const files = await readdir(out);
      expect(files).toEqual(expect.arrayContaining(["sensitivity.svg", "sensitivity.png", "tuning.csv"]));
      const grid = (await readFile(join(out, "tuning.csv"), "utf8")).trim().split("\n");
      expect(grid.length).toBe(1 + 2 * 3);
      expect(grid.filter((line) => line.endsWith(",true")).length).toBe(2);
      const html = await readFile(join(out, "report.html"), "utf8");
      expect(html).toContain("<h2>Tuning grid</h2>");
      expect(html).toContain(
        "optimlab compare --opt sgd:momentum=0.9,label=Momentum --opt adam --tune-lr 1e-4:1e-1:3 --seeds 2 --limit 512 --epochs 1",
      );
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it("parses --tune-lr and refuses what it cannot run", async () => {
    expect(parseTuneLr("1e-5:1:7")).toEqual({ min: 1e-5, max: 1, points: 7 });
    expect(() => parseTuneLr("1e-5:1")).toThrow('--tune-lr expects MIN:MAX:POINTS, e.g. 1e-5:1:7, got "1e-5:1"');
    expect(() => parseTuneLr("1:1e-5:7")).toThrow('--tune-lr needs 0 < MIN < MAX, got "1:1e-5:7"');
    expect(await cli("compare", "--opt", "sgd:lr=0.1", "--tune-lr", "1e-3:1:3")).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(
        "--tune-lr chooses every optimizer's lr, but sgd lr=0.1 has lr=0.1; leave lr out of --opt",
      ),
    });
    expect(await cli("compare", "--lr-rule", "lowest")).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--lr-rule must be one of valley, steep, minimum, slide, got "lowest"'),
    });
  });
});
