// Statistics over seed replicates and the figures and tables built on them, as pure functions of fixed synthetic
// results (no workers): quantiles, bands, Welch's t against scipy's numbers (test/fixtures/welch-scipy.json), the
// seeds table, the median-and-band loss figure, and the sensitivity figure (SVG snapshot).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  epochPlot,
  lossBands,
  lossPlot,
  median,
  nodeDocument,
  quantile,
  replicateBand,
  reportHtml,
  sampleSd,
  seedSummaries,
  sensitivityPlot,
  studentTwoSidedP,
  svgText,
  tuningCurves,
  welchTTest,
} from "../dist/index.js";
import { lossesCsv, lossesJsonl, summaryTable, tuningCsv } from "../dist/cli/output.js";
import type { RunResult } from "../dist/types.js";

const scipy = JSON.parse(readFileSync(new URL("./fixtures/welch-scipy.json", import.meta.url), "utf8")) as {
  welch: { a: number[]; b: number[]; t: number; df: number; p: number }[];
  studentTwoSided: { t: number; df: number; p: number }[];
};

const STEPS_PER_EPOCH = 10;

/**
 * Three optimizers × three seeds: "fast" and "slow" differ clearly, "fast twin" differs from "fast" by less than the
 * seed-to-seed spread; every loss is a fixed function of (optimizer, seed, step).
 */
function seededRuns(): RunResult[] {
  const optimizers = [
    { label: "fast", rate: 0.08, offset: 0 },
    { label: "fast twin", rate: 0.078, offset: 0.004 },
    { label: "slow", rate: 0.02, offset: 0.3 },
  ];
  return optimizers.flatMap((optimizer, optimizerIndex) =>
    [0, 1, 2].map((k) => {
      const wobble = (step: number) => 0.03 * Math.sin(step * 1.7 + k * 2.1 + optimizerIndex);
      const losses = Float32Array.from(
        { length: 3 * STEPS_PER_EPOCH },
        (_, step) => 2.3 * Math.exp(-optimizer.rate * step) + 0.1 + optimizer.offset + wobble(step) + 0.01 * k,
      );
      const epochs = [1, 2, 3].map((epoch) => ({
        epoch,
        trainLoss: 1 / epoch + optimizer.offset + 0.01 * k,
        evalLoss: 1.1 / epoch + optimizer.offset + [0.012, -0.008, 0.003][k]! * (optimizerIndex + 1),
        evalAccuracy: 0.8 + 0.04 * epoch - optimizer.offset / 2 + 0.002 * k,
        seconds: 0.1,
      }));
      return {
        label: optimizer.label,
        optimizer: { name: "adam", lr: 1e-3 * (k + 1) },
        seed: 10 + k,
        optimizerIndex,
        losses,
        stepsPerEpoch: STEPS_PER_EPOCH,
        epochs,
        seconds: 1,
        lrChoice: { method: "auto" as const, rule: "valley" as const, lr: 1e-3 * (k + 1) },
      };
    }),
  );
}

describe("order statistics", () => {
  it("take numpy's linear-interpolation quantiles and the n − 1 standard deviation", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 0.25)).toBe(1.75); // numpy.quantile([1,2,3,4], 0.25)
    expect(quantile([1, 2, 3, 4], 0.75)).toBe(3.25);
    expect(sampleSd([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(Math.sqrt(32 / 7), 14);
    expect(sampleSd([1])).toBeNaN();
  });

  it("band curves of different lengths step by step, skipping non-finite values", () => {
    const band = replicateBand([
      [1, 5, 3],
      [2, Number.NaN],
      [3, 4, 1, 9],
    ]);
    expect(Array.from(band.median)).toEqual([2, 4.5, 2, 9]);
    expect(Array.from(band.low)).toEqual([1, 4, 1, 9]);
    expect(Array.from(band.high)).toEqual([3, 5, 3, 9]);
    const iqr = replicateBand([[1], [2], [3], [4]], "iqr");
    expect([iqr.low[0], iqr.median[0], iqr.high[0]]).toEqual([1.75, 2.5, 3.25]);
  });
});

describe("Welch's t-test", () => {
  it.each(scipy.welch)("matches scipy's ttest_ind(equal_var=False) for %#", ({ a, b, t, df, p }) => {
    const result = welchTTest(a, b);
    expect(result.t).toBeCloseTo(t, 10);
    expect(result.df).toBeCloseTo(df, 10);
    expect(Math.abs(result.p - p)).toBeLessThan(1e-12);
  });

  it.each(scipy.studentTwoSided)("gives Student's two-sided p-value at t = $t, df = $df", ({ t, df, p }) => {
    expect(Math.abs(studentTwoSidedP(t, df) - p) / p).toBeLessThan(1e-9);
  });

  it("treats samples without spread as the test's limit, and too few values as no test", () => {
    expect(welchTTest([1, 1], [1, 1]).p).toBe(1);
    expect(welchTTest([1, 1], [2, 2]).p).toBe(0);
    expect(welchTTest([1], [2, 3]).p).toBeNaN();
  });
});

