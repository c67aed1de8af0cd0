// Per-epoch results side by side: loss (held-out solid, mean training loss dashed) and held-out accuracy.
// Two Plot panels with their own y scales, nested in one <svg> so the figure stays a single SVG file.
import * as Plot from "@observablehq/plot";
import { BAND_NAMES, replicateBand, replicateGroups, type BandKind } from "../stats.js";
import type { EpochResult, RunResult } from "../types.js";
import {
  baseOptions,
  legendMark,
  legendWidth,
  groupStatus,
  lrChoiceText,
  runColor,
  svgElement,
  topMargin,
  uniqueLabels,
  type FigureOptions,
} from "./common.js";

interface EpochPoint {
  label: string;
  epoch: number;
  value: number;
  /** The band over seed replicates (equal to value for a single run). */
  low: number;
  high: number;
}

export interface EpochPlotOptions extends FigureOptions {
  /** With seed replicates: what the band around each optimizer's median spans, "minmax" (default) or "iqr". */
  band?: BandKind;
}

/**
 * Held-out loss and accuracy per epoch of every run (training loss too), as one SVG element; with seed replicates
 * (several runs of one optimizer), the median per epoch over a band.
 */
export function epochPlot(runs: readonly RunResult[], options: EpochPlotOptions = {}): SVGSVGElement {
  const document = options.document ?? globalThis.document;
  const title = options.title === undefined ? "Per epoch" : options.title;
  const groups = replicateGroups(runs);
  const replicated = groups.some((group) => group.runs.length > 1);
  const kind = options.band ?? "minmax";
  const labels = uniqueLabels(groups);
  const trainLoss: EpochPoint[] = [];
  const evalLoss: EpochPoint[] = [];
  const accuracy: EpochPoint[] = [];
  const epochs = [...new Set(runs.flatMap((run) => run.epochs.map((result) => result.epoch)))].sort((a, b) => a - b);
  groups.forEach((group, g) => {
    const series = (value: (result: EpochResult | undefined) => number | undefined, into: EpochPoint[]) => {
      // One curve per replicate, indexed by position in `epochs`.
      const curves = group.runs.map((run) =>
        epochs.map((epoch) => value(run.epochs.find((result) => result.epoch === epoch)) ?? Number.NaN),
      );
      const band = replicateBand(curves, kind);
      epochs.forEach((epoch, e) => {
        if (Number.isFinite(band.median[e]!))
          into.push({ label: labels[g]!, epoch, value: band.median[e]!, low: band.low[e]!, high: band.high[e]! });
      });
    };
    series((result) => result?.trainLoss, trainLoss);
    series((result) => result?.evalLoss, evalLoss);
    series((result) => (result?.evalAccuracy === undefined ? undefined : result.evalAccuracy * 100), accuracy);
  });

  const height = options.height ?? 350;
  // The title gets its own band above the panels, clear of their y-axis labels.
  const titleBand = title === null ? 0 : 24;
  const hasAccuracy = accuracy.length > 0;
  const legend = [
    ...groups.map((group, g) => ({
      label: labels[g] + lrChoiceText(group.runs) + groupStatus(group.runs),
      color: runColor(g, options.colors),
    })),
    ...(evalLoss.length > 0 ? [{ label: "held-out", color: "#777" }] : []),
    { label: "train (epoch mean)", color: "#777", dashed: true },
    ...(replicated
      ? [
          { label: `median of ${Math.max(...groups.map((group) => group.runs.length))} seeds`, color: "#777" },
          { label: `band: ${BAND_NAMES[kind]} over seeds`, color: "#ccc" },
        ]
      : []),
  ];
  const bandMark = (points: EpochPoint[]) =>
    replicated
      ? Plot.areaY(points, { x: "epoch", y1: "low", y2: "high", fill: "label", z: "label", fillOpacity: 0.2 })
      : null;
  const legendSpace = legendWidth(legend.map((entry) => entry.label));
  // With seeds, legends name the chosen lrs and the band: the figure widens so that the panels keep their room.
  const width = options.width ?? (replicated ? Math.max(760, 640 + legendSpace) : 760);
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
      bandMark(evalLoss.length > 0 ? evalLoss : trainLoss),
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
        bandMark(accuracy),
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
