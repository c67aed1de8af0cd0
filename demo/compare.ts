// The Compare view: a pool of Web Workers trains one MLP per chosen optimizer (the notebook's eight, plus any the
// user adds from the registry), optionally under an lr schedule; progress redraws the loss curves live, Cancel
// aborts through an AbortSignal, and the held-out accuracy table fills in when the runs end.
import {
  createPool,
  describeClasses,
  describeOptimizer,
  loadMnistSample,
  lossPlot,
  lrFigure,
  NOTEBOOK_LINEUP,
  readCsv,
  splitDataset,
  type DataSplit,
  type OptimizerSpec,
  type Progress,
  type RunResult,
  type ScheduleSpec,
} from "../ts/browser.js";
import { byId, element, figureWidth, formatNumber, statusLine, swatch } from "./dom.js";
import { OptimizerRows, registryPicker, type OptimizerRow } from "./optimizer-rows.js";

export const LAYERS = [784, 100, 100, 10];

const form = byId<HTMLFormElement>("setup");
const runButton = byId<HTMLButtonElement>("run");
const cancelButton = byId<HTMLButtonElement>("cancel");
const progressList = byId<HTMLUListElement>("progress");
const curves = byId<HTMLElement>("curves");
const scheduleCurves = byId<HTMLElement>("schedule-curves");
const accuracyRows = byId<HTMLTableElement>("accuracy").tBodies[0]!;
const scheduleSelect = byId<HTMLSelectElement>("schedule-name");
const setStatus = statusLine("status");

const rows = new OptimizerRows(byId<HTMLTableSectionElement>("optimizer-rows"), "opt", true);
const pool = createPool();
let controller: AbortController | undefined;

function integerField(id: string): number {
  return byId<HTMLInputElement>(id).valueAsNumber;
}

/** The training settings the LR finder shares with this view, so that its suggestions fit the runs here. */
export function trainingSettings(): { batchSize: number; seed: number } {
  return { batchSize: integerField("batch-size"), seed: integerField("seed") };
}

/** The data the Compare form selects: the embedded sample (its first `Training rows`) or the CSV file, split. */
export async function chosenData(seed: number, report: (text: string) => void): Promise<DataSplit> {
  if (byId<HTMLInputElement>("data-csv").checked) {
    const file = byId<HTMLInputElement>("csv-file").files?.[0];
    if (!file) throw new Error("Choose a CSV file, or pick the embedded sample.");
    report(`Reading ${file.name} …`);
    const read = await readCsv(file, { classes: LAYERS[LAYERS.length - 1] });
    const { dataset, skippedRows } = read;
    const skipped = skippedRows > 0 ? `; ${skippedRows} bad rows left out` : "";
    report(`${file.name}: ${dataset.count} rows, ${describeClasses(read)}${skipped}.`);
    return splitDataset(dataset, { seed, testFraction: byId<HTMLInputElement>("test-fraction").valueAsNumber });
  }
  report("Loading the embedded MNIST sample …");
  const split = await loadMnistSample({ seed });
  const count = Math.min(integerField("train-rows"), split.train.count);
  const { train } = split;
  return {
    ...split,
    train: {
      ...train,
      count,
      pixels: train.pixels.slice(0, count * train.features),
      labels: train.labels.slice(0, count),
    },
  };
}

const SCHEDULE_HINTS: Record<string, string> = {
  none: "Every run keeps its own learning rate.",
  onecycle:
    "Every run's lr rises from peak ÷ 25 to the peak over the first 30 % of the steps, then anneals to peak ÷ 250,000 (OneCycleLR); the runs' own lrs are not used.",
  cosine:
    "Every run's lr follows half a cosine from its own value down to the lowest lr over all steps (CosineAnnealingLR).",
  step: "Every run's lr is multiplied by the decay factor after each period (StepLR).",
};

/** Shows the chosen schedule's fields; the others are disabled so that they neither validate nor submit. */
function showScheduleFields(): void {
  for (const group of form.querySelectorAll<HTMLElement>(".schedule-options")) {
    const shown = group.dataset.schedule === scheduleSelect.value;
    group.hidden = !shown;
    for (const input of group.querySelectorAll("input")) input.disabled = !shown;
  }
  byId("schedule-hint").textContent = SCHEDULE_HINTS[scheduleSelect.value]!;
}

/** The schedule for runs of `epochs` × `stepsPerEpoch` optimizer steps, or undefined for a constant lr. */
function chosenSchedule(epochs: number, stepsPerEpoch: number): ScheduleSpec | undefined {
  const value = (id: string) => byId<HTMLInputElement>(id).valueAsNumber;
  switch (scheduleSelect.value) {
    case "onecycle":
      // total_steps is left out: compare() fits the cycle to the run.
      return {
        name: "onecycle",
        max_lr: value("onecycle-max-lr"),
        cycle_momentum: byId<HTMLInputElement>("onecycle-momentum").checked,
      };
    case "cosine":
      return { name: "cosine", T_max: epochs * stepsPerEpoch, eta_min: value("cosine-eta-min") };
    case "step":
      return { name: "step", step_size: value("step-every") * stepsPerEpoch, gamma: value("step-gamma") };
    default:
      return undefined;
  }
}

