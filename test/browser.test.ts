// The browser builds in Debian's Chromium, served by scripts/serve-demo.js (what `npm run demo` runs):
// the script-tag bundle trains in Web Workers and matches Node bit for bit; the demo page compares optimizers,
// draws the curves and cancels; everything works under a strict CSP and without cross-origin isolation.
import { mkdir } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import * as node from "../dist/index.js";
import { bindApi } from "../dist/api.js";
import { nodePlatform } from "../dist/platform-node.js";
import { launchChromium, startServer, STRICT_CSP, watchPage, type StaticServer } from "./helpers/chromium.js";

type Optimlab = typeof import("../dist/browser.js");

let browser: Browser;
let plainServer: StaticServer;
let strictServer: StaticServer;
let wasmBlockedServer: StaticServer;

beforeAll(async () => {
  [browser, plainServer, strictServer, wasmBlockedServer] = await Promise.all([
    launchChromium(),
    startServer({ csp: null }),
    startServer({ csp: STRICT_CSP }),
    startServer({ csp: "script-src 'self'" }),
  ]);
});

afterAll(async () => {
  await Promise.all([browser?.close(), plainServer?.close(), strictServer?.close(), wasmBlockedServer?.close()]);
});

const origin = (server: StaticServer) => server.url.slice(0, -1);

/** A small comparison both platforms run: 600 + 200 digits of the embedded sample, a narrow MLP, two optimizers. */
const PARITY = {
  permutationSeed: 7,
  trainRows: 600,
  testRows: 200,
  layers: [784, 32, 10],
  optimizers: [
    { name: "sgd", lr: 0.05, momentum: 0.9 },
    { name: "adam", lr: 1e-3 },
  ] satisfies node.OptimizerSpec[],
  epochs: 2,
  batchSize: 64,
  seed: 3,
};

/** Runs PARITY with `lib` (Node's or the page's optimlab) and returns plain numbers; the same source runs in both. */
async function runParity(
  lib: Pick<Optimlab, "compare" | "loadMnistSampleDataset" | "seededPermutation" | "selectRows">,
  parity: typeof PARITY,
) {
  const all = await lib.loadMnistSampleDataset();
  const order = lib.seededPermutation(all.count, parity.permutationSeed);
  const train = lib.selectRows(all, order, 0, parity.trainRows);
  const test = lib.selectRows(all, order, parity.trainRows, parity.trainRows + parity.testRows);
  const runs = await lib.compare({
    data: { train, test },
    model: { layers: parity.layers },
    optimizers: parity.optimizers,
    epochs: parity.epochs,
    batchSize: parity.batchSize,
    seed: parity.seed,
  });
  return runs.map((run) => ({
    label: run.label,
    losses: Array.from(run.losses),
    evalLoss: run.epochs.map((epoch) => epoch.evalLoss),
    evalAccuracy: run.epochs.map((epoch) => epoch.evalAccuracy),
    error: run.error,
  }));
}

async function openPage(
  server: StaticServer,
  path: string,
): Promise<{ page: Page; problems: ReturnType<typeof watchPage>; workers: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  const problems = watchPage(page, origin(server));
  const workers: string[] = [];
  page.on("worker", (worker) => workers.push(worker.url()));
  await page.goto(server.url + path);
  return { page, problems, workers };
}

