// In-place memory bandwidth of this machine's wasm, measured in this process with the same traffic as a
// fused Adam step: four f32 arrays (param, grad, m, v) read, three of them written back, f32x4 at a time.
import binaryen from "binaryen";
import { bestSeconds } from "./best-of.js";

const WAT = `(module
  (memory (export "memory") 1)
  ;; p, g, m, v are byte offsets of four arrays of n f32 (n a multiple of 4)
  (func (export "run") (param $p i32) (param $g i32) (param $m i32) (param $v i32) (param $n i32)
    (local $i i32) (local $end i32) (local $gv v128) (local $c v128)
    (local.set $c (f32x4.splat (f32.const 0.0000001)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $gv (f32x4.mul (v128.load (i32.add (local.get $g) (local.get $i))) (local.get $c)))
      (v128.store (i32.add (local.get $p) (local.get $i)) (f32x4.sub (v128.load (i32.add (local.get $p) (local.get $i))) (local.get $gv)))
      (v128.store (i32.add (local.get $m) (local.get $i)) (f32x4.add (v128.load (i32.add (local.get $m) (local.get $i))) (local.get $gv)))
      (v128.store (i32.add (local.get $v) (local.get $i)) (f32x4.add (v128.load (i32.add (local.get $v) (local.get $i))) (local.get $gv)))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $next)))))`;

/** Bytes an Adam step moves per parameter: 4 arrays read, 3 written. */
export const ADAM_BYTES_PER_PARAM = 7 * 4;

/** Best-of-5 seconds for one pass over `n` parameters, and the bandwidth in GB/s. */
export async function inPlaceBandwidth(n: number): Promise<{ nsPerParam: number; gbPerSecond: number }> {
  const module = binaryen.parseText(WAT);
  module.setFeatures(binaryen.Features.SIMD128);
  // Bytes in a fresh ArrayBuffer; binaryen's types, older than typed arrays naming their buffer, say ArrayBufferLike.
  const bytes = module.emitBinary() as Uint8Array<ArrayBuffer>;
  module.dispose();
  const { instance } = await WebAssembly.instantiate(bytes);
  const memory = instance.exports.memory as WebAssembly.Memory;
  const run = instance.exports.run as (p: number, g: number, m: number, v: number, n: number) => void;
  const arrayBytes = n * 4;
  memory.grow(Math.ceil((4 * arrayBytes) / 65536));
  new Float32Array(memory.buffer).fill(0.5); // touch every page before timing
  const offsets = [0, 1, 2, 3].map((k) => k * arrayBytes) as [number, number, number, number];
  run(...offsets, n);
  const best = bestSeconds(5, () => run(...offsets, n));
  return { nsPerParam: (best / n) * 1e9, gbPerSecond: (n * ADAM_BYTES_PER_PARAM) / best / 1e9 };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const n of [1 << 20, 1 << 24]) {
    const { nsPerParam, gbPerSecond } = await inPlaceBandwidth(n);
    console.log(`${n} params: ${nsPerParam.toFixed(3)} ns/param, ${gbPerSecond.toFixed(1)} GB/s`);
  }
}
