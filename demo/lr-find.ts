// The LR finder view: a learning-rate range test per chosen optimizer (lrFindAll, in Web Workers) on the Compare
// view's data, batch size and seed; the loss-against-lr figure (lrFindPlot) and a table of the suggested lrs, each
// row with a button that copies its valley lr (or the steepest, when the curve has no valley) into Compare.
import { formatLr, lrFindAll, lrFindPlot, type LrFindResult, type LrSuggestion } from "../ts/browser.js";
import { chosenProblem, trainingSettings } from "./compare.js";
import { byId, element, figureWidth, statusLine, swatch } from "./dom.js";
import { OptimizerRows, registryPicker } from "./optimizer-rows.js";

/** Copies `lr` into the Compare view's row for the optimizer (labelled `label`, else named `name`) and shows it. */
export type UseInCompare = (label: string, name: string, lr: number, rule: string) => void;

const form = byId<HTMLFormElement>("lr-setup");
const runButton = byId<HTMLButtonElement>("lr-run");
const stopButton = byId<HTMLButtonElement>("lr-stop");
const figure = byId<HTMLElement>("lr-curves");
const suggestionRows = byId<HTMLTableElement>("lr-suggestions").tBodies[0]!;
const setStatus = statusLine("lr-status");
const rows = new OptimizerRows(byId<HTMLTableSectionElement>("lr-optimizer-rows"), "lr-opt", false);
let controller: AbortController | undefined;

/** The lr a user would take: fastai's default rule (valley), else torch-lr-finder's (steepest). */
function preferred(result: LrFindResult): { rule: string; suggestion: LrSuggestion } | undefined {
  const { valley, steepest } = result.suggestions;
  if (valley) return { rule: "valley", suggestion: valley };
  if (steepest) return { rule: "steepest point", suggestion: steepest };
  return undefined;
}

function setRunning(running: boolean): void {
  runButton.disabled = running;
  stopButton.disabled = !running;
  for (const fieldset of form.querySelectorAll<HTMLFieldSetElement>("fieldset")) fieldset.disabled = running;
}

function draw(results: readonly LrFindResult[]): void {
  const width = figureWidth(figure);
  // Overlaid curves get crowded beyond four: then one panel per test, two to a row.
  const svg =
    results.length > 4
      ? lrFindPlot(results, { width, columns: 2, height: 240 })
      : lrFindPlot(results, { width, height: Math.round(width * 0.55) });
  figure.replaceChildren(svg);
}

function fillTable(results: readonly LrFindResult[], useInCompare: UseInCompare): void {
  suggestionRows.replaceChildren();
  results.forEach((result, index) => {
    const row = suggestionRows.insertRow();
    row.insertCell().append(swatch(index), result.label);
    const { valley, steepest, minimum } = result.suggestions;
    for (const suggestion of [valley, steepest, minimum])
      row.insertCell().textContent = suggestion ? formatLr(suggestion.lr) : "–";
    row.insertCell().textContent = `${result.lrs.length}${result.stoppedEarly ? " (diverged)" : ""}`;
    row.insertCell().textContent = result.seconds.toFixed(1);
    const action = row.insertCell();
    const choice = preferred(result);
    if (!choice) {
      action.textContent = "no suggestion";
      return;
    }
    // What the table shows (two significant digits) is what gets copied.
    const lr = Number(formatLr(choice.suggestion.lr));
    const button = element(
      "button",
      {
        type: "button",
        class: "secondary",
        "aria-label": `Use ${result.label}'s ${choice.rule} lr ${formatLr(lr)} in Compare`,
      },
      "Use in Compare",
    );
    button.addEventListener("click", () => useInCompare(result.label, result.optimizer.name, lr, choice.rule));
    action.append(button);
  });
}

async function runRangeTests(useInCompare: UseInCompare): Promise<void> {
  const optimizers = rows.chosen();
  if (optimizers.length === 0) {
    setStatus("Tick at least one optimizer.", true);
    return;
  }
  const value = (id: string) => byId<HTMLInputElement>(id).valueAsNumber;
  const { batchSize, seed } = trainingSettings();
  controller = new AbortController();
  const { signal } = controller;
  setRunning(true);
  try {
    const { data, model, dropLast } = await chosenProblem(seed, setStatus);
    signal.throwIfAborted();
    setStatus(
      `Testing ${optimizers.length} optimizers on ${data.train.count} rows (batch ${batchSize}, seed ${seed}) …`,
    );
    const started = performance.now();
    const results = await lrFindAll({
      data,
      model,
      ...(dropLast ? { dropLast } : {}),
      batchSize,
      seed,
      optimizers,
      signal,
      startLr: value("lr-start"),
      endLr: value("lr-end"),
      numIter: value("lr-iterations"),
    });
    draw(results);
    fillTable(results, useInCompare);
    setStatus(`Done: ${results.length} range tests in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
  } catch (error) {
    if (signal.aborted) setStatus("Stopped.");
    else setStatus(`Failed: ${(error as Error).message}`, true);
  } finally {
    controller = undefined;
    setRunning(false);
  }
}

export async function setupLrFind(useInCompare: UseInCompare): Promise<void> {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void runRangeTests(useInCompare);
  });
  stopButton.addEventListener("click", () => controller?.abort());
  await registryPicker(rows, byId("lr-add-optimizer"), byId("lr-add-optimizer-button"), (message) =>
    setStatus(message, true),
  );
  // The default pair: plain SGD and Adam, whose suggestions map onto Compare's SGD and Adam rows.
  await rows.addFromRegistry("sgd", "SGD");
  await rows.addFromRegistry("adam", "Adam");
}
