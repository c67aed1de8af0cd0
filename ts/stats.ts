// Statistics over seed replicates, as pure functions of numbers and run results (no workers, no DOM): the median
// and band the figures draw, mean ± sd, and Welch's t-test that decides which optimizers' differences are
// significant. Shared by the figures, the report, the CLI table and the demo.
import type { RunResult } from "./types.js";

/** Mean of the values (NaN for none). */
export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Sample standard deviation (n − 1 in the denominator; NaN for fewer than two values). */
export function sampleSd(values: readonly number[]): number {
  if (values.length < 2) return Number.NaN;
  const m = mean(values);
  return Math.sqrt(values.reduce((sum, value) => sum + (value - m) ** 2, 0) / (values.length - 1));
}

/** The q-quantile (q in [0, 1]) with linear interpolation between order statistics, numpy's default (type 7). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (position - below) * (sorted[above]! - sorted[below]!);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** What a band spans across replicates: every replicate ("minmax") or the middle half ("iqr", 25th–75th percentile). */
export type BandKind = "minmax" | "iqr";

/** How each band kind is named in legends and captions. */
export const BAND_NAMES: Record<BandKind, string> = { minmax: "min–max", iqr: "interquartile range" };

/** Per index: the median of the replicates' values and the band around it. */
export interface Band {
  median: Float64Array;
  low: Float64Array;
  high: Float64Array;
}

/**
 * The median and band of several curves, index by index, over the curves that have a finite value there (a
 * diverged replicate stops counting where it stopped; NaN where none has a value). Curves may differ in length.
 */
export function replicateBand(curves: readonly ArrayLike<number>[], kind: BandKind = "minmax"): Band {
  const length = Math.max(0, ...curves.map((curve) => curve.length));
  const band: Band = {
    median: new Float64Array(length),
    low: new Float64Array(length),
    high: new Float64Array(length),
  };
  for (let i = 0; i < length; i++) {
    const values = curves.flatMap((curve) => (i < curve.length && Number.isFinite(curve[i]) ? [curve[i]!] : []));
    band.median[i] = median(values);
    band.low[i] = kind === "minmax" ? Math.min(...values) : quantile(values, 0.25);
    band.high[i] = kind === "minmax" ? Math.max(...values) : quantile(values, 0.75);
    if (values.length === 0) band.low[i] = band.high[i] = Number.NaN;
  }
  return band;
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, nine coefficients: about 15 significant digits). */
export function logGamma(x: number): number {
  const g = 7;
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  x -= 1;
  let sum = c[0]!;
  for (let i = 1; i < g + 2; i++) sum += c[i]! / (x + i);
  const t = x + g + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** The regularized incomplete beta function I_x(a, b), by its continued fraction (modified Lentz). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  // The continued fraction converges fast for x < (a + 1)/(a + b + 2); beyond it, use I_x(a, b) = 1 − I_{1−x}(b, a).
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBeta(1 - x, b, a);
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x)) / a;
  const tiny = 1e-300;
  let f = 1;
  let c = 1;
  let d = 0;
  for (let i = 0; i <= 400; i++) {
    const m = Math.floor(i / 2);
    let numerator: number;
    if (i === 0) numerator = 1;
    else if (i % 2 === 0) numerator = (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m));
    else numerator = -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1));
    d = 1 + numerator * d;
    if (Math.abs(d) < tiny) d = tiny;
    d = 1 / d;
    c = 1 + numerator / c;
    if (Math.abs(c) < tiny) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(1 - delta) < 1e-15) break;
  }
  return front * (f - 1);
}

