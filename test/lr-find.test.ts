// The learning-rate range test: the suggestion rules on hand-made curves (through the wasm build), the test on a
// slice of the embedded MNIST sample (start near ln 10, a sane lr for Adam), a trainer bit-identical afterwards,
// option errors and abort, the figure's SVG snapshot, and `optimlab lr-find` end to end.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Resvg } from "@resvg/resvg-js";
import {
  loadMnistSample,
  lrFind,
  lrFindAll,
  lrFindPlot,
  nodeDocument,
  preferredLr,
  svgText,
  svgToPng,
} from "../dist/index.js";
import type { DataSplit, LrFindResult } from "../dist/index.js";
import { decodeLrFind } from "../dist/lr-find.js";
import { lossAtLr } from "../dist/plot/lr-find.js";
import { lrFindCsv, optWithLr } from "../dist/cli/lr-find.js";
import { instantiate, wasm } from "../dist/wasm.js";
import { compileModule } from "../dist/wasm-node.js";
import { cli, type CliOutcome } from "./helpers/cli.js";

beforeAll(async () => {
  instantiate(await compileModule());
});

/** lrSuggest's six numbers as { rule: [lr, index] }. */
function suggest(lrs: number[], smoothed: number[], skipStart = 0, skipEnd = 0) {
  const [steepLr, steepAt, minLr, minAt, valleyLr, valleyAt] = wasm.lrSuggest(
    Float64Array.from(lrs),
    Float64Array.from(smoothed),
    skipStart,
    skipEnd,
  );
  return { steepest: [steepLr, steepAt], minimum: [minLr, minAt], valley: [valleyLr, valleyAt] };
}

describe("suggestions on hand-made curves", () => {
  // ln lr from −7 to 1 in steps of 0.1; loss = 2 − tanh(ln lr + 3) falls fastest at ln lr = −3 (index 40).
  const lrs = Array.from({ length: 81 }, (_, i) => Math.exp(-7 + 0.1 * i));
  const tanh = lrs.map((lr) => 2 - Math.tanh(Math.log(lr) + 3));

  it("steepest: the left end of the steepest segment, which straddles the known steepest point", () => {
    const [lr, index] = suggest(lrs, tanh).steepest;
    expect([39, 40]).toContain(index);
    expect(Math.abs(Math.log(lr!) + 3)).toBeLessThanOrEqual(0.1 + 1e-9);
  });

  it("minimum: a tenth of the lr of the lowest point", () => {
    const bowl = lrs.map((_, i) => 1 + ((i - 50) / 10) ** 2);
    const [lr, index] = suggest(lrs, bowl).minimum;
    expect(index).toBe(50);
    expect(lr).toBeCloseTo(lrs[50]! / 10, 15);
  });

  it("valley: fastai's longest-valley rule (flat, 8 points down, then up: index 4)", () => {
    const curve = [5, 5, 5, 4, 3.5, 3, 2.5, 2, 1.5, 1, 2, 4, 8];
    const grid = curve.map((_, i) => 10 ** (i - 8));
    expect(suggest(grid, curve).valley).toEqual([grid[4], 4]);
  });

  it("skips the ends, stops at the first NaN, and gives NaN, -1 when a rule has too few points", () => {
    const broken = [...tanh];
    broken[60] = Number.NaN;
    broken[70] = 0;
    expect(suggest(lrs, broken, 8, 5).minimum[1]).toBe(59);
    expect(suggest(lrs, tanh, 0, 81)).toEqual({
      steepest: [Number.NaN, -1],
      minimum: [Number.NaN, -1],
      valley: [Number.NaN, -1],
    });
    expect(() => wasm.lrSuggest(Float64Array.of(1, 0.5), Float64Array.of(1, 1), 0, 0)).toThrow(
      "lrSuggest: lrs must be positive and increasing",
    );
  });
});

