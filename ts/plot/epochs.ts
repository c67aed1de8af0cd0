// Per-epoch results side by side: loss (held-out solid, mean training loss dashed) and held-out accuracy.
// Two Plot panels with their own y scales, nested in one <svg> so the figure stays a single SVG file.
import * as Plot from "@observablehq/plot";
import type { RunResult } from "../types.js";
import {
  baseOptions,
  legendMark,
  legendWidth,
  runColor,
  runStatus,
  svgElement,
  topMargin,
  uniqueLabels,
  type FigureOptions,
} from "./common.js";

interface EpochPoint {
  label: string;
  epoch: number;
  value: number;
}

/** Held-out loss and accuracy per epoch of every run (training loss too), as one SVG element. */
export function epochPlot(runs: readonly RunResult[], options: FigureOptions = {}): SVGSVGElement {
  const document = options.document ?? globalThis.document;
  const title = options.title === undefined ? "Per epoch" : options.title;
  const labels = uniqueLabels(runs);
  const trainLoss: EpochPoint[] = [];
  const evalLoss: EpochPoint[] = [];
  const accuracy: EpochPoint[] = [];
  runs.forEach((run, r) => {
    for (const result of run.epochs) {
      const point = (value: number | undefined, into: EpochPoint[]) => {
        if (value !== undefined && Number.isFinite(value)) into.push({ label: labels[r], epoch: result.epoch, value });
      };
      point(result.trainLoss, trainLoss);
      point(result.evalLoss, evalLoss);
      point(result.evalAccuracy === undefined ? undefined : result.evalAccuracy * 100, accuracy);
    }
  });
  const epochs = [...new Set(runs.flatMap((run) => run.epochs.map((result) => result.epoch)))].sort((a, b) => a - b);

  const width = options.width ?? 760;
  const height = options.height ?? 350;
  // The title gets its own band above the panels, clear of their y-axis labels.
  const titleBand = title === null ? 0 : 24;
  const hasAccuracy = accuracy.length > 0;
  const legend = [
    ...runs.map((run, r) => ({ label: labels[r] + runStatus(run), color: runColor(r, options.colors) })),
    ...(evalLoss.length > 0 ? [{ label: "held-out", color: "#777" }] : []),
    { label: "train (epoch mean)", color: "#777", dashed: true },
  ];
  const legendSpace = legendWidth(legend.map((entry) => entry.label));
  const lossWidth = hasAccuracy ? Math.round((width - legendSpace) / 2) : width;
  const shared = {
    ...baseOptions(options),
    height: height - titleBand,
    marginTop: topMargin(null),
    marginLeft: 52,
    x: { label: "epoch", labelAnchor: "center" as const, ticks: epochs, tickFormat: "d" },
    color: { domain: labels, range: labels.map((_, r) => runColor(r, options.colors)) },
  };
  const series = { x: "epoch", y: "value", stroke: "label", z: "label" } as const;
  const lossPanel = Plot.plot({
    ...shared,
    width: lossWidth,
    marginRight: hasAccuracy ? 16 : legendSpace,
    y: { label: evalLoss.length > 0 ? "loss" : "training loss", grid: true, tickFormat: "~g" },
    marks: [
      Plot.lineY(trainLoss, { ...series, strokeDasharray: "5,4", strokeWidth: 1.5 }),
      Plot.dot(trainLoss, { ...series, r: 2.5 }),
      Plot.lineY(evalLoss, { ...series, strokeWidth: 2 }),
      Plot.dot(evalLoss, { ...series, fill: "label", r: 3 }),
      hasAccuracy ? null : legendMark(legend),
    ],
  }) as SVGSVGElement;
  const outer = svgElement(document, "svg", {
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    "font-family": "system-ui, sans-serif",
    "font-size": 10,
  }) as SVGSVGElement;
  const background = svgElement(document, "rect", { width, height, fill: "white" });
  lossPanel.setAttribute("y", String(titleBand));
  outer.append(background, lossPanel);
  if (hasAccuracy) {
    const accuracyPanel = Plot.plot({
      ...shared,
      width: width - lossWidth,
      marginRight: legendSpace,
      y: { label: "held-out accuracy (%)", grid: true },
      marks: [
        Plot.lineY(accuracy, { ...series, strokeWidth: 2 }),
        Plot.dot(accuracy, { ...series, fill: "label", r: 3 }),
        legendMark(legend),
      ],
    }) as SVGSVGElement;
    accuracyPanel.setAttribute("x", String(lossWidth));
    accuracyPanel.setAttribute("y", String(titleBand));
    outer.append(accuracyPanel);
  }
  if (title !== null) {
    outer.append(
      svgElement(
        document,
        "text",
        { x: width / 2, y: 18, "font-size": 15, "font-weight": "bold", "text-anchor": "middle" },
        title,
      ),
    );
  }
  return outer;
}
