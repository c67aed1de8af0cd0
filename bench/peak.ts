// The machine's own wasm simd128 multiply+add peak, measured in this process: a hand-written loop of
// independent f32x4 mul+add chains (enough of them to hide latency), assembled with binaryen. With `fused`, the
// same loop with relaxed SIMD's f32x4.relaxed_madd (the fast build's multiply-add; needs relaxed SIMD enabled).
import binaryen from "binaryen";
import { bestSeconds } from "./best-of.js";

const CHAINS = 12;

function peakKernelWat(fused: boolean): string {
  const locals = Array.from({ length: CHAINS }, (_, i) => `(local $a${i} v128)`).join(" ");
  const init = Array.from(
    { length: CHAINS },
    (_, i) => `(local.set $a${i} (f32x4.splat (f32.const ${1 + i * 0.001})))`,
  ).join("\n");
  const body = Array.from({ length: CHAINS }, (_, i) =>
    fused
      ? `(local.set $a${i} (f32x4.relaxed_madd (local.get $a${i}) (local.get $m) (local.get $c)))`
      : `(local.set $a${i} (f32x4.add (f32x4.mul (local.get $a${i}) (local.get $m)) (local.get $c)))`,
  ).join("\n");
  const sum = Array.from(
    { length: CHAINS - 1 },
    (_, i) => `(local.set $a0 (f32x4.add (local.get $a0) (local.get $a${i + 1})))`,
  ).join("\n");
  return `(module
  (func $run (export "run") (param $n i32) (result f32)
    (local $m v128) (local $c v128) ${locals}
    (local.set $m (f32x4.splat (f32.const 0.999999)))
    (local.set $c (f32x4.splat (f32.const 0.000001)))
    ${init}
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $n)))
      ${body}
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $next)))
    ${sum}
    (f32x4.extract_lane 0 (local.get $a0))))`;
}

/** The peak loop, compiled and warmed up: `gflops(iterations)` times one run of it (a mul and an add per lane count
 * as 2 flops), so that a bench can take its turns beside the systems it compares. */
export async function simdPeakLoop(fused = false): Promise<{ gflops: (iterations?: number) => number }> {
  const module = binaryen.parseText(peakKernelWat(fused));
  module.setFeatures(fused ? binaryen.Features.SIMD128 | binaryen.Features.RelaxedSIMD : binaryen.Features.SIMD128);
  // Bytes in a fresh ArrayBuffer; binaryen's types, older than typed arrays naming their buffer, say ArrayBufferLike.
  const bytes = module.emitBinary() as Uint8Array<ArrayBuffer>;
  module.dispose();
  const { instance } = await WebAssembly.instantiate(bytes);
  const run = instance.exports.run as (n: number) => number;
  run(1_000_000); // warm up the tier-up compiler
  return {
    gflops: (iterations = 20_000_000) => (iterations * CHAINS * 4 * 2) / bestSeconds(1, () => run(iterations)) / 1e9,
  };
}

/** Measured peak in GFLOP/s: the best of 3 runs of the loop. */
export async function simdPeakGflops(fused = false): Promise<number> {
  const loop = await simdPeakLoop(fused);
  return Math.max(loop.gflops(), loop.gflops(), loop.gflops());
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(`simd128 mul+add peak: ${(await simdPeakGflops()).toFixed(2)} GFLOP/s`);
}
