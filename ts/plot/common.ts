// Pieces shared by the figures: colours, unique labels, smoothing, and the title and legend drawn
// inside the SVG (Plot's own title and legend are HTML around the SVG, which an .svg/.png file loses).
import type { Dimensions, RenderFunction } from "@observablehq/plot";
import { replicateGroups } from "../stats.js";
import type { RunResult } from "../types.js";

/** Tableau 10: one colour per run, in run order, the same in every figure and in the report's tables. */
export const PALETTE = [
  "#4e79a7",
  "#f28e2c",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc949",
  "#af7aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ab",
];

/**
 * Six hues, each as a light and a dark shade (light first), for line-ups of pairs such as the notebook's rule
 * beside torch's. Darker than ColorBrewer's "Paired", whose light yellow vanishes on white.
 */
export const PAIRED_PALETTE = [
  "#6baed6",
  "#08519c",
  "#74c476",
  "#006d2c",
  "#fb6a4a",
  "#a50f15",
  "#fdae6b",
  "#a63603",
  "#9e9ac8",
  "#54278f",
  "#d6b656",
  "#7f6000",
];

export const SVG_NS = "http://www.w3.org/2000/svg";

/** Options every figure accepts. */
export interface FigureOptions {
  /** The DOM to draw with; the page's `document` by default (pass linkedom's in Node, see render-node). */
  document?: Document;
  width?: number;
  height?: number;
  /** Text drawn above the plot; `null` for none. */
  title?: string | null;
  /** Colours of the runs in order (repeating when shorter); PALETTE by default. */
  colors?: readonly string[];
}

/** The colour of the run at `index` (the palette repeats after its last colour). */
export function runColor(index: number, colors: readonly string[] = PALETTE): string {
  return colors[index % colors.length];
}

/** Run labels made unique (" #2", " #3" appended to repeats), because lines and colours are keyed by label. */
export function uniqueLabels(runs: readonly Pick<RunResult, "label">[]): string[] {
  const seen = new Map<string, number>();
  return runs.map((run) => {
    const count = (seen.get(run.label) ?? 0) + 1;
    seen.set(run.label, count);
    return count === 1 ? run.label : `${run.label} #${count}`;
  });
}

/**
 * Each run's label as figures and files show it, and the index of its optimizer (its colour): the replicates of one
 * optimizer (seeds) share both; different optimizers with the same label are kept apart as `uniqueLabels` does.
 */
export function runLabels(runs: readonly RunResult[]): { labels: string[]; groups: number[] } {
  const groupList = replicateGroups(runs);
  const unique = uniqueLabels(groupList);
  const labels: string[] = new Array(runs.length);
  const groups: number[] = new Array(runs.length);
  groupList.forEach((group, g) =>
    group.runs.forEach((run) => {
      const r = runs.indexOf(run);
      labels[r] = unique[g]!;
      groups[r] = g;
    }),
  );
  return { labels, groups };
}

/**
 * Exponential moving average with bias correction (as TensorBoard smooths): ŝ_t = s_t / (1 − βᵗ),
 * s_t = β·s_{t−1} + (1 − β)·x_t, so the first values are not pulled toward zero. Non-finite values are skipped.
 */
export function smoothEma(values: ArrayLike<number>, beta: number): Float64Array {
  const out = new Float64Array(values.length);
  let average = 0;
  let weight = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (Number.isFinite(value)) {
      average = beta * average + (1 - beta) * value;
      weight = beta * weight + (1 - beta);
    }
    out[i] = weight > 0 ? average / weight : Number.NaN;
  }
  return out;
}

/** Index of the last finite value, or -1. */
export function lastFiniteIndex(values: ArrayLike<number>): number {
  for (let i = values.length - 1; i >= 0; i--) if (Number.isFinite(values[i])) return i;
  return -1;
}

/** An lr as figures, tables and the CLI write it: 3.2e-3. */
export function formatLr(lr: number): string {
  return lr.toExponential(1).replace("e+", "e");
}

/**
 * What a legend adds to the label of runs whose lr optimlab chose: " lr=auto → 8.9e-4 (valley)", " lr tuned → 1.0e-3
 * (held-out loss)"; with several seeds whose lrs differ, the range "7.9e-4…1.1e-3". Empty when the lr was given.
 */
export function lrChoiceText(runs: readonly RunResult[]): string {
  const choices = runs.flatMap((run) => (run.lrChoice ? [run.lrChoice] : []));
  if (choices.length === 0) return "";
  const lrs = choices.map((choice) => choice.lr);
  const [low, high] = [Math.min(...lrs), Math.max(...lrs)];
  const value = low === high ? formatLr(low) : `${formatLr(low)}…${formatLr(high)}`;
  const first = choices[0]!;
  return first.method === "auto" ? ` lr=auto → ${value} (${first.rule})` : ` lr tuned → ${value} (${first.by})`;
}

