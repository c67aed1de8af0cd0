// Learning-rate schedules: the lr in force at each step, one line per schedule.
import * as Plot from "@observablehq/plot";
import { baseOptions, legendMark, legendWidth, runColor, SVG_NS, titleMark, topMargin, yLabelMark, type FigureOptions } from "./common.js";

/** One schedule's lr per step (index = step). */
export interface ScheduleCurve {
  label: string;
  lrs: ArrayLike<number>;
}

export interface SchedulePlotOptions extends FigureOptions {
  /** Log-scale lr axis (for schedules spanning decades, e.g. an lr range test). Default false. */
  logScale?: boolean;
  /**
   * Several schedules as a grid of small panels, this many per row, each titled with its label, instead of one
   * plot with overlaid lines (which gets unreadable beyond a handful). `height` is then each panel's. Default: overlaid.
   */
  columns?: number;
}

/** The lr per step of one schedule (an array) or several (labelled curves), as an SVG element. */
export function schedulePlot(curves: ArrayLike<number> | readonly ScheduleCurve[], options: SchedulePlotOptions = {}): SVGSVGElement {
  const list: readonly ScheduleCurve[] = isCurveList(curves) ? curves : [{ label: "lr", lrs: curves }];
  if (options.columns !== undefined && list.length > 1) return scheduleGrid(list, options.columns, options);
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

/** One small plot per schedule, laid out `columns` to a row in one SVG (each panel is a nested <svg>). */
function scheduleGrid(list: readonly ScheduleCurve[], columns: number, options: SchedulePlotOptions): SVGSVGElement {
  const document = options.document ?? globalThis.document;
  const width = options.width ?? 960;
  const panelHeight = options.height ?? 170;
  const title = options.title === undefined ? "Learning rate schedules" : options.title;
  const top = title === null ? 0 : 30;
  const panelWidth = Math.floor(width / columns);
  const rows = Math.ceil(list.length / columns);
  const height = top + rows * panelHeight;
  const figure = document.createElementNS(SVG_NS, "svg") as SVGSVGElement;
  for (const [key, value] of Object.entries({ width, height, viewBox: `0 0 ${width} ${height}`, "font-family": "system-ui, sans-serif", "font-size": 10 })) {
    figure.setAttribute(key, String(value));
  }
  const background = document.createElementNS(SVG_NS, "rect");
  for (const [key, value] of Object.entries({ width, height, fill: "white" })) background.setAttribute(key, String(value));
  figure.append(background);
  if (title !== null) {
    const text = document.createElementNS(SVG_NS, "text");
    for (const [key, value] of Object.entries({ x: width / 2, y: 20, "text-anchor": "middle", "font-size": 15, "font-weight": "bold", "aria-label": "title" })) {
      text.setAttribute(key, String(value));
    }
    text.textContent = title;
    figure.append(text);
  }
  list.forEach((curve, index) => {
    const panel = schedulePlot([curve], { ...options, columns: undefined, title: curve.label, width: panelWidth, height: panelHeight, colors: [runColor(index, options.colors)] });
    panel.setAttribute("x", String((index % columns) * panelWidth));
    panel.setAttribute("y", String(top + Math.floor(index / columns) * panelHeight));
    figure.append(panel);
  });
  return figure;
}
