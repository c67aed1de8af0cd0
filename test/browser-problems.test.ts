// The demo's problems in Debian's Chromium, served with the strict CSP: the Problem choice offers every problem of
// the registry whose data a page has (the embedded sample's and DeepOBS's quadratic, drawn in wasm); choosing
// quadratic_deep takes its batch size and epochs, trains the comparison in Web Workers to exactly the numbers
// compare() gives in Node on the same problem, and draws the curves; a CSV with a target column trains
// csv_regression as the CLI's --csv --target does.
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import * as node from "../dist/index.js";
import type { ComparisonConfig, RunResult } from "../dist/index.js";
import { launchChromium, startServer, STRICT_CSP, watchPage, type StaticServer } from "./helpers/chromium.js";

let browser: Browser;
let server: StaticServer;

beforeAll(async () => {
  [browser, server] = await Promise.all([launchChromium(), startServer({ csp: STRICT_CSP })]);
});

afterAll(async () => {
  await Promise.all([browser?.close(), server?.close()]);
});

/** Clicks Run, waits for the comparison and its curves, and returns the page's "Download JSON" file. */
async function runAndDownload(page: Page) {
  await page.getByRole("button", { name: "Run" }).click();
  await expect.poll(() => page.locator("#status").textContent(), { timeout: 100_000 }).toMatch(/^Done: \d+ runs in /);
  expect(await page.locator("#curves svg").first().textContent()).toContain("Evolution of Optimizers");
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download JSON" }).click();
  return JSON.parse(await readFile((await (await download).path())!, "utf8")) as {
    configuration: ComparisonConfig;
    runs: (RunResult & { losses: (number | null)[] })[];
  };
}

/** The numbers of the runs, without their timings. */
function numbers(runs: { label: string; losses: (number | null)[]; epochs: { evalLoss?: number }[] }[]) {
  return runs.map((run) => ({
    label: run.label,
    losses: run.losses,
    evalLoss: run.epochs.map((epoch) => epoch.evalLoss),
  }));
}

describe("the demo's Problem choice", () => {
  it("offers the problems a page can train; quadratic_deep trains what Node trains and draws its curves", async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, acceptDownloads: true });
    const problems = watchPage(page, server.url.slice(0, -1));
    await page.goto(server.url + "demo/");

    // Every problem whose data is the embedded sample or generated; Fashion-MNIST's files and a regression CSV are Node's.
    const offered = await page
      .locator("#problem option")
      .evaluateAll((options) => options.map((option) => (option as HTMLOptionElement).value));
    const inBrowser = node.MODEL_PROBLEMS.filter((name) =>
      ["mnist-sample", "deepobs-quadratic"].includes(node.problemInfo(name).data),
    );
    expect(offered).toEqual(inBrowser);
    expect(offered).toContain("quadratic_deep");
    expect(await page.locator("#problem").inputValue()).toBe(node.DEFAULT_PROBLEM);

    const name = "quadratic_deep";
    const info = node.problemInfo(name);
    await page.locator("#problem").selectOption(name);
    expect(await page.locator("#batch-size").inputValue()).toBe(String(info.batchSize));
    expect(await page.locator("#epochs").inputValue()).toBe(String(info.epochs));
    expect(await page.locator("#problem-description").textContent()).toBe(info.description);
    const epochs = 4; // a few of its 100, to keep the test short
    await page.locator("#epochs").fill(String(epochs));
    const results = await runAndDownload(page);
    expect(results.configuration.problem).toBe(name);
    // One line per run in the figure.
    const lines = await page.locator('#curves svg g[aria-label="line"] path').count();
    expect(lines).toBeGreaterThanOrEqual(results.runs.length);

    // The same comparison in Node: the problem's data, model and dropLast; the page's optimizers, epochs and seed.
    const { configuration } = results;
    const problem = await node.loadProblem(name);
    const inNode = await node.compare({
      ...problem,
      optimizers: configuration.optimizers,
      epochs: configuration.epochs,
      batchSize: configuration.batchSize,
      seed: configuration.seed,
    });
    const nodeRuns = JSON.parse(node.resultsJson(inNode)).runs;
    expect(results.runs[0]!.stepsPerEpoch).toBe(Math.floor(problem.data.train.count / info.batchSize!));
    expect(numbers(results.runs)).toEqual(numbers(nodeRuns));
    expect(problems.errors).toEqual([]);
    expect(problems.foreignRequests.filter((url) => !url.startsWith(`blob:${server.url.slice(0, -1)}`))).toEqual([]);
    await page.close();
  });

  it("trains csv_regression on a CSV with a target column, as compare --csv --target does in Node", async () => {
    // y = 2·a − b + 0.5·c + 1, a little noise; a header names the columns.
    const rows = ["a,b,c,y"];
    for (let i = 0; i < 240; i++) {
      const [a, b, c] = [(i % 17) / 17, ((i * 7) % 23) / 23, ((i * 13) % 29) / 29];
      rows.push([a, b, c, 2 * a - b + 0.5 * c + 1 + (((i * 31) % 11) - 5) / 100].join(","));
    }
    const csv = rows.join("\n") + "\n";
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, acceptDownloads: true });
    const problems = watchPage(page, server.url.slice(0, -1));
    await page.goto(server.url + "demo/");
    await page
      .locator("#csv-file")
      .setInputFiles({ name: "linear.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await page.locator("#csv-target").fill("y");
    await page.locator("#epochs").fill("2");
    await page.locator("#batch-size").fill("32");
    const results = await runAndDownload(page);
    const { configuration } = results;
    expect(results.runs.filter((run) => run.error !== undefined || run.losses.length === 0)).toEqual([]);
    expect(configuration.problem).toBe("csv_regression");
    expect(configuration.data).toEqual({ source: "csv", file: "linear.csv", testFraction: 0.2, target: "y" });
    expect(node.compareCommand(configuration)).toContain("--csv linear.csv --target y --holdout 0.2");

    const { dataset } = await node.readCsv(new Blob([csv]), { target: "y" });
    const data = node.splitDataset(dataset, { seed: configuration.seed, testFraction: 0.2 });
    const model = node.problemModel(node.problemInfo("csv_regression"), { features: dataset.features, outputs: 1 });
    const inNode = await node.compare({
      data,
      model,
      optimizers: configuration.optimizers,
      epochs: configuration.epochs,
      batchSize: configuration.batchSize,
      seed: configuration.seed,
    });
    expect(numbers(results.runs)).toEqual(numbers(JSON.parse(node.resultsJson(inNode)).runs));
    expect(problems.errors).toEqual([]);
    await page.close();
  });
});
