// Optimizer trajectories on 2-D test functions through the wasm build: every torch reference trajectory of
// test/fixtures/torch-landscapes.json within 1e-4 (points and values), the grid, the errors, the figure as an SVG
// snapshot, and `optimlab landscape` end to end (files written, CSV against torch, table, help, usage errors).
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ConfigError,
  OptimizerOptionError,
  distanceToMinimum,
  landscape,
  landscapeFunctions,
  landscapeGrid,
  landscapeLineup,
  landscapePlot,
  nodeDocument,
  svgText,
  svgToPng,
} from "../dist/index.js";
import type { LandscapeFunction, OptimizerSpec } from "../dist/index.js";
import { cli } from "./helpers/cli.js";

interface LandscapeCase {
  function: string;
  start: [number, number];
  optimizer: string;
  options: Record<string, unknown>;
  steps: number;
  trajectory: [number, number][];
  losses: number[];
}

const fixture = JSON.parse(readFileSync(new URL("./fixtures/torch-landscapes.json", import.meta.url), "utf8")) as {
  functions: Record<string, string>;
  cases: LandscapeCase[];
};

/** The fixtures README's tolerance for analytic gradients evaluated in another order than autograd's. */
function expectClose(got: number, want: number, where: string): void {
  if (!(Math.abs(got - want) <= 1e-4 * Math.max(Math.abs(want), 1)))
    throw new Error(`${where}: got ${got}, torch ${want}`);
}

const FUNCTION_NAMES = ["rosenbrock", "beale", "himmelblau", "rastrigin", "saddle", "quadratic", "booth"];

describe("trajectories match torch", () => {
  it("has cases, each on a function the fixture defines", () => {
    expect(fixture.cases.length).toBeGreaterThan(0);
    for (const c of fixture.cases) expect(Object.keys(fixture.functions)).toContain(c.function);
  });

  it.each(fixture.cases.map((c) => [`${c.function} ${c.optimizer} ${JSON.stringify(c.options)}`, c] as const))(
    "%s",
    async (_, c) => {
      const result = await landscape({
        fn: c.function,
        start: c.start,
        // The fixture's torch class name, lower-cased, is optimlab's name; its options are torch's.
        optimizers: [{ name: c.optimizer.toLowerCase(), ...c.options } as OptimizerSpec],
        steps: c.steps,
      });
      const [run] = result.runs;
      expect(run.diverged).toBeUndefined();
      expect(run.x.length).toBe(c.steps);
      c.trajectory.forEach(([x, y], k) => {
        expectClose(run.x[k], x, `step ${k + 1} x`);
        expectClose(run.y[k], y, `step ${k + 1} y`);
        expectClose(run.values[k], c.losses[k], `step ${k + 1} f`);
      });
    },
  );
});

describe("functions", () => {
  let functions: LandscapeFunction[];
  beforeAll(async () => {
    functions = await landscapeFunctions();
  });

  it("are the fixture's seven, with its formulas, starts inside their default views", () => {
    expect(functions.map((fn) => fn.name)).toEqual(FUNCTION_NAMES);
    for (const fn of functions) {
      expect(fn.formula).toBe(fixture.functions[fn.name]);
      expect(fn.start[0]).toBeGreaterThan(fn.x[0]);
      expect(fn.start[0]).toBeLessThan(fn.x[1]);
      expect(fn.start[1]).toBeGreaterThan(fn.y[0]);
      expect(fn.start[1]).toBeLessThan(fn.y[1]);
    }
    expect(functions.find((fn) => fn.name === "himmelblau")!.minima).toHaveLength(4);
    expect(functions.find((fn) => fn.name === "saddle")).toMatchObject({ minima: [], saddlePoints: [[0, 0]] });
  });

  it("start where torch's reference trajectories start", () => {
    for (const c of fixture.cases) expect(functions.find((fn) => fn.name === c.function)!.start).toEqual(c.start);
  });

  it("measure the distance to the nearest minimum", () => {
    const himmelblau = functions.find((fn) => fn.name === "himmelblau")!;
    expect(distanceToMinimum(himmelblau, 3, 2.5)).toBeCloseTo(0.5, 12);
    expect(distanceToMinimum(himmelblau, -3.77931, -3.283186 + 0.25)).toBeCloseTo(0.25, 12);
    expect(
      distanceToMinimum(
        functions.find((fn) => fn.name === "saddle")!,
        1,
        1,
      ),
    ).toBeUndefined();
    expect(distanceToMinimum(himmelblau, Number.NaN, 0)).toBeUndefined();
  });

  it("have a default line-up that stays finite for 300 steps and moves toward a minimum", async () => {
    for (const fn of functions) {
      const result = await landscape({ fn: fn.name, steps: 300 });
      expect(result.runs.map((run) => run.label)).toEqual([
        "SGD",
        "Momentum",
        "Nesterov",
        "Adagrad",
        "RMSprop",
        "Adam",
      ]);
      for (const run of result.runs) {
        expect(run.diverged, `${fn.name} ${run.label}`).toBeUndefined();
        // The saddle has no minimum: f falls below the saddle's 0 once a run escapes.
        if (fn.name === "saddle") expect(run.finalValue).toBeLessThan(run.values[0]);
        else
          expect(distanceToMinimum(fn, run.x[299], run.y[299])!).toBeLessThan(
            distanceToMinimum(fn, ...fn.start)! + 1e-6,
          );
      }
    }
    expect(landscapeLineup("nope")).toBeUndefined();
  });
});

