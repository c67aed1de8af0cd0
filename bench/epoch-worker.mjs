// A worker thread that times optimlab's MLP epoch on the module it is given (the default build or the fast one):
// each thread runs one module, so bench/fast.bench.ts measures both side by side in two of these.
import { parentPort } from "node:worker_threads";
import { instantiate, wasm } from "../dist/wasm.js";

parentPort.on("message", ({ module, pixels, labels, layers, batchSize, repeats }) => {
  instantiate(module);
  const steps = Math.ceil(labels.length / batchSize);
  const trainer = new wasm.Trainer(
    JSON.stringify({
      layers,
      seed: 0,
      batchSize,
      maxSteps: (repeats + 1) * steps,
      optimizer: { name: "sgd", lr: 0.01 },
    }),
  );
  try {
    trainer.setTrainData(pixels, labels);
    trainer.run(8); // warm-up: tier-up compilation, first touch of every buffer
    const seconds = [];
    for (let repeat = 0; repeat < repeats; repeat++) {
      const start = performance.now();
      trainer.run(steps - 8);
      trainer.run(8);
      seconds.push((performance.now() - start) / 1000);
    }
    parentPort.postMessage({ seconds, relaxed: wasm.relaxedSimd() });
  } finally {
    trainer.free();
  }
});