/** What a run's legend entry adds to its label when it did not finish normally. */
export function runStatus(run: RunResult): string {
  if (run.error) return " (failed)";
  if (run.diverged) return ` (diverged at step ${run.diverged.step})`;
  return "";
}

/** What an optimizer's legend entry adds when some of its replicates did not finish: "(1 of 3 diverged)". */
export function groupStatus(runs: readonly RunResult[]): string {
  if (runs.length === 1) return runStatus(runs[0]!);
  const failed = runs.filter((run) => run.error).length;
  const diverged = runs.filter((run) => run.diverged).length;
  const parts = [
    ...(diverged > 0 ? [`${diverged} of ${runs.length} diverged`] : []),
    ...(failed > 0 ? [`${failed} of ${runs.length} failed`] : []),
  ];
  return parts.length > 0 ? ` (${parts.join(", ")})` : "";
}

/** An SVG element with its attributes (in the order given) and, when given, its text. */
export function svgElement(
  document: Document,
  name: string,
  attributes: Record<string, string | number>,
  text?: string,
): SVGElement {
  const element = document.createElementNS(SVG_NS, name) as SVGElement;
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

/** The outer <svg> of a figure laid out as panels (nested <svg>s): white background, and the bold title on top unless null. */
export function panelFigure(document: Document, width: number, height: number, title: string | null): SVGSVGElement {
  const figure = svgElement(document, "svg", {
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    "font-family": "system-ui, sans-serif",
    "font-size": 10,
  }) as SVGSVGElement;
  figure.append(svgElement(document, "rect", { width, height, fill: "white" }));
  if (title !== null) {
    figure.append(
      svgElement(
        document,
        "text",
        { x: width / 2, y: 20, "text-anchor": "middle", "font-size": 15, "font-weight": "bold", "aria-label": "title" },
        title,
      ),
    );
  }
  return figure;
}

/** Top margin of a figure: room for the title (if any) and, below it, the y-axis label. */
export function topMargin(title: string | null): number {
  return title === null ? 34 : 54;
}

/**
 * The y-axis label, drawn just above the frame's top-left corner (Plot's own goes to the figure's top edge,
 * where the title is).
 */
export function yLabelMark(label: string): RenderFunction {
  return (_index, _scales, _values, dimensions: Dimensions, context) => {
    const text = svgElement(context.document, "text", {
      x: 3,
      y: dimensions.marginTop - 14,
      "text-anchor": "start",
      "aria-label": "y-axis label",
    });
    text.textContent = `↑ ${label}`;
    return text;
  };
}

/** A title centred over the frame, in the top margin. */
export function titleMark(title: string): RenderFunction {
  return (_index, _scales, _values, dimensions: Dimensions, context) => {
    const { marginLeft, marginRight, width } = dimensions;
    const text = svgElement(context.document, "text", {
      x: marginLeft + (width - marginLeft - marginRight) / 2,
      y: 18,
      "font-size": 15,
      "font-weight": "bold",
      "aria-label": "title",
    });
    text.textContent = title;
    return text;
  };
}

/** One legend entry: a short stroke in the run's colour and its label. */
export interface LegendEntry {
  label: string;
  color: string;
  dashed?: boolean;
}

/** A legend in the right margin, one row per entry, so it never covers a curve. */
export function legendMark(entries: readonly LegendEntry[], options: { top?: number } = {}): RenderFunction {
  return (_index, _scales, _values, dimensions: Dimensions, context) => {
    const { width, marginRight, marginTop } = dimensions;
    const left = width - marginRight + 14;
    const top = marginTop + (options.top ?? 6);
    const group = svgElement(context.document, "g", {
      "aria-label": "legend",
      "text-anchor": "start",
      "font-size": 11,
    });
    entries.forEach((entry, row) => {
      const y = top + row * 17;
      group.append(
        svgElement(context.document, "line", {
          x1: left,
          x2: left + 18,
          y1: y,
          y2: y,
          stroke: entry.color,
          "stroke-width": 2.5,
          ...(entry.dashed ? { "stroke-dasharray": "4,3" } : {}),
        }),
      );
      const text = svgElement(context.document, "text", { x: left + 24, y, dy: "0.32em" });
      text.textContent = entry.label;
      group.append(text);
    });
    return group;
  };
}

/** The right margin a legend of these labels needs (about 7 px per character at 11 px DejaVu Sans). */
export function legendWidth(labels: readonly string[]): number {
  const longest = Math.max(0, ...labels.map((label) => label.length));
  return Math.min(360, 56 + Math.ceil(longest * 7.5));
}

/** Options handed to every Plot.plot call: the document (when given), white background, our font. */
export function baseOptions(options: FigureOptions): { document?: Document; style: Record<string, string> } {
  return {
    ...(options.document ? { document: options.document } : {}),
    style: { background: "white", color: "#222" },
  };
}
