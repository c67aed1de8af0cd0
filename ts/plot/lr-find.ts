// The learning-rate range test's figure, as fastai's plot_lr_find and torch-lr-finder's plot draw it: loss against
// lr on a log axis, the raw batch losses faint under the smoothed curve, each optimizer's suggestions marked on it
// (● steepest, ▲ minimum ÷ 10, ◆ valley) with their lr written beside. One curve per optimizer, overlaid.
import * as Plot from "@observablehq/plot";
import type { LrFindResult, LrSuggestions } from "../lr-find.js";
import type { Dimensions, RenderFunction } from "@observablehq/plot";
import {
  baseOptions,
  formatLr,
  legendMark,
  legendWidth,
  panelFigure,
  runColor,
  svgElement,
  titleMark,
  topMargin,
  uniqueLabels,
  yLabelMark,
  type FigureOptions,
} from "./common.js";

/** What the figure needs of a range test (an `LrFindResult` has it all). */
export type LrFindCurve = Pick<LrFindResult, "label" | "lrs" | "losses" | "smoothed" | "suggestions" | "stoppedEarly">;

export interface LrFindPlotOptions extends FigureOptions {
  /**
   * Top of the loss axis as a multiple of the highest starting loss (default 1.5): a diverging curve leaves the frame
   * instead of squashing the part that matters. `null` shows everything.
   */
  clipAbove?: number | null;
  /**
   * One small panel per test, this many per row, each titled with its label (overlaid curves get crowded beyond
   * three or four). `width` is the whole figure's, `height` each panel's. Default: one plot, curves overlaid.
   */
  columns?: number;
}

/** The rules in the order drawn, with their mark and how the legend names them. */
const RULES = [
  { rule: "steepest", symbol: "circle", glyph: "●", name: "steepest" },
  { rule: "minimum", symbol: "triangle", glyph: "▲", name: "minimum ÷ 10" },
  { rule: "valley", symbol: "diamond", glyph: "◆", name: "valley" },
] as const satisfies readonly { rule: keyof LrSuggestions; symbol: string; glyph: string; name: string }[];

export interface CurvePoint {
  label: string;
  lr: number;
  loss: number;
}

interface SuggestionPoint extends CurvePoint {
  rule: string;
  text: string;
}

/** The smoothed loss at `lr`, interpolated linearly in ln lr (held flat beyond the ends). */
export function lossAtLr(lrs: ArrayLike<number>, smoothed: ArrayLike<number>, lr: number): number {
  let last = -1;
  for (let i = 0; i < lrs.length && Number.isFinite(smoothed[i]); i++) last = i;
  if (last < 0) return Number.NaN;
  if (lr <= lrs[0]) return smoothed[0];
  if (lr >= lrs[last]) return smoothed[last];
  let right = 1;
  while (lrs[right] < lr) right++;
  const t = (Math.log(lr) - Math.log(lrs[right - 1])) / (Math.log(lrs[right]) - Math.log(lrs[right - 1]));
  return smoothed[right - 1] + t * (smoothed[right] - smoothed[right - 1]);
}

export { formatLr };

/**
 * The lines cut at the top of the frame: a segment that crosses it ends (or starts) at the crossing, found in ln lr,
 * and points above become gaps (NaN, where Plot breaks a line). Done in the data because resvg fails on Plot's
 * clip paths inside a grid's nested panels.
 */
export function cutAbove(points: readonly CurvePoint[], top: number | undefined): CurvePoint[] {
  if (top === undefined) return [...points];
  const out: CurvePoint[] = [];
  points.forEach((point, i) => {
    const previous = points[i - 1];
    if (previous && previous.label === point.label && previous.loss > top !== point.loss > top) {
      const t = (top - previous.loss) / (point.loss - previous.loss);
      const lr = Math.exp(Math.log(previous.lr) + t * (Math.log(point.lr) - Math.log(previous.lr)));
      out.push({ label: point.label, lr, loss: top });
    }
    out.push(point.loss > top ? { ...point, loss: Number.NaN } : point);
  });
  return out;
}