describe("on a slice of the embedded MNIST sample", () => {
  let data: DataSplit;
  let adam: LrFindResult;
  const model = { layers: [784, 100, 100, 10] };

  beforeAll(async () => {
    const sample = await loadMnistSample({ seed: 0 });
    const rows = 2048;
    data = {
      train: {
        ...sample.train,
        count: rows,
        pixels: sample.train.pixels.slice(0, rows * 784),
        labels: sample.train.labels.slice(0, rows),
      },
    };
    adam = await lrFind({ data, model, optimizer: { name: "adam" }, batchSize: 128, seed: 0 });
  });

  it("grows the lr geometrically from 1e-7 toward 10 and starts near ln 10 ≈ 2.30", () => {
    expect(adam.lrs[0]).toBe(1e-7);
    expect(adam.lrs[1]! / adam.lrs[0]!).toBeCloseTo(10 ** (8 / 99), 12);
    expect(Math.abs(adam.losses[0]! - Math.log(10))).toBeLessThan(0.1);
    expect(adam.smoothed[0]).toBe(adam.losses[0]);
  });

  it("stops once Adam's smoothed loss diverges, far below lr 10", () => {
    expect(adam.stoppedEarly).toBe(true);
    const n = adam.lrs.length;
    expect(n).toBeLessThan(100);
    expect([adam.losses.length, adam.smoothed.length]).toEqual([n, n]);
    const best = Math.min(...adam.smoothed);
    const last = adam.smoothed[n - 1]!;
    expect(!Number.isFinite(last) || last > 5 * best).toBe(true);
  });

  it("suggests an lr for Adam between 1e-4 and 1e-1, by every rule", () => {
    for (const rule of ["valley", "steepest", "minimum"] as const) {
      const lr = adam.suggestions[rule]!.lr;
      expect(lr, rule).toBeGreaterThanOrEqual(1e-4);
      expect(lr, rule).toBeLessThanOrEqual(1e-1);
    }
    expect(preferredLr(adam.suggestions)).toBe(adam.suggestions.valley!.lr);
  });

  it("gives the worker's curve bit for bit on a main-thread Trainer, which it leaves bit-identical", () => {
    const config = JSON.stringify({
      layers: model.layers,
      seed: 0,
      batchSize: 128,
      maxSteps: 140,
      optimizer: { name: "adam" },
    });
    const probed = new wasm.Trainer(config);
    const straight = new wasm.Trainer(config);
    try {
      for (const trainer of [probed, straight]) trainer.setTrainData(data.train.pixels, data.train.labels);
      const fresh = decodeLrFind(probed.lrFind("{}"));
      expect(fresh.losses).toEqual(adam.losses);
      expect(fresh.suggestions).toEqual(adam.suggestions);
      probed.run(20);
      probed.lrFind(JSON.stringify({ numIter: 100, startLr: 1e-5 }));
      expect([probed.stepsDone(), probed.lr()]).toEqual([20, 0.001]);
      probed.run(20);
      straight.run(40);
      expect(probed.losses(0, 40)).toEqual(straight.losses(0, 40));
      expect(probed.weights()).toEqual(straight.weights());
      expect(probed.saveState()).toEqual(straight.saveState());
    } finally {
      probed.free();
      straight.free();
    }
  });

  it("tests several optimizers in parallel, each with its own curve", async () => {
    const [sgd, momentum] = await lrFindAll({
      data,
      model,
      batchSize: 128,
      seed: 0,
      numIter: 30,
      startLr: 1e-3,
      endLr: 1,
      optimizers: [{ name: "sgd" }, { name: "sgd", momentum: 0.9, label: "Momentum" }],
    });
    expect([sgd!.label, momentum!.label, sgd!.lrs.length, momentum!.lrs.length]).toEqual(["sgd", "Momentum", 30, 30]);
    expect(sgd!.losses[0]).toBe(momentum!.losses[0]); // same seed: same network, same first batch
    expect(sgd!.losses[29]).not.toBe(momentum!.losses[29]);
  });

  it("refuses bad settings with the option's name, and aborts", async () => {
    const base = { data, model, optimizer: { name: "adam" as const }, batchSize: 128, seed: 0 };
    await expect(lrFind({ ...base, numIter: 1 })).rejects.toMatchObject({
      name: "ConfigError",
      message: "lrFind: numIter must be an integer from 2 to 10000, got 1",
    });
    await expect(lrFind({ ...base, startLr: 1, endLr: 0.1 })).rejects.toThrow(
      "lrFind: endLr must be greater than startLr (1), got 0.1",
    );
    await expect(
      // @ts-expect-error a stepMode the type does not have: the runtime error is checked
      lrFind({ ...base, stepMode: "log" }),
    ).rejects.toThrow('lrFind: stepMode must be "exp" or "linear", got "log"');
    await expect(lrFind({ ...base, optimizer: { name: "adam", betas: [1, 0.999] } })).rejects.toMatchObject({
      name: "OptimizerOptionError",
    });
    const controller = new AbortController();
    const running = lrFind({ ...base, numIter: 10_000, endLr: 1e-6, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(running).rejects.toMatchObject({ name: "AbortError" });
  });
});

/** Two hand-made tests: "adam" falls and diverges, "sgd" falls slowly and ends without diverging. */
function syntheticResults(): LrFindResult[] {
  const make = (label: "adam" | "sgd", n: number, center: number, blowUp: boolean): LrFindResult => {
    const lrs = Float64Array.from({ length: n }, (_, i) => 1e-7 * 10 ** ((8 * i) / 99));
    const losses = Float32Array.from(lrs, (lr, i) => {
      const x = Math.log10(lr) - center;
      return (
        2.3 - 1.8 / (1 + Math.exp(-2 * x)) + (blowUp ? Math.max(0, x - 1.5) ** 2 * 3 : 0) + 0.08 * Math.sin(i * 2.1)
      );
    });
    const smoothed = new Float64Array(n);
    losses.forEach((loss, i) => (smoothed[i] = i === 0 ? loss : 0.05 * loss + 0.95 * smoothed[i - 1]!));
    return {
      label,
      optimizer: { name: label },
      lrs,
      losses,
      smoothed,
      stoppedEarly: blowUp,
      seconds: 1,
      suggestions: {
        steepest: { lr: lrs[Math.round(n * 0.55)]!, index: Math.round(n * 0.55) },
        minimum: { lr: lrs[n - 12]! / 10, index: n - 12 },
        valley: { lr: lrs[Math.round(n * 0.5)]!, index: Math.round(n * 0.5) },
        slide: null, // not drawn
      },
    };
  };
  return [make("adam", 86, -3.5, true), make("sgd", 100, -1.5, false)];
}

describe("the lr-find figure", () => {
  const document = nodeDocument();

  it("matches its snapshot", async () => {
    await expect(svgText(lrFindPlot(syntheticResults(), { document }))).toMatchFileSnapshot(
      "./__snapshots__/lr-find.svg",
    );
  });

  it("marks three suggestions per test with their lr, in the test's colour, on the smoothed curve", () => {
    const results = syntheticResults();
    const svg = lrFindPlot(results, { document });
    const dots = [...svg.querySelectorAll('[aria-label="dot"] path')];
    expect(dots.map((dot) => dot.getAttribute("fill"))).toEqual([
      "#4e79a7",
      "#4e79a7",
      "#4e79a7",
      "#f28e2c",
      "#f28e2c",
      "#f28e2c",
    ]);
    const text = svg.outerHTML;
    for (const result of results)
      for (const rule of ["steepest", "minimum", "valley"] as const) {
        expect(text).toContain(`>${result.suggestions[rule]!.lr.toExponential(1)}</text>`);
      }
    const legend = [...svg.querySelectorAll('[aria-label="legend"] text')].map((node) => node.textContent);
    expect(legend).toEqual(["adam (diverged)", "sgd"]);
    expect([...svg.querySelectorAll('[aria-label="suggestion key"] text')].map((node) => node.textContent)).toEqual([
      "● steepest",
      "▲ minimum ÷ 10",
      "◆ valley",
    ]);
    expect(text).toContain(">Learning-rate range test</text>");
  });

  it("draws one titled panel per test in a grid, which renders to PNG", async () => {
    const svg = lrFindPlot(syntheticResults(), { document, columns: 4 });
    await expect(svgText(svg)).toMatchFileSnapshot("./__snapshots__/lr-find-grid.svg");
    expect(svg.querySelectorAll("svg").length).toBe(2);
    expect([...svg.querySelectorAll('[aria-label="title"]')].map((node) => node.textContent)).toEqual([
      "Learning-rate range tests",
      "adam (diverged)",
      "sgd",
    ]);
    expect(svgToPng(svgText(svg)).length).toBeGreaterThan(1000);
    expect(() => lrFindPlot(syntheticResults(), { document, columns: 0 })).toThrow(
      "columns must be a positive integer, got 0",
    );
  });

  it("reads the marker height off the smoothed curve, in log lr", () => {
    expect(lossAtLr([1e-3, 1e-1], [2, 1], 1e-2)).toBeCloseTo(1.5, 12);
    expect(lossAtLr([1e-3, 1e-1], [2, 1], 1e-5)).toBe(2);
    expect(lossAtLr([1e-3, 1e-1, 1], [2, 1, Number.NaN], 0.5)).toBe(1);
  });

  it("clips a diverging curve at 1.5 × the highest starting loss, unless told not to", () => {
    const ticks = (svg: SVGSVGElement) =>
      [...svg.querySelectorAll('[aria-label="y-axis tick label"] text')].map((node) => Number(node.textContent));
    const clipped = Math.max(...ticks(lrFindPlot(syntheticResults(), { document })));
    const full = Math.max(...ticks(lrFindPlot(syntheticResults(), { document, clipAbove: null })));
    expect(clipped).toBeLessThanOrEqual(1.5 * 2.4);
    expect(full).toBeGreaterThan(5);
  });
});

describe("optimlab lr-find, end to end", () => {
  let out: string;
  let result: CliOutcome;
  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), "optimlab-lr-find-"));
    result = await cli(
      "lr-find",
      "--opt",
      "adam",
      "--opt",
      "sgd:momentum=0.9,label=Momentum",
      "--limit",
      "1024",
      "--batch-size",
      "64",
      "--num-iter",
      "60",
      "--out",
      out,
    );
  });
  afterAll(() => rm(out, { recursive: true, force: true }));

  it("prints each optimizer's suggestions and the compare command that uses them", () => {
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/optimizer\s+valley\s+steepest\s+minimum\/10\s+slide\s+steps/);
    expect(result.stdout).toMatch(/\nadam\s+\d\.\de-\d+\s+\d\.\de-\d+\s+\d\.\de-\d+\s+\d\.\de-\d+\s+\d+/);
    expect(result.stdout).toMatch(
      /optimlab compare --opt adam:lr=\d\.\de-\d+ --opt sgd:momentum=0\.9,lr=\d\.\de-\d+,label=Momentum\n/,
    );
    expect(result.stdout).toContain(`wrote lr-find.svg, lr-find.png, lr-find.csv to ${out}`);
  });

  it("writes the curves as CSV, one row per step, starting near ln 10", async () => {
    const lines = (await readFile(join(out, "lr-find.csv"), "utf8")).trim().split("\n");
    expect(lines[0]).toBe("run,label,step,lr,loss,smoothed");
    expect(lines[1]).toMatch(/^0,adam,0,1e-7,2\.\d+,2\.\d+$/);
    const steps = (run: number) => lines.filter((line) => line.startsWith(`${run},`)).length;
    expect(steps(0)).toBeGreaterThan(20);
    expect(steps(0)).toBeLessThanOrEqual(60);
    expect(steps(1)).toBeGreaterThan(20);
    expect(lines.length).toBe(1 + steps(0) + steps(1));
  });

  it("writes the figure as SVG and as a PNG at twice its size", async () => {
    const svg = await readFile(join(out, "lr-find.svg"), "utf8");
    expect(svg).toContain(">Learning-rate range test</text>");
    const png = await readFile(join(out, "lr-find.png"));
    expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
    const size = new Resvg(svg).render();
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([size.width * 2, size.height * 2]);
  });

  it("explains the method in --help and refuses bad flags", async () => {
    const help = await cli("lr-find", "--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: optimlab lr-find");
    expect(help.stdout).toContain("Leslie Smith's learning-rate range test");
    expect(await cli("lr-find", "--step-mode", "log")).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--step-mode must be exp or linear, got "log"'),
    });
    // A setting the range test refuses is a bad flag too.
    expect(await cli("lr-find", "--limit", "256", "--start-lr", "0", "--quiet")).toMatchObject({
      code: 2,
      stderr: "optimlab lr-find: lrFind: startLr must be a positive number, got 0\nSee: optimlab lr-find --help\n",
    });
  });
});

describe("CSV and --opt helpers", () => {
  it("writes shortest decimals, and a shell-quoted --opt when the label needs it", () => {
    const [adam] = syntheticResults();
    const [run, label, step, lr, loss, smoothed] = lrFindCsv([adam!]).split("\n")[1]!.split(",");
    expect([run, label, step, lr]).toEqual(["0", "adam", "0", "1e-7"]);
    expect(Math.fround(Number(loss))).toBe(adam!.losses[0]);
    expect(loss!.length).toBeLessThanOrEqual(10); // 2.3816597, not 2.381659746170044
    expect(Number(smoothed)).toBe(adam!.smoothed[0]);
    expect(optWithLr({ name: "adam", lr: 1e-3, betas: [0.9, 0.99] }, 3.16e-4)).toBe("adam:betas=0.9/0.99,lr=3.2e-4");
    expect(optWithLr({ name: "sgd", momentum: 0.9, label: "SGD (notebook)" }, 0.05)).toBe(
      "'sgd:momentum=0.9,lr=5.0e-2,label=SGD (notebook)'",
    );
  });
});
