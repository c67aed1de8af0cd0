// What a comparison leaves behind: the report, the figures as SVG and PNG, the per-step losses as CSV and
// JSON Lines, a summary table for the terminal and a JSON summary for scripts. The plotting stack (Observable Plot,
// linkedom, resvg: about 37 MB of rss, measured) is imported when the figures are drawn, after the training, not before.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { hasReplicates, rankingMetric, seedSummaries, SIGNIFICANCE_TEST } from "../stats.js";
import type { RunResult } from "../types.js";
import type { SensitivityCurve } from "../plot/sensitivity.js";
import type { ReportInfo } from "../plot/report.js";
import {
  describeRun,
  finalTrainLoss,
  formatMeanSd,
  formatNumber,
  formatPercent,
  runOutcome,
  secondsPerEpoch,
} from "../plot/text.js";
import { lrChoiceText, runLabels } from "../plot/common.js";
import { lossesCsv, lossesJsonl, tuningCsv } from "../export.js";

export { lossesCsv, lossesJsonl, tuningCsv };

/** The runs as plain data for `--json`. */
export function runSummaries(runs: readonly RunResult[]) {
  const { labels } = runLabels(runs);
  return runs.map((run, r) => ({
    label: labels[r],
    optimizer: run.optimizer,
    seed: run.seed,
    lrChoice: run.lrChoice ?? null,
    steps: run.losses.length,
    finalTrainLoss: finalTrainLoss(run) ?? null,
    evalLoss: run.epochs.at(-1)?.evalLoss ?? null,
    evalAccuracy: run.epochs.at(-1)?.evalAccuracy ?? null,
    secondsPerEpoch: secondsPerEpoch(run) ?? null,
    seconds: run.seconds,
    diverged: run.diverged ? { step: run.diverged.step, loss: String(run.diverged.loss) } : null,
    error: run.error ?? null,
  }));
}

/** Columns padded to their widest cell (numbers right-aligned), a rule under the header; the last column is not padded. */
function textTable(header: string[], rows: string[][], numeric: Set<number>): string {
  const widths = header.map((title, c) => Math.max(title.length, ...rows.map((row) => row[c]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) =>
        c === cells.length - 1 ? cell : numeric.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!),
      )
      .join("  ");
  return [line(header), widths.map((width) => "-".repeat(width)).join("  "), ...rows.map(line)].join("\n");
}

/**
 * With seed replicates: one line per optimizer, ranked by mean final loss, with mean ± sd over its seeds and the
 * ranks it is not significantly different from (Welch's t at 5%), then the test named.
 */
export function seedsTable(runs: readonly RunResult[]): string {
  const summaries = seedSummaries(runs);
  const { labels } = runLabels(runs);
  const header = ["rank", "optimizer", "held-out loss", "accuracy", "train loss", "seeds", "≈ (not sig. different)"];
  const rows = [...summaries]
    .sort((a, b) => a.rank - b.rank)
    .map((summary) => {
      const group = runs.filter((run, r) => (run.optimizerIndex ?? r) === summary.optimizerIndex);
      const label = labels[runs.indexOf(group[0]!)]!;
      return [
        String(summary.rank),
        label + lrChoiceText(group),
        formatMeanSd(summary.evalLoss),
        formatMeanSd(summary.evalAccuracy, formatPercent),
        formatMeanSd(summary.trainLoss),
        `${Math.max(summary.evalLoss.n, summary.trainLoss.n)}/${summary.seeds.length}`,
        summary.notDifferentFrom.length === 0 ? "–" : summary.notDifferentFrom.join(", "),
      ];
    });
  return (
    textTable(header, rows, new Set([0, 2, 3, 4, 5])) +
    `\n\nmean ± sd over seeds; ranked by mean final ${rankingMetric(runs)}; ≈ lists the ranks not significantly different (${SIGNIFICANCE_TEST}).`
  );
}

