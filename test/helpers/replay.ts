// Replays a recorded optimizer run (the torch.optim and optax fixtures) through the wasm Optimizer.
import { expect } from "vitest";
import { wasm } from "../../dist/wasm.js";

/** A reference run: options, tensor shapes, initial params, then each step's grads and the params after it. */
export interface ReplayCase {
  options: Record<string, unknown>;
  shapes: number[][];
  init: number[][];
  grads: number[][][];
  params: number[][][];
}

/**
 * Steps optimizer `name` through the case's grads and fails at the first param off the `reference` (named in the
 * message) by more than relative 1e-5 / absolute 1e-6; a NaN fails too.
 */
export function expectReplay(name: string, c: ReplayCase, reference: string): void {
  const optimizer = new wasm.Optimizer(name, JSON.stringify(c.options), JSON.stringify(c.shapes));
  try {
    optimizer.setParams(Float32Array.from(c.init.flat()));
    c.grads.forEach((grads, k) => {
      optimizer.setGrads(Float32Array.from(grads.flat()));
      optimizer.step();
      const got = optimizer.params();
      c.params[k]!.flat().forEach((want, i) => {
        const tolerance = Math.max(1e-6, 1e-5 * Math.abs(want));
        if (!(Math.abs(got[i]! - want) <= tolerance))
          expect.fail(`step ${k + 1}, value ${i}: got ${got[i]}, ${reference} ${want}`);
      });
    });
  } finally {
    optimizer.free();
  }
}
