// The page half of bench/startup.bench.ts's Chromium rows (a classic script after dist/optimlab.global.js, so it
// uses the script-tag build's global `optimlab`). The bench calls these with the Node half's run options and
// sample seed, so that both measure the same comparison; every time is the page's performance.now().
/* global optimlab */
window.startupBench = (() => {
  let data;

  /** Loads the sample as the Node bench does and compiles the module once (its time is reported, not counted). */
  async function prepare(seed) {
    data = await optimlab.loadMnistSample({ seed });
    const started = performance.now();
    await optimlab.compileModule();
    return { compileMs: performance.now() - started, trainCount: data.train.count };
  }

  /** Milliseconds from `run(options)` to its first progress report; the run is then cancelled. */
  async function toFirstStep(run, runOptions) {
    const abort = new AbortController();
    const started = performance.now();
    let first;
    await run({
      ...runOptions,
      data,
      signal: abort.signal,
      onProgress: () => {
        first ??= performance.now() - started;
        abort.abort(); // the rest of the run is not what this measures
      },
    }).catch((error) => {
      if (error.name !== "AbortError") throw error;
    });
    return first;
  }

  /** A bare Web Worker's start: from `new Worker` to its one message. */
  function bareWorkerMs() {
    const started = performance.now();
    const worker = new Worker(new URL("startup-bare-worker.js", document.baseURI));
    return new Promise((resolve, reject) => {
      worker.onmessage = () => {
        resolve(performance.now() - started);
        worker.terminate();
      };
      worker.onerror = (event) => reject(new Error(`the bare worker failed: ${event.message}`));
    });
  }

  /** One trial as in Node: a bare worker, then compare() in a fresh pool (a new Web Worker). */
  async function trial(runOptions) {
    const bareMs = await bareWorkerMs();
    const firstStepMs = await toFirstStep((options) => optimlab.compare({ ...options, workers: 1 }), runOptions);
    return { bareMs, firstStepMs };
  }

  /** `trials` first steps on one kept pool (createPool), after a first comparison that starts its worker. */
  async function keptPool(runOptions, trials) {
    const pool = optimlab.createPool({ workers: 1 });
    try {
      await toFirstStep((options) => pool.compare(options), runOptions);
      const times = [];
      for (let trial = 0; trial < trials; trial++)
        times.push(await toFirstStep((options) => pool.compare(options), runOptions));
      return times;
    } finally {
      pool.dispose();
    }
  }

  /**
   * Where a fresh worker's first step spends its time, from `trials` more comparisons whose Web Worker is wrapped to
   * record when the pool creates it, how long the page's postMessage calls take (the data is copied by structured
   * clone without cross-origin isolation), and when each call to the worker (comlink's messages, by id) is answered.
   * Separate from the timed trials, so that the wrapping costs them nothing. Medians over the trials, in ms.
   */
  async function timeline(runOptions, trials) {
    const PageWorker = window.Worker;
    const phases = { spawn: [], postData: [], workerUp: [], dataIn: [], open: [], firstStep: [] };
    try {
      for (let trial = 0; trial < trials; trial++) {
        const calls = new Map(); // comlink id → { name, posted, answered }
        let spawned;
        let postDataMs = 0;
        window.Worker = class extends PageWorker {
          constructor(...args) {
            spawned = performance.now();
            super(...args);
            this.addEventListener("message", (event) => {
              const call = calls.get(event.data?.id);
              if (call) call.answered ??= performance.now();
            });
          }
          postMessage(message, transfer) {
            const posted = performance.now();
            super.postMessage(message, transfer);
            const name = message?.path?.at(-1);
            if (name === "addData") postDataMs += performance.now() - posted;
            if (message?.id && name) calls.set(message.id, { name, posted, answered: undefined });
          }
        };
        const started = performance.now();
        await toFirstStep((options) => optimlab.compare({ ...options, workers: 1 }), runOptions);
        window.Worker = PageWorker;
        const byName = (name) => [...calls.values()].filter((call) => call.name === name);
        const init = byName("init")[0];
        const dataIn = Math.max(...byName("addData").map((call) => call.answered));
        const open = byName("open")[0];
        const run = byName("run")[0];
        phases.spawn.push(spawned - started);
        phases.postData.push(postDataMs);
        phases.workerUp.push(init.answered - spawned);
        phases.dataIn.push(dataIn - init.answered);
        phases.open.push(open.answered - open.posted);
        phases.firstStep.push(run.answered - run.posted);
      }
    } finally {
      window.Worker = PageWorker;
    }
    const median = (values) => {
      const sorted = [...values].sort((a, b) => a - b);
      return (sorted[(sorted.length - 1) >> 1] + sorted[sorted.length >> 1]) / 2;
    };
    return Object.fromEntries(Object.entries(phases).map(([phase, values]) => [phase, median(values)]));
  }

  return { prepare, trial, keptPool, timeline };
})();
