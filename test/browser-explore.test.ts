// The demo page's exploration views in Debian's Chromium, served with the strict CSP (what `npm run demo` runs):
// the tabs work by keyboard; the LR finder runs range tests in Web Workers, shows their figure and the same
// suggestions as lrFindAll in Node, and "Use in Compare" copies one into the Compare form; the Landscape view
// draws the trajectories and tabulates exactly what landscape() gives in Node; Compare takes any registry
// optimizer, with fields generated from its defaults, and an lr schedule.
import { mkdir } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import * as node from "../dist/index.js";
import {
  launchChromium,
  startServer,
  STRICT_CSP,
  watchPage,
  type PageProblems,
  type StaticServer,
} from "./helpers/chromium.js";

let browser: Browser;
let server: StaticServer;

beforeAll(async () => {
  [browser, server] = await Promise.all([launchChromium(), startServer({ csp: STRICT_CSP })]);
});

afterAll(async () => {
  await Promise.all([browser?.close(), server?.close()]);
});

async function openDemo(): Promise<{ page: Page; problems: PageProblems }> {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  const problems = watchPage(page, server.url.slice(0, -1));
  await page.goto(server.url + "demo/");
  return { page, problems };
}

async function screenshot(page: Page, file: string): Promise<void> {
  await mkdir(new URL("../test-output/", import.meta.url), { recursive: true });
  await page.screenshot({ path: new URL(`../test-output/${file}`, import.meta.url).pathname, fullPage: true });
}

const activeId = (page: Page) => page.evaluate(() => document.activeElement?.id ?? "");

const tabState = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll('[role="tab"]')].map((tab) => ({
      id: tab.id,
      selected: tab.getAttribute("aria-selected"),
      tabIndex: (tab as HTMLElement).tabIndex,
      panelHidden: document.getElementById(tab.getAttribute("aria-controls")!)!.hidden,
    })),
  );

/** The tab states when `selected` is the chosen view: one tab stop, one panel shown. */
const only = (selected: string) =>
  ["tab-compare", "tab-lr-find", "tab-landscape"].map((id) => ({
    id,
    selected: String(id === selected),
    tabIndex: id === selected ? 0 : -1,
    panelHidden: id !== selected,
  }));

describe("the demo's view switcher", () => {
  it("is one tab stop; arrows, Home and End switch views and move the focus; Tab then enters the view", async () => {
    const { page, problems } = await openDemo();
    expect(await tabState(page)).toEqual(only("tab-compare"));
    await page.keyboard.press("Tab");
    expect(await activeId(page)).toBe("tab-compare");

    const steps: [string, string][] = [
      ["ArrowRight", "tab-lr-find"],
      ["ArrowRight", "tab-landscape"],
      ["ArrowRight", "tab-compare"],
      ["ArrowLeft", "tab-landscape"],
      ["Home", "tab-compare"],
      ["End", "tab-landscape"],
    ];
    for (const [key, selected] of steps) {
      await page.keyboard.press(key);
      expect(await activeId(page), key).toBe(selected);
      expect(await tabState(page), key).toEqual(only(selected));
    }
    // From the selected tab, Tab goes into its panel, not to the other tabs.
    await page.keyboard.press("Tab");
    expect(await activeId(page)).toBe("landscape-fn");
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("ArrowLeft");
    await page.keyboard.press("Tab");
    expect(await activeId(page)).toBe("lr-opt-0");
    expect(await page.getByRole("tab", { selected: true }).textContent()).toBe("LR finder");
    expect(problems).toEqual({ errors: [], foreignRequests: [] });
    await page.close();
  });
});