describe("runs", () => {
  it("stop at the first non-finite step and report it", async () => {
    // SGD lr 1.1 on 0.5(x² + 100y²): y is multiplied by −109 every step, and 100y² passes float32's max before step 10.
    const result = await landscape({
      fn: "quadratic",
      start: [1, 1],
      optimizers: [{ name: "sgd", lr: 1.1, label: "too fast" }],
      steps: 50,
    });
    const [run] = result.runs;
    expect(run.diverged).toEqual({ step: 9 });
    expect(run.x.length).toBe(10);
    expect(run.values[9]).toBe(Number.POSITIVE_INFINITY);
    expect(Number.isNaN(run.finalValue)).toBe(true);
  });

  it("record f before each step and f at the end", async () => {
    const result = await landscape({ fn: "booth", optimizers: [{ name: "sgd", lr: 0.01 }], steps: 2 });
    const [run] = result.runs;
    expect(run.label).toBe("sgd lr=0.01");
    expect(run.values[0]).toBe(104); // f(−5, 5) = (−5 + 10 − 7)² + (−10 + 5 − 5)² = 4 + 100
    // SGD's first step: ∇f(−5, 5) = (2·(−2) + 2·(−10)·2, 2·(−2)·2 + 2·(−10)) = (−44, −28).
    expect(run.x[0]).toBeCloseTo(-4.56, 6);
    expect(run.y[0]).toBeCloseTo(5.28, 6);
    const second = await landscape({
      fn: "booth",
      start: [run.x[1], run.y[1]],
      optimizers: [{ name: "sgd", lr: 0.01 }],
      steps: 1,
    });
    expect(run.finalValue).toBe(second.runs[0].values[0]);
  });

  it("refuse bad input with clear messages", async () => {
    await expect(landscape({ fn: "rosenbrok", optimizers: [{ name: "adam" }], steps: 1 })).rejects.toThrow(
      new ConfigError(
        "Unknown function 'rosenbrok'; known: rosenbrock, beale, himmelblau, rastrigin, saddle, quadratic, booth",
      ),
    );
    await expect(
      landscape({ fn: "booth", optimizers: [{ name: "adam", lr: -1, label: "Adam" }], steps: 1 }),
    ).rejects.toThrow(new OptimizerOptionError("Adam: Invalid learning rate: -1"));
    await expect(landscape({ fn: "booth", optimizers: [{ name: "adam" }], steps: 0 })).rejects.toThrow(
      "landscape: steps must be an integer from 1 to 1000000, got 0",
    );
    await expect(landscape({ fn: "booth", start: [0, Number.NaN], steps: 1 })).rejects.toThrow(
      "landscape: start must be two finite numbers [a, b], got [0,null]",
    );
    await expect(landscape({ fn: "booth", optimizers: [], steps: 1 })).rejects.toThrow(ConfigError);
    await expect(landscapeGrid("booth", { nx: 0 })).rejects.toThrow(
      "landscape grid: nx must be an integer from 1 to 2048, got 0",
    );
    await expect(landscapeGrid("booth", { x: [1, 1] })).rejects.toThrow(
      "landscape grid: the x range must be finite with min < max, got [1, 1]",
    );
  });
});

