// The Compare view: a pool of Web Workers trains one model per chosen optimizer (the notebook's eight, plus any the
// user adds from the registry) and seed — the notebook's MLP or a problem of the registry whose data a browser can
// have — each at its given lr or at the lr its range test suggests ("auto"),
// optionally under an lr schedule; progress redraws the loss curves live (medians over bands with several seeds),
// Cancel aborts through an AbortSignal, and the tables fill in when the runs end. The whole configuration lives in
// the URL's hash, so a copied link re-runs the same comparison bit for bit; the results download as CSV, JSON and a
// self-contained report.html that names the equivalent CLI command.
import {
  compareCommand,
  configFromHash,
  configToHash,
  createPool,
  DEFAULT_PROBLEM,
  describeClasses,
  describeRun,
  formatMeanSd,
  hasReplicates,
  loadMnistSample,
  loadProblem,
  lossesCsv,
  lossPlot,
  lrChoiceText,
  lrFigure,
  MODEL_PROBLEMS,
  NOTEBOOK_LINEUP,
  problemInfo,
  problemModel,
  rankingMetric,
  readCsv,
  reportHtml,
  resultsJson,
  seedSummaries,
  SIGNIFICANCE_TEST,
  splitDataset,
  type ComparedOptimizer,
  type ComparisonConfig,
  type Dataset,
  type DataSplit,
  type ModelSpec,
  type ProblemData,
  type OptimizerSpec,
  type Progress,
  type RunResult,
  type ScheduleSpec,
  scheduleText,
} from "../ts/browser.js";
import { byId, element, figureWidth, formatNumber, statusLine, swatch } from "./dom.js";
import { OptimizerRows, registryPicker, type OptimizerRow } from "./optimizer-rows.js";

export const LAYERS = [784, 100, 100, 10];
const CSV_REGRESSION = "csv_regression";

/**
 * The problems of the Problem choice: those whose data a page has, the embedded sample's (fetched from next to the
 * bundle) and DeepOBS's quadratic (drawn in wasm). Fashion-MNIST is read from the files of Debian's
 * dataset-fashion-mnist, which a browser cannot reach (fmnist_* run in Node: optimlab compare --problem fmnist_mlp);
 * csv_regression is the CSV choice with a target column.
 */
const PAGE_DATA: readonly ProblemData[] = ["mnist-sample", "deepobs-quadratic"];
export const PAGE_PROBLEMS = MODEL_PROBLEMS.filter((name) => PAGE_DATA.includes(problemInfo(name).data));

const form = byId<HTMLFormElement>("setup");
const runButton = byId<HTMLButtonElement>("run");
const cancelButton = byId<HTMLButtonElement>("cancel");
const progressList = byId<HTMLUListElement>("progress");
const curves = byId<HTMLElement>("curves");
const scheduleCurves = byId<HTMLElement>("schedule-curves");
const accuracyRows = byId<HTMLTableElement>("accuracy").tBodies[0]!;
const scheduleSelect = byId<HTMLSelectElement>("schedule-name");
const setStatus = statusLine("status");

/** The schedules the form builds, for the whole comparison or one run; each has its fields in the schedule section. */
const SCHEDULE_CHOICES = [
  { value: "onecycle", text: "OneCycle" },
  { value: "cosine", text: "cosine" },
  { value: "step", text: "step decay" },
  { value: "warmup-cosine", text: "warm-up + cosine" },
] as const;

const rows = new OptimizerRows(
  byId<HTMLTableSectionElement>("optimizer-rows"),
  "opt",
  true,
  true,
  SCHEDULE_CHOICES,
  () => showScheduleFields(),
);
const pool = createPool();
let controller: AbortController | undefined;

function integerField(id: string): number {
  return byId<HTMLInputElement>(id).valueAsNumber;
}

/** The training settings the LR finder shares with this view, so that its suggestions fit the runs here. */
export function trainingSettings(): { batchSize: number; seed: number } {
  return { batchSize: integerField("batch-size"), seed: integerField("seed") };
}

