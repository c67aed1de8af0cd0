#!/usr/bin/env node
// A tiny static server for the demo and the browser tests: serves the package root (dist/, demo/,
// test/browser/) on 127.0.0.1. Pages get the Content-Security-Policy the library promises to work
// under, and no cross-origin-isolation headers, so the demo shows that neither is needed.
//   node scripts/serve-demo.js [--port N]      (npm run demo)
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";

export const PACKAGE_ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The policy the script-tag bundle, the workers and the wasm must work under. */
export const STRICT_CSP = "script-src 'self' 'wasm-unsafe-eval'";

const CONTENT_TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".csv": "text/csv; charset=utf-8",
  ".gz": "application/gzip",
  ".bin": "application/octet-stream",
};

/**
 * Starts the server. `csp` is sent with every response (pass null for none); `headers` adds more, for
 * tests. Resolves to the server's base URL and a close() function.
 * @param {{ root?: string, port?: number, csp?: string | null, headers?: Record<string, string> }} [options]
 */
export function startServer({ root = PACKAGE_ROOT, port = 0, csp = STRICT_CSP, headers = {} } = {}) {
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? "/", "http://localhost").pathname);
    let file = normalize(join(root, path));
    // Never serve outside the root (a "/../" in the path).
    if (file !== normalize(root) && !file.startsWith(normalize(root + sep))) {
      response.writeHead(403).end("forbidden");
      return;
    }
    try {
      if ((await stat(file)).isDirectory()) file = join(file, "index.html");
      const body = await readFile(file);
      const type = CONTENT_TYPES[extname(file)] ?? "application/octet-stream";
      response.writeHead(200, {
        "Content-Type": type,
        "Cache-Control": "no-store",
        ...(csp ? { "Content-Security-Policy": csp } : {}),
        ...headers,
      });
      response.end(request.method === "HEAD" ? undefined : body);
    } catch {
      response.writeHead(404, { "Content-Type": "text/plain" }).end(`not found: ${path}`);
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      resolve({
        url: `http://127.0.0.1:${address.port}/`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === normalize(process.argv[1])) {
  const portFlag = process.argv.indexOf("--port");
  const port = portFlag > 0 ? Number(process.argv[portFlag + 1]) : Number(process.env.PORT ?? 8080);
  const { url } = await startServer({ port });
  console.log(`optimlab demo: ${url}demo/   (Ctrl+C to stop)`);
}
