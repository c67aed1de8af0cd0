// Launches Debian's Chromium (/usr/bin/chromium; browser downloads do not work here) through playwright-core,
// and serves the package root with scripts/serve-demo.js, as `npm run demo` does.
import { chromium, type Browser, type Page } from "playwright-core";
import { startServer as startStaticServer, STRICT_CSP } from "../../scripts/serve-demo.js";

export { STRICT_CSP };

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `root` (default: the package root) on 127.0.0.1; `csp: null` sends no Content-Security-Policy; `headers`
 * are added to every response.
 */
export function startServer(
  options: { csp?: string | null; root?: string; headers?: Record<string, string> } = {},
): Promise<StaticServer> {
  return startStaticServer(options);
}

/** What a page did wrong: uncaught errors, console errors, CSP violations, and requests that left the server. */
export interface PageProblems {
  errors: string[];
  foreignRequests: string[];
}

/** Records a page's uncaught errors, console errors and every request to a host other than `origin`. */
export function watchPage(page: Page, origin: string): PageProblems {
  const problems: PageProblems = { errors: [], foreignRequests: [] };
  page.on("pageerror", (error) => problems.errors.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.errors.push(`console: ${message.text()}`);
  });
  page.on("request", (request) => {
    if (!request.url().startsWith(origin)) problems.foreignRequests.push(request.url());
  });
  return problems;
}
