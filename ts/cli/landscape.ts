// `optimlab landscape`: optimizer trajectories on a 2-D test function, drawn over its contours (Ruder's classic
// pictures), with the paths as CSV and a table of where each optimizer ended.
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { distanceToMinimum, type LandscapeResult } from "../landscape.js";
import { landscape, landscapeFunctions, landscapeGrid } from "../node-api.js";
import { uniqueLabels } from "../plot/common.js";
import { describeOptimizer, formatNumber } from "../plot/text.js";
import { landscapeLineup } from "../spec.js";
import { UsageError, flag, parseOptimizer } from "./args.js";
import type { Command } from "./command.js";
import { csvField, float32Number } from "./csv.js";

/** `run,label,step,x,y,value`: step k (from 1) is the point after step k and f before it; step 0 is the start. */
export function trajectoriesCsv(result: LandscapeResult): string {
  const labels = uniqueLabels(result.runs);
  const lines = ["run,label,step,x,y,value"];
  result.runs.forEach((run, r) => {
    const label = csvField(labels[r]);
    lines.push(
      `${r},${label},0,${float32Number(Math.fround(result.start[0]))},${float32Number(Math.fround(result.start[1]))},`,
    );
    for (let k = 0; k < run.x.length; k++) {
      lines.push(
        `${r},${label},${k + 1},${float32Number(run.x[k])},${float32Number(run.y[k])},${float32Number(run.values[k])}`,
      );
    }
  });
  return lines.join("\n") + "\n";
}

