// A self-contained HTML report of a comparison: one file with the figures as inline SVG, a table of the
// runs, and where the numbers came from (data, seed, versions, date). No scripts, no network.
import { hasReplicates, rankingMetric, seedSummaries, SIGNIFICANCE_TEST } from "../stats.js";
import type { RunResult } from "../types.js";
import { formatLr, lrChoiceText, runColor, runLabels } from "./common.js";
import { epochPlot } from "./epochs.js";
import { lossPlot } from "./loss.js";
import { schedulePlot } from "./schedule.js";
import { sensitivityPlot, tuningCurves } from "./sensitivity.js";
import {
  describeRun,
  finalTrainLoss,
  formatMeanSd,
  formatNumber,
  formatPercent,
  runOutcome,
  secondsPerEpoch,
} from "./text.js";

export {
  describeOptimizer,
  describeRun,
  finalTrainLoss,
  formatMeanSd,
  formatNumber,
  formatPercent,
  runOutcome,
  secondsPerEpoch,
} from "./text.js";

/** How the runs of a comparison were made: the same data, network, training and seed for every run. */
export interface RunSetup {
  /** Where the data came from, e.g. "embedded MNIST sample" or a file path. */
  source: string;
  trainCount?: number;
  testCount?: number;
  /** The problem of the registry the runs trained on, when one was named. */
  problem?: string;
  /** The MLP's widths, or `model` for any other model. */
  layers?: readonly number[];
  /** The model in one line (a named problem, a layer-list file), when it is not the MLP of `layers`. */
  model?: string;
  /** How each step treated its gradients, in one line (e.g. "clip_grad_norm_ 1; non-finite steps: skip"). */
  steps?: string;
  epochs: number;
  batchSize: number;
  seed: number;
  /** Seeds per optimizer (seed, seed + 1, …). Default 1. */
  seeds?: number;
  /** The range-test settings of lr "auto", as `--lr-find` takes them (e.g. "startLr=1e-3,smoothF=0.1"). */
  lrFind?: string;
  /** The tuning grid, described in one line (e.g. "7 lrs from 1e-5 to 1, log-spaced"). */
  tune?: string;
  /** The lr schedule every run used, described in one line (e.g. "onecycle max_lr=0.01, total_steps=96"). */
  schedule?: string;
}

/** What the report says about how the runs were made: a comparison's shared setup, or lines of its own (a sweep's runs differ in them). */
export type ReportInfo = (RunSetup | { facts: readonly (readonly [name: string, value: string])[] }) & {
  /** Heading of the page. Default "optimlab: optimizer comparison". */
  title?: string;
  /** e.g. { optimlab: "0.1.0", node: "v20.20.2" }. */
  versions: Record<string, string>;
  /** When the runs were made (ISO 8601); passed in so the same runs give the same file. */
  date: string;
  /** The command line that re-runs this comparison, shown in the report. */
  command?: string;
  /** The whole configuration as plain data (what the demo's URL holds), embedded as JSON. */
  configuration?: unknown;
};

/** A figure already serialized as SVG text, with its caption. */
export interface ReportFigure {
  caption: string;
  svg: string;
}

export interface ReportOptions {
  /** The DOM the default figures are drawn with (linkedom's in Node); the page's by default. */
  document?: Document;
  /** Figures to show instead of the default loss-per-step and per-epoch figures. */
  figures?: readonly ReportFigure[];
  /** Colours of the runs (as given to the figures), for the table's swatches. */
  colors?: readonly string[];
}

/** Caption of the sensitivity figure. */
export const SENSITIVITY_CAPTION =
  "Final loss against the learning rate for every optimizer's tuning grid (first seed); the ring marks the lr kept, × a run that diverged.";

/** Caption of the lr-per-step figure. */
export const LR_CAPTION = "Learning rate in force at each step under the schedule (first param group).";

