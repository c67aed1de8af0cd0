// The built module: compiled with simd128, loads in a Node worker thread, SIMD kernel = scalar twin.
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import binaryen from "binaryen";
import { smoke } from "../dist/index.js";

describe("the wasm build", () => {
  it("contains simd128 instructions (a silent scalar build fails here)", async () => {
    const bytes = await readFile(new URL("../dist/pkg/optimlab_bg.wasm", import.meta.url));
    expect(WebAssembly.validate(bytes)).toBe(true);
    const module = binaryen.readBinary(bytes);
    const text = module.emitText();
    module.dispose();
    expect(text.match(/f32x4\.mul/g)?.length ?? 0).toBeGreaterThan(0);
    expect(text.match(/v128\.load/g)?.length ?? 0).toBeGreaterThan(0);
  });

  it("loads in a worker thread, and its SIMD dot product agrees with the scalar twin", async () => {
    const result = await smoke();
    expect(result.simd).toBe(true);
    // Same products, different summation order: equal to float32 rounding, not bit for bit.
    expect(result.dot).toBeCloseTo(result.dotScalar, 4);
    expect(result.dot).not.toBe(0);
  });
});
