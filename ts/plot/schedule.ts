// Learning-rate schedules: the lr in force at each step, one line per schedule.
import * as Plot from "@observablehq/plot";
import { baseOptions, legendMark, legendWidth, runColor, titleMark, topMargin, yLabelMark, type FigureOptions } from "./common.js";

/** One schedule's lr per step (index = step). */
export interface ScheduleCurve {
  label: string;
  lrs: ArrayLike<number>;
}

export interface SchedulePlotOptions extends FigureOptions {
  /** Log-scale lr axis (for schedules spanning decades, e.g. an lr range test). Default false. */
  logScale?: boolean;
}

/** The lr per step of one schedule (an array) or several (labelled curves), as an SVG element. */
export function schedulePlot(curves: ArrayLike<number> | readonly ScheduleCurve[], options: SchedulePlotOptions = {}): SVGSVGElement {
  const list: readonly ScheduleCurve[] = isCurveList(curves) ? curves : [{ label: "lr", lrs: curves }];
  const title = options.title === undefined ? "Learning rate schedule" : options.title;
  const logScale = options.logScale ?? false;
  const points = list.flatMap((curve) =>
    Array.from(curve.lrs, (lr, step) => ({ label: curve.label, step, lr })).filter(
      (point) => Number.isFinite(point.lr) && (!logScale || point.lr > 0),
    ),
  );
  const labels = list.map((curve) => curve.label);
  const showLegend = list.length > 1;
  return Plot.plot({
    ...baseOptions(options),
    width: options.width ?? 640,
    height: options.height ?? 320,
    marginTop: topMargin(title),
    marginLeft: 60,
    marginRight: showLegend ? legendWidth(labels) : 20,
    x: { label: "step", labelAnchor: "center" },
    y: { type: logScale ? "log" : "linear", label: null, grid: true, tickFormat: "~g" },
    color: { domain: labels, range: labels.map((_, i) => runColor(i, options.colors)) },
    marks: [
      Plot.lineY(points, { x: "step", y: "lr", stroke: "label", z: "label", strokeWidth: 1.8, curve: "step-after" }),
      title === null ? null : titleMark(title),
      yLabelMark("learning rate"),
      showLegend ? legendMark(labels.map((label, i) => ({ label, color: runColor(i, options.colors) }))) : null,
    ],
  }) as SVGSVGElement;
}

function isCurveList(curves: ArrayLike<number> | readonly ScheduleCurve[]): curves is readonly ScheduleCurve[] {
  return curves.length > 0 && typeof curves[0] === "object";
}