describe("seeds table", () => {
  it("gives mean ± sd per optimizer, ranks by mean final held-out loss and marks pairs Welch's t cannot tell apart", () => {
    const runs = seededRuns();
    const summaries = seedSummaries(runs);
    expect(summaries.map((summary) => summary.label)).toEqual(["fast", "fast twin", "slow"]);
    expect(summaries.map((summary) => summary.seeds)).toEqual([
      [10, 11, 12],
      [10, 11, 12],
      [10, 11, 12],
    ]);
    for (const [g, summary] of summaries.entries()) {
      const finals = runs.filter((run) => run.optimizerIndex === g).map((run) => run.epochs.at(-1)!.evalLoss!);
      expect(summary.evalLoss.mean).toBeCloseTo(finals.reduce((a, b) => a + b) / 3, 12);
      expect(summary.evalLoss.sd).toBeCloseTo(sampleSd(finals), 12);
      expect(summary.evalLoss.n).toBe(3);
    }
    const byLabel = Object.fromEntries(summaries.map((summary) => [summary.label, summary]));
    expect([byLabel.fast!.rank, byLabel["fast twin"]!.rank, byLabel.slow!.rank]).toEqual([1, 2, 3]);
    // fast vs fast twin: means 0.004 apart against a seed spread of about 0.01 → not significant; slow is 0.3 away.
    expect(byLabel.fast!.notDifferentFrom).toEqual([2]);
    expect(byLabel["fast twin"]!.notDifferentFrom).toEqual([1]);
    expect(byLabel.slow!.notDifferentFrom).toEqual([]);
    const table = summaryTable(runs);
    expect(table).toContain("Welch's t-test, two-sided, 5% level");
    expect(table.split("\n")[2]).toMatch(/^ +1 +fast lr=auto → 1\.0e-3…3\.0e-3 \(valley\) +0\.3\d+ ± 0\.0\d+/);
  });

  it("leaves a replicate that diverged out of the means and counts it", () => {
    const runs = seededRuns();
    runs[1] = { ...runs[1]!, diverged: { step: 12, loss: Number.NaN }, epochs: runs[1]!.epochs.slice(0, 1) };
    const [fast] = seedSummaries(runs);
    expect(fast!.evalLoss.n).toBe(2);
  });

  it("puts the seed, the chosen lr and its rule in every CSV and JSONL row", () => {
    const runs = seededRuns();
    const csv = lossesCsv(runs).split("\n");
    expect(csv[0]).toBe("run,label,seed,lr,lr_rule,step,loss");
    expect(csv[1]).toMatch(/^0,fast,10,0\.001,valley,0,/);
    expect(csv[1 + 30]).toMatch(/^1,fast,11,0\.002,valley,0,/);
    const first = JSON.parse(lossesJsonl(runs).split("\n")[0]!);
    expect(first).toMatchObject({ run: 0, label: "fast", seed: 10, lr: 0.001, lr_rule: "valley", step: 0 });
  });
});

