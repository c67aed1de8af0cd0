// The demo's fair comparisons in Debian's Chromium, served with the strict CSP: a configuration in the URL hash
// (lr auto, seeds) fills the form, trains to exactly the numbers compare() gives in Node, and again when the page
// is re-opened from its own address; the results download as CSV, JSON and a report naming the CLI command.
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import * as node from "../dist/index.js";
import type { ComparisonConfig } from "../dist/index.js";
import { launchChromium, startServer, STRICT_CSP, watchPage, type StaticServer } from "./helpers/chromium.js";

let browser: Browser;
let server: StaticServer;

beforeAll(async () => {
  [browser, server] = await Promise.all([launchChromium(), startServer({ csp: STRICT_CSP })]);
});

afterAll(async () => {
  await Promise.all([browser?.close(), server?.close()]);
});

const CONFIG: ComparisonConfig = {
  data: { source: "sample", trainRows: 600 },
  optimizers: [
    { name: "sgd", label: "Momentum", lr: "auto", lrRule: "valley", momentum: 0.9 },
    { name: "adam", label: "Adam", lr: 2e-3 },
  ],
  epochs: 1,
  batchSize: 64,
  seed: 2,
  seeds: 2,
};

/** AdamW warmed up then annealed beside Schedule-Free AdamW without any schedule, the rest under a step decay. */
const SCHEDULED: ComparisonConfig = {
  data: { source: "sample", trainRows: 640 },
  // In the form's order: the notebook's line-up first, then the rows added from the registry.
  optimizers: [
    { name: "sgd", label: "Momentum", lr: 0.05, momentum: 0.9 },
    {
      name: "adamw",
      label: "AdamW",
      lr: 3e-3,
      schedule: {
        name: "SequentialLR",
        schedulers: [
          { name: "LinearLR", start_factor: 0.05, total_iters: 4 },
          { name: "cosine", eta_min: 1e-4 },
        ],
        milestones: [4],
      },
    },
    { name: "schedule_free_adamw", label: "SF-AdamW", lr: 3e-3, schedule: null },
  ],
  epochs: 1,
  batchSize: 64,
  seed: 1,
  seeds: 1,
  schedule: { name: "step", step_size: 5, gamma: 0.5 },
};

/** The embedded sample as the demo trains on it for `config`: split with its seed, its first `trainRows` rows. */
async function sampleAsTheDemoTakesIt(config: ComparisonConfig) {
  const sample = await node.loadMnistSample({ seed: config.seed });
  const rows = (config.data as { trainRows: number }).trainRows;
  const { train } = sample;
  return {
    ...sample,
    train: { ...train, count: rows, pixels: train.pixels.slice(0, rows * 784), labels: train.labels.slice(0, rows) },
  };
}

/** The numbers of the runs, without their timings. */
function numbers(
  runs: {
    label: string;
    seed: number;
    lrChoice?: unknown;
    losses: (number | null)[];
    epochs: { evalLoss?: number; evalAccuracy?: number }[];
  }[],
) {
  return runs.map((run) => ({
    label: run.label,
    seed: run.seed,
    lrChoice: run.lrChoice,
    losses: run.losses,
    evalLoss: run.epochs.map((epoch) => epoch.evalLoss),
    evalAccuracy: run.epochs.map((epoch) => epoch.evalAccuracy),
  }));
}

/** Opens the demo at `url`, presses Run, waits until done, and returns the page with its JSON download parsed. */
async function runFromLink(
  url: string,
  runs = 4,
): Promise<{
  page: Page;
  results: { configuration: ComparisonConfig; runs: never[] };
  problems: ReturnType<typeof watchPage>;
}> {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, acceptDownloads: true });
  const problems = watchPage(page, server.url.slice(0, -1));
  await page.goto(url);
  await expect.poll(() => page.locator("#status").textContent()).toContain("Configuration loaded from the link");
  await page.getByRole("button", { name: "Run" }).click();
  await expect
    .poll(() => page.locator("#status").textContent(), { timeout: 100_000 })
    .toMatch(new RegExp(`^Done: ${runs} runs in `));
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download JSON" }).click();
  const results = JSON.parse(await readFile((await (await download).path())!, "utf8"));
  return { page, results, problems };
}