describe("the script-tag bundle (dist/optimlab.global.js)", () => {
  it("loads the SIMD wasm in a Web Worker, without cross-origin isolation", async () => {
    const { page, problems, workers } = await openPage(plainServer, "test/browser/global.html");
    const result = await page.evaluate(() => (window as unknown as { optimlab: Optimlab }).optimlab.smoke());
    const globalFunctions = await page.evaluate(() =>
      Object.entries((window as unknown as { optimlab: Record<string, unknown> }).optimlab)
        .filter(([, value]) => typeof value === "function")
        .map(([name]) => name),
    );
    await page.close();
    expect(globalFunctions).toEqual(expect.arrayContaining(Object.keys(bindApi(nodePlatform()))));
    expect(result.simd).toBe(true);
    expect(result.crossOriginIsolated).toBe(false);
    expect(result.dot).toBeCloseTo(result.dotScalar, 4);
    expect(workers).toEqual([plainServer.url + "dist/optimlab.worker.js"]);
    expect(problems).toEqual({ errors: [], foreignRequests: [] });
  });

  it("runs a comparison in Web Workers with losses bit-identical to the same run in Node", async () => {
    const { page, problems, workers } = await openPage(plainServer, "test/browser/global.html");
    const inBrowser = await page.evaluate(
      async ([source, parity]) => {
        const run = new Function(`return (${source})`)() as typeof runParity;
        return run((window as unknown as { optimlab: Optimlab }).optimlab, parity);
      },
      [runParity.toString(), PARITY] as const,
    );
    await page.close();
    const inNode = await runParity(node as unknown as Optimlab, PARITY);

    expect(inNode.map((run) => run.error)).toEqual([undefined, undefined]);
    expect(inNode[0]!.losses).toHaveLength(20); // ceil(600 / 64) = 10 steps × 2 epochs
    expect(inBrowser).toEqual(inNode);
    expect(workers.length).toBeGreaterThanOrEqual(1);
    expect(problems).toEqual({ errors: [], foreignRequests: [] });
  });

  it("transfers each dataset to a fresh worker once, without cloning it, and leaves the page's arrays whole", async () => {
    const { page, problems } = await openPage(plainServer, "test/browser/global.html");
    const seen = await page.evaluate(async () => {
      const { optimlab } = window as unknown as { optimlab: Optimlab };
      // What the pools post for addData: comlink's message and its transfer list.
      const posts: { transferred: number[]; shared: boolean }[] = [];
      const post = Worker.prototype.postMessage;
      Worker.prototype.postMessage = function (this: Worker, message: unknown, transfer: Transferable[] = []) {
        const call = message as { path?: string[]; argumentList?: { value?: Record<string, Uint8Array> }[] };
        if (call?.path?.at(-1) === "addData") {
          const arrays = Object.values(call.argumentList?.[1]?.value ?? {});
          posts.push({
            transferred: arrays.map((array) =>
              transfer.includes(array.buffer as ArrayBuffer) ? array.byteLength : -1,
            ),
            shared: typeof SharedArrayBuffer === "function",
          });
        }
        return post.call(this, message, { transfer });
      } as typeof post;
      const all = await optimlab.loadMnistSampleDataset();
      const order = optimlab.seededPermutation(all.count, 5);
      const train = optimlab.selectRows(all, order, 0, 300);
      const test = optimlab.selectRows(all, order, 300, 400);
      const run = async () => {
        const [result] = await optimlab.compare({
          data: { train, test },
          model: { layers: [784, 16, 10] },
          optimizers: [{ name: "adam", lr: 1e-3 }],
          epochs: 1,
          batchSize: 50,
          workers: 1,
        });
        return Array.from(result!.losses);
      };
      const first = await run();
      const second = await run(); // a new pool, a new worker: the copies the first one handed back, refreshed
      Worker.prototype.postMessage = post;
      const sizes = [train.pixels.length, train.labels.length, test.pixels.length, test.labels.length];
      return { posts, first, second, sizes, crossOriginIsolated };
    });
    await page.close();
    expect(seen.crossOriginIsolated).toBe(false);
    const [trainPixels, trainLabels, testPixels, testLabels] = seen.sizes;
    expect([trainPixels, trainLabels, testPixels, testLabels]).toEqual([300 * 784, 300, 100 * 784, 100]);
    // Each comparison's worker got train and test once, every array in the transfer list (not cloned).
    expect(seen.posts.map((post) => post.transferred)).toEqual([
      [trainPixels, trainLabels],
      [testPixels, testLabels],
      [trainPixels, trainLabels],
      [testPixels, testLabels],
    ]);
    expect(seen.posts.every((post) => !post.shared)).toBe(true);
    expect(seen.first).toHaveLength(6);
    expect(seen.second).toEqual(seen.first);
    expect(problems).toEqual({ errors: [], foreignRequests: [] });
  });

  it('runs precision "fast" on the relaxed-SIMD build, fetched only then, to the default build\'s accuracy', async () => {
    const { page, problems } = await openPage(plainServer, "test/browser/global.html");
    const wasmRequests: string[] = [];
    page.on("request", (request) => {
      if (request.url().endsWith(".wasm")) wasmRequests.push(request.url().slice(plainServer.url.length));
    });
    const runs = await page.evaluate(async (parity) => {
      const { optimlab } = window as unknown as { optimlab: Optimlab };
      const all = await optimlab.loadMnistSampleDataset();
      const order = optimlab.seededPermutation(all.count, parity.permutationSeed);
      const train = optimlab.selectRows(all, order, 0, parity.trainRows);
      const test = optimlab.selectRows(all, order, parity.trainRows, parity.trainRows + parity.testRows);
      const settings = { data: { train, test }, model: { layers: parity.layers }, optimizers: parity.optimizers };
      const exact = await optimlab.compare({ ...settings, epochs: parity.epochs, seed: parity.seed });
      const fast = await optimlab.compare({ ...settings, epochs: parity.epochs, seed: parity.seed, precision: "fast" });
      return [exact, fast].map((set) =>
        set.map((run) => ({ precision: run.precision, accuracy: run.epochs.at(-1)!.evalAccuracy!, error: run.error })),
      );
    }, PARITY);
    await page.close();
    const [exact, fast] = runs as [(typeof runs)[0], (typeof runs)[0]];
    expect(exact.map((run) => run.precision)).toEqual([undefined, undefined]);
    expect(fast.map((run) => [run.precision, run.error])).toEqual([
      ["fast", undefined],
      ["fast", undefined],
    ]);
    for (const [i, run] of fast.entries()) expect(Math.abs(run.accuracy - exact[i]!.accuracy)).toBeLessThan(0.03);
    expect(wasmRequests).toEqual(["dist/pkg/optimlab_bg.wasm", "dist/pkg/optimlab_fast_bg.wasm"]);
    expect(problems).toEqual({ errors: [], foreignRequests: [] });
  });

  it("steps an optimizer on the page's own tensors exactly as in Node (createOptimizer)", async () => {
    const steps = async (lib: Pick<Optimlab, "createOptimizer">) => {
      const optimizer = await lib.createOptimizer("adam", { lr: 0.1, betas: [0.9, 0.99] }, [[2, 2], [2]]);
      const params = [Float32Array.of(1, -2, 3, 0.5), Float32Array.of(0.25, -1)];
      for (let step = 1; step <= 5; step++) {
        optimizer.step([params[0]!.map((x) => 2 * x + step), params[1]!.map((x) => x * x - 1)], params);
      }
      optimizer.dispose();
      return params.map((tensor) => Array.from(tensor));
    };
    const { page } = await openPage(plainServer, "test/browser/global.html");
    const inBrowser = await page.evaluate(async (source) => {
      const run = new Function(`return (${source})`)() as typeof steps;
      return run((window as unknown as { optimlab: Optimlab }).optimlab);
    }, steps.toString());
    await page.close();
    const inNode = await steps(node as unknown as Optimlab);
    expect(inNode[0]![0]).not.toBe(1);
    expect(inBrowser).toEqual(inNode);
  });

  it("fails a run with a clear error, instead of hanging, when its worker script cannot be loaded", async () => {
    const { page } = await openPage(plainServer, "test/browser/global.html");
    const outcome = await page.evaluate(async () => {
      const { optimlab } = window as unknown as { optimlab: Optimlab };
      optimlab.setAssetLocation({ workerUrl: new URL("/nowhere/optimlab.worker.js", location.href).href });
      const train = {
        pixels: new Uint8Array(4 * 784),
        labels: new Uint8Array([0, 1, 2, 3]),
        count: 4,
        features: 784,
        classes: 10,
      };
      return optimlab
        .train({
          data: { train },
          model: { layers: [784, 10] },
          optimizer: { name: "sgd", lr: 0.1 },
          epochs: 1,
          batchSize: 2,
          seed: 0,
        })
        .then(
          () => "resolved",
          (error: Error) => `${error.name}: ${error.message}`,
        );
    });
    await page.close();
    expect(outcome).toBe(
      `WorkerCrashError: run "sgd lr=0.1" crashed: the worker script ${plainServer.url}nowhere/optimlab.worker.js failed to load`,
    );
  });
});