/** Log-axis ticks: plain decimals from 0.001 to 1000, else 1e-6. */
function lrTick(lr: number): string {
  return lr >= 1e-3 && lr <= 1e3 ? String(lr) : formatLr(lr).replace(/\.0e/, "e");
}

const KEY = RULES.map(({ glyph, name }) => `${glyph} ${name}`);

/** The marks' key, in the right margin under the legend of `rows` entries. */
function ruleKeyMark(rows: number): RenderFunction {
  return (_index, _scales, _values, dimensions: Dimensions, context) => {
    const { width, marginRight, marginTop } = dimensions;
    const group = svgElement(context.document, "g", { "aria-label": "suggestion key", "text-anchor": "start" });
    KEY.forEach((line, row) => {
      const y = marginTop + 6 + (rows + 0.6 + row) * 17;
      group.append(
        svgElement(
          context.document,
          "text",
          { x: width - marginRight + 14, y, dy: "0.32em", "font-size": 11, fill: "#444" },
          line,
        ),
      );
    });
    return group;
  };
}

/** Loss against lr of every range test, as an SVG element (default title "Learning-rate range test"). */
export function lrFindPlot(curves: readonly LrFindCurve[], options: LrFindPlotOptions = {}): SVGSVGElement {
  if (options.columns !== undefined) {
    if (!(Number.isInteger(options.columns) && options.columns >= 1))
      throw new RangeError(`columns must be a positive integer, got ${options.columns}`);
    return lrFindGrid(curves, options.columns, options);
  }
  return overlaid(curves, options, true);
}