describe("the demo's configuration link and exports", () => {
  it("fills the form from the hash, trains what Node trains bit for bit, and again when re-opened from its address", async () => {
    const link = `${server.url}demo/#${node.configToHash(CONFIG)}`;
    const first = await runFromLink(link);
    const { page } = first;
    // The form shows the link's configuration.
    expect(await page.getByLabel("Replicates per optimizer").inputValue()).toBe("2");
    expect(await page.getByLabel("Momentum learning rate choice").inputValue()).toBe("valley");
    expect(await page.locator("#opt-5-lr").inputValue()).toBe("0.002");
    expect(await page.locator("#opt-2").isChecked()).toBe(false); // Nesterov: not in the link
    expect(await page.locator("#seeds-section").isHidden()).toBe(false);
    expect(first.results.configuration).toEqual(CONFIG);

    // The same comparison in Node.
    const data = await sampleAsTheDemoTakesIt(CONFIG);
    const inNode = await node.compare({
      data,
      model: { layers: [784, 100, 100, 10] },
      optimizers: CONFIG.optimizers,
      epochs: CONFIG.epochs,
      batchSize: CONFIG.batchSize,
      seed: CONFIG.seed,
      seeds: CONFIG.seeds,
    });
    const nodeJson = JSON.parse(node.resultsJson(inNode));
    expect(nodeJson.runs.map((run: { lrChoice?: { method: string } }) => run.lrChoice?.method)).toEqual([
      "auto",
      "auto",
      undefined,
      undefined,
    ]);
    expect(numbers(first.results.runs)).toEqual(numbers(nodeJson.runs));

    // The page's address now holds the configuration: opened afresh, it trains the same numbers again.
    const address = page.url();
    expect(address).toContain("#config=");
    const again = await runFromLink(address);
    expect(numbers(again.results.runs)).toEqual(numbers(first.results.runs));

    // CSV and report.html.
    const csvDownload = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download CSV" }).click();
    const csv = await readFile((await (await csvDownload).path())!, "utf8");
    expect(csv.split("\n")[0]).toBe("run,label,seed,lr,lr_rule,step,loss");
    expect(csv.split("\n")[1]).toMatch(/^0,Momentum,2,[\d.e-]+,valley,0,/);
    const reportDownload = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download report.html" }).click();
    const report = await readFile((await (await reportDownload).path())!, "utf8");
    expect(report).toContain(
      "optimlab compare --opt sgd:lr=auto,lrRule=valley,momentum=0.9,label=Momentum --opt adam:lr=0.002,label=Adam --limit 600 --epochs 1 --batch-size 64 --seed 2 --seeds 2",
    );
    expect(report).toContain('<pre id="configuration">');
    expect(report).toContain("<h2>Over seeds</h2>");
    for (const { page: opened, problems } of [first, again]) {
      expect(problems.errors).toEqual([]);
      expect(problems.foreignRequests.filter((url) => !url.startsWith(`blob:${server.url.slice(0, -1)}`))).toEqual([]);
      await opened.close();
    }
  });

  it("gives runs their own schedules (warm-up + cosine, none) beside the comparison's, as Node does", async () => {
    const { page, results, problems } = await runFromLink(`${server.url}demo/#${node.configToHash(SCHEDULED)}`, 3);
    expect(await page.getByLabel("AdamW schedule", { exact: true }).inputValue()).toBe("warmup-cosine");
    expect(await page.getByLabel("SF-AdamW schedule", { exact: true }).inputValue()).toBe("none");
    expect(await page.getByLabel("Momentum schedule", { exact: true }).inputValue()).toBe("inherit");
    expect(await page.getByLabel("Schedule", { exact: true }).inputValue()).toBe("step");
    expect(await page.getByLabel("Warm-up steps").inputValue()).toBe("4");
    expect(results.configuration).toEqual(SCHEDULED);

    const data = await sampleAsTheDemoTakesIt(SCHEDULED);
    const { data: _data, optimizers, ...settings } = SCHEDULED;
    const inNode = await node.compare({ data, model: { layers: [784, 100, 100, 10] }, optimizers, ...settings });
    const nodeRuns = JSON.parse(node.resultsJson(inNode)).runs;
    expect(numbers(results.runs)).toEqual(numbers(nodeRuns));
    // The lrs: AdamW rises over its warm-up to 3e-3 then anneals, SF-AdamW stays, Momentum halves every 5 steps.
    const [momentum, adamw, scheduleFree] = inNode.map((run) => run.lrs);
    expect(momentum![5]).toBeCloseTo(0.025, 9);
    expect(adamw![0]).toBeCloseTo(3e-3 * 0.05, 9);
    expect(adamw![4]).toBeCloseTo(3e-3, 9);
    expect(adamw![9]).toBeLessThan(adamw![5]!);
    expect(scheduleFree).toBeUndefined();

    const reportDownload = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download report.html" }).click();
    const report = await readFile((await (await reportDownload).path())!, "utf8");
    expect(report).toContain(
      "--opt &#39;adamw:lr=0.003,label=AdamW@SequentialLR(LinearLR:start_factor=0.05,total_iters=4; cosine:eta_min=0.0001; milestones=4)&#39;",
    );
    expect(report).toContain("--opt schedule_free_adamw:lr=0.003,label=SF-AdamW@none");
    expect(problems.errors).toEqual([]);
    await page.close();
  });

  it("says what is wrong with a broken link instead of failing silently", async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}demo/#config=${encodeURIComponent('{"epochs":1}')}`);
    await expect
      .poll(() => page.locator("#status").textContent())
      .toBe("Could not read the link's configuration: the link's configuration has no number batchSize");
    await page.close();
  });
});