describe("grid", () => {
  it("samples f at cell centres, row by row from the bottom", async () => {
    const grid = await landscapeGrid("saddle", { x: [0, 4], y: [-1, 1], nx: 4, ny: 2 });
    expect(Array.from(grid.values)).toEqual([0, 2, 6, 12, 0, 2, 6, 12]);
    const booth = await landscapeGrid("booth", { x: [0, 2], y: [2, 4], nx: 2, ny: 2 });
    // Cell centres (0.5, 2.5), (1.5, 2.5), (0.5, 3.5), (1.5, 3.5).
    expect(Array.from(booth.values)).toEqual([4.5, 0.5, 0.5, 4.5]);
  });

  it("covers the default view at 160 × 160 unless asked", async () => {
    const grid = await landscapeGrid("rosenbrock");
    expect(grid).toMatchObject({ fn: "rosenbrock", x: [-2, 2], y: [-1, 3], nx: 160, ny: 160 });
    expect(grid.values.length).toBe(160 * 160);
  });
});

describe("figure", () => {
  const document = nodeDocument();

  async function figure() {
    const optimizers: OptimizerSpec[] = [
      ...landscapeLineup("quadratic")!,
      { name: "sgd", label: "SGD lr 0.05", lr: 0.05 },
    ];
    const result = await landscape({ fn: "quadratic", optimizers, steps: 60 });
    const grid = await landscapeGrid("quadratic", { nx: 48, ny: 48 });
    return { result, grid, svg: svgText(landscapePlot(result, grid, { document })) };
  }

  it("matches its snapshot", async () => {
    const { svg } = await figure();
    await expect(svg).toMatchFileSnapshot("./__snapshots__/landscape.svg");
  });

  it("draws every run with its label, the minimum, the start, and the divergence", async () => {
    const { result, svg } = await figure();
    // SGD with lr 0.05 > 2/100 is unstable along y: y grows 4-fold a step until 100y² overflows.
    expect(result.runs[6].diverged).toBeDefined();
    expect(svg).toContain(`>SGD lr 0.05 (diverged at step ${result.runs[6].diverged!.step})</text>`);
    for (const label of ["SGD", "Momentum", "Nesterov", "Adagrad", "RMSprop", "Adam"])
      expect(svg).toContain(`>${label}</text>`);
    expect(svg).toContain(">Quadratic: f(x, y) = 0.5(x^2 + 100y^2)</text>");
    expect(svg).toContain(">★ minimum</text>");
    expect(svg).toContain(">× diverged</text>");
    expect(svg).not.toContain("NaN");
  });

  it("refuses a grid that does not match its size", async () => {
    const { result, grid } = await figure();
    expect(() => landscapePlot(result, { ...grid, nx: 10 }, { document })).toThrow(
      "the grid holds 2304 values, 10 × 48 expected",
    );
  });

  it("renders to a PNG", async () => {
    const { svg } = await figure();
    const png = svgToPng(svg, { scale: 1 });
    expect(Buffer.from(png.subarray(1, 4)).toString("latin1")).toBe("PNG");
    expect(Buffer.from(png).readUInt32BE(16)).toBe(760); // width
  });
});

