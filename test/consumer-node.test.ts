// The npm tarball as other people's Node projects get it (test/helpers/consumer.ts installs it in a project outside
// this repository): what the tarball holds and weighs, `import`, `require`, `npx optimlab`, TypeScript's view of the
// two entries, and the errors of a wrong install.
import { cp, mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { consumerProject, REPO, run, type Consumer } from "./helpers/consumer.js";

/**
 * `npm pack` size of the tarball (bytes), measured when the budget was set (0.2.0: dist JS + .d.ts, the .wasm, the
 * 1.6 MB sample, the two DejaVu fonts: 2,946,487), plus what the opt-in fast .wasm (precision "fast") added to the
 * tarball when it came (309,443: 3,129,691 → 3,439,134 bytes). The test fails when the tarball grows more than 10%
 * past it.
 */
const TARBALL_BUDGET_BYTES = 2_946_487 + 309_443;

let consumer: Consumer;

beforeAll(async () => {
  consumer = await consumerProject();
}, 900_000);

/** Writes `source` into the consumer project as `file`, then runs it with node (extra node flags first). */
async function runScript(file: string, source: string, flags: string[] = []) {
  await writeFile(join(consumer.dir, file), source);
  return run("node", [...flags, file], { cwd: consumer.dir });
}

/** A comparison small enough for a test (8,000 digits, one epoch, a narrow MLP), as a user would write it. */
const COMPARE_SOURCE = `
  const data = await loadMnistSample({ seed: 1 });
  const runs = await compare({
    data,
    model: { layers: [784, 32, 10] },
    optimizers: [{ name: "sgd", lr: 0.05, momentum: 0.9 }, { name: "adam", lr: 1e-3 }],
    epochs: 1,
    batchSize: 256,
    seed: 0,
  });
  const summary = runs.map((run) => ({
    label: run.label,
    error: run.error?.message,
    firstLoss: run.losses[0],
    lastLoss: run.losses.at(-1),
  }));`;

/** Both runs finished without an error and their loss went down. */
function expectTrained(summary: { label: string; error?: string; firstLoss: number; lastLoss: number }[]) {
  expect(summary.map((run) => run.error)).toEqual([undefined, undefined]);
  expect(summary.map((run) => run.label)).toEqual(["sgd lr=0.05 momentum=0.9", "adam lr=0.001"]);
  for (const run of summary) expect(run.lastLoss).toBeLessThan(run.firstLoss);
}

describe("the tarball", () => {
  // Every file must match one of these; anything else (crate sources, tests, maps, the demo) fails the test.
  const ALLOWED: RegExp[] = [
    /^(package\.json|README\.md|LICENSE|CHANGELOG\.md)$/,
    /^dist\/([\w-]+\/)*[\w.-]+\.(js|d\.ts)$/, // the tsc build with its declarations
    /^dist\/index\.(cjs|d\.cts)$/, // the CommonJS entry
    /^dist\/worker-node\.cjs$/, // the worker thread every Node pool starts: one file, comlink and the wasm glue inside
    /^dist\/optimlab\.browser\.mjs$/, // the ES module bundle for <script type="module"> and import maps
    /^dist\/optimlab\.(global\.js|browser\.mjs|worker\.js)\.LEGAL\.txt$/, // licences of the code bundled into them
    /^dist\/pkg\/optimlab(_fast)?_bg\.wasm$/, // the default build and the opt-in fast one (precision "fast")
    /^dist\/assets\/mnist-sample\.bin\.gz$/,
    /^dist\/assets\/fonts\/(DejaVuSans\.ttf|DejaVuSans-Bold\.ttf|LICENSE-DejaVu\.txt)$/,
  ];
  const REQUIRED = [
    "package.json",
    "README.md",
    "LICENSE",
    "CHANGELOG.md",
    "dist/index.js",
    "dist/index.d.ts",
    "dist/index.cjs",
    "dist/browser.js",
    "dist/browser.d.ts",
    "dist/cli.js",
    "dist/worker-node.js",
    "dist/worker-node.cjs",
    "dist/optimlab.worker.js",
    "dist/optimlab.global.js",
    "dist/optimlab.browser.mjs",
    "dist/pkg/optimlab_bg.wasm",
    "dist/pkg/optimlab_fast_bg.wasm",
    "dist/assets/mnist-sample.bin.gz",
    "dist/assets/fonts/DejaVuSans.ttf",
    "dist/assets/fonts/DejaVuSans-Bold.ttf",
    "dist/assets/fonts/LICENSE-DejaVu.txt",
  ];
  // The esbuild bundles for browsers carry no declarations: TypeScript users import "optimlab" (dist/browser.d.ts).
  const BUNDLES = new Set(["dist/optimlab.global.js", "dist/optimlab.browser.mjs", "dist/optimlab.worker.js"]);

  it("holds the built library, the .wasm and its fast build, the workers, the sample, the font and the docs, and nothing else", () => {
    const files = consumer.pack.files.map((file) => file.path);
    expect(files.filter((file) => !ALLOWED.some((pattern) => pattern.test(file)))).toEqual([]);
    expect(REQUIRED.filter((file) => !files.includes(file))).toEqual([]);
    expect(files.filter((file) => file.endsWith(".wasm")).sort()).toEqual([
      "dist/pkg/optimlab_bg.wasm",
      "dist/pkg/optimlab_fast_bg.wasm",
    ]);
    const missingTypes = files.filter(
      (file) => file.endsWith(".js") && !BUNDLES.has(file) && !files.includes(file.replace(/\.js$/, ".d.ts")),
    );
    expect(missingTypes).toEqual([]);
  });

  it(`stays within 10% of its size budget (${TARBALL_BUDGET_BYTES} bytes)`, () => {
    expect(consumer.pack.size).toBeLessThanOrEqual(Math.round(TARBALL_BUDGET_BYTES * 1.1));
  });

  it("is installed from the tarball, not from this repository", async () => {
    const installed = JSON.parse(await readFile(join(consumer.dir, "node_modules/optimlab/package.json"), "utf8"));
    const ours = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8"));
    expect(installed.version).toBe(ours.version);
    expect(consumer.dir.startsWith(REPO)).toBe(false);
  });
});

describe("Node", () => {
  it("ESM: import { compare, loadMnistSample } trains two optimizers in worker threads from node_modules", async () => {
    const result = await runScript(
      "esm.mjs",
      `import { compare, loadMnistSample } from "optimlab";
       ${COMPARE_SOURCE}
       console.log(JSON.stringify({ entry: import.meta.resolve("optimlab"), summary }));`,
    );
    expect(result.stderr).toBe("");
    const { entry, summary } = JSON.parse(result.stdout);
    expect(entry).toBe(pathToFileURL(join(consumer.dir, "node_modules/optimlab/dist/index.js")).href);
    expectTrained(summary);
  });

  it("CommonJS: require('optimlab') works on this Node (>= 20.19 loads the ES module) without a warning", async () => {
    const result = await runScript(
      "cjs.cjs",
      `const { compare, loadMnistSample } = require("optimlab");
       (async () => {
         ${COMPARE_SOURCE}
         console.log(JSON.stringify({ entry: require.resolve("optimlab"), summary }));
       })();`,
    );
    expect(result.stderr).toBe("");
    const { entry, summary } = JSON.parse(result.stdout);
    expect(entry).toBe(join(consumer.dir, "node_modules/optimlab/dist/index.cjs"));
    expectTrained(summary);
  });

  it("CommonJS on a Node that cannot require() ES modules: the error says to use import", async () => {
    // --no-experimental-require-module gives Node 20.20 the behaviour of Node < 20.19.
    const result = await runScript("cjs-old.cjs", `require("optimlab");`, ["--no-experimental-require-module"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(
      "optimlab is an ES module and this Node cannot require() it (Node >= 20.19 can): " +
        'use `import { compare } from "optimlab"`, or `await import("optimlab")` from CommonJS',
    );
  });

  it("npx optimlab compare --limit 512 --epochs 1 --out o writes the report", async () => {
    await rm(join(consumer.dir, "o"), { recursive: true, force: true });
    const result = await run("npx", ["optimlab", "compare", "--limit", "512", "--epochs", "1", "--out", "o"], {
      cwd: consumer.dir,
    });
    expect(result.code, result.stderr).toBe(0);
    for (const file of ["report.html", "loss.svg", "loss.png", "epochs.png", "losses.csv"]) {
      expect((await stat(join(consumer.dir, "o", file))).size, file).toBeGreaterThan(0);
    }
    expect(await readFile(join(consumer.dir, "o/report.html"), "utf8")).toContain("Evolution of Optimizers");
  });
});

describe("TypeScript (strict)", () => {
  // Each configuration type-checks the same three files; the only errors allowed are the ones listed.
  const FILES: Record<string, string> = {
    "usage.ts": `import { compare, loadMnistSample, lossPlot, type OptimizerSpec } from "optimlab";
const optimizers: OptimizerSpec[] = [{ name: "sgd", lr: 0.01, momentum: 0.9 }, { name: "adam", betas: [0.9, 0.99] }];
export async function main(): Promise<number> {
  const runs = await compare({ data: await loadMnistSample(), model: { layers: [784, 10] }, optimizers, epochs: 1, batchSize: 64, seed: 0 });
  lossPlot(runs);
  return runs.length;
}
`,
    "typo.ts": `import { compare, loadMnistSample } from "optimlab";
export const runs = compare({ data: await loadMnistSample(), model: { layers: [784, 10] }, epochs: 1, batchSize: 64, seed: 0,
  optimizers: [{ name: "sgd", momentun: 0.9 }] });
`,
    // What each entry offers: the browser one has setAssetLocation, the Node one svgToPng.
    "entry.ts": `import * as optimlab from "optimlab";
export const browserOnly = optimlab.setAssetLocation;
export const nodeOnly = optimlab.svgToPng;
`,
  };
  const TYPO = /^typo\.ts\(3,\d+\): error TS(2353|2561): .*'momentun' does not exist in type/;
  const NO_SET_ASSET_LOCATION = /^entry\.ts\(2,\d+\): error TS2339: Property 'setAssetLocation' does not exist/;
  const NO_SVG_TO_PNG = /^entry\.ts\(3,\d+\): error TS2339: Property 'svgToPng' does not exist/;

  const CONFIGS = [
    {
      name: 'moduleResolution "nodenext" (Node): svgToPng, no setAssetLocation',
      options: { module: "nodenext", moduleResolution: "nodenext", types: ["node"], lib: ["es2022"] },
      expected: [TYPO, NO_SET_ASSET_LOCATION],
    },
    {
      name: 'moduleResolution "bundler" with the "browser" condition: setAssetLocation, no svgToPng',
      options: {
        module: "esnext",
        moduleResolution: "bundler",
        customConditions: ["browser"],
        types: [],
        lib: ["es2022", "dom"],
      },
      expected: [TYPO, NO_SVG_TO_PNG],
    },
    {
      name: 'moduleResolution "bundler" without custom conditions (Vite\'s default): the browser entry',
      options: { module: "esnext", moduleResolution: "bundler", types: [], lib: ["es2022", "dom"] },
      expected: [TYPO, NO_SVG_TO_PNG],
    },
  ];

  it.each(CONFIGS)("$name; the misspelled option is a type error", async ({ name, options, expected }) => {
    const dir = join(consumer.dir, "ts-" + name.split('"')[1] + (options.customConditions ? "-browser" : ""));
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir);
    for (const [file, source] of Object.entries(FILES)) await writeFile(join(dir, file), source);
    const tsconfig = {
      // skipLibCheck as `tsc --init` sets it: the dependencies' own declarations (Plot's need @types/d3) are theirs.
      compilerOptions: { strict: true, target: "es2022", noEmit: true, skipLibCheck: true, ...options },
      include: Object.keys(FILES),
    };
    await writeFile(join(dir, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
    const result = await run(
      join(consumer.dir, "node_modules/.bin/tsc"),
      ["-p", "tsconfig.json", "--pretty", "false"],
      {
        cwd: dir,
      },
    );
    const errors = result.stdout.split("\n").filter((line) => /error TS\d+/.test(line));
    expect(errors.length, result.stdout).toBe(expected.length);
    for (const pattern of expected)
      expect(
        errors.some((line) => pattern.test(line)),
        `${pattern} in\n${result.stdout}`,
      ).toBe(true);
  });
});

describe("a wrong install", () => {
  /** A copy of the installed package in its own project (dependencies resolve from the consumer's node_modules). */
  async function brokenCopy(name: string, breakIt: (packageDir: string) => Promise<void>): Promise<string> {
    const dir = join(consumer.dir, name);
    const packageDir = join(dir, "node_modules/optimlab");
    await rm(dir, { recursive: true, force: true });
    await mkdir(join(dir, "node_modules"), { recursive: true });
    await cp(join(consumer.dir, "node_modules/optimlab"), packageDir, { recursive: true });
    await breakIt(packageDir);
    await writeFile(
      join(dir, "main.mjs"),
      `import { compare, loadMnistSample } from "optimlab";\n${COMPARE_SOURCE}\nconsole.log(JSON.stringify(summary));`,
    );
    return packageDir;
  }

  it("without the .wasm: the error names optimlab_bg.wasm and where it was looked for", async () => {
    const packageDir = await brokenCopy("no-wasm", (dir) => rm(join(dir, "dist/pkg/optimlab_bg.wasm")));
    const result = await run("node", ["main.mjs"], { cwd: join(packageDir, "../..") });
    const message = `optimlab: the WebAssembly module optimlab_bg.wasm is missing: looked for ${join(packageDir, "dist/pkg/optimlab_bg.wasm")}`;
    expect(result.stdout + result.stderr).toContain(message);
  });

  it("with the worker script renamed: the error names worker-node.cjs and where it was looked for", async () => {
    const packageDir = await brokenCopy("renamed-worker", (dir) =>
      rename(join(dir, "dist/worker-node.cjs"), join(dir, "dist/worker-node.renamed.cjs")),
    );
    const result = await run("node", ["main.mjs"], { cwd: join(packageDir, "../..") });
    const message = `optimlab: the worker script worker-node.cjs is missing: looked for ${join(packageDir, "dist/worker-node.cjs")}`;
    expect(result.stdout + result.stderr).toContain(message);
  });
});