describe("the LR finder view", () => {
  it("runs a range test per optimizer in Web Workers and suggests the lrs lrFindAll gives in Node; Use in Compare copies one", async () => {
    const { page, problems } = await openDemo();
    const workers: string[] = [];
    page.on("worker", (worker) => workers.push(worker.url()));
    // The LR finder tests on the Compare view's data, batch size and seed.
    await page.getByLabel("Training rows").fill("2000");
    await page.getByLabel("Batch size").fill("128");
    await page.getByLabel("Seed").fill("4");
    await page.getByRole("tab", { name: "LR finder" }).click();
    // SGD and Adam by default; lion from the registry has no default lr and still opens (the test sets the lr).
    await expect.poll(() => page.locator("#lr-add-optimizer option").count()).toBe(37);
    await page.locator("#lr-add-optimizer").selectOption("lion");
    await page.getByRole("button", { name: "Add optimizer" }).click();
    await page.getByLabel("Iterations").fill("80");
    await page.getByRole("button", { name: "Find learning rates" }).click();
    await expect
      .poll(() => page.locator("#lr-status").textContent(), { timeout: 60_000 })
      .toMatch(/^Done: 3 range tests in /);

    const svg = page.locator("#lr-curves svg");
    expect(await svg.count()).toBe(1);
    expect(await svg.textContent()).toContain("Learning-rate range test");
    const table = await page
      .locator("#lr-suggestions tbody tr")
      .evaluateAll((rows) =>
        rows.map((row) => [...row.querySelectorAll("td")].slice(0, 5).map((cell) => cell.textContent)),
      );

    const sample = await node.loadMnistSample({ seed: 4 });
    const train = {
      ...sample.train,
      count: 2000,
      pixels: sample.train.pixels.slice(0, 2000 * 784),
      labels: sample.train.labels.slice(0, 2000),
    };
    const inNode = await node.lrFindAll({
      data: { train },
      model: { layers: [784, 100, 100, 10] },
      batchSize: 128,
      seed: 4,
      startLr: 1e-7,
      endLr: 10,
      numIter: 80,
      optimizers: [
        { name: "sgd", lr: 1e-3, label: "SGD" },
        { name: "adam", lr: 1e-3, label: "Adam" },
        { name: "lion", lr: 1e-3, label: "lion" },
      ],
    });
    const shown = (lr: { lr: number } | null) => (lr ? node.formatLr(lr.lr) : "–");
    expect(table).toEqual(
      inNode.map((result) => [
        result.label,
        shown(result.suggestions.valley),
        shown(result.suggestions.steepest),
        shown(result.suggestions.minimum),
        `${result.lrs.length}${result.stoppedEarly ? " (diverged)" : ""}`,
      ]),
    );
    const adam = inNode[1]!.suggestions.valley!;
    expect(adam.lr).toBeGreaterThan(1e-5);
    expect(adam.lr).toBeLessThan(1e-1);
    await screenshot(page, "demo-lr-find.png");

    // Adam's valley lr, as the table shows it, goes into Compare's Adam row, which gets the focus.
    await page.getByRole("button", { name: /^Use Adam's valley lr .* in Compare$/ }).click();
    expect(await tabState(page)).toEqual(only("tab-compare"));
    expect(await activeId(page)).toBe("opt-5-lr");
    expect(await page.locator("#opt-5-lr").inputValue()).toBe(String(Number(node.formatLr(adam.lr))));
    expect(await page.locator("#status").textContent()).toBe(
      `Adam: learning rate set to ${Number(node.formatLr(adam.lr))} (the valley of its range test).`,
    );

    // An optimizer Compare does not run yet gets a row of its own, ticked, with the suggested lr.
    await page.getByRole("tab", { name: "LR finder" }).click();
    await page.getByRole("button", { name: /^Use lion's .* in Compare$/ }).click();
    const lion = inNode[2]!.suggestions.valley ?? inNode[2]!.suggestions.steepest!;
    expect(await page.locator("#opt-8").isChecked()).toBe(true);
    expect(await page.locator('label[for="opt-8"]').textContent()).toBe("lion");
    expect(await page.locator("#opt-8-lr").inputValue()).toBe(String(Number(node.formatLr(lion.lr))));
    expect(workers.length).toBeGreaterThanOrEqual(1);
    expect(problems).toEqual({ errors: [], foreignRequests: [] });
    await page.close();
  });
});

describe("the Landscape view", () => {
  it("draws the default picture when first opened, then any function's trajectories; its table equals landscape() in Node", async () => {
    const { page, problems } = await openDemo();
    await page.getByRole("tab", { name: "Landscape" }).click();
    await expect
      .poll(() => page.locator("#landscape-status").textContent())
      .toMatch(/^Drew 6 paths of 300 steps on rosenbrock in \d+ ms\.$/);
    expect(await page.locator("#landscape-table tbody tr").count()).toBe(6);

    await page.getByLabel("Function", { exact: true }).selectOption("beale");
    await expect.poll(() => page.locator("#landscape-status").textContent()).toMatch(/ on beale in /);
    await page.getByLabel("Steps", { exact: true }).fill("200");
    // One more path that diverges: plain SGD from the registry at lr 1.
    await page.locator("#landscape-add-optimizer").selectOption("sgd");
    await page.getByRole("button", { name: "Add optimizer" }).click();
    await expect.poll(() => activeId(page)).toBe("landscape-opt-6-lr");
    await page.keyboard.press("Control+A");
    await page.keyboard.type("1");
    await page.getByRole("button", { name: "Draw trajectories" }).click();
    await expect
      .poll(() => page.locator("#landscape-status").textContent())
      .toMatch(/^Drew 7 paths of 200 steps on beale in \d+ ms\.$/);

    const svg = page.locator("#landscape-figure svg");
    expect(await svg.count()).toBe(1);
    expect(await svg.locator('[aria-label="title"]').textContent()).toBe(
      "Beale: f(x, y) = (1.5-x+xy)^2 + (2.25-x+xy^2)^2 + (2.625-x+xy^3)^2",
    );
    // One line per trajectory, each a path with points.
    const lines = await svg
      .locator('g[aria-label="line"] path')
      .evaluateAll((paths) => paths.map((path) => (path.getAttribute("d") ?? "").length));
    expect(lines).toHaveLength(7);
    for (const length of lines) expect(length).toBeGreaterThan(20);

    const rows = await page.locator("#landscape-table tbody tr").evaluateAll((trs) =>
      trs.map((tr) => {
        const cells = [...tr.querySelectorAll("td")];
        return [cells[0]!.textContent, cells[1]!.textContent, ...cells.slice(2).map((cell) => cell.dataset.value)];
      }),
    );
    const optimizers: node.OptimizerSpec[] = [...node.landscapeLineup("beale")!, { name: "sgd", lr: 1, label: "sgd" }];
    const result = await node.landscape({ fn: "beale", steps: 200, optimizers });
    const expected = result.runs.map((run) => {
      const last = run.x.length - 1;
      const [x, y] = [run.x[last]!, run.y[last]!];
      return [
        run.label,
        node.describeOptimizer(run.optimizer),
        String(x),
        String(y),
        String(run.finalValue),
        String(node.distanceToMinimum(result.fn, x, y)),
        String(run.diverged?.step),
      ];
    });
    expect(rows).toEqual(expected);
    expect(rows[6]!.slice(4)).toEqual(["NaN", "undefined", "2"]); // sgd lr=1 left the plane at its third step
    // Shown with four significant digits.
    expect(await page.locator("#landscape-table tbody tr").first().locator("td").nth(4).textContent()).toBe(
      result.runs[0]!.finalValue.toPrecision(4),
    );
    expect(await page.locator("#landscape-table tbody tr").last().locator("td").nth(6).textContent()).toBe("2");
    await screenshot(page, "demo-landscape.png");
    expect(problems).toEqual({ errors: [], foreignRequests: [] });
    await page.close();
  });
});

describe("Compare beyond the notebook's eight", () => {
  it("adds a registry optimizer with fields from its defaults, and trains every run under a cosine schedule", async () => {
    const { page, problems } = await openDemo();
    await page.getByLabel("Epochs").fill("1");
    await page.getByLabel("Batch size").fill("128");
    await page.getByLabel("Training rows").fill("512");
    await expect.poll(() => page.locator("#add-optimizer option").count()).toBe(37);
    await page.locator("#add-optimizer").selectOption("adamw");
    await page.getByRole("button", { name: "Add optimizer" }).click();
    // The new row's lr field starts at AdamW's default and has the focus; its other options fold under the row.
    await expect.poll(() => activeId(page)).toBe("opt-8-lr");
    expect(await page.locator("#opt-8-lr").inputValue()).toBe(String(node.OPTIMIZER_OPTIONS.adamw.lr));
    expect(await page.getByLabel("adamw betas 2").isVisible()).toBe(false);
    await page.locator("#optimizer-rows tr").last().getByText("options of adamw").click();
    expect(await page.locator("#opt-8-weight_decay").inputValue()).toBe("0.01");
    expect(await page.locator("#opt-8-betas").inputValue()).toBe("0.9");
    expect(await page.locator("#opt-8-betas-1").inputValue()).toBe("0.999");
    expect(await page.locator("#opt-8-amsgrad").isChecked()).toBe(false);
    await page.locator("#opt-8-weight_decay").fill("0.05");
    await page.locator("#opt-8-amsgrad").check();

    await page.getByLabel("Schedule", { exact: true }).selectOption("cosine");
    expect(await page.getByLabel("Lowest lr").isVisible()).toBe(true);
    expect(await page.getByLabel("Peak lr").isVisible()).toBe(false);
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await expect.poll(() => page.locator("#status").textContent(), { timeout: 60_000 }).toMatch(/^Done: 9 runs in /);

    const last = await page.locator("#accuracy tbody tr").last().locator("td").allTextContents();
    // Only the options that differ from AdamW's defaults are sent (and shown).
    expect(last.slice(0, 2)).toEqual(["adamw", "adamw lr=0.001, weight_decay=0.05, amsgrad=true"]);
    expect(last[6]).toBe("finished");
    const outcomes = await page.locator("#accuracy tbody tr td:nth-child(7)").allTextContents();
    expect(outcomes).toEqual(Array(9).fill("finished"));
    const schedule = page.locator("#schedule-curves");
    expect(await schedule.isVisible()).toBe(true);
    expect(await schedule.locator("svg").textContent()).toContain("Learning rate per step");
    expect(problems).toEqual({ errors: [], foreignRequests: [] });
    await page.close();
  });
});
