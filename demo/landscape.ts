// The Landscape view: optimizer trajectories over a 2-D test function, computed on this thread (landscape() is a
// few thousand float32 operations per path, far cheaper than starting a worker), drawn over the function's contours
// (landscapeGrid + landscapePlot), with a table of where each path ended.
import {
  describeOptimizer,
  distanceToMinimum,
  landscape,
  landscapeFunctions,
  landscapeGrid,
  landscapeLineup,
  landscapePlot,
  type LandscapeFunction,
  type LandscapeResult,
} from "../ts/browser.js";
import { byId, element, figureWidth, formatNumber, statusLine, swatch } from "./dom.js";
import { OptimizerRows, registryPicker } from "./optimizer-rows.js";

const form = byId<HTMLFormElement>("landscape-setup");
const fnSelect = byId<HTMLSelectElement>("landscape-fn");
const figure = byId<HTMLElement>("landscape-figure");
const endRows = byId<HTMLTableElement>("landscape-table").tBodies[0]!;
const setStatus = statusLine("landscape-status");
const rows = new OptimizerRows(byId<HTMLTableSectionElement>("landscape-optimizer-rows"), "landscape-opt", true);
let functions: LandscapeFunction[] = [];
let drawn = false;

function describe(fn: LandscapeFunction): string {
  const points = (list: [number, number][]) => list.map(([x, y]) => `(${x}, ${y})`).join(", ");
  const minima =
    fn.minima.length > 0
      ? `${fn.minima.length > 1 ? "minima" : "minimum"} f = 0 at ${points(fn.minima)}`
      : `saddle point at ${points(fn.saddlePoints)}`;
  const about = fn.about.charAt(0).toUpperCase() + fn.about.slice(1);
  return `${about}. Start (${fn.start.join(", ")}); ${minima}.`;
}

/** The chosen function's default line-up, replacing every row (its lrs were picked for that function). */
function showLineup(): void {
  const fn = functions.find((candidate) => candidate.name === fnSelect.value)!;
  byId("landscape-about").textContent = describe(fn);
  rows.clear();
  for (const spec of landscapeLineup(fn.name) ?? []) {
    rows.add({
      label: spec.label!,
      spec,
      ...(spec.name === "sgd" && spec.momentum !== undefined ? { inline: ["momentum"] } : {}),
    });
  }
}

/** A number cell: four significant digits shown, the exact value in data-value (what the tests compare). */
function numberCell(row: HTMLTableRowElement, value: number | undefined): void {
  const cell = row.insertCell();
  cell.textContent = formatNumber(value);
  cell.dataset.value = String(value);
}

function fillTable(result: LandscapeResult): void {
  endRows.replaceChildren();
  result.runs.forEach((run, index) => {
    const last = run.x.length - 1;
    const x = run.x[last];
    const y = run.y[last];
    const row = endRows.insertRow();
    row.insertCell().append(swatch(index), run.label);
    row.insertCell().textContent = describeOptimizer(run.optimizer);
    numberCell(row, x);
    numberCell(row, y);
    numberCell(row, run.finalValue);
    numberCell(row, x === undefined || y === undefined ? undefined : distanceToMinimum(result.fn, x, y));
    const diverged = row.insertCell();
    diverged.textContent = run.diverged ? String(run.diverged.step) : "–";
    diverged.dataset.value = String(run.diverged?.step);
  });
}

async function draw(): Promise<void> {
  const optimizers = rows.chosen();
  if (optimizers.length === 0) {
    setStatus("Tick at least one optimizer.", true);
    return;
  }
  const fn = fnSelect.value;
  const steps = byId<HTMLInputElement>("landscape-steps").valueAsNumber;
  try {
    const started = performance.now();
    const [result, grid] = await Promise.all([landscape({ fn, steps, optimizers }), landscapeGrid(fn)]);
    const width = figureWidth(figure);
    figure.replaceChildren(landscapePlot(result, grid, { width, height: Math.round(Math.min(width * 0.7, 640)) }));
    fillTable(result);
    drawn = true;
    setStatus(
      `Drew ${result.runs.length} paths of ${steps} steps on ${fn} in ${Math.round(performance.now() - started)} ms.`,
    );
  } catch (error) {
    setStatus(`Failed: ${(error as Error).message}`, true);
  }
}

/** Draws the default picture the first time the view is shown. */
export function showLandscape(): void {
  if (!drawn && functions.length > 0) void draw();
}

export async function setupLandscape(): Promise<void> {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void draw();
  });
  functions = await landscapeFunctions();
  fnSelect.replaceChildren(...functions.map((fn) => element("option", { value: fn.name }, fn.name)));
  fnSelect.addEventListener("change", () => {
    showLineup();
    void draw();
  });
  showLineup();
  if (!byId("view-landscape").hidden) showLandscape();
  await registryPicker(rows, byId("landscape-add-optimizer"), byId("landscape-add-optimizer-button"), (message) =>
    setStatus(message, true),
  );
}
