// CSV reading at the notebook's scale: a 42,000-row Kaggle-format MNIST file (~77 MB, the size of
// Kaggle's train.csv) generated from the embedded sample's digits, read with readCsvFile. Prints the
// time, the peak memory above the baseline, and that peak as a multiple of the decoded buffers.
// Run: npx tsx bench/csv.bench.ts
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { loadMnistSampleDataset, selectRows } from "../ts/data/index.js";
import { readCsvFile, writeCsvFile } from "../ts/data/node.js";

const ROWS = 42_000;
const MB = 1024 * 1024;

export interface CsvBenchResult {
  rows: number;
  fileMB: number;
  seconds: number;
  decodedMB: number;
  peakRssMB: number;
  peakHeapMB: number;
  rssMultiple: number;
  heapMultiple: number;
}

// A full collection before the baseline, so that garbage from generating the file does not hide the
// reader's own allocations; node's gc() without needing --expose-gc on the command line.
setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

/** JS heap plus array buffers: what the reader allocates, without the process's fixed code pages. */
function heapBytes(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

export async function run(): Promise<CsvBenchResult> {
  const dir = await mkdtemp(join(tmpdir(), "optimlab-csv-bench-"));
  try {
    const path = join(dir, "train.csv");
    {
      const sample = await loadMnistSampleDataset();
      const rows = Uint32Array.from({ length: ROWS }, (_, i) => i % sample.count);
      await writeCsvFile(path, selectRows(sample, rows));
    }
    const fileMB = (await stat(path)).size / MB;

    collectGarbage();
    const baseRss = process.memoryUsage().rss;
    const baseHeap = heapBytes();
    let peakRss = baseRss;
    let peakHeap = baseHeap;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      peakHeap = Math.max(peakHeap, heapBytes());
    }, 2);
    const start = performance.now();
    const { dataset } = await readCsvFile(path);
    const seconds = (performance.now() - start) / 1000;
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    peakHeap = Math.max(peakHeap, heapBytes());

    if (dataset.count !== ROWS || dataset.features !== 784)
      throw new Error(`read ${dataset.count}×${dataset.features}, expected ${ROWS}×784`);
    const decoded = dataset.pixels.byteLength + dataset.labels.byteLength;
    const result: CsvBenchResult = {
      rows: ROWS,
      fileMB,
      seconds,
      decodedMB: decoded / MB,
      peakRssMB: (peakRss - baseRss) / MB,
      peakHeapMB: (peakHeap - baseHeap) / MB,
      rssMultiple: (peakRss - baseRss) / decoded,
      heapMultiple: (peakHeap - baseHeap) / decoded,
    };
    const f = (value: number, digits = 1) => value.toFixed(digits);
    console.log(`csv: ${ROWS} rows, ${f(fileMB)} MB file read in ${f(seconds, 2)} s (${f(fileMB / seconds)} MB/s)`);
    console.log(
      `csv: decoded buffers ${f(result.decodedMB)} MB; peak above baseline: rss +${f(result.peakRssMB)} MB (${f(result.rssMultiple, 2)}×), heap+arrayBuffers +${f(result.peakHeapMB)} MB (${f(result.heapMultiple, 2)}×)`,
    );
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