/** The first `count` rows of a dataset, copied (so that its arrays can be handed to workers on their own). */
function headRows(dataset: Dataset, count: number): Dataset {
  const rows = Math.min(count, dataset.count);
  const head = <T extends Uint8Array | Float32Array>(values: T): T =>
    values.slice(0, (values.length / dataset.count) * rows) as T;
  const kept: Dataset = { ...dataset, count: rows, pixels: head(dataset.pixels), labels: head(dataset.labels) };
  if (dataset.inputs) kept.inputs = head(dataset.inputs);
  if (dataset.targets) kept.targets = head(dataset.targets);
  return kept;
}

/** What the form trains: the CSV file (the notebook's MLP), or the chosen problem's model and data. */
export interface ChosenProblem {
  data: DataSplit;
  model: ModelSpec;
  /** The problem's loader leaves out each epoch's partial batch (quadratic_deep). */
  dropLast?: boolean;
}

/** The data and model the Compare form selects: the CSV file with the MLP, or a problem's (its first `Training rows`). */
export async function chosenProblem(seed: number, report: (text: string) => void): Promise<ChosenProblem> {
  if (byId<HTMLInputElement>("data-csv").checked) {
    const file = byId<HTMLInputElement>("csv-file").files?.[0];
    if (!file) throw new Error("Choose a CSV file, or pick a problem.");
    report(`Reading ${file.name} …`);
    const testFraction = byId<HTMLInputElement>("test-fraction").valueAsNumber;
    const target = byId<HTMLInputElement>("csv-target").value.trim();
    if (target !== "") {
      // csv_regression: float features and the target column, the MLP sized to them (as optimlab compare --target).
      const { dataset } = await readCsv(file, { target: /^-?\d+$/.test(target) ? Number(target) : target });
      report(`${file.name}: ${dataset.count} rows of ${dataset.features} features, target ${target}.`);
      const data = splitDataset(dataset, { seed, testFraction });
      const model = problemModel(problemInfo(CSV_REGRESSION), { features: dataset.features, outputs: 1 });
      return { data, model };
    }
    const read = await readCsv(file, { classes: LAYERS[LAYERS.length - 1] });
    const { dataset, skippedRows } = read;
    const skipped = skippedRows > 0 ? `; ${skippedRows} bad rows left out` : "";
    report(`${file.name}: ${dataset.count} rows, ${describeClasses(read)}${skipped}.`);
    return { data: splitDataset(dataset, { seed, testFraction }), model: { layers: LAYERS } };
  }
  const name = byId<HTMLSelectElement>("problem").value;
  const info = problemInfo(name);
  report(info.data === "mnist-sample" ? "Loading the embedded MNIST sample …" : `Drawing ${name}'s data …`);
  // The sample is split by the seed; DeepOBS's quadratic data is always the same.
  const split = info.data === "mnist-sample" ? await loadMnistSample({ seed }) : (await loadProblem(name)).data;
  const data = { ...split, train: headRows(split.train, integerField("train-rows")) };
  return { data, model: info.model!, ...(info.dropLast ? { dropLast: true } : {}) };
}

/** Lists the problems a page can train in the Problem choice, and shows the chosen one's description. */
function setupProblems(): void {
  const select = byId<HTMLSelectElement>("problem");
  select.replaceChildren(
    ...PAGE_PROBLEMS.map((name) =>
      element("option", { value: name }, name === DEFAULT_PROBLEM ? `${name} (the notebook's)` : name),
    ),
  );
  select.value = DEFAULT_PROBLEM;
  const describe = () => (byId("problem-description").textContent = problemInfo(select.value).description);
  // Choosing a problem takes its batch size and epochs, as optimlab compare --problem does.
  select.addEventListener("change", () => {
    const info = problemInfo(select.value);
    byId<HTMLInputElement>("epochs").value = String(info.epochs);
    byId<HTMLInputElement>("batch-size").value = String(info.batchSize);
    describe();
  });
  select.addEventListener("input", describe);
  describe();
}

