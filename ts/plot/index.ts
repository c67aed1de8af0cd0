// Figures and the HTML report: pure functions of run results, safe in browsers (pass a `document` in Node,
// or use ./render-node.js, which also makes PNGs).
export { PAIRED_PALETTE, PALETTE, smoothEma, type FigureOptions } from "./common.js";
export { lossPlot, type LossPlotOptions } from "./loss.js";
export { epochPlot } from "./epochs.js";
export { schedulePlot, type ScheduleCurve, type SchedulePlotOptions } from "./schedule.js";
export {
  describeOptimizer,
  lrFigure,
  reportHtml,
  type ReportFigure,
  type ReportInfo,
  type ReportOptions,
  type RunSetup,
} from "./report.js";
export { landscapePlot, type LandscapePlotOptions } from "./landscape.js";
export { formatLr, lossAtLr, lrFindPlot, type LrFindCurve, type LrFindPlotOptions } from "./lr-find.js";
