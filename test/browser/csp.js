// Runs under the page's CSP (no eval, no inline script): load the wasm in a Web Worker, train a tiny model,
// and write what happened, or the error, into #result for the test to read.
/* global optimlab -- the IIFE bundle's global, from the page's <script src> */
const violations = [];
document.addEventListener("securitypolicyviolation", (event) =>
  violations.push(`${event.violatedDirective} ${event.blockedURI}`),
);

async function main() {
  const smoke = await optimlab.smoke();
  const digits = await optimlab.loadMnistSampleDataset();
  const order = optimlab.seededPermutation(digits.count, 1);
  const run = await optimlab.train({
    data: { train: optimlab.selectRows(digits, order, 0, 256) },
    model: { layers: [784, 16, 10] },
    optimizer: { name: "adam", lr: 1e-3 },
    epochs: 2,
    batchSize: 64,
    seed: 0,
  });
  return { smoke, losses: Array.from(run.losses), violations };
}

main().then(
  (value) => {
    document.getElementById("result").textContent = JSON.stringify({ ok: true, ...value });
  },
  (error) => {
    document.getElementById("result").textContent = JSON.stringify({
      ok: false,
      error: `${error.name}: ${error.message}`,
      violations,
    });
  },
);
