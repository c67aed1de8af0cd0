// Learning-rate schedules: the lr in force at each step, one line per schedule.
import * as Plot from "@observablehq/plot";
import {
  baseOptions,
  legendMark,
  legendWidth,
  panelFigure,
  runColor,
  svgElement,
  titleMark,
  topMargin,
  yLabelMark,
  type FigureOptions,
} from "./common.js";

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
export function schedulePlot(
  curves: ArrayLike<number> | readonly ScheduleCurve[],
  options: SchedulePlotOptions = {},
): SVGSVGElement {
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
  const labelHeight = 30;
  const rows = Math.ceil(list.length / columns);
  const height = top + rows * (labelHeight + panelHeight);
  const figure = panelFigure(document, width, height, title);
  // About 6.5 px per character at 11 px: a label's words after the first wrap onto a second line when they do not fit.
  const fits = Math.floor(panelWidth / 6.5);
  list.forEach((curve, index) => {
    const x = (index % columns) * panelWidth;
    const y = top + Math.floor(index / columns) * (labelHeight + panelHeight);
    const [name, ...words] = curve.label.split(" ");
    let firstLine = name;
    let taken = 0;
    while (taken < words.length && `${firstLine} ${words[taken]}`.length <= fits) firstLine += ` ${words[taken++]}`;
    const label = svgElement(document, "text", {
      x: x + panelWidth / 2,
      y: y + 11,
      "text-anchor": "middle",
      "font-size": 11,
      "aria-label": "panel title",
    });
    label.append(svgElement(document, "tspan", { "font-weight": "bold" }, name), firstLine.slice(name.length));
    figure.append(label);
    if (taken < words.length) {
      figure.append(
        svgElement(
          document,
          "text",
          { x: x + panelWidth / 2, y: y + 24, "text-anchor": "middle", "font-size": 11 },
          words.slice(taken).join(" "),
        ),
      );
    }
    const panel = schedulePlot([curve], {
      ...options,
      columns: undefined,
      title: null,
      width: panelWidth,
      height: panelHeight,
      colors: [runColor(index, options.colors)],
    });
    panel.setAttribute("x", String(x));
    panel.setAttribute("y", String(y + labelHeight));
    figure.append(panel);
  });
  return figure;
}
