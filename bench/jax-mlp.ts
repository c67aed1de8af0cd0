// The peer: the same MLP step in jax-js (npm @jax-js/jax) on its wasm backend, the whole step — forward, backward
// (valueAndGrad) and the SGD update — under one jit, as a JAX user writes it. jax-js starts its wasm worker pool only
// where a global `Worker` exists (browsers); Node has none, so here it runs on one thread, like the other peers.
import { defaultDevice, init, jit, nn, numpy as np, random, tree, valueAndGrad } from "@jax-js/jax";
import type { MlpStepper } from "./tfjs-mlp.js";

let ready: Promise<void> | undefined;

async function useWasmDevice(): Promise<void> {
  const devices = await init("wasm");
  if (!devices.includes("wasm")) throw new Error(`jax-js found no wasm device (devices: ${devices.join(", ")})`);
  defaultDevice("wasm");
}

/** Threads jax-js's wasm backend uses in this process (see the header). */
export function jaxThreads(): number {
  return typeof SharedArrayBuffer !== "undefined" && typeof (globalThis as { Worker?: unknown }).Worker !== "undefined"
    ? Number.NaN // a browser: navigator.hardwareConcurrency workers
    : 1;
}

type Layer = { w: np.Array; b: np.Array };

/**
 * SGD steps of a [784, …, 10] ReLU MLP with log_softmax + NLL on batches of `batchSize` rows taken in order from
 * `pixels` (u8, normalized /255 as optimlab does), after a warm-up that compiles the jitted step.
 */
export async function jaxMlp(
  layers: number[],
  pixels: Uint8Array,
  labels: Uint8Array,
  batchSize: number,
  lr = 0.01,
): Promise<MlpStepper> {
  ready ??= useWasmDevice();
  await ready;
  const features = layers[0];
  const classes = layers[layers.length - 1];
  const rows = labels.length;
  const keys = [...random.split(random.key(0), layers.length - 1)];
  let params: Layer[] = layers.slice(1).map((out, i) => {
    const bound = 1 / Math.sqrt(layers[i]);
    return { w: random.uniform(keys[i], [layers[i], out], { minval: -bound, maxval: bound }), b: np.zeros([out]) };
  });
  const loss = (params: Layer[], x: np.Array, y: np.Array): np.Array => {
    let h = x;
    params.forEach(({ w, b }, i) => {
      h = np.dot(h, w).add(b);
      if (i < params.length - 1) h = nn.relu(h);
    });
    return nn
      .logSoftmax(h)
      .mul(nn.oneHot(y, classes))
      .sum()
      .mul(-1 / batchSize);
  };
  const step = jit((params: Layer[], x: np.Array, y: np.Array) => {
    const [value, grads] = valueAndGrad(loss)(tree.ref(params), x, y);
    return [value, tree.map((p: np.Array, g: np.Array) => p.sub(g.mul(lr)), params, grads)] as [np.Array, Layer[]];
  });
  const batchX = new Float32Array(batchSize * features);
  const batchY = new Int32Array(batchSize);
  const run = async (count: number, first: number) => {
    let value: np.Array | undefined;
    for (let s = first; s < first + count; s++) {
      // Full batches only: a shorter last batch would make jit trace and compile the step again.
      const start = ((s * batchSize) % (rows - batchSize + 1)) | 0;
      for (let i = 0; i < batchSize * features; i++) batchX[i] = pixels[start * features + i] / 255;
      for (let i = 0; i < batchSize; i++) batchY[i] = labels[start + i];
      value?.dispose();
      [value, params] = step(
        params,
        np.array(batchX).reshape([batchSize, features]),
        np.array(batchY, { dtype: np.int32 }),
      );
    }
    return (await value!.jsAsync()) as number; // waits for the last step
  };
  await run(2, 0); // warm-up: tracing and compiling the jitted step, first allocations
  let next = 2;
  return {
    seconds: async (steps) => {
      const start = performance.now();
      const last = await run(steps, next);
      next += steps;
      if (!Number.isFinite(last)) throw new Error(`jax-js: the loss became ${last}`);
      return (performance.now() - start) / 1000;
    },
    dispose: () => {
      tree.dispose(params);
      step.dispose();
    },
  };
}
