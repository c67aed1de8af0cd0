// The notebook's figure, "Evolution of Optimizers": training loss per step, log scale, one colour per
// optimizer. Raw losses are drawn thin and faint under an EMA-smoothed line; diverged runs get an ×
// where they stopped. On a log axis the EMA runs over log(loss), so one huge spike does not lift the
// smoothed line for dozens of steps.
import * as Plot from "@observablehq/plot";
import { BAND_NAMES, replicateBand, replicateGroups, type Band, type BandKind } from "../stats.js";
import type { RunResult } from "../types.js";
import {
  baseOptions,
  lastFiniteIndex,
  legendMark,
  groupStatus,
  legendWidth,
  lrChoiceText,
  runColor,
  runStatus,
  smoothEma,
  titleMark,
  topMargin,
  yLabelMark,
  uniqueLabels,
  type FigureOptions,
} from "./common.js";

export interface LossPlotOptions extends FigureOptions {
  /** EMA factor β in [0, 1) for the smoothed line (over log loss on a log axis); 0 draws the raw losses only, at full strength. Default 0.6. */
  smoothing?: number;
  /** Log-scale loss axis, as the notebook. Default true. */
  logScale?: boolean;
  /** Thin vertical rules at epoch boundaries. Default true. */
  epochRules?: boolean;
  /** Which runs (by index) draw their smoothed line dashed, e.g. the notebook's variants beside torch's solid ones. */
  dashed?: readonly boolean[];
  /**
   * With seed replicates (several runs of one optimizer, `optimizerIndex`): what the band around each optimizer's
   * median curve spans, "minmax" (every replicate, the default) or "iqr" (the middle half).
   */
  band?: BandKind;
}

interface LossPoint {
  label: string;
  step: number;
  loss: number;
}

/** One optimizer's replicates, each smoothed as the figure draws it, and their median and band step by step. */
export interface LossBand extends Band {
  label: string;
  /** The runs' curves as drawn (smoothed unless smoothing is 0), whose band this is. */
  replicates: Float64Array[];
}

/** The median and band of every optimizer's smoothed loss curves over its seeds, as `lossPlot` draws them. */
export function lossBands(
  runs: readonly RunResult[],
  options: Pick<LossPlotOptions, "smoothing" | "logScale" | "band"> = {},
): LossBand[] {
  const smoothing = options.smoothing ?? 0.6;
  const logScale = options.logScale ?? true;
  const groups = replicateGroups(runs);
  const labels = uniqueLabels(groups);
  return groups.map((group, g) => {
    const replicates = group.runs.map((run) =>
      smoothing > 0 ? smoothLosses(run.losses, smoothing, logScale) : Float64Array.from(run.losses),
    );
    // A log axis cannot show a loss of 0 or below: such points do not count, as they are not drawn.
    const drawn = replicates.map((curve) => curve.map((loss) => (!logScale || loss > 0 ? loss : Number.NaN)));
    return { label: labels[g]!, replicates, ...replicateBand(drawn, options.band ?? "minmax") };
  });
}

