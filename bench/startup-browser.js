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
   * Where a fresh worker's first step spends its time, from `trials` more comparisons whose Web Worker is wrapped: the
   * page's side records when the pool creates it, how long the page's postMessage calls for the data take (copied by
   * structured clone without cross-origin isolation) and when each call (comlink's messages, by id) is answered; the
   * worker runs startup-timeline-worker.js, which loads the library's worker script and reports when it started, when
   * that script was loaded and when each call arrived and was handled. Separate from the timed trials, so that the
   * wrapping costs them nothing. Medians over the trials, in ms.
   */
  async function timeline(runOptions, trials) {
    const PageWorker = window.Worker;
    const timelineWorker = new URL("startup-timeline-worker.js", document.baseURI);
    const phases = {
      spawn: [],
      postData: [],
      workerStart: [],
      workerScript: [],
      instantiate: [],
      dataIn: [],
      dataCopy: [],
      open: [],
      firstStep: [],
    };
    const pageTime = (absolute) => absolute - performance.timeOrigin;
    try {
      for (let trial = 0; trial < trials; trial++) {
        const calls = new Map(); // comlink id → { name, posted, answered }
        const marks = []; // the worker's reports
        let spawned;
        let postDataMs = 0;
        window.Worker = class extends PageWorker {
          constructor(url, options) {
            spawned = performance.now();
            const instrumented = new URL(timelineWorker);
            instrumented.searchParams.set("bundle", new URL(url, document.baseURI).href);
            super(instrumented, options);
            this.addEventListener("message", (event) => {
              if (event.data?.startupMark) marks.push(event.data);
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
        const marked = (name) => marks.filter((mark) => mark.startupMark === name);
        const [script] = marked("script");
        const [init] = marked("init");
        const addData = marked("addData");
        phases.spawn.push(spawned - started);
        phases.postData.push(postDataMs);
        phases.workerStart.push(pageTime(script.arrived) - spawned);
        phases.workerScript.push(script.handled - script.arrived);
        phases.instantiate.push(init.handled - init.arrived);
        phases.dataIn.push(Math.max(...addData.map((mark) => mark.handled)) - init.handled);
        phases.dataCopy.push(addData.reduce((sum, mark) => sum + mark.handled - mark.arrived, 0));
        const [open] = byName("open");
        const [run] = byName("run");
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