/** Where each run ended: final point, f there, distance to the nearest minimum, divergence. */
export function landscapeTable(result: LandscapeResult): string {
  const labels = uniqueLabels(result.runs);
  const header = ["run", "optimizer", "final x", "final y", "final f", "to minimum", "diverged at step"];
  const rows = result.runs.map((run, r) => {
    const last = run.x.length - 1;
    const [x, y] = run.diverged || last < 0 ? [Number.NaN, Number.NaN] : [run.x[last], run.y[last]];
    return [
      labels[r],
      describeOptimizer(run.optimizer),
      formatNumber(x),
      formatNumber(y),
      formatNumber(run.finalValue),
      formatNumber(distanceToMinimum(result.fn, x, y)),
      run.diverged ? String(run.diverged.step) : "–",
    ];
  });
  const numeric = new Set([2, 3, 4, 5, 6]);
  const widths = header.map((title, c) => Math.max(title.length, ...rows.map((row) => row[c].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (numeric.has(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((width) => "-".repeat(width)).join("  "), ...rows.map(line)].join("\n");
}

function parseStart(text: string): [number, number] {
  const parts = text.split(",").map((part) => part.trim());
  const numbers = parts.map(Number);
  if (parts.length !== 2 || parts.some((part) => part === "") || !numbers.every(Number.isFinite)) {
    throw new UsageError(`--start expects two numbers X,Y (e.g. -1.5,2), got "${text}"`);
  }
  return [numbers[0], numbers[1]];
}

const DESCRIPTION = `Runs each optimizer on a 2-D test function from the same start, one tensor of shape [2] with the
function's analytic gradient (float32, the same numbers as torch's autograd), and draws the paths over the
function's contours (log scale, so the valley floor shows): the classic pictures of optimizers moving.

Functions (--fn; default view and start in brackets):
  rosenbrock  (1-x)^2 + 100(y-x^2)^2                        a long curved valley: easy to reach, slow to follow
              minimum (1, 1)                                [x -2..2, y -1..3; start -1.5,2]
  beale       (1.5-x+xy)^2 + (2.25-x+xy^2)^2 + (2.625-x+xy^3)^2
              minimum (3, 0.5); plateaus beside steep walls  [x -1..4.5, y -1.5..2.5; start 1,1.5]
  himmelblau  (x^2+y-11)^2 + (x+y^2-7)^2                    four equal minima: which one depends on the path
              minima (3, 2), (-2.81, 3.13), (-3.78, -3.28), (3.58, -1.85)   [x -5..5, y -5..5; start 0,0]
  rastrigin   20 + x^2 - 10cos(2πx) + y^2 - 10cos(2πy)      a bowl covered in local minima one unit apart
              minimum (0, 0)                                [x -3..3, y -3..3; start 2.3,-1.7]
  saddle      x^2 - y^2                                     a saddle point at (0, 0), unbounded below along y
              no minimum: escaping the saddle is the test   [x -1.5..1.5, y -1.5..1.5; start 1,0.001]
  quadratic   0.5(x^2 + 100y^2)                             100 times steeper in y: plain SGD zigzags
              minimum (0, 0)                                [x -1.5..1.5, y -1.5..1.5; start 1,1]
  booth       (x+2y-7)^2 + (2x+y-5)^2                       a tilted bowl every method should solve
              minimum (1, 3)                                [x -10..10, y -10..10; start -5,5]

Without --opt it runs the function's line-up: SGD, Momentum (0.9), Nesterov (0.9), Adagrad, RMSprop, Adam, with
learning rates picked for that function (shown in the table). --opt SPEC is NAME or NAME:KEY=VALUE,… as for
compare, e.g. --opt lbfgs:lr=1,line_search_fn=strong_wolfe,label=LBFGS --opt adam:lr=0.05

Writes into --out: landscape-<fn>.svg and .png, and trajectories.csv (run,label,step,x,y,value: step 0 is the
start, step k the point after step k with f before it, as torch records loss = closure()). Prints where each
run ended: final point and f, distance to the nearest minimum, and the step where it diverged (NaN or ∞), if any.`;

export const landscapeCommand: Command = {
  name: "landscape",
  summary: "optimizer trajectories on 2-D test functions (Rosenbrock, Beale, …) drawn over their contours",
  usage: "optimlab landscape [--fn rosenbrock] [--start X,Y] [--opt SPEC]… [--steps 300] [--out DIR]",
  description: DESCRIPTION,
  flags: {
    fn: {
      kind: "string",
      value: "NAME",
      help: "rosenbrock (default), beale, himmelblau, rastrigin, saddle, quadratic or booth",
    },
    start: { kind: "string", value: "X,Y", help: "start point (default: the function's, see above)" },
    opt: {
      kind: "string",
      repeatable: true,
      value: "SPEC",
      help: "an optimizer and its options, once per path (default: the function's line-up)",
    },
    steps: { kind: "count", value: "N", help: "steps per optimizer (default 300; LBFGS: outer steps)" },
    out: { kind: "string", value: "DIR", help: "where the figure and trajectories.csv go (default ./optimlab-out)" },
    quiet: { kind: "boolean", help: "print nothing but errors" },
    help: { kind: "boolean", help: "show this help" },
  },
  async run(flags, io) {
    const fnName = flag<string>(flags, "fn") ?? "rosenbrock";
    const functions = await landscapeFunctions();
    if (!functions.some((fn) => fn.name === fnName)) {
      throw new UsageError(`--fn: unknown function "${fnName}"; known: ${functions.map((fn) => fn.name).join(", ")}`);
    }
    const startText = flag<string>(flags, "start");
    const start = startText === undefined ? undefined : parseStart(startText);
    const optimizers = (flags.get("opt") as string[] | undefined)?.map(parseOptimizer) ?? landscapeLineup(fnName)!;
    const steps = flag<number>(flags, "steps") ?? 300;
    const out = resolve(flag<string>(flags, "out") ?? "optimlab-out");

    const result = await landscape({ fn: fnName, start, optimizers, steps });
    const grid = await landscapeGrid(fnName);
    const [{ landscapePlot }, { nodeDocument, svgText, svgToPng }] = await Promise.all([
      import("../plot/landscape.js"),
      import("../plot/render-node.js"),
    ]);
    const svg = svgText(landscapePlot(result, grid, { document: nodeDocument() }));
    await mkdir(out, { recursive: true });
    const files: Record<string, string | Uint8Array> = {
      [`landscape-${fnName}.svg`]: svg,
      [`landscape-${fnName}.png`]: svgToPng(svg),
      "trajectories.csv": trajectoriesCsv(result),
    };
    for (const [name, content] of Object.entries(files)) await writeFile(join(out, name), content);
    if (!(flag<boolean>(flags, "quiet") ?? false)) {
      const [x0, y0] = result.start;
      io.stdout.write(
        `${fnName}: f(x, y) = ${result.fn.formula}, ${steps} steps from (${x0}, ${y0})\n\n${landscapeTable(result)}\n\n`,
      );
      io.stdout.write(`wrote ${Object.keys(files).join(", ")} to ${out}\n`);
    }
    return 0;
  },
};
