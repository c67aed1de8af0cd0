// The comparison page. It uses only optimlab's public browser entry (bundled as ../optimlab.browser.mjs):
// a pool of Web Workers trains one MLP per chosen optimizer, progress redraws the loss curves live, Cancel
// aborts through an AbortSignal, and the held-out accuracy table fills in when the runs end.
import {
  createPool, describeOptimizer, loadMnistSample, lossPlot, PALETTE, readCsv, splitDataset,
  type DataSplit, type OptimizerSpec, type Progress, type RunResult,
} from "../ts/browser.js";

/** The notebook's line-up ("Exploring Optimizers"); options not named here are torch's defaults. */
const LINE_UP: { label: string; spec: OptimizerSpec; extra?: "momentum" }[] = [
  { label: "SGD", spec: { name: "sgd", lr: 1e-2 } },
  { label: "Momentum", spec: { name: "sgd", lr: 1e-3, momentum: 0.9 }, extra: "momentum" },
  { label: "Nesterov", spec: { name: "sgd", lr: 1e-3, momentum: 0.9, nesterov: true }, extra: "momentum" },
  { label: "Adagrad", spec: { name: "adagrad", lr: 1e-2 } },
  { label: "RMSprop", spec: { name: "rmsprop", lr: 1e-2 } },
  { label: "Adam", spec: { name: "adam", lr: 1e-3 } },
  { label: "Adamax", spec: { name: "adamax", lr: 2e-3 } },
  { label: "NAdam", spec: { name: "nadam", lr: 2e-3 } },
];

const LAYERS = [784, 100, 100, 10];

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const form = byId<HTMLFormElement>("setup");
const runButton = byId<HTMLButtonElement>("run");
const cancelButton = byId<HTMLButtonElement>("cancel");
const status = byId<HTMLParagraphElement>("status");
const progressList = byId<HTMLUListElement>("progress");
const curves = byId<HTMLElement>("curves");
const accuracyRows = byId<HTMLTableElement>("accuracy").tBodies[0]!;

const pool = createPool();
let controller: AbortController | undefined;

function addOptimizerRows(): void {
  const rows = byId<HTMLTableSectionElement>("optimizer-rows");
  LINE_UP.forEach(({ label, spec, extra }, index) => {
    const row = rows.insertRow();
    const id = `opt-${index}`;
    row.insertCell().innerHTML =
      `<input type="checkbox" id="${id}" name="${id}" checked> <label for="${id}">${label}</label>`;
    row.insertCell().innerHTML =
      `<input type="number" id="${id}-lr" name="${id}-lr" min="0" step="any" value="${spec.lr}" aria-label="${label} learning rate" required>`;
    row.insertCell().innerHTML = extra && spec.name === "sgd"
      ? `<label for="${id}-momentum">momentum</label> <input type="number" id="${id}-momentum" min="0" max="1" step="any" value="${spec.momentum}" required>`
      : "";
  });
}

function chosenOptimizers(): OptimizerSpec[] {
  return LINE_UP.flatMap(({ label, spec, extra }, index) => {
    if (!byId<HTMLInputElement>(`opt-${index}`).checked) return [];
    const chosen: OptimizerSpec = { ...spec, label, lr: byId<HTMLInputElement>(`opt-${index}-lr`).valueAsNumber };
    if (extra && chosen.name === "sgd") chosen.momentum = byId<HTMLInputElement>(`opt-${index}-momentum`).valueAsNumber;
    return [chosen];
  });
}

function integerField(id: string): number {
  return byId<HTMLInputElement>(id).valueAsNumber;
}

async function chosenData(seed: number): Promise<DataSplit> {
  if (byId<HTMLInputElement>("data-csv").checked) {
    const file = byId<HTMLInputElement>("csv-file").files?.[0];
    if (!file) throw new Error("Choose a CSV file, or pick the embedded sample.");
    setStatus(`Reading ${file.name} …`);
    const { dataset, skippedRows } = await readCsv(file, { classes: LAYERS[LAYERS.length - 1] });
    if (skippedRows > 0) setStatus(`${file.name}: ${skippedRows} bad rows left out.`);
    return splitDataset(dataset, { seed, testFraction: byId<HTMLInputElement>("test-fraction").valueAsNumber });
  }
  setStatus("Loading the embedded MNIST sample …");
  const split = await loadMnistSample({ seed });
  const rows = Math.min(integerField("train-rows"), split.train.count);
  const { train } = split;
  return {
    ...split,
    train: {
      ...train,
      count: rows,
      pixels: train.pixels.slice(0, rows * train.features),
      labels: train.labels.slice(0, rows),
    },
  };
}

function setStatus(text: string, isError = false): void {
  status.textContent = text;
  status.classList.toggle("error", isError);
}

function setRunning(running: boolean): void {
  runButton.disabled = running;
  cancelButton.disabled = !running;
  for (const field of form.querySelectorAll<HTMLFieldSetElement>("fieldset")) field.disabled = running;
}