/** The lr per step of every run that recorded one (runs with a schedule), as an SVG element; undefined when none did. */
export function lrFigure(
  runs: readonly RunResult[],
  options: { document?: Document; colors?: readonly string[] } = {},
): SVGSVGElement | undefined {
  // One curve per optimizer: its first seed's.
  const { labels, groups } = runLabels(runs);
  const firsts = runs.flatMap((run, r) =>
    groups.indexOf(groups[r]!) === r ? [{ run, label: labels[r]!, g: groups[r]! }] : [],
  );
  const curves = firsts.flatMap(({ run, label }) => (run.lrs ? [{ label, lrs: run.lrs }] : []));
  if (curves.length === 0) return undefined;
  const title = "Learning rate per step";
  // Schedules that set absolute lrs (OneCycleLR, CyclicLR) give every run the same curve: draw it once.
  const same = (a: Float32Array, b: Float32Array) =>
    a.length === b.length && a.every((lr, step) => Object.is(lr, b[step]));
  if (curves.length > 1 && curves.every((curve) => same(curve.lrs, curves[0]!.lrs))) {
    return schedulePlot([{ label: "every run", lrs: curves[0]!.lrs }], {
      document: options.document,
      colors: ["#222"],
      title: `${title} (the same for every run)`,
    });
  }
  const colors = firsts.flatMap(({ run, g }) => (run.lrs ? [runColor(g, options.colors)] : []));
  return schedulePlot(curves, { document: options.document, colors, title });
}

function lrFigures(runs: readonly RunResult[], options: ReportOptions): ReportFigure[] {
  const figure = lrFigure(runs, options);
  return figure ? [{ caption: LR_CAPTION, svg: figure.outerHTML }] : [];
}

function sensitivityFigures(runs: readonly RunResult[], options: ReportOptions): ReportFigure[] {
  const figure = sensitivityFigure(runs, options);
  return figure ? [{ caption: SENSITIVITY_CAPTION, svg: figure.outerHTML }] : [];
}

/** The sensitivity figure of a tuned comparison, or nothing. */
export function sensitivityFigure(
  runs: readonly RunResult[],
  options: { document?: Document; colors?: readonly string[] } = {},
): SVGSVGElement | undefined {
  const curves = tuningCurves(runs);
  if (curves.length === 0) return undefined;
  const by = runs.find((run) => run.tuning)!.tuning!.by;
  return sensitivityPlot(curves, { document: options.document, colors: options.colors, lossLabel: `final ${by}` });
}

/** Percent with two decimals for fractions, as the tables write accuracy. */
function percentOf(value: number | undefined): string {
  return formatPercent(value);
}

/** The seeds table (mean ± sd over each optimizer's seeds, rank, ties by Welch's t) as HTML rows, or "" without replicates. */
function seedsSection(runs: readonly RunResult[], colors: readonly string[] | undefined): string {
  if (!hasReplicates(runs)) return "";
  const summaries = seedSummaries(runs);
  const metric = rankingMetric(runs);
  const rows = [...summaries]
    .sort((a, b) => a.rank - b.rank)
    .map((summary) => {
      const group = runs.filter((run, r) => (run.optimizerIndex ?? r) === summary.optimizerIndex);
      const g = summaries.indexOf(summary);
      return `<tr>
<td class="number">${summary.rank}</td>
<td><span class="swatch" style="background:${runColor(g, colors)}"></span>${escapeHtml(summary.label + lrChoiceText(group))}</td>
<td class="number">${formatMeanSd(summary.evalLoss)}</td>
<td class="number">${formatMeanSd(summary.evalAccuracy, percentOf)}</td>
<td class="number">${formatMeanSd(summary.trainLoss)}</td>
<td class="number">${summary.evalLoss.n || summary.trainLoss.n} of ${summary.seeds.length}</td>
<td>${summary.notDifferentFrom.length === 0 ? "–" : summary.notDifferentFrom.join(", ")}</td>
</tr>`;
    });
  return `<h2>Over seeds</h2>
<p>Mean ± sample standard deviation of the final values over each optimizer's seeds; ranked by mean final ${escapeHtml(metric)}.
The last column lists the ranks whose final ${escapeHtml(metric)} is <em>not</em> significantly different (${escapeHtml(SIGNIFICANCE_TEST)}).</p>
<table>
<thead><tr><th>rank</th><th>optimizer</th><th>held-out loss</th><th>held-out accuracy</th><th>final train loss</th><th>finished</th><th>not significantly different from</th></tr></thead>
<tbody>
${rows.join("\n")}
</tbody>
</table>`;
}

