// `npm run bench`: every benchmark in one process run, each printing its peers side by side and the
// ratios (optimlab's MLP epoch vs the simd128 peak, tfjs-wasm, jax-js and PyTorch; DeepOBS's mnist_2c2d vs the peak
// and tfjs-wasm; precision "fast" vs the default
// build; the time from compare() to the first step in a fresh worker; Adam vs memory bandwidth; CSV
// reading; the notebook at Kaggle's size with 1 and 2 workers; a soak of the worker pool; sweeps in the local pool
// vs through a Redis queue). Run after `bash scripts/build.sh` (npm run
// bench does it): npx tsx bench/run.ts [name…]
// csv-1gb (a generated 1 GB CSV through the reader, peak memory) runs only when named.
import { run as adam } from "./adam.bench.js";
import { run as conv2c2d } from "./conv2c2d.bench.js";
import { run as csvLarge } from "./csv-large.bench.js";
import { run as csv } from "./csv.bench.js";
import { run as fast } from "./fast.bench.js";
import { run as mlp } from "./mlp.bench.js";
import { run as notebook42k } from "./notebook-42k.bench.js";
import { run as soak } from "./soak.bench.js";
import { run as startup } from "./startup.bench.js";
import { run as sweep } from "./sweep.bench.js";

const benches = new Map<string, () => Promise<unknown>>([
  ["mlp", mlp],
  ["2c2d", () => conv2c2d()],
  ["fast", fast],
  ["startup", startup],
  ["adam", adam],
  ["csv", csv],
  ["notebook-42k", () => notebook42k({ rss: true })],
  ["soak", () => soak()],
  ["sweep", sweep],
  ["csv-1gb", () => csvLarge()],
]);
const byDefault = ["mlp", "2c2d", "fast", "startup", "adam", "csv", "notebook-42k", "soak", "sweep"];
const chosen = process.argv.slice(2);
const unknown = chosen.filter((name) => !benches.has(name));
if (unknown.length > 0) {
  console.error(`bench: unknown benchmark ${unknown.join(", ")}; choose from ${[...benches.keys()].join(", ")}`);
  process.exit(2);
}
for (const name of chosen.length > 0 ? chosen : byDefault) {
  console.log(`\n== ${name}`);
  await benches.get(name)!();
}
