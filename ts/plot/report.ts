// A self-contained HTML report of a comparison: one file with the figures as inline SVG, a table of the
// runs, and where the numbers came from (data, seed, versions, date). No scripts, no network.
import type { OptimizerSpec, RunResult } from "../types.js";
import { runColor, uniqueLabels } from "./common.js";
import { epochPlot } from "./epochs.js";
import { lossPlot } from "./loss.js";
import { schedulePlot } from "./schedule.js";

/** How the runs of a comparison were made: the same data, network, training and seed for every run. */
export interface RunSetup {
  /** Where the data came from, e.g. "embedded MNIST sample" or a file path. */
  source: string;
  trainCount?: number;
  testCount?: number;
  layers: readonly number[];
  epochs: number;
  batchSize: number;
  seed: number;
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

/** An optimizer and its options as one line: "adam lr=0.001, betas=0.9/0.999". */
export function describeOptimizer(spec: OptimizerSpec): string {
  const options = Object.entries(spec)
    .filter(([key, value]) => key !== "name" && key !== "label" && value !== undefined)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join("/") : String(value)}`);
  return options.length > 0 ? `${spec.name} ${options.join(", ")}` : spec.name;
}

/** Caption of the lr-per-step figure. */
export const LR_CAPTION = "Learning rate in force at each step under the schedule (first param group).";

/** The lr per step of every run that recorded one (runs with a schedule), as an SVG element; undefined when none did. */
export function lrFigure(
  runs: readonly RunResult[],
  options: { document?: Document; colors?: readonly string[] } = {},
): SVGSVGElement | undefined {
  const labels = uniqueLabels(runs);
  const curves = runs.flatMap((run, r) => (run.lrs ? [{ label: labels[r], lrs: run.lrs }] : []));
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
  const colors = runs.flatMap((run, r) => (run.lrs ? [runColor(r, options.colors)] : []));
  return schedulePlot(curves, { document: options.document, colors, title });
}

/** The mean training loss of the run's last epoch, the number the report calls "final train loss". */
export function finalTrainLoss(run: RunResult): number | undefined {
  return run.epochs.at(-1)?.trainLoss;
}

/** Mean wall-clock seconds per epoch. */
export function secondsPerEpoch(run: RunResult): number | undefined {
  if (run.epochs.length === 0) return undefined;
  return run.epochs.reduce((sum, epoch) => sum + epoch.seconds, 0) / run.epochs.length;
}

/** How the run ended, in words: "ok", "diverged at step N (loss NaN)", or the error. */
export function runOutcome(run: RunResult): string {
  if (run.error) return `${run.error.name}: ${run.error.message}`;
  if (run.diverged) return `diverged at step ${run.diverged.step} (loss ${run.diverged.loss})`;
  return "ok";
}

export function formatNumber(value: number | undefined, digits = 4): string {
  if (value === undefined || Number.isNaN(value)) return "–";
  return Number.isFinite(value) ? value.toPrecision(digits) : String(value);
}

export function formatPercent(fraction: number | undefined): string {
  return fraction === undefined || !Number.isFinite(fraction) ? "–" : `${(fraction * 100).toFixed(2)}%`;
}

function lrFigures(runs: readonly RunResult[], options: ReportOptions): ReportFigure[] {
  const figure = lrFigure(runs, options);
  return figure ? [{ caption: LR_CAPTION, svg: figure.outerHTML }] : [];
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
dd { margin: 0; }
`;

/** The data, model and training lines of a comparison's setup. */
function setupFacts(setup: RunSetup): [string, string][] {
  const sizes = [
    setup.trainCount === undefined ? "" : `${setup.trainCount} training rows`,
    setup.testCount === undefined ? "" : `${setup.testCount} held-out rows`,
  ].filter(Boolean);
  return [
    ["data", [setup.source, ...sizes].join("; ")],
    ["model", `MLP ${setup.layers.join("-")} (Linear + ReLU, log_softmax + NLL)`],
    [
      "training",
      `${setup.epochs} epoch${setup.epochs === 1 ? "" : "s"}, batch size ${setup.batchSize}, seed ${setup.seed} (same initial weights and batch order for every run)`,
    ],
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
  ];
  const labels = uniqueLabels(runs);
  const rows = runs.map((run, r) => {
    const last = run.epochs.at(-1);
    const outcome = runOutcome(run);
    return `<tr>
<td><span class="swatch" style="background:${runColor(r, options.colors)}"></span>${escapeHtml(labels[r])}</td>
<td><code>${escapeHtml(describeOptimizer(run.optimizer))}</code></td>
<td class="number">${formatNumber(finalTrainLoss(run))}</td>
<td class="number">${formatNumber(last?.evalLoss)}</td>
<td class="number">${formatPercent(last?.evalAccuracy)}</td>
<td class="number">${formatNumber(secondsPerEpoch(run), 3)}</td>
<td${outcome === "ok" ? "" : ' class="bad"'}>${escapeHtml(outcome)}</td>
</tr>`;
  });
  const facts: (readonly [string, string])[] = [
    ...("facts" in info ? info.facts : setupFacts(info)),
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
<h2>Runs</h2>
<table>
<thead><tr><th>run</th><th>optimizer and options</th><th>final train loss<br><small>(mean of last epoch)</small></th><th>held-out loss</th><th>held-out accuracy</th><th>seconds per epoch</th><th>outcome</th></tr></thead>
<tbody>
${rows.join("\n")}
</tbody>
</table>
</body>
</html>
`;
}