describe("optimlab landscape", () => {
  let out: string;

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), "optimlab-landscape-"));
  });
  afterAll(async () => {
    await rm(out, { recursive: true, force: true });
  });

  it("writes the figure and torch's NAdam trajectory on Booth, and prints where each run ended", async () => {
    const c = fixture.cases.find((candidate) => candidate.function === "booth")!;
    const { code, stdout, stderr } = await cli(
      "landscape",
      "--fn",
      "booth",
      "--start",
      "-5,5",
      "--opt",
      "nadam:lr=0.1,label=NAdam",
      "--opt",
      "sgd:lr=0.2,label=SGD too fast",
      "--steps",
      String(c.steps),
      "--out",
      out,
    );
    expect(stderr).toBe("");
    expect(code).toBe(0);

    const csv = (await readFile(join(out, "trajectories.csv"), "utf8")).trim().split("\n");
    expect(csv[0]).toBe("run,label,step,x,y,value");
    expect(csv[1]).toBe("0,NAdam,0,-5,5,");
    const nadam = csv.slice(2, 2 + c.steps).map((line) => line.split(","));
    nadam.forEach(([run, label, step, x, y, value], k) => {
      expect([run, label, step]).toEqual(["0", "NAdam", String(k + 1)]);
      expectClose(Number(x), c.trajectory[k][0], `csv step ${k + 1} x`);
      expectClose(Number(y), c.trajectory[k][1], `csv step ${k + 1} y`);
      expectClose(Number(value), c.losses[k], `csv step ${k + 1} f`);
    });
    const sgdRows = csv.filter((line) => line.startsWith("1,SGD too fast,"));
    // SGD lr 0.2 on Booth: the Hessian's largest eigenvalue is 18, so steps grow by |1 − 0.2·18| = 2.6 and overflow.
    const lastSgd = sgdRows.at(-1)!.split(",");
    expect(sgdRows.length).toBeLessThan(c.steps + 1);
    expect([lastSgd[3], lastSgd[4], lastSgd[5]].some((v) => !Number.isFinite(Number(v)))).toBe(true);

    const lines = stdout.split("\n");
    expect(lines[0]).toBe("booth: f(x, y) = (x+2y-7)^2 + (2x+y-5)^2, 200 steps from (-5, 5)");
    const [, , nadamRow, sgdRow] = lines.slice(2);
    const [finalX, finalY] = c.trajectory.at(-1)!;
    const nadamCells = nadamRow.split(/\s{2,}/);
    expect(nadamCells.slice(0, 2)).toEqual(["NAdam", "nadam lr=0.1"]);
    // The table prints 4 significant digits.
    expect(Math.abs(Number(nadamCells[2]) - finalX)).toBeLessThan(5e-4 * Math.abs(finalX));
    expect(Math.abs(Number(nadamCells[3]) - finalY)).toBeLessThan(5e-4 * Math.abs(finalY));
    expect(Number(nadamCells[5])).toBeCloseTo(Math.hypot(finalX - 1, finalY - 3), 3);
    expect(nadamCells[6]).toBe("–");
    expect(sgdRow).toMatch(new RegExp(`^SGD too fast\\s+sgd lr=0.2\\s+–\\s+–\\s+–\\s+–\\s+${sgdRows.length - 2}$`));
    expect(stdout).toContain(`wrote landscape-booth.svg, landscape-booth.png, trajectories.csv to ${out}`);

    const svg = await readFile(join(out, "landscape-booth.svg"), "utf8");
    expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
    expect(svg).toContain(">Booth: f(x, y) = (x+2y-7)^2 + (2x+y-5)^2</text>");
    expect(svg).toContain(`>SGD too fast (diverged at step ${sgdRows.length - 2})</text>`);
    const png = await readFile(join(out, "landscape-booth.png"));
    expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
    expect(png.readUInt32BE(16)).toBe(760 * 2);
  });

  it("runs the default line-up of Rosenbrock", async () => {
    const dir = join(out, "default");
    const { code, stdout } = await cli("landscape", "--steps", "20", "--out", dir, "--quiet");
    expect(code).toBe(0);
    expect(stdout).toBe("");
    const csv = (await readFile(join(dir, "trajectories.csv"), "utf8")).trim().split("\n");
    expect(csv).toHaveLength(1 + 6 * 21);
    expect(csv[1]).toBe("0,SGD,0,-1.5,2,");
    expect(csv[2]).toBe("0,SGD,1,-1.345,2.05,12.5"); // torch's first SGD step on Rosenbrock (lr 1e-3)
    expect(await readFile(join(dir, "landscape-rosenbrock.svg"), "utf8")).toContain(
      ">Rosenbrock: f(x, y) = (1-x)^2 + 100(y-x^2)^2</text>",
    );
  });

  it("explains every function in --help", async () => {
    const { code, stdout } = await cli("landscape", "--help");
    expect(code).toBe(0);
    for (const [name, formula] of Object.entries(fixture.functions))
      expect(stdout).toMatch(new RegExp(`\\n  ${name}\\s+${formula.replace(/[()^+*]/g, "\\$&")}`));
  });

  it("reports usage errors with exit code 2", async () => {
    const unknown = await cli("landscape", "--fn", "nope");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      'optimlab landscape: --fn: unknown function "nope"; known: rosenbrock, beale, himmelblau, rastrigin, saddle, quadratic, booth',
    );
    const start = await cli("landscape", "--start", "1;2");
    expect(start.code).toBe(2);
    expect(start.stderr).toContain('--start expects two numbers X,Y (e.g. -1.5,2), got "1;2"');
    const option = await cli("landscape", "--opt", "adam:lr=-1,label=Adam", "--out", join(out, "bad"));
    expect(option.code).toBe(1);
    expect(option.stderr).toBe("optimlab landscape: OptimizerOptionError: Adam: Invalid learning rate: -1\n");
  });
});