/** P(|T| ≥ |t|) for Student's t with `df` degrees of freedom (df may be fractional, as Welch's is). */
export function studentTwoSidedP(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return Number.NaN;
  if (!Number.isFinite(t)) return 0;
  return incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/** Welch's unequal-variances t-test of two samples. */
export interface WelchResult {
  /** (mean(a) − mean(b)) / √(s²a/na + s²b/nb). */
  t: number;
  /** Welch–Satterthwaite degrees of freedom. */
  df: number;
  /** Two-sided p-value. */
  p: number;
}

/**
 * Welch's t-test (two-sided) of `a` against `b`, each with at least two values. Two samples without any spread
 * give p = 1 when their means are equal and p = 0 when they differ (the limit of the test as the spread vanishes).
 */
export function welchTTest(a: readonly number[], b: readonly number[]): WelchResult {
  if (a.length < 2 || b.length < 2) return { t: Number.NaN, df: Number.NaN, p: Number.NaN };
  const va = sampleSd(a) ** 2 / a.length;
  const vb = sampleSd(b) ** 2 / b.length;
  const difference = mean(a) - mean(b);
  if (va + vb === 0) {
    return difference === 0
      ? { t: 0, df: Number.NaN, p: 1 }
      : { t: Math.sign(difference) * Infinity, df: Number.NaN, p: 0 };
  }
  const t = difference / Math.sqrt(va + vb);
  const df = (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  return { t, df, p: studentTwoSidedP(t, df) };
}

/** The name of the significance test, as tables and reports print it. */
export const SIGNIFICANCE_TEST = "Welch's t-test, two-sided, 5% level";
const ALPHA = 0.05;

/** Runs of one optimizer: its replicates over seeds, in the order compare returned them. */
export interface ReplicateGroup {
  /** The optimizer's index in the line-up. */
  optimizerIndex: number;
  label: string;
  runs: RunResult[];
}

/** The runs grouped by optimizer (`optimizerIndex`, else each run alone), in line-up order. */
export function replicateGroups(runs: readonly RunResult[]): ReplicateGroup[] {
  const groups = new Map<number, ReplicateGroup>();
  runs.forEach((run, r) => {
    const key = run.optimizerIndex ?? r;
    const group = groups.get(key);
    if (group) group.runs.push(run);
    else groups.set(key, { optimizerIndex: key, label: run.label, runs: [run] });
  });
  return [...groups.values()];
}

/** True when some optimizer ran with more than one seed: figures then draw medians with bands. */
export function hasReplicates(runs: readonly RunResult[]): boolean {
  return replicateGroups(runs).some((group) => group.runs.length > 1);
}

/** Mean and sample sd of a final value over an optimizer's replicates that reached it. */
export interface MeanSd {
  mean: number;
  sd: number;
  /** Replicates that contributed (runs that diverged or failed before the end have no final value). */
  n: number;
}

/** One optimizer's line in the seeds table. */
export interface SeedSummary {
  optimizerIndex: number;
  label: string;
  seeds: number[];
  /** Final held-out loss and accuracy (last epoch), and the final training loss (mean of the last epoch). */
  evalLoss: MeanSd;
  evalAccuracy: MeanSd;
  trainLoss: MeanSd;
  /** 1 = lowest mean final loss (held-out, or training when nothing is held out); runs without one rank last. */
  rank: number;
  /** Ranks of the optimizers whose final losses do not differ significantly from this one's (`SIGNIFICANCE_TEST`). */
  notDifferentFrom: number[];
}

function meanSd(values: number[]): MeanSd {
  return { mean: mean(values), sd: sampleSd(values), n: values.length };
}

/** The final value of each replicate that reached the last epoch. */
function finals(group: ReplicateGroup, value: (run: RunResult) => number | undefined): number[] {
  return group.runs.flatMap((run) => {
    const final = run.error || run.diverged ? undefined : value(run);
    return final !== undefined && Number.isFinite(final) ? [final] : [];
  });
}

/** The metric optimizers are ranked and tested on: held-out loss when every finished run has one, else training loss. */
export function rankingMetric(runs: readonly RunResult[]): "held-out loss" | "train loss" {
  const finished = runs.filter((run) => !run.error && !run.diverged && run.epochs.length > 0);
  return finished.length > 0 && finished.every((run) => run.epochs.at(-1)?.evalLoss !== undefined)
    ? "held-out loss"
    : "train loss";
}

/**
 * Per optimizer: mean ± sd of the final held-out loss, accuracy and training loss over its seeds, its rank by mean
 * final loss (`rankingMetric`), and which others it is not significantly different from (Welch's t at 5%, on the
 * same final losses; an optimizer with fewer than two finished replicates is tested against nobody).
 */
export function seedSummaries(runs: readonly RunResult[]): SeedSummary[] {
  const groups = replicateGroups(runs);
  const metric = rankingMetric(runs);
  const lossOf = (run: RunResult) =>
    metric === "held-out loss" ? run.epochs.at(-1)?.evalLoss : run.epochs.at(-1)?.trainLoss;
  const losses = groups.map((group) => finals(group, lossOf));
  const order = groups
    .map((_, g) => g)
    .sort((x, y) => {
      const [mx, my] = [mean(losses[x]!), mean(losses[y]!)];
      if (Number.isNaN(mx) || Number.isNaN(my)) return Number.isNaN(mx) ? (Number.isNaN(my) ? x - y : 1) : -1;
      return mx - my || x - y;
    });
  const rankOf = new Map(order.map((g, position) => [g, position + 1]));
  return groups.map((group, g) => ({
    optimizerIndex: group.optimizerIndex,
    label: group.label,
    seeds: group.runs.map((run) => run.seed),
    evalLoss: meanSd(finals(group, (run) => run.epochs.at(-1)?.evalLoss)),
    evalAccuracy: meanSd(finals(group, (run) => run.epochs.at(-1)?.evalAccuracy)),
    trainLoss: meanSd(finals(group, (run) => run.epochs.at(-1)?.trainLoss)),
    rank: rankOf.get(g)!,
    notDifferentFrom: groups
      .map((_, other) => other)
      .filter((other) => other !== g && welchTTest(losses[g]!, losses[other]!).p >= ALPHA)
      .map((other) => rankOf.get(other)!)
      .sort((a, b) => a - b),
  }));
}