const SCHEDULE_HINTS: Record<string, string> = {
  none: "Every run keeps its own learning rate.",
  onecycle:
    "Every run's lr rises from peak ÷ 25 to the peak over the first 30 % of the steps, then anneals to peak ÷ 250,000 (OneCycleLR); the runs' own lrs are not used.",
  cosine:
    "Every run's lr follows half a cosine from its own value down to the lowest lr over all steps (CosineAnnealingLR).",
  step: "Every run's lr is multiplied by the decay factor every so many steps (StepLR; a step is one batch).",
  "warmup-cosine":
    "Every run's lr rises linearly from start factor × its own value over the warm-up steps (LinearLR), then follows half a cosine down to the final lr over the remaining steps (SequentialLR).",
};

/**
 * Shows the fields of the schedules in use, the comparison's and the runs' own (they share the fields); the others
 * are disabled so that they neither validate nor submit.
 */
function showScheduleFields(): void {
  const used = new Set([scheduleSelect.value, ...rows.rows.map((row) => row.schedule?.value)]);
  for (const group of form.querySelectorAll<HTMLElement>(".schedule-options")) {
    const shown = used.has(group.dataset.schedule);
    group.hidden = !shown;
    for (const input of group.querySelectorAll("input")) input.disabled = !shown;
  }
  const own = rows.rows.some((row) => row.schedule && !["inherit", "none"].includes(row.schedule.value));
  byId("schedule-hint").textContent =
    SCHEDULE_HINTS[scheduleSelect.value]! + (own ? " Runs with a schedule of their own use its fields here." : "");
}

/**
 * The schedule `choice` as the fields set it. Lengths that depend on the data (the cosine's T_max, OneCycle's
 * total_steps) are left out: compare() fits them to the run.
 */
function scheduleSpec(choice: string): ScheduleSpec | undefined {
  const value = (id: string) => byId<HTMLInputElement>(id).valueAsNumber;
  switch (choice) {
    case "onecycle":
      return {
        name: "onecycle",
        max_lr: value("onecycle-max-lr"),
        cycle_momentum: byId<HTMLInputElement>("onecycle-momentum").checked,
      };
    case "cosine":
      return { name: "cosine", eta_min: value("cosine-eta-min") };
    case "step":
      return { name: "step", step_size: value("step-size"), gamma: value("step-gamma") };
    case "warmup-cosine": {
      const warmup = value("warmup-steps");
      return {
        name: "SequentialLR",
        schedulers: [
          { name: "LinearLR", start_factor: value("warmup-start-factor"), total_iters: warmup },
          { name: "cosine", eta_min: value("warmup-eta-min") },
        ],
        milestones: [warmup],
      };
    }
    default:
      return undefined;
  }
}

/** The form's choice for a schedule `scheduleSpec` built, with its fields' values; undefined for any other. */
function scheduleChoice(spec: ScheduleSpec): { choice: string; fields: Record<string, unknown> } | undefined {
  const options = spec as unknown as Record<string, unknown>;
  switch (spec.name) {
    case "onecycle":
      return {
        choice: "onecycle",
        fields: { "onecycle-max-lr": options.max_lr, "onecycle-momentum": options.cycle_momentum },
      };
    case "cosine":
      return { choice: "cosine", fields: { "cosine-eta-min": options.eta_min } };
    case "step":
      return { choice: "step", fields: { "step-size": options.step_size, "step-gamma": options.gamma } };
    case "SequentialLR": {
      const [warmup, cosine] = (options.schedulers ?? []) as Record<string, unknown>[];
      if (warmup?.name !== "LinearLR" || cosine?.name !== "cosine") return undefined;
      return {
        choice: "warmup-cosine",
        fields: {
          "warmup-steps": warmup.total_iters,
          "warmup-start-factor": warmup.start_factor,
          "warmup-eta-min": cosine.eta_min,
        },
      };
    }
    default:
      return undefined;
  }
}

