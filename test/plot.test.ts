// Figures and report from fixed synthetic runs: SVG snapshots (as Observable Plot tests its marks),
// the diverged-run marker, smoothing, PNG output with a font that always draws, and the HTML report.
import { describe, expect, it } from "vitest";
import { epochPlot, lossPlot, schedulePlot, smoothEma, reportHtml, describeOptimizer } from "../dist/index.js";
import { uniqueLabels } from "../dist/plot/common.js";
import { nodeDocument, svgText, svgToPng } from "../dist/index.js";
import type { RunResult } from "../dist/types.js";

const STEPS_PER_EPOCH = 20;

/** Eight runs with smooth, fully determined losses; "rmsprop" diverges at step 37, "nadam" failed after 10 steps. */
function syntheticRuns(): RunResult[] {
  const names = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamax", "nadam"] as const;
  return names.map((name, k) => {
    const length = name === "rmsprop" ? 38 : name === "nadam" ? 10 : STEPS_PER_EPOCH * 3;
    const losses = Float32Array.from(
      { length },
      (_, step) => 2.3 * Math.exp(-step * 0.02 * (k + 1)) + 0.05 + 0.05 * ((step * 7 + k) % 5),
    );
    if (name === "rmsprop") losses[37] = Number.NaN;
    const epochs = [1, 2, 3]
      .filter((epoch) => epoch * STEPS_PER_EPOCH <= length)
      .map((epoch) => ({
        epoch,
        trainLoss: 1 / (epoch + k),
        evalLoss: 1.2 / (epoch + k),
        evalAccuracy: 0.7 + 0.05 * epoch + 0.01 * k,
        seconds: 0.5 + 0.1 * k,
      }));
    return {
      label: name,
      optimizer: {
        name: name === "momentum" || name === "nesterov" ? "sgd" : name,
        lr: 0.001,
        ...(name === "nesterov" ? { momentum: 0.9, nesterov: true } : {}),
      },
      seed: 0,
      losses,
      stepsPerEpoch: STEPS_PER_EPOCH,
      epochs,
      seconds: 2,
      ...(name === "rmsprop" ? { diverged: { step: 37, loss: Number.NaN } } : {}),
      ...(name === "nadam" ? { error: { name: "WorkerCrashed", message: "worker 1 exited <unexpectedly>" } } : {}),
    };
  });
}

describe("figures", () => {
  const document = nodeDocument();

  it("loss per step matches its snapshot", async () => {
    await expect(svgText(lossPlot(syntheticRuns(), { document }))).toMatchFileSnapshot("./__snapshots__/loss.svg");
  });

  it("per-epoch figure matches its snapshot", async () => {
    await expect(svgText(epochPlot(syntheticRuns(), { document }))).toMatchFileSnapshot("./__snapshots__/epochs.svg");
  });

  it("lr schedule figure matches its snapshot", async () => {
    const stepDecay = Array.from({ length: 60 }, (_, step) => 0.1 * 0.5 ** Math.floor(step / 20));
    const cosine = Array.from({ length: 60 }, (_, step) => 0.05 * (1 + Math.cos((Math.PI * step) / 60)));
    const svg = svgText(
      schedulePlot(
        [
          { label: "StepLR", lrs: stepDecay },
          { label: "CosineAnnealingLR", lrs: cosine },
        ],
        { document },
      ),
    );
    await expect(svg).toMatchFileSnapshot("./__snapshots__/schedule.svg");
  });

  it("draws the same SVG twice (no random ids)", () => {
    expect(svgText(lossPlot(syntheticRuns(), { document }))).toBe(svgText(lossPlot(syntheticRuns(), { document })));
  });

  it("has the notebook's title by default, another on request, none with null", () => {
    expect(lossPlot(syntheticRuns(), { document }).outerHTML).toContain(">Evolution of Optimizers</text>");
    expect(lossPlot(syntheticRuns(), { document, title: "Mine" }).outerHTML).toContain(">Mine</text>");
    expect(lossPlot(syntheticRuns(), { document, title: null }).outerHTML).not.toContain('aria-label="title"');
  });

  it("marks a diverged run with an × at its stopping step and says so in the legend", () => {
    const svg = lossPlot(syntheticRuns(), { document });
    const legend = [...svg.querySelectorAll('[aria-label="legend"] text')].map((text) => text.textContent);
    expect(legend).toEqual([
      "sgd",
      "momentum",
      "nesterov",
      "adagrad",
      "rmsprop (diverged at step 37)",
      "adam",
      "adamax",
      "nadam (failed)",
    ]);
    const markers = svg.querySelectorAll('[aria-label="dot"] path');
    expect(markers.length).toBe(1);
    expect(markers[0].getAttribute("stroke")).toBe("#59a14f"); // rmsprop's colour, the fifth of the palette
    expect(svg.outerHTML).toContain(">diverged</text>");
  });

  it("draws one raw and one smoothed line per run, and only raw lines without smoothing", () => {
    const runs = syntheticRuns();
    expect(lossPlot(runs, { document }).querySelectorAll('[aria-label="line"] path').length).toBe(2 * runs.length);
    expect(lossPlot(runs, { document, smoothing: 0 }).querySelectorAll('[aria-label="line"] path').length).toBe(
      runs.length,
    );
    expect(() => lossPlot(runs, { document, smoothing: 1 })).toThrow("smoothing must be in [0, 1), got 1");
  });

  it("smooths with a bias-corrected EMA that skips non-finite losses", () => {
    for (const value of smoothEma([3, 3, 3], 0.9)) expect(value).toBeCloseTo(3, 12); // a constant stays put from step 0
    const [first, second, third] = smoothEma([2, 0, Number.NaN], 0.5);
    expect(first).toBe(2);
    expect(second).toBeCloseTo(2 / 3, 12); // (0.5·1 + 0.5·0) / 0.75
    expect(third).toBeCloseTo(2 / 3, 12);
  });

  it("keeps repeated labels apart", () => {
    const [a, b] = syntheticRuns();
    expect(uniqueLabels([a, { ...b, label: "sgd" }, { ...b, label: "sgd" }])).toEqual(["sgd", "sgd #2", "sgd #3"]);
  });
});

