// Optimizer trajectories over a 2-D test function: filled contours of log(f − min f) underneath, one coloured path
// per optimizer on top (a white ring at the common start, a dot where each ended, an × where one diverged), the
// minima as stars. Contours on a log scale, because the interesting part of these functions (the valley floor)
// is orders of magnitude below their walls.
import * as Plot from "@observablehq/plot";
import type { Dimensions, RenderFunction } from "@observablehq/plot";
import type { LandscapeGrid, LandscapeResult, LandscapeRun } from "../landscape.js";
import {
  baseOptions,
  legendMark,
  legendWidth,
  runColor,
  svgElement,
  titleMark,
  topMargin,
  uniqueLabels,
  type FigureOptions,
} from "./common.js";

export interface LandscapePlotOptions extends FigureOptions {
  /** About how many contour bands (log-spaced in f − min f). Default 14. */
  levels?: number;
  /** Colour scheme of the bands, any Observable Plot scheme name; by default a pale ramp from cream (low) to grey-blue (high), on which every run's colour stands out. */
  scheme?: Plot.ColorScheme;
  /** Most points drawn per path; longer paths are thinned to every k-th step (the last is always kept). Default 2000. */
  maxPoints?: number;
}

interface PathPoint {
  x: number;
  y: number;
}

/** The function's landscape and every run's path, as an SVG element; the view is the grid's x and y range. */
export function landscapePlot(
  result: LandscapeResult,
  grid: LandscapeGrid,
  options: LandscapePlotOptions = {},
): SVGSVGElement {
  const levels = options.levels ?? 14;
  if (!(Number.isInteger(levels) && levels >= 2))
    throw new RangeError(`levels must be an integer of at least 2, got ${levels}`);
  const maxPoints = options.maxPoints ?? 2000;
  if (!(Number.isInteger(maxPoints) && maxPoints >= 2))
    throw new RangeError(`maxPoints must be an integer of at least 2, got ${maxPoints}`);
  if (grid.values.length !== grid.nx * grid.ny)
    throw new RangeError(`the grid holds ${grid.values.length} values, ${grid.nx} × ${grid.ny} expected`);
  const { fn } = result;
  const title = options.title === undefined ? `${capitalized(fn.name)}: f(x, y) = ${fn.formula}` : options.title;
  const labels = uniqueLabels(result.runs);
  const colors = result.runs.map((_, r) => runColor(r, options.colors));
  const start = { x: result.start[0], y: result.start[1] };

  const paths = result.runs.map((run) => [start, ...thinned(run, maxPoints)].map((point) => clamped(point, grid)));
  const ends: (PathPoint & { color: string })[] = [];
  const stops: (PathPoint & { color: string })[] = [];
  result.runs.forEach((run, r) => {
    const last = lastFinitePoint(run) ?? start;
    (run.diverged ? stops : ends).push({ ...last, color: colors[r] });
  });
  const legend = result.runs.map((run, r) => ({
    label: labels[r] + (run.diverged ? ` (diverged at step ${run.diverged.step})` : ""),
    color: colors[r],
  }));
  const keyRows = [
    "○ start",
    "● end",
    ...(fn.minima.length ? ["★ minimum"] : []),
    ...(fn.saddlePoints.length ? ["◆ saddle point"] : []),
    ...(stops.length ? ["× diverged"] : []),
  ];

  return Plot.plot({
    ...baseOptions(options),
    width: options.width ?? 760,
    height: options.height ?? 560,
    marginTop: topMargin(title),
    marginLeft: 50,
    marginBottom: 40,
    marginRight: legendWidth([...legend.map((entry) => entry.label), "log₁₀(f − min f) bands"]),
    x: { domain: grid.x, label: "x", labelAnchor: "center", nice: false },
    y: { domain: grid.y, label: "y", labelAnchor: "center", nice: false },
    color: options.scheme
      ? { type: "linear", scheme: options.scheme }
      : { type: "linear", range: ["#fdfdf3", "#8fa3b8"], interpolate: "hcl" },
    marks: [
      Plot.contour(logValues(grid.values), {
        width: grid.nx,
        height: grid.ny,
        x1: grid.x[0],
        x2: grid.x[1],
        y1: grid.y[0],
        y2: grid.y[1],
        fill: Plot.identity,
        stroke: "white",
        strokeOpacity: 0.5,
        strokeWidth: 0.5,
        thresholds: levels,
      }),
      Plot.frame({ stroke: "#888" }),
      ...paths.map((path, r) => Plot.line(path, { x: "x", y: "y", stroke: colors[r], strokeWidth: 2, clip: true })),
      Plot.dot(
        fn.minima.map(([x, y]) => ({ x, y })),
        { x: "x", y: "y", symbol: "star", r: 7, fill: "white", stroke: "#222", strokeWidth: 1.2, clip: true },
      ),
      Plot.dot(
        fn.saddlePoints.map(([x, y]) => ({ x, y })),
        { x: "x", y: "y", symbol: "diamond", r: 6, fill: "white", stroke: "#222", strokeWidth: 1.2, clip: true },
      ),
      // One mark per run with its colour as a constant: a colour channel would go through the bands' colour scale.
      ...ends.map((end) =>
        Plot.dot([end], { x: "x", y: "y", r: 4.5, fill: end.color, stroke: "white", strokeWidth: 1.2, clip: true }),
      ),
      ...stops.map((stop) =>
        Plot.dot([stop], { x: "x", y: "y", symbol: "times", r: 6, stroke: stop.color, strokeWidth: 2.5, clip: true }),
      ),
      Plot.dot([start], { x: "x", y: "y", r: 6, fill: "none", stroke: "white", strokeWidth: 3, clip: true }),
      Plot.dot([start], { x: "x", y: "y", r: 6, fill: "none", stroke: "#222", strokeWidth: 1.2, clip: true }),
      title === null ? null : titleMark(title),
      legendMark(legend),
      keyMark([...keyRows, "bands: log₁₀(f − min f)"], legend.length),
    ],
  }) as SVGSVGElement;
}

