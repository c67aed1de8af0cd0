// The npm tarball in other people's web pages (the consumer project of test/helpers/consumer.ts, outside this
// repository): a Vite build and an esbuild build of `import { compare } from "optimlab"`, and the script-tag bundle
// copied into a static folder or served by another origin as a CDN would. Every page runs a comparison in Chromium
// under a strict Content-Security-Policy, with its workers and .wasm coming from where the build put them.
import { cp, mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { launchChromium, startServer, STRICT_CSP, watchPage, type StaticServer } from "./helpers/chromium.js";
import { consumerProject, mustRun, type Consumer } from "./helpers/consumer.js";

let consumer: Consumer;
let browser: Browser;
const servers: StaticServer[] = [];

beforeAll(async () => {
  [consumer, browser] = await Promise.all([consumerProject(), launchChromium()]);
}, 900_000);

afterAll(async () => {
  await Promise.all([browser?.close(), ...servers.map((server) => server.close())]);
});

async function serve(options: Parameters<typeof startServer>[0]): Promise<StaticServer> {
  const server = await startServer(options);
  servers.push(server);
  return server;
}

/** The comparison every page runs (8,000 digits, one epoch, a narrow MLP); `lib` is the page's optimlab. */
const COMPARE_SOURCE = (lib: string) => `
(async () => {
  const { compare, loadMnistSample } = ${lib};
  const data = await loadMnistSample({ seed: 1 });
  const runs = await compare({
    data,
    model: { layers: [784, 32, 10] },
    optimizers: [{ name: "sgd", lr: 0.05, momentum: 0.9 }, { name: "adam", lr: 1e-3 }],
    epochs: 1,
    batchSize: 256,
    seed: 0,
  });
  window.optimlabResult = runs.map((run) => ({
    label: run.label,
    error: run.error ? run.error.message : undefined,
    firstLoss: run.losses[0],
    lastLoss: run.losses[run.losses.length - 1],
  }));
})().catch((error) => (window.optimlabResult = { failed: String(error) }));
`;

/** The page script a bundler builds. */
const BUNDLER_ENTRY = `import { compare, loadMnistSample } from "optimlab";
const lib = { compare, loadMnistSample };
${COMPARE_SOURCE("lib")}`;

const PAGE_HTML = (scripts: string[]) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>consumer</title><link rel="icon" href="data:,"></head><body>
${scripts.map((src) => `<script ${src.endsWith("main.js") ? 'type="module" ' : ""}src="${src}"></script>`).join("\n")}
</body></html>`;

interface PageRun {
  result: { label: string; error?: string; firstLoss: number; lastLoss: number }[] | { failed: string };
  errors: string[];
  workers: string[];
  requests: string[];
}

/** Opens `url` in Chromium and waits for the page's comparison; records errors, workers and every request. */
async function runPage(url: string, origin: string): Promise<PageRun> {
  const page = await browser.newPage();
  try {
    const problems = watchPage(page, origin);
    const workers: string[] = [];
    const requests: string[] = [];
    page.on("worker", (worker) => workers.push(worker.url()));
    page.on("request", (request) => requests.push(request.url()));
    await page.goto(url);
    await page.waitForFunction(() => (window as { optimlabResult?: unknown }).optimlabResult !== undefined, null, {
      timeout: 120_000,
    });
    const result = await page.evaluate(
      () => (window as unknown as { optimlabResult: PageRun["result"] }).optimlabResult,
    );
    return { result, errors: problems.errors, workers, requests };
  } finally {
    await page.close();
  }
}

/** Both runs finished and learned, with no page error. */
function expectTrained(run: PageRun) {
  expect(run.errors).toEqual([]);
  expect("failed" in run.result ? run.result.failed : undefined).toBeUndefined();
  const runs = run.result as Exclude<PageRun["result"], { failed: string }>;
  expect(runs.map((entry) => entry.error)).toEqual([undefined, undefined]);
  expect(runs.map((entry) => entry.label)).toEqual(["sgd lr=0.05 momentum=0.9", "adam lr=0.001"]);
  for (const entry of runs) expect(entry.lastLoss).toBeLessThan(entry.firstLoss);
}

/**
 * A bundler's output: the .wasm, its opt-in fast build (fetched only for precision "fast") and the worker come out
 * as files of their own, once each.
 */
async function expectAssets(dir: string) {
  const files = await readdir(dir, { recursive: true });
  const wasm = files.filter((file) => file.endsWith(".wasm"));
  expect(wasm).toHaveLength(2);
  expect(wasm.filter((file) => /optimlab_fast_bg[^/]*\.wasm$/.test(file))).toHaveLength(1);
  expect(files.filter((file) => /optimlab\.worker[^/]*\.js$/.test(file))).toHaveLength(1);
}

describe("bundlers", () => {
  it("Vite: the page built from import { compare } runs a comparison under a strict CSP", async () => {
    const app = join(consumer.dir, "vite-app");
    await rm(app, { recursive: true, force: true });
    await mkdir(app);
    await writeFile(join(app, "index.html"), PAGE_HTML(["./main.js"]));
    await writeFile(join(app, "main.js"), BUNDLER_ENTRY);
    const build = await mustRun(join(consumer.dir, "node_modules/.bin/vite"), ["build", "--logLevel", "warn"], {
      cwd: app,
    });
    expect(build.stdout + build.stderr, "Vite's warnings").toBe("");
    const out = join(app, "dist");
    await expectAssets(out);
    const server = await serve({ root: out, csp: STRICT_CSP });
    const run = await runPage(server.url + "index.html", server.url.slice(0, -1));
    expectTrained(run);
    expect(run.workers.length).toBeGreaterThan(0);
    for (const worker of run.workers) expect(worker.startsWith(server.url + "assets/")).toBe(true);
  });

  it("esbuild (with its meta-url plugin): the built page runs a comparison under a strict CSP", async () => {
    const app = join(consumer.dir, "esbuild-app");
    const out = join(app, "out");
    await rm(app, { recursive: true, force: true });
    await mkdir(out, { recursive: true });
    await writeFile(join(app, "main.js"), BUNDLER_ENTRY);
    await writeFile(
      join(app, "build.mjs"),
      `import { build } from "esbuild";
import metaUrl from "@chialab/esbuild-plugin-meta-url";
await build({
  entryPoints: ["main.js"],
  bundle: true,
  format: "esm",
  platform: "browser",
  outdir: "out",
  assetNames: "assets/[name]-[hash]",
  plugins: [metaUrl()],
  logLevel: "warning",
});
`,
    );
    const build = await mustRun("node", ["build.mjs"], { cwd: app });
    expect(build.stdout + build.stderr, "esbuild's warnings").toBe("");
    await writeFile(join(out, "index.html"), PAGE_HTML(["./main.js"]));
    await expectAssets(out);
    const server = await serve({ root: out, csp: STRICT_CSP });
    const run = await runPage(server.url + "index.html", server.url.slice(0, -1));
    expectTrained(run);
  });
});

describe("script tag", () => {
  /** The files a script-tag user copies out of node_modules/optimlab/dist/, in the same layout. */
  const SCRIPT_TAG_FILES = [
    "optimlab.global.js",
    "optimlab.worker.js",
    "pkg/optimlab_bg.wasm",
    "assets/mnist-sample.bin.gz",
  ];

  async function copySite(name: string): Promise<string> {
    const site = join(consumer.dir, name);
    await rm(site, { recursive: true, force: true });
    for (const file of SCRIPT_TAG_FILES) {
      await mkdir(join(site, "optimlab", file, ".."), { recursive: true });
      await cp(join(consumer.dir, "node_modules/optimlab/dist", file), join(site, "optimlab", file));
    }
    return site;
  }

  it("dist/optimlab.global.js copied into a static folder runs a comparison under a strict CSP", async () => {
    const site = await copySite("script-tag-site");
    await writeFile(join(site, "page.js"), COMPARE_SOURCE("optimlab"));
    await writeFile(join(site, "index.html"), PAGE_HTML(["optimlab/optimlab.global.js", "page.js"]));
    const server = await serve({ root: site, csp: STRICT_CSP });
    const run = await runPage(server.url + "index.html", server.url.slice(0, -1));
    expectTrained(run);
    expect(run.workers.length).toBeGreaterThan(0);
    expect(new Set(run.workers)).toEqual(new Set([server.url + "optimlab/optimlab.worker.js"]));
  });

  it("without the .wasm: every run's error names optimlab_bg.wasm and the URL where it was looked for", async () => {
    const site = await copySite("script-tag-no-wasm");
    await rm(join(site, "optimlab/pkg/optimlab_bg.wasm"));
    await writeFile(join(site, "page.js"), COMPARE_SOURCE("optimlab"));
    await writeFile(join(site, "index.html"), PAGE_HTML(["optimlab/optimlab.global.js", "page.js"]));
    const server = await serve({ root: site, csp: STRICT_CSP });
    const { result } = await runPage(server.url + "index.html", server.url.slice(0, -1));
    const message = `optimlab: the WebAssembly module optimlab_bg.wasm is missing: looked for ${server.url}optimlab/pkg/optimlab_bg.wasm`;
    const errors = "failed" in result ? [result.failed] : result.map((run) => run.error ?? "");
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) expect(error).toContain(message);
  });

  it("served by another origin (a CDN): workers start through a same-origin blob: bootstrap", async () => {
    const cdnFiles = await copySite("cdn-files");
    const cdn = await serve({ root: cdnFiles, csp: null, headers: { "Access-Control-Allow-Origin": "*" } });
    const cdnOrigin = cdn.url.slice(0, -1);
    const site = join(consumer.dir, "cdn-page");
    await rm(site, { recursive: true, force: true });
    await mkdir(site);
    await writeFile(join(site, "page.js"), COMPARE_SOURCE("optimlab"));
    await writeFile(join(site, "index.html"), PAGE_HTML([`${cdnOrigin}/optimlab/optimlab.global.js`, "page.js"]));
    // The policy README.md documents for a CDN: the CDN in script-src (the bundle, and the worker's importScripts)
    // and blob: workers (the bootstrap).
    const csp = `script-src 'self' 'wasm-unsafe-eval' ${cdnOrigin}; worker-src blob:`;
    const server = await serve({ root: site, csp });
    const run = await runPage(server.url + "index.html", server.url.slice(0, -1));
    expectTrained(run);
    expect(run.workers.length).toBeGreaterThan(0);
    for (const worker of run.workers) expect(worker.startsWith("blob:" + server.url)).toBe(true);
    const fromCdn = run.requests.filter((url) => url.startsWith(cdnOrigin)).map((url) => url.slice(cdnOrigin.length));
    expect(new Set(fromCdn)).toEqual(
      new Set([
        "/optimlab/optimlab.global.js",
        "/optimlab/optimlab.worker.js",
        "/optimlab/pkg/optimlab_bg.wasm",
        "/optimlab/assets/mnist-sample.bin.gz",
      ]),
    );
  });
});
