// Browser bundles (run by scripts/build.sh after tsc):
//   dist/optimlab.global.js   IIFE exposing `optimlab`, for a plain <script src> tag
//   dist/optimlab.browser.mjs ES module, for <script type="module"> and import maps
//   dist/optimlab.worker.js   the Web Worker every browser build starts (dist/browser.js too): a classic worker with
//                             no imports, so bundlers and CDNs can serve it as a plain file
// All of them compile dist/pkg/optimlab_bg.wasm, the one .wasm of the package, found relative to their own URL.
//   dist/demo/demo.js         the demo page's script, importing ../optimlab.browser.mjs
// and for Node:
//   dist/worker-node.cjs      the worker thread every Node pool starts: one CommonJS file with comlink and the wasm
//                             glue inside, so a fresh worker reads one file and needs no ES module loader (a worker
//                             running dist/worker-node.js, five ES modules, started ~20 ms later on the 2-core machine)
// A browser bundle that would pull in a Node built-in, or the Node-only queue packages of sweeps (bullmq, ioredis),
// fails the build, naming the importer.
import { build } from "esbuild";
import { mkdir } from "node:fs/promises";
import { builtinModules } from "node:module";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
process.chdir(root);

const nodeBuiltins = new Set(builtinModules);
/** Packages of the Node entry only: sweeps through Redis (ts/sweep/queue.ts). */
const nodeOnlyPackages = new Set(["bullmq", "ioredis"]);

/** Fails on `node:*` or bare built-in imports, which would break (or bloat) a browser bundle. */
const noNodeBuiltins = {
  name: "no-node-builtins",
  setup(esbuild) {
    esbuild.onResolve({ filter: /.*/ }, (args) => {
      const name = args.path.replace(/^node:/, "").split("/")[0];
      if (
        args.path.startsWith("node:") ||
        (args.kind !== "entry-point" && nodeBuiltins.has(name) && !args.path.startsWith("."))
      ) {
        return {
          errors: [{ text: `browser bundle imports the Node built-in "${args.path}" (from ${args.importer})` }],
        };
      }
      if (nodeOnlyPackages.has(args.path.split("/")[0])) {
        return {
          errors: [{ text: `browser bundle imports the Node-only package "${args.path}" (from ${args.importer})` }],
        };
      }
      return undefined;
    });
  },
};

/** The demo uses the library through its public ESM bundle, loaded once from dist/, not a private copy. */
const demoUsesPublicBundle = {
  name: "demo-uses-public-bundle",
  setup(esbuild) {
    esbuild.onResolve({ filter: /\/ts\/browser\.js$/ }, () => ({ path: "../optimlab.browser.mjs", external: true }));
  },
};

const common = {
  bundle: true,
  platform: "browser",
  target: ["chrome100", "firefox100", "safari16"],
  minify: true,
  sourcemap: true,
  legalComments: "linked",
  logLevel: "warning",
  plugins: [noNodeBuiltins],
};

// A classic script has no import.meta: its URL comes from document.currentScript (or the worker's location).
const classicScript = {
  inject: ["scripts/bundle-script-url.js"],
  define: { "import.meta.url": "scriptUrl" },
};

/** The Node worker bundle may hold only what a worker runs: anything else from node_modules fails the build. */
const WORKER_PACKAGES = new Set(["comlink"]);
const onlyWorkerPackages = {
  name: "only-worker-packages",
  setup(esbuild) {
    esbuild.onResolve({ filter: /^[^./]/ }, (args) => {
      const name = args.path.startsWith("@") ? args.path.split("/").slice(0, 2).join("/") : args.path.split("/")[0];
      if (args.path.startsWith("node:") || nodeBuiltins.has(name) || WORKER_PACKAGES.has(name)) return undefined;
      return { errors: [{ text: `the Node worker bundle imports "${args.path}" (from ${args.importer})` }] };
    });
  },
};

await mkdir("dist/demo", { recursive: true });
await Promise.all([
  build({
    ...common,
    entryPoints: ["ts/browser.ts"],
    outfile: "dist/optimlab.global.js",
    format: "iife",
    globalName: "optimlab",
    ...classicScript,
  }),
  build({
    ...common,
    entryPoints: ["ts/browser.ts"],
    outfile: "dist/optimlab.browser.mjs",
    format: "esm",
  }),
  build({
    ...common,
    entryPoints: ["ts/worker-browser.ts"],
    outfile: "dist/optimlab.worker.js",
    format: "iife",
    ...classicScript,
  }),
  build({
    entryPoints: ["ts/worker-node.ts"],
    outfile: "dist/worker-node.cjs",
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    sourcemap: true,
    logLevel: "warning",
    plugins: [onlyWorkerPackages],
    // The wasm glue's fallback loader (never used: workers instantiate the module they are sent) reads import.meta.url.
    inject: ["scripts/bundle-node-module-url.js"],
    define: { "import.meta.url": "moduleUrl" },
  }),
  build({
    ...common,
    entryPoints: ["demo/demo.ts"],
    outfile: "dist/demo/demo.js",
    format: "esm",
    plugins: [noNodeBuiltins, demoUsesPublicBundle],
  }),
]);
