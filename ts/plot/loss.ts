// The notebook's figure, "Evolution of Optimizers": training loss per step, log scale, one colour per
// optimizer. Raw losses are drawn thin and faint under an EMA-smoothed line; diverged runs get an ×
// where they stopped. On a log axis the EMA runs over log(loss), so one huge spike does not lift the
// smoothed line for dozens of steps.
import * as Plot from "@observablehq/plot";
import type { RunResult } from "../types.js";
import {
  baseOptions,
  lastFiniteIndex,
  legendMark,
  legendWidth,
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
}

interface LossPoint {
  label: string;
  step: number;
  loss: number;
}

/** Loss per step of every run as an SVG element (default title "Evolution of Optimizers"). */
export function lossPlot(runs: readonly RunResult[], options: LossPlotOptions = {}): SVGSVGElement {
  const smoothing = options.smoothing ?? 0.6;
  if (!(smoothing >= 0 && smoothing < 1)) throw new RangeError(`smoothing must be in [0, 1), got ${smoothing}`);
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
    label: labels[r] + runStatus(run),
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

/** EMA of the losses, taken over log(loss) on a log axis (a geometric moving average). */
function smoothLosses(losses: Float32Array, beta: number, logScale: boolean): Float64Array {
  if (!logScale) return smoothEma(losses, beta);
  const smoothed = smoothEma(
    Array.from(losses, (loss) => (loss > 0 ? Math.log(loss) : Number.NaN)),
    beta,
  );
  return smoothed.map(Math.exp);
}