/** Loss per step of every run as an SVG element (default title "Evolution of Optimizers"); with seed replicates, medians and bands. */
export function lossPlot(runs: readonly RunResult[], options: LossPlotOptions = {}): SVGSVGElement {
  const smoothing = options.smoothing ?? 0.6;
  if (!(smoothing >= 0 && smoothing < 1)) throw new RangeError(`smoothing must be in [0, 1), got ${smoothing}`);
  if (replicateGroups(runs).some((group) => group.runs.length > 1)) return bandPlot(runs, options, smoothing);
  const logScale = options.logScale ?? true;
  const title = options.title === undefined ? "Evolution of Optimizers" : options.title;
  const labels = uniqueLabels(runs);
  // A log axis cannot show a loss of 0 or below; such points are left out, like NaN and ±∞.
  const drawable = (loss: number) => Number.isFinite(loss) && (!logScale || loss > 0);

  const raw: LossPoint[] = [];
  const smoothed: LossPoint[] = [];
  const smoothedDashed: LossPoint[] = [];
  const stops: LossPoint[] = [];
  runs.forEach((run, r) => {
    const label = labels[r];
    const ema = smoothing > 0 ? smoothLosses(run.losses, smoothing, logScale) : undefined;
    const smoothedInto = options.dashed?.[r] ? smoothedDashed : smoothed;
    for (let step = 0; step < run.losses.length; step++) {
      const loss = run.losses[step];
      if (drawable(loss)) raw.push({ label, step, loss });
      if (ema && drawable(ema[step])) smoothedInto.push({ label, step, loss: ema[step] });
    }
    if (run.diverged) {
      const last = lastFiniteIndex(run.losses.subarray(0, run.diverged.step));
      const loss = last >= 0 ? run.losses[last] : Number.NaN;
      if (drawable(loss)) stops.push({ label, step: run.diverged.step, loss });
    }
  });

  const stepsPerEpoch = runs[0]?.stepsPerEpoch ?? 0;
  const longest = Math.max(0, ...runs.map((run) => run.losses.length));
  const epochBoundaries: number[] = [];
  if ((options.epochRules ?? true) && stepsPerEpoch > 0) {
    for (let step = stepsPerEpoch; step < longest; step += stepsPerEpoch) epochBoundaries.push(step);
  }

  const legend = runs.map((run, r) => ({
    label: labels[r] + lrChoiceText([run]) + runStatus(run),
    color: runColor(r, options.colors),
    dashed: options.dashed?.[r],
  }));
  const line = { x: "step", y: "loss", stroke: "label", z: "label" } as const;
  return Plot.plot({
    ...baseOptions(options),
    width: options.width ?? 760,
    height: options.height ?? 420,
    marginTop: topMargin(title),
    marginLeft: 56,
    marginRight: legendWidth(legend.map((entry) => entry.label)),
    x: { label: "step", labelAnchor: "center" },
    y: { type: logScale ? "log" : "linear", label: null, grid: true, tickFormat: "~g" },
    color: { domain: labels, range: labels.map((_, r) => runColor(r, options.colors)) },
    marks: [
      Plot.ruleX(epochBoundaries, { stroke: "#bbb", strokeDasharray: "3,3" }),
      Plot.lineY(raw, { ...line, strokeWidth: smoothing > 0 ? 1 : 1.6, strokeOpacity: smoothing > 0 ? 0.3 : 1 }),
      smoothing > 0 ? Plot.lineY(smoothed, { ...line, strokeWidth: 1.8 }) : null,
      // Dashed runs go on top: where a dashed run retraces a solid one, both stay visible.
      smoothing > 0 ? Plot.lineY(smoothedDashed, { ...line, strokeWidth: 1.8, strokeDasharray: "6,4" }) : null,
      Plot.dot(stops, { x: "step", y: "loss", stroke: "label", symbol: "times", r: 6, strokeWidth: 2.5 }),
      Plot.text(stops, { x: "step", y: "loss", text: () => "diverged", dy: -12, fill: "label" }),
      title === null ? null : titleMark(title),
      yLabelMark(logScale ? "loss (log scale)" : "loss"),
      legendMark(legend),
    ],
  }) as SVGSVGElement;
}