describe("under Content-Security-Policy: script-src 'self' 'wasm-unsafe-eval'", () => {
  async function readResult(server: StaticServer) {
    const { page, problems } = await openPage(server, "test/browser/csp.html");
    const output = page.locator("#result:not(:empty)");
    await output.waitFor({ timeout: 60_000 });
    const result = JSON.parse((await output.textContent()) ?? "null");
    await page.close();
    return { result, problems };
  }

  it("the page's own script trains in Web Workers with no violation", async () => {
    const { result, problems } = await readResult(strictServer);
    expect(result).toMatchObject({ ok: true, violations: [], smoke: { simd: true, crossOriginIsolated: false } });
    expect(result.losses).toHaveLength(8);
    expect(result.losses.every((loss: number) => Number.isFinite(loss) && loss > 0)).toBe(true);
    expect(problems).toEqual({ errors: [], foreignRequests: [] });
  });

  it("is really enforced: without 'wasm-unsafe-eval' compiling the module is refused", async () => {
    const { result } = await readResult(wasmBlockedServer);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/^CompileError: .*violates the following Content Security policy directive/);
  });
});

describe("the demo page (served with the strict CSP, as `npm run demo` does)", () => {
  async function configure(page: Page, settings: { epochs: number; batchSize: number; trainRows: number }) {
    await page.getByLabel("Epochs").fill(String(settings.epochs));
    await page.getByLabel("Batch size").fill(String(settings.batchSize));
    await page.getByLabel("Training rows").fill(String(settings.trainRows));
  }

  it("compares the notebook's line-up (the CLI's), draws the curves and fills the accuracy table", async () => {
    const { page, problems, workers } = await openPage(strictServer, "demo/");
    await configure(page, { epochs: 2, batchSize: 128, trainRows: 4000 });
    await page.getByRole("button", { name: "Run" }).click();
    const lineup = node.NOTEBOOK_LINEUP;
    await expect
      .poll(() => page.locator("#status").textContent(), { timeout: 100_000 })
      .toMatch(new RegExp(`^Done: ${lineup.length} runs in `));

    expect(await page.locator("#curves svg").count()).toBeGreaterThan(0);
    expect(await page.locator("#curves svg").first().textContent()).toContain("Evolution of Optimizers");
    // The very runs `optimlab compare` and `npm start` make: the same labels, optimizers and options.
    expect(await page.locator("#accuracy tbody tr td:nth-child(1)").allTextContents()).toEqual(
      lineup.map((spec) => spec.label),
    );
    expect(await page.locator("#accuracy tbody tr td:nth-child(2)").allTextContents()).toEqual(
      lineup.map((spec) => node.describeOptimizer(spec)),
    );
    const accuracies = await page.locator("#accuracy tbody tr td:nth-child(5)").allTextContents();
    // Adam and friends reach well above chance (10%) on 4,000 digits in two epochs.
    expect(accuracies.filter((text) => Number.parseFloat(text) > 50).length).toBeGreaterThanOrEqual(4);
    expect(workers.length).toBeGreaterThanOrEqual(1);
    expect(problems).toEqual({ errors: [], foreignRequests: [] });

    await mkdir(new URL("../test-output/", import.meta.url), { recursive: true });
    await page.screenshot({ path: new URL("../test-output/demo.png", import.meta.url).pathname, fullPage: true });
    await page.close();
  });

  it("cancels a long comparison promptly, and runs again afterwards", async () => {
    const { page, problems } = await openPage(strictServer, "demo/");
    await configure(page, { epochs: 50, batchSize: 64, trainRows: 8000 });
    await page.getByRole("button", { name: "Run" }).click();
    await expect
      .poll(
        () =>
          page
            .locator("#progress progress")
            .first()
            .evaluate((bar) => (bar as HTMLProgressElement).value),
        { timeout: 30_000 },
      )
      .toBeGreaterThan(0);
    // The curves are drawn live, before any run has finished.
    await page.locator("#curves svg").first().waitFor({ timeout: 10_000 });
    const cancelled = Date.now();
    await page.getByRole("button", { name: "Cancel" }).click();
    await expect.poll(() => page.locator("#status").textContent(), { timeout: 10_000 }).toBe("Cancelled.");
    expect(Date.now() - cancelled).toBeLessThan(5_000);
    expect(await page.getByRole("button", { name: "Run" }).isEnabled()).toBe(true);
    expect(await page.getByRole("button", { name: "Cancel" }).isDisabled()).toBe(true);

    await configure(page, { epochs: 1, batchSize: 256, trainRows: 512 });
    await page.getByRole("button", { name: "Run" }).click();
    await expect.poll(() => page.locator("#status").textContent(), { timeout: 60_000 }).toMatch(/^Done: 8 runs in /);
    expect(problems).toEqual({ errors: [], foreignRequests: [] });
    await page.close();
  });

  it("trains on a CSV file the user picks (Kaggle's MNIST layout), holding out a fraction", async () => {
    const digits = await node.loadMnistSampleDataset();
    const rows = node.selectRows(digits, node.seededPermutation(digits.count, 5), 0, 500);
    const { page, problems } = await openPage(strictServer, "demo/");
    await page.getByLabel("Epochs").fill("1");
    await page
      .getByLabel("CSV file", { exact: true })
      .setInputFiles({ name: "digits.csv", mimeType: "text/csv", buffer: Buffer.from(node.toCsv(rows)) });
    expect(await page.getByLabel(/^A CSV file/).isChecked()).toBe(true);
    await page.getByLabel("Held-out share").fill("0.2");
    await page.getByRole("button", { name: "Run" }).click();
    await expect.poll(() => page.locator("#status").textContent(), { timeout: 60_000 }).toMatch(/^Done: 8 runs in /);
    // 400 training rows at batch 256: 2 steps; the 100 held-out rows give accuracies in whole percent.
    const accuracies = await page.locator("#accuracy tbody tr td:nth-child(5)").allTextContents();
    expect(accuracies).toHaveLength(8);
    for (const text of accuracies) expect(text).toMatch(/^\d+\.00 %$/);
    expect(problems).toEqual({ errors: [], foreignRequests: [] });
    await page.close();
  });

  it("is usable by keyboard: Tab walks the form in reading order and Enter starts a run", async () => {
    const { page } = await openPage(strictServer, "demo/");
    const focusOrder: string[] = [];
    for (let i = 0; i < 9; i++) {
      await page.keyboard.press("Tab");
      focusOrder.push(await page.evaluate(() => document.activeElement?.id ?? ""));
    }
    // The view switcher's selected tab first (see test/browser-explore.test.ts), then the Compare form.
    expect(focusOrder).toEqual([
      "tab-compare",
      "opt-0",
      "opt-0-lr",
      "opt-0-lr-mode",
      "opt-0-schedule",
      "opt-1",
      "opt-1-lr",
      "opt-1-lr-mode",
      "opt-1-schedule",
    ]);
    await page.getByLabel("Training rows").fill("256");
    await page.getByLabel("Epochs").focus();
    await page.keyboard.press("Control+A");
    await page.keyboard.type("1");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("#status").textContent(), { timeout: 60_000 }).toMatch(/^Done: 8 runs in /);
    await page.close();
  });
});
