// The runs in words and numbers for tables and reports (text only: no figure code, so that the CLI's tables and help
// load without the plotting stack). report.ts re-exports them.
import type { MeanSd } from "../stats.js";
import type { OptimizerSpec, RunResult } from "../types.js";

/** An optimizer and its options as one line: "adam lr=0.001, betas=0.9/0.999". */
export function describeOptimizer(spec: OptimizerSpec): string {
  const options = Object.entries(spec)
    .filter(([key, value]) => key !== "name" && key !== "label" && value !== undefined)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join("/") : String(value)}`);
  return options.length > 0 ? `${spec.name} ${options.join(", ")}` : spec.name;
}

/** A run's optimizer as one line, with how its lr was chosen: "adam lr=0.00089 (lr auto, valley)". */
export function describeRun(run: RunResult): string {
  const choice = run.lrChoice;
  const how =
    choice === undefined ? "" : choice.method === "auto" ? ` (lr auto, ${choice.rule})` : ` (lr tuned by ${choice.by})`;
  return describeOptimizer(run.optimizer) + how;
}

/** "0.1234 ± 0.0012", the sd left out with one replicate. */
export function formatMeanSd(value: MeanSd, format: (x: number | undefined) => string = formatNumber): string {
  if (value.n === 0) return "–";
  return value.n === 1 || Number.isNaN(value.sd) ? format(value.mean) : `${format(value.mean)} ± ${format(value.sd)}`;
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