/** A fixed-width text table of the runs for the terminal (with seed replicates, the table over seeds). */
export function summaryTable(runs: readonly RunResult[]): string {
  if (hasReplicates(runs)) return seedsTable(runs);
  const { labels } = runLabels(runs);
  const header = ["run", "optimizer", "train loss", "held-out loss", "accuracy", "s/epoch", "outcome"];
  const rows = runs.map((run, r) => [
    labels[r]! + lrChoiceText([run]),
    describeRun(run),
    formatNumber(finalTrainLoss(run)),
    formatNumber(run.epochs.at(-1)?.evalLoss),
    formatPercent(run.epochs.at(-1)?.evalAccuracy),
    formatNumber(secondsPerEpoch(run), 3),
    runOutcome(run),
  ]);
  return textTable(header, rows, new Set([2, 3, 4, 5]));
}

/**
 * Writes report.html, loss.svg/png, epochs.svg/png, losses.csv and losses.jsonl into `dir` (and lr.svg/png when the
 * runs had a schedule, sensitivity.svg/png and tuning.csv when they were tuned); returns the paths.
 */
export async function writeOutputs(
  dir: string,
  runs: readonly RunResult[],
  info: ReportInfo,
  figureOptions: {
    title?: string;
    colors?: readonly string[];
    dashed?: readonly boolean[];
    /** Sensitivity curves of runs that are not one tuned comparison (a sweep's lr grid); default: from the tuning. */
    sensitivity?: { curves: readonly SensitivityCurve[]; lossLabel: string };
  } = {},
): Promise<Record<string, string>> {
  await mkdir(dir, { recursive: true });
  const [
    { nodeDocument, svgText, svgToPng },
    { lossPlot },
    { epochPlot },
    { sensitivityPlot },
    { LR_CAPTION, lrFigure, reportHtml, sensitivityFigure, SENSITIVITY_CAPTION },
  ] = await Promise.all([
    import("../plot/render-node.js"),
    import("../plot/loss.js"),
    import("../plot/epochs.js"),
    import("../plot/sensitivity.js"),
    import("../plot/report.js"),
  ]);
  const document = nodeDocument();
  const loss = svgText(lossPlot(runs, { document, ...figureOptions }));
  const epochs = svgText(epochPlot(runs, { document, colors: figureOptions.colors }));
  const lrElement = lrFigure(runs, { document, colors: figureOptions.colors });
  const lr = lrElement && svgText(lrElement);
  const sensitivityElement = figureOptions.sensitivity
    ? figureOptions.sensitivity.curves.length > 0
      ? sensitivityPlot(figureOptions.sensitivity.curves, {
          document,
          colors: figureOptions.colors,
          lossLabel: figureOptions.sensitivity.lossLabel,
        })
      : undefined
    : sensitivityFigure(runs, { document, colors: figureOptions.colors });
  const sensitivity = sensitivityElement && svgText(sensitivityElement);
  const tuning = tuningCsv(runs);
  const html = reportHtml(runs, info, {
    colors: figureOptions.colors,
    figures: [
      {
        caption:
          "Training loss per step (log scale): faint lines are the raw batch losses, solid lines their moving average.",
        svg: loss,
      },
      { caption: "Per epoch: held-out loss (solid) and mean training loss (dashed); held-out accuracy.", svg: epochs },
      ...(lr ? [{ caption: LR_CAPTION, svg: lr }] : []),
      ...(sensitivity ? [{ caption: SENSITIVITY_CAPTION, svg: sensitivity }] : []),
    ],
  });
  const files: Record<string, string | Uint8Array> = {
    "report.html": html,
    "loss.svg": loss,
    "loss.png": svgToPng(loss),
    "epochs.svg": epochs,
    "epochs.png": svgToPng(epochs),
    "losses.csv": lossesCsv(runs),
    "losses.jsonl": lossesJsonl(runs),
    ...(lr ? { "lr.svg": lr, "lr.png": svgToPng(lr) } : {}),
    ...(sensitivity ? { "sensitivity.svg": sensitivity, "sensitivity.png": svgToPng(sensitivity) } : {}),
    ...(tuning ? { "tuning.csv": tuning } : {}),
  };
  const paths: Record<string, string> = {};
  for (const [name, content] of Object.entries(files)) {
    paths[name] = join(dir, name);
    await writeFile(paths[name], content);
  }
  return paths;
}
