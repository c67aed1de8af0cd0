// The peer: the same MLP epoch in TensorFlow.js with its wasm backend (SIMD on, one thread).
import { createRequire } from "node:module";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { setThreadsCount, setWasmPaths } from "@tensorflow/tfjs-backend-wasm";

let ready: Promise<void> | undefined;

async function loadWasmBackend(): Promise<void> {
  const require = createRequire(import.meta.url);
  const dist = path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm"));
  setWasmPaths(dist + path.sep);
  setThreadsCount(1);
  await tf.setBackend("wasm");
  await tf.ready();
}

/** TensorFlow.js on its wasm backend (SIMD, one thread), set up once per process. */
export function useTfjsWasm(): Promise<void> {
  ready ??= loadWasmBackend();
  return ready;
}

/** A system of the MLP bench, set up and warmed up: each call times `steps` more steps, one after another. */
export interface MlpStepper {
  /** Seconds for the next `steps` steps. */
  seconds(steps: number): Promise<number>;
  dispose(): void;
}

/**
 * SGD steps of a [784, …, 10] ReLU MLP with log_softmax + NLL on batches of `batchSize` rows taken in order from
 * `pixels` (u8, normalized /255 inside the step, as optimlab does).
 */
export async function tfjsMlp(
  layers: number[],
  pixels: Uint8Array,
  labels: Uint8Array,
  batchSize: number,
  lr = 0.01,
): Promise<MlpStepper> {
  await useTfjsWasm();
  const features = layers[0];
  const rows = labels.length;
  const weights = layers.slice(1).map((out, i) => ({
    w: tf.variable(tf.randomUniform([layers[i], out], -1 / Math.sqrt(layers[i]), 1 / Math.sqrt(layers[i]))),
    b: tf.variable(tf.zeros([out])),
  }));
  const optimizer = tf.train.sgd(lr);
  const batchX = new Float32Array(batchSize * features);
  const batchY = new Int32Array(batchSize);
  const step = (start: number) => {
    const n = Math.min(batchSize, rows - start);
    for (let i = 0; i < n * features; i++) batchX[i] = pixels[start * features + i] / 255;
    for (let i = 0; i < n; i++) batchY[i] = labels[start + i];
    tf.tidy(() => {
      const x = tf.tensor2d(batchX.subarray(0, n * features), [n, features]);
      const y = tf.oneHot(tf.tensor1d(batchY.subarray(0, n), "int32"), layers[layers.length - 1]);
      optimizer.minimize(() => {
        let h: tf.Tensor2D = x;
        weights.forEach(({ w, b }, i) => {
          h = tf.add(tf.matMul(h, w), b);
          if (i < weights.length - 1) h = tf.relu(h);
        });
        const logp = tf.logSoftmax(h);
        return tf.neg(tf.mean(tf.sum(tf.mul(logp, y), 1))) as tf.Scalar;
      });
    });
  };
  step(0); // warm-up (kernel compilation, first allocations)
  let next = 1;
  return {
    seconds: async (steps) => {
      const start = performance.now();
      for (let s = 0; s < steps; s++, next++) step((next * batchSize) % rows);
      return (performance.now() - start) / 1000;
    },
    dispose: () => {
      weights.forEach(({ w, b }) => (w.dispose(), b.dispose()));
      optimizer.dispose();
    },
  };
}
