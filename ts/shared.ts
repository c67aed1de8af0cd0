// What both entries (index.ts for Node, browser.ts) export as it is: errors, types, the data readers that need no
// platform, pure helpers and the figures. The functions bound to a platform come from api.ts's bindApi.
export type { OptimlabApi } from "./api.js";
export type { SmokeResult } from "./protocol.js";
export { ConfigError, OptimizerOptionError, PoolDisposedError, WorkerCrashError } from "./errors.js";
export type { CompareOptions, ModelSpec, OptimlabPool, PoolOptions, RunOptions, TrainOptions } from "./client.js";
export type { PoolStats } from "./pool.js";
export type { StepSettings } from "./model.js";
export { DEFAULT_PROBLEM, FASHION_MNIST_PACKAGE, MODEL_PROBLEMS, problemInfo, problemModel } from "./problems.js";
export type { LoadedProblem, ProblemData, ProblemInfo, ProblemOptions } from "./problems.js";
export type { LossClosure, Optimizer, OptimizerOptions } from "./optimizer.js";
export { OPTIMIZER_OPTIONS } from "./optimizers.js";
export type * from "./optimizers.js";
export { distanceToMinimum } from "./landscape.js";
export { landscapeLineup, NOTEBOOK_LINEUP, NOTEBOOK_PAIRS } from "./spec.js";
export type {
  LandscapeFunction,
  LandscapeGrid,
  LandscapeGridOptions,
  LandscapeOptions,
  LandscapeResult,
  LandscapeRun,
} from "./landscape.js";
export { LR_RULES, preferredLr, suggestionFor } from "./lr-find.js";
export type {
  LrFindAllOptions,
  LrFindClosureOptions,
  LrFindOptions,
  LrFindResult,
  LrFindSettings,
  LrSuggestion,
  LrSuggestions,
} from "./lr-find.js";
export type { ScheduleLrsOptions } from "./schedule.js";
export {
  BAND_NAMES,
  hasReplicates,
  mean,
  median,
  quantile,
  rankingMetric,
  replicateBand,
  replicateGroups,
  sampleSd,
  seedSummaries,
  SIGNIFICANCE_TEST,
  studentTwoSidedP,
  welchTTest,
} from "./stats.js";
export type { Band, BandKind, MeanSd, ReplicateGroup, SeedSummary, WelchResult } from "./stats.js";
export { lrGrid, NOTEBOOK_SETTINGS } from "./client.js";
export { lossesCsv, lossesJsonl, resultsJson, tuningCsv } from "./export.js";
export { compareCommand, configFromHash, configToHash, scheduleText, specText } from "./config.js";
export type { ComparisonConfig, DataChoice } from "./config.js";
export type { LrGrid } from "./client.js";
export type * from "./types.js";
export * from "./data/index.js";
export * from "./plot/index.js";
