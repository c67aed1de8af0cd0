// What a sweep's results say: labels made of what varies between its runs, the records as RunResults for the usual
// report and figures, and the best lr of each optimizer (the lr with the lowest final loss, averaged over seeds).
import { basename } from "node:path";
import { describeOptimizer, formatNumber } from "../plot/text.js";
import { isLayerList } from "../model.js";
import type { ModelSpec, OptimizerSpec, RunResult } from "../types.js";
import type { ResultRecord } from "./run.js";
import { canonicalJson, type RunSpec } from "./spec.js";

/** Settings besides optimizer, lr and seed that may differ between runs, and how a label shows them. */
const DESCRIBED: { key: keyof RunSpec; text(spec: RunSpec): string }[] = [
  { key: "problem", text: (spec) => `problem=${spec.problem ?? "none"}` },
  { key: "schedule", text: (spec) => `schedule=${spec.schedule?.name ?? "none"}` },
  { key: "epochs", text: (spec) => `epochs=${spec.epochs}` },
  { key: "batchSize", text: (spec) => `batch=${spec.batchSize}` },
  { key: "dropLast", text: (spec) => `dropLast=${spec.dropLast ?? false}` },
  { key: "model", text: (spec) => `model=${modelText(spec.model)}` },
  { key: "normalize", text: (spec) => `normalize=${spec.normalize ?? 255}` },
  { key: "clipGradNorm", text: (spec) => `clipGradNorm=${spec.clipGradNorm ?? "none"}` },
  { key: "clipGradValue", text: (spec) => `clipGradValue=${spec.clipGradValue ?? "none"}` },
  { key: "nonFinite", text: (spec) => `nonFinite=${spec.nonFinite ?? "stop"}` },
  { key: "maxConsecutiveErrors", text: (spec) => `maxConsecutiveErrors=${spec.maxConsecutiveErrors ?? 5}` },
  {
    key: "data",
    text: (spec) => `data=${spec.data.sample ?? spec.data.dataset ?? basename(spec.data.path ?? spec.data.url ?? "")}`,
  },
];

/** A model in a few words: the MLP's widths ("784-100-10"), a layer list's layer types ("conv2d-relu-…-linear"). */
export function modelText(model: ModelSpec): string {
  return isLayerList(model) ? model.layers.map((layer) => layer.type).join("-") : model.layers.join("-");
}

function withoutLr(optimizer: OptimizerSpec): OptimizerSpec {
  const { lr: _lr, ...rest } = optimizer as OptimizerSpec & { lr?: unknown };
  return rest as OptimizerSpec;
}

/** What a run's group is: everything but its lr and seed (the runs a best lr is chosen among). */
function groupKey(spec: RunSpec): string {
  const { seed: _seed, optimizer, ...rest } = spec;
  return canonicalJson({ ...rest, optimizer: withoutLr(optimizer) });
}

/** Names for the runs of a sweep and for their groups: the optimizer and its options, plus whatever else varies. */
export class SweepLabels {
  private readonly varying: typeof DESCRIBED;
  private readonly seedsVary: boolean;

  constructor(specs: readonly RunSpec[]) {
    const distinct = (text: (spec: RunSpec) => string) => new Set(specs.map(text)).size > 1;
    // A problem brings its own model, data, batch size…: those show only where they vary between runs of one problem.
    const variesWithinProblem = (key: keyof RunSpec) => {
      const seen = new Map<string | undefined, string>();
      return specs.some((spec) => {
        const value = canonicalJson(spec[key] ?? null);
        const first = seen.get(spec.problem) ?? value;
        seen.set(spec.problem, first);
        return value !== first;
      });
    };
    this.varying = DESCRIBED.filter(({ key }) =>
      key === "problem" ? distinct((spec) => spec.problem ?? "") : variesWithinProblem(key),
    );
    this.seedsVary = distinct((spec) => String(spec.seed));
  }

  /** "sgd momentum=0.9" (and e.g. " schedule=cosine" when schedules differ): the runs that share all but lr and seed. */
  group(spec: RunSpec): string {
    return [describeOptimizer(withoutLr(spec.optimizer)), ...this.varying.map(({ text }) => text(spec))].join(" ");
  }

  /** The group, then lr=… and (when seeds differ) seed=…. */
  run(spec: RunSpec): string {
    const lr = (spec.optimizer as { lr?: unknown }).lr;
    return [
      this.group(spec),
      ...(lr === undefined ? [] : [`lr=${lr}`]),
      ...(this.seedsVary ? [`seed=${spec.seed}`] : []),
    ].join(" ");
  }
}

