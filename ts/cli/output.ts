// What a comparison leaves behind: the report, the figures as SVG and PNG, the per-step losses as CSV and
// JSON Lines, a summary table for the terminal and a JSON summary for scripts.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { RunResult } from "../types.js";
import { epochPlot } from "../plot/epochs.js";
import { lossPlot } from "../plot/loss.js";
import { nodeDocument, svgText, svgToPng } from "../plot/render-node.js";
import {
  describeOptimizer,
  finalTrainLoss,
  formatNumber,
  formatPercent,
  LR_CAPTION,
  lrFigure,
  reportHtml,
  runOutcome,
  secondsPerEpoch,
  type ReportInfo,
} from "../plot/report.js";
import { uniqueLabels } from "../plot/common.js";
import { csvField, float32Number } from "./csv.js";

/** `run,label,step,loss`: one row per step per run (run is the 0-based index in the line-up). */
export function lossesCsv(runs: readonly RunResult[]): string {
  const labels = uniqueLabels(runs);
  const lines = ["run,label,step,loss"];
  runs.forEach((run, r) => {
    const label = csvField(labels[r]);
    for (let step = 0; step < run.losses.length; step++)
      lines.push(`${r},${label},${step},${float32Number(run.losses[step])}`);
  });
  return lines.join("\n") + "\n";
}

/** The same rows as JSON Lines; a non-finite loss is written as null (JSON has no NaN). */
export function lossesJsonl(runs: readonly RunResult[]): string {
  const labels = uniqueLabels(runs);
  let text = "";
  runs.forEach((run, r) => {
    for (let step = 0; step < run.losses.length; step++) {
      const loss = run.losses[step];
      text +=
        JSON.stringify({ run: r, label: labels[r], step, loss: Number.isFinite(loss) ? float32Number(loss) : null }) +
        "\n";
    }
  });
  return text;
}

/** The runs as plain data for `--json`. */
export function runSummaries(runs: readonly RunResult[]) {
  const labels = uniqueLabels(runs);
  return runs.map((run, r) => ({
    label: labels[r],
    optimizer: run.optimizer,
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

/** A fixed-width text table of the runs for the terminal. */
export function summaryTable(runs: readonly RunResult[]): string {
  const labels = uniqueLabels(runs);
  const header = ["run", "optimizer", "train loss", "held-out loss", "accuracy", "s/epoch", "outcome"];
  const rows = runs.map((run, r) => [
    labels[r],
    describeOptimizer(run.optimizer),
    formatNumber(finalTrainLoss(run)),
    formatNumber(run.epochs.at(-1)?.evalLoss),
    formatPercent(run.epochs.at(-1)?.evalAccuracy),
    formatNumber(secondsPerEpoch(run), 3),
    runOutcome(run),
  ]);
  const numeric = new Set([2, 3, 4, 5]);
  const widths = header.map((title, c) => Math.max(title.length, ...rows.map((row) => row[c].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) =>
        c === cells.length - 1 ? cell : numeric.has(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c]),
      )
      .join("  ");
  return [line(header), widths.map((width) => "-".repeat(width)).join("  "), ...rows.map(line)].join("\n");
}

/** Writes report.html, loss.svg/png, epochs.svg/png, losses.csv and losses.jsonl (and lr.svg/png when the runs had a schedule) into `dir`; returns the paths. */
export async function writeOutputs(
  dir: string,
  runs: readonly RunResult[],
  info: ReportInfo,
  figureOptions: { title?: string; colors?: readonly string[]; dashed?: readonly boolean[] } = {},
): Promise<Record<string, string>> {
  await mkdir(dir, { recursive: true });
  const document = nodeDocument();
  const loss = svgText(lossPlot(runs, { document, ...figureOptions }));
  const epochs = svgText(epochPlot(runs, { document, colors: figureOptions.colors }));
  const lrElement = lrFigure(runs, { document, colors: figureOptions.colors });
  const lr = lrElement && svgText(lrElement);
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
  };
  const paths: Record<string, string> = {};
  for (const [name, content] of Object.entries(files)) {
    paths[name] = join(dir, name);
    await writeFile(paths[name], content);
  }
  return paths;
}