/** The tuning grid of every optimizer as an HTML table, or "" without tuning. */
function tuningSection(runs: readonly RunResult[]): string {
  const { labels } = runLabels(runs);
  const seen = new Set<number>();
  const rows: string[] = [];
  runs.forEach((run, r) => {
    const key = run.optimizerIndex ?? r;
    if (!run.tuning || seen.has(key)) return;
    seen.add(key);
    for (const point of run.tuning.points) {
      const chosen = point.lr === run.tuning.chosenLr;
      rows.push(`<tr${chosen ? ' class="chosen"' : ""}>
<td>${escapeHtml(labels[r]!)}</td>
<td class="number">${formatLr(point.lr)}</td>
<td class="number">${formatNumber(point.loss)}</td>
<td class="number">${percentOf(point.evalAccuracy)}</td>
<td${point.outcome === "ok" ? "" : ' class="bad"'}>${escapeHtml(point.outcome)}${chosen ? " — kept" : ""}</td>
</tr>`);
    }
  });
  if (rows.length === 0) return "";
  const by = runs.find((run) => run.tuning)!.tuning!.by;
  return `<h2>Tuning grid</h2>
<p>Every lr tried (first seed); each optimizer keeps the lr of its lowest final ${escapeHtml(by)}.</p>
<table>
<thead><tr><th>optimizer</th><th>lr</th><th>final ${escapeHtml(by)}</th><th>held-out accuracy</th><th>outcome</th></tr></thead>
<tbody>
${rows.join("\n")}
</tbody>
</table>`;
}

const escapes: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => escapes[character]);
}

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; color: #222; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: 0.25rem; }
figure { margin: 1.5rem 0; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: #555; font-size: 0.9rem; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid #ddd; padding: 0.35rem 0.6rem; text-align: left; vertical-align: top; }
td.number { text-align: right; }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; border-radius: 2px; margin-right: 0.4em; }
.bad { color: #b3261e; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }
dt { color: #555; }
tr.chosen td { font-weight: 600; }
pre { background: #f6f6f6; padding: 0.6rem; overflow-x: auto; }
dd { margin: 0; }
`;

/** The data, model and training lines of a comparison's setup. */
function setupFacts(setup: RunSetup): [string, string][] {
  const sizes = [
    setup.trainCount === undefined ? "" : `${setup.trainCount} training rows`,
    setup.testCount === undefined ? "" : `${setup.testCount} held-out rows`,
  ].filter(Boolean);
  return [
    ...(setup.problem === undefined ? [] : [["problem", setup.problem] as [string, string]]),
    ["data", [setup.source, ...sizes].join("; ")],
    ["model", setup.model ?? `MLP ${(setup.layers ?? []).join("-")} (Linear + ReLU, log_softmax + NLL)`],
    ...(setup.steps === undefined ? [] : [["steps", setup.steps] as [string, string]]),
    [
      "training",
      `${setup.epochs} epoch${setup.epochs === 1 ? "" : "s"}, batch size ${setup.batchSize}, ` +
        ((setup.seeds ?? 1) > 1
          ? `seeds ${setup.seed}…${setup.seed + setup.seeds! - 1} (${setup.seeds} per optimizer; within a seed, the same initial weights and batch order for every run)`
          : `seed ${setup.seed} (same initial weights and batch order for every run)`),
    ],
    ...(setup.lrFind === undefined
      ? []
      : [["lr auto", `range test of each optimizer before its run: ${setup.lrFind}`] as [string, string]]),
    ...(setup.tune === undefined ? [] : [["lr tuning", setup.tune] as [string, string]]),
    ...(setup.schedule === undefined
      ? []
      : [
          ["lr schedule", `${setup.schedule} (over each optimizer's lr, stepped after every step)`] as [string, string],
        ]),
  ];
}