describe("PNG", () => {
  const pngSize = (png: Uint8Array) => {
    const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
    return { width: view.getUint32(16), height: view.getUint32(20) };
  };

  it("renders a figure at twice its size as a PNG", () => {
    const png = svgToPng(svgText(lossPlot(syntheticRuns(), { document: nodeDocument() })));
    expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(String.fromCharCode(...png.subarray(12, 16))).toBe("IHDR");
    expect(pngSize(png)).toEqual({ width: 1520, height: 840 });
  });

  it("draws text with the bundled DejaVu font (system fonts are not loaded)", () => {
    const blank = svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="120" height="30"></svg>', { scale: 1 });
    const withText = svgToPng(
      '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="30"><text x="4" y="20" font-family="system-ui, sans-serif">Adam 0.123</text></svg>',
      { scale: 1 },
    );
    expect(Buffer.from(withText).equals(Buffer.from(blank))).toBe(false);
  });
});

describe("HTML report", () => {
  const info = {
    source: "embedded MNIST sample",
    trainCount: 8000,
    testCount: 2000,
    layers: [784, 100, 100, 10],
    epochs: 3,
    batchSize: 256,
    seed: 7,
    versions: { optimlab: "0.1.0", node: "v20.0.0" },
    date: "2025-01-02T03:04:05.000Z",
  };

  it("is one self-contained page with inline figures and a row per run", () => {
    const html = reportHtml(syntheticRuns(), info, { document: nodeDocument() });
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html.match(/<svg /g)?.length).toBeGreaterThanOrEqual(2);
    expect(html).toContain(">Evolution of Optimizers</text>");
    expect(html).not.toMatch(/<script|<link|src=|@import|url\(/);
    expect(html.match(/<tr>/g)?.length).toBe(1 + 8);
    expect(html).toContain("diverged at step 37 (loss NaN)");
    expect(html).toContain("WorkerCrashed: worker 1 exited &lt;unexpectedly&gt;");
    expect(html).toContain("<dt>data</dt><dd>embedded MNIST sample; 8000 training rows; 2000 held-out rows</dd>");
    expect(html).toContain("seed 7");
    expect(html).toContain("optimlab 0.1.0, node v20.0.0");
    expect(html).toContain("2025-01-02T03:04:05.000Z");
  });

  it("reports final train loss as the mean of the last epoch, held-out numbers and seconds per epoch", () => {
    const [sgd] = syntheticRuns();
    const html = reportHtml([sgd], info, { figures: [] });
    // sgd (k = 0): last epoch 3 → train 1/3, held-out 1.2/3, accuracy 0.85, 0.5 s per epoch
    expect(html).toContain(
      '<td class="number">0.3333</td>\n<td class="number">0.4000</td>\n<td class="number">85.00%</td>\n<td class="number">0.500</td>',
    );
  });

  it("describes an optimizer with its options", () => {
    expect(describeOptimizer({ name: "adam", lr: 3e-4, betas: [0.9, 0.99] })).toBe("adam lr=0.0003, betas=0.9/0.99");
    expect(describeOptimizer({ name: "sgd", label: "Nesterov", lr: 0.001, momentum: 0.9, nesterov: true })).toBe(
      "sgd lr=0.001, momentum=0.9, nesterov=true",
    );
  });
});