/** The curves in one plot; a grid's panel (`withLegend` false) leaves the legend and the key to the grid. */
function overlaid(curves: readonly LrFindCurve[], options: LrFindPlotOptions, withLegend: boolean): SVGSVGElement {
  const title = options.title === undefined ? "Learning-rate range test" : options.title;
  const clipAbove = options.clipAbove === undefined ? 1.5 : options.clipAbove;
  if (clipAbove !== null && !(clipAbove > 1))
    throw new RangeError(`clipAbove must be greater than 1 (or null), got ${clipAbove}`);
  const labels = uniqueLabels(curves);
  const drawable = (lr: number, loss: number) => lr > 0 && Number.isFinite(lr) && Number.isFinite(loss);

  const raw: CurvePoint[] = [];
  const smoothed: CurvePoint[] = [];
  const marks: SuggestionPoint[] = [];
  curves.forEach((curve, c) => {
    const label = labels[c];
    for (let i = 0; i < curve.lrs.length; i++) {
      if (drawable(curve.lrs[i], curve.losses[i])) raw.push({ label, lr: curve.lrs[i], loss: curve.losses[i] });
      if (drawable(curve.lrs[i], curve.smoothed[i]))
        smoothed.push({ label, lr: curve.lrs[i], loss: curve.smoothed[i] });
    }
    for (const { rule } of RULES) {
      const suggestion = curve.suggestions[rule];
      if (!suggestion) continue;
      const loss = lossAtLr(curve.lrs, curve.smoothed, suggestion.lr);
      if (drawable(suggestion.lr, loss))
        marks.push({ label, rule, lr: suggestion.lr, loss, text: formatLr(suggestion.lr) });
    }
  });

  const losses = [...raw, ...smoothed].map((point) => point.loss);
  const lowest = Math.min(...losses);
  const highest = Math.max(...losses);
  const starts = curves.map((curve) => curve.smoothed[0]).filter(Number.isFinite);
  const top = clipAbove === null || starts.length === 0 ? highest : Math.min(highest, clipAbove * Math.max(...starts));
  const pad = 0.04 * (top - lowest || 1);
  const yDomain = losses.length === 0 ? undefined : [Math.max(0, lowest - pad), top + pad];
  // Marks outside the frame are left out rather than clipped (resvg fails on clipped marks in a grid's nested panels).
  const shown = yDomain ? marks.filter((mark) => mark.loss <= yDomain[1]!) : marks;

  const legend = curves.map((curve, c) => ({
    label: labels[c] + (curve.stoppedEarly ? " (diverged)" : ""),
    color: runColor(c, options.colors),
  }));
  const line = { x: "lr", y: "loss", stroke: "label", z: "label" } as const;
  return Plot.plot({
    ...baseOptions(options),
    width: options.width ?? 760,
    height: options.height ?? 420,
    marginTop: topMargin(title),
    marginLeft: 56,
    marginRight: withLegend ? legendWidth([...legend.map((entry) => entry.label), ...KEY]) : 16,
    marginBottom: 44,
    x: { type: "log", label: "learning rate (log scale)", labelAnchor: "center", grid: true, tickFormat: lrTick },
    y: { type: "linear", label: null, grid: true, tickFormat: "~g", ...(yDomain ? { domain: yDomain } : {}) },
    color: { domain: labels, range: labels.map((_, c) => runColor(c, options.colors)) },
    symbol: { domain: RULES.map(({ rule }) => rule), range: RULES.map(({ symbol }) => symbol) },
    marks: [
      Plot.lineY(cutAbove(raw, yDomain?.[1]), { ...line, strokeWidth: 1, strokeOpacity: 0.3 }),
      Plot.lineY(cutAbove(smoothed, yDomain?.[1]), { ...line, strokeWidth: 1.8 }),
      Plot.dot(shown, { x: "lr", y: "loss", symbol: "rule", fill: "label", stroke: "white", strokeWidth: 1, r: 5.5 }),
      Plot.text(shown, {
        x: "lr",
        y: "loss",
        text: "text",
        fill: "label",
        dy: -11,
        fontSize: 10,
        stroke: "white",
        strokeWidth: 3,
        paintOrder: "stroke",
      }),
      title === null ? null : titleMark(title),
      yLabelMark(withLegend ? "loss (smoothed; raw batch losses faint)" : "loss"),
      withLegend ? legendMark(legend) : null,
      withLegend ? ruleKeyMark(legend.length) : null,
    ],
  }) as SVGSVGElement;
}

/** One panel per test, `columns` to a row in one SVG (each panel a nested <svg>), under the title and the marks' key. */
function lrFindGrid(curves: readonly LrFindCurve[], columns: number, options: LrFindPlotOptions): SVGSVGElement {
  const document = options.document ?? globalThis.document;
  const title = options.title === undefined ? "Learning-rate range tests" : options.title;
  const width = options.width ?? 1200;
  const panelHeight = options.height ?? 260;
  const panelWidth = Math.floor(width / Math.min(columns, Math.max(curves.length, 1)));
  const top = (title === null ? 0 : 28) + 22;
  const height = top + Math.ceil(curves.length / columns) * panelHeight;
  const figure = panelFigure(document, width, height, title);
  figure.append(
    svgElement(
      document,
      "text",
      {
        x: width / 2,
        y: top - 8,
        "text-anchor": "middle",
        "font-size": 11,
        fill: "#444",
        "aria-label": "suggestion key",
      },
      `${KEY.join("     ")}     (lrs written beside the marks)`,
    ),
  );
  const labels = uniqueLabels(curves);
  curves.forEach((curve, index) => {
    const status = curve.stoppedEarly ? " (diverged)" : "";
    const panel = overlaid(
      [{ ...curve, label: labels[index] }],
      {
        ...options,
        title: labels[index] + status,
        width: panelWidth,
        height: panelHeight,
        colors: [runColor(index, options.colors)],
      },
      false,
    );
    panel.setAttribute("x", String((index % columns) * panelWidth));
    panel.setAttribute("y", String(top + Math.floor(index / columns) * panelHeight));
    figure.append(panel);
  });
  return figure;
}
