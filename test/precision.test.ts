// precision: the default build gives the same bits as before the fast build existed (a fixture recorded by that
// build), and the opt-in fast build (relaxed SIMD) runs where asked and trains to the same accuracy within a tolerance.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compare, loadMnistSample, lrFind, train } from "../dist/index.js";
import type { DataSplit, RunResult } from "../dist/index.js";
import { precisionOf } from "../dist/precision.js";
import { compileModule, enableRelaxedSimd } from "../dist/wasm-node.js";
import { cli } from "./helpers/cli.js";

interface FixtureCase {
  model: { layers: number[] };
  epochs: number;
  batchSize: number;
  seed: number;
  optimizer: { name: "sgd" | "adam"; [option: string]: unknown };
  rows: number;
  lossBits: string[];
  evalLoss: number;
  evalAccuracy: number;
}

const fixture = JSON.parse(
  await readFile(new URL("./fixtures/default-build-losses.json", import.meta.url), "utf8"),
) as { cases: FixtureCase[] };

/** The embedded sample split with seed 0, its first `rows` training digits. */
function firstRows(data: DataSplit, rows: number): DataSplit {
  const { train } = data;
  return {
    ...data,
    train: {
      ...train,
      count: rows,
      pixels: train.pixels.subarray(0, rows * train.features),
      labels: train.labels.subarray(0, rows),
    },
  };
}

function bits(losses: Float32Array): string[] {
  return Array.from(new Uint32Array(losses.buffer, losses.byteOffset, losses.length), (b) =>
    b.toString(16).padStart(8, "0"),
  );
}

let sample: DataSplit;
beforeAll(async () => {
  sample = await loadMnistSample({ seed: 0 });
});

describe("precision: default", () => {
  it("trains to the same bits as the build before the fast build existed, every step", async () => {
    for (const { rows, lossBits, evalAccuracy, evalLoss, ...config } of fixture.cases) {
      const run = await train({ data: firstRows(sample, rows), ...config });
      expect(bits(run.losses), config.optimizer.name).toEqual(lossBits);
      expect(run.epochs.at(-1)).toMatchObject({ evalLoss, evalAccuracy });
      expect(run.precision).toBeUndefined(); // only a run that asked for "fast" says which build ran
    }
  });

  it("is what a run gets when it asks for nothing", async () => {
    expect(precisionOf(await compileModule())).toBe("default");
  });

  it('refuses a precision other than "default" and "fast", naming the option', async () => {
    await expect(
      // @ts-expect-error a precision the type does not have: the runtime error is checked
      train({ data: sample, optimizer: { name: "sgd" }, precision: "exact" }),
    ).rejects.toThrow('optimlab: precision must be "default" or "fast", got "exact"');
  });
});

describe("precision: fast", () => {
  it("runs the relaxed-SIMD build in worker threads (this Node validates relaxed SIMD, with the flag on Node 20)", async () => {
    expect(enableRelaxedSimd()).toBe(true);
    expect(precisionOf(await compileModule("fast"))).toBe("fast");
  });

  it("trains the notebook's network to the default build's accuracy and loss within a tolerance", async () => {
    const data = firstRows(sample, 4096);
    const optimizers = [{ name: "sgd" as const, lr: 0.1, momentum: 0.9 }, { name: "adam" as const }];
    const settings = { data, model: { layers: [784, 100, 100, 10] }, optimizers, epochs: 3, batchSize: 128, seed: 1 };
    const [exact, fast] = await Promise.all([compare(settings), compare({ ...settings, precision: "fast" })]);
    const final = (run: RunResult) => {
      const { evalAccuracy, evalLoss } = run.epochs.at(-1)!;
      return { evalAccuracy: evalAccuracy!, evalLoss: evalLoss! };
    };
    for (const [i, run] of fast.entries()) {
      expect(run.precision).toBe("fast");
      expect(run.error).toBeUndefined();
      // Fused multiply-adds round once instead of twice; over 96 steps the runs drift apart a little, not in kind.
      expect(Math.abs(final(run).evalAccuracy - final(exact[i]!).evalAccuracy), run.label).toBeLessThan(0.02);
      expect(Math.abs(final(run).evalLoss - final(exact[i]!).evalLoss) / final(exact[i]!).evalLoss).toBeLessThan(0.05);
      expect(Math.abs(run.losses[0]! - exact[i]!.losses[0]!)).toBeLessThan(1e-5); // the first forward pass agrees
    }
  });

  it("is what optimlab compare --precision fast runs, and its --json summary says so", async () => {
    const out = await mkdtemp(join(tmpdir(), "optimlab-precision-"));
    try {
      const result = await cli(
        "compare",
        "--opt",
        "adam",
        "--limit",
        "512",
        "--epochs",
        "1",
        "--precision",
        "fast",
        "--out",
        out,
        "--json",
      );
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ precision: "fast", runs: [{ error: null }] });
      // The report says which build ran.
      expect(await readFile(join(out, "report.html"), "utf8")).toContain(
        "<dt>precision</dt><dd>fast: the relaxed-SIMD build",
      );
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it("is what lrFind and optimlab lr-find --precision fast run, and each result says so", async () => {
    const data = firstRows(sample, 2048);
    const settings = { data, model: { layers: [784, 100, 100, 10] }, batchSize: 64, seed: 0, numIter: 30 };
    const [exact, fast] = await Promise.all([
      lrFind({ ...settings, optimizer: { name: "adam" } }),
      lrFind({ ...settings, optimizer: { name: "adam" }, precision: "fast" }),
    ]);
    expect(exact.precision).toBeUndefined();
    expect(fast.precision).toBe("fast");
    expect(Math.abs(fast.losses[0]! - exact.losses[0]!)).toBeLessThan(1e-5); // the first forward pass agrees
    const [refused] = await Promise.allSettled([
      // @ts-expect-error a precision the type does not have: the runtime error is checked
      lrFind({ ...settings, optimizer: { name: "adam" }, precision: "exact" }),
    ]);
    expect(refused).toMatchObject({
      reason: { message: 'optimlab: precision must be "default" or "fast", got "exact"' },
    });
    const out = await mkdtemp(join(tmpdir(), "optimlab-precision-"));
    try {
      const result = await cli(
        "lr-find",
        "--opt",
        "adam",
        "--limit",
        "512",
        "--num-iter",
        "20",
        "--precision",
        "fast",
        "--out",
        out,
        "--json",
      );
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ precision: "fast", results: [{ steps: 20 }] });
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
