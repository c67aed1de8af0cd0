// optimlab's public API for Node: the shared functions bound to worker_threads and the .wasm on disk.
export * from "./shared.js";
export * from "./data/node.js";
export { nodeDocument, svgText, svgToPng } from "./plot/render-node.js";
export { loadProblem } from "./problems-node.js";
export * from "./node-api.js";
