// Node's problem data (see problems.ts): the embedded sample, Fashion-MNIST from Debian's dataset-fashion-mnist, and
// CSV files by path.
import { access } from "node:fs/promises";
import { join } from "node:path";
import { readCsvFile } from "./data/csv-node.js";
import { readIdxFiles } from "./data/idx-node.js";
import { loadMnistSample } from "./data/mnist-sample.js";
import { splitDataset } from "./data/split.js";
import { ConfigError } from "./errors.js";
import { compileModule } from "./wasm-node.js";
import type { DataSplit } from "./types.js";
import {
  FASHION_MNIST_DIR,
  FASHION_MNIST_PACKAGE,
  loadProblemWith,
  type LoadedProblem,
  type ProblemLoaders,
  type ProblemOptions,
} from "./problems.js";

/** Fashion-MNIST's 60,000 training and 10,000 test images from the Debian package's gzipped IDX files. */
export async function readFashionMnist(directory = FASHION_MNIST_DIR): Promise<DataSplit> {
  const file = (name: string) => join(directory, name);
  try {
    await access(file("train-images-idx3-ubyte.gz"));
  } catch {
    throw new ConfigError(
      `Fashion-MNIST is not installed: ${file("train-images-idx3-ubyte.gz")} is missing; install Debian's package ${FASHION_MNIST_PACKAGE} (apt-get install ${FASHION_MNIST_PACKAGE})`,
    );
  }
  const [train, test] = await Promise.all([
    readIdxFiles(file("train-images-idx3-ubyte.gz"), file("train-labels-idx1-ubyte.gz"), { classes: 10 }),
    readIdxFiles(file("t10k-images-idx3-ubyte.gz"), file("t10k-labels-idx1-ubyte.gz"), { classes: 10 }),
  ]);
  const source = `Fashion-MNIST (${FASHION_MNIST_PACKAGE}, ${directory})`;
  return { train: { ...train, source }, test: { ...test, source } };
}

export const nodeProblemLoaders: ProblemLoaders = {
  sample: (seed) => loadMnistSample({ seed }),
  compileModule: () => compileModule(),
  fashionMnist: () => readFashionMnist(),
  async csv(file, target, seed, holdout) {
    const { dataset } = await readCsvFile(file, { target: target ?? -1 });
    return splitDataset(dataset, { seed, testFraction: holdout });
  },
};

/**
 * A problem of the registry with its data read: `compare({ ...(await loadProblem("mnist_2c2d")), optimizers })`. The
 * embedded sample is split by `seed`; Fashion-MNIST needs Debian's dataset-fashion-mnist; csv_regression reads
 * `csv` with its numeric `target` column.
 */
export function loadProblem(name: string, options: ProblemOptions = {}): Promise<LoadedProblem> {
  return loadProblemWith(name, options, nodeProblemLoaders);
}
