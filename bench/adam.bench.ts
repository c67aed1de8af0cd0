// The Adam step alone, in ns per parameter at 1M and 16M parameters, beside the in-place memory bandwidth
// that the same traffic (4 arrays read, 3 written) reaches in this process: a fused single-pass update
// should come close to it.
// Run after `bash scripts/build.sh`: npx tsx bench/adam.bench.ts
import { pathToFileURL } from "node:url";
import { instantiate, wasm } from "../dist/wasm.js";
import { compileModule } from "../dist/wasm-node.js";
import { ADAM_BYTES_PER_PARAM, inPlaceBandwidth } from "./bandwidth.js";
import { bestSeconds } from "./best-of.js";

export interface AdamBenchRow {
  params: number;
  nsPerParam: number;
  gbPerSecond: number;
  boundNsPerParam: number;
  fractionOfBandwidth: number;
}

function adamNsPerParam(params: number): number {
  // Two tensors, as a model would have: a weight matrix and a vector.
  const shapes = [[params / 1024 - 1, 1024], [1024]];
  const optimizer = new wasm.Optimizer("adam", JSON.stringify({ lr: 1e-3 }), JSON.stringify(shapes));
  try {
    optimizer.setParams(Float32Array.from({ length: params }, (_, i) => Math.sin(i)));
    optimizer.setGrads(Float32Array.from({ length: params }, (_, i) => Math.cos(i) * 1e-2));
    optimizer.step(); // first touch of the moment buffers
    const steps = params > 4e6 ? 5 : 20;
    return (bestSeconds(steps, () => optimizer.step()) / params) * 1e9;
  } finally {
    optimizer.free();
  }
}

export async function run(): Promise<AdamBenchRow[]> {
  instantiate(await compileModule());
  const rows: AdamBenchRow[] = [];
  console.log("Adam step (fused, wasm simd) vs in-place memory bandwidth of the same traffic");
  for (const params of [1 << 20, 1 << 24]) {
    const bound = await inPlaceBandwidth(params);
    const nsPerParam = adamNsPerParam(params);
    const row = {
      params,
      nsPerParam,
      gbPerSecond: ADAM_BYTES_PER_PARAM / nsPerParam,
      boundNsPerParam: bound.nsPerParam,
      fractionOfBandwidth: bound.nsPerParam / nsPerParam,
    };
    rows.push(row);
    console.log(
      `  ${(params / 2 ** 20).toFixed(0).padStart(2)}M params: ${nsPerParam.toFixed(3)} ns/param (${row.gbPerSecond.toFixed(1)} GB/s);` +
        ` bandwidth bound ${bound.nsPerParam.toFixed(3)} ns/param (${bound.gbPerSecond.toFixed(1)} GB/s) → ${(100 * row.fractionOfBandwidth).toFixed(0)}% of it`,
    );
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await run();