function capitalized(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/**
 * log₁₀(f − min f + ε) over the grid, ε = 10⁻⁴ of the grid's range, so the bands span about four decades down
 * to the floor of the valley (and the saddle's negative values shift up like the rest). Non-finite values stay NaN.
 */
function logValues(values: Float32Array): Float64Array {
  let low = Infinity;
  let high = -Infinity;
  for (const value of values) {
    if (!Number.isFinite(value)) continue;
    low = Math.min(low, value);
    high = Math.max(high, value);
  }
  const epsilon = Math.max((high - low) * 1e-4, Number.MIN_VALUE);
  return Float64Array.from(values, (value) =>
    Number.isFinite(value) ? Math.log10(value - low + epsilon) : Number.NaN,
  );
}

/** The run's points, every k-th of them when there are more than `maxPoints`, always with the last. */
function thinned(run: LandscapeRun, maxPoints: number): PathPoint[] {
  const count = run.x.length;
  const stride = Math.max(1, Math.ceil(count / maxPoints));
  const points: PathPoint[] = [];
  for (let k = stride - 1; k < count; k += stride) points.push({ x: run.x[k], y: run.y[k] });
  if (count > 0 && (count - 1) % stride !== stride - 1) points.push({ x: run.x[count - 1], y: run.y[count - 1] });
  return points;
}

/**
 * Far-away points pulled in to ten view widths outside the view: the clipped path looks the same, and the SVG
 * never holds coordinates like 1e38 that renderers draw badly. Non-finite points stay as they are (a gap).
 */
function clamped(point: PathPoint, grid: LandscapeGrid): PathPoint {
  const limit = (value: number, [low, high]: [number, number]) => {
    const span = high - low;
    return Number.isFinite(value) ? Math.min(high + 10 * span, Math.max(low - 10 * span, value)) : value;
  };
  return { x: limit(point.x, grid.x), y: limit(point.y, grid.y) };
}

function lastFinitePoint(run: LandscapeRun): PathPoint | undefined {
  for (let k = run.x.length - 1; k >= 0; k--) {
    if (Number.isFinite(run.x[k]) && Number.isFinite(run.y[k])) return { x: run.x[k], y: run.y[k] };
  }
  return undefined;
}

/** What the markers mean, under the legend's run entries. */
function keyMark(rows: readonly string[], legendRows: number): RenderFunction {
  return (_index, _scales, _values, dimensions: Dimensions, context) => {
    const { width, marginRight, marginTop } = dimensions;
    const group = svgElement(context.document, "g", {
      "aria-label": "marker key",
      "font-size": 11,
      "text-anchor": "start",
      fill: "#444",
    });
    rows.forEach((row, index) => {
      const y = marginTop + 6 + (legendRows + 1 + index) * 17;
      group.append(svgElement(context.document, "text", { x: width - marginRight + 14, y, dy: "0.32em" }, row));
    });
    return group;
  };
}
