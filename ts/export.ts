// The numbers of a comparison as files, the same in Node (the CLI's --out) and in browsers (the demo's export
// buttons): per-step losses as CSV and JSON Lines with each run's seed, lr and how the lr was chosen, and the
// tuning grid as CSV. Pure functions of the results.
import { csvField, float32Number } from "./cli/csv.js";
import { runLabels } from "./plot/common.js";
import type { RunResult } from "./types.js";

/** The run's lr as given or chosen (null when the optimizer's default was used) and how it was chosen ("" when given). */
function lrColumns(run: RunResult): { lr: number | null; lrRule: string } {
  const lr = (run.optimizer as { lr?: unknown }).lr;
  const choice = run.lrChoice;
  return {
    lr: typeof lr === "number" ? lr : null,
    lrRule: choice === undefined ? "" : choice.method === "auto" ? choice.rule : "tune",
  };
}

/**
 * `run,label,seed,lr,lr_rule,step,loss`: one row per step per run (run is the 0-based index of the result; the
 * replicates of one optimizer share its label). lr is the run's lr (empty: the optimizer's default), lr_rule how
 * optimlab chose it (valley, steep, minimum, slide for lr auto; tune; empty when given).
 */
export function lossesCsv(runs: readonly RunResult[]): string {
  const { labels } = runLabels(runs);
  const lines = ["run,label,seed,lr,lr_rule,step,loss"];
  runs.forEach((run, r) => {
    const { lr, lrRule } = lrColumns(run);
    const prefix = `${r},${csvField(labels[r]!)},${run.seed},${lr ?? ""},${lrRule}`;
    for (let step = 0; step < run.losses.length; step++)
      lines.push(`${prefix},${step},${float32Number(run.losses[step]!)}`);
  });
  return lines.join("\n") + "\n";
}

/** The same rows as JSON Lines; a non-finite loss is written as null (JSON has no NaN). */
export function lossesJsonl(runs: readonly RunResult[]): string {
  const { labels } = runLabels(runs);
  let text = "";
  runs.forEach((run, r) => {
    const { lr, lrRule } = lrColumns(run);
    for (let step = 0; step < run.losses.length; step++) {
      const loss = run.losses[step]!;
      text +=
        JSON.stringify({
          run: r,
          label: labels[r],
          seed: run.seed,
          lr,
          lr_rule: lrRule,
          step,
          loss: Number.isFinite(loss) ? float32Number(loss) : null,
        }) + "\n";
    }
  });
  return text;
}

/** `optimizer,label,lr,loss_by,loss,held_out_accuracy,train_loss,outcome,kept`: every point of every tuning grid. */
export function tuningCsv(runs: readonly RunResult[]): string | undefined {
  const { labels } = runLabels(runs);
  const lines = ["optimizer,label,lr,loss_by,loss,held_out_accuracy,train_loss,outcome,kept"];
  const seen = new Set<number>();
  runs.forEach((run, r) => {
    const key = run.optimizerIndex ?? r;
    if (!run.tuning || seen.has(key)) return;
    seen.add(key);
    for (const point of run.tuning.points) {
      lines.push(
        [
          key,
          csvField(labels[r]!),
          point.lr,
          csvField(run.tuning.by),
          Number.isNaN(point.loss) ? "" : point.loss,
          point.evalAccuracy ?? "",
          point.trainLoss ?? "",
          csvField(point.outcome),
          point.lr === run.tuning.chosenLr,
        ].join(","),
      );
    }
  });
  return seen.size === 0 ? undefined : lines.join("\n") + "\n";
}

/**
 * The runs as one JSON document (losses as arrays, a non-finite loss as null), beside the configuration that made
 * them: what the demo's "JSON" button saves.
 */
export function resultsJson(runs: readonly RunResult[], configuration?: unknown): string {
  const { labels } = runLabels(runs);
  const finite = (values: ArrayLike<number>) => Array.from(values, (value) => (Number.isFinite(value) ? value : null));
  return JSON.stringify(
    {
      ...(configuration === undefined ? {} : { configuration }),
      runs: runs.map((run, r) => ({
        label: labels[r],
        optimizer: run.optimizer,
        seed: run.seed,
        optimizerIndex: run.optimizerIndex ?? r,
        ...(run.lrChoice ? { lrChoice: run.lrChoice } : {}),
        ...(run.tuning
          ? { tuning: { ...run.tuning, points: run.tuning.points.map((p) => ({ ...p, loss: finite([p.loss])[0] })) } }
          : {}),
        stepsPerEpoch: run.stepsPerEpoch,
        epochs: run.epochs,
        ...(run.diverged ? { diverged: { step: run.diverged.step, loss: String(run.diverged.loss) } } : {}),
        ...(run.error ? { error: run.error } : {}),
        seconds: run.seconds,
        losses: finite(Array.from(run.losses, (loss) => (Number.isFinite(loss) ? float32Number(loss) : loss))),
        ...(run.lrs ? { lrs: Array.from(run.lrs, (lr) => float32Number(lr)) } : {}),
      })),
    },
    null,
    1,
  );
}