/** Sets `select` and the schedule fields to `spec` (a link's); a schedule the form cannot build is an error. */
function showSchedule(select: HTMLSelectElement, spec: ScheduleSpec | null | undefined, unset: string): void {
  if (spec === undefined || spec === null) {
    select.value = spec === null ? "none" : unset;
    return;
  }
  const shown = scheduleChoice(spec);
  if (!shown)
    throw new Error(
      `the link's schedule ${JSON.stringify(spec.name)} is not one this page builds (${SCHEDULE_CHOICES.map((choice) => choice.text).join(", ")}); run it with the CLI's --schedule`,
    );
  select.value = shown.choice;
  for (const [id, value] of Object.entries(shown.fields)) {
    if (value === undefined) continue;
    const input = byId<HTMLInputElement>(id);
    if (input.type === "checkbox") input.checked = value === true;
    else input.value = String(value);
  }
}

function setRunning(running: boolean): void {
  runButton.disabled = running;
  cancelButton.disabled = !running;
  for (const fieldset of form.querySelectorAll<HTMLFieldSetElement>("fieldset")) fieldset.disabled = running;
}

/** Live curves, one per optimizer and seed in compare's order: the losses reported so far, NaN between reports. */
function liveRuns(
  specs: ComparedOptimizer[],
  seeds: { first: number; count: number },
  totalSteps: number,
  stepsPerEpoch: number,
): RunResult[] {
  return specs.flatMap((spec, optimizerIndex) =>
    Array.from({ length: seeds.count }, (_, k) => ({
      label: spec.label!,
      optimizer: spec as OptimizerSpec,
      seed: seeds.first + k,
      optimizerIndex,
      losses: new Float32Array(totalSteps).fill(Number.NaN),
      stepsPerEpoch,
      epochs: [],
      seconds: 0,
    })),
  );
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

function showProgress(runs: readonly RunResult[], seeds: number): HTMLProgressElement[] {
  progressList.replaceChildren();
  return runs.map((run) => {
    const name = seeds > 1 ? `${run.label} seed ${run.seed}` : run.label;
    const bar = element("progress", { max: 1, value: 0, "aria-label": `${name} progress` });
    progressList.append(
      element("li", {}, element("span", {}, swatch(run.optimizerIndex!), name), bar, element("span", {}, "queued")),
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
  const seeded = hasReplicates(runs);
  runs.forEach((run, index) => {
    const last = run.epochs[run.epochs.length - 1];
    const row = accuracyRows.insertRow();
    row
      .insertCell()
      .append(
        swatch(run.optimizerIndex ?? index),
        run.label + lrChoiceText([run]) + (seeded ? ` (seed ${run.seed})` : ""),
      );
    const cells = [
      describeRun(run),
      formatNumber(last?.trainLoss),
      formatNumber(last?.evalLoss),
      formatPercent(last?.evalAccuracy),
      run.seconds.toFixed(1),
      runOutcome(run),
    ];
    for (const text of cells) row.insertCell().textContent = text;
  });
}

/** With several seeds: one line per optimizer, ranked, mean ± sd over its seeds, and the pairs Welch's t cannot tell apart. */
function fillSeedsTable(runs: readonly RunResult[]): void {
  const section = byId("seeds-section");
  section.hidden = !hasReplicates(runs);
  const body = byId<HTMLTableElement>("seeds-table").tBodies[0]!;
  body.replaceChildren();
  if (section.hidden) return;
  byId("seeds-caption").textContent =
    `Mean ± sd of the final values over each optimizer's seeds, ranked by mean final ${rankingMetric(runs)}; ` +
    `the last column lists the ranks not significantly different (${SIGNIFICANCE_TEST}).`;
  const summaries = seedSummaries(runs);
  for (const summary of [...summaries].sort((a, b) => a.rank - b.rank)) {
    const group = runs.filter((run) => run.optimizerIndex === summary.optimizerIndex);
    const row = body.insertRow();
    row.insertCell().textContent = String(summary.rank);
    row.insertCell().append(swatch(summary.optimizerIndex), summary.label + lrChoiceText(group));
    const cells = [
      formatMeanSd(summary.evalLoss),
      formatMeanSd(summary.evalAccuracy, (value) => formatPercent(value)),
      `${summary.evalLoss.n} of ${summary.seeds.length}`,
      summary.notDifferentFrom.length === 0 ? "–" : summary.notDifferentFrom.join(", "),
    ];
    for (const text of cells) row.insertCell().textContent = text;
  }
}

/** The form's whole configuration, as the URL hash and the report keep it. */
function currentConfig(): ComparisonConfig {
  const { batchSize, seed } = trainingSettings();
  const epochs = integerField("epochs");
  const csv = byId<HTMLInputElement>("data-csv").checked;
  const file = byId<HTMLInputElement>("csv-file").files?.[0];
  const target = byId<HTMLInputElement>("csv-target").value.trim();
  const testFraction = byId<HTMLInputElement>("test-fraction").valueAsNumber;
  const data: ComparisonConfig["data"] = csv
    ? { source: "csv", file: file?.name ?? "", testFraction, ...(target === "" ? {} : { target }) }
    : { source: "sample", trainRows: integerField("train-rows") };
  const chosen = byId<HTMLSelectElement>("problem").value;
  const problem = csv ? (target === "" ? undefined : CSV_REGRESSION) : chosen === DEFAULT_PROBLEM ? undefined : chosen;
  const config: ComparisonConfig = {
    data,
    ...(problem === undefined ? {} : { problem }),
    optimizers: rows.chosenForCompare(scheduleSpec),
    epochs,
    batchSize,
    seed,
    seeds: integerField("seeds"),
  };
  const schedule = scheduleSpec(scheduleSelect.value);
  if (schedule) config.schedule = schedule;
  return config;
}

/** Fills the form from a configuration (a link's hash): rows ticked and set, the others unticked. */
async function applyConfig(config: ComparisonConfig): Promise<void> {
  for (const row of rows.rows) row.checkbox.checked = false;
  for (const spec of config.optimizers) {
    const label = spec.label ?? spec.name;
    const row = rows.find(label, spec.name) ?? (await rows.addFromRegistry(spec.name, label));
    rows.show(row, spec);
  }
  const set = (id: string, value: number | undefined) => {
    if (value !== undefined) byId<HTMLInputElement>(id).value = String(value);
  };
  set("epochs", config.epochs);
  set("batch-size", config.batchSize);
  set("seed", config.seed);
  set("seeds", config.seeds);
  const problem = byId<HTMLSelectElement>("problem");
  if (config.data.source === "csv") {
    byId<HTMLInputElement>("data-csv").checked = true;
    set("test-fraction", config.data.testFraction);
    byId<HTMLInputElement>("csv-target").value = config.data.target ?? "";
  } else {
    byId<HTMLInputElement>("data-sample").checked = true;
    set("train-rows", config.data.trainRows);
    problem.value = config.problem ?? DEFAULT_PROBLEM;
    if (problem.value !== (config.problem ?? DEFAULT_PROBLEM))
      throw new Error(
        `the link's problem ${JSON.stringify(config.problem)} is not one this page trains (${PAGE_PROBLEMS.join(", ")})`,
      );
    byId("problem-description").textContent = problemInfo(problem.value).description;
  }
  showSchedule(scheduleSelect, config.schedule, "none");
  for (const spec of config.optimizers) {
    const row = rows.find(spec.label ?? spec.name, spec.name)!;
    if (row.schedule) showSchedule(row.schedule, (spec as OptimizerSpec).schedule, "inherit");
  }
  showScheduleFields();
}

/** What the last comparison left, for the export buttons. */
let lastResults: { runs: RunResult[]; config: ComparisonConfig; data: DataSplit; date: string } | undefined;

function download(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = element("a", { href: url, download: name });
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function setupExports(): void {
  const buttons = ["export-csv", "export-json", "export-report"].map((id) => byId<HTMLButtonElement>(id));
  const enable = () => buttons.forEach((button) => (button.disabled = lastResults === undefined));
  enable();
  byId("export-csv").addEventListener("click", () => download("losses.csv", "text/csv", lossesCsv(lastResults!.runs)));
  byId("export-json").addEventListener("click", () =>
    download("results.json", "application/json", resultsJson(lastResults!.runs, lastResults!.config)),
  );
  byId("export-report").addEventListener("click", () => {
    const { runs, config, data, date } = lastResults!;
    const html = reportHtml(runs, {
      source: data.train.source ?? (config.data.source === "csv" ? config.data.file : "embedded MNIST sample"),
      trainCount: data.train.count,
      testCount: data.test?.count,
      ...(config.problem === undefined
        ? { layers: LAYERS }
        : { problem: config.problem, model: problemInfo(config.problem).description }),
      epochs: config.epochs,
      batchSize: config.batchSize,
      seed: config.seed,
      seeds: config.seeds,
      ...(config.schedule ? { schedule: scheduleText(config.schedule) } : {}),
      versions: { browser: navigator.userAgent },
      date,
      command: compareCommand({ ...config, data: withoutFullSample(config.data) }),
      configuration: config,
    });
    download("report.html", "text/html", html);
  });
  byId("copy-link").addEventListener("click", async () => {
    history.replaceState(null, "", `#${configToHash(currentConfig())}`);
    try {
      await navigator.clipboard.writeText(location.href);
      setStatus("Link copied: it opens this page with this configuration.");
    } catch {
      setStatus("The address bar now holds this configuration: copy it from there.");
    }
  });
  exportsReady = enable;
}

/** The CLI reads the whole sample without --limit: leave it out when every training row is used. */
function withoutFullSample(data: ComparisonConfig["data"]): ComparisonConfig["data"] {
  return data.source === "sample" && data.trainRows === 8000 ? { source: "sample" } : data;
}

let exportsReady = () => {};

async function runComparison(): Promise<void> {
  const config = currentConfig();
  const optimizers = config.optimizers;
  if (optimizers.length === 0) {
    setStatus("Tick at least one optimizer.", true);
    return;
  }
  // The link now reproduces this run.
  history.replaceState(null, "", `#${configToHash(config)}`);
  const { epochs, batchSize, seed, seeds } = config;
  controller = new AbortController();
  const { signal } = controller;
  setRunning(true);
  try {
    const { data, model, dropLast } = await chosenProblem(seed, setStatus);
    signal.throwIfAborted();
    const stepsPerEpoch = dropLast ? Math.floor(data.train.count / batchSize) : Math.ceil(data.train.count / batchSize);
    const { schedule } = config;
    const live = liveRuns(optimizers, { first: seed, count: seeds }, stepsPerEpoch * epochs, stepsPerEpoch);
    const bars = showProgress(live, seeds);
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
    const auto = optimizers.some((spec) => spec.lr === "auto");
    setStatus(
      `Training ${live.length} runs on ${data.train.count} rows (${stepsPerEpoch * epochs} steps each` +
        `${auto ? ", after the range tests of the runs on lr auto" : ""}) …`,
    );
    const started = performance.now();
    const runs = await pool.compare({
      data,
      model,
      ...(dropLast ? { dropLast } : {}),
      optimizers,
      epochs,
      batchSize,
      seed,
      seeds,
      signal,
      onProgress,
      ...(schedule ? { schedule } : {}),
    });
    cancelAnimationFrame(redraw);
    drawCurves(runs);
    drawSchedule(runs);
    fillAccuracyTable(runs);
    fillSeedsTable(runs);
    lastResults = { runs, config, data, date: new Date().toISOString() };
    exportsReady();
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
  rows.setLr(row, lr);
  setStatus(`${row.label}: learning rate set to ${lr} (the ${rule} of its range test).`);
  return row.lr!;
}

export function setupCompare(): void {
  setupProblems();
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
  setupExports();
  try {
    const linked = configFromHash(location.hash);
    if (linked) {
      applyConfig(linked).then(
        () =>
          setStatus(
            linked.data.source === "csv"
              ? `Configuration loaded from the link; choose ${linked.data.file} again, then press Run.`
              : "Configuration loaded from the link: press Run to train it.",
          ),
        (error: Error) => setStatus(`Could not load the link's configuration: ${error.message}`, true),
      );
    }
  } catch (error) {
    setStatus(`Could not read the link's configuration: ${(error as Error).message}`, true);
  }
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