/** The median curve of each optimizer's replicates over a band (min–max or interquartile), one colour per optimizer. */
function bandPlot(runs: readonly RunResult[], options: LossPlotOptions, smoothing: number): SVGSVGElement {
  const logScale = options.logScale ?? true;
  const title = options.title === undefined ? "Evolution of Optimizers" : options.title;
  const kind = options.band ?? "minmax";
  const groups = replicateGroups(runs);
  const bands = lossBands(runs, { smoothing, logScale, band: kind });
  const drawable = (loss: number) => Number.isFinite(loss) && (!logScale || loss > 0);
  const area: { label: string; step: number; low: number; high: number }[] = [];
  const medians: LossPoint[] = [];
  const stops: LossPoint[] = [];
  bands.forEach((band, g) => {
    for (let step = 0; step < band.median.length; step++) {
      if (drawable(band.low[step]!) && drawable(band.high[step]!))
        area.push({ label: band.label, step, low: band.low[step]!, high: band.high[step]! });
      if (drawable(band.median[step]!)) medians.push({ label: band.label, step, loss: band.median[step]! });
    }
    for (const run of groups[g]!.runs) {
      if (!run.diverged) continue;
      const curve = band.replicates[groups[g]!.runs.indexOf(run)]!;
      const last = lastFiniteIndex(curve.subarray(0, run.diverged.step));
      if (last >= 0 && drawable(curve[last]!))
        stops.push({ label: band.label, step: run.diverged.step, loss: curve[last]! });
    }
  });
  const stepsPerEpoch = runs[0]?.stepsPerEpoch ?? 0;
  const longest = Math.max(0, ...runs.map((run) => run.losses.length));
  const epochBoundaries: number[] = [];
  if ((options.epochRules ?? true) && stepsPerEpoch > 0) {
    for (let step = stepsPerEpoch; step < longest; step += stepsPerEpoch) epochBoundaries.push(step);
  }
  const counts = [...new Set(groups.map((group) => group.runs.length))];
  const seedsText = counts.length === 1 ? `${counts[0]} seeds` : `${Math.min(...counts)}–${Math.max(...counts)} seeds`;
  const labels = bands.map((band) => band.label);
  const colors = labels.map((_, g) => runColor(g, options.colors));
  const legend = [
    ...groups.map((group, g) => ({
      label: labels[g]! + lrChoiceText(group.runs) + groupStatus(group.runs),
      color: colors[g]!,
      dashed: options.dashed?.[g],
    })),
    { label: `line: median of ${seedsText}`, color: "#777" },
    { label: `band: ${BAND_NAMES[kind]} over seeds`, color: "#ccc" },
  ];
  // Legends that name the chosen lrs are long: the figure widens so that the plot keeps its room.
  const marginRight = legendWidth(legend.map((entry) => entry.label));
  return Plot.plot({
    ...baseOptions(options),
    width: options.width ?? Math.max(760, 560 + marginRight),
    height: options.height ?? 420,
    marginTop: topMargin(title),
    marginLeft: 56,
    marginRight,
    x: { label: "step", labelAnchor: "center" },
    y: { type: logScale ? "log" : "linear", label: null, grid: true, tickFormat: "~g" },
    color: { domain: labels, range: colors },
    marks: [
      Plot.ruleX(epochBoundaries, { stroke: "#bbb", strokeDasharray: "3,3" }),
      Plot.areaY(area, { x: "step", y1: "low", y2: "high", fill: "label", z: "label", fillOpacity: 0.22 }),
      Plot.lineY(medians, { x: "step", y: "loss", stroke: "label", z: "label", strokeWidth: 1.8 }),
      Plot.dot(stops, { x: "step", y: "loss", stroke: "label", symbol: "times", r: 6, strokeWidth: 2.5 }),
      title === null ? null : titleMark(title),
      yLabelMark(logScale ? "loss (log scale)" : "loss"),
      legendMark(legend),
    ],
  }) as SVGSVGElement;
}

/** EMA of the losses, taken over log(loss) on a log axis (a geometric moving average). */
function smoothLosses(losses: Float32Array, beta: number, logScale: boolean): Float64Array {
  if (!logScale) return smoothEma(losses, beta);
  const smoothed = smoothEma(
    Array.from(losses, (loss) => (loss > 0 ? Math.log(loss) : Number.NaN)),
    beta,
  );
  return smoothed.map(Math.exp);
}
