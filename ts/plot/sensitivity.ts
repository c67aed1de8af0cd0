// Learning-rate sensitivity, as DeepOBS and "Descending through a Crowded Valley" (Schmidt et al., 2021) present
// tuning: the final loss each optimizer reached at each lr of a grid, one line per optimizer over a log lr axis.
// A flat, wide basin means an optimizer forgiving of its lr; the ring marks the lr kept. Points where a run diverged
// (or failed) have no loss: they are drawn as × on the top edge of the frame.
import * as Plot from "@observablehq/plot";
import type { RunResult } from "../types.js";
import {
  baseOptions,
  formatLr,
  legendMark,
  legendWidth,
  runColor,
  titleMark,
  topMargin,
  uniqueLabels,
  yLabelMark,
  type FigureOptions,
} from "./common.js";

/** One optimizer's final loss at each lr tried. */
export interface SensitivityCurve {
  label: string;
  /** A non-finite `loss` (a diverged or failed run) is drawn as × on the frame's top edge. */
  points: readonly { lr: number; loss: number }[];
  /** The lr kept, ringed on the curve. */
  chosen?: number;
}

export interface SensitivityPlotOptions extends FigureOptions {
  /** Name of the loss on the y axis. Default "final held-out loss". */
  lossLabel?: string;
  /** Log-scale loss axis (losses spanning decades). Default false. */
  logScale?: boolean;
}

/** Final loss against lr (log axis), one line per optimizer: the "sensitivity" figure of a tuning grid or a sweep. */
export function sensitivityPlot(
  curves: readonly SensitivityCurve[],
  options: SensitivityPlotOptions = {},
): SVGSVGElement {
  const title = options.title === undefined ? "Sensitivity to the learning rate" : options.title;
  const logScale = options.logScale ?? false;
  const labels = uniqueLabels(curves);
  const drawable = (loss: number) => Number.isFinite(loss) && (!logScale || loss > 0);
  const finite = curves.flatMap((curve, c) =>
    curve.points.map((point) => ({ label: labels[c]!, lr: point.lr, loss: drawable(point.loss) ? point.loss : NaN })),
  );
  const losses = finite.filter((point) => !Number.isNaN(point.loss)).map((point) => point.loss);
  const top = losses.length > 0 ? Math.max(...losses) : 1;
  const bottom = losses.length > 0 ? Math.min(...losses) : 0;
  // Diverged points sit on the top edge, a little above the highest finite loss; room below the lowest for its label.
  const edge = logScale ? top * Math.pow(top / bottom, 0.06) : top + (top - bottom) * 0.06 || top + 1;
  const floor = logScale ? bottom / Math.pow(top / bottom, 0.04) : bottom - (top - bottom) * 0.04;
  const failed = curves.flatMap((curve, c) =>
    curve.points
      .filter((point) => !drawable(point.loss))
      .map((point) => ({ label: labels[c]!, lr: point.lr, loss: edge })),
  );
  const chosen = curves.flatMap((curve, c) => {
    const point = curve.points.find((candidate) => candidate.lr === curve.chosen && drawable(candidate.loss));
    return point ? [{ label: labels[c]!, lr: point.lr, loss: point.loss, text: formatLr(point.lr) }] : [];
  });
  const legend = labels.map((label, c) => ({ label, color: runColor(c, options.colors) }));
  const series = { x: "lr", y: "loss", stroke: "label", z: "label" } as const;
  return Plot.plot({
    ...baseOptions(options),
    width: options.width ?? 640,
    height: options.height ?? 360,
    marginTop: topMargin(title),
    marginLeft: 56,
    marginRight: legendWidth(labels),
    x: { type: "log", label: "learning rate (log scale)", labelAnchor: "center", tickFormat: "~e" },
    y: { type: logScale ? "log" : "linear", label: null, grid: true, tickFormat: "~g", domain: [floor, edge] },
    color: { domain: labels, range: labels.map((_, c) => runColor(c, options.colors)) },
    marks: [
      Plot.lineY(finite, { ...series, strokeWidth: 1.8 }),
      Plot.dot(finite, { ...series, fill: "label", r: 3 }),
      Plot.dot(chosen, { ...series, r: 7, strokeWidth: 1.6 }),
      Plot.text(chosen, { x: "lr", y: "loss", text: "text", dy: -14, fill: "label", fontWeight: "bold" }),
      Plot.dot(failed, { ...series, symbol: "times", r: 5, strokeWidth: 2 }),
      title === null ? null : titleMark(title),
      yLabelMark(options.lossLabel ?? "final held-out loss"),
      legendMark(legend),
    ],
  }) as SVGSVGElement;
}

/** The tuning grids of a comparison's runs (`tune`), one curve per optimizer, the kept lr chosen; [] without tuning. */
export function tuningCurves(runs: readonly RunResult[]): SensitivityCurve[] {
  const seen = new Set<number>();
  const curves: SensitivityCurve[] = [];
  runs.forEach((run, r) => {
    const key = run.optimizerIndex ?? r;
    if (!run.tuning || seen.has(key)) return;
    seen.add(key);
    curves.push({
      label: run.label,
      points: run.tuning.points.map((point) => ({ lr: point.lr, loss: point.loss })),
      chosen: run.tuning.chosenLr,
    });
  });
  return curves;
}
