// The demo in Debian's Chromium with a CSV from a stranger: a file name and a header that are markup
// (`<img src=x onerror=…>`) show as text in the status, and no script of theirs runs. Served WITHOUT a CSP, so that
// markup that reached the DOM would run its handler.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { launchChromium, startServer, watchPage, type StaticServer } from "./helpers/chromium.js";

let browser: Browser;
let server: StaticServer;

beforeAll(async () => {
  [browser, server] = await Promise.all([launchChromium(), startServer({ csp: null })]);
});

afterAll(async () => {
  await Promise.all([browser?.close(), server?.close()]);
});

const markup = (mark: string) => `<img src=x onerror="window.injected='${mark}'">`;

describe("the demo with a CSV from a stranger", () => {
  it("shows a markup file name and header as text, and runs none of it", async () => {
    const page = await browser.newPage();
    const problems = watchPage(page, server.url.slice(0, -1));
    await page.goto(server.url + "demo/");
    const images = await page.locator("img").count();
    const name = `${markup("name")}.csv`;
    const header = markup("header");
    // Line 3's pixel is not a number: the error names the column by its header.
    const text = `label,${header}\n1,5\n2,x\n`;
    await page
      .getByLabel("CSV file", { exact: true })
      .setInputFiles({ name, mimeType: "text/csv", buffer: Buffer.from(text) });
    await page.getByRole("button", { name: "Run" }).click();
    await expect
      .poll(() => page.locator("#status").textContent(), { timeout: 30_000 })
      .toBe(`Failed: ${name}, line 3, column 2 (${header}): "x" is not a number`);
    expect(await page.locator("img").count()).toBe(images);
    expect(await page.evaluate(() => (window as { injected?: string }).injected)).toBeUndefined();
    expect(await page.evaluate(() => (({}) as { polluted?: unknown }).polluted === undefined)).toBe(true);
    expect(problems.foreignRequests).toEqual([]);
    await page.close();
  });
});