describe("median and band figures", () => {
  const document = nodeDocument();

  it("every replicate's drawn curve lies inside its optimizer's band, and the median inside too", () => {
    const runs = seededRuns();
    for (const kind of ["minmax", "iqr"] as const) {
      for (const band of lossBands(runs, { band: kind })) {
        expect(band.replicates.length).toBe(3);
        for (let step = 0; step < band.median.length; step++) {
          expect(band.low[step]).toBeLessThanOrEqual(band.median[step]!);
          expect(band.median[step]).toBeLessThanOrEqual(band.high[step]!);
          if (kind === "minmax") {
            for (const curve of band.replicates) {
              expect(curve[step]).toBeGreaterThanOrEqual(band.low[step]!);
              expect(curve[step]).toBeLessThanOrEqual(band.high[step]!);
            }
          }
        }
      }
    }
  });

  it("draws one band and one median line per optimizer, and says in the legend what the band is", () => {
    const svg = lossPlot(seededRuns(), { document });
    expect(svg.querySelectorAll('[aria-label="area"] path').length).toBe(3);
    expect(svg.querySelectorAll('[aria-label="line"] path').length).toBe(3);
    const legend = [...svg.querySelectorAll('[aria-label="legend"] text')].map((text) => text.textContent);
    expect(legend).toEqual([
      "fast lr=auto → 1.0e-3…3.0e-3 (valley)",
      "fast twin lr=auto → 1.0e-3…3.0e-3 (valley)",
      "slow lr=auto → 1.0e-3…3.0e-3 (valley)",
      "line: median of 3 seeds",
      "band: min–max over seeds",
    ]);
    const iqr = lossPlot(seededRuns(), { document, band: "iqr" });
    expect(iqr.outerHTML).toContain("band: interquartile range over seeds");
  });

  it("draws per-epoch medians over bands", () => {
    const svg = epochPlot(seededRuns(), { document });
    expect(svg.querySelectorAll('[aria-label="area"] path').length).toBe(2 * 3); // loss and accuracy panels
    expect(svg.outerHTML).toContain("median of 3 seeds");
  });

  it("report has the seeds table, naming the test, and a row per run with its seed", () => {
    const html = reportHtml(
      seededRuns(),
      {
        source: "synthetic",
        layers: [4, 3],
        epochs: 3,
        batchSize: 8,
        seed: 10,
        seeds: 3,
        versions: {},
        date: "2025-01-01T00:00:00.000Z",
        command: "optimlab compare --seeds 3",
        configuration: { seeds: 3 },
      },
      { document, figures: [] },
    );
    expect(html).toContain("<h2>Over seeds</h2>");
    expect(html).toContain("Welch&#39;s t-test, two-sided, 5% level");
    expect(html).toContain("seeds 10…12 (3 per optimizer");
    expect(html).toContain("<pre><code>optimlab compare --seeds 3</code></pre>");
    expect(html).toContain('<pre id="configuration"><code>{\n  &quot;seeds&quot;: 3\n}</code></pre>');
    expect(html.match(/<td class="number">1[012]<\/td>/g)?.length).toBe(9);
  });
});

describe("sensitivity figure", () => {
  const document = nodeDocument();
  const curves = [
    {
      label: "sgd",
      points: [1e-4, 1e-3, 1e-2, 1e-1, 1].map((lr, i) => ({ lr, loss: [2.2, 1.6, 0.6, 0.35, Number.NaN][i]! })),
      chosen: 1e-1,
    },
    {
      label: "adam",
      points: [1e-4, 1e-3, 1e-2, 1e-1, 1].map((lr, i) => ({ lr, loss: [0.6, 0.3, 0.45, Number.NaN, Number.NaN][i]! })),
      chosen: 1e-3,
    },
  ];

  it("matches its snapshot", async () => {
    await expect(svgText(sensitivityPlot(curves, { document }))).toMatchFileSnapshot("./__snapshots__/sensitivity.svg");
  });

  it("rings the lr kept and marks diverged points with ×", () => {
    const svg = sensitivityPlot(curves, { document });
    expect([...svg.querySelectorAll('[aria-label="text"] text')].map((text) => text.textContent)).toEqual([
      "1.0e-1",
      "1.0e-3",
    ]);
    const dots = [...svg.querySelectorAll('[aria-label="dot"]')];
    expect(dots.at(-1)!.querySelectorAll("path").length).toBe(3); // three diverged points
  });

  it("comes from a tuned comparison's runs, one curve per optimizer, and the grid goes to tuning.csv", () => {
    const tuning = {
      by: "held-out loss" as const,
      chosenLr: 0.01,
      points: [
        { lr: 0.001, loss: 0.5, evalAccuracy: 0.8, trainLoss: 0.45, outcome: "ok" },
        { lr: 0.01, loss: 0.3, evalAccuracy: 0.9, trainLoss: 0.25, outcome: "ok" },
        { lr: 0.1, loss: Number.NaN, outcome: "diverged at step 3" },
      ],
    };
    const runs = seededRuns()
      .slice(0, 2)
      .map((run) => ({ ...run, tuning }));
    expect(tuningCurves(runs)).toEqual([
      { label: "fast", points: tuning.points.map(({ lr, loss }) => ({ lr, loss })), chosen: 0.01 },
    ]);
    expect(tuningCsv(runs)!.split("\n")).toEqual([
      "optimizer,label,lr,loss_by,loss,held_out_accuracy,train_loss,outcome,kept",
      "0,fast,0.001,held-out loss,0.5,0.8,0.45,ok,false",
      "0,fast,0.01,held-out loss,0.3,0.9,0.25,ok,true",
      "0,fast,0.1,held-out loss,,,,diverged at step 3,false",
      "",
    ]);
  });
});