/** A stored record as the RunResult the figures and the report take. */
export function recordToRun(record: ResultRecord, label: string): RunResult {
  const run: RunResult = {
    label,
    optimizer: record.spec.optimizer,
    seed: record.spec.seed,
    losses: Float32Array.from(record.losses, (loss) => loss ?? Number.NaN),
    stepsPerEpoch: record.stepsPerEpoch,
    epochs: record.epochs.map((epoch, e) => ({ ...epoch, seconds: record.timing.epochSeconds[e] ?? 0 })),
    seconds: record.timing.seconds,
  };
  if (record.lrs) run.lrs = Float32Array.from(record.lrs);
  if (record.diverged) run.diverged = { step: record.diverged.step, loss: Number(record.diverged.loss) };
  if (record.nonFinite) run.nonFinite = record.nonFinite;
  if (record.error) run.error = { name: record.error.name, message: record.error.message };
  return run;
}

/** A run's final loss: held-out when it has one, else training; Infinity when it diverged or failed. */
function finalLoss(record: ResultRecord, heldOut: boolean): number {
  if (record.error || record.diverged) return Number.POSITIVE_INFINITY;
  const last = record.epochs.at(-1);
  const loss = heldOut ? last?.evalLoss : last?.trainLoss;
  return loss ?? Number.POSITIVE_INFINITY;
}

/** One lr of a group: the mean final loss over its runs (seeds); Infinity when any of them diverged or failed. */
export interface LrPoint {
  lr: number;
  loss: number;
  runs: number;
}

/** A group's lrs and the best of them. */
export interface LrSensitivity {
  group: string;
  points: LrPoint[];
  /** The lr with the lowest mean final loss; absent when every lr diverged or failed. */
  best?: LrPoint;
}

/** The lr sensitivity of every group of runs that tried numeric lrs, groups in the order of their first run. */
export function lrSensitivity(
  records: readonly ResultRecord[],
  labels: SweepLabels,
): { metric: string; groups: LrSensitivity[] } {
  const finished = records.filter((record) => !record.error && !record.diverged);
  const heldOut = finished.length > 0 && finished.every((record) => record.epochs.at(-1)?.evalLoss !== undefined);
  const groups = new Map<string, { group: string; byLr: Map<number, number[]> }>();
  for (const record of records) {
    const lr = (record.spec.optimizer as { lr?: unknown }).lr;
    if (typeof lr !== "number") continue;
    const key = groupKey(record.spec);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { group: labels.group(record.spec), byLr: new Map() }));
    group.byLr.set(lr, [...(group.byLr.get(lr) ?? []), finalLoss(record, heldOut)]);
  }
  return {
    metric: heldOut ? "final held-out loss" : "final train loss",
    groups: [...groups.values()].map(({ group, byLr }) => {
      const points = [...byLr.entries()]
        .sort(([a], [b]) => a - b)
        .map(([lr, losses]) => ({
          lr,
          loss: losses.reduce((sum, loss) => sum + loss, 0) / losses.length,
          runs: losses.length,
        }));
      const finite = points.filter((point) => Number.isFinite(point.loss));
      const best = finite.reduce<LrPoint | undefined>(
        (low, point) => (!low || point.loss < low.loss ? point : low),
        undefined,
      );
      return best ? { group, points, best } : { group, points };
    }),
  };
}

/** `group,lr,runs,mean_final_loss,best`: every lr of every group. */
export function sensitivityCsv(groups: readonly LrSensitivity[]): string {
  const quote = (text: string) => (/[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
  const lines = ["group,lr,runs,mean_final_loss,best"];
  for (const { group, points, best } of groups) {
    for (const point of points) lines.push([quote(group), point.lr, point.runs, point.loss, point === best].join(","));
  }
  return lines.join("\n") + "\n";
}

/** The best lr of each group as a fixed-width table. */
export function bestLrTable(metric: string, groups: readonly LrSensitivity[]): string {
  const header = ["optimizer", "best lr", metric, "lrs tried", "diverged or failed"];
  const rows = groups.map(({ group, points, best }) => [
    group,
    best ? String(best.lr) : "–",
    formatNumber(best?.loss),
    points.map((point) => point.lr).join(", "),
    points
      .filter((point) => !Number.isFinite(point.loss))
      .map((point) => point.lr)
      .join(", ") || "–",
  ]);
  const widths = header.map((title, c) => Math.max(title.length, ...rows.map((row) => row[c]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((width) => "-".repeat(width)).join("  "), ...rows.map(line)].join("\n");
}
