// `npm run bench`: every benchmark in one process run, each printing its peers side by side and the
// ratios (optimlab vs the simd128 peak and tfjs-wasm; Adam vs memory bandwidth; CSV reading; a soak of
// the worker pool). Run after `bash scripts/build.sh` (npm run bench does it): npx tsx bench/run.ts [name…]
import { run as adam } from "./adam.bench.js";
import { run as csv } from "./csv.bench.js";
import { run as mlp } from "./mlp.bench.js";
import { run as soak } from "./soak.bench.js";

const benches: Record<string, () => Promise<unknown>> = { mlp, adam, csv, soak };
const chosen = process.argv.slice(2);
const unknown = chosen.filter((name) => !(name in benches));
if (unknown.length > 0) {
  console.error(`bench: unknown benchmark ${unknown.join(", ")}; choose from ${Object.keys(benches).join(", ")}`);
  process.exit(2);
}
for (const name of chosen.length > 0 ? chosen : Object.keys(benches)) {
  console.log(`\n== ${name}`);
  await benches[name]();
}