function setRunning(running: boolean): void {
  runButton.disabled = running;
  cancelButton.disabled = !running;
  for (const fieldset of form.querySelectorAll<HTMLFieldSetElement>("fieldset")) fieldset.disabled = running;
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
  const width = figureWidth(curves);
  curves.replaceChildren(lossPlot(runs, { width, height: Math.round(width * 0.52) }));
}

/** The lr per step under the schedule, beside the losses; hidden for runs without one. */
function drawSchedule(runs: readonly RunResult[]): void {
  const figure = lrFigure(runs);
  scheduleCurves.hidden = figure === undefined;
  scheduleCurves.replaceChildren(...(figure ? [figure] : []));
}

function showProgress(specs: OptimizerSpec[]): HTMLProgressElement[] {
  progressList.replaceChildren();
  return specs.map((spec, index) => {
    const bar = element("progress", { max: 1, value: 0, "aria-label": `${spec.label} progress` });
    progressList.append(
      element("li", {}, element("span", {}, swatch(index), spec.label!), bar, element("span", {}, "queued")),
    );
    return bar;
  });
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
    row.insertCell().append(swatch(index), run.label);
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
  const optimizers = rows.chosen();
  if (optimizers.length === 0) {
    setStatus("Tick at least one optimizer.", true);
    return;
  }
  const epochs = integerField("epochs");
  const { batchSize, seed } = trainingSettings();
  controller = new AbortController();
  const { signal } = controller;
  setRunning(true);
  try {
    const data = await chosenData(seed, setStatus);
    signal.throwIfAborted();
    const stepsPerEpoch = Math.ceil(data.train.count / batchSize);
    const schedule = chosenSchedule(epochs, stepsPerEpoch);
    const live = liveRuns(optimizers, stepsPerEpoch * epochs, stepsPerEpoch);
    const bars = showProgress(optimizers);
    let redraw = 0;
    const onProgress = ({ run, step, totalSteps, loss, etaSeconds }: Progress) => {
      live[run]!.losses[step - 1] = loss;
      bars[run]!.value = step / totalSteps;
      bars[run]!.nextElementSibling!.textContent =
        step < totalSteps
          ? `loss ${loss.toPrecision(3)}, ${Math.ceil(etaSeconds)} s left`
          : `done, loss ${loss.toPrecision(3)}`;
      redraw ||= requestAnimationFrame(() => {
        redraw = 0;
        drawCurves(live);
      });
    };
    setStatus(
      `Training ${optimizers.length} runs on ${data.train.count} digits (${stepsPerEpoch * epochs} steps each) …`,
    );
    const started = performance.now();
    const runs = await pool.compare({
      data,
      model: { layers: LAYERS },
      optimizers,
      epochs,
      batchSize,
      seed,
      signal,
      onProgress,
      ...(schedule ? { schedule } : {}),
    });
    cancelAnimationFrame(redraw);
    drawCurves(runs);
    drawSchedule(runs);
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

/**
 * Sets the lr of the run labelled `label` (else the first run of optimizer `name`, else a new row for it), ticks
 * it, and returns its lr field for focusing once the view is shown.
 */
export async function useLearningRate(
  label: string,
  name: string,
  lr: number,
  rule: string,
): Promise<HTMLInputElement> {
  const row: OptimizerRow = rows.find(label, name) ?? (await rows.addFromRegistry(name, label));
  row.checkbox.checked = true;
  row.lr!.value = String(lr);
  setStatus(`${row.label}: learning rate set to ${lr} (the ${rule} of its range test).`);
  return row.lr!;
}

export function setupCompare(): void {
  // The notebook's line-up, as the CLI and `npm start` run it; its numeric options (momentum, alpha) show beside the lr.
  for (const spec of NOTEBOOK_LINEUP) {
    const inline = Object.entries(spec)
      .filter(([option, value]) => option !== "lr" && typeof value === "number")
      .map(([option]) => option);
    rows.add({ label: spec.label!, spec, inline });
  }
  registryPicker(rows, byId("add-optimizer"), byId("add-optimizer-button"), (message) =>
    setStatus(message, true),
  ).catch((error: Error) => setStatus(`Could not list the optimizers: ${error.message}`, true));
  scheduleSelect.addEventListener("change", showScheduleFields);
  showScheduleFields();
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void runComparison();
  });
  cancelButton.addEventListener("click", () => controller?.abort());
  // Choosing a file selects the CSV source, so the keyboard path is: file, then Run.
  byId<HTMLInputElement>("csv-file").addEventListener(
    "change",
    () => (byId<HTMLInputElement>("data-csv").checked = true),
  );
}
