// Figures and the HTML report: pure functions of run results, safe in browsers (pass a `document` in Node,
// or use ./render-node.js, which also makes PNGs).
export { formatLr, lrChoiceText, PAIRED_PALETTE, PALETTE, smoothEma, type FigureOptions } from "./common.js";
export { lossBands, lossPlot, type LossBand, type LossPlotOptions } from "./loss.js";
export { epochPlot, type EpochPlotOptions } from "./epochs.js";
export { sensitivityPlot, tuningCurves, type SensitivityCurve, type SensitivityPlotOptions } from "./sensitivity.js";
export { schedulePlot, type ScheduleCurve, type SchedulePlotOptions } from "./schedule.js";
export {
  describeOptimizer,
  describeRun,
  formatMeanSd,
  lrFigure,
  sensitivityFigure,
  reportHtml,
  type ReportFigure,
  type ReportInfo,
  type ReportOptions,
  type RunSetup,
} from "./report.js";
export { landscapePlot, type LandscapePlotOptions } from "./landscape.js";
export { lossAtLr, lrFindPlot, type LrFindCurve, type LrFindPlotOptions } from "./lr-find.js";