/** The report as one HTML document (a string). */
export function reportHtml(runs: readonly RunResult[], info: ReportInfo, options: ReportOptions = {}): string {
  const figures = options.figures ?? [
    {
      caption:
        "Training loss per step (log scale): faint lines are the raw batch losses, solid lines their moving average.",
      svg: lossPlot(runs, { document: options.document, colors: options.colors }).outerHTML,
    },
    {
      caption: "Per epoch: held-out loss (solid) and mean training loss (dashed); held-out accuracy.",
      svg: epochPlot(runs, { document: options.document, colors: options.colors }).outerHTML,
    },
    ...lrFigures(runs, options),
    ...sensitivityFigures(runs, options),
  ];
  const { labels, groups } = runLabels(runs);
  const seeded = hasReplicates(runs);
  const rows = runs.map((run, r) => {
    const last = run.epochs.at(-1);
    const outcome = runOutcome(run);
    return `<tr>
<td><span class="swatch" style="background:${runColor(groups[r]!, options.colors)}"></span>${escapeHtml(labels[r]!)}</td>
${seeded ? `<td class="number">${run.seed}</td>\n` : ""}<td><code>${escapeHtml(describeRun(run))}</code></td>
<td class="number">${formatNumber(finalTrainLoss(run))}</td>
<td class="number">${formatNumber(last?.evalLoss)}</td>
<td class="number">${formatPercent(last?.evalAccuracy)}</td>
<td class="number">${formatNumber(secondsPerEpoch(run), 3)}</td>
<td${outcome === "ok" ? "" : ' class="bad"'}>${escapeHtml(outcome)}</td>
</tr>`;
  });
  // Set on the runs only when precision "fast" was asked for: which build ran.
  const precision = runs.find((run) => run.precision !== undefined)?.precision;
  const facts: (readonly [string, string])[] = [
    ...("facts" in info ? info.facts : setupFacts(info)),
    ...(precision === undefined
      ? []
      : [
          [
            "precision",
            precision === "fast"
              ? "fast: the relaxed-SIMD build (fused multiply-adds; the last bits differ between machines)"
              : "default: fast was asked for, but this engine cannot run relaxed SIMD",
          ] as const,
        ]),
    [
      "versions",
      Object.entries(info.versions)
        .map(([name, version]) => `${name} ${version}`)
        .join(", "),
    ],
    ["date", info.date],
  ];
  const title = info.title ?? "optimlab: optimizer comparison";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<dl>
${facts.map(([name, value]) => `<dt>${name}</dt><dd>${escapeHtml(value)}</dd>`).join("\n")}
</dl>
${figures.map((figure) => `<figure>\n${figure.svg}\n<figcaption>${escapeHtml(figure.caption)}</figcaption>\n</figure>`).join("\n")}
${info.command === undefined ? "" : `<h2>Re-run</h2>\n<pre><code>${escapeHtml(info.command)}</code></pre>`}
${seedsSection(runs, options.colors)}
<h2>Runs</h2>
<table>
<thead><tr><th>run</th>${seeded ? "<th>seed</th>" : ""}<th>optimizer and options</th><th>final train loss<br><small>(mean of last epoch)</small></th><th>held-out loss</th><th>held-out accuracy</th><th>seconds per epoch</th><th>outcome</th></tr></thead>
<tbody>
${rows.join("\n")}
</tbody>
</table>
${tuningSection(runs)}
${
  info.configuration === undefined
    ? ""
    : `<h2>Configuration</h2>\n<pre id="configuration"><code>${escapeHtml(JSON.stringify(info.configuration, null, 2))}</code></pre>`
}
</body>
</html>
`;
}
