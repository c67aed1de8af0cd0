// optimlab's functions bound to Node (worker_threads, the .wasm on disk), without the figures: index.ts re-exports
// them with everything else, and the CLI imports them from here so that a command loads the plotting stack
// (Observable Plot, linkedom, resvg) only when it draws.
import { bindApi, type OptimlabApi } from "./api.js";
import { nodePlatform } from "./platform-node.js";

const api = bindApi(nodePlatform());

// One line each, typed by OptimlabApi so that editors show its doc comments (see api.ts).
export const compare: OptimlabApi["compare"] = api.compare;
export const train: OptimlabApi["train"] = api.train;
export const createPool: OptimlabApi["createPool"] = api.createPool;
export const createOptimizer: OptimlabApi["createOptimizer"] = api.createOptimizer;
export const landscape: OptimlabApi["landscape"] = api.landscape;
export const landscapeGrid: OptimlabApi["landscapeGrid"] = api.landscapeGrid;
export const landscapeFunctions: OptimlabApi["landscapeFunctions"] = api.landscapeFunctions;
export const scheduleLrs: OptimlabApi["scheduleLrs"] = api.scheduleLrs;
export const lrFind: OptimlabApi["lrFind"] = api.lrFind;
export const lrFindAll: OptimlabApi["lrFindAll"] = api.lrFindAll;
export const optimizers: OptimlabApi["optimizers"] = api.optimizers;
export const optimizerDefaults: OptimlabApi["optimizerDefaults"] = api.optimizerDefaults;
export const smoke: OptimlabApi["smoke"] = api.smoke;
export const problems: OptimlabApi["problems"] = api.problems;