/** Live curves: the losses reported so far, NaN for the steps between reports (the plot skips them). */
function liveRuns(specs: OptimizerSpec[], totalSteps: number, stepsPerEpoch: number): RunResult[] {
  return specs.map((spec) => ({
    label: spec.label!,
    optimizer: spec,
    losses: new Float32Array(totalSteps).fill(Number.NaN),
    stepsPerEpoch,
    epochs: [],
    seconds: 0,
  }));
}

function drawCurves(runs: readonly RunResult[]): void {
  const width = Math.max(480, Math.min(curves.clientWidth || 900, 1100));
  curves.replaceChildren(lossPlot(runs, { width, height: Math.round(width * 0.52) }));
}

function showProgress(specs: OptimizerSpec[]): HTMLProgressElement[] {
  progressList.replaceChildren();
  return specs.map((spec, index) => {
    const item = document.createElement("li");
    const name = document.createElement("span");
    name.innerHTML = `<span class="swatch" style="background:${runColor(index)}"></span>`;
    name.append(spec.label!);
    const bar = document.createElement("progress");
    bar.max = 1;
    bar.value = 0;
    bar.setAttribute("aria-label", `${spec.label} progress`);
    const detail = document.createElement("span");
    detail.textContent = "queued";
    item.append(name, bar, detail);
    progressList.append(item);
    return bar;
  });
}

/** The colour lossPlot gives the run at `index`, for the swatches beside the progress bars and the table. */
function runColor(index: number): string {
  return PALETTE[index % PALETTE.length]!;
}

function formatNumber(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? "–" : value.toPrecision(4);
}

function formatPercent(fraction: number | undefined): string {
  return fraction === undefined ? "–" : `${(fraction * 100).toFixed(2)} %`;
}

function runOutcome(run: RunResult): string {
  if (run.error) return `failed: ${run.error.message}`;
  if (run.diverged) return `diverged at step ${run.diverged.step}`;
  return "finished";
}

function fillAccuracyTable(runs: readonly RunResult[]): void {
  accuracyRows.replaceChildren();
  runs.forEach((run, index) => {
    const last = run.epochs[run.epochs.length - 1];
    const row = accuracyRows.insertRow();
    const name = row.insertCell();
    name.innerHTML = `<span class="swatch" style="background:${runColor(index)}"></span>`;
    name.append(run.label);
    const cells = [
      describeOptimizer(run.optimizer),
      formatNumber(last?.trainLoss),
      formatNumber(last?.evalLoss),
      formatPercent(last?.evalAccuracy),
      run.seconds.toFixed(1),
      runOutcome(run),
    ];
    for (const text of cells) row.insertCell().textContent = text;
  });
}

async function runComparison(): Promise<void> {
  const optimizers = chosenOptimizers();
  if (optimizers.length === 0) {
    setStatus("Tick at least one optimizer.", true);
    return;
  }
  const epochs = integerField("epochs");
  const batchSize = integerField("batch-size");
  const seed = integerField("seed");
  controller = new AbortController();
  const { signal } = controller;
  setRunning(true);
  try {
    const data = await chosenData(seed);
    signal.throwIfAborted();
    const stepsPerEpoch = Math.ceil(data.train.count / batchSize);
    const live = liveRuns(optimizers, stepsPerEpoch * epochs, stepsPerEpoch);
    const bars = showProgress(optimizers);
    let redraw = 0;
    const onProgress = ({ run, step, totalSteps, loss, etaSeconds }: Progress) => {
      live[run]!.losses[step - 1] = loss;
      bars[run]!.value = step / totalSteps;
      bars[run]!.nextElementSibling!.textContent =
        step < totalSteps ? `loss ${loss.toPrecision(3)}, ${Math.ceil(etaSeconds)} s left` : `done, loss ${loss.toPrecision(3)}`;
      redraw ||= requestAnimationFrame(() => {
        redraw = 0;
        drawCurves(live);
      });
    };
    setStatus(`Training ${optimizers.length} runs on ${data.train.count} digits (${stepsPerEpoch * epochs} steps each) …`);
    const started = performance.now();
    const runs = await pool.compare({ data, model: { layers: LAYERS }, optimizers, epochs, batchSize, seed, signal, onProgress });
    cancelAnimationFrame(redraw);
    drawCurves(runs);
    fillAccuracyTable(runs);
    setStatus(`Done: ${runs.length} runs in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
  } catch (error) {
    if (signal.aborted) setStatus("Cancelled.");
    else setStatus(`Failed: ${(error as Error).message}`, true);
  } finally {
    controller = undefined;
    setRunning(false);
  }
}

addOptimizerRows();
form.addEventListener("submit", (event) => {
  event.preventDefault();
  void runComparison();
});
cancelButton.addEventListener("click", () => controller?.abort());
// Choosing a file selects the CSV source, so the keyboard path is: file, then Run.
byId<HTMLInputElement>("csv-file").addEventListener("change", () => (byId<HTMLInputElement>("data-csv").checked = true));
